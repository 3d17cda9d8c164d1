"""Every generated table compiles with pdflatex: the test fixtures' tables in one document, the repository's
own survey in another (two latexmk runs in all).

A document is the first survey's paper preamble, then every table of the
surveys' ``paper/tables/`` and the bibliography; it also prints the escaped
LaTeX specials so that the real TeX confirms :func:`surveybuild.renderers.latex.escape`.
The log must hold no undefined citation or reference and no multiply defined
label; pdftotext must find every row name, every table note and every URL note.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SURVEYS, copy_survey, require_tool
from surveybuild.build import pipeline as build
from surveybuild.texlang import latextext
from surveybuild.renderers.latex import PREAMBLE_ID, TABLE_PACKAGES, escape
from surveybuild.model import Survey
from surveybuild.readers.read import read_survey

pytestmark = pytest.mark.tex

DEFAULT_PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
""" + TABLE_PACKAGES + r"""\usepackage[numbers]{natbib}
\usepackage{url}
\usepackage{hyperref}
"""

#: Printed through escape(): the ten LaTeX specials and accented letters.
ESCAPE_SAMPLE = "ESCSTART & % $ # _ { } ~ ^ \\ TÜLU café naïve Łódź ESCEND"

#: One document for the test fixtures together, one for the repository's own survey.
DOCUMENTS = {"fixtures": [n for n in SURVEYS if n != "root"], **({"root": ["root"]} if "root" in SURVEYS else {})}


@dataclass
class Compiled:
    name: str
    surveys: dict[str, Survey]
    log: str
    text: str  # pdftotext of the PDF


def squash(text: str) -> str:
    """Text without spaces, line breaks and hyphen variants, for containment across line breaks."""
    text = unicodedata.normalize("NFKC", text).replace("\N{NO-BREAK SPACE}", " ")
    text = re.sub(r"[‐‑‒–—-]", "-", text)
    return re.sub(r"[\s-]+", "", text)


def preamble_and_style(main: Path) -> tuple[str, str]:
    if not main.is_file():
        return DEFAULT_PREAMBLE, "plainnat"
    source = main.read_text("utf-8")
    found = re.search(r"\\bibliographystyle\{([^}]*)\}", source)
    preamble = source.split("\\begin{document}")[0].replace("\\input{tables/_surveybuild}", "")  # the paper's own setup
    return preamble, (found.group(1) if found else "plainnat")


def tex_errors(log: str) -> list[str]:
    return re.findall(r"^(?:! |\S+\.tex:\d+: ).*", log, re.M)


@pytest.fixture(scope="module", params=[pytest.param(d, id=d) for d in DOCUMENTS])
def compiled(request, tmp_path_factory) -> Compiled:
    require_tool("latexmk")
    require_tool("pdflatex")
    require_tool("pdftotext")
    work = tmp_path_factory.mktemp(f"tex-{request.param}")
    doc = work / "doc"
    (doc / "tables").mkdir(parents=True)
    surveys, inputs, bibs = {}, [], []
    for name in DOCUMENTS[request.param]:
        root = copy_survey(SURVEYS[name], work / name, generated=False)
        report = build.build(root)
        assert report.ok, "\n".join(map(str, report.problems))
        surveys[name] = read_survey(root)
        shutil.copytree(root / "paper" / "tables", doc / "tables" / name)
        inputs += [f"tables/{name}/{p.stem}" for p in sorted((root / "paper" / "tables").glob("*.tex"))
                   if not p.name.startswith("_") and p.stem != PREAMBLE_ID]  # the paper's setup and preamble: not tables
        shutil.copy(root / "refs.bib", doc / f"{name}-refs.bib")
        bibs.append(f"{name}-refs")
    first = work / DOCUMENTS[request.param][0] / "paper"
    preamble, style = preamble_and_style(first / "main.tex")
    # what every survey's tables use (tables/<name>/preamble.tex), where the paper reads its own, else first
    uses = "".join(f"\\input{{tables/{name}/{PREAMBLE_ID}}}\n" for name in DOCUMENTS[request.param])
    head, cls, rest = preamble.partition("\n")
    preamble = (preamble.replace(f"\\input{{tables/{PREAMBLE_ID}}}\n", uses) if f"{{tables/{PREAMBLE_ID}}}" in preamble
                else head + cls + uses + rest)
    body = [f"\\noindent {escape(ESCAPE_SAMPLE)}\\par\\clearpage"] + [f"\\input{{{i}}}\n\\clearpage" for i in inputs]
    (doc / "alltables.tex").write_text(
        preamble + "\\begin{document}\n" + "\n".join(body)
        + f"\n\\bibliographystyle{{{style}}}\n\\bibliography{{{','.join(bibs)}}}\n\\end{{document}}\n", "utf-8")
    env = dict(os.environ, TEXINPUTS=str(first) + os.pathsep)  # for anything the paper's preamble loads
    proc = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-file-line-error", "-no-shell-escape",
                           "-outdir=build", "alltables.tex"], cwd=doc, env=env, capture_output=True,
                          text=True, errors="replace", timeout=300)
    log_path, pdf = doc / "build" / "alltables.log", doc / "build" / "alltables.pdf"
    log = log_path.read_text("utf-8", errors="replace") if log_path.exists() else ""
    assert proc.returncode == 0 and pdf.exists(), (
        f"latexmk failed ({proc.returncode}):\n" + "\n".join(tex_errors(log)) + "\n" + proc.stdout[-3000:])
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return Compiled(request.param, surveys, log, text)


def test_no_tex_errors(compiled):
    assert "Output written on" in compiled.log
    assert tex_errors(compiled.log) == []


def test_no_undefined_citation_or_reference(compiled):
    undefined = re.findall(r"(?:Citation|Reference) [`'][^']*' on page \S+ undefined[^\n]*", compiled.log)
    assert not undefined, undefined
    assert "There were undefined references" not in compiled.log
    assert "There were undefined citations" not in compiled.log
    assert "[?]" not in compiled.text and "??" not in compiled.text


def test_no_multiply_defined_label(compiled):
    assert "multiply defined" not in compiled.log
    assert "multiply-defined" not in compiled.log


def test_overfull_boxes_are_reported(compiled):
    overfull = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\) in (?:alignment|paragraph) at lines \d+--\d+",
                          compiled.log)
    assert "Output written on" in compiled.log  # the log is the compile's
    if overfull:
        warnings.warn(f"{compiled.name}: {len(overfull)} overfull box(es) in the tables (pt too wide: {overfull})",
                      stacklevel=1)
    if compiled.name == "fixtures":
        assert overfull == []


def row_names(survey: Survey) -> list[tuple[str, str]]:
    names = []
    for table in survey.tables:
        first = table.columns[0]
        for row in table.rows:
            raw = str(row.line.get(first.key).raw)
            names.append((table.id, latextext.plain_text(latextext.to_pieces(raw)) if first.type == "latex" else raw))
    return names


def test_every_row_name_is_in_the_pdf(compiled):
    text = squash(compiled.text)
    for name, survey in compiled.surveys.items():
        names = row_names(survey)
        if name == "mini":
            assert {n for _, n in names} == {"Alpaca", "TÜLU", "Claude", "LAMM", "Dolly", "50% & R_2 #1 $x$"}
        if name == "edge":
            assert {n for _, n in names} >= {"Pipe", "Äöß & Co", "Linked name", "Second: with colon"}
        missing = [(t, n) for t, n in names if squash(n) not in text]
        assert not missing, (name, missing)


def test_every_note_is_in_the_pdf(compiled):
    text = squash(compiled.text)
    for name, survey in compiled.surveys.items():
        notes = [(t.id, n.id, latextext.plain_text(latextext.to_pieces(n.text))) for t in survey.tables for n in t.notes]
        if name == "mini":
            assert notes == [("models", "tokens", "Size counted in tokens.")]
        # each text piece of a note (its citations are numbered differently in the PDF)
        missing = [(t.id, n.id, piece.text) for t in survey.tables for n in t.notes
                   for piece in latextext.to_pieces(n.text)
                   if isinstance(piece, (latextext.Text, latextext.Link)) and piece.text.strip()
                   and squash(piece.text) not in text]
        assert not missing, (name, missing)


def test_every_paper_url_note_is_in_the_pdf(compiled):
    text = squash(compiled.text)
    for name, survey in compiled.surveys.items():
        urls = [str(row.value(c.key).raw) for t in survey.tables for c in t.columns
                if c.type == "url" and c.show in ("both", "paper") for row in t.rows
                if row.value(c.key) is not None and row.value(c.key).raw]
        if name == "mini":
            assert len(urls) == 2
        missing = [u for u in urls if squash(u) not in text]
        assert not missing, (name, missing)


def test_text_cells_print_as_written(compiled):
    text = squash(compiled.text)
    cells = [str(v.raw) for s in compiled.surveys.values() for t in s.tables for c in t.columns
             if c.type == "text" and c.in_paper for r in t.rows for v in [r.value(c.key)] if v and v.raw]
    assert cells
    missing = [c for c in cells if squash(c) not in text]
    assert not missing, missing


def test_escaped_specials_print_as_written(compiled):
    found = re.search(r"ESCSTART(.*?)ESCEND", compiled.text, re.S)
    assert found, compiled.text[:300]
    assert squash(found.group(1)) == squash(ESCAPE_SAMPLE.removeprefix("ESCSTART").removesuffix("ESCEND"))
