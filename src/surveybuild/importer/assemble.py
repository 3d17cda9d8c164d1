"""A table as read from a file (a grid of cells with spans) -> the model's :class:`Table`.

Shared by the three readers. Spans are resolved here:

- a body row that is one cell across every column is a row-group title;
- a first column whose cells span several rows while no other column spans the
  same rows is a group column: each of its cells opens a row group;
- a first-column cell spanning several rows together with other spanning cells
  is one row with ``subrows`` (the columns that do not span);
- two header rows become column groups.

Everything else that does not fit is repaired in a stated way and reported.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ..texlang import latextext
from .. import values
from ..model import Column, Group, Line, Note, Problem, Row, Source, Table, Value
from ..readers.tableread import ROW_META
from . import cells

#: a row name's leading indentation (``~~~w/ full``, ``\\quad x``, ``\\hspace{1em}x``, ``\\ \\ x``): the row
#: belongs under the last row above that is not indented
INDENT = re.compile(r"^\s*(?:(?:~|\u00a0|\\(?:quad|qquad|enspace|emspace)(?![A-Za-z])"
                    r"|\\hspace\*?\s*\{\s*[^-\s{}][^{}]*\}|\\[ ,;:>])\s*)+")


@dataclass
class RawCell:
    """One cell as the reader found it."""

    latex: str  # the cell as LaTeX (converted: what a ``latex`` column holds)
    source: Source
    rowspan: int = 1
    colspan: int = 1
    plain: str | None = None  # plain text, when the cell has no markup (Markdown/HTML)
    flag: bool | None = None  # a yes/no mark
    mark: str | None = None  # that mark as a Markdown or HTML cell wrote it ('✅', '✔️'); None from LaTeX
    links: tuple[str, ...] = ()  # link icons taken out of the cell
    link: tuple[str, str] | None = None  # (url, text) when the cell is one link and nothing else
    align: str | None = None  # l, c or r when the cell says (Markdown/HTML)
    indent: bool = False  # the source's cell starts with spacing (``\\quad x``): a row under the one above

    @property
    def indented(self) -> bool:
        return self.indent or bool(INDENT.match(self.latex))

    @property
    def empty(self) -> bool:
        return not self.latex.strip() and not self.links and self.flag is None


@dataclass
class RawTable:
    kind: str  # latex | markdown | html
    source: Source
    header: list[list[RawCell]]
    body: list[list[RawCell]]
    caption: str = ""
    label: str | None = None
    group_title: str = ""  # the title of a first column read as row groups
    section: str | None = None
    aligns: list[str] = field(default_factory=list)
    widths: list[str | None] = field(default_factory=list)
    wraps: list[bool] = field(default_factory=list)  # the source lets the column wrap (tabularx X)
    notes: dict[str, tuple[str, Source]] = field(default_factory=dict)  # id -> (LaTeX text, where)
    note_ids: dict[str, str] = field(default_factory=dict)  # label or mark -> note id
    layout: str = "auto"
    landscape: bool = False
    font: str | None = None
    explicit_spans: bool = False  # LaTeX: cells under a \multirow are written (empty)
    body_rules: list[int] = field(default_factory=list)  # LaTeX: the body rows a full rule (\hline) comes before
    notices: cells.Notices = field(default_factory=cells.Notices)
    problems: list[Problem] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    cite_text: list[str] = field(default_factory=list)  # citations kept as text


@dataclass
class ImportedTable:
    table: Table
    comment: str
    name: str  # a file name stem suggestion
    stats: dict = field(default_factory=dict)


@dataclass
class _Slot:
    cell: RawCell
    row: int  # where the cell starts
    col: int
    origin: bool


def place(rows: list[list[RawCell]], explicit: bool, problems: list[Problem]) -> tuple[list[list[_Slot | None]], int]:
    """Cells on a grid; spans cover the slots they span."""
    grid: dict[tuple[int, int], _Slot] = {}
    nrows = len(rows)
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            height = cell.rowspan if not explicit else 1
            for dr in range(max(1, height)):
                for dc in range(max(1, cell.colspan)):
                    grid[(r + dr, c + dc)] = _Slot(cell, r, c, dr == 0 and dc == 0)
            c += max(1, cell.colspan)
    if explicit:  # LaTeX writes the covered cells (empty): let the span cover them
        for (r, c), slot in sorted(grid.items()):
            cell = slot.cell
            if not slot.origin or cell.rowspan == 1:
                continue
            step = 1 if cell.rowspan > 0 else -1
            covered = [(r + step * k, c) for k in range(1, abs(cell.rowspan))]
            reached = r
            for rc in covered:
                under = grid.get(rc)
                if under is not None and under.origin and not under.cell.empty:
                    # \multirow{8} over 7 rows, then the next group's own \multirow: the span ends there
                    problems.append(Problem(cell.source, f"\\multirow{{{cell.rowspan}}} spans {abs(cell.rowspan)} "
                                            f"rows, but after {abs(rc[0] - r)} the cell at {under.cell.source} holds "
                                            f"'{under.cell.latex[:40]}': the span ends before it", severity="warning",
                                            hint="check the row count of the \\multirow in the source"))
                    break
                if not 0 <= rc[0] < nrows:
                    break
                reached = rc[0]
                for dc in range(max(1, cell.colspan)):
                    grid[(rc[0], c + dc)] = _Slot(cell, r, c, False)
            if step > 0:
                cell.rowspan = reached - r + 1
            else:  # \multirow{-n}: the text sits on the last row; start the span at the top
                top = reached
                for rr in range(top, r + 1):
                    for dc in range(max(1, cell.colspan)):
                        grid[(rr, c + dc)] = _Slot(cell, top, c, rr == top and dc == 0)
                cell.rowspan = r - top + 1
    ncols = max((c for _, c in grid), default=-1) + 1
    out = [[grid.get((r, c)) for c in range(ncols)] for r in range(nrows)]
    for r, row in enumerate(out):  # a span past the last row is cut there
        for slot in row:
            if slot is not None and slot.origin and not explicit and slot.row + slot.cell.rowspan > nrows:
                slot.cell.rowspan = nrows - slot.row
    return out, ncols


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if text and text[0].isdigit():
        text = "n" + text
    return text


def plain_title(latex: str) -> str:
    """A header cell as a column title: plain text, one line; its math as the text it reads as (``$\\rho(x)$``:
    ``ρ(x)``), since a title is plain text in both outputs (:func:`title_math` lists the cells)."""
    try:
        latex = values.one_line(latex)  # a title is one line: a header cell's line breaks are spaces
        pieces = latextext.to_pieces(latex)
    except latextext.LatexFieldError:
        return latex.strip()
    text = "".join(p.text if isinstance(p, (latextext.Text, latextext.Link)) else _math_text(p.source)
                   for p in pieces if isinstance(p, (latextext.Text, latextext.Link, latextext.Math)))
    return " ".join(text.replace("\N{NO-BREAK SPACE}", " ").split())


def _math_text(source: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return LatexNodes2Text(math_mode="text").latex_to_text(source).strip() or source
    except Exception:  # pylatexenc's own parse errors: the math as written
        return source


def title_math(raw: "RawTable") -> None:
    """A warning at each header cell whose math :func:`plain_title` wrote as text."""
    for row in raw.header:
        for cell in row:
            try:
                has_math = any(isinstance(p, latextext.Math)
                               for p in latextext.to_pieces(values.one_line(cell.latex)))
            except latextext.LatexFieldError:
                continue
            if has_math:
                raw.problems.append(Problem(cell.source, f"header cell '{plain_title(cell.latex)}': its math is "
                                            "written as the text it reads as (a column title is plain text in "
                                            "the README and the paper)", "warning",
                                            "edit the column's title in the YAML if it should read otherwise"))


def _header(raw: RawTable, ncols: int) -> tuple[list[str], list[str | None], list[str]]:
    """Column titles and groups from the header rows."""
    problems = raw.problems
    for row in raw.header:  # a title is one line (plain_title joins a header cell's lines): counted
        for cell in row:
            cells.joined(cell.latex, raw.notices)
    title_math(raw)
    where = raw.header[0][0].source if raw.header and raw.header[0] else raw.source
    grid, hcols = place(raw.header, raw.explicit_spans, problems) if raw.header else ([], 0)
    if hcols > ncols:
        ncols = hcols
    levels: list[list[tuple[str, int, bool]]] = []  # per row: (title, span, origin) per column
    for row in grid:
        level = []
        for c in range(ncols):
            slot = row[c] if c < len(row) else None
            if slot is None:
                level.append(("", 1, True))
            else:
                level.append((plain_title(slot.cell.latex), slot.cell.colspan, slot.origin or slot.col != c))
        levels.append(level)
    titles: list[str] = []
    groups: list[str | None] = []
    notes: list[str] = []
    if not levels:
        titles = [f"Column {c + 1}" for c in range(ncols)]
        problems.append(Problem(where, "the table has no header row: columns are titled 'Column 1', ...",
                                severity="warning", hint="give the columns titles in the YAML"))
        return titles, [None] * ncols, notes
    if len(levels) > 2:
        problems.append(Problem(where, f"{len(levels)} header rows: the format has two levels; the rows below "
                                "the first are joined into the column titles", severity="warning"))
        top = levels[0]
        lower = [(" ".join(t for t in (lv[c][0] for lv in levels[1:] if lv[c][2]) if t), 1, True)
                 for c in range(ncols)]
        levels = [top, lower]
        joined = [t for t, _, _ in lower]
    else:
        joined = None
    if len(levels) == 1:
        for c in range(ncols):
            title, span, origin = levels[0][c]
            slot = grid[0][c] if c < len(grid[0]) else None
            if slot is not None and not slot.origin and slot.col != c:
                problems.append(Problem(slot.cell.source, f"header cell '{title}' spans {span} columns in a "
                                        "one-row header: the columns it covers are titled "
                                        f"'{title} (2)', ...", severity="warning"))
                title = f"{title} ({c - slot.col + 1})"
            titles.append(title)
            groups.append(None)
    else:
        top_row, low_row = grid[0], grid[1]
        current = None
        implicit: list[str] = []
        spanned: list[str] = []
        for c in range(ncols):
            top = top_row[c] if c < len(top_row) else None
            low = low_row[c] if c < len(low_row) else None
            top_text = plain_title(top.cell.latex) if top is not None else ""
            low_text = plain_title(low.cell.latex) if low is not None and low.origin and low.cell is not (
                top.cell if top else None) else ""
            spans_both = top is not None and low is not None and low.cell is top.cell
            if joined is not None and joined[c]:
                low_text, spans_both = joined[c], False  # the rows below the first, joined
            if (joined is None and low is not None and not low.origin and not spans_both and low.col < c
                    and plain_title(low.cell.latex)):
                # under a lower title spanning columns (a value and its unit, r@{}l): '<title> (2)', its group
                titles.append(f"{plain_title(low.cell.latex)} ({c - low.col + 1})")
                groups.append(groups[low.col])
                spanned.append(plain_title(low.cell.latex))
                continue
            if spans_both or not low_text:
                titles.append(top_text if top is not None and (top.origin or top.col == c) else "")
                groups.append(None)
                current = None
                if top is not None and top.cell.colspan > 1 and not spans_both:
                    titles[-1] = top_text
            elif top is not None and (top.cell.colspan > 1 or (top.origin and top_text)):
                current = top_text
                titles.append(low_text)
                groups.append(current)
            elif current is not None and not top_text:
                implicit.append(low_text)
                titles.append(low_text)
                groups.append(current)
            else:
                titles.append(low_text)
                groups.append(None)
        if spanned:
            problems.append(Problem(where, f"header cells {', '.join(repr(t) for t in dict.fromkeys(spanned))} span "
                                    "several columns: the columns they cover are titled '<title> (2)', ... in the "
                                    "same column group", severity="warning", hint="retitle them in the YAML"))
        if implicit:
            problems.append(Problem(where, f"header cells {', '.join(repr(t) for t in implicit)} sit under an "
                                    "empty cell next to a group title: read as part of that column group",
                                    severity="warning", hint="check the column groups in the YAML"))
    for c, title in enumerate(titles):
        if not title:
            titles[c] = f"Column {c + 1}"
            problems.append(Problem(where, f"column {c + 1} has no title in the header: titled 'Column {c + 1}'",
                                    severity="warning", hint="give it a title in the YAML"))
    return titles, groups, notes


def _header_cites(raw: RawTable) -> None:
    """Cites in header cells (``ARMAR \\cite{key}``): a column title is plain text, so they go to the
    caption (``Column sources: ARMAR~\\citep{key}.``), with a warning naming each cell."""
    found = []
    for row in raw.header:
        for cell in row:
            keys = list(dict.fromkeys(_cite_keys(cell.latex)))
            if keys:
                found.append(f"{plain_title(cell.latex) or 'column'}~\\citep{{{','.join(keys)}}}")
                raw.problems.append(Problem(cell.source, f"header cell '{plain_title(cell.latex)}' cites "
                                            f"{', '.join(keys)}: a column title is plain text, so the cite went "
                                            "to the caption ('Column sources: ...')", severity="warning",
                                            hint="move it where you like in the YAML"))
    if found:
        raw.caption = raw.caption.rstrip() + " Column sources: " + "; ".join(found) + "."


def _keys(titles: list[str], groups: list[str | None]) -> list[str]:
    keys: list[str] = []
    for c, title in enumerate(titles):
        key = slug(title) or f"col{c + 1}"
        if key in ROW_META:  # a row's own fields (group, cite, notes, ...): a column cannot take the name
            key = f"{key}_col"
        if key in keys and groups[c]:
            key = f"{slug(groups[c]) or 'group'}_{key}"
        base, n = key, 2
        while key in keys:
            key, n = f"{base}_{n}", n + 1
        keys.append(key)
    return keys


YES_NO = {"Yes": True, "No": False, "yes": True, "no": False}
MISSING = ("", "-")


def flag_of(cell: RawCell) -> bool | None:
    return cell.flag if cell.flag is not None else YES_NO.get(cell.latex.strip())


#: The mark that answers each true mark (and the reverse), for a bool column whose source shows only one of them.
MARK_PAIRS = {"✅": "❌", "✔️": "✖️", "✔": "✘", "✓": "✗"}
#: What a bool column read from LaTeX marks (\checkmark, \xmark, \ding{51}, ...) shows: the paper prints them back
#: as \checkmark and \ding{55} (escape.DEFAULT_SYMBOLS), the README as these characters.
LATEX_MARKS = ("✓", "✗")


def marks_of(values: list[RawCell | None]) -> tuple[str, str] | None:
    """What a bool column's cells showed for true and false, when they were marks (the most common of each, as
    written, an emoji's variation selector kept): the column shows them again. None when a cell said Yes or No."""
    shown: dict[bool, Counter] = {True: Counter(), False: Counter()}
    for v in values:
        flag = None if v is None or v.empty else flag_of(v)
        if flag is None:
            continue
        if v.mark is None and v.flag is None or (v.plain or "").strip() in YES_NO:
            return None  # words: the column shows Yes and No
        shown[flag][v.mark or LATEX_MARKS[0 if flag else 1]] += 1
    yes = shown[True].most_common(1)[0][0] if shown[True] else None
    no = shown[False].most_common(1)[0][0] if shown[False] else None
    if yes is None and no is None:
        return None
    pairs = {**MARK_PAIRS, **{b: a for a, b in MARK_PAIRS.items()}}
    yes = yes or next((a for a, b in MARK_PAIRS.items() if b == no), LATEX_MARKS[0])
    no = no or pairs.get(yes, LATEX_MARKS[1])
    return (yes, no) if yes != no else None


def _column_type(raw: RawTable, title: str, values: list[RawCell]) -> str:
    present = [v for v in values if v is not None and not v.empty]
    if present and all(flag_of(v) is not None or v.latex.strip() in MISSING for v in present) \
            and any(flag_of(v) is not None for v in present) \
            and len({v.latex.strip() for v in present if flag_of(v) is not None and v.flag is None}) != 1:
        return "bool"
    if present and all(v.link is not None and v.link[1].strip().casefold() == title.casefold()
                       or (v.plain is not None and v.plain.strip() in ("", "-")) for v in present) \
            and any(v.link is not None for v in present):
        return "url"
    if raw.kind != "latex" and all(v.plain is not None for v in present):
        return "text"
    return "latex"


def _value(kind: str, cell: RawCell | None) -> object:
    if cell is None or cell.empty:
        return None
    if kind == "bool":
        return flag_of(cell)
    if kind == "url":
        return cell.link[0] if cell.link is not None else None
    if kind == "text":
        return cell.plain
    return cell.latex


def _blank(slot: _Slot | None, above: _Slot | None = None) -> bool:
    """No value of its own: no cell, an empty one, or the cell above spanning it."""
    return slot is None or slot.cell.empty or (above is not None and slot.cell is above.cell and not slot.origin)


def _named(line: list[_Slot | None]) -> bool:
    return bool(line) and line[0] is not None and line[0].origin and not line[0].cell.empty


def _continues(line: list[_Slot | None]) -> bool:
    """A line whose first cell is empty (not covered by a span above) and that has values elsewhere."""
    return (bool(line) and (line[0] is None or line[0].origin and line[0].cell.empty)
            and any(s is not None and s.origin and not s.cell.empty for s in line[1:]))


def assemble(raw: RawTable, name: str, bib_keys: set[str] | None = None) -> tuple[ImportedTable | None, list[Problem]]:
    """A table read from a file (``raw``) as the model's :class:`Table`, with every piece that could not be
    represented listed. In stages, each a function below: the body placed on a grid, the header's titles,
    rows across the table (group titles, notes under the last row), a first column of groups, the table's
    rows (sub-rows where the first column spans lines), its columns (types, order, link icons), the rows'
    values, the notes, the cite keys refs.bib lacks."""
    problems = raw.problems
    _first_group_above_header(raw)
    body_grid, ncols = _body(raw)
    if body_grid is None:
        return None, problems
    titles, col_groups, _ = _header(raw, ncols)
    if len(titles) > ncols:  # a header wider than every body row (a colspan past them): those columns are empty
        body_grid = [list(row) + [None] * (len(titles) - len(row)) for row in body_grid]
        ncols = len(titles)
    _header_cites(raw)
    lines = _across(body_grid, ncols)
    _notes_under(raw, lines)
    group_column = _group_column(raw, lines, titles)
    groups, group_of_line = _groups(raw, lines, group_column)
    if group_column:
        if len(titles) > 1 and titles[1] == f"{titles[0]} (2)":  # one title over the group column and the names
            titles[1] = titles[0]  # (`\multicolumn{2}{c}{Category}`): the names' column is the one left to take it
            said = f"header cell '{titles[0]}' spans 2 columns in a one-row header"
            raw.problems[:] = [Problem(p.source, f"{said}, the row groups' and the next: the next is titled "
                                       f"'{titles[0]}'", severity="warning") if p.message.startswith(said) else p
                               for p in raw.problems]
        titles, col_groups = titles[1:], col_groups[1:]
        ncols -= 1
        # the slots' columns counted without the group column, as the titles now are
        lines = [(k, [None if slot is None else _Slot(slot.cell, slot.row, slot.col - 1, slot.origin)
                      for slot in row[1:]] if k == "row" else row) for k, row in lines]
    _other_group(raw, lines, groups, group_of_line)
    _connectives(lines)
    blocks = _names_in_blocks(lines, raw.body_rules, problems) if raw.body_rules and len(lines) == len(raw.body) \
        else set()
    entities = _entities(lines, problems, merge_repeats=not _named_elsewhere(lines, ncols), said=blocks,
                         group_of_line=group_of_line)
    stats: Counter = Counter()
    shape = _columns(raw, entities, ncols, titles, col_groups, group_of_line, group_column)
    rows, referenced = _rows(raw, entities, ncols, shape, group_of_line, stats)
    notes = _notes(raw, rows, referenced, stats)
    if bib_keys is not None:
        _missing_keys(raw, rows, notes, bib_keys)
    raw.caption = _unnumbered(raw.caption, raw.source, problems)
    # label "" = the default, tab:<the id the file is written as>
    table = Table(
        id=name, caption=raw.caption, label=raw.label or "", columns=tuple(shape.columns), rows=tuple(rows),
        groups=tuple(groups), notes=tuple(notes), section=raw.section, layout=raw.layout,
        landscape=raw.landscape, font=raw.font or "", source=raw.source,
        group_title=raw.group_title if groups else "",
    )
    _check_latex(raw.caption, raw.source, None, problems, what="caption")
    stats["columns"] = len(shape.columns)
    comment = f"Imported from {raw.source} by surveybuild import."
    if raw.comments:
        comment += "\n" + "\n".join(raw.comments)
    return ImportedTable(table, comment, name, dict(stats)), problems


def _body(raw: RawTable) -> tuple[list[list[_Slot | None]] | None, int]:
    """The body's cells on a grid of the table's width (None: a header with no body, skipped with a warning)."""
    problems = raw.problems
    body_grid, ncols = place(raw.body, raw.explicit_spans, problems)
    head_width = max((sum(max(1, c.colspan) for c in row) for row in raw.header), default=0)
    ncols = max(ncols, head_width)
    for row in body_grid:
        row += [None] * (ncols - len(row))
    if not body_grid:
        problems.append(Problem(raw.source, "the table has a header and no body rows (a layout box, a banner of "
                                "images): not imported", severity="warning",
                                hint="write it into the README template by hand if it should stay"))
        return None, ncols
    if raw.kind != "latex" and all(s is None or s.cell.empty for row in body_grid for s in row):  # a README's
        # gallery of the repository's images (a LaTeX tabular of \includegraphics lists its images: tables' pieces)
        problems.append(Problem(raw.source, "the table's body holds nothing the build can show (images of files "
                                "of the source repository, no text): not imported", severity="warning",
                                hint="write it into the README template by hand if it should stay, with the "
                                     "images' full https:// addresses"))
        return None, ncols
    for r, row in enumerate(body_grid):  # short rows: GitHub and LaTeX leave the last columns empty
        missing = 0
        while missing < len(row) and row[len(row) - 1 - missing] is None:
            missing += 1
        present = [s for s in row if s is not None]
        if missing and present and not (len(present) == 1 or all(s.cell is present[0].cell for s in present)):
            problems.append(Problem(present[0].cell.source, f"row has cells for {ncols - missing} of {ncols} "
                                    f"columns: the last {missing} are left empty", severity="warning",
                                    hint="check that each value sits under its column (a cell may be missing "
                                         "in the middle)"))
    return body_grid, ncols


def _across(body_grid: list[list[_Slot | None]], ncols: int) -> list[tuple[str, object]]:
    """The body's lines: ("group", RawCell) for a row that is one cell across the table, else ("row", slots)."""
    lines: list[tuple[str, object]] = []  # ("group", RawCell) | ("row", list[_Slot | None])
    for r, row in enumerate(body_grid):
        first = row[0]
        if (ncols > 1 and first is not None and first.origin and first.cell.colspan >= ncols
                and all(s is not None and s.cell is first.cell for s in row)):
            lines.append(("group", first.cell))
        else:
            lines.append(("row", row))
    return lines


def _notes_under(raw: RawTable, lines: list[tuple[str, object]]) -> None:
    """Rows across the table after its last row of values ("Note: sizes approximate" under ``\\bottomrule``)
    title nothing: they are notes of the whole table, marked in the caption (shown under the table in both
    outputs), not empty groups."""
    problems = raw.problems
    caption_notes: list[str] = []
    under: list[RawCell] = []
    while len(lines) > 1 and lines[-1][0] == "group" and any(kind == "row" for kind, _ in lines):
        under.insert(0, lines.pop()[1])
    for note_cell in under:  # numbered in the source's order: the marks and the notes read as the author wrote them
        text = _strip_style(note_cell.latex)
        if text.strip():
            note_id, n = "tablenote", 2
            while note_id in raw.notes:
                note_id, n = f"tablenote{n}", n + 1
            raw.notes[note_id] = (text, note_cell.source)
            caption_notes.append(note_id)
    if caption_notes:
        raw.caption = raw.caption.rstrip() + "".join(f"\\tnotex{{{n}}}" for n in caption_notes)
        problems.append(Problem(lines and caption_notes and raw.notes[caption_notes[0]][1] or raw.source,
                                f"{len(caption_notes)} row(s) across the table below its last row of values were "
                                "read as notes of the whole table, marked in the caption", severity="warning",
                                hint="move the mark in the YAML if it belongs elsewhere"))


def _group_column(raw: RawTable, lines: list[tuple[str, object]], titles: list[str]) -> bool:
    """Whether the first column is one of row groups: spanning cells that nothing else spans."""
    problems = raw.problems
    group_column = False
    spans = [(r, row[0]) for r, (kind, row) in enumerate(lines) if kind == "row" and row[0] is not None
             and row[0].origin and row[0].cell.rowspan > 1]
    if spans and not any(kind == "group" for kind, _ in lines):
        group_column = True
        for r, slot in spans:
            others = [s for s in lines[r][1][1:] if s is not None and s.origin and s.cell.rowspan == slot.cell.rowspan]
            if others:
                group_column = False
        # the column after it would name the rows: measurements cannot (a spanning name is then the row's, over
        # sub-rows, as `\multirow{2}{*}{Gamma} & 1.5 \\ & 1.6`)
        second = [row[1].cell for kind, row in lines if kind == "row" and len(row) > 1 and row[1] is not None
                  and row[1].origin and not row[1].cell.empty]
        if group_column and second and _measures(second):
            group_column = False
        if group_column:
            header = titles[0]
            raw.comments.append(f"The first column ('{header}') was read as row groups: each of its cells spans "
                                "the rows of one group; its title is the README's group_title.")
            raw.group_title = plain_title(header)
            problems.append(Problem(raw.source, f"the first column ('{header}') spans rows that no other column "
                                    "spans: read as row groups (its title becomes group_title, shown in the "
                                    "README only; the paper's group rows carry the group names)", severity="warning"))
    return group_column


def _groups(raw: RawTable, lines: list[tuple[str, object]], group_column: bool) -> tuple[list[Group], dict[int, str]]:
    """The row groups (from rows across the table, or the first column's cells) and each line's group."""
    groups: list[Group] = []
    group_of_line: dict[int, str] = {}
    current: str | None = None

    def new_group(cell: RawCell) -> str:
        title = cells.joined(_strip_style(cell.latex), raw.notices)  # a group title is one line
        gid = slug(plain_title(title))[:40] or f"group{len(groups) + 1}"
        base, n = gid, 2
        while any(g.id == gid for g in groups):
            gid, n = f"{base}_{n}", n + 1
        groups.append(Group(gid, title, cell.source))
        return gid

    unnamed: list[Source] = []
    for r, (kind, row) in enumerate(lines):
        if kind == "group":
            current = new_group(row)
            continue
        if group_column and row[0] is not None:
            if row[0].origin:
                cell = row[0].cell
                if _strip_style(cell.latex).strip().removesuffix("{}") in NO_GROUP:  # `-` where a factor would be: a row of no
                    # group (the ChatGPT baseline under ablations), set off by the rule, its title row left out
                    unnamed.append(cell.source)
                    cell = RawCell("", cell.source)
                current = new_group(cell)
        group_of_line[r] = current
    if unnamed:
        raw.problems.append(Problem(unnamed[0], f"{len(unnamed)} cell(s) of the group column hold a missing-value "
                                    f"mark (the first here): their rows are in no named group, a group with an empty "
                                    f"title (the paper sets them off by a rule, with no title row; the README leaves "
                                    f"the group cell empty)", severity="warning",
                                    hint="give the group a title in the YAML if the rows belong to one"))
    return groups, group_of_line


#: what a group column's cell holds where a row belongs to no group (`-`, `–`, `—`, `N/A`; not `NA`, a name as well)
NO_GROUP = frozenset({"-", "--", "---", r"\textendash", r"\textemdash", "\u2013", "\u2014", "N/A", "n/a"})


def _across_all(row: list[RawCell], ncols: int) -> RawCell | None:
    """The one cell of a row that spans the whole table (a title row), else None."""
    filled = [c for c in row if not c.empty]
    return filled[0] if ncols > 1 and len(filled) == 1 and filled[0].colspan >= ncols else None


def _first_group_above_header(raw: RawTable) -> None:
    """A title row above the header (``\\multicolumn{3}{l}{\\textit{Classification}}``, then the column titles)
    of a table whose body is in groups under title rows of the same shape, but whose first rows have none: it is
    the first group's title, written before the column titles, not a title over every column."""
    ncols = max((sum(max(1, c.colspan) for c in row) for row in raw.body), default=0)
    if len(raw.header) < 2 or not raw.body or _across_all(raw.header[0], ncols) is None:
        return
    if _across_all(raw.body[0], ncols) is not None:
        return
    later = [i for i, row in enumerate(raw.body) if _across_all(row, ncols) is not None]
    if not any(i < len(raw.body) - 1 and _across_all(raw.body[i + 1], ncols) is None for i in later):
        return
    title = raw.header.pop(0)
    raw.body.insert(0, title)
    cell = _across_all(title, ncols)
    raw.problems.append(Problem(cell.source, f"the title row above the column titles ('{plain_title(cell.latex)}') "
                                "is read as the title of the first row group, as the rows across the table in the "
                                "body are", severity="warning",
                                hint="make it a column group in the YAML if it titles every column"))


def _other_group(raw: RawTable, lines: list[tuple[str, object]], groups: list[Group],
                 group_of_line: dict[int, str]) -> None:
    """Rows before the first group title: a group 'Other' (listed)."""
    problems = raw.problems
    if groups and any(group_of_line.get(r) is None for r, (k, _) in enumerate(lines) if k == "row"):
        gid = "other"
        groups.insert(0, Group(gid, "Other", raw.source))
        for r in group_of_line:
            if group_of_line[r] is None:
                group_of_line[r] = gid
        problems.append(Problem(raw.source, "rows before the first group title were put in a group 'Other'",
                                severity="warning", hint="give them a group in the YAML"))


def _named_elsewhere(lines: list[tuple[str, object]], ncols: int) -> bool:
    """A later column, not of measurements, holds a value in every line, each once: it can name the rows
    (:func:`_order` moves it first), so lines that repeat the first cell are rows of their own."""
    row_lines = [row for k, row in lines if k == "row"]
    firsts = [row[0].cell for row in row_lines if row and row[0] is not None and row[0].origin]
    by_date = _dates(firsts)
    for c in range(1, ncols):
        found = [row[c].cell for row in row_lines if c < len(row) and row[c] is not None and row[c].origin
                 and not row[c].cell.empty]
        names = [cell.latex.strip().casefold() for cell in found]
        if len(found) == len(row_lines) and not _measures(found) and (
                len(set(names)) == len(names) or by_date and _nearly_unique(names)):
            return True
    return False


#: a date as lists of papers write it in their first column (``2023.05``, ``2024-06``, ``2021/3``, ``2019``)
_DATE = re.compile(r"(?:19|20)\d\d(?:[./-]\d{1,2}(?:[./-]\d{1,2})?)?")


def _dates(column_cells) -> bool:
    """Every value of the column is a date: the column orders the rows (a list sorted by date), and a value repeated
    on the next line is another row of the same date, not a line of the row above."""
    found = [_strip_style(v.latex).strip() for v in column_cells if v is not None and not v.empty]
    return bool(found) and all(_DATE.fullmatch(text) for text in found)


def _nearly_unique(names: list[str]) -> bool:
    """Names that tell nearly every row apart (a paper listed twice is a repeat the import suffixes), words rather
    than measurements."""
    words = [n for n in names if not _MEASURE.fullmatch(_strip_style(n).strip())]
    return len(names) >= 2 and len(set(names)) >= 0.8 * len(names) and len(words) >= 0.8 * len(names)


#: a number written into a caption by hand (``Table 14. Component...``, ``\\textbf{TABLE III:} Sizes``), the
#: style around it, if any, kept
_OWN_NUMBER = re.compile(r"^(?P<style>\\text(?:bf|it|sc|sf)\{|\\emph\{)?\s*(?P<number>(?:Table|TABLE|Tab\.)(?:~|\s)*"
                         r"(?:[0-9]+[a-z]?|[IVXLC]+)\s*[:.\u2013\u2014-]+)\s*")


def _unnumbered(caption: str, source: Source, problems: list[Problem]) -> str:
    """A caption without the table number its author wrote into it: the paper numbers its tables (``Table 1:``
    before the caption), so a second number would be shown, and a wrong one once tables move."""
    m = _OWN_NUMBER.match(caption)
    if m is None or not caption[m.end():].strip(" }"):
        return caption
    rest = caption[m.end():]
    if m.group("style") and rest.startswith("}"):  # \textbf{Table 1.} Sizes: the style held the number only
        out = rest[1:].lstrip()
    else:
        out = (m.group("style") or "") + rest
    problems.append(Problem(source, f"the caption starts with a table number of its own ('{m.group('number')}'): left "
                            "out, as the paper numbers its tables itself", severity="warning",
                            hint="write it back in the YAML if the number is part of the caption's words"))
    return out


def _names_in_blocks(lines: list[tuple[str, object]], rules: list[int], problems: list[Problem]) -> set[int]:
    """Lines between two rules whose first column has one name, not on the first line (centred by hand where a
    \\multirow would span the lines): the name moves to the block's first line, so that the block is one row
    with the lines its sub-rows (:func:`_entities`), as under a \\multirow. The ids of those lines: said here."""
    moved: list[Source] = []
    said: set[int] = set()
    bounds = [0] + [r for r in rules if 0 < r < len(lines)] + [len(lines)]
    for start, end in zip(bounds, bounds[1:]):
        block = lines[start:end]
        if len(block) < 2 or any(k != "row" or not row for k, row in block):
            continue
        firsts = [row[0] for _, row in block]
        if any(s is None or not s.origin or s.cell.rowspan != 1 or s.cell.colspan != 1 for s in firsts):
            continue
        named = [i for i, s in enumerate(firsts) if not s.cell.empty]
        if len(named) != 1 or named[0] == 0:
            continue
        if not all(any(s is not None and s.origin and not s.cell.empty for s in row[1:]) for _, row in block):
            continue
        top, at = block[0][1], block[named[0]][1]
        top[0], at[0] = _Slot(at[0].cell, top[0].row, 0, True), _Slot(top[0].cell, at[0].row, 0, True)
        moved.append(top[0].cell.source)
        said |= {id(row) for _, row in block}
    if moved:
        problems.append(Problem(moved[0], f"{len(moved)} block(s) of lines between rules with one name in the first "
                                "column, not on the first line (the first here): each block became one row with the "
                                "lines its sub-rows, as under a \\multirow", severity="warning",
                                hint="give a line its own name in the YAML if it is a row of its own"))
    return said


def _entities(lines: list[tuple[str, object]], problems: list[Problem],
              merge_repeats: bool = True, said: set[int] = frozenset(),
              group_of_line: dict[int, str | None] | None = None) -> list[tuple[int, list[list[_Slot | None]]]]:
    """The table's rows: each its first line's index and its lines (sub-rows where the first column spans lines,
    lines that continue the row above, and, unless another column names the lines, lines that repeat the first
    cell above)."""
    entities: list[tuple[int, list[list[_Slot | None]]]] = []  # (first line index, its lines)
    continued: list[Source] = []
    repeated: list[Source] = []
    joined: list[Source] = []
    row_lines = [(i, row) for i, (k, row) in enumerate(lines) if k == "row"]
    group_of_line = group_of_line or {}
    j = 0
    while j < len(row_lines):
        i, row = row_lines[j]
        height = 1
        if row and row[0] is not None and row[0].origin and row[0].cell.rowspan > 1:
            height = row[0].cell.rowspan
        chunk = [row_lines[k][1] for k in range(j, min(j + height, len(row_lines)))]
        j += max(1, len(chunk))
        # lines with an empty first cell right under a named row continue it (its confidence intervals, a
        # second line of values): its sub-rows, under the row's name, as under a \multirow
        while (_named(chunk[0]) and j < len(row_lines) and row_lines[j][0] == row_lines[j - 1][0] + 1
               and group_of_line.get(row_lines[j][0]) == group_of_line.get(i)  # a row never runs into the next group
               and (_continues(row_lines[j][1]) or merge_repeats and _repeats(chunk[0], row_lines[j][1])
                    or _name_goes_on(chunk[0], row_lines[j][1]))):
            if _name_goes_on(chunk[0], row_lines[j][1]):  # `Two-Phase` over `Commit`, the rest spanning both
                line, head = row_lines[j][1], chunk[0]
                joined.append(line[0].cell.source)
                a, b = head[0].cell, line[0].cell
                both = RawCell(a.latex.rstrip() + values.LINE_BREAK + b.latex.strip(), a.source,
                               plain=None if a.plain is None or b.plain is None else f"{a.plain} {b.plain}",
                               align=a.align)
                head[0] = _Slot(both, head[0].row, 0, True)
                line[0] = _Slot(RawCell("", b.source), line[0].row, 0, True)
            elif merge_repeats and _repeats(chunk[0], row_lines[j][1]):  # `| Wanda-SP | 50% |` under `| Wanda-SP | 20% |`: one row
                line = row_lines[j][1]
                repeated.append(line[0].cell.source)
                line[0] = _Slot(RawCell("", line[0].cell.source), line[0].row, 0, True)
            elif id(row_lines[j][1]) not in said:
                continued.append(next(s.cell.source for s in row_lines[j][1] if s is not None and s.origin
                                      and not s.cell.empty))  # the line's first value (its empty cell starts before)
            chunk.append(row_lines[j][1])
            j += 1
        entities.append((i, chunk))
    if continued:
        problems.append(Problem(continued[0], f"{len(continued)} line(s) with an empty first column (the first "
                                "here) continue the row above: each became a sub-row of that row, whose name "
                                "spans them", severity="warning",
                                hint="give a line its own name in the YAML if it is a row of its own"))
    if joined:
        problems.append(Problem(joined[0], f"{len(joined)} first cell(s) under a row whose other cells span both "
                                "lines (the first here) continue its name: the name's lines", severity="warning",
                                hint="join them into one line in the YAML if you like"))
    if repeated:
        problems.append(Problem(repeated[0], f"{len(repeated)} line(s) repeat the first cell of the line above (the "
                                "first here): each became a sub-row of that row, whose name spans them, as a "
                                "cell spanning the lines would", severity="warning",
                                hint="give a line its own name in the YAML if it is a row of its own"))
    return entities


def _name_goes_on(head: list[_Slot | None], line: list[_Slot | None]) -> bool:
    """A line whose first cell is text and whose every other cell is the line above's, spanning it (or empty): the
    text is the rest of the name above, broken by hand (`Two-Phase` / `Commit` beside \\multirow{2} cells)."""
    if not (_named(line) and line[0].cell.rowspan == 1 and head[0].cell.rowspan == 1 and not line[0].cell.indented
            and not line[0].cell.links):
        return False
    spanned = 0
    for c in range(1, len(line)):
        slot = line[c]
        if slot is None or slot.origin and slot.cell.empty:
            continue
        if slot.origin or c >= len(head) or head[c] is None or slot.cell is not head[c].cell:
            return False
        spanned += 1
    return spanned > 0


def _repeats(head: list[_Slot | None], line: list[_Slot | None]) -> bool:
    """A line whose first cell repeats the first cell of the row above (written again where a span would be)."""
    return (_named(line) and line[0].cell.rowspan == 1 and head[0].cell.rowspan == 1
            and line[0].cell.latex.strip() == head[0].cell.latex.strip() and not line[0].cell.indented
            and not line[0].cell.links and any(s is not None and s.origin and not s.cell.empty for s in line[1:]))


@dataclass
class _Shape:
    """The table's columns as chosen: the model's columns, each source column's, its key for link icons, and
    the source columns in the order they are written (the name column first)."""

    columns: list[Column]
    col_of: dict[int, Column]
    icon_cols: list[int]
    icon_key: dict[int, str]
    order: list[int]


def _columns(raw: RawTable, entities, ncols: int, titles: list[str], col_groups: list[str | None],
             group_of_line: dict[int, str], group_column: bool) -> _Shape:
    """Each column's type from its values, its key, its place (the name column first), and a url column after
    a column that held link icons."""
    # column values, to choose the types
    per_column: list[list[RawCell | None]] = [[] for _ in range(ncols)]
    for _, chunk in entities:
        for line in chunk:
            for c in range(ncols):
                slot = line[c] if c < len(line) else None
                per_column[c].append(slot.cell if slot is not None and slot.origin else None)
    types = [_column_type(raw, titles[c], per_column[c]) for c in range(ncols)]
    keys = _keys(titles, col_groups)
    heads = [[ch[0][c].cell if ch[0][c] is not None and ch[0][c].origin else None for _, ch in entities]
             for c in range(ncols)]
    order = _order(raw, titles, col_groups, types, heads, [group_of_line.get(i) for i, _ in entities])
    if types and types[order[0]] in ("bool", "url"):
        types[order[0]] = "latex" if raw.kind == "latex" else "text"

    # link icons: one url column after the column that held them
    icon_cols = [c for c in range(ncols) if any(v is not None and v.links for v in per_column[c])]
    columns: list[Column] = []
    col_of: dict[int, Column] = {}
    icon_key: dict[int, str] = {}
    where_col = raw.source
    for c in order:
        align = raw.aligns[c + (1 if group_column else 0)] if c + (1 if group_column else 0) < len(raw.aligns) \
            else "l"
        width = None
        if raw.widths and c + (1 if group_column else 0) < len(raw.widths):
            width = raw.widths[c + (1 if group_column else 0)]
        at = c + (1 if group_column else 0)
        wrap = bool(width) or (at < len(raw.wraps) and raw.wraps[at])
        if not raw.aligns:
            found = Counter(v.align for v in per_column[c] if v is not None and v.align)
            align = found.most_common(1)[0][0] if found else "l"
        col_of[c] = Column(keys[c], titles[c], types[c], align if align in "lcr" else "l",
                           group=col_groups[c], width=width, wrap=wrap and not width, source=where_col,
                           marks=marks_of(per_column[c]) if types[c] == "bool" else None)
        columns.append(col_of[c])
        if c in icon_cols:
            key = "code" if "code" not in keys else f"code_{c + 1}"
            keys.append(key)
            icon_key[c] = key
            columns.append(Column(key, "Code", "url", "l", group=col_groups[c] if c + 1 < ncols and
                                  col_groups[c] == col_groups[c + 1] else None, source=where_col))

    return _Shape(columns, col_of, icon_cols, icon_key, order)


def _rows(raw: RawTable, entities, ncols: int, shape: _Shape, group_of_line: dict[int, str],
          stats: Counter) -> tuple[list[Row], list[str]]:
    """The rows' values, cites and note marks, each row named (an empty name, a repeated one: listed); the note
    ids the rows mark."""
    problems = raw.problems
    columns, col_of, icon_cols, icon_key, order = shape.columns, shape.col_of, shape.icon_cols, shape.icon_key, shape.order
    notices = raw.notices
    rows: list[Row] = []
    first_key = columns[0].key
    referenced: list[str] = []
    seen: dict[tuple, Source] = {}
    warned: set[int] = set()
    parent: tuple = (None, "")  # (group, name) of the last row that is not indented

    def cell_at(slot: _Slot | None, c: int, column: Column) -> RawCell | None:
        if slot is None:
            return None
        if slot.origin:
            return slot.cell
        if id(slot.cell) not in warned:
            warned.add(id(slot.cell))
            if slot.col == c:
                problems.append(Problem(slot.cell.source, f"column '{column.title}': a cell spanning "
                                        f"{slot.cell.rowspan} rows that are separate rows: its value was copied "
                                        "to each of them", severity="warning"))
            else:
                problems.append(Problem(slot.cell.source, f"a cell spanning {slot.cell.colspan} columns in a "
                                        "body row: its text went to the first of them, the others are empty",
                                        severity="warning"))
        return slot.cell if slot.col == c else None

    for index, (line_no, chunk) in enumerate(entities):
        head = chunk[0]
        multi = len(chunk) > 1
        # a column spans the sub-rows when its cell spans them all (\multirow), or when its cell is the only
        # one with a value (the lines under it are empty there: a continuation)
        spanning = {c for c in range(ncols) if multi and head[c] is not None and head[c].origin
                    and (head[c].cell.rowspan == len(chunk)
                         or head[c].cell.rowspan == 1 and not head[c].cell.empty
                         and all(_blank(line[c], head[c]) for line in chunk[1:]))}
        if multi and len(spanning) == ncols:  # every cell spans the lines: one row, no sub-rows
            multi = False
        main: list[tuple[str, Value]] = []
        subs: list[list[tuple[str, Value]]] = [[] for _ in chunk] if multi else []
        cites: list[tuple[str, Source]] = []
        row_notes: list[tuple[str, str, Source]] = []
        source = next((s.cell.source for s in head if s is not None), raw.source)
        row_name = ""
        group = group_of_line.get(line_no)

        def put(key: str, value: Value, k: int, spans: bool) -> None:
            if multi and not spans:
                subs[k].append((key, value))
            elif value.raw is not None or key == first_key:
                main.append((key, value))

        for c in order:
            column = col_of[c]
            targets = [(0, head)] if not multi or c in spanning else list(enumerate(chunk))
            for k, line in targets:
                cell = cell_at(line[c], c, column)
                where = cell.source if cell is not None else source
                value_cell = cell
                if c == order[0] and k == 0 and cell is not None and column.type == "latex":
                    converted = cells.convert(cell.latex, notices, raw.note_ids, first=True)
                    value_cell = RawCell(converted.latex, cell.source)
                    cites += [(key, cell.source) for key in converted.cites]
                    row_notes += [(first_key, n, cell.source) for n in converted.notes]
                raw_value = _value(column.type, value_cell)
                if column.type == "url" and raw_value is not None and values.check_url(raw_value):
                    problems.append(Problem(where, f"column '{column.title}': {values.check_url(raw_value)}: "
                                            "kept as written", hint="write a full https:// link"))
                if column.type == "latex" and isinstance(raw_value, str):
                    _check_latex(raw_value, where, column, problems)
                # the characters the paper's engine cannot typeset: decided for the survey (scripts.py)
                if raw_value is not None:
                    stats["cells"] += 1
                if c == order[0] and k == 0:
                    if isinstance(raw_value, str):
                        raw_value = _qualified(raw_value, cell, group, parent, where, problems)
                    row_name = values.one_line(str(raw_value)) if raw_value is not None else ""
                    if row_name.strip() and not (cell is not None and cell.indented):
                        parent = (group, row_name.strip())
                put(column.key, Value(raw_value, where), k, c in spanning)
                if c in icon_cols:
                    links = list(cell.links) if cell is not None else []
                    if len(links) > 1:
                        raw.comments.append(f"{where}: further link icons: {', '.join(links[1:])}")
                        problems.append(Problem(where, f"{len(links)} link icons in one cell: the first is the "
                                                "url, the others are kept in the table's comment",
                                                severity="warning"))
                    if links:
                        stats["cells"] += 1
                    put(icon_key[c], Value(links[0] if links else None, where), k, c in spanning)
        if not row_name.strip():  # a grid of figures (its cells left out, listed) or a blank first cell
            row_name = f"(row {index + 1})"
            problems.append(Problem(source, f"row {index + 1}: the first column ('{columns[0].title}') is empty: "
                                    f"named '{row_name}' (the build needs every row named)", severity="warning",
                                    hint="write the row's name in the YAML"))
            main = [(first_key, Value(row_name, source))] + [(k, v) for k, v in main if k != first_key]
        for col, note_id, _ in row_notes:
            referenced.append(note_id)
        stats["cites"] += len(cites)
        ident = (group, row_name.strip().casefold())
        if row_name.strip() and ident in seen:  # a deterministic suffix keeps names apart, and is listed
            n = 2
            while (group, f"{row_name.strip()} ({n})".casefold()) in seen:
                n += 1
            new_name = f"{row_name.strip()} ({n})"
            problems.append(Problem(source, f"row '{row_name}' repeats the row at {seen[ident]}: named "
                                    f"'{new_name}' (the build needs row names unique in their group)",
                                    severity="warning", hint="merge the rows or rename them in the YAML"))
            main = [(key, Value(new_name, value.source) if key == first_key else value) for key, value in main]
            row_name = new_name
            ident = (group, new_name.casefold())
        seen.setdefault(ident, source)
        rows.append(Row(index=index, name=row_name, line=Line(tuple(main)),
                        sublines=tuple(Line(tuple(s)) for s in subs), cites=tuple(cites), group=group,
                        notes=tuple(row_notes), source=source))
    stats["rows"] = len(rows)

    return rows, referenced


def _notes(raw: RawTable, rows: list[Row], referenced: list[str], stats: Counter) -> list[Note]:
    """The notes: every one marked and defined (a note marked nowhere goes to the comment; a mark without a
    text gets a placeholder), each listed; the notices of the whole table's text."""
    problems = raw.problems
    # notes: referenced from cells and rows (and the caption); every one must be defined and used
    referenced += _note_refs(raw.caption) if "\\tnote" in raw.caption else []
    for row in rows:
        for ln in (row.line,) + row.sublines:
            for key, value in ln.cells:
                if isinstance(value.raw, str) and "\\tnote" in value.raw:
                    referenced += _note_refs(value.raw)
    # a note marked in a header cell (a column or group title, which holds no marks): marked in the caption
    in_header = {n for row in raw.header for c in row for n in _note_refs(c.latex) if "\\tnote" in c.latex}
    moved = [n for n in raw.notes if n not in referenced and n in in_header]
    if moved:
        raw.caption = raw.caption.rstrip() + "".join(f"\\tnotex{{{n}}}" for n in moved)
        referenced += moved
        problems.append(Problem(raw.source, f"notes marked in header cells ({', '.join(moved)}) are marked in the "
                                "caption: column titles hold no marks", severity="warning",
                                hint="move the mark in the YAML if it belongs elsewhere"))
    notes: list[Note] = []
    for note_id, (text, where) in raw.notes.items():
        if note_id not in referenced:
            raw.comments.append(f"Note '{note_id}' (never marked in a cell): {text}")
            problems.append(Problem(where, f"note '{note_id}' is not marked in any cell: the format's notes must "
                                    "be attached to a cell, so its text was kept in the table's comment",
                                    severity="warning", hint="attach it to a row with notes: [...] or drop it"))
            continue
        _check_latex(text, where, None, problems)
        notes.append(Note(note_id, cells.joined(text, raw.notices), where))
        stats["notes"] += 1
    missing_notes = [n for n in dict.fromkeys(referenced) if n not in raw.notes]
    for note_id in missing_notes:
        text = f"(the text of note {note_id} was not in {raw.source.path})"
        notes.append(Note(note_id, cells.joined(text, raw.notices), raw.source))
    if missing_notes:
        problems.append(Problem(raw.source, f"{len(missing_notes)} note(s) marked in cells have no text in the "
                                f"file ({', '.join(missing_notes)}): defined with a placeholder text",
                                hint="write the notes' text in the YAML"))
    raw.caption = cells.joined(raw.caption, raw.notices)  # a caption is one line
    problems += cells.dropped_problems(raw.notices, lambda pos: raw.source)  # a text of its own: the table's place
    for message in cells.notice_messages(raw.notices):
        problems.append(Problem(raw.source, message, severity="warning"))
    if raw.cite_text:
        problems.append(Problem(raw.source, f"{len(raw.cite_text)} citation(s) such as '{raw.cite_text[0]}' are "
                                "links to a hand-numbered reference list: kept as text", severity="warning",
                                hint="pass --cite-map FILE (reference anchor -> cite key) to turn them into cites"))
    return notes


def _missing_keys(raw: RawTable, rows: list[Row], notes: list[Note], bib_keys: set[str]) -> None:
    """An error at the first place of each cite key refs.bib lacks, with a did-you-mean."""
    problems = raw.problems
    missing: dict[str, Source] = {}
    for row in rows:
        for key, where in row.cites:
            if key not in bib_keys:
                missing.setdefault(key, where)
    for text, where in _latex_texts(rows, notes, raw):
        for key in _cite_keys(text):
            if key not in bib_keys:
                missing.setdefault(key, where)
    folded = {k.casefold(): k for k in bib_keys} if missing else {}
    for key, where in missing.items():
        same = folded.get(key.casefold())
        close = difflib.get_close_matches(key, list(bib_keys), n=1, cutoff=0.75) if same is None else []
        hint = (f"refs.bib has it as '{same}' (BibTeX ignores case, surveybuild does not): write that" if same
                else f"did you mean '{close[0]}'? else add its entry to refs.bib" if close
                else "add its entry to refs.bib, or correct the key")
        problems.append(Problem(where, f"cite key '{key}' is not in refs.bib: the build stops on it", hint=hint))


#: a row name that adds to or takes from the row above (``+ dynamic_ntk``, ``w/o RLHF``, ``- pretraining``):
#: an ablation under its base row
CONNECTIVE = re.compile(r"^\s*(?:\+|[-\u2013\u2212]\s|w/o?(?![A-Za-z])|with(?:out)?\s)", re.I)


def _connectives(lines) -> None:
    """Ablation rows (``+ dynamic_ntk`` under each model) repeat their names under every base row: when such
    names repeat, each is a row under the last row above it that is not one (as an indented row is), so that
    its name says which: ``Qwen-7B: + dynamic_ntk``. Unique ones keep their names."""
    firsts = [row[0].cell for kind, row in lines if kind == "row" and row and row[0] is not None and row[0].origin
              and not row[0].cell.empty]
    names = [" ".join(c.latex.split()).casefold() for c in firsts if CONNECTIVE.match(c.latex)]
    if len(names) != len(set(names)):
        for cell in firsts:
            if CONNECTIVE.match(cell.latex):
                cell.indent = True


def _qualified(name: str, cell, group, parent: tuple, where: Source, problems: list) -> str:
    """An indented row name (``~~~w/ full`` under ``BM25``) qualified with the row it belongs under (``BM25: w/
    full``): the indentation alone tells it apart in print, and the README would lose it. Listed once per row."""
    if cell is None or not cell.indented:
        return name
    bare = INDENT.sub("", name, count=1).strip()
    if not bare or parent[0] != group or not parent[1]:
        return bare or name
    qualified = f"{_strip_style(parent[1])}: {bare}"
    how = "is indented under" if INDENT.match(name) or not CONNECTIVE.match(name) else \
        "(rows that add to or take from the row above repeat their names here) belongs under"
    problems.append(Problem(where, f"row '{bare}' {how} '{parent[1]}': named '{qualified}'",
                            severity="warning", hint="rename it in the YAML if you like"))
    return qualified


def _order(raw: RawTable, titles, groups, types, per_column, row_groups) -> list[int]:
    """Column order: as found, unless the first column repeats a value (it names the rows, and the build
    rejects duplicate rows) and a later column names every row once: that one moves first."""
    n = len(titles)
    if n < 2:
        return list(range(n))

    def unique(c: int) -> bool:
        names, above = [], (None, "")
        for g, v in zip(row_groups, per_column[c]):
            if v is None or v.empty:
                continue
            name = v.latex.strip().casefold()
            if c == 0 and v.indented:  # named under the row above (_qualified)
                name = (above[1] if above[0] == g else "") + ": " + INDENT.sub("", name, count=1).strip()
            elif c == 0:
                above = (g, name)
            names.append((g, name))
        return len(names) == len(set(names)) == len(per_column[c])

    if unique(0) or any(v is None or v.empty for v in per_column[0]) and not any(
            v is not None and not v.empty for v in per_column[0]):
        return list(range(n))
    by_date = _dates(per_column[0])
    for c in range(1, n):
        if types[c] in ("text", "latex") and groups[c] is None and not _measures(per_column[c]) and (
                unique(c) or by_date and all(v is not None and not v.empty for v in per_column[c])
                and _nearly_unique([v.latex.strip().casefold() for v in per_column[c]])):
            names = (f"'{titles[c]}' names every row once" if unique(c) else
                     f"'{titles[0]}' holds dates, and '{titles[c]}' tells nearly every row apart")
            raw.problems.append(Problem(raw.source, f"the first column ('{titles[0]}') repeats values, but the "
                                        "first column names the rows (the build rejects duplicate rows): "
                                        f"{names} and was moved first",
                                        severity="warning", hint="reorder the columns in the YAML if you like"))
            raw.comments.append(f"Column '{titles[c]}' was moved first (it names the rows; '{titles[0]}' repeats).")
            return [c] + [k for k in range(n) if k != c]
    return list(range(n))


#: a measured value (``12.62``, ``20%``, ``-``, ``3.2 ± 0.1``, ``\\textbf{84.9}``): no name for a row
_MEASURE = re.compile(r"(?=[^\d]*\d)[-+\u2212]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)?(?:[eE][-+]?\d+)?\s*(?:%|\\%|[kKMBx\u00d7])?"
                      r"(?:\s*(?:\u00b1|\$\\pm\$|\\pm)\s*\d+(?:\.\d+)?)?|[-\u2013\u2014]|n/?a|N/?A")


def _measures(column_cells) -> bool:
    """Every value of the column is a number or a dash: a measurement, which never names the rows."""
    found = [_strip_style(v.latex) for v in column_cells if v is not None and not v.empty]
    return bool(found) and all(_MEASURE.fullmatch(text.strip()) for text in found)


def _strip_style(latex: str) -> str:
    """A group title without the \\textit / \\textbf the paper's layout adds."""
    text = latex.strip()
    for macro in ("\\textit{", "\\textbf{", "\\emph{"):
        if text.startswith(macro) and text.endswith("}"):
            inner = text[len(macro):-1]
            if not latextext._brace_problems(inner):
                return _strip_style(inner)
    return text


def _note_refs(text: str) -> list[str]:
    try:
        return [p.note_id for p in latextext.to_pieces(text) if isinstance(p, latextext.NoteRef)]
    except latextext.LatexFieldError:
        return []


def _cite_keys(text: str) -> list[str]:
    try:
        return [k for p in latextext.to_pieces(text) if isinstance(p, latextext.Cite) for k in p.keys]
    except latextext.LatexFieldError:
        return []


def _latex_texts(rows, notes, raw):
    yield raw.caption, raw.source
    for note in notes:
        yield note.text, note.source
    for row in rows:
        for ln in (row.line,) + row.sublines:
            for _, value in ln.cells:
                if isinstance(value.raw, str) and "\\" in value.raw:
                    yield value.raw, value.source


def _check_latex(text: str, where: Source, column: Column | None, problems: list[Problem], what: str = "") -> str:
    thing = what or (f"column '{column.title}'" if column else "note")
    try:  # each line alone, as the renderers take it
        pieces = [p for line in (values.lines(text) or [""]) for p in latextext.to_pieces(line)]
    except latextext.LatexFieldError as exc:
        for p in exc.problems:
            problems.append(Problem(where, f"{thing}: {p}: kept as written",
                                    hint="rewrite it with the allowed macros (docs/format.md), "
                                         "the build rejects it until then"))
        return text
    for piece in pieces:
        if isinstance(piece, latextext.Link) and values.check_url(piece.url):
            problems.append(Problem(where, f"{thing}: {values.check_url(piece.url)}: kept as written",
                                    hint="write a full https:// link"))
    return text

