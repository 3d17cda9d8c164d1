"""Issue 12, done-when: every repository of the shared corpus that has tables moves in with no hand edit.

For each such repository: a new survey (``init``), its .bib files appended to ``refs.bib`` (``@string``
files first, as ``\\bibliography{abbrev,refs}`` reads them), ``import`` of every file holding a table,
the two lines ``import`` prints added to the README template and ``main.tex``, then ``build`` and
``paper``. Written against the public API, so it picks up importer improvements: where today's importer
(or the source) fails, the case is an ``xfail(strict=True)`` naming the defect, and flips when fixed.
One TeX compile per repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require_tool
from corpus import CORPUS, corpus_path

from surveybuild.build import pipeline as build
from surveybuild.readers.bibread import read_bibs
from surveybuild.importer.command import run_import
from surveybuild.init import init

_TEX_TABLE = re.compile(r"\\begin\{(?:tabular|tabularx|tabular\*|longtable|tabu)\}")
_MD_TABLE = re.compile(r"(?m)^\s*\|?\s*:?-+:?\s*\|.*$|<table", re.I)


def table_files(repo: Path) -> list[Path]:
    """The files of a repository that hold a table (LaTeX or Markdown/HTML), found independently of the importer."""
    found = []
    for path in sorted(repo.rglob("*")):
        if path.suffix == ".tex" and _TEX_TABLE.search(path.read_text("utf-8", errors="replace")):
            found.append(path)
        elif path.suffix == ".md" and _MD_TABLE.search(path.read_text("utf-8", errors="replace")):
            found.append(path)
    return found


def _repos() -> list[str]:
    if not CORPUS.is_dir():
        return ["(corpus missing)"]
    return [p.name for p in sorted(CORPUS.iterdir()) if p.is_dir() and table_files(p)]


#: Where today's importer or the source stops a repository: the defect, named. strict: a fix flips it.
KNOWN = {
    "BradyFU__Awesome-Multimodal-Large-Language-Models": "importer keeps an emoji (U+2728 at README.md:298) in a "
    "column the paper shows; pdflatex cannot typeset it: it should leave it out of the paper and list it",
    "LianjiaTech__BELLE": "importer keeps CJK text (README.md:289) in columns the paper shows; pdflatex cannot "
    "typeset it: the column should be README-only (show: readme), listed",
    "NiuTrans__MTBook": "importer refuses the book's math macros (\\funp, \\mathbi, \\argmax, \\textrm in math at "
    "chapter10.tex:812): they should be expanded or kept as math; CJK text in columns the paper shows",
    "armandordorica__Review-Paper-RL-Ad-Rec-Systems": "importer refuses math macros in cells (\\mathcal at "
    "paper.tex:117): math should be kept",
    "fmh1art__DP4EI_Survey": "importer keeps CJK text (embodied_data_prep_survey_zh.md:33) in columns the paper "
    "shows; pdflatex cannot typeset it: the column should be README-only, listed",
    "hdeplaen__phd-thesis": "the source's bibliography.bib repeats keys (peyre2019computational at lines 1264 "
    "and 2102; keys differing only in case), which the build refuses; the tables import",
    "iffsid__thesis": "importer refuses \\input inside a cell (a nested tabular of images at cvpr2014e.tex:286): "
    "it should list it as not represented",
    "kanishkamisra__cogsci2019": "the source's .bib repeats a key (futagi2008computational); importer writes a "
    "row with an empty first column (cogsci-final-draft.tex, table 3: 'row 1' without its 'group')",
    "lgy0404__Phone_Agent_Survey_Overleaf_TPAMI_250418": "the source cites keys its reference.bib lacks "
    "(compare-to-other-surveys.tex:14); importer refuses text under a \\multirow (datasets.tex:107)",
    "liuyixin-louis__agent4sci-llm-survey": "the source uses macros it does not define (\\ours, \\tf, \\inlineQ at "
    "2407.18940.tex:104, 149: their \\newcommand is not in the repository), which the importer cannot expand",
    "lucblassel__phd-manuscript": "importer refuses \\text in math (_main.tex:1529) and the author's macro with an "
    "argument \\msr{F} (\\newcommand at _main.tex:1206, used at 3502); an empty first cell (_main.tex:2965)",
}


def _params():
    out = []
    for name in _repos():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
        out.append(pytest.param(name, id=name.split("__")[0], marks=marks))
    return out


def _bib_text(repo: Path) -> str:
    """The repository's .bib files as one: @string files first; a file that repeats a key of one already taken
    is the bibliography of another document of the repository (a course beside a book) and is left out."""
    bibs = sorted(repo.rglob("*.bib"), key=lambda p: ("@string" not in p.read_text("utf-8", "replace")[:5000].lower(),
                                                      len(p.parts), str(p)))
    keys: set[str] = set()
    texts = []
    for path in bibs:
        text = path.read_text("utf-8", errors="replace")
        found = {k.lower() for k in re.findall(r"(?m)^\s*@(?!string|comment|preamble)\w+\s*\{\s*([^,\s]+)\s*,", text,
                                               re.I)}
        if found & keys:
            continue
        keys |= found
        texts.append("\n" + text)
    return "".join(texts)


@pytest.mark.tex
@pytest.mark.parametrize("name", _params())
def test_a_corpus_repository_moves_in_and_builds(name, tmp_path):
    corpus = corpus_path()
    require_tool("latexmk")
    repo = corpus / name
    root = tmp_path / "survey"
    assert init(root).ok
    refs = root / "refs.bib"
    refs.write_text(refs.read_text("utf-8") + _bib_text(repo), "utf-8")
    template, main = root / "templates/README.md.j2", root / "paper/main.tex"
    problems = []
    for n, source in enumerate(table_files(repo)):
        report = run_import(root, str(source), f"{root / 'tables' / f't{n}'}/")
        problems += [str(p) for p in report.errors]
    # imported into sub-folders to keep names apart: move them where the survey reads tables
    for path in sorted((root / "tables").glob("t*/*.yaml")):
        path.rename(root / "tables" / f"{path.parent.name}-{path.name}")
    ids = [p.stem for p in sorted((root / "tables").glob("t*-*.yaml"))]
    assert ids, f"{name}: no table imported: {problems[:5]}"
    template.write_text(template.read_text("utf-8").replace(
        "## References", "".join(f'{{{{ table("{i}") }}}}\n\n' for i in ids) + "## References"), "utf-8")
    main.write_text(main.read_text("utf-8").replace(
        "\\bibliographystyle", "".join(f"\\input{{tables/{i}}}\n\\clearpage\n" for i in ids) + "\\bibliographystyle"),
        "utf-8")
    assert not problems, f"{name}: import: " + "\n".join(problems[:10])
    report = build.paper(root)
    assert report.ok, f"{name}: " + "\n".join(map(str, report.errors[:10]))


@pytest.mark.parametrize("name, files", [
    pytest.param("iridia-ulb__references", ["abbrev.bib", "authors.bib", "journals.bib", "crossref.bib", "biblio.bib"],
                 id="iridia"),
    pytest.param("iffsid__thesis", ["strings.bib", "thesis.bib"], id="iffsid"),
])
def test_string_macros_defined_in_one_bib_file_are_known_in_the_next(name, files):
    """\\bibliography{abbrev,authors,journals,crossref,biblio}: no @string name is undefined when read together,
    files of @string blocks alone are legal, and the entries point at their own files."""
    repo = corpus_path() / name
    texts = [(f, (repo / f).read_text("utf-8", errors="replace")) for f in files]
    entries, problems = read_bibs(texts)
    assert not [p for p in problems if "not a defined @string" in p.message], problems[:3]
    paths = {e.source.path for e in entries}
    assert files[-1] in paths and paths <= set(files)
    assert all(e.source.line > 0 for e in entries)
    alone, problems = read_bibs(texts[-1:])
    assert [p for p in problems if "not a defined @string" in p.message]  # standalone, the names are undefined
