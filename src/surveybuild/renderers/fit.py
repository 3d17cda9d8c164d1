"""How a table fits the paper's text block: natural columns, wrapping columns, a smaller font, landscape.

Pure functions. Widths are those TeX measured (``plan``'s ``lookup``:
:mod:`surveybuild.build.texmeasure`, read from the committed ``paper/tables/widths.json``), else
estimated from Computer Modern / Latin Modern character widths (in em of the table's font), and
compared with the page size the survey declares in ``surveybuild.yaml`` (``paper_text_width``,
``paper_text_height``, ``paper_font_size``). The widths only choose the plan; the columns of a wrapping table are fractions of ``\\linewidth``, so the table is exactly as
wide as the text block (or the landscape page) whatever the fonts. The build reads the paper's own
``\\textwidth`` from the log and says when the declared one is wrong (``texlog.PAGE``,
``textrace.Tracer.page``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from .. import values
from ..texlang.latextext import Cite, Link, NoteRef, Text, LatexFieldError, to_pieces
from ..model import Column, Row, Settings, Table

#: Where a ``\\texttt{...}`` of a table cell may break (:func:`tt_breaks`): after ``/ . - _`` before a letter or
#: digit (``\\.`` and ``\\-`` are an accent and a hyphenation point, not punctuation), in a word of at least
#: ``TT_LONG`` characters. A typewriter font has no hyphenation and no break after its ``-``:
#: ``meta-llama/Llama-2-70b-chat-hf`` was one word that ran into the margin or sent its table wider or landscape.
#: A shorter word (``Pre-fix``, ``x.y``) fits any column the fitting makes and stays whole.
_TT_ARG = re.compile(r"\\texttt\s*\{([^{}]*)\}")
_TT_WORD = re.compile(r"\S+")
_TT_BREAK = re.compile(r"((?<!\\)[/.\-]|\\_)(?=[A-Za-z0-9])")
TT_LONG = 16
#: The break point as the fitting counts it: no width, and a word ends there (:func:`words`).
TT_MARK = "\u200b"


def tt_breaks(text: str, mark: str) -> str:
    """``text`` (LaTeX) with ``mark`` after each break point of the long words inside its brace-free
    ``\\texttt{...}``: the paper's cells get ``\\allowbreak{}`` (:func:`surveybuild.renderers.latex.cell_value`), the
    fitting :data:`TT_MARK`."""
    if "\\texttt" not in text:
        return text
    after = r"\g<0>" + mark.replace("\\", "\\\\")

    def word(m: re.Match) -> str:
        return _TT_BREAK.sub(after, m.group()) if len(m.group().replace("\\", "")) >= TT_LONG else m.group()

    return _TT_ARG.sub(lambda m: m.group()[:m.start(1) - m.start()] + _TT_WORD.sub(word, m.group(1)) + "}", text)


#: Character widths in em, close to Computer Modern Roman's (cmr10); any other character counts as 0.5 em.
_NARROW = dict.fromkeys("iljI.,;:!'|`()[]", 0.28) | dict.fromkeys("ftr-/", 0.36) | {" ": 0.33}
_WIDE = dict.fromkeys("mwMW", 0.85) | dict.fromkeys("ABCDEFGHJKLNOPQRSTUVXYZ&%", 0.72) | {"@": 0.76}
_EM = _NARROW | _WIDE | {TT_MARK: 0.0}
#: Font sizes in pt by the document's base size (LaTeX's size10/11/12.clo).
SIZES = {
    10: {"normalsize": 10.0, "small": 9.0, "footnotesize": 8.0, "scriptsize": 7.0, "tiny": 5.0},
    11: {"normalsize": 10.95, "small": 10.0, "footnotesize": 9.0, "scriptsize": 8.0, "tiny": 6.0},
    12: {"normalsize": 12.0, "small": 10.95, "footnotesize": 10.0, "scriptsize": 8.0, "tiny": 6.0},
}


def font_sizes(settings: Settings) -> dict[str, float]:
    """:data:`SIZES` of the paper's base font size (10 pt when it is not one of LaTeX's three)."""
    return SIZES[settings.paper_font_size if settings.paper_font_size in SIZES else 10]


FONTS = ("footnotesize", "scriptsize")  # tried in turn when the table names no font
TABCOLSEP = 6.0  # pt, on each side of a column
TIGHT_TABCOLSEP = 2.5  # pt: the last resort before reporting a table too wide
SAFETY = 1.06  # an estimate of natural width is trusted to fit only with this margin
MEASURED_SAFETY = 1.01  # a width TeX measured is exact (the margin covers the estimated citation numbers)
_UNITS = {"pt": 1.0, "cm": 28.4528, "mm": 2.84528, "in": 72.27, "em": 10.0}
_DIMEN = re.compile(r"(\d+(?:\.\d+)?)(pt|cm|mm|in|em)")
_SHARE = re.compile(r"(\d*\.?\d+)?\s*\\(textwidth|linewidth|columnwidth|hsize)")
_AFTER_HYPHEN = re.compile(r"(?<=-)")
#: Column types whose text may wrap (numbers, sizes and Yes/No stay on one line).
WRAP_TYPES = ("text", "latex", "list", "url")


#: :data:`_EM` by ASCII code, so that an ASCII text's widths are summed in C (in the same order: the same sum).
_ASCII_EM = tuple(_EM.get(chr(code), 0.5) for code in range(128))


@functools.lru_cache(maxsize=1 << 16)
def text_width(text: str) -> float:
    """Estimated width of a line of text, in em (cells and words repeat: remembered); CJK characters and
    other East Asian wide ones are square: 1 em."""
    if text.isascii():
        return sum(map(_ASCII_EM.__getitem__, text.encode("ascii")))
    return sum(_EM.get(ch, 0.5) if ch.isascii() or unicodedata.east_asian_width(ch) not in "WF" else 1.0
               for ch in text)


#: A word for line breaking: a run without spaces, where a run of CJK breaks between any two characters
#: (``fonts.CJK_BREAKS``, lualatex), so each of them, with the punctuation that may not start a line, is one.
_WORD = (r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff][，。、．：；！？）］｝〕〉》」』】”’]*"
         r"|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]+")


@functools.cache
def _word() -> re.Pattern:
    return re.compile(_WORD)  # its wide classes take milliseconds to compile: only for a text that is not ASCII


#: A word that is a web address (in a text cell the paper sets it as a URL, which breaks anywhere).
_URL_WORD = re.compile(r"\(?https?://")
#: The least width (em) a text column holding a web address is given for it: the address breaks in a few lines.
URL_WORD = 15.0


def words(text: str) -> list[str]:
    """The pieces of ``text`` a line cannot break inside: its runs without white space, unless it holds a CJK
    character (all of them sort from U+2E80 up: a text whose greatest character is below needs no pattern)."""
    if TT_MARK in text:  # a break point of a typewriter word (tt_breaks)
        text = text.replace(TT_MARK, " ")
    return text.split() if text.isascii() or max(text) < "\u2e80" else _word().findall(text)


def dimen_pt(text: str, line: float | None = None, textwidth: float | None = None) -> float | None:
    """A ``3cm``-style dimension in pt (``em`` taken as 10 pt), or a share such as ``0.3\\linewidth`` of
    ``line`` pt (a share of ``\\textwidth``: of ``textwidth`` when given, which a landscape page keeps while its
    line is the page's height); None when it is neither."""
    m = _DIMEN.fullmatch(text.strip())
    if m:
        return float(m.group(1)) * _UNITS[m.group(2)]
    share = _SHARE.fullmatch(text.strip())
    if share and line is not None:
        base = textwidth if share.group(2) == "textwidth" and textwidth is not None else line
        return float(share.group(1) or 1) * base
    return None


def is_share(width: str | None) -> bool:
    """Whether a column's ``width:`` is a share of the line (``0.3\\linewidth``), not a length."""
    return bool(width) and _SHARE.fullmatch(width.strip()) is not None


def shown_lines(column: Column, raw: object) -> list[str]:
    """The text of each line a cell prints (one, unless the cell has line breaks: :func:`values.lines`)."""
    if column.type in ("latex", "text", "list") and raw is not None:
        text = ", ".join(map(str, raw)) if column.type == "list" and isinstance(raw, list) else str(raw)
        if values.LINE_BREAK in text:
            return [shown_text(column, [p] if column.type == "list" else p) for p in values.lines(text)] or [""]
    return [shown_text(column, raw)]


def shown_text(column: Column, raw: object) -> str:
    """The text a cell prints (citations as ``[00]``, note marks as one letter); one line."""
    if raw is None or raw == "":
        return values.MISSING
    if column.type == "latex":
        try:
            pieces = to_pieces(tt_breaks(str(raw), TT_MARK))
        except LatexFieldError:
            return str(raw)
        out = []
        for piece in pieces:
            if isinstance(piece, Text):
                out.append(piece.text)
            elif isinstance(piece, Cite):
                out.append(" " + (piece.prenote + " " if piece.prenote else "") + "["
                           + ", ".join("00" for _ in piece.keys) + (", " + piece.postnote if piece.postnote else "") + "]")
            elif isinstance(piece, Link):
                out.append(piece.text or piece.url)
            elif isinstance(piece, NoteRef):
                out.append("a")
        return "".join(out)
    if column.type == "size":
        return values.format_size(raw)
    if column.type == "bool":
        return column.flag(raw)
    if column.type == "list":
        return ", ".join(map(str, raw))
    return str(raw)


@dataclass(frozen=True)
class Measure:
    """One column's estimated widths in em: its longest line, and its longest word (what wrapping cannot split)."""

    natural: float
    word: float
    wraps: bool  # text that may wrap (a fixed ``width:`` column wraps too, at its own width)
    fixed_pt: float | None = None  # the column's ``width:``
    rows: tuple[float, ...] = ()  # each row's widest line in this column
    piece: float = 0.0  # its longest piece TeX cannot break (words split after their hyphens, as TeX may)
    measured: bool = False  # every width was measured by TeX (none estimated)
    lines: tuple[int, ...] = ()  # each row's lines in this column: its cells' line breaks count
    title: float = 0.0  # the header title's width on one line


#: A cell's width as TeX set it: (column, raw value, font) -> (natural width, widest unbreakable piece)
#: in pt, or None when not measured (``None`` column: a header title, ``raw`` its text).
Lookup = Callable[[Column | None, object, str], "tuple[float, float] | None"]


#: A number as a table cell: digits, a decimal point and digits (a sign before).
NUMBER = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")
#: What a column of numbers writes for a number it lacks.
_NO_NUMBER = frozenset({values.MISSING, "–", "—", "N/A", "n/a", "NA", "?", "--"})
#: A digit's width and a decimal point's, in em (Computer Modern, Latin Modern: every digit is half an em).
DIGIT_EM, POINT_EM = 0.5, 0.278


def decimal_shape(column: Column, rows: tuple[Row, ...]) -> tuple[int, int] | None:
    """A column of numbers (every cell, but missing ones, a decimal number: ``70.06``, ``2.7``, ``145``) that
    do not line up by themselves: (most digits before the point, most after). Such a column is set aligned on the
    point (:meth:`.latex.TableRenderer.cell_of` pads each number with invisible digits): centred or ragged, "37.92"
    over "2.7" and "70.06" over "76.2" stood shifted by a digit."""
    shapes = set()
    for row in rows:
        for sub in range(max(1, row.height)):
            value = row.value(column.key, sub)
            if value is None or value.raw is None or value.raw == "" or isinstance(value.raw, bool):
                continue
            if isinstance(value.raw, (list, tuple, dict)):
                return None
            m = NUMBER.fullmatch(str(value.raw).strip())
            if m is None:
                if str(value.raw).strip() in _NO_NUMBER:
                    continue
                return None
            shapes.add((len(m.group(1)), len(m.group(2) or "")))
    if len(shapes) < 2 or (column.align == "r" and len({d for _, d in shapes}) == 1):
        return None
    return max(i for i, _ in shapes), max(d for _, d in shapes)


def decimal_width(shape: tuple[int, int]) -> float:
    """The width (em) of a number padded to ``shape`` (:func:`decimal_shape`)."""
    ints, decs = shape
    return (ints + decs) * DIGIT_EM + (POINT_EM if decs else 0.0)


def measure(column: Column, rows: tuple[Row, ...], first: bool, title: str, line: float = 345.0,
            lookup: Lookup | None = None, font: str = "", size: float = 10.0,
            links: frozenset[str] = frozenset()) -> Measure:
    """The column's widths in em: measured by TeX where ``lookup`` knows the text at ``font`` (``size``
    pt), else estimated from the text's characters. ``links``: the URL columns the paper shows as notes,
    whose marks (and the row's link note's) go to the first cell."""
    def known(col: Column | None, raw: object) -> tuple[float, float] | None:
        got = lookup(col, raw, font) if lookup is not None else None
        return (got[0] / size, got[1] / size) if got else None

    texts = []  # estimated texts, whose words are estimated too
    pieces = []  # measured texts' widest pieces TeX cannot break
    got = known(None, title)
    if got:
        widths, title_word = [got[0]], got[1]
        pieces.append(got[1])
    else:
        texts.append(title)
        widths = [text_width(title)]
        title_word = max((text_width(w) for w in words(title)), default=0.0)  # a title wraps in any column
    linked = []  # a text column's cells holding a web address (latex.text_with_urls)
    per_row = []
    breaks = []  # each row's lines in this column (a cell's line breaks, its sub-rows)
    raws = [] if lookup is not None or any(row.sublines for row in rows) else \
        [None if value is None else value.raw for value in [row.line.by_key.get(column.key) for row in rows]]
    if raws and not _breaks(column, raws):
        # the common table (one line a cell, nothing measured by TeX): column by column
        shown = [raw if type(raw) is str and raw else shown_text(column, raw) for raw in raws] \
            if column.type == "text" else _shown_texts(column, raws)
        if column.type == "text":
            linked = [raw for raw in shown if "://" in raw]
        texts += [text if not (first and (row.cites or links)) and not row.notes else text + (
            " [" + ", ".join("00" for _ in row.cites) + "]" if first and row.cites else "")
            + _marks(row, column, first, links, len(rows))
            for text, row in zip(shown, rows)]
        found = list(map(text_width, texts[len(texts) - len(rows):]))
        widths += found
        per_row = [max(0.0, w) for w in found]
        breaks = [1] * len(rows)
        rows = ()
    for row in rows:
        widest = 0.0
        count = 0
        for sub in range(row.height):
            if sub and row.spans(column.key):
                break
            value = row.value(column.key, sub)
            raw = value.raw if value is not None else None
            if column.type == "text" and isinstance(raw, str) and "://" in raw:
                linked.append(raw)
            extra = " [" + ", ".join("00" for _ in row.cites) + "]" if first and sub == 0 and row.cites else ""
            extra += _marks(row, column, first, links, len(rows))
            got = known(column, raw)
            if got:
                extra_em = text_width(extra) + (_cite_slack(raw) if column.type == "latex" else 0.0)
                widths.append(got[0] + extra_em)
                pieces.append(got[1] + extra_em)
                if first and sub == 0 and extra and isinstance(raw, str) and "-" in raw and not raw.split()[1:]:
                    # a name of one word is kept whole before its citation (latex._ONE_WORD): TeX's piece split it
                    pieces.append(got[0] + text_width(extra.split(",")[0]) + (CITE_SLACK if row.cites else 0.0))
            else:  # a cell of several lines: each line alone, the marks after the last
                shown = shown_lines(column, raw)
                shown[-1] += extra
                texts += shown
                widths.append(max(map(text_width, shown)))
            widest = max(widest, widths[-1])
            count += _line_count(column, raw)
        per_row.append(widest)
        breaks.append(count)
    natural = max(widths)
    shape = None if first or column.type not in ("text", "latex") else decimal_shape(column, rows)
    if shape is not None:  # its numbers padded to line up on the point
        natural = max(natural, decimal_width(shape) * (1.02 if lookup is not None else 1.0))
    wraps = column.type in WRAP_TYPES
    if column.type == "url":
        word = max(4.0, title_word)  # xurl breaks a URL after any character
    elif wraps:
        # a web address in a text cell is a ``\\url``, which breaks after any character (latex.text_with_urls)
        word = max([title_word] + pieces + [4.0 if column.type == "text" and "://" in w and _URL_WORD.match(w)
                                            else text_width(w) for w in set(words(" ".join(texts)))])
        if column.type == "text":  # but a column narrower than URL_WORD em set a link one short piece a line
            word = max([word] + [min(URL_WORD, text_width(w)) for raw in linked for w in raw.split()
                                 if _URL_WORD.match(w)])
    else:
        word = max([title_word] + widths[1:])
    fixed = dimen_pt(column.width, line) if column.width else None
    piece = word if fixed is None or column.type == "url" else max(  # only a fixed width asks (_holding)
        pieces + [text_width(p) for w in set(words(" ".join(texts))) for p in _AFTER_HYPHEN.split(w)], default=0.0)
    return Measure(natural, word, wraps or fixed is not None, fixed, tuple(per_row), piece, not texts, tuple(breaks),
                   widths[0])


#: What a citation's number adds to a width TeX measured, per key, in em: the measuring document has no
#: bibliography, so natbib set each key as a bold "?" (0.47 em), where the paper prints its number ("28": 1 em).
CITE_SLACK = 0.6


def _cite_slack(raw: object) -> float:
    """The em a cell's citations (``\\citep{a,b}`` in a ``latex`` cell) print wider than TeX measured them."""
    if not isinstance(raw, str) or "cite" not in raw:  # \citep, \parencite, \textcite ...
        return 0.0
    try:
        return CITE_SLACK * sum(len(p.keys) for p in to_pieces(raw) if isinstance(p, Cite))
    except LatexFieldError:
        return 0.0


def _marks(row: Row, column: Column, first: bool, links: frozenset[str] = frozenset(), count: int = 0) -> str:
    """A text about as wide as the row's note marks in the column (a superscript "a,b,c" is about as wide as "abc"
    at the cell's size; the marks take their width: ``latex.WIDE_MARKS``). The first cell also holds the marks of
    notes on ``links`` (URL columns shown as notes) and the number of the row's link note (as many digits as
    ``count``, the rows); at least one letter there in a row with notes."""
    marks = sum(1 for key, _, _ in row.notes if key == column.key or first and key in links) if row.notes else 0
    if first and links and any((v := row.line.by_key.get(key)) is not None and v.raw for key in links):
        marks += len(str(count))
    return "a" * max(1 if first and row.notes else 0, marks)


def _breaks(column: Column, raws: list) -> bool:
    """Whether a cell of ``raws`` has several lines (``_line_count`` over 1), asked only of those that hold a line
    break at all (a text without one is one line)."""
    if column.type in ("latex", "text"):
        return any(_line_count(column, r) > 1 for r in raws if isinstance(r, str) and values.LINE_BREAK in r)
    if column.type == "list":
        return any(_line_count(column, r) > 1 for r in raws if isinstance(r, list))
    return False


def _shown_texts(column: Column, raws: list) -> list[str]:
    """:func:`shown_text` of each value of a column, each distinct value worked out once (sizes, Yes/No, a base
    model's name repeat down a column)."""
    done: dict[tuple, str] = {}
    out = []
    for raw in raws:
        key = values.value_key(raw)
        text = done.get(key) if key is not None else None
        if text is None:
            text = shown_text(column, raw)
            if key is not None:
                done[key] = text
        out.append(text)
    return out


def _line_count(column: Column, raw: object) -> int:
    """How many lines a cell has (its line breaks + 1)."""
    if column.type in ("latex", "text") and isinstance(raw, str) and values.LINE_BREAK in raw:
        return max(1, len(values.lines(raw)))
    if column.type == "list" and isinstance(raw, list) and any(values.LINE_BREAK in str(x) for x in raw):
        return max(1, len(values.lines(", ".join(map(str, raw)))))
    return 1


@dataclass(frozen=True)
class Plan:
    """How the paper sets one table."""

    font: str
    landscape: bool
    widths: tuple[str | None, ...]  # per column: None for a natural column, else a TeX width
    reason: str  # why, for the docs and the tests: natural | wrap | font | landscape | tight | too wide | scaled
    tabcolsep: float = 6.0  # pt; less than LaTeX's 6pt only when nothing else fits
    body_lines: float = 0.0  # the estimated printed lines of the rows (a wrapped cell takes several)
    #: each row's lines for certain, in the table's row order: its sub-rows, or its cells' line breaks (how a
    #: cell wraps is estimated: not counted here, a page break counted on it could leave one line alone)
    row_lines: tuple[int, ...] = ()
    scale: float = 1.0  # below 1: the table (a float) is set at ``widths`` and scaled to the line (\\resizebox)
    #: each row's printed lines as estimated (a wrapped cell: its text over its column's width, rounded up)
    row_printed: tuple[float, ...] = ()
    natural_pt: float = 0.0  # a table of natural columns: its estimated width (pt), separations included
    rotated: tuple[int, ...] = ()  # the columns (indices) whose header title is set turned 90 degrees
    head_em: float = 0.0  # the longest turned title (em): the header's height


#: A header is turned (its titles of short values set at 90 degrees) when at least ``ROTATE_MIN`` columns hold
#: values of at most ``ROTATE_CELLS`` em (scores, sizes, Yes/No) under a title at least ``ROTATE_GAIN`` em wider:
#: fourteen columns of scores under benchmark names went landscape and were scaled, when turned titles leave each
#: column as wide as its numbers. A turned title is a line high, so it takes ``ROTATED_WIDTH`` em across.
ROTATE_MIN = 4
ROTATE_CELLS = 5.0
ROTATE_GAIN = 1.0
ROTATED_WIDTH = 1.2


def rotatable(measures: list[Measure]) -> tuple[int, ...]:
    """The columns (not the first: it names the row) whose title would be turned, when enough of them gain: every
    column of short values under a title wider than a line's height (a run of turned titles with "BBH" upright
    among them read as a mistake)."""
    # the title is the widest text of such a column (its natural width), so only those are looked at row by row
    short = tuple(i for i, m in enumerate(measures) if i and m.natural <= m.title and m.title > ROTATED_WIDTH
                  and m.fixed_pt is None and m.rows and max(m.rows) <= ROTATE_CELLS)
    gain = sum(1 for i in short if measures[i].title >= max(max(measures[i].rows), ROTATED_WIDTH) + ROTATE_GAIN)
    return short if gain >= ROTATE_MIN else ()


def _turned(measures: list[Measure], rotated: tuple[int, ...]) -> list[Measure]:
    """The measures with the titles of ``rotated`` turned: such a column is as wide as its values (or a line)."""
    if not rotated:
        return measures
    out = list(measures)
    for i in rotated:
        m = measures[i]
        cells = max(max(m.rows), ROTATED_WIDTH)
        out[i] = replace(m, natural=cells, word=min(m.word, cells), piece=min(m.piece, cells))
    return out


def plan(table: Table, columns: list[Column], titles: list[str], settings: Settings,
         lookup: Lookup | None = None) -> Plan:
    """The first of: natural columns, wrapping columns, a smaller font, landscape, tighter column
    separations, that fits the text block (else the last of them, which the build reports too wide).

    ``table.font`` / ``table.landscape`` (when given) pin those choices; ``table.fit: natural`` never
    wraps, ``table.fit: wrap`` always does. ``lookup`` gives the widths TeX measured (per font).
    """
    width = dimen_pt(settings.paper_text_width) or 345.0
    sizes = font_sizes(settings)
    memo: dict[str | None, list[Measure]] = {}
    links = _links(table, columns)

    def measures_at(font: str, line: float = width) -> list[Measure]:
        key = font if lookup is not None else None  # estimates are in em: the same at every size
        if key not in memo:
            memo[key] = [measure(c, table.rows, i == 0, t, width, lookup, font, sizes[font], links)
                         for i, (c, t) in enumerate(zip(columns, titles))]
        if line == width:
            return memo[key]
        # a landscape page: a share of the line is of its line (its height), \textwidth's too (written as one
        # of \linewidth: :func:`on_line`): the author's proportions of the table, on the page it is set on
        return [replace(m, fixed_pt=dimen_pt(c.width, line)) if is_share(c.width) and m.fixed_pt is not None
                else m for c, m in zip(columns, memo[key])]

    height = dimen_pt(settings.paper_text_height) or 550.0
    fonts = (table.font,) if table.font else FONTS
    pages = [(False, width), (True, height)] if table.landscape is None else \
        [(table.landscape, height if table.landscape else width)]
    # on each page, the fonts, then the last font with tighter column separations: a portrait table of many
    # columns that fits so is not turned to landscape (a long table there holds a third of the rows a page)
    tries = [(land, avail, font, sep) for land, avail in pages
             for font, sep in [(f, TABCOLSEP) for f in fonts] + [(fonts[-1], TIGHT_TABCOLSEP)]]
    # a header of many short values under long titles is turned, when the table overflows the line with it
    rotated = () if table.fit == "natural" else rotatable(measures_at(tries[0][2], tries[0][1]))
    if rotated:
        first = measures_at(tries[0][2], tries[0][1])
        natural = sum(m.fixed_pt if m.fixed_pt is not None else m.natural * sizes[tries[0][2]] for m in first)
        natural = (natural + 2 * TABCOLSEP * len(columns)) * (
            MEASURED_SAFETY if all(m.measured for m in first) else SAFETY)
        rotated = rotated if natural > tries[0][1] else ()
    head_em = max((measures_at(tries[0][2])[i].title for i in rotated), default=0.0)
    for n, (land, avail, font, colsep) in enumerate(tries):
        em = sizes[font]
        sep = 2 * colsep * len(columns)
        measures, scaled = _turned(measures_at(font, avail), rotated), False
        if table.fit != "natural":
            measures = _holding(measures, em)
            for _ in columns:  # each round sets a scaled share aside, or ends
                fitted, again = _fitted_shares(columns, measures, em, avail - sep)
                if not again:
                    break
                scaled = True
                held = _holding(fitted, em)
                aside = {i for i, (f, h) in enumerate(zip(fitted, held))
                         if f.fixed_pt is not None and h.fixed_pt is None}
                if not aside:
                    measures = fitted
                    break
                # planned as the others; the remaining shares, as written, are fitted again
                measures = [replace(m, fixed_pt=None) if i in aside else m for i, m in enumerate(measures)]
        natural = sum(m.fixed_pt if m.fixed_pt is not None else m.natural * em for m in measures) + sep
        natural *= MEASURED_SAFETY if all(m.measured for m in measures) else SAFETY
        if table.fit != "wrap" and not scaled and (natural <= avail or table.fit == "natural"):
            fixed = tuple((on_line(c.width) if land else c.width) if c.width and m.fixed_pt is not None else None
                          for c, m in zip(columns, measures))
            rows = _row_lines(table, measures)
            lines = _lines(table, measures, [m.fixed_pt for m in measures], em, rows)
            return Plan(font, land, fixed, "natural" if natural <= avail else "too wide", colsep, sum(lines), rows,
                        row_printed=lines, natural_pt=natural, rotated=rotated, head_em=head_em)
        widths = _wrap(measures, em, avail - sep)
        if widths is not None:
            widths = _fewer_lines(table, measures, widths, em)
            reason = "wrap" if n == 0 else ("tight" if colsep != TABCOLSEP else ("landscape" if land else "font"))
            rows = _row_lines(table, measures)
            lines = _lines(table, measures, widths, em, rows)
            return Plan(font, land, _tex_widths(widths, avail - sep, len(columns)), reason, colsep, sum(lines), rows,
                        row_printed=lines, rotated=rotated, head_em=head_em)
    land, avail, font, colsep = tries[-1]
    measures = _turned(measures_at(font, avail), rotated)
    sep = 2 * colsep * len(columns)
    widths = _wrap(measures, sizes[font], avail - sep, force=True)
    lines = _lines(table, measures, widths, sizes[font])
    return Plan(font, land, _tex_widths(widths, avail - sep, len(columns)), "too wide", colsep,
                sum(lines), _row_lines(table, measures), row_printed=lines, rotated=rotated, head_em=head_em)


def _links(table: Table, columns: list[Column]) -> frozenset[str]:
    """The URL columns the paper shows as table notes (not among ``columns``): their marks go to the first cell."""
    shown = {c.key for c in columns}
    return frozenset(c.key for c in table.columns if c.type == "url" and c.key not in shown)


#: The space between the columns of a two-column paper that :func:`column_width` allows for (article's
#: ``\columnsep`` is 10pt, IEEEtran's 0.2in: the larger).
COLUMN_SEP = 14.5


def caption_wider(plan: Plan, table: Table, settings: Settings) -> bool:
    """Whether a float of natural columns is narrower than its caption on one line (``Table 00:`` and its text at
    the paper's size): threeparttable would set the caption as wide as the table, over several short lines."""
    if not plan.natural_pt or any(plan.widths):
        return False
    size = font_sizes(settings)["normalsize"]
    caption = shown_text(Column("caption", "", type="latex"), table.caption)
    return text_width("Table 00: " + caption) * size > plan.natural_pt


def column_width(settings: Settings) -> float:
    """One column's width (pt) of a paper in ``settings.paper_columns`` columns of ``paper_text_width``."""
    width = dimen_pt(settings.paper_text_width) or 345.0
    return width if settings.paper_columns != 2 else (width - COLUMN_SEP) / 2


def on_line(width: str | None) -> str | None:
    """A landscape table's ``width:``: a share of ``\\textwidth`` (or of the column) as one of ``\\linewidth``,
    the landscape line (a length stays as written)."""
    if not width or not is_share(width):
        return width or None
    return re.sub(r"\\(textwidth|columnwidth|hsize)", r"\\linewidth", width.strip())


def _fitted_shares(columns: list[Column], measures: list[Measure], em: float,
                   room: float) -> tuple[list[Measure], bool]:
    """Widths written as shares of the line (``0.3\\linewidth``) are the author's proportions: when they, with
    what the other columns need at least, exceed ``room`` (the line less the column separations, which
    ``p{0.3\\linewidth}`` columns summing to 0.96 leave out), they are scaled down together to fit; True when
    scaled. A share scaled below its column's longest piece is then set aside (:func:`_holding`)."""
    shares = [i for i, (c, m) in enumerate(zip(columns, measures)) if m.fixed_pt is not None and is_share(c.width)]
    if not shares:
        return measures, False
    need = sum(m.fixed_pt if m.fixed_pt is not None else _low(m, em) for m in measures)
    if need <= room:
        return measures, False
    given = sum(measures[i].fixed_pt for i in shares)
    factor = (room - (need - given)) / given if given else 0.0
    if factor <= 0:
        return measures, False
    return [replace(m, fixed_pt=m.fixed_pt * factor) if i in shares else m for i, m in enumerate(measures)], True


def _low(m: Measure, em: float) -> float:
    """The least width (pt) of a column that wraps: its longest word, with a margin, but never more than its
    longest line needs (a column of one token a cell, a model name, a hash, a number: its natural width, which
    the margin of its word left 30% blank beside a column of text squeezed to a few words a line), with half an
    em to spare for what is estimated even then (a citation's number)."""
    return min(max(m.word, 2.5) * 1.3, m.natural * (MEASURED_SAFETY if m.measured else SAFETY) + 0.5) * em


def _holding(measures: list[Measure], em: float) -> list[Measure]:
    """The measures with each column's ``width:`` kept only where it holds the column's longest word at this
    font: a narrower one would put that word out into the margin (an overfull box), so the column is
    planned as any other instead (at least its longest word wide). ``fit: natural`` keeps every width as
    written (the build then reports the overfull cell)."""
    return [replace(m, fixed_pt=None)
            if m.fixed_pt is not None and m.piece * em > m.fixed_pt else m for m in measures]


def _lines(table: Table, measures: list[Measure], widths: list[float | None], em: float,
           row_lines: tuple[int, ...] | None = None) -> tuple[float, ...]:
    """The printed lines of each row: a row of several lines, a cell wrapped over several (at least its text over
    the column's width), or a cell's own line breaks take more."""
    out = []
    for i, (row, broken) in enumerate(zip(table.rows, row_lines or _row_lines(table, measures))):
        wrapped = max([1.0] + [-(-m.rows[i] * em // w) for m, w in zip(measures, widths) if w and i < len(m.rows)])
        out.append(max(broken, wrapped))
    return tuple(out)


def _row_lines(table: Table, measures: list[Measure]) -> tuple[int, ...]:
    """Each row's lines for certain: its sub-rows, or the most lines a cell of it breaks into."""
    return tuple(max([row.height] + [m.lines[i] for m in measures if i < len(m.lines)])
                 for i, row in enumerate(table.rows))


def _wrap(measures: list[Measure], em: float, room: float, force: bool = False) -> list[float] | None:
    """Column widths (pt) summing to ``room``: each at least its longest word, the rest shared by need."""
    low = [m.fixed_pt if m.fixed_pt is not None else _low(m, em) for m in measures]
    high = [m.fixed_pt if m.fixed_pt is not None else max(m.natural * em * 1.08, low[i])
            for i, m in enumerate(measures)]
    spare = room - sum(low)
    if spare < 0 and not force:
        return None
    growable = [h - lo for h, lo in zip(high, low)]
    total = sum(growable)
    if spare < 0 or total <= 0:
        scale = room / sum(low) if sum(low) else 1.0
        return [lo * scale for lo in low]
    share = min(1.0, spare / total)
    widths = [lo + g * share for lo, g in zip(low, growable)]
    leftover = room - sum(widths)  # every column at its natural width and room to spare: give it to wrapping ones
    wrapping = [i for i, m in enumerate(measures) if m.wraps and m.fixed_pt is None] or list(range(len(widths)))
    for i in wrapping:
        widths[i] += leftover / len(wrapping)
    return widths


#: The most rows a table may have for :func:`_fewer_lines` to try other widths (a longer table keeps the shares by need:
#: the search costs rows x columns x candidates, and the bench's long tables must stay fast).
FEWER_LINES_ROWS = 80
#: The widths tried per column in :func:`_fewer_lines`: its rows' widths at evenly spaced ranks.
FEWER_LINES_TRIES = 12


def _fewer_lines(table: Table, measures: list[Measure], widths: list[float], em: float) -> list[float]:
    """The widths of :func:`_wrap` changed where that sets the rows in fewer lines (or as many, breaking fewer cells):
    a column is given the width that holds more of its cells on one line, taken from the other columns' share above
    their least width, or is narrowed to the width its cells need and gives the rest to the columns that need more,
    one change a round, the one that saves most. Shares by need split every arXiv address of a Paper column over two
    lines while the first column beside it was a third blank ("https://arxiv.org/abs/" / "2404.04475", eight rows)."""
    if len(table.rows) > FEWER_LINES_ROWS or not table.rows:
        return widths
    margin = MEASURED_SAFETY if all(m.measured for m in measures) else SAFETY
    low = [m.fixed_pt if m.fixed_pt is not None else _low(m, em) for m in measures]
    need = [max(m.rows, default=0.0) * em * margin + 0.5 for m in measures]
    free = [i for i, m in enumerate(measures) if m.fixed_pt is None and m.rows]
    rows = _row_lines(table, measures)

    # what a wrapped line of a column loses at its end: half its longest word; a URL (which breaks after its
    # punctuation, else anywhere: a word of 4 em) about an em
    loss = {id(m): (0.5 * m.word if m.word > 4.0 else 1.0) * em for m in measures}

    def printed(ws: list[float]) -> tuple[float, int]:
        """The rows' lines (as :func:`_lines`, but a cell that wraps loses, a line, half its longest word), then the
        cells set over several lines: of two plans with as many lines, the one that breaks fewer cells."""
        total, broken_cells = 0.0, 0
        for r, broken in enumerate(rows):
            most = 1.0
            for m, w in zip(measures, ws):
                if r < len(m.rows) and m.rows[r] * em > w:
                    most = max(most, -(-m.rows[r] * em // (w - min(loss[id(m)], 0.4 * w))))
                    broken_cells += 1
            total += max(broken, most)
        return total, broken_cells

    best, most = list(widths), printed(widths)
    for _ in range(4):  # each round takes the one change that saves most
        found = None
        for i in free:
            cells = sorted(set(measures[i].rows))
            ranks = {cells[k * (len(cells) - 1) // (FEWER_LINES_TRIES - 1)] for k in range(FEWER_LINES_TRIES)}
            others = [j for j in free if j != i]
            for cell in sorted(ranks):
                want = max(low[i], cell * em * margin + 0.5)
                change = want - best[i]
                # growing: the others give from their share above their least width; narrowing: the others that
                # need more take it, by what they lack
                pool = [best[j] - low[j] if change > 0 else max(0.0, need[j] - best[j]) for j in others]
                if abs(change) < 0.5 or sum(pool) <= 0 or change >= sum(pool):
                    continue
                tried = list(best)
                tried[i] = want
                for j, part in zip(others, pool):
                    tried[j] -= change * part / sum(pool)
                lines = printed(tried)
                if lines < (found or (most, None))[0]:
                    found = (lines, tried)
        if found is None:
            break
        most, best = found
    return best


def _tex_widths(widths: list[float], room: float, ncols: int) -> tuple[str, ...]:
    """Widths as shares of ``\\linewidth`` (less the column separations), so the table fills it exactly."""
    total = sum(widths) or 1.0
    return tuple(f"\\dimexpr(\\linewidth-{2 * ncols}\\tabcolsep)*{max(1, int(997 * w / total))}/1000\\relax"
                 for w in widths)


def height_share(plan: Plan, table: Table, notes: list[str], settings: Settings) -> float:
    """The estimated height of a table set as ``plan`` (caption, header, rows, notes), as a share of the page.
    A caption of several lines counts each (a float's caption is part of what must fit on its page)."""
    sizes = font_sizes(settings)
    em = sizes[plan.font]
    width = dimen_pt(settings.paper_text_height if plan.landscape else settings.paper_text_width) or 345.0
    height = dimen_pt(settings.paper_text_width if plan.landscape else settings.paper_text_height) or 550.0
    lines = 5 + (plan.body_lines or sum(r.height for r in table.rows)) + len(table.groups) * 1.5
    lines += max(0.0, plan.head_em / 1.2 - 1)  # a turned header is as high as its longest title
    lines += sum(max(1, -(-text_width(n) * em // width)) for n in notes)
    lines *= plan.scale
    lines += max(0, -(-text_width(table.caption) * em // width) - 1)  # the caption is not scaled
    return lines * 1.2 * em / height


#: A float that only a landscape page fits stays portrait, scaled down to the line, when its text is then at least
#: this share of the smallest font's size (6.3pt at 10pt): a landscape page for a table of six rows left the page
#: 85% blank (a one-column paper: a page of its own; two columns: one-column pages), where scaling by 2-10% fits it.
PORTRAIT_SCALE_FLOOR = 0.9


def portrait_scaled(table: Table, columns: list[Column], titles: list[str], settings: Settings, last: Plan,
                    lookup: Lookup | None = None) -> Plan | None:
    """For a table ``last`` sets on a landscape page (not pinned there): the portrait plan scaled to the line (as
    :func:`scaled`, at each font and separation) whose text is largest, if it is at least
    :data:`PORTRAIT_SCALE_FLOOR` of the smallest font; else None."""
    sizes = font_sizes(settings)
    fonts = (table.font,) if table.font else FONTS
    floor = PORTRAIT_SCALE_FLOOR * sizes[fonts[-1]]
    best, size = None, floor
    for font in fonts:
        for sep in (TABCOLSEP, TIGHT_TABCOLSEP):
            plan_ = scaled(table, columns, titles, settings, replace(last, landscape=False, font=font, tabcolsep=sep),
                           lookup)
            if plan_.scale * sizes[font] >= size:
                best, size = plan_, plan_.scale * sizes[font]
    return best


def scaled(table: Table, columns: list[Column], titles: list[str], settings: Settings, last: Plan,
           lookup: Lookup | None = None) -> Plan:
    """The last resort for a float that no plan fits (``last``, too wide): its columns at the widths they need
    at least (each its longest word, the rest by need, as :func:`plan` wraps them), in pt, at ``last``'s font,
    page and separations, the whole scaled down to the line (``\\resizebox``). Never for a long table."""
    width = dimen_pt(settings.paper_text_width) or 345.0
    sizes = font_sizes(settings)
    avail = (dimen_pt(settings.paper_text_height) or 550.0) if last.landscape else width
    em = sizes[last.font]
    links = _links(table, columns)
    measures = [measure(c, table.rows, i == 0, t, width, lookup, last.font, em, links)
                for i, (c, t) in enumerate(zip(columns, titles))]
    measures = [replace(m, fixed_pt=dimen_pt(c.width, avail)) if is_share(c.width) and m.fixed_pt is not None
                else m for c, m in zip(columns, measures)]
    measures = _turned(_holding(measures, em), last.rotated)
    sep = 2 * last.tabcolsep * len(columns)
    need = sum(m.fixed_pt if m.fixed_pt is not None else min(_low(m, em), m.natural * em * 1.08) if m.wraps
               else m.natural * em * MEASURED_SAFETY for m in measures)
    # columns that do not wrap keep their natural width (as a p{} of that width: never narrower)
    measures = [m if m.wraps or m.fixed_pt is not None else replace(m, fixed_pt=m.natural * em * MEASURED_SAFETY)
                for m in measures]
    room = max(need, avail - sep)
    widths = _wrap(measures, em, room, force=True)
    lines = _lines(table, measures, widths, em)
    return Plan(last.font, last.landscape, tuple(f"{w:.2f}pt" for w in widths), "scaled", last.tabcolsep,
                sum(lines), _row_lines(table, measures), scale=min(1.0, (avail - 1.0) / (sum(widths) + sep)),
                row_printed=lines, rotated=last.rotated, head_em=last.head_em)
