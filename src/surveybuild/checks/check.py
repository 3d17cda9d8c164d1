"""Every cross-check of a survey -> a list of problems. Never stops at the first; never prints."""

from __future__ import annotations

import functools
import re
from collections import Counter
from itertools import chain
from operator import itemgetter
from pathlib import PurePosixPath

from . import bibcheck, hygiene, texknown
from .unique import repeats
from ..texlang import fonts
from .. import values
from ..renderers.latex import PREAMBLE_ID, empty_columns, shown_columns
from ..texlang.escape import _WIDE, UnencodableText, escape
from ..texlang.latextext import Cite, Image, LatexFieldError, Link, NoteRef, to_pieces
from ..model import Column, Problem, Row, Settings, Source, Survey, Table
from ..readers.tableread import ROW_META, did_you_mean


class BibIndex:
    """Cite-key look-ups against refs.bib: exact, case-only, and did-you-mean."""

    def __init__(self, keys):
        self.keys = set(keys)
        self.folded = {}
        for key in sorted(self.keys):
            self.folded.setdefault(key.casefold(), key)

    def problem(self, key: str, where: Source, thing: str) -> Problem | None:
        if key in self.keys:
            return None
        same = self.folded.get(key.casefold())
        if same is not None:
            return Problem(where, f"{thing}: cite key '{key}' differs only in case from '{same}' in refs.bib",
                           hint=f"write '{same}'")
        import difflib  # only for a key not in refs.bib

        close = difflib.get_close_matches(key, self.keys, n=1, cutoff=0.75)
        hint = f"did you mean '{close[0]}'?" if close else "add the entry to refs.bib or fix the key"
        return Problem(where, f"{thing}: cite key '{key}' not in refs.bib", hint=hint)


def check_survey(survey: Survey, bib_facts: tuple[hygiene.Facts, ...] | None = None) -> list[Problem]:
    """Every problem of the survey. ``bib_facts``: :func:`surveybuild.checks.hygiene.bib_facts` of its
    bib entries, when the caller has them (a build keeps them with the bib)."""
    problems = list(survey.problems)
    index = BibIndex(e.key for e in survey.bib)
    used: set[str] = set()
    problems += repeats(survey.tables, lambda t: t.id, lambda t, first: f"table id '{t.id}' is also used by {first}",
                        hint="give one of them another 'id'")
    problems += repeats(survey.tables, lambda t: t.label,
                        lambda t, first: f"table '{t.id}': label '{t.label}' is also used by {first}",
                        hint="labels must be unique in the paper")
    for table in survey.tables:
        if table.id == PREAMBLE_ID:
            problems.append(Problem(table.source, f"table id '{table.id}' is reserved: paper/tables/{PREAMBLE_ID}.tex "
                                    "declares the fonts and packages the tables use", hint="give the table another 'id'"))
        problems += check_table(table, index, used, survey.settings)
    problems += _symbols(survey.settings)
    if survey.figures:  # the figures' module (and its dataclasses) only for a survey that has figures
        from ..figures import plot as figures

        problems += figures.check_figures(survey)
    for figure in survey.figures:
        problems += _latex(figure.caption, figure.caption_source, f"figure '{figure.id}': caption", None, index,
                           used, set(), (survey.settings.engine, survey.settings.symbols))
    for cite in survey.tex_cites:
        if cite.key == "*":  # \nocite{*}: every entry is in the bibliography
            used.update(index.keys)
            continue
        used.add(cite.key)
        found = index.problem(cite.key, cite.source, f"\\{cite.command}")
        if found:
            problems.append(found)
    if survey.readme_template:
        # works the README template lists by key, e.g. references(groups=[["Reading", ["key"]]])
        used.update(k for k in re.findall(r"[\"']([^\"'\s]+)[\"']", survey.readme_template) if k in index.keys)
    used |= cross_referenced(survey.bib, used)
    problems += bibcheck.unknown_macros(survey.bib, used, survey.paper_macros, lambda: texknown.tex_tree_names(
        survey.paper_packages, survey.paper_class or "article"))
    problems += bibcheck.special_characters(survey.bib, used, survey.paper_packages)
    problems += unused_tables(survey)
    problems += hygiene.check_bib(survey.bib, used, bib_facts)
    # a table or .tex file that could not be read cites nothing: "never cited" would be noise then
    read_failed = any(p.severity == "error" for p in survey.problems)
    for entry in survey.bib:
        if entry.key not in used and not read_failed:
            problems.append(Problem(entry.source, f"entry '{entry.key}' is never cited", severity="warning",
                                    hint="cite it from a table or the paper, or delete it"))
    return problems


_TEMPLATE_TABLE = re.compile(r"\btable\s*\(\s*(?:([\"'])(.*?)\1\s*\)|(.))", re.S)
_MARKER = re.compile(r"surveybuild:begin\s+(\S+)")


_XREF = frozenset(("crossref", "xdata", "xref"))


def cross_referenced(entries, used: set[str]) -> set[str]:
    """The entries that cited entries take fields from (``crossref``, ``xdata``, biblatex ``xref``), transitively:
    BibTeX and biber need them in the .bib, so they are used too."""
    entries = list(entries)
    if _XREF.isdisjoint(map(itemgetter(0), chain.from_iterable([e.fields for e in entries]))):
        return set()  # no entry takes fields from another (the common bib: its field names looked at in C)
    links: dict[str, list[str]] = {}
    for entry in entries:
        for name, value in entry.fields:
            if name in _XREF:
                links.setdefault(entry.key.lower(), []).extend(
                    t.strip() for t in value.strip("{}\" ").split(",") if t.strip())
    if not links:
        return set()
    by_key = {e.key.lower(): e.key for e in entries}
    todo = [k.lower() for k in used if k.lower() in links]
    found: set[str] = set()
    while todo:
        for target in links.get(todo.pop(), ()):
            key = by_key.get(target.lower())
            if key is not None and key not in found:
                found.add(key)
                todo.append(key.lower())
    return found


def wiring(settings, table_id: str) -> list[str]:
    """Where a table is shown, and the line that shows it there: the README template, the paper."""
    paper_tables = f"{PurePosixPath(settings.paper).parent / 'tables'}".removeprefix("./")
    return [f'{settings.readme_template}: {{{{ table("{table_id}") }}}}',
            f"{settings.paper}: \\input{{tables/{table_id}}}  (writes {paper_tables}/{table_id}.tex)"]


def unused_tables(survey: Survey) -> list[Problem]:
    """A warning for each table that neither the README nor the paper shows (it was likely forgotten)."""
    shown = set(survey.paper_tables)
    for rel, text in survey.fill_files:
        shown.update(_MARKER.findall(text))
    if survey.readme_template:
        for m in _TEMPLATE_TABLE.finditer(survey.readme_template):
            if m.group(3) is not None:
                return []  # table(some_variable): the template may show any table
            shown.add(m.group(2))
    problems = []
    for table in survey.tables:
        if table.id not in shown:
            lines = wiring(survey.settings, table.id)
            problems.append(Problem(table.source, f"table '{table.id}' is shown neither in the README nor in the "
                                    "paper", severity="warning", hint="add " + " and ".join(lines)))
    return problems


def check_table(table: Table, index: BibIndex, used: set[str], settings: Settings = Settings()) -> list[Problem]:
    problems: list[Problem] = []
    ts = (settings.engine, settings.symbols)
    thing = f"table '{table.id}'"
    keys = [c.key for c in table.columns]
    for key, n in Counter(keys).items():
        if n > 1:
            problems.append(Problem(table.column(key).source, f"{thing}: column '{key}' is defined {n} times"))
    problems += _column_groups(table)
    reserved = [c for c in table.columns if c.key in ROW_META]
    for column in reserved:
        problems.append(Problem(column.source, f"{thing}: column key '{column.key}' is the name of a row's own "
                                f"field ({', '.join(ROW_META)}), so a row's '{column.key}:' cannot hold the column",
                                hint=f"rename the column key, e.g. '{column.key}_col', and the rows' field with it"))
    if reserved:
        return problems  # every row would repeat it (a missing first column, an unknown group)
    for column in table.columns:
        for title in (column.title, column.group or ""):
            problems += _typeset(title, column.source, f"{thing} column '{column.key}' title", column, ts)
        problems += _marks(column, thing, ts)
    for key in table.sort:
        if key.lstrip("-") not in keys:
            problems.append(Problem(table.source, f"{thing}: sort key '{key}' is not a column",
                                    hint=did_you_mean(key.lstrip("-"), keys) or f"columns: {', '.join(keys)}"))
    if not table.rows:
        problems.append(Problem(table.source, f"{thing}: the table has no rows", hint="add rows or delete the file"))
    for column in empty_columns(table, shown_columns(table)):
        problems.append(Problem(column.source, f"{thing}: column '{column.key}' is empty in every row: the paper "
                                "leaves it out", severity="warning",
                                hint=f"fill in '{column.key}', delete the column, or give it 'show: readme'"))
    group_ids = [g.id for g in table.groups]
    for gid, n in Counter(group_ids).items():
        if n > 1:
            problems.append(Problem(table.source, f"{thing}: row group '{gid}' is defined {n} times"))
    referenced: set[str] = set()
    latex_problems = _latex(table.caption, table.source, f"{thing}: caption", table, index, used, referenced, ts)
    problems += latex_problems
    for group in table.groups:
        problems += _latex(group.title, group.source, f"{thing}: group '{group.id}'", table, index, used, referenced,
                           ts)
    seen_rows: dict[tuple, Row] = {}
    clean: set = set()  # (column, type, value) of the values found fine, in columns whose check has no side effect
    for row in table.rows:
        problems += _row(table, row, index, used, referenced, group_ids, keys, ts, clean)
        ident = (row.group, row.name.strip().casefold())
        if ident in seen_rows:
            problems.append(Problem(row.source, f"{thing}: row '{row.name}' is a duplicate of the row at "
                                    f"{seen_rows[ident].source}", hint="merge the two rows"))
        seen_rows.setdefault(ident, row)
    # notes: the notes' own text can reference other notes and cite works
    for note in table.notes:
        problems += _latex(note.text, note.source, f"{thing}: note '{note.id}'", table, index, used, referenced, ts)
    for note in table.notes:
        if note.id not in referenced:
            problems.append(Problem(note.source, f"{thing}: note '{note.id}' is defined but never used",
                                    hint="attach it to a row with 'notes: [...]' or \\tnotex{...}, or delete it"))
    return problems


def _marks(column: Column, thing: str, ts) -> list[Problem]:
    """A column's ``marks``: a bool column's, two different ones, each typeset by the paper's engine."""
    if column.marks is None:
        return []
    what = f"{thing} column '{column.key}' marks"
    if column.type != "bool":
        return [Problem(column.source, f"{what}: marks show a bool column's true and false, and this column is "
                        f"'{column.type}'", hint="give the column 'type: bool', or delete its 'marks'")]
    yes, no = column.marks
    if yes.strip() == no.strip() or not yes.strip() or not no.strip():
        return [Problem(column.source, f"{what}: {list(column.marks)!r} does not tell true from false",
                        hint="write two different marks, true's first, e.g. marks: ['✅', '❌']")]
    return [p for mark in column.marks for p in _typeset(mark, column.source, what, column, ts)]


def _column_groups(table: Table) -> list[Problem]:
    problems = []
    closed: set[str] = set()
    current = None
    for col in table.columns:
        if col.group != current:
            if current is not None:
                closed.add(current)
            if col.group is not None and col.group in closed:
                problems.append(Problem(col.source, f"table '{table.id}': column '{col.key}' is in group "
                                        f"'{col.group}', which is split by other columns",
                                        hint="put the columns of a group next to each other"))
            current = col.group
    return problems


def _row(table: Table, row: Row, index: BibIndex, used: set[str], referenced: set[str],
         group_ids: list[str], keys: list[str], ts=("pdflatex", ()), clean: set | None = None) -> list[Problem]:
    problems: list[Problem] = []
    thing = f"table '{table.id}' row '{row.name}'"
    first = table.columns[0]
    lines = [(row.line, "")] + [(sub, f" subrow {i + 1}") for i, sub in enumerate(row.sublines)]
    if not row.sublines and set(keys).issuperset(row.line.by_key):
        lines = []  # the common row: every field is a column (else each unknown one is reported below)
    for line, where in lines:
        for key, value in line.cells:
            if key not in keys:
                hint = did_you_mean(key, keys + list(ROW_META)) or f"columns: {', '.join(keys)}"
                problems.append(Problem(value.source, f"{thing}{where}: unknown field '{key}'", hint=hint))
    named = row.line.get(first.key)
    if named is None or named.raw in (None, ""):
        problems.append(Problem(row.source, f"{thing}: missing required field '{first.key}' ({first.title})",
                                hint="every row needs its first column"))
    if table.groups and row.group is None:
        problems.append(Problem(row.source, f"{thing}: missing field 'group'",
                                hint=f"one of: {', '.join(group_ids)}"))
    elif row.group is not None and row.group not in group_ids:
        hint = did_you_mean(row.group, group_ids) or (f"one of: {', '.join(group_ids)}" if group_ids
                                                      else "define 'groups' in the table or remove 'group'")
        problems.append(Problem(row.source, f"{thing}: unknown row group '{row.group}'", hint=hint))
    for key, where in row.cites:
        used.add(key)
        found = index.problem(key, where, thing)
        if found:
            problems.append(found)
    for col_key, note_id, where in row.notes:
        if col_key not in keys:
            problems.append(Problem(where, f"{thing}: notes for unknown column '{col_key}'",
                                    hint=did_you_mean(col_key, keys)))
        referenced.add(note_id)
        if table.note(note_id) is None:
            problems.append(_missing_note(table, thing, note_id, where))
        column = table.column(col_key)
        if column is not None:
            hidden = [out for out, shown in (("the paper", _paper_marks(column)), ("README.md", column.in_readme))
                      if not shown]
            if hidden:
                problems.append(Problem(where, f"{thing}: note '{note_id}' on column '{col_key}' would have no mark "
                                        f"in {hidden[0]}, which lists the note but not the column (show: {column.show})",
                                        hint="attach the note to a column shown in both outputs"))
    if not row.sublines:  # the common row, one line: each column's value, looked up in a dict
        values = row.line.by_key  # the first of a repeated key wins, as in Line.get
        for column in table.columns:
            value = values.get(column.key)
            if value is not None and value.raw is not None:
                known = _known(column, value.raw) if clean is not None and column.type != "latex" else None
                if known is not None and known in clean:
                    continue  # the same value in the same column was fine (a latex cell's cites are counted: always)
                found = _value(table, column, value, thing, index, used, referenced, ts)
                if known is not None and not found:
                    clean.add(known)
                problems += found
        return problems
    for column in table.columns:
        for sub in range(row.height):
            value = row.value(column.key, sub)
            if value is None or value.raw is None:
                continue
            if sub and row.spans(column.key):
                break
            problems += _value(table, column, value, thing, index, used, referenced, ts)
    return problems


def _known(column: Column, raw: object) -> tuple | None:
    """What a value's check depends on besides the table's settings: its column (by identity, within one table)
    and :func:`surveybuild.values.value_key`; None when the value cannot be a key."""
    value = values.value_key(raw)
    return None if value is None else (id(column), value)


def _paper_marks(column: Column) -> bool:
    """Whether a note on ``column`` gets a mark in the paper (a URL column's marks go to the row's first cell)."""
    return column.in_paper or (column.type == "url" and column.show in ("both", "paper"))


def _missing_note(table: Table, thing: str, note_id: str, where: Source) -> Problem:
    defined = [n.id for n in table.notes]
    hint = did_you_mean(note_id, defined) or ("defined notes: " + ", ".join(defined) if defined
                                              else "define it under 'notes:' in the table")
    return Problem(where, f"{thing}: note '{note_id}' is not defined in table '{table.id}'", hint=hint)


def _value(table, column, value, thing, index, used, referenced, ts=("pdflatex", ())) -> list[Problem]:
    raw = value.raw
    where = f"{thing} column '{column.key}'"
    kind = column.type
    if kind == "text":
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            return [Problem(value.source, f"{where}: expected text, got {raw!r}",
                            hint="quote it if it is meant as text")]
        return _typeset(str(raw), value.source, where, column, ts)
    elif kind == "latex":
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            return [Problem(value.source, f"{where}: expected LaTeX text, got {raw!r}")]
        return _latex(str(raw), value.source, where, table, index, used, referenced, ts, column)
    elif kind == "url":
        wrong = values.check_url(raw)
        if wrong:
            return [Problem(value.source, f"{where}: {wrong}", hint="write a full https:// link")]
    elif kind == "size":
        if values.parse_size(raw) is None:
            return [Problem(value.source, f"{where}: {raw!r} is not a size",
                            hint="write a number with an optional K, M, B or T, e.g. 7B, 52K, 1.4T, 300K+, 5K-5M")]
    elif kind == "bool":
        if not isinstance(raw, bool):
            return [Problem(value.source, f"{where}: expected yes/no (true or false), got {raw!r}",
                            hint="write true or false")]
    elif kind == "list":
        if not isinstance(raw, list) or not all(isinstance(x, (str, int, float)) for x in raw):
            return [Problem(value.source, f"{where}: expected a list of texts, got {raw!r}",
                            hint="write [a, b] or one item per line starting with '- '")]
        return _typeset(", ".join(map(str, raw)), value.source, where, column, ts)
    return []


def _typeset(text: str, where: Source, thing: str, column, ts=("pdflatex", ())) -> list[Problem]:
    """Plain text the paper shows must be typesettable by the engine (checked here to point at the cell)."""
    if column is not None and not _paper_marks(column):  # a URL column's title is the paper's too (its notes)
        return []
    wrong = _unencodable(text, *ts)
    if wrong:
        engine = ts[0]
        fix = ("map it to LaTeX under 'symbols:' in surveybuild.yaml, choose 'engine: lualatex' (CJK, emoji), "
               if engine == "pdflatex" else
               f"install the fonts (apt-get install {fonts.FONT_PACKAGES}), " if fonts.missing_fonts(engine) else
               "choose 'engine: lualatex' (CJK, emoji), " if engine == "xelatex" else "")
        return [Problem(where, f"{thing}: {wrong}", hint=f"{engine} has no glyph for it: {fix}transliterate it or "
                        "leave it out, or show the column in the README only (show: readme)")]
    return []


@functools.lru_cache(maxsize=65536)
def _unencodable(text: str, engine: str = "pdflatex", symbols=()) -> str:
    """Why ``engine`` cannot typeset ``text`` ('' when it can); once per text: columns repeat their values."""
    try:
        escape(text, engine, symbols)
    except UnencodableText as exc:
        return str(exc)
    return ""


def _symbols(settings: Settings) -> list[Problem]:
    """The symbol map's LaTeX goes into the paper: the cells' allow-list holds for it too."""
    problems = []
    where = Source("surveybuild.yaml")
    for ch, latex in settings.symbols:
        if re.fullmatch(r"\\ding\{\d{1,3}\}", latex):
            continue  # pifont's dingbats: the one macro outside the cells' allow-list a map may use
        try:
            to_pieces(latex)
        except LatexFieldError as exc:
            problems += [Problem(where, f"setting 'symbols': {ch!r}: {p}") for p in exc.problems]
    return problems


def _latex(text: str, where: Source, thing: str, table: Table | None, index: BibIndex, used: set[str],
           referenced: set[str], ts=("pdflatex", ()), column: Column | None = None) -> list[Problem]:
    """A LaTeX field's problems: its cites, notes, links and characters (``table`` None: a figure's caption;
    ``column``: the cell's, whose characters matter only when the paper shows it)."""
    if column is not None and values.LINE_BREAK in text.strip():
        pieces, wrong = _lines_pieces(text)
        if wrong:
            return [Problem(where, f"{thing}: {p}", hint=hint) for p, hint in wrong]
    else:
        try:
            pieces = to_pieces(text)
        except LatexFieldError as exc:
            return [Problem(where, f"{thing}: {p}") for p in exc.problems]
    # the paper gets the field's non-ASCII characters as texlang.escape.typeset_field writes them
    wide = "" if text.isascii() else "".join(sorted(set(_WIDE.findall(text))))
    problems = _typeset(wide, where, thing, column, ts) if wide else []
    for piece in pieces:
        if isinstance(piece, Cite):
            for key in piece.keys:
                used.add(key)
                found = index.problem(key, where, thing)
                if found:
                    problems.append(found)
        elif isinstance(piece, NoteRef) and table is None:
            problems.append(Problem(where, f"{thing}: a figure has no table notes to refer to",
                                    hint="write the note's text in the caption"))
        elif isinstance(piece, NoteRef):
            referenced.add(piece.note_id)
            if table.note(piece.note_id) is None:
                problems.append(_missing_note(table, thing, piece.note_id, where))
        elif isinstance(piece, (Link, Image)):
            urls = (piece.url,) + ((piece.image,) if piece.image else ()) if isinstance(piece, Link) else (piece.src,)
            for url in urls:
                wrong = values.check_url(url)
                if wrong:
                    problems.append(Problem(where, f"{thing}: {wrong}", hint="write a full https:// link"))
    return problems


def _lines_pieces(text: str) -> tuple[tuple, list[tuple[str, str]]]:
    """The pieces of a LaTeX cell of several lines, each line a LaTeX field of its own (the renderers render
    each alone: :func:`surveybuild.values.lines`), and the problems of its lines as (message, hint)."""
    pieces: list = []
    wrong: list[tuple[str, str]] = []
    parts = values.lines(text)
    for n, line in enumerate(parts, 1):
        try:
            pieces += to_pieces(line)
        except LatexFieldError as exc:
            wrong += [(f"line {n} of {len(parts)} ({line[:40]!r}): {p}", "") for p in exc.problems]
    if wrong:
        try:  # the whole reads well: the break cuts a group, math or a command from its argument
            to_pieces(" ".join(parts))
        except LatexFieldError:
            return (), wrong
        if any("a lone" in p for p, _ in wrong):
            return (), wrong
        return (), [("a line break inside braces, $...$ math or a command's arguments: each line of a cell is "
                     "LaTeX of its own", "close the braces on each line, e.g. \\textbf{a} and \\textbf{b} on two "
                     "lines, or keep the group on one line")]
    return tuple(pieces), []
