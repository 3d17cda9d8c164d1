"""Draw each figure's picture once into its own PDF, so that the paper's passes never load pgfplots.

``surveybuild build`` writes a figure as two committed texts (:mod:`surveybuild.figures.tex`):
``<paper>/figures/<id>.pgf``, the pgfplots picture, and ``<paper>/figures/<id>.tex``, the ``figure``
float that ``\\includegraphics`` the drawn picture, ``<paper>/build/figures/<id>.pdf``. Before latexmk
runs, :func:`draw` typesets each picture whose drawing is missing or stale in a small document: the
paper's own preamble (its main file up to ``\\begin{document}``: the same class, font size, fonts and
engine, so the figure is set in the paper's fonts), pgfplots when the preamble does not load it, then
each picture alone on a page of its own size; one run draws every stale picture, and plain pdfTeX then
copies each page into the figure's own PDF (a few milliseconds each).

Speed: loading pgfplots and drawing both figures of the embedded survey made up half of each of the
paper's four pdflatex passes; one run for all the pictures loads the preamble and pgfplots once. A
drawing is keyed by the SHA-256 of what makes it (the format of this module, the engine, the preamble
and the picture's text); a build whose key matches the one recorded next to the PDF (``<id>.json``,
with the PDF's own hash) draws nothing, and a no-op build runs no TeX.

Safety: TeX runs as for the paper (:data:`surveybuild.build.texrun.TEX_SAFETY`: no shell escape, reads
and writes below the paper's folder only, no rc file), in ``<paper>/build/drawing``, one engine run for
all (and pdfTeX for the copies), with a time limit; the build holds the paper's lock. A figure's PDF is
replaced only when the run ended without error and its page was copied whole. The PDFs' dates are
fixed (``SOURCE_DATE_EPOCH``), so the same picture gives the same bytes (the arXiv bundle ships them).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..figures.tex import DRAWINGS
from ..model import Problem, Source, Survey
from .cache import local_id
from .texmeasure import preamble_of
from .writer import replace_bytes, write_atomic

FORMAT = 1
WORK_DIR = "build/drawing"  # below the paper's folder
TIMEOUT = 120.0  # seconds
PROGRAMS = {"pdflatex": "pdflatex", "xelatex": "xelatex", "lualatex": "lualatex"}
SOURCE_DATE = "946684800"  # 2000-01-01, as the arXiv bundle's member times

#: The drawing document after the preamble: pgfplots if the paper does not load it, then each picture in a
#: box, shipped out on a page exactly its size (``PICTURES``: one ``\sb@draw{<path from the paper's folder>}`` each).
BODY = r"""\makeatletter
\@ifpackageloaded{pgfplots}{}{\usepackage{pgfplots}\pgfplotsset{compat=1.18}}
\makeatother
\begin{document}
\makeatletter
\ifdefined\pdftrailerid\pdftrailerid{}\fi
\hoffset-1in \voffset-1in
\def\sb@draw#1{\setbox\@tempboxa\hbox{\input{#1}\unskip}%
  \paperwidth\wd\@tempboxa \paperheight\dimexpr\ht\@tempboxa+\dp\@tempboxa\relax
  \ifdefined\pdfpagewidth\pdfpagewidth\paperwidth \pdfpageheight\paperheight
  \else\ifdefined\pagewidth\pagewidth\paperwidth \pageheight\paperheight\fi\fi
  \shipout\vbox{\box\@tempboxa}}
PICTURES\makeatother
\end{document}
"""

#: Plain pdfTeX copying page ``PAGE`` of the drawing run's PDF ``SOURCE`` into a PDF of its own (a few ms).
EXTRACT = r"""\pdftrailerid{}
\pdfximage page PAGE {SOURCE}
\setbox0\hbox{\pdfrefximage\pdflastximage}
\pdfpagewidth\wd0 \pdfpageheight\ht0 \hoffset-1in \voffset-1in
\shipout\box0
\end
"""
JOB = "surveybuild-figures"


@dataclass
class Drawn:
    """What :func:`draw` did."""

    drawn: list[str] = field(default_factory=list)  # ids of the figures drawn by this run
    problems: list[Problem] = field(default_factory=list)


def picture_path(figure_id: str) -> str:
    """A figure's picture, relative to the paper's folder."""
    return f"figures/{figure_id}.pgf"


def document(preamble: str, pictures: list[str]) -> str:
    return preamble.rstrip("\n") + "\n" + BODY.replace("PICTURES", "".join(f"\\sb@draw{{{p}}}\n" for p in pictures))


def drawing_key(engine: str, preamble: str, picture_text: str, local: str) -> str:
    """``local``: :func:`surveybuild.build.cache.local_id` (a drawing the repository committed is never up to date)."""
    return hashlib.sha256(f"{FORMAT}\n{engine}\n{BODY}\n{preamble}\n{picture_text}\n{local}".encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def up_to_date(pdf: Path, key: str) -> bool:
    """Whether ``pdf`` is the complete drawing of ``key``, as recorded next to it."""
    try:
        record = json.loads(pdf.with_suffix(".json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("key") == key and record.get("pdf") == _sha256(pdf)


def draw(root: Path, survey: Survey, env: dict[str, str]) -> Drawn:
    """Draw every figure whose PDF is missing or stale (see the module's text) in one TeX run, then copy
    each page into the figure's own PDF; ``env``: TeX's safe environment."""
    result = Drawn()
    main = root / survey.settings.paper
    paper_dir = main.parent
    if not survey.figures:
        return result
    try:
        preamble = preamble_of(main.read_text("utf-8", errors="replace"))
    except OSError:
        return result  # the paper's build reports it
    if preamble is None:
        return result
    engine = survey.settings.engine
    local = local_id(root, create=True)
    stale: list[tuple[str, Path, str]] = []
    for figure in survey.figures:
        try:
            text = (paper_dir / picture_path(figure.id)).read_text("utf-8")
        except OSError:
            continue  # not built (the build reported why); the paper's \includegraphics says what is missing
        pdf = paper_dir / DRAWINGS / f"{figure.id}.pdf"
        key = drawing_key(engine, preamble, text, local)
        if not up_to_date(pdf, key):
            stale.append((figure.id, pdf, key))
    program = PROGRAMS.get(engine, "pdflatex")
    if not stale or shutil.which(program) is None or shutil.which("pdftex") is None:
        return result  # nothing to draw, or the paper's build says that TeX is missing
    result.problems += _draw(root, paper_dir, program, preamble, stale, env)
    if not result.problems:
        result.drawn = [figure_id for figure_id, _, _ in stale]
    return result


def _shown(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _run(command: list[str], paper_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(command, cwd=paper_dir, env=env, capture_output=True, text=True, errors="replace",
                              timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


def _complete(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError:
        return b""
    return data if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:] else b""


def _draw(root: Path, paper_dir: Path, program: str, preamble: str, stale: list[tuple[str, Path, str]],
          env: dict[str, str]) -> list[Problem]:
    work = paper_dir / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    rel_work = PurePosixPath(WORK_DIR).as_posix()
    (work / f"{JOB}.tex").write_text(document(preamble, [picture_path(i) for i, _, _ in stale]), "utf-8")
    flags = ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-file-line-error",
             f"-output-directory={rel_work}"]
    run_env = dict(env, SOURCE_DATE_EPOCH=SOURCE_DATE, FORCE_SOURCE_DATE="1")
    log_path = work / f"{JOB}.log"
    proc = _run([program, *flags, f"{rel_work}/{JOB}.tex"], paper_dir, run_env)
    try:
        log = log_path.read_text("utf-8", errors="replace")
    except OSError:
        log = proc.stdout if proc else ""
    error = next(re.finditer(r"(?m)^(?:(\S+):\d+: |! )(.*)$", log), None)
    data = _complete(work / f"{JOB}.pdf") if proc is not None and proc.returncode == 0 and error is None else b""
    if not data:
        what = (error.group(2) if error else f"{program} ran over {TIMEOUT:g} s: stopped" if proc is None
                else f"{program} ended with exit {proc.returncode} and no complete PDF")
        where = error.group(1) if error and error.group(1) else ""
        guilty = [i for i, _, _ in stale if where.lstrip("./") == picture_path(i)] or [i for i, _, _ in stale]
        return [Problem(Source(_shown(root, paper_dir / picture_path(i))), f"figure '{i}' could not be drawn: {what}",
                        hint=f"see {_shown(root, log_path)}; rebuild the figure with 'surveybuild build'")
                for i in guilty]
    problems = []
    for page, (figure_id, pdf, key) in enumerate(stale, 1):
        job = f"page-{page}"
        (work / f"{job}.tex").write_text(EXTRACT.replace("PAGE", str(page)).replace("SOURCE", f"{rel_work}/{JOB}.pdf"),
                                         "utf-8")
        proc = _run(["pdftex", *flags, f"{rel_work}/{job}.tex"], paper_dir, run_env)
        data = _complete(work / f"{job}.pdf") if proc is not None and proc.returncode == 0 else b""
        if not data:
            problems.append(Problem(Source(_shown(root, paper_dir / picture_path(figure_id))),
                                    f"figure '{figure_id}' could not be drawn: pdfTeX did not copy page {page} of "
                                    f"{_shown(root, work / (JOB + '.pdf'))}", hint=f"see {_shown(root, work / job)}.log"))
            continue
        pdf.parent.mkdir(parents=True, exist_ok=True)
        replace_bytes(pdf, data)
        write_atomic(pdf.with_suffix(".json"), json.dumps({"key": key, "pdf": hashlib.sha256(data).hexdigest()}) + "\n")
    return problems
