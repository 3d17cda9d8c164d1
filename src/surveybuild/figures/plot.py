"""Figure definition + survey -> :class:`Plot`: what a figure shows and where, checked. Pure, no drawing.

Both outputs draw the same plot: :mod:`surveybuild.figures.svg` (matplotlib, the README's SVGs)
and :mod:`surveybuild.figures.tex` (pgfplots, the paper's figure). Everything that decides the
picture (which rows, their dates, lanes, colours, where each label goes so that none overlaps
another) is decided here, once, so the two cannot disagree.

A row's date is its ``date`` column (``YYYY-MM`` or ``YYYY``); with ``date: {column: date,
from: arxiv}`` a row whose cell is empty takes the month of the first arXiv id among its cited
works in refs.bib (``2303.08774`` -> 2023-03, ``hep-th/9901001`` -> 1999-01): the month the
work's first version was submitted. A row with neither, or whose cell says ``unknown`` (the
cited paper is not the row's own, say its base model's), is left out and counted.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass

from ..checks.hygiene import arxiv_id
from ..checks.unique import repeats
from ..texlang.latextext import LatexFieldError, Text, to_pieces
from ..model import BibEntry, Figure, Problem, Row, Survey, Table
from ..readers.tableread import did_you_mean
from .. import values

#: The plot's geometry, shared by both outputs: the axis width in inches, the labels' font size in
#: points (the paper's \scriptsize at 10-11pt), the height of one label line in inches.
AXIS_WIDTH_IN = 5.0
FONT_PT = 8.0
TIER_IN = 0.17
#: A label's width is estimated, not measured (no font is loaded here): this many em per
#: character is wider than the average of DejaVu Sans and Latin Modern, so labels placed by
#: the estimate do not touch.
CHAR_EM = 0.62
LABEL_GAP_IN = 0.07  # from a dot to its label, and between two labels on one line

#: Colour-blind-safe (Okabe and Ito), readable on white and on GitHub's dark background alike.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")
_OLD_ID = re.compile(r"/(\d{2})(\d{2})\d{3}$")
SPECIAL_BY = ("table", "group")
UNKNOWN = "unknown"  # a date cell saying: this row has no known date, do not derive one


@dataclass(frozen=True)
class Series:
    """One lane of a timeline, one stack of a count chart."""

    key: str
    title: str
    colour: str


@dataclass(frozen=True)
class Item:
    """One dated row: ``x`` in months (year * 12 + month - 1; a year alone is its July)."""

    label: str  # plain text
    x: int
    series: int
    y: float = 0.0  # timeline: the line it is drawn on, from the top (0) down


@dataclass(frozen=True)
class Plot:
    id: str
    kind: str
    caption: str  # LaTeX
    alt: str
    series: tuple[Series, ...]
    items: tuple[Item, ...]
    lanes: tuple[tuple[float, float], ...] = ()  # timeline: (top y, bottom y) of each series' band
    x_range: tuple[int, int] = (0, 0)  # timeline: months shown
    years: tuple[int, ...] = ()  # count: the years on the axis
    counts: tuple[tuple[int, ...], ...] = ()  # count: per series, rows per year
    undated: int = 0  # rows left out for want of a date
    height_in: float = 0.0  # the axis height in inches

    def digest(self) -> str:
        """The SHA-256 of everything drawn: the key of the drawing cache."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode("utf-8")).hexdigest()


def plan(figure: Figure, survey: Survey) -> tuple[Plot | None, list[Problem]]:
    """The figure's plot, or ``None`` and every problem of its definition and data."""
    thing = f"figure '{figure.id}'"
    problems: list[Problem] = []
    tables: list[Table] = []
    known = [t.id for t in survey.tables]
    for table_id, where in figure.tables:
        table = survey.table(table_id)
        if table is None:
            problems.append(Problem(where, f"{thing}: no table '{table_id}'",
                                    hint=did_you_mean(table_id, known) or f"tables: {', '.join(known)}"))
        else:
            tables.append(table)
    date_key, date_at = figure.date
    label_key, label_at = figure.label
    by_key, by_at = figure.by
    for table in tables:
        keys = [c.key for c in table.columns]
        for key, where, what, hint in (
                (date_key, date_at, "date column", f"add the column {{key: {date_key}, title: Date, show: none}} "
                                                  f"to {table.source.path} and dates to its rows"),
                (label_key, label_at, "label column", ""),
                (None if by_key in SPECIAL_BY else by_key, by_at, "'by' column", "or use 'table' or 'group'")):
            if key is not None and key not in keys:
                close = did_you_mean(key, keys + (list(SPECIAL_BY) if what == "'by' column" else []))
                problems.append(Problem(where, f"{thing}: table '{table.id}' has no {what} '{key}'",
                                        hint="; ".join(h for h in (close, hint) if h) or f"columns: {', '.join(keys)}"))
    if problems:  # the rows' dates are still checked, so that every problem is told at once
        for table in tables:
            if table.column(date_key) is not None:
                problems += [p for row in table.rows for p in _row_date(figure, thing, table, row, {})[1]]
        return None, problems
    bib = {e.key: e for e in survey.bib}
    titles = dict(figure.titles)
    series: dict[str, str] = {}  # key -> title, in order of first appearance
    dated: list[tuple[int, str, str]] = []  # (x, label, series key)
    undated = 0
    for table in tables:
        group_titles = {g.id: _plain(g.title) for g in table.groups}
        if by_key == "table":
            series.setdefault(table.id, titles.get(table.id) or table.section or table.id)
        elif by_key == "group":
            for g in table.groups:
                series.setdefault(g.id, titles.get(g.id) or group_titles[g.id])
        for row in table.rows:
            x, found = _row_date(figure, thing, table, row, bib)
            problems += found
            if x is None:
                undated += 1
                continue
            key = _series_key(by_key, table, row)
            series.setdefault(key, titles.get(key) or (group_titles.get(key) if by_key == "group" else None) or key)
            dated.append((x, _label(table, row, label_key), key))
    if problems:
        return None, problems
    if not dated:
        return None, [Problem(figure.source, f"{thing}: no row of {', '.join(t.id for t in tables)} has a date",
                              hint=f"write YYYY-MM in the rows' '{date_key}' column, or use "
                                   f"date: {{column: {date_key}, from: arxiv}}")]
    used = Counter(k for _, _, k in dated)
    order = [k for k in series if used[k]]
    all_series = tuple(Series(k, series[k], PALETTE[i % len(PALETTE)]) for i, k in enumerate(order))
    index = {k: i for i, k in enumerate(order)}
    common = dict(id=figure.id, kind=figure.kind, caption=figure.caption, alt=figure.alt,
                  series=all_series, undated=undated)
    if figure.kind == "count":
        years = tuple(range(min(x for x, _, _ in dated) // 12, max(x for x, _, _ in dated) // 12 + 1))
        counts = tuple(tuple(sum(1 for x, _, k in dated if k == key and x // 12 == year) for year in years)
                       for key in order)
        items = tuple(Item(label, x, index[k]) for x, label, k in sorted(dated))
        return Plot(items=items, years=years, counts=counts, height_in=2.4, **common), []
    return _timeline(common, [(x, label, index[k]) for x, label, k in dated], len(order)), []


def _timeline(common: dict, dated: list[tuple[int, str, int]], n_series: int) -> Plot:
    """Lanes of labelled dots: in each lane, a label goes on the first line where it overlaps nothing."""
    first = min(x for x, _, _ in dated) - 1
    # the right end: each label must fit, and its width in months grows with the span. A label of
    # ``a`` inches at ``x`` fits when x + a * (last - first) / W <= last, that is
    # last >= (x - a * first / W) / (1 - a / W) (labels are kept narrower than the axis).
    last = float(max(x for x, _, _ in dated) + 1)
    for x, label, _ in dated:
        share = min(_inches(label) / AXIS_WIDTH_IN, 0.9)
        last = max(last, (x - share * first) / (1 - share))
    last = math.ceil(last + 1e-9)
    per_inch = (last - first) / AXIS_WIDTH_IN
    items: list[Item] = []
    lanes: list[tuple[float, float]] = []
    top = 0.0
    for s in range(n_series):
        ends: list[float] = []  # each line's right end, in months
        for x, label, _ in sorted((d for d in dated if d[2] == s), key=lambda d: (d[0], d[1])):
            start = x - 0.5 * LABEL_GAP_IN * per_inch
            line = next((i for i, end in enumerate(ends) if end <= start), len(ends))
            if line == len(ends):
                ends.append(0.0)
            ends[line] = x + _extent(label, per_inch)
            items.append(Item(label, x, s, top + 0.5 + line))
        lanes.append((top, top + len(ends)))
        top += len(ends) + 0.6  # a gap between lanes
    return Plot(items=tuple(items), lanes=tuple(lanes), x_range=(first, last),
                height_in=round((top - 0.6) * TIER_IN + 0.2, 3), **common)


def _inches(label: str) -> float:
    """How far right of its dot a label reaches, in inches (an estimate on the wide side)."""
    return 2 * LABEL_GAP_IN + len(label) * CHAR_EM * FONT_PT / 72


def _extent(label: str, months_per_inch: float) -> float:
    """How far right of its dot a label reaches, in months."""
    return _inches(label) * months_per_inch


def _series_key(by: str, table: Table, row: Row) -> str:
    if by == "table":
        return table.id
    if by == "group":
        return row.group or ""
    value = row.value(by)
    raw = value.raw if value is not None else None
    if raw is None or raw == "":
        return "other"
    return _plain(values.one_line(", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)))


def _label(table: Table, row: Row, key: str | None) -> str:
    column = table.column(key) if key else table.columns[0]
    value = row.value(column.key)
    raw = "" if value is None or value.raw is None else values.one_line(str(value.raw))  # a label is one line
    return (_plain(raw) if column.type == "latex" else raw).strip() or row.name


def _plain(latex_text: str) -> str:
    """LaTeX text as the words it shows (citations and notes dropped)."""
    try:
        return "".join(p.text for p in to_pieces(latex_text) if isinstance(p, Text)).strip()
    except LatexFieldError:
        return latex_text


def parse_month(raw: object) -> int | None:
    """``YYYY-MM`` (or a year, alone: its July) -> months since year 0; ``None`` if it is neither."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    m = _DATE.match(raw) if isinstance(raw, str) else None
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2) or 7)
    return year * 12 + month - 1 if 1 <= month <= 12 else None


def arxiv_month(entry: BibEntry) -> int | None:
    """The month of the entry's arXiv id (its first version's submission), ``None`` without one."""
    ident = arxiv_id(entry)
    m = _NEW_ID.match(ident) or _OLD_ID.search(ident)
    if not m:
        return None
    yy, month = int(m.group(1)), int(m.group(2))
    year = 2000 + yy if ident[0].isdigit() or yy < 91 else 1900 + yy
    return year * 12 + month - 1 if 1 <= month <= 12 else None


def _row_date(figure: Figure, thing: str, table: Table, row: Row,
              bib: dict[str, BibEntry]) -> tuple[int | None, list[Problem]]:
    value = row.value(figure.date[0])
    if value is not None and value.raw == UNKNOWN:
        return None, []
    if value is not None and value.raw not in (None, ""):
        x = parse_month(value.raw)
        if x is None:
            return None, [Problem(value.source, f"{thing}: row '{row.name}' of table '{table.id}': date "
                                  f"{value.raw!r} is not a month",
                                  hint=f"write YYYY-MM (e.g. 2023-03), a year, or '{UNKNOWN}' (left out, not derived)")]
        return x, []
    if figure.derive == "arxiv":
        for key, _ in row.cites:
            entry = bib.get(key)
            x = arxiv_month(entry) if entry is not None else None
            if x is not None:
                return x, []
    return None, []


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_ticks(first: int, last: int) -> list[tuple[int, str]]:
    """The timeline's axis: every quarter, January named by its year, the others by their month; the first
    tick names its year too (``Apr 2023``), so the axis never starts without one."""
    xs = [x for x in range(first, last + 1) if x % 3 == 0]
    return [(x, str(x // 12) if x % 12 == 0 else MONTHS[x % 12] + (f" {x // 12}" if n == 0 else ""))
            for n, x in enumerate(xs)]


def month_text(x: int) -> str:
    return f"{x // 12}-{x % 12 + 1:02d}"


def check_figures(survey: Survey) -> list[Problem]:
    """Every problem of every figure (ids, names, dates), for :func:`surveybuild.checks.check.check_survey`."""
    problems = repeats(survey.figures, lambda f: f.id, lambda f, first: f"figure id '{f.id}' is also used by {first}",
                       hint="give one of them another 'id'")
    for figure in survey.figures:
        problems += plan(figure, survey)[1]
    return problems
