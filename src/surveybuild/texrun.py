"""Run latexmk on the paper (shell escape off) and read what the log complains about."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .model import Problem, Source

INSTALL_HINT = ("install TeX Live: apt-get install latexmk texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended texlive-bibtex-extra")
BUILD_DIR = "build"

_LOG_PATTERNS = [
    (re.compile(r"Citation [`']([^']*)' on page \S+ undefined(?: on input line (\d+))?"), "undefined citation '{0}'"),
    (re.compile(r"Reference [`']([^']*)' on page \S+ undefined(?: on input line (\d+))?"), "undefined reference '{0}'"),
    (re.compile(r"Label [`']([^']*)' multiply defined"), "label '{0}' is multiply defined"),
    (re.compile(r"! LaTeX Error: File [`']([^']*)' not found"), "file '{0}' not found"),
    (re.compile(r"^(?:\./)?[^:\s]+\.tex:\d+: (.*)"), "LaTeX error: {0}"),
    (re.compile(r"^! (.*)"), "LaTeX error: {0}"),
]


def read_log(log: str, tex_name: str) -> list[Problem]:
    """Problems from a LaTeX log (each once)."""
    problems: list[Problem] = []
    seen = set()
    for line in log.splitlines():
        for pattern, message in _LOG_PATTERNS:
            m = pattern.search(line)
            if m:
                text = message.format(m.group(1).strip())
                lineno = int(m.group(2)) if m.lastindex and m.lastindex >= 2 and m.group(2) else 0
                where = re.match(r"^(?:\./)?([^:\s]+\.tex):(\d+): ", line)
                source = Source(where.group(1), int(where.group(2))) if where else Source(tex_name, lineno)
                if text not in seen:
                    seen.add(text)
                    problems.append(Problem(source, text))
                break
    return problems


def run_latexmk(main_tex: Path, bib_dirs: tuple[Path, ...] = ()) -> tuple[Path | None, list[Problem]]:
    """Compile ``main_tex`` into ``<its folder>/build``; the PDF's path, or the problems.

    BibTeX runs in the build folder, so the folders holding ``.bib`` files are
    put on its search path (``BIBINPUTS``); ``\\bibliography{refs}`` then finds
    the survey's refs.bib.
    """
    shown = main_tex.name
    if shutil.which("latexmk") is None:
        return None, [Problem(Source(shown), "latexmk not found", hint=INSTALL_HINT)]
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
           "-file-line-error", f"-outdir={BUILD_DIR}", main_tex.name]
    env = dict(os.environ)
    search = [str(main_tex.parent.resolve())] + [str(d.resolve()) for d in bib_dirs]
    env["BIBINPUTS"] = os.pathsep.join(search) + os.pathsep  # the trailing separator keeps TeX's defaults
    env["openout_any"] = "p"  # TeX may write only below the current folder
    proc = subprocess.run(cmd, cwd=main_tex.parent, capture_output=True, text=True, errors="replace", env=env)
    log_path = main_tex.parent / BUILD_DIR / (main_tex.stem + ".log")
    log = log_path.read_text("utf-8", errors="replace") if log_path.exists() else proc.stdout
    problems = read_log(log, str(main_tex))
    if proc.returncode != 0 and not problems:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
        problems.append(Problem(Source(shown), f"latexmk failed (exit {proc.returncode}): {tail}"))
    pdf = main_tex.parent / BUILD_DIR / (main_tex.stem + ".pdf")
    return (pdf if pdf.exists() and proc.returncode == 0 else None), problems
