"""The natural widths of the tables' cells, measured by TeX, for :mod:`surveybuild.renderers.fit`.

``surveybuild paper`` (``invoke build-paper``) sets every distinct cell and header text of the
tables, as the table renders it (:func:`surveybuild.renderers.latex.cell_lines`: each line of a cell with a line
break alone), at each font size the fit
may choose, in a small measuring document: the paper's own preamble (its main file up to
``\\begin{document}``: same engine, class, fonts and packages), then one ``\\hbox`` per text, whose
width TeX writes to its log. A second box sets the text in a zero-wide ragged paragraph and keeps its
widest line: the longest piece no line break can split, which a wrapping column must hold.

The widths go to ``<paper>/tables/widths.json``, a committed file that ``build`` and ``check`` read
(:func:`surveybuild.readers.widthsread.parse`) and never write: the tables they render depend on the
repository's files alone, not on whether TeX is installed, so ``check``'s drift test gives the same answer everywhere. A text the file
lacks (a row added by a README-only build) is estimated (:func:`surveybuild.renderers.fit.text_width`) until
the next ``build-paper`` measures it.

Speed: the file is keyed by the engine and a hash of the measuring preamble; a rebuild measures only the
texts it lacks (one TeX run for all of them) and a no-op runs no TeX. ``.surveybuild-cache/widths.json``
keeps every width measured under the current key, so an edit undone is not measured again.

Safety: TeX runs as for the paper (:data:`surveybuild.build.texrun.TEX_SAFETY`: no shell escape, reads and
writes below the paper's folder only, no rc file), in ``<paper>/build/measure``, with a time limit. A
text with unbalanced braces is not measured (it would end the box or swallow the document); the
marker lines carry a random nonce the texts cannot know, and a width whose text made TeX report an
error is dropped (estimated instead).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import paths
from ..model import MeasuredWidths, Problem, Source, Survey
from ..readers.widthsread import FORMAT, MAX_PT, WIDTHS_FILE, parse  # noqa: F401 - parse: the file's reader

#: The uncommitted store of every width measured under the current key.
CACHE_FILE = ".surveybuild-cache/widths.json"
WORK_DIR = "build/measure"  # below the paper's folder
JOB = "surveybuild-measure"
TIMEOUT = 120.0  # seconds: a text that loops forever must not hang the build
ENGINE_PROGRAMS = {"pdflatex": "pdflatex", "xelatex": "xelatex", "lualatex": "lualatex"}
DRAFT = {"pdflatex": "-draftmode", "xelatex": "-no-pdf", "lualatex": "--draftmode"}  # no PDF: widths only

#: The measuring macros (``NONCE`` is the run's nonce, in letters): the text in a box, then in a
#: zero-wide ragged paragraph whose widest line is kept; both widths go to the log.
MACROS = r"""\makeatletter
\newdimen\sbwNONCEmax
\def\sbwNONCEwidest{\global\sbwNONCEmax\z@
  \loop\unskip\unpenalty\unskip\setbox2\lastbox
  \ifvoid2\else\setbox4\hbox{\unhbox2}\ifdim\wd4>\sbwNONCEmax\global\sbwNONCEmax\wd4\fi\repeat}
\long\def\sbwNONCEone#1#2#3{\begingroup\csname #2\endcsname
  \setbox0\hbox{#3}%
  \setbox2\vbox{\hsize\z@\raggedright\hyphenpenalty\@M\exhyphenpenalty\@M\hbadness\@M\hfuzz\maxdimen
    \noindent#3\par\sbwNONCEwidest}%
  \immediate\write\m@ne{sbwNONCE:#1:\the\wd0:\the\sbwNONCEmax}\endgroup}
\makeatother
"""


def file_path_of(paper: str) -> str:
    """``<paper folder>/tables/widths.json``, relative to the survey, for the paper's main file ``paper``."""
    return (PurePosixPath(paper).parent / WIDTHS_FILE).as_posix()


def render(measured: MeasuredWidths) -> str:
    """The committed file's text: one width a line, sorted (the same widths give the same bytes)."""
    lines = [f'{{"format": {FORMAT}, "engine": {json.dumps(measured.engine)}, '
             f'"preamble": {json.dumps(measured.preamble)},',
             ' "note": "natural widths in pt of the table cells as TeX sets them, written by surveybuild paper",',
             ' "widths": [']
    entries = [json.dumps([font, tex, *((round(w[0], 3), round(w[1], 3)) if w else (None, None))],
                          ensure_ascii=False) for (font, tex), w in sorted(measured.widths.items())]
    lines.append(",\n".join("  " + e for e in entries))
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def needed(survey: Survey) -> set[tuple[str, str]]:
    """Every (font, LaTeX text) the fit of the survey's tables may ask the width of."""
    from ..renderers import fit, latex, layout

    settings = survey.settings
    out: set[tuple[str, str]] = set()
    for table in survey.tables:
        fonts = (table.font,) if table.font else fit.FONTS
        columns = latex.paper_columns(table)
        texts: set[str] = set()
        try:
            top, lower = layout.header(columns)
            titles = [c.title for c in columns] if lower else [c.title for c in top]
            texts.update(latex.escape(t, settings.engine, settings.symbols) for t in titles)
            for column in columns:
                for row in table.rows:
                    for sub in range(row.height):
                        if sub and row.spans(column.key):
                            break
                        value = row.value(column.key, sub)
                        # a cell of several lines: each line alone (the cell is as wide as its widest)
                        texts.update(latex.cell_lines(table, column, value.raw if value is not None else None,
                                                      settings))
        except latex.UnencodableText:
            continue  # the build reports it
        out.update((font, text) for font in fonts for text in texts)
    return out


def balanced(text: str) -> bool:
    """Whether the braces of ``text`` pair up (``\\{`` and ``\\}`` aside), and it has no ``%`` comment
    (which would hide the closing brace of the box) and no TeX end-of-file trick."""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "%":
            return False
        if ch in "{}":
            depth += 1 if ch == "{" else -1
            if depth < 0:
                return False
        i += 1
    return depth == 0 and not re.search(r"\\(endinput|end\s*\{\s*document\s*\}|dump|catcode|input|include|"
                                        r"read|openin|openout|write|immediate)(?![A-Za-z])", text)


def preamble_of(main_text: str) -> str | None:
    """The paper's preamble: its main file up to ``\\begin{document}`` (None when it has none)."""
    for m in re.finditer(r"\\begin\s*\{document\}", main_text):
        line_start = main_text.rfind("\n", 0, m.start()) + 1
        before = main_text[line_start:m.start()]
        if not re.search(r"(?<!\\)%", before):  # not in a comment
            return main_text[:m.start()]
    return None


def preamble_key(engine: str, preamble: str) -> str:
    return hashlib.sha256(f"{FORMAT}\n{engine}\n{MACROS}\n{preamble}".encode("utf-8")).hexdigest()[:16]


def document(preamble: str, texts: list[tuple[str, str]], nonce: str) -> str:
    """The measuring document: the paper's preamble, the macros, one line per (font, text)."""
    lines = [preamble.rstrip("\n"), r"\begin{document}", MACROS.replace("NONCE", nonce).rstrip("\n")]
    one = f"\\sbw{nonce}one"
    for i, (font, text) in enumerate(texts):
        lines.append(f"{one}{{{i}}}{{{font}}}{{{text}}}")
    lines.append(f"\\makeatletter\\immediate\\write\\m@ne{{sbw{nonce}:end}}\\makeatother")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


_PT = r"(-?\d+(?:\.\d+)?)pt"


def read_log(log: str, nonce: str, count: int) -> tuple[dict[int, tuple[float, float]], set[int]]:
    """The widths the log reports, by text number, and the texts TeX could not set: those after whose
    previous marker TeX reported an error (a line starting ``!``), and, when the document ran to its
    end, those with no marker. (After a fatal error only the text it stopped at counts as failed.)"""
    marker = re.compile(rf"sbw{nonce}:(\d+):{_PT}:{_PT}$")
    out: dict[int, tuple[float, float]] = {}
    failed: set[int] = set()
    tainted = False
    last = -1
    ended = False
    for line in log.splitlines():
        if line.startswith("!"):
            tainted = True
            continue
        if line == f"sbw{nonce}:end":
            ended = True
            continue
        m = marker.match(line)
        if m and 0 <= int(m.group(1)) < count:
            i = int(m.group(1))
            last = max(last, i)
            natural, word = float(m.group(2)), float(m.group(3))
            if tainted or not (0 <= natural <= MAX_PT and 0 <= word <= MAX_PT):
                failed.add(i)
            elif i not in failed:
                out.setdefault(i, (natural, word))
            tainted = False
    if ended:
        failed |= {i for i in range(count) if i not in out}
    elif last + 1 < count:
        failed.add(last + 1)
    return out, failed - out.keys()


@dataclass
class Measurement:
    """What :func:`update` did."""

    widths: MeasuredWidths = field(default_factory=MeasuredWidths)
    text: str | None = None  # the new committed file's text, when it changed
    ran: bool = False  # whether TeX was started
    measured: int = 0  # texts measured by this run
    info: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _load_cache(root: Path, key: str) -> dict[tuple[str, str], tuple[float, float] | None]:
    try:
        data = json.loads((root / CACHE_FILE).read_text("utf-8"))
        if data.get("key") != key:
            return {}
        return {(f, t): None if n is None else (float(n), float(w)) for f, t, n, w in data["widths"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _save_cache(root: Path, key: str, widths: dict[tuple[str, str], tuple[float, float] | None]) -> None:
    from .writer import write_atomic

    try:
        (root / CACHE_FILE).parent.mkdir(exist_ok=True)
        entries = [[f, t, *(w or (None, None))] for (f, t), w in sorted(widths.items())]
        write_atomic(root / CACHE_FILE, json.dumps({"key": key, "widths": entries}) + "\n")
    except OSError:
        pass  # a read-only folder: no cache


def update(root: Path, survey: Survey, env: dict[str, str] | None = None) -> Measurement:
    """Measure the texts the committed widths file lacks (one TeX run), and give the file's new text.

    Never raises for TeX's sake: without TeX, or when the run fails, the widths known stand and the
    rest are estimated. The caller writes :attr:`Measurement.text`.
    """
    import shutil

    result = Measurement()
    settings = survey.settings
    main = root / settings.paper
    shown = file_path_of(settings.paper)
    if paths.outside(root, main):  # the build reports it; nothing outside the project is read
        return result
    try:
        main_text = main.read_text("utf-8", errors="replace")
    except OSError:
        return result
    preamble = preamble_of(main_text)
    if preamble is None:
        return result
    key = preamble_key(settings.engine, preamble)
    want = needed(survey)
    committed = survey.measured if survey.measured.engine == settings.engine and \
        survey.measured.preamble == key else MeasuredWidths()
    known = {k: v for k, v in committed.widths.items() if k in want}
    missing = sorted(k for k in want if k not in known)
    if missing:
        cached = _load_cache(root, key)
        known |= {k: cached[k] for k in missing if k in cached}
        missing = [k for k in missing if k not in known]
    todo = [k for k in missing if balanced(k[1])]
    program = ENGINE_PROGRAMS.get(settings.engine, "pdflatex")
    if todo and shutil.which(program) is None:
        result.info.append(f"{program} not found: {len(todo)} cell width(s) estimated, not measured")
        todo = []
    if todo:
        found = _run(root, main.parent, program, preamble, todo, env, result)
        known |= found
        result.measured = sum(1 for w in found.values() if w is not None)
        if found:
            cached = _load_cache(root, key)
            _save_cache(root, key, cached | found)
    result.widths = MeasuredWidths(settings.engine, key, known)
    # rewritten when its widths change (no file of nothing when TeX measured nothing)
    if result.widths != survey.measured and (known or survey.measured.widths or (root / shown).is_file()):
        result.text = render(result.widths)
    return result


def _run(root: Path, paper_dir: Path, program: str, preamble: str, todo: list[tuple[str, str]],
         env: dict[str, str] | None, result: Measurement) -> dict[tuple[str, str], tuple[float, float] | None]:
    from .texrun import BUILD_DIR, LockBusy, paper_lock

    try:  # one TeX run at a time in the paper's build folder (a concurrent 'surveybuild paper' waits)
        with paper_lock(paper_dir / BUILD_DIR) as _:
            return _run_locked(root, paper_dir, program, preamble, todo, env, result)
    except LockBusy:
        result.info.append("another 'surveybuild paper' holds the build folder: cell widths estimated")
    except OSError as exc:
        result.info.append(f"cannot measure the cell widths: {exc.strerror or exc}: widths estimated")
    return {}


def _run_locked(root: Path, paper_dir: Path, program: str, preamble: str, todo: list[tuple[str, str]],
                env: dict[str, str] | None, result: Measurement) -> dict[tuple[str, str], tuple[float, float] | None]:
    import secrets
    import shutil
    import string
    import subprocess

    from .texrun import tex_env

    nonce = "".join(secrets.choice(string.ascii_letters) for _ in range(12))
    work = paper_dir / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    rel_work = Path(WORK_DIR).as_posix()
    (work / f"{JOB}.tex").write_text(document(preamble, todo, nonce), "utf-8")
    command = [program, "-interaction=nonstopmode", "-no-shell-escape", DRAFT[program],
               f"-output-directory={rel_work}", f"{rel_work}/{JOB}.tex"]
    result.ran = True
    try:
        subprocess.run(command, cwd=paper_dir, env=env or tex_env([paper_dir]), capture_output=True,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        result.problems.append(Problem(Source(f"{PurePosixPath(paper_dir.relative_to(root).as_posix())}/"
                                              f"{rel_work}/{JOB}.tex"),
                                       f"measuring the table cells took over {TIMEOUT:g} s: stopped, widths estimated",
                                       "warning", hint="a cell's LaTeX may loop; build the paper to see which"))
        return {}
    try:
        log = (work / f"{JOB}.log").read_text("utf-8", errors="replace")
    except OSError:
        return {}
    widths, failed = read_log(log, nonce, len(todo))
    if len(widths) < len(todo):
        result.info.append(f"{len(todo) - len(widths)} of {len(todo)} cell text(s) could not be measured "
                           f"(TeX reported an error; {rel_work}/{JOB}.log): their widths are estimated")
    return {todo[i]: w for i, w in widths.items()} | {todo[i]: None for i in failed}
