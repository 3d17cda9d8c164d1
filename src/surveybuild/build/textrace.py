"""LaTeX log entries -> problems that point at the YAML table and row (or the .tex file and line).

Pure: takes the entries (:mod:`surveybuild.build.texlog`), the survey model and the text of
the paper's ``.tex`` files, returns :class:`~surveybuild.model.Problem` objects.

A line of a generated ``paper/tables/<id>.tex`` is mapped back to its row by
rendering the table again with a marker at the end of each row's lines (the side
map of :func:`row_lines`); a cite key, a note label (``tn:<table>:<note>``) or a
table label (``tab:<id>``) is looked up in the model by name, which also works
where TeX's line numbers are vague.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePosixPath

from ..renderers import fit, latex
from ..readers.read import SETTINGS_FILE
from ..model import Problem, Row, Settings, Source, Survey, Table
from ..readers.tableread import did_you_mean
from .texlog import LogEntry, typesetting_defects

_MARK = "%@@surveybuild-row:"
_LABEL = re.compile(r"\\label\{([^{}]*)\}")


class _MarkingRenderer(latex.TableRenderer):
    """The table's renderer, with each body line marked with its row's index."""

    def lines(self, row: Row, keep: list[bool] | None = None, number: int = 0) -> list[str]:
        return [f"{line}{_MARK}{row.index}" for line in super().lines(row, keep, number)]


def row_lines(table: Table, settings: Settings, text: str) -> dict[int, Row]:
    """Line number (1-based) -> row, for ``text`` as generated from ``table``; empty if ``text`` is stale."""
    marked = _MarkingRenderer(table, settings).render().splitlines()
    lines = text.splitlines()
    by_index = {row.index: row for row in table.rows}
    out: dict[int, Row] = {}
    for n, line in enumerate(marked, start=1):
        head, mark, index = line.partition(_MARK)
        if n > len(lines) or lines[n - 1] != head:
            return {}
        if mark:
            out[n] = by_index[int(index)]
    return out


#: a font TeX names before a box's text (`\\T1/lmr/m/n/9 `, `\\OML/lmm/m/it/10 `)
_BOX_FONT = re.compile(r"\\[A-Za-z0-9]+(?:/[A-Za-z0-9.+-]*)+\s?")


class Tracer:
    """Maps log entries of one paper build back to the sources."""

    def __init__(self, survey: Survey, texts: dict[str, str]):
        self.survey = survey
        self.texts = texts  # survey-relative path -> text of the paper's .tex files
        self.paper_dir = PurePosixPath(survey.settings.paper).parent
        self.generated = {str(self.paper_dir / "tables" / f"{t.id}.tex"): t for t in survey.tables}
        self._maps: dict[str, dict[int, Row]] = {}

    # -- where things are --------------------------------------------------------
    def shown(self, log_file: str) -> str:
        """A file named in the log (relative to the paper's folder) relative to the survey."""
        if not log_file or PurePosixPath(log_file).is_absolute():
            return log_file
        return str(self.paper_dir / log_file)

    def rows(self, path: str) -> dict[int, Row]:
        if path not in self._maps:
            table = self.generated[path]
            self._maps[path] = row_lines(table, self.survey.settings, self.texts.get(path, ""))
        return self._maps[path]

    def locate(self, path: str, line: int, last: int = 0) -> tuple[Source, str]:
        """The source of ``path:line`` and a prefix naming the table/row (empty for hand-written files)."""
        table = self.generated.get(path)
        if table is None:
            return Source(path, line), ""
        rows = self.rows(path)
        hit = {rows[n].index: rows[n] for n in range(line, (last or line) + 1) if n in rows}
        if len(hit) == 1:
            row = next(iter(hit.values()))
            return row.source, f"table '{table.id}', row '{row.name}'"
        if line and not hit:
            text_lines = self.texts.get(path, "").splitlines()
            labels = _LABEL.findall(text_lines[line - 1]) if 0 < line <= len(text_lines) else []
            for label in labels:
                found = self.table_label_source(table, label)
                if found is not None:
                    return found
        return table.source, f"table '{table.id}'"

    def table_label_source(self, table: Table, label: str) -> tuple[Source, str] | None:
        if label == table.label:
            return table.source, f"table '{table.id}'"
        prefix = f"tn:{table.id}:"
        if label.startswith(prefix):
            note_id = label[len(prefix):]
            note = table.note(note_id)
            if note is not None:
                return note.source, f"table '{table.id}', note '{note_id}'"
            row = self.url_row(table, note_id)
            if row is not None:
                return self.url_source(table, row), f"table '{table.id}', row '{row.name}' (its link)"
        return None

    def wide_cell(self, path: str, line: int, last: int) -> tuple[Source, str] | None:
        """The cell of a row that overflows, when the table has one fixed-width column."""
        table = self.generated.get(path)
        rows = self.rows(path) if table is not None else {}
        hit = {rows[n].index: rows[n] for n in range(line, (last or line) + 1) if n in rows}
        fixed = [c for c in table.columns if c.width and c.in_paper] if table is not None else []
        if len(hit) != 1 or len(fixed) != 1:
            return None
        row = next(iter(hit.values()))
        value = row.value(fixed[0].key)
        if value is None:
            return None
        return value.source, f"table '{table.id}', row '{row.name}', column '{fixed[0].key}'"

    @staticmethod
    def url_row(table: Table, note_id: str) -> Row | None:
        return next((r for r in table.rows if latex.url_note_id(r) == note_id), None)

    @staticmethod
    def url_source(table: Table, row: Row) -> Source:
        for column in latex.url_columns(table):
            value = row.value(column.key)
            if value is not None and value.raw:
                return value.source
        return row.source

    def label_definitions(self, label: str) -> list[tuple[str, int]]:
        """Every ``\\label{label}`` in the paper's files: (path, line)."""
        out = []
        for path, text in sorted(self.texts.items(), key=lambda kv: (kv[0] not in self.generated, kv[0])):
            for n, line in enumerate(text.splitlines(), start=1):
                if "%" in line:
                    line = re.sub(r"(?<!\\)%.*", "", line)
                if f"\\label{{{label}}}" in line:
                    out.append((path, n))
        return out

    def column(self, source: Source, name: str) -> Source:
        """``source`` with the column of ``{name}`` on its line, when it is there once."""
        lines = self.texts.get(source.path, "").splitlines()
        if 0 < source.line <= len(lines) and lines[source.line - 1].count(f"{{{name}}}") == 1:
            return Source(source.path, source.line, lines[source.line - 1].index(f"{{{name}}}") + 2)
        return source

    def known_labels(self) -> list[str]:
        labels = []
        for text in self.texts.values():
            labels += _LABEL.findall(text)
        return sorted(set(labels))

    # -- one problem per entry ---------------------------------------------------
    def citation(self, e: LogEntry, path: str) -> Problem:
        message = f"undefined citation '{e.name}'"
        hint = (f"is '{e.name}' in {self.survey.settings.bib}? Without the key there, "
                "BibTeX leaves it out of the .bbl")
        table = self.generated.get(path)
        if table is not None:
            for row in table.rows:
                for key, where in row.cites:
                    if key == e.name:
                        return Problem(where, f"table '{table.id}', row '{row.name}': {message}", "error", hint)
                for key, value in row.line.cells + tuple(c for sl in row.sublines for c in sl.cells):
                    if isinstance(value.raw, str) and e.name in value.raw:
                        return Problem(value.source, f"table '{table.id}', row '{row.name}': {message}",
                                       "error", hint)
            for note in table.notes:
                if e.name in note.text:
                    return Problem(note.source, f"table '{table.id}', note '{note.id}': {message}", "error", hint)
        source, what = self.locate(path, e.line)
        for cite in self.survey.tex_cites:
            if cite.key == e.name and cite.source.path == path and cite.source.line == e.line:
                source = cite.source
        return self.problem(source, what, message, hint, path, e)

    def reference(self, e: LogEntry, path: str) -> Problem:
        message = f"undefined reference '{e.name}'"
        table = self.generated.get(path)
        if table is not None and e.name.startswith(f"tn:{table.id}:"):
            note_id = e.name.split(":", 2)[2]
            for row in table.rows:
                for _, nid, where in row.notes:
                    if nid == note_id:
                        return Problem(where, f"table '{table.id}', row '{row.name}': note '{note_id}' is not "
                                       "in the table's notes", "error",
                                       did_you_mean(note_id, [n.id for n in table.notes]))
        source, what = self.locate(path, e.line)
        if not what and e.line:
            source = self.column(source, e.name)
        hint = did_you_mean(e.name, self.known_labels()) or f"no \\label{{{e.name}}} anywhere in the paper"
        return self.problem(source, what, message, hint, path, e)

    def label(self, e: LogEntry) -> Problem:
        """Reported at the second definition (LaTeX complains there); the hint names the others."""
        message = f"label '{e.name}' is multiply defined"
        places = []
        for path, line in self.label_definitions(e.name):
            source, what = self.locate(path, line)
            shown = f"{source} ({path}:{line})" if what else str(source)
            if (source, what, shown) not in places:
                places.append((source, what, shown))
        if not places:
            return Problem(Source(self.shown(e.file)), message, "error", "labels must be unique")
        source, what, _ = places[1] if len(places) > 1 else places[0]
        others = [shown for s, _, shown in places if s != source]
        hint = f"also defined at {', '.join(others)}; labels must be unique" if others else "labels must be unique"
        return Problem(source, f"{what}: {message}" if what else message, "error", hint)

    def missing_file(self, e: LogEntry, path: str) -> Problem:
        source, what = self.locate(path, e.line)
        name = e.name
        if name.endswith((".sty", ".cls")):
            hint = (f"install the TeX package that has {name} (tlmgr search --global --file {name}; on Debian "
                    f"apt-file search {name}), or put {name} next to the paper")
        else:
            hint = "paths are relative to the main .tex file's folder"
        return self.problem(source, what, f"file '{name}' not found", hint, path, e)

    def bibtex(self, e: LogEntry) -> Problem:
        """A BibTeX complaint at the entry it names (or the .bib line it gives); an error only for a syntax error."""
        error = e.text.startswith("error: ")
        text = e.text.removeprefix("error: ")
        source = None
        if e.name:
            entry = next((b for b in self.survey.bib if b.key == e.name), None)
            if entry is None:
                entry = next((b for b in self.survey.bib if b.key.lower() == e.name.lower()), None)
            source = entry.source if entry is not None else None
        if source is None and e.file:
            name = PurePosixPath(e.file).name
            path = next((b.source.path for b in self.survey.bib if PurePosixPath(b.source.path).name == name),
                        self.shown(e.file))
            source = Source(path, e.line)
        hint = "BibTeX said so in paper/build/*.blg; fix the entry, or the .bib syntax there"
        return Problem(source or Source(self.survey.settings.paper), f"BibTeX: {text}",
                       "error" if error else "warning", hint)

    def error(self, e: LogEntry, path: str) -> Problem:
        source, what = self.locate(path, e.line)
        return self.problem(source, what, f"LaTeX error: {e.text}", "", path, e)

    def missing_char(self, e: LogEntry) -> Problem:
        """A character no font had (found when the page is shipped out): placed on the first cell that has it."""
        engine = self.survey.settings.engine
        message = f"{engine} found no glyph for {e.name!r} in its fonts"
        hint = ("check could not see it: it is written outside the tables; choose another engine's fonts "
                "(docs/paper.md) or leave the character out")
        for table in self.survey.tables:
            for row in table.rows:
                for line in (row.line, *row.sublines):
                    for key, value in line.cells:
                        if isinstance(value.raw, str) and e.name in value.raw:
                            return Problem(value.source, f"table '{table.id}' row '{row.name}' column '{key}': "
                                           f"{message}", hint="transliterate it, leave it out, or show the column "
                                           "in the README only (show: readme)")
        return Problem(Source(self.survey.settings.paper), message, hint=hint)

    def biber(self, e: LogEntry) -> Problem:
        hint = ("biber reads the .bib files named by \\addbibresource; its full log is build/<main>.blg"
                if e.name == "ERROR" else "")
        return Problem(Source(self.survey.settings.paper), f"biber: {e.text}",
                       "error" if e.name == "ERROR" else "warning", hint)

    def placed_by_text(self, e: LogEntry) -> tuple[str, LogEntry] | None:
        """An overfull box TeX reports while another file is open (a table's part set on a later page, when the
        bibliography is being read: its line numbers are that file's): the one line of a generated table that
        holds every word the box shows, if one table has such lines."""
        words = _BOX_FONT.sub(" ", e.content).replace("[]", " ").replace("|", " ").split()
        if not words or not any(len(w) > 3 for w in words):
            return None
        found = [(path, n) for path in self.generated for n, line in enumerate(self.texts.get(path, "").splitlines(), 1)
                 if all(w in line for w in words)]
        if not found or len({p for p, _ in found}) != 1:
            return None
        path, n = found[0]
        return path, dataclasses.replace(e, line=n, last_line=n)

    def box(self, e: LogEntry, path: str) -> Problem | None:
        placed = self.placed_by_text(e) if path not in self.generated and e.kind == "overfull" else None
        if placed is not None:
            path, e = placed
        if path not in self.generated:
            if e.kind == "float":  # TeX cuts what does not fit: said wherever it is, as a placed problem
                return Problem(Source(path, e.line), f"a float is too large for the page (by {e.name}): "
                               "TeX cuts it off at the page's foot", "warning",
                               "make it smaller, or set a table as a long table (layout: long)")
            return None  # boxes in hand-written text are the author's business, not the tables'
        source, what = self.wide_cell(path, e.line, e.last_line) or self.locate(path, e.line, e.last_line)
        if e.kind == "float":
            message = f"table is too large for the page (by {e.name})"
            hint = "use layout: long, font: scriptsize, or fewer columns"
        elif "column '" in what:
            message = f"a cell is {e.name} too wide"
            hint = "a word longer than the column's width cannot wrap: shorten it or widen the column"
        elif "row" in what:
            message = f"a cell is {e.name} too wide"
            hint = "give the column a width (width: 3cm) so its text wraps, or shorten the text"
        else:
            message = f"table is {e.name} too wide for the text"
            hint = "use fit: wrap, font: scriptsize, landscape: true, or give wide columns a width"
        return self.problem(source, what, message, hint, path, e, severity="warning")

    def page(self, e: LogEntry) -> list[Problem]:
        """The paper's text block and font size differ from what ``surveybuild.yaml`` says the tables fit."""
        settings = self.survey.settings
        width, height = (fit.dimen_pt(d) for d in e.name.split(" x "))
        font, _, columns = e.text.partition(" ")
        size = {10.0: 10, 10.95: 11, 12.0: 12}.get(float(font), 0)
        wrong = []
        for key, actual, declared in (("paper_text_width", width, fit.dimen_pt(settings.paper_text_width)),
                                      ("paper_text_height", height, fit.dimen_pt(settings.paper_text_height))):
            if actual is not None and declared is not None and abs(actual - declared) > 2:
                wrong.append(f"{key}: {round(actual)}pt")
        if size and size != settings.paper_font_size:
            wrong.append(f"paper_font_size: {size}")
        if columns and int(columns) != settings.paper_columns:
            wrong.append(f"paper_columns: {columns}")
        if not wrong:
            return []
        shape = f" in {columns} columns" if columns == "2" or settings.paper_columns == 2 else ""
        return [Problem(Source(SETTINGS_FILE), f"the paper's text block is {e.name} at {font}pt{shape}, not what the "
                        "tables were fitted to", "warning", f"set {', '.join(wrong)} in {SETTINGS_FILE}")]

    def problem(self, source: Source, what: str, message: str, hint: str, path: str, e: LogEntry,
                severity: str = "error") -> Problem:
        if what:  # a YAML place: say where in the generated file it was, too
            lines = f"{e.line}-{e.last_line}" if e.last_line > e.line else f"{e.line}"
            message = f"{what}: {message} (at {path}:{lines})" if e.line else f"{what}: {message}"
        return Problem(source, message, severity, hint)

    def trace(self, entries: list[LogEntry]) -> list[Problem]:
        problems: list[Problem] = []
        wide_tables: set[str] = set()
        for e in entries:
            path = self.shown(e.file)
            if e.kind == "citation":
                problems.append(self.citation(e, path))
            elif e.kind == "reference":
                problems.append(self.reference(e, path))
            elif e.kind == "label":
                problems.append(self.label(e))
            elif e.kind == "missing-file":
                problems.append(self.missing_file(e, path))
            elif e.kind == "error":
                problems.append(self.error(e, path))
            elif e.kind == "page":
                problems += self.page(e)
            elif e.kind == "missing-char":
                problems.append(self.missing_char(e))
            elif e.kind == "biber":
                problems.append(self.biber(e))
            elif e.kind == "bibtex":
                problems.append(self.bibtex(e))
            elif e.kind == "overfull" and not typesetting_defects([e]):
                continue  # 1pt or less: no one sees it (the standard the tests hold the paper to)
            else:
                found = self.box(e, path)
                if found is None:
                    continue
                if "row '" not in found.message:  # a whole table too wide: once per table
                    if path in wide_tables:
                        continue
                    wide_tables.add(path)
                problems.append(found)
        return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.source, p.message) not in seen:
            seen.add((p.source, p.message))
            out.append(p)
    return out


def trace(entries: list[LogEntry], survey: Survey, texts: dict[str, str]) -> list[Problem]:
    """Problems for the log ``entries`` of a build of ``survey``'s paper; ``texts``: its .tex files by path."""
    return Tracer(survey, texts).trace(entries)
