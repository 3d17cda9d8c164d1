"""`surveybuild arxiv` (invoke arxiv): a bundle that compiles alone with pdflatex, as arXiv does.

The repository's own survey is bundled once; the bundle is unpacked into an empty
folder and compiled with pdflatex alone (no BibTeX, no .bib), then compared with
the PDF of the normal build. Its HTML side is checked with LaTeXML when installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import require_tool
from surveybuild import cli
from surveybuild.build.arxiv import strip_comments, tarball
from surveybuild.readers.texinputs import find_inputs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text, expected", [
    pytest.param("a % note\nb\n", "a %\nb\n", id="trailing_comment_keeps_percent"),
    pytest.param("a\n% whole line\nb\n", "a\nb\n", id="comment_line_goes"),
    pytest.param("a\n  % indented\nb", "a\nb", id="indented_comment_line_goes"),
    pytest.param("50\\% sure % yes\n", "50\\% sure %\n", id="escaped_percent_stays"),
    pytest.param("\\url{http://x/a%20b} % c\n", "\\url{http://x/a%20b} %\n", id="url"),
    pytest.param("\\href{http://x/%41}{t} % c\n", "\\href{http://x/%41}{t} %\n", id="href"),
    pytest.param("\\verb|a%b| % c\n", "\\verb|a%b| %\n", id="verb"),
    pytest.param("\\begin{verbatim}\nx % kept\n\\end{verbatim}\n% gone\n",
                 "\\begin{verbatim}\nx % kept\n\\end{verbatim}\n", id="verbatim"),
    pytest.param("\\begin{lstlisting}\ny % kept\n\\end{lstlisting}\n", "\\begin{lstlisting}\ny % kept\n\\end{lstlisting}\n",
                 id="lstlisting"),
])
def test_strip_comments(text, expected):
    assert strip_comments(text) == expected


def test_find_inputs_follows_the_walker_not_comments(tmp_path):
    (tmp_path / "fig").mkdir()
    (tmp_path / "tables").mkdir()
    for name in ("fig/plot.png", "tables/t.tex", "ch1.tex", "mine.sty", "other.sty", "my.bst", "refs.bib"):
        (tmp_path / name).write_text("", "utf-8")
    (tmp_path / "mine.sty").write_text("\\RequirePackage{other}\n", "utf-8")
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\\usepackage{mine,amsmath}\n% \\input{commented}\n\\graphicspath{{fig/}}\n"
        "\\begin{document}\\input{tables/t}\\include{ch1}\\includegraphics[width=1cm]{plot}\n"
        "\\begin{verbatim}\\input{verbatim}\\end{verbatim}\\bibliographystyle{my}\\bibliography{refs}\\end{document}\n",
        "utf-8")
    found = find_inputs(tmp_path / "main.tex")
    assert found.tex == ("main.tex", "tables/t.tex", "ch1.tex")
    assert found.graphics == ("fig/plot.png",)
    assert found.styles == ("mine.sty", "other.sty", "my.bst")
    assert found.bib_names == ("refs",) and not found.problems
    (tmp_path / "main.tex").write_text("\\begin{document}\n\\input{tables/gone}\n\\end{document}\n", "utf-8")
    problem, = find_inputs(tmp_path / "main.tex").problems
    assert str(problem).startswith("main.tex:2:1: error: \\input{tables/gone}: file 'tables/gone.tex' not found")


def test_tarball_is_reproducible():
    members = {"main.tex": b"x", "tables/a.tex": b"y"}
    assert tarball(members) == tarball(dict(reversed(members.items())))


# -- the real bundle -----------------------------------------------------------------

def compile_alone(folder: Path) -> str:
    """pdflatex only, run until the labels settle (as arXiv's AutoTeX does); the last log."""
    log = ""
    for _ in range(5):
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "main.tex"],
                       cwd=folder, capture_output=True, check=True)
        log = (folder / "main.log").read_text("utf-8", errors="replace")
        if not re.search(r"Warning:.*Rerun", log):  # labels, longtable widths, outlines
            break
    return log


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    require_tool("latexmk")
    require_tool("pdftotext")
    work = tmp_path_factory.mktemp("clone") / "survey"
    work.mkdir()
    for name in ("tables", "figures", "paper", "templates", "refs.bib", "schema", "surveybuild.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    shutil.rmtree(work / "paper" / "build", ignore_errors=True)
    assert cli.main(["-C", str(work), "arxiv"]) == 0
    tar = work / "dist" / "survey-arxiv.tar.gz"
    unpacked = tmp_path_factory.mktemp("arxiv")
    with tarfile.open(tar) as t:
        t.extractall(unpacked, filter="data")
    return work, tar, unpacked


def test_bundle_holds_exactly_what_the_paper_needs(bundle):
    work, tar, _ = bundle
    with tarfile.open(tar) as t:
        names = set(t.getnames())
    tables = {f"tables/{p.stem}.tex" for p in (work / "tables").glob("*.yaml")}
    # each figure: its float, and its picture as drawn (the bundle needs no pgfplots, nor the picture's code)
    figures = {f"{d}/{p.stem}.{x}" for p in (work / "figures").glob("*.yaml") for d, x in (("figures", "tex"),
                                                                                           ("build/figures", "pdf"))}
    assert names == {"main.tex", "main.bbl", "tables/_surveybuild.tex", "tables/preamble.tex"} | tables | figures
    main = tarfile.open(tar).extractfile("main.tex").read().decode()
    assert "\\input{tables/models}" in main and not re.search(r"(?m)^\s*%", main)


def test_bundle_compiles_alone_to_the_same_tables_and_references(bundle):
    require_tool("pdflatex")
    work, _, unpacked = bundle
    assert not list(unpacked.glob("*.bib"))
    log = compile_alone(unpacked)
    assert not re.search(r"(Citation|Reference) `[^']*' on page \S+ undefined", log)
    alone = pdf_text(unpacked / "main.pdf")
    assert "??" not in alone
    # the same text in the same order; line breaks may differ (longtable widths settle over runs)
    assert "".join(alone.split()) == "".join(pdf_text(work / "paper" / "build" / "main.pdf").split())


def test_latexml_html_view_of_the_tables(bundle, tmp_path):
    """arXiv's HTML view: no threeparttablex there, so the tables must degrade without errors."""
    require_tool("latexmlc")
    _, _, unpacked = bundle
    for name in ("main.tex", "main.bbl"):
        shutil.copy(unpacked / name, tmp_path / name)
    shutil.copytree(unpacked / "tables", tmp_path / "tables")
    main = (tmp_path / "main.tex").read_text("utf-8")
    keep = ("preamble", "datasets", "models")  # a long table and a float table, both with notes: enough, and faster
    main = re.sub(r"\\input\{tables/(\w+)\}", lambda m: m.group(0) if m.group(1) in keep else "", main)
    # pgfplots figures: not what this test is about, and LaTeXML takes minutes to read pgfplots itself
    main = re.sub(r"\\input\{figures/[\w-]+\}|\\usepackage\{pgfplots\}|\\pgfplotsset\{[^}]*\}", "", main)
    (tmp_path / "main.tex").write_text(main, "utf-8")
    proc = subprocess.run(["latexmlc", "--dest=html/main.html", "main.tex"], cwd=tmp_path, capture_output=True,
                          text=True, errors="replace")
    out = proc.stdout + proc.stderr
    assert "Conversion complete" in out, out[-2000:]
    assert not re.findall(r"(?m)^Error:.*", out), re.findall(r"(?m)^Error:.*", out)
    assert "undefined macros" not in out
    html = (tmp_path / "html" / "main.html").read_text("utf-8")
    assert "tnotex" not in html and "insertTableNotes" not in html
    first_row = html.index("UnifiedQA")
    first_note = html.index("https://github.com/allenai/unifiedqa")
    assert first_row < first_note  # the long table's notes come as a list under it
