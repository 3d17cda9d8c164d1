"""Table -> ``paper/tables/<id>.tex`` text (booktabs, threeparttable / ThreePartTable + longtable)."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass

from pylatexenc.latexencode import RULE_CALLABLE, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from . import layout, values
from .model import Column, Row, Settings, Table
from .templating import latex_env

#: The escaping policies for plain text. ``pdflatex``: the ten specials and every
#: non-ASCII character pdflatex can typeset become LaTeX; any other character is
#: an error (:class:`UnencodableText`) rather than a compile failure later.
#: Under T1 fonts some ASCII characters are ligatures or typographic quotes
#: (-- --- ,, !` ?` ` ' "): they are written so that they print as typed.
_LITERAL = {"'": r"\textquotesingle{}", "`": r"\textasciigrave{}", '"': r"\textquotedbl{}"}


def _literal_ascii(s: str, pos: int):
    ch = s[pos]
    if ch in _LITERAL:
        return 1, _LITERAL[ch]
    if ch in "-," and s[pos + 1:pos + 2] == ch:
        return 1, ch + "{}"  # breaks the -- / ,, ligature
    return None


ESCAPE_POLICIES = {
    "pdflatex": dict(non_ascii_only=False, replacement_latex_protection="braces-after-macro",
                     unknown_char_policy="fail",
                     conversion_rules=[UnicodeToLatexConversionRule(RULE_CALLABLE, _literal_ascii), "defaults"]),
}
# pylatexenc also logs each unencodable character; the Problem we raise says it once.
logging.getLogger("pylatexenc.latexencode").addHandler(logging.NullHandler())
logging.getLogger("pylatexenc.latexencode").propagate = False


#: The packages every generated table needs, in the paper's preamble (before hyperref).
TABLE_PACKAGES = r"""\usepackage{booktabs,longtable,multirow,array}
\usepackage[referable]{threeparttablex}
\usepackage{pdflscape}
"""

#: arXiv's HTML view (LaTeXML) has no threeparttablex: there, ``\tnotex`` becomes ``\tnote`` and the notes
#: of a long table a plain list under it (docs/latexml.md). pdflatex skips this block.
LATEXML_FALLBACK = r"""\makeatletter
\ifdefined\insertTableNotes\else
  \providecommand\tnotex[1]{\tnote{\ref{#1}}}
  \newenvironment{ThreePartTable}{\gdef\sb@notes{}}{\sb@notes}
  \long\def\TableNotes#1\end#2{\gdef\sb@notes{\begin{tablenotes}#1\end{tablenotes}}\end{TableNotes}}
  \def\endTableNotes{}
  \newcommand\insertTableNotes{}
\fi
\makeatother
"""

#: The file (in the paper's ``tables/`` folder, next to the tables) that declares what the tables use;
#: the paper's preamble reads it with ``\input{tables/preamble}``. No table may have this id.
PREAMBLE_ID = "preamble"

#: A macro a table cell may use -> the package that defines it (``\usepackage`` lines, loaded only when used).
MACRO_PACKAGES = {
    **dict.fromkeys(("checkmark", "blacksquare", "square", "lozenge", "blacklozenge", "bigstar", "blacktriangle",
                     "blacktriangledown", "triangledown", "mathbb", "varnothing", "nexists", "circledcirc",
                     "lesssim", "gtrsim", "leqslant", "geqslant", "smallsetminus", "Box", "Diamond"), "amssymb"),
    **dict.fromkeys(("ding", "Pisymbol", "dingline"), "pifont"),
    **dict.fromkeys(("textcolor", "color", "colorbox", "fcolorbox"), "xcolor"),
    **dict.fromkeys(("cellcolor", "rowcolor", "columncolor"), "colortbl"),
    **dict.fromkeys(("rotatebox", "scalebox", "resizebox", "includegraphics", "reflectbox"), "graphicx"),
    **dict.fromkeys(("makecell", "thead", "makegapedcells"), "makecell"),
    **dict.fromkeys(("bm",), "bm"),
    **dict.fromkeys(("xspace",), "xspace"),
    **dict.fromkeys(("diagbox",), "diagbox"),
    **dict.fromkeys(("sout", "uwave", "xout"), "[normalem]ulem"),
    **dict.fromkeys(("url",), "url"),
}

#: Symbol macros that survey tables use but no package defines: given a meaning only where the paper has none.
SYMBOL_MACROS = {
    "cmark": (r"\ding{51}", "pifont"),
    "xmark": (r"\ding{55}", "pifont"),
}

#: The macros above, as one pattern: a table's text is searched for these names only.
_NEEDS = re.compile(r"\\(" + "|".join(sorted({*MACRO_PACKAGES, *SYMBOL_MACROS}, key=len, reverse=True))
                    + r")(?![A-Za-z])")


def table_preamble(texts) -> str:
    """``paper/tables/preamble.tex``: the packages and definitions the generated tables ``texts`` use."""
    used = set()
    for text in texts:
        used.update(_NEEDS.findall(text))
    packages = sorted({MACRO_PACKAGES[m] for m in used if m in MACRO_PACKAGES}
                      | {SYMBOL_MACROS[m][1] for m in used if m in SYMBOL_MACROS}, key=lambda p: p.rpartition("]")[2])
    lines = ["% The packages and definitions the generated tables use: the paper's preamble reads this file",
             "% with \\input{tables/preamble} (before hyperref). Written by surveybuild build: do not edit.",
             TABLE_PACKAGES.rstrip("\n")]
    for package in packages:
        options, _, name = package.rpartition("]")
        lines.append(f"\\usepackage{options + ']' if options else ''}{{{name}}}")
    for name in sorted(m for m in used if m in SYMBOL_MACROS):
        lines.append(f"\\providecommand\\{name}{{{SYMBOL_MACROS[name][0]}}}")
    return "\n".join(lines) + "\n" + LATEXML_FALLBACK


class UnencodableText(ValueError):
    """Raised by :func:`escape` for a character the policy cannot write in LaTeX."""


@functools.cache
def _encoder(policy: str) -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(**ESCAPE_POLICIES[policy])


_PLAIN = re.compile(r"(?:[A-Za-z0-9 .;:()/+=*!?@]|,(?!,)|-(?!-))*")


@functools.lru_cache(maxsize=65536)
def escape(text: str, policy: str = "pdflatex") -> str:
    """Plain text as LaTeX that prints exactly that text (names and values repeat: remembered)."""
    if _PLAIN.fullmatch(text):
        return text
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    control = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if control is not None:  # TeX reads most control characters as invalid or as markup
        raise UnencodableText(f"control character U+{ord(control):04X} {control!r} cannot be typeset by pdflatex")
    try:
        return _encoder(policy).unicode_to_latex(text)
    except ValueError as exc:
        bad = next((ch for ch in text if _fails(ch, policy)), "?")
        name = unicodedata.name(bad, "control character")
        raise UnencodableText(f"character U+{ord(bad):04X} {name} {bad!r} cannot be typeset by pdflatex") from exc


def _fails(ch: str, policy: str) -> bool:
    try:
        _encoder(policy).unicode_to_latex(ch)
    except ValueError:
        return True
    return False


def note_label(table: Table, note_id: str) -> str:
    return f"tn:{table.id}:{note_id}"


def url_note_id(row: Row) -> str:
    return f"url{row.index + 1}"


_TNOTEX = re.compile(r"\\tnotex(\*?)\{([^{}]*)\}")


def note_marks(labels: list[str]) -> str:
    """One mark for a note, a comma list for several (marks are zero-width and would overlap)."""
    if len(labels) == 1:
        return f"\\tnotex{{{labels[0]}}}"
    if labels:
        return "\\tnote{" + ",".join(f"\\ref{{{label}}}" for label in labels) + "}"
    return ""


_URL_ARG = re.compile(r"(\\(?:url|href)\s*\{)([^{}]*)(\})")


def latex_field(table: Table, text: str) -> str:
    """A LaTeX-typed field as the paper gets it: as written, note ids namespaced by table.

    A ``#`` in the URL of ``\\url``/``\\href`` is written ``\\#``: captions and long-table notes
    are macro arguments, where a bare ``#`` stops the compile.
    """
    text = _URL_ARG.sub(lambda m: m.group(1) + re.sub(r"(?<!\\)#", r"\\#", m.group(2)) + m.group(3), text)
    return _TNOTEX.sub(lambda m: f"\\tnotex{m.group(1)}{{{note_label(table, m.group(2).strip())}}}", text)


def cell_value(table: Table, column: Column, raw: object) -> str:
    if raw is None or raw == "":
        return values.MISSING
    if column.type == "latex":
        return latex_field(table, str(raw))
    if column.type == "size":
        return escape(values.format_size(raw))
    if column.type == "bool":
        return "Yes" if raw else "No"
    if column.type == "list":
        return escape(", ".join(map(str, raw))) or values.MISSING
    if column.type == "url":
        return latex_url(str(raw))
    return escape(str(raw))


@dataclass(frozen=True)
class PaperNote:
    mark: str
    label: str
    text: str


def url_columns(table: Table) -> list[Column]:
    """URL columns the paper shows as table notes."""
    return [c for c in table.columns if c.type == "url" and c.show in ("both", "paper")]


def latex_url(url: str) -> str:
    """``\\url{...}`` that also works inside another command's argument (a table note is one)."""
    return "\\url{" + url.replace("\\", "").replace("#", "\\#").replace("%", "\\%") + "}"


def url_note_text(table: Table, row: Row) -> str:
    urls = [(c, row.value(c.key)) for c in url_columns(table)]
    urls = [(c, v.raw) for c, v in urls if v is not None and v.raw]
    if len(urls) == 1:
        return latex_url(urls[0][1])
    return "; ".join(f"{escape(c.title)}: {latex_url(u)}" for c, u in urls)


class TableRenderer:
    def __init__(self, table: Table, settings: Settings):
        self.table = table
        self.settings = settings
        self.columns = [c for c in table.columns if c.in_paper]
        self.marks = layout.note_marks(table)
        self.url_rows: list[Row] = []

    def cell(self, row: Row, column: Column, sub: int) -> str:
        value = row.value(column.key, sub)
        text = cell_value(self.table, column, value.raw if value is not None else None)
        if sub == 0:
            if column is self.table.columns[0] and row.cites:
                keys = ",".join(k for k, _ in row.cites)
                text += f"~\\{self.settings.cite_command}{{{keys}}}"
            labels = [note_label(self.table, note_id) for col_key, note_id, _ in row.notes if col_key == column.key]
            if column is self.columns[0] and url_columns(self.table) and url_note_text(self.table, row).strip():
                self.url_rows.append(row)
                labels.append(note_label(self.table, url_note_id(row)))
            text += note_marks(labels)
        return text

    def lines(self, row: Row) -> list[str]:
        height = row.height
        out = []
        for sub in range(height):
            cells = []
            for column in self.columns:
                spanning = height > 1 and row.spans(column.key)
                if spanning and sub > 0:
                    cells.append("")
                elif spanning:
                    cells.append(f"\\multirow{{{height}}}{{*}}{{{self.cell(row, column, 0)}}}")
                else:
                    cells.append(self.cell(row, column, sub))
            out.append(" & ".join(cells) + r" \\")
        return out

    def head(self) -> str:
        top, lower = layout.header(self.columns)
        lines = [r"\toprule"]
        if not lower:
            lines.append(" & ".join(escape(c.title) for c in top) + r" \\")
        else:
            cells = []
            for c in top:
                if c.grouped:
                    cells.append(f"\\multicolumn{{{c.span}}}{{c}}{{{escape(c.title)}}}")
                else:
                    cells.append(f"\\multirow{{2}}{{*}}{{{escape(c.title)}}}")
            lines.append(" & ".join(cells) + r" \\")
            lines.append(" ".join(f"\\cmidrule(lr){{{c.first}-{c.first + c.span - 1}}}" for c in top if c.grouped))
            second = []
            grouped = {c.first for c in lower}
            for i in range(1, len(self.columns) + 1):
                second.append(escape(self.columns[i - 1].title) if i in grouped else "")
            lines.append(" & ".join(second) + r" \\")
        lines.append(r"\midrule")
        return "\n".join(lines)

    def body(self) -> str:
        out: list[str] = []
        for n, section in enumerate(layout.sections(self.table)):
            if section.group is not None:
                if n:
                    out.append(r"\midrule")
                title = latex_field(self.table, section.group.title)
                out.append(f"\\multicolumn{{{len(self.columns)}}}{{l}}{{\\textit{{{title}}}}} \\\\")
                out.append(r"\addlinespace[2pt]")
            for row in section.rows:
                out += self.lines(row)
        return "\n".join(out)

    def notes(self) -> list[PaperNote]:
        notes = [PaperNote(self.marks[n.id], note_label(self.table, n.id), latex_field(self.table, n.text))
                 for n in sorted(self.table.notes, key=lambda n: _mark_order(self.marks[n.id]))]
        for i, row in enumerate(self.url_rows):
            notes.append(PaperNote(str(i + 1), note_label(self.table, url_note_id(row)),
                                   url_note_text(self.table, row)))
        return notes

    def colspec(self) -> str:
        spec = []
        for c in self.columns:
            if c.width:
                align = {"l": r"\raggedright", "c": r"\centering", "r": r"\raggedleft"}[c.align]
                spec.append(f">{{{align}\\arraybackslash}}p{{{c.width}}}")
            else:
                spec.append(c.align)
        return "".join(spec)

    def render(self) -> str:
        body = self.body()  # first: it collects the rows that carry URL notes
        notes = self.notes()
        # a float must fit on one page: its lines and its notes together decide
        long = self.table.layout == "long" or (
            self.table.layout == "auto"
            and sum(r.height for r in self.table.rows) + len(notes) > self.settings.long_table_rows)
        return latex_env().get_template("table.tex.j2").render(
            source=self.table.source.path,
            long=long,
            landscape=self.table.landscape,
            font=self.table.font,
            caption=latex_field(self.table, self.table.caption),
            label=self.table.label,
            colspec=self.colspec(),
            ncols=len(self.columns),
            head=self.head(),
            body=body,
            notes=notes,
        )


def _mark_order(mark: str) -> tuple[int, str]:
    return (len(mark), mark)


def render_table(table: Table, settings: Settings) -> str:
    return TableRenderer(table, settings).render()
