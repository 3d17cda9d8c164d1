"""``surveybuild import``: existing tables (LaTeX, Markdown pipe tables, HTML tables) -> table sources.

read (latex_tables / markdown_tables / html_tables: find the tables, the header,
the cells) -> assemble (spans, groups, cites, types) -> account (what was read
against what will be written) -> write. Every table found becomes an
:class:`~.assemble.ImportedTable`; whatever the format cannot hold is a
:class:`~surveybuild.model.Problem` naming FILE:LINE, and :mod:`.account` lists
every piece whose words or cite keys did not reach the written table. Nothing is
dropped without a problem saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..model import Problem, Source
from .account import account
from .assemble import ImportedTable, RawTable, assemble, slug
from .write import to_yaml

LATEX_SUFFIXES = (".tex", ".ltx", ".sty")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
HTML_SUFFIXES = (".html", ".htm")


class ImportError_(ValueError):
    """Raised for a file the importer cannot read at all (unknown kind)."""


@dataclass
class ImportResult:
    tables: list[ImportedTable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def kind_of(path: str) -> str:
    suffix = PurePath(path).suffix.lower()
    if suffix in LATEX_SUFFIXES:
        return "latex"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    raise ImportError_(f"{path}: cannot tell the kind of file from '{suffix or 'no suffix'}' "
                       "(expected .tex, .md or .html)")


def stem(path: str) -> str:
    """A table id from a file name: lower case, [a-z0-9_-] only."""
    text = slug(PurePath(path).stem.replace("-", "_"))
    text = text[1:] if text[:1] == "n" and text[1:2].isdigit() and not PurePath(path).stem.startswith("n") else text
    return text or "table"


def read_raw(text: str, path: str, cite_map: dict[str, str] | None = None,
             known: frozenset[str] | None = None, macros: dict | None = None) -> list[RawTable]:
    kind = kind_of(path)
    if kind == "latex":
        from .latex_tables import read_latex
        return read_latex(text, path, known, macros)
    if kind == "markdown":
        from .markdown_tables import read_markdown
        return read_markdown(text, path, cite_map)
    from .html_tables import read_html
    return read_html(text, path, cite_map)


def import_text(text: str, path: str, *, bib_keys: set[str] | None = None,
                cite_map: dict[str, str] | None = None, name: str | None = None,
                known: frozenset[str] | None = None, macros: dict | None = None) -> ImportResult:
    """Every table of one file's text. ``path`` names the file in messages and gives the table names.
    ``known``: the control words the source knows (:func:`~.command.known_names`); None: all. ``macros``: the
    project's definitions (:func:`.macros.project_macros`) for a LaTeX file."""
    result = ImportResult()
    raws = read_raw(text, path, cite_map, known, macros)
    base = name or stem(path)
    if not raws:
        result.problems.append(Problem(Source(path), "no table found in the file", severity="warning",
                                       hint=_inputs_hint(text) if kind_of(path) == "latex" else ""))
    for n, raw in enumerate(raws):
        table_name = base if len(raws) == 1 else f"{base}-{n + 1}"
        imported, problems = assemble(raw, table_name, bib_keys)
        problems = once(problems)
        if imported is not None:
            line, lost = account(raw, imported, problems)
            imported.stats["account"] = line
            problems += lost
            result.tables.append(imported)
        result.problems += problems
    if bib_keys is not None and kind_of(path) == "latex":
        result.problems = _bibitem_hints(result.problems, text, path)
    return result


_INPUT = re.compile(r"\\(?:input|include|subfile|subimport\*?\s*\{[^{}]*\})\s*\{([^{}]+)\}")
_COMMENT = re.compile(r"(?<!\\)%.*")


def _inputs_hint(text: str) -> str:
    """For a LaTeX file without a table that reads others (a main file's \\input{tables/x}): import those."""
    found = list(dict.fromkeys(m.group(1).strip() for m in _INPUT.finditer(_COMMENT.sub("", text))))
    if not found:
        return ""
    names = ", ".join(found[:6]) + (", ..." if len(found) > 6 else "")
    return (f"it reads other files ({names}); import follows those inside its folder and found no table there "
            "either: import the file that holds the tables")


_BIBITEM = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^{}]+)\}")
_MISSING_KEY = re.compile(r"^cite key '([^']+)' is not in refs\.bib")


def _bibitem_hints(problems: list[Problem], text: str, path: str) -> list[Problem]:
    """A key the file's own ``thebibliography`` defines with ``\\bibitem``: the hint says where, and what to do
    (surveybuild reads BibTeX entries, not a hand-made reference list)."""
    items = {m.group(1).strip(): text.count("\n", 0, m.start()) + 1 for m in _BIBITEM.finditer(text)
             if not text[text.rfind("\n", 0, m.start()) + 1:m.start()].lstrip().startswith("%")} if "bibitem" in text else {}
    out = []
    for p in problems:
        m = _MISSING_KEY.match(p.message) if items else None
        if m and m.group(1) in items:
            p = Problem(p.source, p.message, severity=p.severity,
                        hint=f"{path}:{items[m.group(1)]} defines it with \\bibitem in a thebibliography list, which "
                             "surveybuild does not read: write that list as BibTeX entries in refs.bib (the same keys)")
        out.append(p)
    return out


def once(problems: list[Problem]) -> list[Problem]:
    """Identical problems (same place, same message) reported once, with a count."""
    counts: dict[Problem, int] = {}
    for p in problems:
        counts[p] = counts.get(p, 0) + 1
    return [p if n == 1 else Problem(p.source, f"{p.message} [{n} times]", severity=p.severity, hint=p.hint)
            for p, n in counts.items()]


def import_file(path: str | Path, **kw) -> ImportResult:
    path = Path(path)
    if kind_of(str(path)) == "latex" and "macros" not in kw:
        from .macros import project_macros
        kw["macros"] = project_macros(path)
    return import_text(path.read_text("utf-8"), str(path), **kw)


def read_cite_map(text: str, path: str) -> tuple[dict[str, str], list[Problem]]:
    """``anchor-or-number: cite key`` lines (YAML mapping) -> {anchor: key}; ``12: key`` means ``ref12``."""
    from ..readers import yamlread

    if not text.strip():
        return {}, []
    _, data, problems = yamlread.load(text, path)  # the tables' reader: placed problems, never a traceback
    if problems:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [Problem(Source(path), "a cite map is a mapping: reference anchor or number -> cite key")]
    out = {}
    for k, v in data.items():
        anchor = f"ref{k}" if isinstance(k, int) or re.fullmatch(r"\d+", str(k)) else str(k).lstrip("#")
        out[anchor] = str(v)
    return out, []


__all__ = ["ImportResult", "ImportedTable", "import_file", "import_text", "read_cite_map", "to_yaml", "kind_of"]
