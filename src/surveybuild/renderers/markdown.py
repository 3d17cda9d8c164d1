"""Table -> README text: GFM pipe tables for flat tables, HTML tables where rows or columns are grouped.

Cells are escaped here (a named policy for each output: ``gfm`` and ``html``);
citations become numbered ``[n]`` links through a :class:`Citations` registry
shared by the whole README, so numbers follow first use.
"""

from __future__ import annotations

import functools
import html
import re

from . import layout
from .. import values
from ..texlang.latextext import Cite, Image, Link, Math, NoteRef, Piece, Text, to_pieces
from ..model import Column, Row, Table


class Citations:
    """Numbers cite keys in order of first use."""

    def __init__(self, entries: dict | None = None):
        self.order: list[str] = []
        self.numbers: dict[str, int] = {}
        self.first_table: dict[str, str] = {}
        self.entries = entries or {}  # key -> BibEntry: the authors and year \citet, \citeyear print

    def label(self, key: str) -> tuple[str, str]:
        """The authors and the year natbib prints for ``key`` (its key and '' when the bib lacks it)."""
        from .references import cite_label

        return cite_label(self.entries[key]) if key in self.entries else (key, "")

    def number(self, key: str, table_id: str = "") -> int:
        if key not in self.numbers:
            self.order.append(key)
            self.numbers[key] = len(self.order)
        self.first_table.setdefault(key, table_id)
        return self.numbers[key]

    def seed(self, keys: list[str]) -> None:
        """Number ``keys`` in this order before any is cited (which table cites each first is learnt later)."""
        for key in keys:
            if key not in self.numbers:
                self.order.append(key)
                self.numbers[key] = len(self.order)


def anchor(prefix: str, *parts: str) -> str:
    """An HTML id made of safe characters only."""
    return "-".join([prefix] + [re.sub(r"[^A-Za-z0-9_-]+", "-", p) for p in parts])


def ref_anchor(key: str) -> str:
    return anchor("ref", key)


def note_anchor(table: Table, note_id: str) -> str:
    return anchor("tn", table.id, note_id)


_GFM_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!$])")
#: GitHub turns a bare www.x or scheme://x in text into a link; an escaped '.' or ':' stops that.
_AUTOLINK = re.compile(r"(?i)(?<=\bwww)(\.)|(:)(?=//)")


@functools.lru_cache(maxsize=1 << 16)
def escape_gfm(text: str, autolinks: bool = True) -> str:
    """Plain text that GitHub's Markdown shows as written, inside a pipe-table cell too.

    ``autolinks=False`` for a link's own text, where GitHub makes no link anyway. Cells and
    reference fields repeat (venues, years, licenses): each text is escaped once.
    """
    text = " ".join(text.splitlines())
    text = text.replace("&", "&amp;")
    text = _GFM_SPECIAL.sub(r"\\\1", text)
    # the pattern has no fixed start, so it is tried at every character: only where "www." or "://" is at all
    if autolinks and ("://" in text or "www." in text.lower()):
        return _AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    return text


def gfm_link(url: str, text: str) -> str:
    """A Markdown link to a checked http(s) ``url``, whose text is shown as written."""
    return f"[{escape_gfm(text, autolinks=False)}]({_gfm_url(url)})"


def _gfm_url(url: str) -> str:
    return url.replace(' ', '%20').replace(')', '%29').replace('(', '%28')


def gfm_math(source: str, in_table: bool = True) -> str:
    """Inline math for GitHub, which renders it from the ``$`` source: the LaTeX kept as written.

    ``$source$`` when GitHub's Markdown (cmark-gfm) leaves that text as it is, in a table cell too;
    otherwise ``$`source`$``, GitHub's form whose inside is a code span, not Markdown. In a pipe-table
    cell a ``|`` is written ``\\|`` (GFM unescapes it before the code span is read).
    """
    if _markdown_keeps(source):
        return f"${source}$"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", source)), default=0) + 1)
    inner = source.replace("|", "\\|") if in_table else source
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"${fence}{pad}{inner}{pad}{fence}$"


@functools.lru_cache(maxsize=4096)
def _markdown_keeps(source: str) -> bool:
    """Whether cmark-gfm shows ``$source$`` as written, in a paragraph and in a pipe-table cell."""
    import cmarkgfm

    text = f"${source}$"
    # no character that could pair with one in the cell's other math (emphasis, code, links, HTML);
    # an underscore after a letter or digit can close emphasis but never open it
    if source.strip() != source or re.search(r"[\t\n\r*`~\[\]<>&|$]|(?<![A-Za-z0-9])_", source):
        return False
    rendered = cmarkgfm.github_flavored_markdown_to_html(f"{text}\n\n| h |\n| - |\n| {text} |\n")
    shown = re.findall(r"<p>(.*?)</p>|<td>(.*?)</td>", rendered, re.S)
    return len(shown) == 2 and all(html.unescape(p or td) == text and "<" not in (p or td) for p, td in shown)


@functools.lru_cache(maxsize=1 << 16)
def escape_html(text: str) -> str:
    return html.escape(" ".join(text.splitlines()), quote=True)


class Renderer:
    """Renders cells of one table in one flavour (``gfm`` or ``html``)."""

    def __init__(self, table: Table, citations: Citations, flavour: str, marks: dict[str, str] | None = None,
                 in_table: bool = True):
        self.table = table
        self.in_table = in_table  # gfm: inside a pipe-table cell
        self.citations = citations
        self.flavour = flavour
        self._marks = marks

    @property
    def marks(self) -> dict[str, str]:
        """Note id -> mark, worked out when first asked for (a caption seldom refers to a note)."""
        if self._marks is None:
            self._marks = layout.note_marks(self.table)
        return self._marks

    def esc(self, text: str) -> str:
        return escape_gfm(text) if self.flavour == "gfm" else escape_html(text)

    def link(self, url: str, text: str) -> str:
        if self.flavour == "gfm":
            return gfm_link(url, text)
        return f'<a href="{html.escape(url, quote=True)}">{escape_html(text)}</a>'

    def image(self, src: str, alt: str) -> str:
        if self.flavour == "gfm":
            return "!" + gfm_link(src, alt)
        return f'<img src="{html.escape(src, quote=True)}" alt="{escape_html(alt)}">'

    def cite(self, keys, form: str = "") -> str:
        """The numbers of ``keys``, each a link to its reference; natbib's ``form`` (:class:`Cite`) adds what it
        prints besides: ``\\citet`` 'Smith et al. [1]', ``\\citeauthor`` 'Smith et al.', ``\\citeyear`` '2023'."""
        links = []
        for key in keys:
            n = self.citations.number(key, self.table.id)
            link = (f"[\\[{n}\\]](#{ref_anchor(key)})" if self.flavour == "gfm"
                    else f'[<a href="#{ref_anchor(key)}">{n}</a>]')
            if form:
                authors, year = self.citations.label(key)
                said = self.esc(year if form == "year" else authors)
                link = f"{said} {link}" if form == "author" else self.link_to(ref_anchor(key), said)
            links.append(link)
        return (", " if form else " ").join(links)

    def link_to(self, anchor_id: str, text: str) -> str:
        """``text`` (escaped already) as a link to an anchor of the README."""
        return f"[{text}](#{anchor_id})" if self.flavour == "gfm" else f'<a href="#{anchor_id}">{text}</a>'

    def note_ref(self, note_id: str) -> str:
        mark = self.marks.get(note_id, "?")
        return f'<sup><a href="#{note_anchor(self.table, note_id)}">{mark}</a></sup>'

    def pieces(self, pieces: tuple[Piece, ...]) -> str:
        out = []
        for piece in pieces:
            if isinstance(piece, Text):
                text = self.esc(piece.text.replace("\N{NO-BREAK SPACE}", " "))
                if piece.bold and text.strip():
                    text = f"**{text}**" if self.flavour == "gfm" else f"<b>{text}</b>"
                if piece.italic and text.strip():
                    text = f"*{text}*" if self.flavour == "gfm" else f"<i>{text}</i>"
                out.append(text)
            elif isinstance(piece, Cite):  # natbib's notes around the numbers: 'see [1], p. 3'
                out.append((" " if out and not out[-1].endswith((" ", "(", "[")) else "")
                           + (self.esc(piece.prenote) + " " if piece.prenote else "") + self.cite(piece.keys, piece.form)
                           + (", " + self.esc(piece.postnote) if piece.postnote else ""))
            elif isinstance(piece, NoteRef):
                out.append(self.note_ref(piece.note_id))
            elif isinstance(piece, Link) and piece.image:
                shown = self.image(piece.image, piece.text)
                out.append(f"[{shown}]({_gfm_url(piece.url)})" if self.flavour == "gfm"
                           else f'<a href="{html.escape(piece.url, quote=True)}">{shown}</a>')
            elif isinstance(piece, Link):
                out.append(self.link(piece.url, piece.text))
            elif isinstance(piece, Math):
                # GitHub renders math only in Markdown text: an HTML table shows its source
                out.append(gfm_math(piece.source, self.in_table) if self.flavour == "gfm"
                           else escape_html(f"${piece.source}$"))
            elif isinstance(piece, Image):
                out.append(self.image(piece.src, piece.alt))
        return "".join(out).strip()

    def latex(self, text: str) -> str:
        return self.pieces(to_pieces(text))

    def value(self, column: Column, raw: object) -> str:
        if raw is None or raw == "" or raw == []:
            return values.MISSING
        if column.type == "latex":
            return self.lines(str(raw), self.latex) or values.MISSING
        if column.type == "url":
            return self.link(str(raw), column.title.lower())
        if column.type == "size":
            return self.esc(values.format_size(raw))
        if column.type == "bool":
            return self.esc(column.flag(raw))
        if column.type == "list":
            return self.lines(", ".join(map(str, raw)), self.esc)
        return self.lines(str(raw), self.esc)

    @staticmethod
    def lines(text: str, render) -> str:
        """A cell's lines, each rendered alone, joined by ``<br>`` (GitHub shows it as a line break in a
        pipe-table cell, and an HTML table's cell is HTML): nothing of one line can reach into the next."""
        if values.LINE_BREAK not in text:
            return render(text)
        return "<br>".join(shown for shown in map(render, values.lines(text)) if shown)

    def cell(self, row: Row, column: Column, sub: int) -> str:
        value = row.value(column.key, sub)
        text = self.value(column, value.raw if value is not None else None)
        if sub == 0:
            if column is self.table.columns[0] and row.cites:
                text += " " + self.cite([k for k, _ in row.cites])
            for col_key, note_id, _ in row.notes:
                if col_key == column.key:
                    text += self.note_ref(note_id)
        return text


def needs_html(table: Table) -> bool:
    columns = [c for c in table.columns if c.in_readme]
    return bool(table.groups) or any(c.group for c in columns) or any(r.sublines for r in table.rows)


def render_table(table: Table, citations: Citations) -> str:
    """The table and its notes, as README Markdown."""
    gfm = Renderer(table, citations, "gfm")
    if needs_html(table):
        text = _html_table(table, Renderer(table, citations, "html", gfm.marks))
    else:
        text = _gfm_table(table, gfm)
    return text + _notes(table, Renderer(table, citations, "gfm", gfm.marks, in_table=False))


def _gfm_table(table: Table, r: Renderer) -> str:
    columns = [c for c in table.columns if c.in_readme]
    rule = {"l": ":--", "c": ":-:", "r": "--:"}
    lines = ["| " + " | ".join(escape_gfm(c.title) for c in columns) + " |",
             "| " + " | ".join(rule[c.align] for c in columns) + " |"]
    for section in layout.sections(table):
        for row in section.rows:
            lines.append("| " + " | ".join(r.cell(row, c, 0) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _html_table(table: Table, r: Renderer) -> str:
    columns = [c for c in table.columns if c.in_readme]
    align = {"l": "left", "c": "center", "r": "right"}
    top, lower = layout.header(columns)
    grouped = bool(table.groups)
    lines = ["<table>", "<thead>"]
    levels = 2 if lower else 1
    head = ["<tr>"]
    if grouped:
        title = escape_html(table.group_title)
        head.append(f'<th rowspan="{levels}">{title}</th>' if levels > 1 else f"<th>{title}</th>")
    for c in top:
        if c.grouped:
            head.append(f'<th colspan="{c.span}">{escape_html(c.title)}</th>')
        elif levels > 1:
            head.append(f'<th rowspan="2">{escape_html(c.title)}</th>')
        else:
            head.append(f"<th>{escape_html(c.title)}</th>")
    lines.append("".join(head) + "</tr>")
    if lower:
        lines.append("<tr>" + "".join(f"<th>{escape_html(c.title)}</th>" for c in lower) + "</tr>")
    lines += ["</thead>", "<tbody>"]
    for section in layout.sections(table):
        first_in_section = True
        for row in section.rows:
            for sub in range(row.height):
                cells = []
                if grouped and first_in_section:
                    cells.append(f'<td rowspan="{section.height}">{r.latex(section.group.title)}</td>')
                    first_in_section = False
                for c in columns:
                    spanning = row.height > 1 and row.spans(c.key)
                    if spanning and sub > 0:
                        continue
                    span = f' rowspan="{row.height}"' if spanning else ""
                    cells.append(f'<td{span} align="{align[c.align]}">{r.cell(row, c, sub)}</td>')
                lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines) + "\n"


def _notes(table: Table, r: Renderer) -> str:
    if not table.notes:
        return ""
    marks = r.marks
    lines = ["", "Notes:", ""]
    for note in sorted(table.notes, key=lambda n: (len(marks[n.id]), marks[n.id])):
        lines.append(f'- <a id="{note_anchor(table, note.id)}"></a><sup>{marks[note.id]}</sup> {r.latex(note.text)}')
    return "\n".join(lines) + "\n"
