"""The embedded survey's README and PDF say the same thing.

Builds a copy of the repository's own survey, compiles the paper once with
latexmk, and compares the PDF's text (pdftotext) with README.md: every row name,
every table note and every cited work's title appears in both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import require_tool
from surveybuild.build import pipeline as build
from surveybuild.texlang import latextext
from surveybuild.readers.read import read_survey

ROOT = Path(__file__).resolve().parents[1]


def squash(text: str) -> str:
    """Text with every space, hyphen-break and dash variant removed, for robust containment checks."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\N{NO-BREAK SPACE}", " ").replace("ﬁ", "fi").replace("ﬂ", "fl")
    text = re.sub(r"[‐‑‒–—-]", "-", text)
    text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    return re.sub(r"[\s-]+", "", text).casefold()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    require_tool("latexmk")
    require_tool("pdftotext")
    work = tmp_path_factory.mktemp("survey")
    for name in ("tables", "figures", "paper", "templates", "refs.bib", "surveybuild.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    shutil.rmtree(work / "paper" / "build", ignore_errors=True)
    report = build.paper(work)
    assert report.ok, "\n".join(map(str, report.problems))
    pdf = work / "paper" / "build" / "main.pdf"
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    text = re.sub(r"\n\d+\n\f", "\n", text)  # page numbers at page breaks
    log = (work / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    return read_survey(work), (work / "README.md").read_text("utf-8"), text, log


def row_names(survey):
    for table in survey.tables:
        first = table.columns[0]
        for row in table.rows:
            raw = row.line.get(first.key).raw
            yield table.id, latextext.plain_text(latextext.to_pieces(str(raw))) if first.type == "latex" else str(raw)


def test_every_row_name_is_in_both(outputs):
    survey, readme, pdf, _ = outputs
    names = list(row_names(survey))
    assert len(names) >= 100, "the embedded survey should hold all 8 upstream tables (about 120 rows)"
    readme_text, pdf_text = squash(_unhtml(readme)), squash(pdf)
    missing_pdf = [n for _, n in names if squash(n) not in pdf_text]
    missing_readme = [n for _, n in names if squash(n) not in readme_text]
    assert not missing_pdf, f"rows missing from the PDF: {missing_pdf}"
    assert not missing_readme, f"rows missing from README.md: {missing_readme}"


def test_every_note_is_in_both(outputs):
    survey, readme, pdf, _ = outputs
    readme_text, pdf_text = squash(_unhtml(readme)), squash(pdf)
    notes = [(t.id, n.id, latextext.plain_text(latextext.to_pieces(n.text))) for t in survey.tables for n in t.notes]
    for table_id, note_id, text in notes:
        assert squash(text) in pdf_text, f"note {table_id}:{note_id} missing from the PDF: {text!r}"
        assert squash(text) in readme_text, f"note {table_id}:{note_id} missing from README.md: {text!r}"


def test_every_cited_work_is_in_both_reference_lists(outputs):
    survey, readme, pdf, _ = outputs
    cited = {key for t in survey.tables for r in t.rows for key, _ in r.cites}
    entries = {e.key: e for e in survey.bib if e.key in cited}
    assert entries and set(entries) == cited
    readme_text, pdf_text = squash(_unhtml(readme)), squash(pdf)
    for key, entry in entries.items():
        title = latextext.plain_text(latextext.to_pieces(entry.get("title").replace("{", "").replace("}", "")))
        # BibTeX styles change the case of titles; compare case-folded text
        assert squash(title) in pdf_text, f"{key}: title missing from the PDF's references: {title!r}"
        assert squash(title) in readme_text, f"{key}: title missing from README.md's references: {title!r}"
        assert f'id="ref-{key}"' in readme


def test_the_pdf_has_no_unresolved_citation_or_note(outputs):
    _, _, pdf, log = outputs
    assert "??" not in pdf
    assert "[?]" not in pdf
    assert not re.search(r"(Citation|Reference) `[^']*' on page \S+ undefined", log)
    assert "multiply defined" not in log


def test_the_pdf_has_no_overfull_table(outputs):
    _, _, _, log = outputs
    overfull = [m.group(0) for m in re.finditer(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)[^\n]*", log)
                if float(m.group(1)) > 1.0]
    assert not overfull, overfull


def _unhtml(text: str) -> str:
    """README text without tags and Markdown escapes, entities decoded."""
    import html

    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\[((?:\\.|[^\]\\])*)\]\([^)]*\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"\\([\\`*_\[\]<>|~#!$-.])", r"\1", text)
    return html.unescape(text)
