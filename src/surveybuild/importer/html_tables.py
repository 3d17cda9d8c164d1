"""HTML tables (as GitHub READMEs hold them) -> :class:`RawTable`, with the standard library's HTML parser.

``rowspan`` and ``colspan`` are kept on the cells (:mod:`.assemble` resolves them);
leading rows of ``<th>`` cells are the header. In a cell, ``<a href>`` is a link,
``[<a href="#refN">N</a>]`` a citation (a cite when ``cite_map`` names its key,
else kept as the text ``[N]``), ``<b> <strong> <i> <em> <code> <sup> <sub>`` are
styles, ``<br>`` a line break of the cell, ``<img>`` its alt text. Unclosed ``<tr>``
and ``<td>`` are closed where the next one starts, as browsers do.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ..model import Problem, Source
from .assemble import RawTable
from .inline import Item, cell

STYLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code", "tt": "code",
              "sup": "sup", "sub": "sub"}
ALIGN = {"left": "l", "center": "c", "right": "r"}


class _Cell:
    def __init__(self, tag: str, attrs: dict, line: int):
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.items: list[Item] = []
        self.link: Item | None = None


class _Parser(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.stack: list[dict] = []  # open tables
        self.done: list[dict] = []
        self.problems: list[Problem] = []

    @property
    def table(self) -> dict | None:
        return self.stack[-1] if self.stack else None

    def _close_cell(self) -> None:
        t = self.table
        if t is not None and t["cell"] is not None:
            if t["row"] is None:
                t["row"] = []
                t["rows"].append(t["row"])
            t["row"].append(t["cell"])
            t["cell"] = None

    def _close_row(self) -> None:
        self._close_cell()
        if self.table is not None:
            self.table["row"] = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        line = self.getpos()[0]
        t = self.table
        if tag == "table":
            if t is not None and t["cell"] is not None:
                self.problems.append(Problem(Source(self.path, line, 1), "a table inside a table cell: read as "
                                             "its own table", severity="warning"))
            self.stack.append({"rows": [], "row": None, "cell": None, "line": line})
            return
        if t is None:
            return
        if tag == "tr":
            self._close_row()
            t["row"] = []
            t["rows"].append(t["row"])
        elif tag in ("td", "th"):
            self._close_cell()
            if t["row"] is None:
                t["row"] = []
                t["rows"].append(t["row"])
            t["cell"] = _Cell(tag, attrs, line)
        elif t["cell"] is not None:
            c = t["cell"]
            if tag == "a":
                href = attrs.get("href") or ""
                c.link = Item("cite" if re.fullmatch(r"#ref[-\w]*", href) else "link", url=href)
                if not href:
                    c.link = None
            elif tag in STYLE_TAGS:
                c.items.append(Item("open", style=STYLE_TAGS[tag]))
            elif tag == "br":
                c.items.append(Item("break"))
            elif tag == "img" and c.link is not None and c.link.kind == "link" and not c.link.image:
                c.link.image = attrs.get("src") or ""
                c.link.text += attrs.get("alt") or ""
            elif tag == "img":
                c.items.append(Item("image", attrs.get("alt") or "", url=attrs.get("src") or ""))
            elif tag not in ("p", "span", "div", "font", "center"):
                c.items.append(Item("dropped", f"<{tag}>"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        t = self.table
        if t is None:
            return
        if tag == "table":
            self._close_row()
            self.done.append(self.stack.pop())
        elif tag == "tr":
            self._close_row()
        elif tag in ("td", "th"):
            self._close_cell()
        elif t["cell"] is not None:
            c = t["cell"]
            if tag == "a" and c.link is not None:
                link = c.link
                c.link = None
                if link.kind == "link" and not link.text.strip() and not link.image:
                    return
                c.items.append(link)
            elif tag in STYLE_TAGS:
                c.items.append(Item("close"))

    def handle_data(self, data):
        t = self.table
        if t is None or t["cell"] is None:
            return
        c = t["cell"]
        if c.link is not None:
            c.link.text += data
        else:
            c.items.append(Item("text", data))


def _int(value, default=1) -> int:
    try:
        return max(1, int(str(value).strip()))
    except (TypeError, ValueError):
        return default


def read_html(text: str, path: str, cite_map: dict[str, str] | None = None) -> list[RawTable]:
    parser = _Parser(path)
    parser.feed(text)
    parser.close()
    while parser.stack:  # a <table> never closed
        t = parser.stack.pop()
        parser.problems.append(Problem(Source(path, t["line"], 1), "<table> is never closed: read to the end of "
                                       "the file", severity="warning"))
        parser._close_row() if parser.stack else None
        parser.done.append(t)
    tables = []
    for t in sorted(parser.done, key=lambda t: t["line"]):
        raw = RawTable("html", Source(path, t["line"], 1), [], [])
        raw.problems += [p for p in parser.problems if p.source.line == t["line"]]
        rows = [r for r in t["rows"] if r]
        n_head = 0
        while n_head < len(rows) and all(c.tag == "th" for c in rows[n_head]):
            n_head += 1
        if n_head == 0 and rows:  # no <th>: the first row, and the rows its cells span
            n_head = min(len(rows) - 1, max(_int(c.attrs.get("rowspan")) for c in rows[0])) or 1
        for r, row in enumerate(rows):
            out = []
            for c in row:
                where = Source(path, c.line, 1)
                align = ALIGN.get(str(c.attrs.get("align", "")).lower())
                out.append(cell(_balanced(c.items), where, raw, cite_map, rowspan=_int(c.attrs.get("rowspan")),
                                colspan=_int(c.attrs.get("colspan")), align=align))
            (raw.header if r < n_head else raw.body).append(out)
        _widths(raw, rows)
        tables.append(raw)
    return tables


def _balanced(items: list[Item]) -> list[Item]:
    """Style tags closed in order (an unclosed <b> is closed at the end of the cell)."""
    depth = 0
    out = []
    for item in items:
        if item.kind == "close":
            if depth == 0:
                continue
            depth -= 1
        elif item.kind == "open":
            depth += 1
        out.append(item)
    return out + [Item("close")] * depth


def _widths(raw: RawTable, rows) -> None:
    styles = [c.attrs.get("style", "") for row in rows for c in row if "width" in str(c.attrs.get("style", ""))]
    if styles:
        raw.problems.append(Problem(raw.source, f"cell styles such as '{styles[0]}' are not kept (GitHub strips "
                                    "style attributes anyway)", severity="warning"))
