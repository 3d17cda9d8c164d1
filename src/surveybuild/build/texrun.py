"""Compile the paper with latexmk (shell escape off) when an input changed, and report what the log says.

The PDF is right, or the command fails:

- TeX runs in a private folder, ``<paper folder>/build/work`` (latexmk's ``-outdir``; its aux files
  stay there between runs, so a rebuild is incremental), and only one build at a time: the run holds
  ``build/surveybuild.lock`` (``flock``; TeX inherits it, so a killed ``surveybuild`` keeps it until
  its TeX has ended too). A second ``surveybuild paper`` waits for it, up to :data:`LOCK_WAIT` seconds.
- ``build/main.pdf`` is replaced (``os.replace``, atomic) only after a complete run whose log has no
  error, and only with a complete PDF; a failed run leaves the last good PDF byte for byte.
- The record of what was built, ``build/surveybuild-inputs.json``, is written last. It holds the
  content hash of every input (the main .tex and what it reads, the generated tables, the .bib files,
  local styles and figures), the latexmk command, the project's absolute folder and the SHA-256 and
  size of the PDF it vouches for. TeX is skipped only when all of them are as recorded, so a moved or
  copied project, an interrupted or concurrent run and a PDF changed since are rebuilt, never called
  up to date. latexmk itself trusts time stamps and sizes, so it runs with ``-g`` (a same-length edit
  within the same second is not skipped). The work folder is wiped first when the run before it was
  interrupted (no ``work/surveybuild-work.json`` saying that latexmk ended) or ran in another folder.
- After a TeX error the run stopped half-way: its undefined references and citations are consequences,
  so the error alone is reported (and how many other complaints were left out).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..figures.tex import DRAWINGS
from ..model import Problem, Source, Survey
from ..readers.texinputs import Inputs, find_inputs
from .cache import local_id
from .texfigures import draw
from .texlog import read_biber_blg, read_blg, read_log, stopped_at_error
from .textrace import trace
from .writer import replace_bytes, write_atomic

INSTALL_HINT = ("install TeX Live: apt-get install latexmk texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended texlive-bibtex-extra")
BUILD_DIR = "build"
STATE_FILE = "surveybuild-inputs.json"
WORK_DIR = "work"  # below BUILD_DIR: latexmk's private output folder
WORK_FILE = "surveybuild-work.json"  # in WORK_DIR: latexmk ended there (not killed), in this folder
LOCK_FILE = "surveybuild.lock"
LOCK_WAIT = 600.0  # seconds a second build waits for the first
FORMAT = 2


ENGINE_FLAGS = {"pdflatex": "-pdf", "xelatex": "-xelatex", "lualatex": "-lualatex"}


def latexmk_command(main_name: str, engine: str = "pdflatex") -> list[str]:
    """latexmk with our options only: ``-norc`` reads no rc file (a committed ``latexmkrc`` could run
    anything), so what an rc file would say is given here: PDF by the engine, BibTeX (or biber) when
    there are .bib files, output in ``build/``, shell escape off."""
    return ["latexmk", "-norc", ENGINE_FLAGS[engine], "-bibtex-cond", "-interaction=nonstopmode", "-halt-on-error",
            "-no-shell-escape", "-file-line-error", "-e", BIBER, f"-outdir={BUILD_DIR}", main_name]


#: latexmk's biber command: ``--noconf``, as biber otherwise reads ``biber.conf`` or ``.biber.conf`` from the
#: folder it runs in (the paper's: the repository's) and any its ``kpsewhich`` finds; such a file sets any option,
#: ``output_file=/home/user/.bashrc`` among them (it wrote the .bbl there) (docs/robustness.md).
BIBER = "$biber = 'biber --noconf %O %S'"


#: The environment variable that lets ``engine: lualatex`` or ``xelatex`` run (a comma-separated list of engines).
TRUSTED_ENGINES = "SURVEYBUILD_TRUSTED_ENGINES"
#: What each engine beyond pdfTeX lets a paper do that kpathsea's ``openin_any``/``openout_any`` do not stop.
ENGINE_REACH = {
    "lualatex": "LuaTeX runs the paper's Lua code (\\directlua) with every file of yours in reach: it reads and "
                "writes any path (~/.bashrc too), which TeX's openin_any and openout_any rules do not stop",
    "xelatex": "XeTeX's \\XeTeXpdffile and \\XeTeXpicfile put any PDF or image of yours into the paper, by an "
               "absolute path that TeX's openin_any rule does not stop",
}


def engine_problem(settings) -> Problem | None:
    """Why the survey's engine does not run here, or None. pdfTeX is held to kpathsea's rules (no shell escape, no
    read or write outside the paper's folder); LuaTeX and XeTeX reach further (:data:`ENGINE_REACH`), so they run
    only when the environment, which a repository cannot set, names them in :data:`TRUSTED_ENGINES`: the paper's
    ``.tex`` files are then trusted as code (docs/robustness.md)."""
    engine = settings.engine
    trusted = {e.strip() for e in os.environ.get(TRUSTED_ENGINES, "").split(",")}
    if engine not in ENGINE_REACH or engine in trusted:
        return None
    return Problem(settings.source_of("engine"), f"engine '{engine}' is not run for a paper that is not trusted: "
                   f"{ENGINE_REACH[engine]}",
                   hint=f"once you have reviewed the paper's .tex files (a pull request's too), set {TRUSTED_ENGINES}="
                        f"{engine} in the environment (your shell, the CI workflow); or use engine: pdflatex")


#: kpathsea's settings for TeX and BibTeX, over the user's environment and texmf.cnf: no shell
#: escape, and reads and writes only of files below the current folder: no absolute path, no
#: '..', no dot file (``openin_any``/``openout_any`` "p", paranoid).
TEX_SAFETY = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}


def tex_env(search: list[Path]) -> dict[str, str]:
    """The environment for TeX and BibTeX: .bib search path, unwrapped log lines, no reads or writes outside."""
    env = dict(os.environ)
    # the trailing separator keeps TeX's defaults; BibTeX runs in the build folder
    env["BIBINPUTS"] = os.pathsep.join(str(d.resolve()) for d in search) + os.pathsep
    env.update(TEX_SAFETY)
    env["max_print_line"] = "100000"  # one log line per message: file names and keys are not cut
    return env


@dataclass
class PaperResult:
    """What :func:`build_pdf` found and did."""

    problems: list[Problem] = field(default_factory=list)
    pdf: Path | None = None
    ran: bool = False  # whether latexmk was started
    info: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def input_state(root: Path, main_tex: Path, inputs: Inputs, engine: str = "pdflatex") -> dict:
    """The content hash of every input, by path relative to the survey folder, and how TeX runs."""
    files: dict[str, str] = {}
    for rel in inputs.files:
        path = main_tex.parent / rel
        files[_rel(root, path)] = _sha256(path)
    for bib in inputs.bibs:
        files[_rel(root, bib)] = _sha256(bib)
    # local: which folder's build this is (a record and PDF that a repository commits are never up to date)
    return {"format": FORMAT, "command": tex_command(main_tex.name, engine), "root": str(Path(root).resolve()),
            "local": local_id(root, create=True), "files": dict(sorted(files.items()))}


def tex_command(main_name: str, engine: str = "pdflatex") -> list[str]:
    """:func:`latexmk_command` writing to the private work folder, with ``-g``: TeX runs whatever
    latexmk's time stamps say (it is started only when an input's content or the PDF changed)."""
    command = [arg for arg in latexmk_command(main_name, engine) if not arg.startswith("-outdir=")]
    at = command.index(main_name) if main_name in command else len(command)
    if at and command[at - 1] == "--":  # options go before the end of the options
        at -= 1
    return command[:at] + ["-g", f"-outdir={BUILD_DIR}/{WORK_DIR}"] + command[at:]


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _changed(old: dict | None, new: dict) -> list[str]:
    """What differs between the record of the last build and now; empty when nothing does."""
    if not old:
        return ["no earlier successful build"]
    if old.get("format") != new["format"] or old.get("command") != new["command"]:
        return ["the latexmk command"]
    if old.get("root") != new["root"] or old.get("local") != new["local"]:  # local: a record committed is not ours
        return ["the project's folder (moved or copied)"]
    before, after = old.get("files", {}), new["files"]
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _load_state(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pdf_identity(data: bytes) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def complete_pdf(data: bytes) -> bool:
    """Whether ``data`` looks like a whole PDF: its header, and the end-of-file marker near its end."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def _pdf_matches(pdf: Path, record: dict) -> bool:
    """Whether ``pdf`` is the complete file the record vouches for, byte for byte."""
    try:
        data = pdf.read_bytes()
    except OSError:
        return False
    return complete_pdf(data) and record.get("pdf") == pdf_identity(data)


def _said(problems: list[Problem]) -> list[list]:
    return [[p.source.path, p.source.line, p.source.col, p.severity, p.message, p.hint] for p in problems]


def _unsaid(items: object) -> list[Problem]:
    try:
        return [Problem(Source(path, line, col), message, severity, hint)
                for path, line, col, severity, message, hint in items]
    except (TypeError, ValueError):
        return []


class LockBusy(Exception):
    """Another build held the lock for longer than we would wait."""


@contextmanager
def paper_lock(out_dir: Path, wait: float | None = None):
    """Hold ``out_dir/surveybuild.lock``; yields the lock's file descriptor and the seconds waited.

    Raises :class:`LockBusy` when another build holds it for longer than ``wait`` seconds.
    """
    wait = LOCK_WAIT if wait is None else wait
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        began = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - began > wait:
                    raise LockBusy(wait) from None
                time.sleep(0.05)
        yield fd, time.monotonic() - began
    finally:
        os.close(fd)  # releases the lock (TeX, if it outlived us, holds its own copy until it ends)


def run_latexmk(main_tex: Path, bib_dirs: tuple[Path, ...] = (), keep_fds: tuple[int, ...] = (),
                engine: str = "pdflatex") -> subprocess.CompletedProcess:
    """latexmk on ``main_tex`` in its folder, output in ``build/work``; TeX inherits ``keep_fds`` (the lock)."""
    env = tex_env([main_tex.parent, *bib_dirs])
    command = tex_command(main_tex.name, engine)
    # a session of its own: on a timeout, latexmk and the TeX or biber it started are stopped together
    proc = subprocess.Popen(command, cwd=main_tex.parent, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace", env=env, pass_fds=keep_fds,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=LATEXMK_TIMEOUT)
    except BaseException as exc:  # the timeout, or Ctrl-C (TeX is not in the terminal's process group any more)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
        done = subprocess.CompletedProcess(command, proc.returncode, out, err)
        done.timed_out = True  # type: ignore[attr-defined]
        return done
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


#: How long one latexmk run may take (seconds): TeX sets itself no limit, and a macro of the paper's may loop
#: forever (``\def\x{\x}\x``) or a .bst file's function never return.
LATEXMK_TIMEOUT = 900.0


#: At most this many more latexmk runs when the last log still asks for one (:func:`asks_rerun`).
SETTLE_RUNS = 2
#: What LaTeX, longtable, natbib, hyperref's rerunfilecheck and biblatex write when the next run would differ.
_RERUN = re.compile(r"Rerun (?:LaTeX|to get)|Please rerun LaTeX")


def asks_rerun(log_path: Path) -> bool:
    """Whether the run that wrote ``log_path`` says another would typeset differently. latexmk decides by the
    auxiliary files' time stamps and sizes first: a longtable width that changes to one of the same length
    within the second the file was read goes unseen (seen with passes of ~0.4 s), and the PDF keeps the
    widths of the run before."""
    try:
        return _RERUN.search(log_path.read_text("utf-8", errors="replace")) is not None
    except OSError:
        return False


def log_problems(root: Path, survey: Survey, main_tex: Path, inputs: Inputs, log_path: Path | None = None
                 ) -> tuple[list[Problem], int]:
    """The problems in the last run's log, traced back to the YAML and .tex files, and how many
    complaints were left out as consequences of a TeX error that stopped the run."""
    log_path = log_path or main_tex.parent / BUILD_DIR / WORK_DIR / (main_tex.stem + ".log")
    try:
        log = log_path.read_text("utf-8", errors="replace")
    except OSError:
        return [], 0
    texts = {}
    for rel in inputs.tex:
        try:
            texts[_rel(root, main_tex.parent / rel)] = (main_tex.parent / rel).read_text("utf-8", errors="replace")
        except OSError:
            pass
    entries, left_out = stopped_at_error(read_log(log))
    blg = log_path.with_suffix(".blg")  # BibTeX's or biber's own log: their warnings, traced to the entries
    if blg.exists():
        blg_text = blg.read_text("utf-8", errors="replace")
        bib_entries = read_biber_blg(blg_text) if inputs.biblatex else read_blg(blg_text)
        if any(e.name == "ERROR" or e.text.startswith("error:") for e in bib_entries):
            # latexmk stops at a BibTeX/biber error, before the runs that resolve labels and citations: the
            # undefined ones of that run are consequences (a defined label reported "undefined"), not causes
            kept = [e for e in entries if e.kind not in ("reference", "citation")]
            left_out += len(entries) - len(kept)
            entries = kept
        entries += bib_entries
    return trace(entries, survey, texts), left_out


def _reset_work(work: Path, marker: dict) -> bool:
    """Keep the work folder's aux files when the last latexmk there ended normally, in this
    project folder, with this command; else wipe it. Then mark it untrusted until latexmk ends."""
    old = _load_state(work / WORK_FILE)
    keep = old is not None and old.get("root") == marker["root"] and old.get("command") == marker["command"]
    if not keep and work.exists():
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    (work / WORK_FILE).unlink(missing_ok=True)
    return keep


def build_pdf(root: Path, survey: Survey, lock_wait: float | None = None) -> PaperResult:
    """Compile the survey's paper unless no input changed since the last successful build."""
    root = Path(root)
    main_tex = root / survey.settings.paper
    shown = survey.settings.paper
    result = PaperResult()
    refused = engine_problem(survey.settings)
    if refused is not None:
        result.problems.append(refused)
        return result
    if not main_tex.is_file():
        result.problems.append(Problem(Source(shown), "the paper's main file is missing",
                                       hint="set 'paper' in surveybuild.yaml"))
        return result
    out_dir = main_tex.parent / BUILD_DIR
    try:
        with paper_lock(out_dir, lock_wait) as (lock_fd, waited):
            if waited >= 1:
                result.info.append(f"waited {waited:.0f} s for another 'surveybuild paper' of this paper to end")
            _build_locked(root, survey, main_tex, result, lock_fd)
    except LockBusy as busy:
        result.problems.append(Problem(
            Source(_rel(root, out_dir / LOCK_FILE)),
            f"another 'surveybuild paper' has been building this paper for over {busy.args[0]:g} s",
            hint="wait for it to end, or stop it; the lock is released when it ends"))
    except OSError as exc:
        result.problems.append(Problem(Source(_rel(root, out_dir)),
                                       f"cannot use the build folder: {exc.strerror or exc}",
                                       hint="check that the paper's folder is writable"))
    return result


def _build_locked(root: Path, survey: Survey, main_tex: Path, result: PaperResult, lock_fd: int) -> None:
    shown = survey.settings.paper
    drawn = draw(root, survey, tex_env([main_tex.parent, root]))  # figures whose picture changed (else no TeX)
    if drawn.drawn:
        result.info.append(f"drew figure(s) {', '.join(drawn.drawn)} with pgfplots into "
                           f"{_rel(root, main_tex.parent / DRAWINGS)}")
    if drawn.problems:
        result.problems += drawn.problems
        return
    inputs = find_inputs(main_tex, root, (root,))
    if inputs.problems:
        result.problems += inputs.problems
        return
    out_dir = main_tex.parent / BUILD_DIR
    work = out_dir / WORK_DIR
    pdf = out_dir / (main_tex.stem + ".pdf")
    state_path = out_dir / STATE_FILE
    engine = survey.settings.engine
    state = input_state(root, main_tex, inputs, engine)
    record = _load_state(state_path)
    changed = _changed(record, state)
    if not changed and not _pdf_matches(pdf, record):
        changed = [f"{_rel(root, pdf)} is missing, incomplete or changed since the build"]
    if not changed:
        result.pdf = pdf
        result.problems += [p for p in _unsaid(record.get("problems")) if p.severity != "error"]
        result.info.append(f"{_rel(root, pdf)} is up to date: no input changed since the last build, TeX not run")
        return
    if shutil.which("latexmk") is None:
        result.problems.append(Problem(Source(shown), "latexmk not found", hint=INSTALL_HINT))
        return
    if inputs.biblatex and shutil.which("biber") is None:
        result.problems.append(Problem(Source(shown), "biber not found: the paper cites with biblatex "
                                       "(\\addbibresource), whose bibliography biber makes", hint="install biber "
                                       "(apt-get install biber), or cite with natbib and \\bibliography{refs}"))
        return
    for leftover in out_dir.glob(".*.tmp"):  # a killed run's temporary files (we hold the lock: none is live)
        leftover.unlink(missing_ok=True)
    marker = {"root": state["root"], "command": state["command"]}
    kept = _reset_work(work, marker)
    result.info.append(f"running latexmk on {shown} (changed: {', '.join(changed[:5])}"
                       f"{', ...' if len(changed) > 5 else ''}){'' if kept else '; a fresh work folder'}")
    proc = run_latexmk(main_tex, (root,), keep_fds=(lock_fd,), engine=engine)
    for _ in range(SETTLE_RUNS):  # latexmk missed a change TeX asks a rerun for: TeX runs again (-g)
        if proc.returncode != 0 or not asks_rerun(work / (main_tex.stem + ".log")):
            break
        result.info.append("TeX asked for another run that latexmk did not make (an auxiliary file changed "
                           "within the second it was read): running it")
        proc = run_latexmk(main_tex, (root,), keep_fds=(lock_fd,), engine=engine)
    result.ran = True
    if getattr(proc, "timed_out", False):
        result.problems.append(Problem(Source(shown), f"TeX ran longer than {LATEXMK_TIMEOUT:.0f} s and was stopped",
                                       hint="look for a macro that calls itself, such as \\def\\x{\\x}\\x, or "
                                       "a loop whose end never comes"))
    if proc.returncode >= 0:  # latexmk ended by itself: its files in the work folder are whole
        (work / WORK_FILE).write_text(json.dumps(marker, indent=1) + "\n", "utf-8")
    problems, left_out = log_problems(root, survey, main_tex, inputs, work / (main_tex.stem + ".log"))
    result.problems += problems
    if left_out:
        result.info.append(f"the run stopped at the error above (TeX's or BibTeX's): {left_out} other complaint(s) "
                           "of that unfinished run (undefined references and citations, boxes) were left out as its "
                           "likely consequences")
    failed = any(p.severity == "error" for p in result.problems)
    if proc.returncode != 0 and not failed:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        result.problems.append(Problem(Source(shown), f"latexmk failed (exit {proc.returncode}): {tail}"))
        failed = True
    try:
        data = b"" if failed else (work / pdf.name).read_bytes()
    except OSError:
        data = b""
    if not failed and not complete_pdf(data):
        result.problems.append(Problem(Source(_rel(root, work / pdf.name)),
                                       "latexmk reported success but left no complete PDF"))
        failed = True
    if failed:
        kept_pdf = "it is still the last good build" if pdf.exists() else "there is none yet"
        result.info.append(f"{_rel(root, pdf)} was not replaced ({kept_pdf}); TeX's log: "
                           f"{_rel(root, work / (main_tex.stem + '.log'))}")
        return
    for suffix in (".log", ".bbl", ".blg"):  # the log of this PDF, its .bbl (and biber's .blg) for the arXiv bundle
        companion = work / (main_tex.stem + suffix)
        if companion.is_file():
            replace_bytes(out_dir / companion.name, companion.read_bytes())
    replace_bytes(pdf, data)
    result.pdf = pdf
    if input_state(root, main_tex, inputs, engine) != state:
        result.info.append("an input changed while TeX ran: the next 'surveybuild paper' compiles again")
        return
    write_atomic(state_path, json.dumps(dict(state, pdf=pdf_identity(data), problems=_said(result.problems)),
                                        indent=1) + "\n")
