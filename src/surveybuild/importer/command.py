"""``surveybuild import FILE [-o OUT] [--cite-map MAP] [--force]``: import, then write the YAML files.

When the paper's engine cannot typeset characters the tables bring (CJK, emoji), surveybuild.yaml's
``engine`` is switched to one that can, and what no installed font has is left out of the paper
(``symbols:``), all said in warnings (scripts.py, docs/import.md).

Output names: one table -> ``<tables>/<stem>.yaml``; several -> ``<stem>-1.yaml``,
``<stem>-2.yaml``, ... ``-o`` names the file (several tables: ``<its stem>-<n>.yaml``
beside it) or, when it is a folder or ends with ``/``, the folder. Existing files are
not replaced without ``--force``. The files are written even when problems were
found (they are the user's to fix); the exit status is 1 when any problem is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import paths
from ..readers.bibread import read_bib
from ..build.pipeline import Report
from ..model import Problem, Source
from ..readers import yamlread
from ..readers.read import SETTINGS_FILE, read_settings, read_text
from ..readers.tableread import read_table
from ..build.writer import WriteError as FileWriteError, write_files
from . import ImportError_, ImportResult, import_text, kind_of, read_cite_map, scripts, stem
from .account import written_counts
from .write import WriteError, to_yaml


#: packages tables commonly use, read after the document's own: their commands are LaTeX's, not undefined
TABLE_PACKAGES = ("amsmath", "amssymb", "graphicx", "booktabs", "multirow", "makecell", "array", "tabularx",
                  "longtable", "threeparttable", "pifont", "natbib", "url", "xcolor", "colortbl", "rotating",
                  "xspace", "hyperref")
_NEIGHBOURS = (".tex", ".sty", ".cls", ".ltx")


#: \\usepackage[...]{inputenc} options -> Python codecs: a LaTeX file in the 8-bit encoding it declares
_INPUTENC = {"latin1": "latin-1", "latin9": "iso8859-15", "latin2": "iso8859-2", "ansinew": "cp1252",
             "cp1252": "cp1252", "cp1250": "cp1250", "applemac": "mac-roman", "utf8": "utf-8"}
_INPUTENC_RE = re.compile(rb"^[^%\n]*\\usepackage\s*\[([^\]]*)\]\s*\{inputenc\}", re.M)


def source_text(data: bytes, kind: str) -> str:
    """A table source's text: UTF-8, or for LaTeX the 8-bit encoding its ``\\usepackage[latin1]{inputenc}``
    declares (as pdflatex reads it). Raises UnicodeDecodeError for bytes neither explains."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        m = _INPUTENC_RE.search(data) if kind == "latex" else None
        codec = next((_INPUTENC[o.strip().decode("ascii", "replace")] for o in (m.group(1).split(b",") if m else [])
                      if o.strip().decode("ascii", "replace") in _INPUTENC), "utf-8")
        if codec != "utf-8" or kind != "latex":
            return data.decode(codec)
    # LaTeX: bytes that are not UTF-8 inside comments (a Windows quote after '%') are skipped by TeX, as here
    out, offset = [], 0
    for line in data.splitlines(keepends=True):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            comment = _COMMENT_AT.search(line)
            if comment is None or comment.start(1) > exc.start:
                raise UnicodeDecodeError(exc.encoding, data, offset + exc.start, offset + exc.end, exc.reason) from None
            out.append(line.decode("utf-8", errors="replace"))
        offset += len(line)
    return "".join(out)


_COMMENT_AT = re.compile(rb"(?:^|[^\\])(?:\\\\)*(%)")


def known_names(path: Path, text: str) -> frozenset[str] | None:
    """The control words a LaTeX source knows: what its file and the .tex/.sty/.cls files beside it (and one folder
    up: a table's file beside the paper's main file) define, the kernel's, its class's and packages' (and those of
    the packages tables commonly use), and the ones surveybuild writes itself. None without TeX (kpsewhich): then
    no command is taken for undefined. Neighbours are only scanned for definitions; symbolic links are skipped."""
    from ..checks import texknown
    from ..texlang import latextext

    texts = [text]
    folders = list(dict.fromkeys(p.resolve() for p in (path.parent, path.parent.parent)))
    for folder in folders:
        try:
            found = sorted(f for f in folder.iterdir() if f.suffix in _NEIGHBOURS)[:200]
        except OSError:
            continue
        for f in found:
            try:
                if f.is_symlink() or not f.is_file() or f.resolve() == path.resolve() or f.stat().st_size > 2_000_000:
                    continue
                texts.append(f.read_text("utf-8", errors="replace"))
            except OSError:
                continue
    packages, cls = [], ""
    for t in texts:
        names, c = texknown.packages(t)
        packages += names
        cls = cls or c
    tree = texknown.tex_tree_names(tuple(dict.fromkeys(packages + list(TABLE_PACKAGES))), cls or "article")
    if tree is None:
        return None
    own = set().union(*(texknown.definitions(t) for t in texts))
    return tree | own | texknown.COMMON | latextext.ALLOWED | latextext.MATH_COMMANDS


def _targets(root: Path, settings, file: Path, output: str | None, count: int) -> list[Path]:
    base = stem(str(file))
    if output is None:
        folder = root / settings.tables
    elif output.endswith(("/", "\\")) or (root / output).is_dir():  # relative: in the survey (-C), as the build reads
        folder = root / output
    else:
        out = root / output
        if count == 1:
            return [out]
        folder, base = out.parent, stem(out.name)
    if count == 1:
        return [folder / f"{base}.yaml"]
    return [folder / f"{base}-{n + 1}.yaml" for n in range(count)]


def run_import(root: Path, file: str, output: str | None = None, cite_map: str | None = None,
               force: bool = False) -> Report:
    """Import ``file`` into the survey at ``root``; the report lists problems and files written."""
    report = Report()
    path = Path(file)
    if not path.is_file():
        report.problems.append(Problem(Source(file), "no such file"))
        return report
    settings, problems = read_settings(root)
    report.problems += problems
    bib_keys = None
    bib_path = root / settings.bib
    if bib_path.is_file():
        entries, _ = read_bib(bib_path.read_text("utf-8"), settings.bib)
        bib_keys = {e.key for e in entries}
    mapping = None
    if cite_map:
        map_path = Path(cite_map)
        if not map_path.is_file():
            report.problems.append(Problem(Source(cite_map), "no such cite map file"))
            return report
        mapping, problems = read_cite_map(map_path.read_text("utf-8"), cite_map)
        report.problems += problems
        if problems:
            return report
    try:
        text, result = _import_file(path, file, bib_keys, mapping)
    except ImportError_ as exc:
        report.problems.append(Problem(Source(file), str(exc)))
        return report
    except UnicodeDecodeError as exc:
        report.problems.append(_not_utf8(path, file, exc))
        return report
    sources = [(path, result)]
    if kind_of(file) == "latex":  # a main file: its own tables, then those of the files it \input s
        followed = _follow_inputs(path, text, bib_keys, mapping, report)
        if followed:
            own = [(path, result)] if result.tables else []
            sources = own + followed
            if not own:
                result.problems = [p for p in result.problems if p.message != "no table found in the file"]
            report.problems += result.problems
            result = type(result)(tables=[t for _, r in sources for t in r.tables],
                                  problems=[p for _, r in followed for p in r.problems])
    report.problems += _cite_family(result.problems, settings)
    if len(sources) > 1 and output is not None and not (output.endswith(("/", "\\")) or (root / output).is_dir()):
        targets = _targets(root, settings, path, output, len(result.tables))
    else:
        targets = [t for source, r in sources for t in _targets(root, settings, source, output, len(r.tables))]
    tables_dir = (root / settings.tables).resolve()
    for target in targets:
        if target.resolve().parent != tables_dir:
            report.problems.append(Problem(Source(str(target)), "not in the survey's tables folder "
                                           f"({root / settings.tables}): the build does not read it",
                                           severity="warning",
                                           hint="move it there, or import with -o tables/"))
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        for t in existing:
            report.problems.append(Problem(Source(str(t)), "exists: not replaced", hint="pass --force to replace it"))
        return report
    report.problems += _label_clashes(root / settings.tables, result.tables, targets)
    settings_text, problems = _engine(root, settings, [t.table for t in result.tables], targets)
    report.problems += problems
    texts = [] if settings_text is None else [(root / SETTINGS_FILE, settings_text)]
    for imported, target in zip(result.tables, targets):
        try:
            texts.append((target, to_yaml(imported.table, imported.comment, target.stem)))
        except WriteError as exc:
            report.problems.append(Problem(imported.table.source, str(exc)))
            return report
    try:
        write_files({target: (str(target), text) for target, text in texts})
    except FileWriteError as exc:
        report.problems.append(Problem(Source(exc.shown), exc.reason, hint="no file was written"))
        return report
    report.written += [str(target) for target, _ in texts]
    for imported, target in zip(result.tables, targets):
        report.info.append(f"{target} (from {imported.table.source}): {imported.stats.get('account', '')}")
    tables = len(result.tables)
    counts = [written_counts(t.table) for t in result.tables]  # the tables' own lines' "written" counts, summed
    rows, cells = sum(c.rows for c in counts), sum(c.cells for c in counts)
    if hasattr(report, "info"):
        report.info.append(f"import: {tables} table(s), {rows} row(s), {cells} cell(s) from {file}")
    report.info += next_steps(settings, [target.stem for target in targets])
    return report


_BIBLATEX_SAID = re.compile(r"\\(?:[Pp]arencite|[Tt]extcite|[Aa]utocite|footcite|[Ss]martcite|supercite)s? ->")
_NATBIB_SAID = "were written as natbib's, which the paper loads"


def _cite_family(problems: list[Problem], settings) -> list[Problem]:
    """The importer writes every family's cite commands as natbib's (the YAML's one form). In a survey that cites
    with biblatex, the paper gets them as biblatex's (:func:`~..renderers.latex.cite_family`): the message says so.
    A source citing with biblatex imported into a natbib survey: a warning says how to make a biblatex one."""
    from ..readers.texread import BIBLATEX_CITES

    biblatex = settings.cite_command in BIBLATEX_CITES
    out, told = [], biblatex
    for p in problems:
        if _NATBIB_SAID in p.message and biblatex:
            p = Problem(p.source, p.message.replace(_NATBIB_SAID, "were written as natbib's (the YAML's one form); "
                                                    "the paper, which loads biblatex, gets them as biblatex's"),
                        severity=p.severity, hint=p.hint)
        out.append(p)
        if not told and _NATBIB_SAID in p.message and _BIBLATEX_SAID.search(p.message):
            told = True
            out.append(Problem(p.source, "the source cites with biblatex, the survey's paper with natbib and "
                               "BibTeX, whose styles print nothing of biblatex's fields (date=, journaltitle=: "
                               "references without year or journal)", severity="warning",
                               hint="a survey made with `surveybuild init --biblatex` cites with biblatex and biber; "
                                    "or write year= and journal= in the .bib"))
    return out


def _import_file(path: Path, file: str, bib_keys, mapping) -> tuple[str, ImportResult]:
    """One file's text and its tables. Raises ImportError_ and UnicodeDecodeError."""
    text = source_text(path.read_bytes(), kind_of(file))
    known = known_names(path, text) if kind_of(file) == "latex" else None
    project = None
    if kind_of(file) == "latex":  # the author's macros, defined beside the file
        from .macros import project_macros
        project = project_macros(path)
    return text, import_text(text, file, bib_keys=bib_keys, cite_map=mapping, known=known, macros=project)


def _not_utf8(path: Path, file: str, exc: UnicodeDecodeError) -> Problem:
    data = path.read_bytes()[:exc.start]
    line = data.count(b"\n") + 1
    col = len(data[data.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
    return Problem(Source(file, line, col), f"not UTF-8 text: {exc.reason} "
                   f"{path.read_bytes()[exc.start:exc.end]!r}", hint=(
        "declare its encoding with \\usepackage[latin1]{inputenc} (or the one it is in), or convert it: "
        "iconv -f latin1 -t utf-8" if kind_of(file) == "latex" else "convert it: iconv -f latin1 -t utf-8"))


_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}\n]+)\}")
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
#: how deep \input files are followed (main -> section -> table), and how many are read at most
_FOLLOW_DEPTH, _FOLLOW_FILES = 3, 200


def _follow_inputs(path: Path, text: str, bib_keys, mapping, report: Report) -> list:
    """A LaTeX file's (a paper's main file, with tables of its own or not) ``\\input`` files: the tables of the
    files it ``\\input``s (``\\input{tables/models}``), and of the files those input, in the order TeX reads
    them. Only ``.tex`` files inside the main file's folder are read (a link or ``../`` out of it is not followed)."""
    seen = {path.resolve()}
    found: list = []

    def walk(text: str, depth: int) -> None:
        visible = _TEX_COMMENT.sub("", text)  # comments out, lines kept
        for m in _INPUT.finditer(visible):
            name = m.group(1).strip()
            candidate = path.parent / (name if name.endswith(".tex") else name + ".tex")
            if paths.outside(path.parent, candidate) or not candidate.is_file():  # a link out, a loop of links
                continue
            resolved = candidate.resolve()
            if resolved in seen or len(seen) > _FOLLOW_FILES:
                continue
            seen.add(resolved)
            shown = str(candidate)
            try:
                inner, result = _import_file(candidate, shown, bib_keys, mapping)
            except ImportError_ as exc:
                report.problems.append(Problem(Source(shown), str(exc), severity="warning"))
                continue
            except UnicodeDecodeError as exc:
                report.problems.append(_not_utf8(candidate, shown, exc))
                continue
            if result.tables:
                found.append((candidate, result))
                report.info.append(f"{shown}: read for its tables (\\input at {path}:"
                                   f"{visible.count(chr(10), 0, m.start()) + 1})" if depth == 0 else
                                   f"{shown}: read for its tables")
            elif depth < _FOLLOW_DEPTH:
                walk(inner, depth + 1)

    walk(text, 0)
    return found


_LABEL_LINE = re.compile(r"^label:[ \t]*['\"]?([^'\"\s#]+)", re.M)


def _label_clashes(folder: Path, tables, targets: list[Path]) -> list[Problem]:
    """An imported table whose label a table of the survey already has (two papers of one repository holding the
    same table): said at import, where the source is named, not only by the build."""
    replaced = {t.resolve() for t in targets}
    labels: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        if path.resolve() in replaced or path.is_symlink():
            continue
        try:
            found = _LABEL_LINE.search(path.read_text("utf-8", errors="replace"))
        except OSError:
            continue
        labels.setdefault(found.group(1) if found else f"tab:{path.stem}", path)
    problems = []
    for imported, target in zip(tables, targets):
        label = imported.table.label or f"tab:{target.stem}"
        if label in labels:
            other = labels[label]
            shown = other.relative_to(folder.parent) if other.is_relative_to(folder.parent) else other
            problems.append(Problem(imported.table.source, f"label '{label}' is also the label of {shown}: the "
                                    "build refuses two tables with one label", severity="warning",
                                    hint="if both are the same table, keep one; else rename one label (and its \\ref)"))
        labels.setdefault(label, target)
    return problems


def _engine(root: Path, settings, tables, targets) -> tuple[str | None, list[Problem]]:
    """The new text of surveybuild.yaml when the imported characters need another engine or must be left
    out of the paper (None: unchanged), and the problems saying so (scripts.py)."""
    existing = []
    seen = {t.resolve() for t in targets}  # replaced (--force): the new table counts, not the old
    for folder in [root / settings.tables] + [t.parent for t in targets]:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            if path.resolve() in seen or path.name.startswith("_"):
                continue
            seen.add(path.resolve())
            text, _ = read_text(path, str(path), root)  # the survey's own files only (no link out of it)
            table = read_table(text, str(path))[0] if text is not None else None
            if table is not None:
                existing.append(table)
    decision = scripts.decide(tables, existing, settings)
    problems = scripts.messages(decision, settings.engine)
    for table in tables:  # what even the decision leaves: a control character (TeX reads it as markup)
        for text, where, latex in scripts.paper_texts(table):
            for ch in scripts.untypeset(text, latex, decision.engine, decision.symbols)[:1]:
                problems.append(Problem(where, f"character U+{ord(ch):04X} {ch!r} cannot be typeset by "
                                        f"{decision.engine}: kept as written", hint="the paper cannot show it: "
                                        "write it as LaTeX or leave it out"))
    if not decision.changed:
        return None, problems
    path = root / SETTINGS_FILE
    old = None
    if path.exists() or path.is_symlink():
        old, found = read_text(path, SETTINGS_FILE, root)  # a link out of the survey is refused, as read_settings does
        if old is None:
            return None, problems + found
    try:
        text = scripts.edit_settings(old, decision, settings)
    except scripts.SettingsEditError as exc:
        return None, problems + [Problem(Source(SETTINGS_FILE), f"cannot set the engine to {decision.engine} "
                                         f"and the symbols the import needs: {exc}", hint=f"set 'engine: "
                                         f"{decision.engine}' in {SETTINGS_FILE} by hand")]
    _, data, found = yamlread.load(text, SETTINGS_FILE)
    if found or not isinstance(data, dict) or data.get("engine", "pdflatex") != decision.engine or (
            decision.left_out and tuple(sorted((data.get("symbols") or {}).items())) != decision.symbols):
        return None, problems + [Problem(Source(SETTINGS_FILE), "the edited settings do not read back as "
                                         "intended (a bug): not written", hint=f"set 'engine: {decision.engine}' "
                                         f"in {SETTINGS_FILE} by hand")]
    return text, problems


def next_steps(settings, table_ids: list[str]) -> list[str]:
    """What to add so that the new tables are shown: a table nobody shows is built for nothing."""
    from ..checks.check import wiring

    steps = []
    for table_id in table_ids:
        steps.append(f"to show table '{table_id}', add these lines where it belongs:")
        steps += [f"  {line}" for line in wiring(settings, table_id)]
    return steps
