"""What both renderers agree on: row order, column header levels, note marks. Pure functions."""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass

from .. import values
from ..texlang.latextext import NoteRef, to_pieces
from ..model import Column, Group, Row, Table


@dataclass(frozen=True)
class Section:
    """A run of rows under one row group (``group`` is None for a table without groups)."""

    group: Group | None
    rows: tuple[Row, ...]

    @property
    def height(self) -> int:
        return sum(r.height for r in self.rows)


def sections(table: Table) -> list[Section]:
    """Rows in display order: by group, then by the table's sort keys (stable), else file order."""
    rows = list(table.rows)
    for key in reversed(table.sort):
        desc = key.startswith("-")
        column = table.column(key.lstrip("-"))
        if column is None:
            continue

        def by(row, column=column):
            value = row.value(column.key)
            return values.sort_key(column.type, value.raw if value is not None else None)

        rows.sort(key=by, reverse=desc)
    if not table.groups:
        return [Section(None, tuple(rows))]
    return [Section(g, tuple(r for r in rows if r.group == g.id)) for g in table.groups
            if any(r.group == g.id for r in rows)]


@dataclass(frozen=True)
class HeaderCell:
    """A cell of a table's header: a column's title, or a group title over several columns."""

    title: str
    span: int  # columns it covers
    first: int  # 1-based index of its first column
    grouped: bool  # True for a group title over its columns


def header(columns: list[Column]) -> tuple[list[HeaderCell], list[HeaderCell]]:
    """Two header levels: group titles (or the plain titles) on top, the grouped columns' titles below.

    A column outside any group has its title in the top level only; the lower
    level is empty when no column is grouped.
    """
    top: list[HeaderCell] = []
    lower: list[HeaderCell] = []
    i = 0
    while i < len(columns):
        col = columns[i]
        if col.group is None:
            top.append(HeaderCell(col.title, 1, i + 1, False))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].group == col.group:
            lower.append(HeaderCell(columns[j].title, 1, j + 1, False))
            j += 1
        top.append(HeaderCell(col.group, j - i, i + 1, True))
        i = j
    return top, lower


#: :func:`note_marks` of the tables asked last (id -> the table and its marks): the paper's and the README's
#: renderers ask it of the same table in one build. Kept for a few tables, checked by identity.
_MARKS: dict[int, tuple[Table, dict[str, str]]] = {}
_MARKS_KEPT = 64


def note_marks(table: Table) -> dict[str, str]:
    """Note id -> mark (a, b, c, ...), in order of first use in the displayed rows, then in notes.
    The same dict for the same table object: read it, never change it."""
    kept = _MARKS.get(id(table))
    if kept is not None and kept[0] is table:
        return kept[1]
    marks = _note_marks(table)
    if len(_MARKS) >= _MARKS_KEPT:
        _MARKS.clear()
    _MARKS[id(table)] = (table, marks)
    return marks


def _note_marks(table: Table) -> dict[str, str]:
    order: dict[str, None] = {}
    latex_keys = {c.key for c in table.columns if c.type == "latex"}
    columns = [(c.key, c.key in latex_keys) for c in table.columns]
    latex_columns = [c.key for c in table.columns if c.type == "latex"]
    for section in sections(table):
        for row in section.rows:
            notes = row.notes
            if not row.sublines and not notes:  # the common row: one line, its notes in its LaTeX cells alone
                get = row.line.by_key.get
                for key in latex_columns:
                    value = get(key)
                    if value is not None and value.raw is not None:
                        for note_id in _note_ids(str(value.raw)):
                            order.setdefault(note_id)
                continue
            for key, is_latex in columns:
                if is_latex:
                    for sub in range(row.height):
                        value = row.value(key, sub)
                        if value is not None and value.raw is not None:
                            for note_id in _note_ids(str(value.raw)):
                                order.setdefault(note_id)
                if notes:
                    for col_key, note_id, _ in notes:
                        if col_key == key:
                            order.setdefault(note_id)
    for note in table.notes:
        for note_id in _note_ids(note.text):
            order.setdefault(note_id)
    for note in table.notes:
        order.setdefault(note.id)
    return {note_id: mark(i) for i, note_id in enumerate(order)}


@functools.lru_cache(maxsize=1 << 16)
def _note_ids(latex: str) -> tuple[str, ...]:
    """The note ids a LaTeX field refers to, in order (cells repeat: worked out once per text)."""
    return tuple(piece.note_id for piece in to_pieces(latex) if isinstance(piece, NoteRef))


def mark(i: int) -> str:
    """a, b, ..., z, aa, ab, ..."""
    letters = string.ascii_lowercase
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = letters[r] + out
    return out
