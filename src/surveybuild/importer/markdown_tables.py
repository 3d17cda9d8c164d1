"""GFM pipe tables (and the HTML tables) of a README -> :class:`RawTable`.

markdown-it-py with its ``table`` rule finds the tables and gives each cell's
source text (``\\|`` already read as ``|``); the cell's inline Markdown is parsed
again for emphasis, code and links. Things GitHub itself gets wrong are reported
and repaired in a stated way:

- a header row whose cell count differs from the delimiter row's: GitHub shows
  the lines as text. When the header holds a full-width ``｜`` (U+FF5C) and
  splitting on it gives the right count, the header is split there; otherwise
  the header is padded with ``Column N`` titles (or the delimiter row extended);
- a body row with more cells than the header: GitHub drops the extra cells;
  here they become extra columns titled ``Column N``.

HTML tables in the file are read by :mod:`.html_tables`. The caption of a table
is the heading above it.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from markdown_it import MarkdownIt

from ..texlang.escape import UnencodableText
from ..model import Problem, Source
from .assemble import RawCell, RawTable
from .inline import Item, cell, latex_text, shortcodes

DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
FULL_WIDTH_BAR = "\uff5c"
#: a Markdown comment written as a link reference definition: ``[//]: # (text)``, ``[comment]: <> (x)``
COMMENT = re.compile(r"^\[[^\]]*\]:\s*(#|<>)(\s.*)?$")


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def split_row(line: str) -> list[str]:
    """A pipe-table line's cells, split on unescaped ``|`` (the escape is kept)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells_, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur += "\\|"
            i += 2
            continue
        if s[i] == "|":
            cells_.append(cur)
            cur = ""
        else:
            cur += s[i]
        i += 1
    cells_.append(cur)
    return cells_


def inline_items(source: str, md: MarkdownIt) -> list[Item]:
    tokens = md.parseInline(source)
    children = tokens[0].children if tokens and tokens[0].children else []
    items: list[Item] = []
    link: Item | None = None
    for tok in children:
        t = tok.type
        if t == "html_inline":  # <a href>, </a>, <img> written as HTML in a Markdown cell: as their Markdown forms
            t, tok = _html_as_markdown(tok)
        if link is not None and t not in ("link_close",):
            if t in ("text", "code_inline"):
                link.text += tok.content
            elif t == "softbreak":
                link.text += " "
            elif t == "image" and not link.image:  # [![alt](badge)](url): a badge
                link.image = str(tok.attrs.get("src", ""))
                link.text += tok.content
            elif t == "image":  # a second image in one link: its alt text
                link.text += " " + tok.content
                items.append(Item("dropped", "image " + str(tok.attrs.get("src", ""))))
            continue
        if t == "text":
            items.append(Item("text", tok.content))
        elif t == "code_inline":
            items += [Item("open", style="code"), Item("text", tok.content), Item("close")]
        elif t in ("strong_open", "em_open", "sup_open", "sub_open"):
            items.append(Item("open", style={"strong_open": "bold", "em_open": "italic"}.get(t, t[:3])))
        elif t in ("strong_close", "em_close", "sup_close", "sub_close"):
            items.append(Item("close"))
        elif t == "link_open":
            link = Item("link", url=str(tok.attrs.get("href", "")))
        elif t == "link_close":
            if link is not None:
                items.append(link)
            link = None
        elif t == "softbreak" or t == "hardbreak":
            items.append(Item("text", " "))
        elif t == "image":
            items.append(Item("image", tok.content, url=str(tok.attrs.get("src", ""))))
        elif t == "html_inline":
            if re.match(r"<br\s*/?>", tok.content, re.I):
                items.append(Item("break"))
            else:
                items.append(Item("dropped", tok.content))
        else:
            items.append(Item("text", tok.content))
    return items


_HTML_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)([^>]*?)/?\s*>\s*$", re.S)
_HTML_ATTR = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+))")
_STYLE_TAGS = {"b": "strong", "strong": "strong", "i": "em", "em": "em", "sup": "sup", "sub": "sub"}


@dataclass
class _Token:  # the part of a markdown-it token inline_items reads
    type: str
    content: str = ""
    attrs: dict = field(default_factory=dict)


def _html_as_markdown(tok) -> tuple[str, object]:
    """An inline HTML tag as the Markdown token it stands for: ``<a href="u">`` a link_open, ``</a>`` a link_close,
    ``<img src alt>`` an image, ``<b>``/``<i>`` emphasis, ``<sup>``/``<sub>`` raised and lowered text (as in an
    HTML file's cells); any other tag stays html_inline."""
    m = _HTML_TAG.match(tok.content.strip())
    if m is None:
        return "html_inline", tok
    closing, name = m.group(1) == "/", m.group(2).lower()
    attrs = {a.lower(): q or sq or bare for a, q, sq, bare in _HTML_ATTR.findall(m.group(3))}
    if name == "a" and closing:
        return "link_close", _Token("link_close")
    if name == "a" and "href" in attrs:
        return "link_open", _Token("link_open", attrs={"href": html.unescape(attrs["href"])})
    if name == "img" and not closing and attrs.get("src"):
        return "image", _Token("image", html.unescape(attrs.get("alt", "")), {"src": html.unescape(attrs["src"])})
    if name in _STYLE_TAGS:
        kind = f"{_STYLE_TAGS[name]}_{'close' if closing else 'open'}"
        return kind, _Token(kind)
    return "html_inline", tok


def _caption(heading: str | None, path: str) -> str:
    text = heading or PurePath(path).stem
    try:  # as a cell's text is written (``->`` stays ``->``, T1 typesets it), not with \ensuremath
        return latex_text(text)
    except UnencodableText:
        return text


def read_markdown(text: str, path: str, cite_map: dict[str, str] | None = None) -> list[RawTable]:
    md = parser()
    lines = text.splitlines()
    tokens = md.parse(text)
    found: list[tuple[int, RawTable]] = []
    headings = _headings(tokens)

    lines_at = [at for at, _ in headings]

    def heading_at(line: int) -> str | None:  # the heading in force above 1-based ``line``
        n = bisect.bisect_left(lines_at, line)
        return headings[n - 1][1] if n else None

    html_ranges: list[tuple[int, int]] = []  # 1-based first and last line of each HTML block
    for i, tok in enumerate(tokens):
        heading = heading_at(tok.map[0] + 1) if tok.map else None
        if tok.type == "table_open":
            raw = _table(tokens, i, md, path, 0, cite_map, lines)
            _name(raw, heading, path)
            _numbered_caption(raw, lines, tok.map[0], _table_end(tokens, i), path)
            found.append((tok.map[0], raw))
        elif tok.type == "html_block" and "<table" in tok.content.lower():
            html_ranges.append((tok.map[0] + 1, tok.map[1]))
        elif tok.type == "paragraph_open" and tok.map:
            start, end = tok.map
            block = lines[start:end]
            if len(block) >= 2 and "|" in block[0] and DELIMITER.match(block[1]):
                raw = _broken(block, start, md, path, cite_map)
                if raw is not None:
                    _name(raw, heading, path)
                    _numbered_caption(raw, lines, start, end, path)
                    found.append((start, raw))
    if html_ranges:
        from .html_tables import read_html

        for raw in read_html(text, path, cite_map):
            if not any(first <= raw.source.line <= last for first, last in html_ranges):
                continue  # a <table> in a code block or inline code is not a table
            _name(raw, heading_at(raw.source.line), path)
            block = next((first, last) for first, last in html_ranges if first <= raw.source.line <= last)
            _numbered_caption(raw, lines, block[0] - 1, block[1], path)
            found.append((raw.source.line - 1, raw))
    return [raw for _, raw in sorted(found, key=lambda x: x[0])]


#: a caption the author wrote beside a table, numbered: ``Table 1: Comparison ...``, ``*Table 2.* Sizes``,
#: ``<p align="center"><em>TABLE III: ...</em></p>``, ``Tab. 4 - ...`` (HTML tags and emphasis marks read through)
NUMBERED_CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.)\s*(?:[0-9]+[a-z]?|[IVXLC]+)\s*[:.\u2013\u2014-]\s*(\S.*)$")


def _table_end(tokens, i: int) -> int:
    """The line after a pipe table (0-based)."""
    return tokens[i].map[1]


def _visible(line: str) -> str:
    text = re.sub(r"<!--.*?-->|</?[A-Za-z][^>]*>", " ", line)
    text = re.sub(r"\*+|(?<!\w)_+|_+(?!\w)", "", text)
    return " ".join(text.split())


def _numbered_caption(raw: RawTable, lines: list[str], start: int, end: int, path: str) -> None:
    """The paragraph right under the table (or, failing that, right above it) that reads ``Table N: text``: the
    author's caption, which the heading only stood in for. The paper numbers its tables itself: ``Table N:`` goes."""
    def paragraph(at: int, step: int) -> tuple[int, list[str]]:
        while 0 <= at < len(lines) and not lines[at].strip():
            at += step
        found = []
        while 0 <= at < len(lines) and lines[at].strip() and "|" not in lines[at]:
            found.append(lines[at])
            at += step
        return at, (found if step > 0 else found[::-1])

    if any(c.startswith("The caption is pandoc's") for c in raw.comments):
        return
    above_at, above = paragraph(start - 1, -1)
    while 0 <= above_at < len(lines) and not lines[above_at].strip():
        above_at -= 1
    if 0 <= above_at < len(lines) and ("|" in lines[above_at] or "</table>" in lines[above_at].lower()):
        above = []  # the caption under the table before this one
    for first, block in ((end, paragraph(end, 1)[1]), (start - 1, above)):
        if not block or block[0].lstrip().startswith("#"):
            continue
        m = NUMBERED_CAPTION.match(_visible(" ".join(block)))
        if m:
            where = "under" if first == end else "above"
            raw.caption = _caption(m.group(1).strip(), path)
            raw.comments = [c for c in raw.comments if not c.startswith("The caption is")]
            raw.comments.append(f"The caption is the numbered caption line {where} the table in the README "
                                f"('{_visible(' '.join(block))[:60]}'), its number left to the paper.")
            return


def heading_text(inline) -> str:
    """A heading's visible text, from its inline token: a link's or image's text without its address, code
    as its text, HTML tags (``<div id="m">``, ``<a id="x"></a>``) and comments out, leading emoji and marks
    out."""
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline", "image"):  # an image's children hold its alt text
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    text = "".join(parts) if inline.children is not None else inline.content
    return _plain_heading(text)


def _plain_heading(text: str) -> str:
    text = shortcodes(text)[0]  # '## :fire: News': the emoji, which goes with the leading marks below
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    text = " ".join(re.sub(r"</?[A-Za-z][^>]*>", "", text).split())
    return re.sub(r"^[^\w(]+", "", text).strip() or text


#: what names the tables after it in an HTML block: a heading (``<h2 id="x">Title</h2>``, which GitHub shows as
#: ``## Title``); a collapsible section's ``<summary>`` (its title, inside the ``<details>`` only)
HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(?P<h>.*?)</h\1\s*>|<summary\b[^>]*>(?P<s>.*?)</summary\s*>"
                          r"|<(?P<close>/)?details\b[^>]*>", re.S | re.I)


def _headings(tokens) -> list[tuple[int, str | None]]:
    """The heading in force from each line on (1-based), in order: ``#`` headings, HTML ``<h1>``-``<h6>``, and
    a ``<details>``' ``<summary>`` up to its ``</details>``, where the heading before it is in force again."""
    out: list[tuple[int, str | None]] = []
    current: str | None = None
    outer: list[list] = []  # each open <details>: the heading in force outside it, its summary's heading
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            current = heading_text(tokens[i + 1])
            out.append((tok.map[0] + 1, current))
        elif tok.type == "html_block" and tok.map and re.search(r"<(?:h[1-6]|summary|/?details)\b", tok.content, re.I):
            for m in HTML_HEADING.finditer(tok.content):
                if m.group("h") is not None or m.group("s") is not None:
                    text = _plain_heading(html.unescape(m.group("h") if m.group("h") is not None else m.group("s")))
                    current = text or current
                    if m.group("s") is not None and outer:
                        outer[-1][1] = current
                elif m.group("close"):  # a summary's heading ends with its section; a heading inside stays
                    before, summary = outer.pop() if outer else (current, None)
                    current = before if summary is not None and current == summary else current
                else:
                    outer.append([current, None])
                out.append((tok.map[0] + 1 + tok.content.count("\n", 0, m.start()), current))
    return out


def _name(raw: RawTable, heading: str | None, path: str) -> None:
    raw.section = heading
    if raw.caption:  # a pandoc caption line (``Table: ...``) under the table
        return
    raw.caption = _caption(heading, path)
    raw.comments.append("The caption is the heading above the table in the README.")


#: pandoc Markdown under a pipe table, no '|' in the line: its caption (``Table: text`` or ``: text``) and
#: the fence of a ``::: {}`` div around it. GitHub's parser reads such a line as one more row.
PANDOC_CAPTION = re.compile(r"^\s*(?:Table)?:\s+(\S.*)$")
PANDOC_FENCE = re.compile(r"^\s*:{3,}\s*(\{[^}]*\}|[\w-]+)?\s*$")


def _pandoc_tail(raw: RawTable, rows: list, text_lines: list[str], offset: int, path: str) -> None:
    """Trailing body rows whose source line has no '|' and is pandoc's caption or div fence: not rows."""
    while rows and rows[-1]:
        line_no = rows[-1][0].source.line
        line = text_lines[line_no - 1 - offset] if 0 < line_no - offset <= len(text_lines) else "|"
        if "|" in line:
            return
        caption, fence = PANDOC_CAPTION.match(line), PANDOC_FENCE.match(line)
        if not caption and not fence:
            return
        rows.pop()
        if caption:
            raw.caption = _caption(re.sub(r"\s*\{#[^}]*\}\s*$", "", caption.group(1)), path)
            raw.comments.append(f"The caption is pandoc's caption line under the table (line {line_no}).")
        raw.notices.add("pandoc", line.strip()[:40])


def _table(tokens, i: int, md: MarkdownIt, path: str, offset: int, cite_map, lines_text=None) -> RawTable:
    start = tokens[i].map[0] + offset
    raw = RawTable("markdown", Source(path, start + 1, 1), [], [])
    rows: list[list[RawCell]] = []
    in_head = False
    row: list[RawCell] | None = None
    row_line = start + 1
    header_len = 0
    j = i
    while j < len(tokens) and tokens[j].type != "table_close":
        tok = tokens[j]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
            row_line = tok.map[0] + offset + 1 if tok.map else row_line
        elif tok.type == "tr_close" and row is not None:
            if in_head or not raw.header:
                raw.header.append(row)
                header_len = len(row)
            else:
                rows.append(row)
        elif tok.type in ("th_open", "td_open"):
            style = str(tok.attrs.get("style", ""))
            align = {"text-align:center": "c", "text-align:right": "r", "text-align:left": "l"}.get(style)
            if in_head:
                raw.aligns.append(align or "l")
            inline = tokens[j + 1]
            where = Source(path, row_line, 1)
            row.append(cell(inline_items(inline.content, md), where, raw, cite_map, align=align))
        j += 1
    if lines_text is not None:
        _pandoc_tail(raw, rows, lines_text, offset, path)
    raw.body = rows
    # body rows with more cells than the header: GitHub drops them silently
    text_lines = lines_text
    if text_lines is not None:
        for n, body_row in enumerate(rows):
            line_no = body_row[0].source.line if body_row else 0
            source_line = text_lines[line_no - 1 - offset] if 0 < line_no - offset <= len(text_lines) else ""
            extra = split_row(source_line)[header_len:]
            while extra and COMMENT.match(extra[-1].strip()):
                raw.notices.add("comment", extra.pop().strip())
            if extra:
                for k, src in enumerate(extra):
                    where = Source(path, line_no, 1)
                    body_row.append(cell(inline_items(src.replace("\\|", "|").strip(), md), where, raw, cite_map))
                raw.problems.append(Problem(Source(path, line_no, 1), f"row has {header_len + len(extra)} cells, "
                                            f"the header {header_len}: GitHub drops the extra cells; here they "
                                            "are extra columns titled 'Column N'", severity="warning",
                                            hint="title the columns in the YAML or delete them"))
    return raw


def _broken(block: list[str], start: int, md: MarkdownIt, path: str, cite_map) -> RawTable | None:
    """Lines that look like a pipe table but are not one (header and delimiter counts differ)."""
    head, delim = split_row(block[0]), split_row(block[1])
    if len(head) == len(delim):
        return None
    where = Source(path, start + 1, 1)
    problems = []
    if len(head) < len(delim) and sum(c.count(FULL_WIDTH_BAR) for c in head) == len(delim) - len(head):
        fixed = "| " + " | ".join(c.strip() for cell_ in head for c in cell_.split(FULL_WIDTH_BAR)) + " |"
        problems.append(Problem(where, f"the header row has {len(head)} cells and the delimiter row "
                                f"{len(delim)}, so GitHub shows these lines as text, not a table: a full-width "
                                f"'{FULL_WIDTH_BAR}' (U+FF5C) in the header stands where a '|' belongs; the header "
                                "was split there", severity="warning",
                                hint="check the column titles in the YAML"))
        block = [fixed] + block[1:]
    elif len(head) < len(delim):
        fixed = block[0].rstrip().rstrip("|") + "|" + "|".join(
            f" Column {n + 1} " for n in range(len(head), len(delim))) + "|"
        problems.append(Problem(where, f"the header row has {len(head)} cells and the delimiter row "
                                f"{len(delim)} (GitHub shows text, not a table): the missing titles are "
                                "'Column N'", severity="warning", hint="title the columns in the YAML"))
        block = [fixed] + block[1:]
    else:
        fixed = "|" + "|".join("---" for _ in head) + "|"
        problems.append(Problem(where, f"the header row has {len(head)} cells and the delimiter row "
                                f"{len(delim)} (GitHub shows text, not a table): the delimiter row was extended",
                                severity="warning"))
        block = [block[0], fixed] + block[2:]
    tokens = md.parse("\n".join(block) + "\n")
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            raw = _table(tokens, i, md, path, start, cite_map, block)
            raw.problems[:0] = problems
            raw.comments.append("Repaired on import: " + problems[0].message)
            return raw
    return None
