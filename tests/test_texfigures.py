"""Each figure's picture drawn once into its own PDF (build/texfigures.py): in the paper's fonts, cached by
what makes it, reproducible, and a picture TeX cannot draw reported at its file. Four short TeX runs."""

from __future__ import annotations

import subprocess

import pytest

from conftest import edit, require_tool
from test_figures import make_survey
from surveybuild.build import pipeline as build
from surveybuild.build import texfigures
from surveybuild.build.texrun import tex_env
from surveybuild.readers.read import read_survey

MAIN = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\input{tables/preamble}
\begin{document}
\input{figures/timeline}
\end{document}
"""


def _draw(root):
    return texfigures.draw(root, read_survey(root), tex_env([root / "paper", root]))


def _fonts(pdf) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def test_a_picture_is_drawn_once_in_the_papers_fonts_and_again_when_they_change(tmp_path, monkeypatch):
    require_tool("pdflatex")
    require_tool("pdffonts")
    root = make_survey(tmp_path)
    (root / "paper" / "main.tex").write_text(MAIN, "utf-8")
    assert build.build(root).ok
    pdf = root / "paper" / "build" / "figures" / "timeline.pdf"
    assert _draw(root).drawn == ["timeline"]
    first = pdf.read_bytes()
    assert first.startswith(b"%PDF-") and "LMRoman8-Regular" in _fonts(pdf)  # \scriptsize of an 11 pt paper
    pdf.unlink()
    assert _draw(root).drawn == ["timeline"] and pdf.read_bytes() == first  # the same picture, the same bytes
    with monkeypatch.context() as m:  # nothing changed: no TeX
        m.setattr(texfigures.subprocess, "run", lambda *a, **k: pytest.fail("TeX ran for an up-to-date drawing"))
        assert _draw(root).drawn == []
    edit(root / "paper" / "main.tex", "[11pt]", "[10pt]")  # the paper's font size: drawn again, in its fonts
    assert _draw(root).drawn == ["timeline"]
    assert "LMRoman7-Regular" in _fonts(pdf) and "LMRoman8" not in _fonts(pdf)


def test_a_picture_tex_cannot_draw_is_reported_at_its_file_and_nothing_is_replaced(tmp_path):
    require_tool("pdflatex")
    root = make_survey(tmp_path)
    (root / "paper" / "main.tex").write_text(MAIN, "utf-8")
    assert build.build(root).ok
    edit(root / "paper" / "figures" / "timeline.pgf", "\\end{axis}", "\\nosuchmacro\\end{axis}")
    done = _draw(root)
    assert done.drawn == [] and [p.source.path for p in done.problems] == ["paper/figures/timeline.pgf"]
    assert "figure 'timeline' could not be drawn: Undefined control sequence" in done.problems[0].message
    assert not (root / "paper" / "build" / "figures" / "timeline.pdf").exists()
