"""Accounting: what a table read from a file held, against what the written table holds.

The last stage of the import: for one :class:`RawTable` (what the reader found) and the
:class:`ImportedTable` made of it, count rows, non-empty cells and cite keys on both sides,
and compare each cell by its visible words. A cell whose words are not all in the written
table, or a cite key that is not there, is a lost piece: unless a problem already names
its line, it gets one (``file:line: warning: not carried: ...``). So every piece is either
represented or listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pylatexenc import latex2text

from ..model import Problem, Source, Table
from .assemble import ImportedTable, RawCell, RawTable

#: ``\cite{a,b}``, ``\citep[p.~3]{a}``, ``\citeA{a}``, ``\parencite*{a}``: every cite family
CITE = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")
WORD = re.compile(r"[^\W_]+")  # letters and digits: "a_b" and "a\\_b" have the same words
MACRO = re.compile(r"\\[A-Za-z@]+\*?")


@dataclass(frozen=True)
class Counts:
    rows: int
    cells: int
    cites: int

    def __str__(self) -> str:
        return f"{self.rows} row(s), {self.cells} cell(s), {self.cites} cite key(s)"


def cite_keys(text: str) -> list[str]:
    return [k.strip() for m in CITE.finditer(text) for k in m.group(1).split(",") if k.strip()]


_TO_TEXT = None


def as_written(text: str) -> set[str]:
    """The words of LaTeX or plain text as written, macro names and cite commands left out, lower case."""
    return set(WORD.findall(MACRO.sub(" ", CITE.sub(" ", text)).casefold()))


def as_text(text: str) -> set[str]:
    """The words of LaTeX as pylatexenc reads it (accents and symbols read), lower case."""
    global _TO_TEXT
    if "\\" not in text:
        return as_written(text)
    if _TO_TEXT is None:
        _TO_TEXT = latex2text.LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
    try:
        return set(WORD.findall(_TO_TEXT.latex_to_text(CITE.sub(" ", text)).casefold()))
    except Exception:  # pylatexenc on malformed LaTeX: the words as written are enough
        return as_written(text)


def words(text: str) -> set[str]:
    return as_written(text) | as_text(text)


def read_counts(raw: RawTable) -> Counts:
    cells = [c for row in raw.body for c in row if not c.empty]
    keys = [k for row in raw.header + raw.body for c in row for k in cite_keys(c.latex)]
    keys += [k for text, _ in raw.notes.values() for k in cite_keys(text)]
    return Counts(len(raw.body), len(cells) + sum(len(c.links) for c in cells), len(set(keys)))


def _written_texts(table: Table, comment: str = ""):
    yield table.caption
    for column in table.columns:
        yield column.title
        if column.group:
            yield column.group
    yield table.group_title
    for group in table.groups:
        yield group.title
    for note in table.notes:
        yield note.text
    for row in table.rows:
        yield " ".join(k for k, _ in row.cites)
        yield " ".join(note[1] for note in row.notes)  # a mark at the end of a row's name: the row's notes
        for line in (row.line,) + row.sublines:
            for _, value in line.cells:
                if value.raw is not None:
                    yield str(value.raw) if not isinstance(value.raw, list) else " ".join(map(str, value.raw))


def written_counts(table: Table) -> Counts:
    lines = sum(max(1, len(r.sublines)) for r in table.rows)
    cells = sum(1 for r in table.rows for ln in (r.line,) + r.sublines for _, v in ln.cells
                if v.raw not in (None, "", []))
    keys = {k for r in table.rows for k, _ in r.cites}
    keys |= {k for text in _written_texts(table) for k in cite_keys(text)}
    titled = {g.title for g in table.groups}
    in_caption = sum(1 for n in table.notes if n.id.startswith("tablenote")  # rows read as notes of the table
                     and f"\\tnotex{{{n.id}}}" in table.caption)
    # a row group's title and a note of the table read from a row were cells of the source: counted as cells
    return Counts(lines + (len(titled) if not table.group_title else 0) + in_caption,
                  cells + len(titled - {""}) + in_caption, len(keys))


def account(raw: RawTable, imported: ImportedTable, listed: list[Problem]) -> tuple[str, list[Problem]]:
    """One line of counts for the table, and a problem for each lost piece no problem names yet."""
    table = imported.table
    texts = list(_written_texts(table))
    written = set().union(*(as_written(t) for t in texts))
    read_as_text: set[str] | None = None  # pylatexenc's reading too: only when the words as written miss
    if any(c.type == "bool" for c in table.columns):
        written |= {"yes", "no"}  # what a bool column shows (or its marks: no words)
    keys_written = {k for r in table.rows for k, _ in r.cites} | {k for t in texts for k in cite_keys(t)}
    named = {(p.source.path, p.source.line) for p in listed}
    problems: list[Problem] = []

    def lost(where: Source, what: str) -> None:
        if (where.path, where.line) not in named:
            problems.append(Problem(where, f"not carried: {what}", severity="warning",
                                    hint="add it to the YAML by hand"))

    for cell in _cells(raw):
        missing = as_written(cell.latex) - written
        if missing:
            if read_as_text is None:
                read_as_text = written.union(*(as_text(t) for t in texts))
            missing = min(as_written(cell.latex) - read_as_text, as_text(cell.latex) - read_as_text, key=len)
        missing = sorted(missing)
        if missing:
            lost(cell.source, f"'{' '.join(cell.latex.split())[:60]}' (words {', '.join(missing[:5])} are not in "
                              "the table written)")
        for key in cite_keys(cell.latex):
            if key not in keys_written:
                lost(cell.source, f"cite key '{key}'")
    for note_id, (text, where) in raw.notes.items():
        if note_id not in {n.id for n in table.notes} and not words(text) <= words(imported.comment):
            lost(where, f"note '{note_id}'")
    line = f"read {read_counts(raw)}; written {written_counts(table)}"
    return line, problems


def _cells(raw: RawTable) -> list[RawCell]:
    return [c for row in raw.header + raw.body for c in row if not c.empty]
