"""biblatex + biber as a first-class choice (issue 13).

Before: a biblatex survey's ``\\addbibresource`` was not read, ``\\nocite{*}`` was a missing key, and a
failing or missing biber showed as undefined citations, none mentioning biber. Now: the scanners know
biblatex's commands, latexmk runs biber, biber's own log is read, and ``surveybuild init --biblatex``
makes a survey whose arXiv bundle compiles alone from the shipped ``.bbl``.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path

from conftest import require_tool
from surveybuild.build import arxiv, texrun
from surveybuild import cli
from surveybuild.build import pipeline as build
from surveybuild.model import Source
from surveybuild.readers.read import read_survey
from surveybuild.readers.texinputs import find_inputs
from surveybuild.build.texlog import read_biber_blg as read_blg
from surveybuild.readers.texread import read_cites
from surveybuild.build.textrace import trace


def test_cite_scanner_reads_biblatex_commands():
    text = ("As \\textcite{a} show, \\parencite[p.~3]{b} and \\autocite{c,d}; \\Textcite{e}.\n"
            "% \\parencite{commented}\n\\nocite{*}\n\\printbibliography\n")
    cites, problems = read_cites(text, "paper/main.tex")
    assert problems == []
    assert [(c.key, c.command, c.source.line) for c in cites] == [
        ("a", "textcite", 1), ("b", "parencite", 1), ("c", "autocite", 1), ("d", "autocite", 1),
        ("e", "Textcite", 1), ("*", "nocite", 3)]


def test_addbibresource_is_an_input_and_nocite_star_uses_every_entry(tmp_path):
    root = tmp_path / "s"
    cli.main(["init", "--biblatex", str(root)])
    inputs = find_inputs(root / "paper" / "main.tex", root, (root,))
    assert inputs.biblatex and [p.name for p in inputs.bibs] == ["refs.bib"] and inputs.problems == ()
    main = root / "paper" / "main.tex"
    main.write_text(main.read_text("utf-8").replace("\\addbibresource{refs.bib}", "\\addbibresource{nosuch.bib}"),
                    "utf-8")
    missing = find_inputs(main, root, (root,)).problems
    assert [p.message for p in missing] == ["\\addbibresource{nosuch.bib}: 'nosuch.bib' not found"]
    main.write_text(main.read_text("utf-8").replace("nosuch.bib", "refs.bib").replace(
        "\\printbibliography", "\\nocite{*}\n\\printbibliography"), "utf-8")
    (root / "refs.bib").write_text((root / "refs.bib").read_text("utf-8")
                                   + "\n@misc{extra, title={Extra}, author={X, Y}, year={2024}}\n", "utf-8")
    report = build.check(root)
    assert not [p for p in report.problems if "'*'" in p.message or "never cited" in p.message], report.problems


BLG = """[0] Config.pm:306> INFO - This is Biber 2.18
[120] Utils.pm:411> WARN - Duplicate entry key: 'x' in file 'refs.bib', skipping ...
[121] Utils.pm:395> ERROR - BibTeX subsystem: refs.bib_1.utf8, line 4, syntax error: found "}", expected end of entry
[121] Biber.pm:135> INFO - WARNINGS: 1
"""


def test_biber_log_problems_are_reported_as_biber_s(tmp_path):
    entries = read_blg(BLG)
    assert [(e.name, e.text) for e in entries] == [
        ("WARN", "Duplicate entry key: 'x' in file 'refs.bib', skipping ..."),
        ("ERROR", 'BibTeX subsystem: refs.bib_1.utf8, line 4, syntax error: found "}", expected end of entry')]
    root = tmp_path / "s"
    cli.main(["init", "--biblatex", str(root)])
    problems = trace(entries, read_survey(root), {})
    assert [(str(p.source), p.severity, p.message) for p in problems] == [
        ("paper/main.tex", "warning", "biber: Duplicate entry key: 'x' in file 'refs.bib', skipping ..."),
        ("paper/main.tex", "error", 'biber: BibTeX subsystem: refs.bib_1.utf8, line 4, syntax error: found "}", '
                                    "expected end of entry")]
    assert "addbibresource" in problems[1].hint


def test_missing_biber_is_named(tmp_path, monkeypatch):
    root = tmp_path / "s"
    cli.main(["init", "--biblatex", str(root)])
    real = texrun.shutil.which
    monkeypatch.setattr(texrun.shutil, "which", lambda name: None if name == "biber" else real(name))
    result = texrun.build_pdf(root, read_survey(root))
    assert not result.ran
    assert [(p.source, p.message.split(":")[0]) for p in result.problems] == [
        (Source("paper/main.tex"), "biber not found")]


def test_biblatex_scaffold_builds_and_its_arxiv_bundle_compiles_alone(tmp_path):
    require_tool("latexmk")
    require_tool("biber")
    require_tool("pdftotext")
    root = tmp_path / "survey"
    assert cli.main(["init", "--biblatex", str(root)]) == 0
    report = arxiv.arxiv(root)
    assert report.ok, [str(p) for p in report.problems]
    pdf_text = subprocess.run(["pdftotext", str(root / "paper" / "build" / "main.pdf"), "-"], capture_output=True,
                              text=True).stdout
    assert "Alpaca [1]" in pdf_text and "Chung, Hou" in pdf_text  # \parencite, \textcite, then the list
    assert "Stanford Alpaca" in pdf_text  # \printbibliography
    bundle = tmp_path / "bundle"
    with tarfile.open(fileobj=io.BytesIO((root / "dist" / "survey-arxiv.tar.gz").read_bytes())) as tar:
        names = tar.getnames()
        tar.extractall(bundle, filter="data")
    assert "main.bbl" in names and not [n for n in names if n.endswith(".bib")]
    main = (bundle / "main.tex").read_text("utf-8")
    assert main.startswith("% The .bbl was made by biber 2.") and "biblatex 3." in main.splitlines()[0]
    # arXiv runs pdflatex alone: no biber, no .bib
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "main.tex"],
                          cwd=bundle, capture_output=True, text=True, errors="replace")
    log = (bundle / "main.log").read_text("utf-8", errors="replace")
    assert proc.returncode == 0, log[-2000:]
    assert not re.search(r"Citation .* undefined", log)  # the .bbl resolves them (refs need arXiv's 2nd run)
    text = subprocess.run(["pdftotext", str(bundle / "main.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Alpaca [1]" in text and "Stanford Alpaca" in text
    assert Path(bundle / "main.pdf").stat().st_size > 0
