"""Compile the paper with latexmk (shell escape off) when an input changed, and report what the log says.

Incremental: after a successful build the content hash of every input of the
paper (the main .tex and what it reads, the generated tables, the .bib files,
local styles and figures) is kept in ``<paper folder>/build/surveybuild-inputs.json``.
When nothing changed since, TeX is not started at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .model import Problem, Source, Survey
from .texinputs import Inputs, find_inputs
from .texlog import read_blg, read_log
from .textrace import trace

INSTALL_HINT = ("install TeX Live: apt-get install latexmk texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended texlive-bibtex-extra")
BUILD_DIR = "build"
STATE_FILE = "surveybuild-inputs.json"


def latexmk_command(main_name: str) -> list[str]:
    return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
            "-file-line-error", f"-outdir={BUILD_DIR}", main_name]


def tex_env(search: list[Path]) -> dict[str, str]:
    """The environment for TeX and BibTeX: .bib search path, unwrapped log lines, no writes outside."""
    env = dict(os.environ)
    # the trailing separator keeps TeX's defaults; BibTeX runs in the build folder
    env["BIBINPUTS"] = os.pathsep.join(str(d.resolve()) for d in search) + os.pathsep
    env["openout_any"] = "p"  # TeX may write only below the current folder
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


def input_state(root: Path, main_tex: Path, inputs: Inputs) -> dict:
    """The content hash of every input, by path relative to the survey folder."""
    files: dict[str, str] = {}
    for rel in inputs.files:
        path = main_tex.parent / rel
        files[_rel(root, path)] = _sha256(path)
    for bib in inputs.bibs:
        files[_rel(root, bib)] = _sha256(bib)
    return {"command": latexmk_command(main_tex.name), "files": dict(sorted(files.items()))}


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _changed(old: dict | None, new: dict) -> list[str]:
    if not old or old.get("command") != new["command"]:
        return ["no earlier successful build"] if not old else ["the latexmk command"]
    before, after = old.get("files", {}), new["files"]
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _load_state(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def run_latexmk(main_tex: Path, bib_dirs: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    """latexmk on ``main_tex`` in its folder, output in ``build/``."""
    env = tex_env([main_tex.parent, *bib_dirs])
    return subprocess.run(latexmk_command(main_tex.name), cwd=main_tex.parent, capture_output=True, text=True,
                          errors="replace", env=env)


def log_problems(root: Path, survey: Survey, main_tex: Path, inputs: Inputs) -> list[Problem]:
    """The problems in the last build's log, traced back to the YAML and .tex files."""
    log_path = main_tex.parent / BUILD_DIR / (main_tex.stem + ".log")
    if not log_path.exists():
        return []
    log = log_path.read_text("utf-8", errors="replace")
    texts = {}
    for rel in inputs.tex:
        try:
            texts[_rel(root, main_tex.parent / rel)] = (main_tex.parent / rel).read_text("utf-8", errors="replace")
        except OSError:
            pass
    entries = read_log(log)
    blg_path = log_path.with_suffix(".blg")  # BibTeX's own warnings, traced to the entries they name
    if blg_path.exists():
        entries += read_blg(blg_path.read_text("utf-8", errors="replace"))
    return trace(entries, survey, texts)


def build_pdf(root: Path, survey: Survey) -> PaperResult:
    """Compile the survey's paper unless no input changed since the last successful build."""
    root = Path(root)
    main_tex = root / survey.settings.paper
    shown = survey.settings.paper
    result = PaperResult()
    if not main_tex.is_file():
        result.problems.append(Problem(Source(shown), "the paper's main file is missing",
                                       hint="set 'paper' in surveybuild.yaml"))
        return result
    inputs = find_inputs(main_tex, root, (root,))
    if inputs.problems:
        result.problems += inputs.problems
        return result
    out_dir = main_tex.parent / BUILD_DIR
    pdf = out_dir / (main_tex.stem + ".pdf")
    state_path = out_dir / STATE_FILE
    state = input_state(root, main_tex, inputs)
    changed = _changed(_load_state(state_path), state)
    if not changed and pdf.exists():
        result.pdf = pdf
        result.problems += [p for p in log_problems(root, survey, main_tex, inputs) if p.severity != "error"]
        result.info.append(f"{_rel(root, pdf)} is up to date: no input changed since the last build, TeX not run")
        return result
    if shutil.which("latexmk") is None:
        result.problems.append(Problem(Source(shown), "latexmk not found", hint=INSTALL_HINT))
        return result
    state_path.unlink(missing_ok=True)
    result.info.append(f"running latexmk on {shown} (changed: {', '.join(changed[:5])}"
                       f"{', ...' if len(changed) > 5 else ''})")
    proc = run_latexmk(main_tex, (root,))
    result.ran = True
    result.problems += log_problems(root, survey, main_tex, inputs)
    if proc.returncode != 0 and not any(p.severity == "error" for p in result.problems):
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        result.problems.append(Problem(Source(shown), f"latexmk failed (exit {proc.returncode}): {tail}"))
    if proc.returncode == 0 and pdf.exists() and not any(p.severity == "error" for p in result.problems):
        result.pdf = pdf
        from .build import write_atomic

        write_atomic(state_path, json.dumps(state, indent=1) + "\n")
    return result
