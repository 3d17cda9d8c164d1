"""Issue 12, done-when: every repository of the shared corpus that has tables moves in with no hand edit.

For each such repository: a new survey (``init``), its .bib files appended to ``refs.bib`` (``@string``
files first, as ``\\bibliography{abbrev,refs}`` reads them), ``import`` of every file holding a table,
the two lines ``import`` prints added to the README template and ``main.tex``, then ``build`` and
``paper``. Written against the public API, so it picks up importer improvements: where today's importer
fails, the case is an ``xfail(strict=True)`` naming the defect, and flips when fixed. Where the source itself
is at fault (its .bib repeats a key, it cites keys its .bib lacks), :data:`KNOWN_DEFECTS` names the errors
expected, and the build must report exactly those. One TeX compile per repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require_tool
from corpus import CORPUS, corpus_path
from typeset_checks import bad_breaks, log_defects, outside_text_block, rules_outside_tables, trace_layout

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
KNOWN: dict[str, str] = {}


def _params():
    out = []
    for name in _repos():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
        out.append(pytest.param(name, id=name.split("__")[0], marks=marks))
    return out


def _bibs(repo: Path) -> list[tuple[Path, str]]:
    """The repository's .bib files to read as one: @string files first; a file that repeats a key of one already
    taken is the bibliography of another document of the repository (a course beside a book) and is left out."""
    bibs = sorted(repo.rglob("*.bib"), key=lambda p: ("@string" not in p.read_text("utf-8", "replace")[:5000].lower(),
                                                      len(p.parts), str(p)))
    keys: set[str] = set()
    out = []
    for path in bibs:
        text = path.read_text("utf-8", errors="replace")
        found = {k.lower() for k in re.findall(r"(?m)^\s*@(?!string|comment|preamble)\w+\s*\{\s*([^,\s]+)\s*,", text,
                                               re.I)}
        if found & keys:
            continue
        keys |= found
        out.append((path, text))
    return out


def _bib_text(repo: Path) -> str:
    return "".join("\n" + text for _, text in _bibs(repo))


def _append_bibs(refs: Path, repo: Path):
    """Append the repository's .bib files to refs.bib; returns refs.bib line -> 'source.bib:line' for messages."""
    start = refs.read_text("utf-8").count("\n") + 1
    spans = []
    for path, text in _bibs(repo):
        start += 1  # the blank line before each file
        spans.append((start, start + text.count("\n"), path.relative_to(repo).as_posix()))
        start += text.count("\n")
    refs.write_text(refs.read_text("utf-8") + _bib_text(repo), "utf-8")

    def at(line: int) -> str:
        return next((f"{p}:{line - a + 1}" for a, b, p in spans if a <= line <= b), f"refs.bib:{line}")
    return at


def _in_source_terms(message: str, repo: Path, at) -> str:
    """A message with refs.bib lines named in the source's .bib files and the repository's path left out."""
    message = re.sub(r"\brefs\.bib:(\d+)", lambda m: at(int(m.group(1))), message)
    return message.replace(f"{repo}/", "")


_CITE = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")


def _cited_not_in_bib(repo: Path, files: list[str]) -> set[str]:
    """The keys the files cite that no .bib of the repository has: read independently of surveybuild."""
    cited = {k.strip() for f in files for m in _CITE.finditer((repo / f).read_text("utf-8", "replace"))
             for k in m.group(1).split(",") if k.strip()}
    have = {k.lower() for p in repo.rglob("*.bib") for k in re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,",
                                                                          p.read_text("utf-8", "replace"))}
    return {k for k in cited if k.lower() not in have}


#: Genuine defects of a repository's own files. ``build``/``paper`` must stop on exactly these errors and nothing
#: else (no follow-on errors): ``expect`` are messages (refs.bib lines named in the source .bib) that must each be
#: among the errors; every error must be one of them, or match ``each`` (a pattern whose group 1 is a cite key)
#: for a key in ``keys(repo)``.
KNOWN_DEFECTS = {
    # the author's bibliography.bib repeats two keys and has two pairs that differ only in case
    "hdeplaen__phd-thesis": dict(expect=[
        "bibliography.bib:2102: error: duplicate entry key 'peyre2019computational' (first defined at "
        "bibliography.bib:1264)",
        "bibliography.bib:2903: error: duplicate entry key 'arjovsky2017wasserstein' (first defined at "
        "bibliography.bib:1776)",
        "bibliography.bib:1426: error: entry key 'lightspeed' differs only in case from 'Lightspeed' "
        "(bibliography.bib:71)",
        "bibliography.bib:2160: error: entry key 'GENRKM' differs only in case from 'GenRKM' (bibliography.bib:54)",
    ]),
    # CogSci_Template.bib holds futagi2008computational twice
    "kanishkamisra__cogsci2019": dict(expect=[
        "writing/CogSci_Template.bib:147: error: duplicate entry key 'futagi2008computational' (first defined at "
        "writing/CogSci_Template.bib:86)",
    ]),
    # the paper cites Sun2023IsCG in a table, and the repository has no .bib at all
    "liuyixin-louis__agent4sci-llm-survey": dict(
        expect=["references/LitSearch/paper/2407.18940.tex:701:5: error: cite key 'Sun2023IsCG' is not in refs.bib: "
                "the build stops on it"],
        each=r"error: (?:table '[^']*'(?: row '.*?')?(?: column '[^']*')?: (?:caption: )?)?cite key '([^']+)' "
             r"(?:is )?not in refs\.bib",
        keys=lambda repo: _cited_not_in_bib(repo, ["references/LitSearch/paper/2407.18940.tex"])),
    # tables/*.tex (not \input by TPAMI.tex: tables of another survey) cite keys reference.bib lacks
    "lgy0404__Phone_Agent_Survey_Overleaf_TPAMI_250418": dict(
        expect=["tables/compare-to-other-surveys.tex:14:5: error: cite key 'bommasani2021opportunities' is not in "
                "refs.bib: the build stops on it",
                "tables/t3-compare_to_other_surveys.yaml:21:11: error: table 't3-compare_to_other_surveys' row "
                "'Bommasani \\textit{et al.}': cite key 'bommasani2021opportunities' not in refs.bib",
                # eval.tex is a copy of datasets.tex, \label included
                "tables/t5-eval.yaml:1:1: error: table 't5-eval': label 'tab:model_and_data' is also used by "
                "tables/t4-datasets.yaml:1:1"],
        each=r"error: (?:table '[^']*'(?: row '.*?')?(?: column '[^']*')?: )?cite key '([^']+)' (?:is )?not in "
             r"refs\.bib",
        keys=lambda repo: _cited_not_in_bib(repo, [f"tables/{n}" for n in (
            "compare-to-other-surveys.tex", "datasets.tex", "eval.tex", "summary_of_literature.tex")])),
    # its tables import: \begin{math} as $...$, the author's math macros that no file of the repository defines
    # (\define, \degr, \conjunct: cvpr2014e.tex:543-707) listed and kept by name; grids of images listed
    # (cvpr2014e.tex:917, nips2013d.tex:511). Its strings.bib has an @preamble and defines @string names again
    # with other values (IEEEtip, CACM, ...); the same value again is no defect
    "iffsid__thesis": dict(
        expect=["strings.bib:572:1: error: @preamble is TeX code that BibTeX puts into the paper as is: refused"],
        each=r"^strings\.bib:\d+: error: @string '([^']+)' is defined again \(first defined at strings\.bib:\d+\)",
        keys=lambda repo: _strings_defined_twice(repo, "strings.bib")),
}


def _string_values(text: str) -> list[tuple[str, str]]:
    """Each ``@string{name = value}`` of a .bib text, in order: (name, value with blanks collapsed), the value read
    to its balanced end, independently of surveybuild."""
    out = []
    for m in re.finditer(r"@string\s*[{(]\s*([^\s=]+)\s*=\s*", text, re.I):
        i, depth, j = m.end(), 0, m.end()
        while j < len(text):
            c = text[j]
            depth += c == "{"
            if c == "}" or (c == ")" and depth == 0):
                if depth == 0:
                    break
                depth -= 1
            j += 1
        out.append((m.group(1), re.sub(r"\s+", " ", text[i:j]).strip()))
    return out


def _strings_defined_twice(repo: Path, name: str) -> set[str]:
    """The @string names a .bib file defines more than once with different values (BibTeX's names ignore case;
    the same value again changes nothing), read independently of surveybuild: each spelling used."""
    values: dict[str, set[str]] = {}
    spellings: dict[str, set[str]] = {}
    for n, value in _string_values((repo / name).read_text("utf-8", "replace")):
        values.setdefault(n.lower(), set()).add(value)
        spellings.setdefault(n.lower(), set()).add(n)
    return {s for n, vs in values.items() if len(vs) > 1 for s in spellings[n]}


def _unexpected(name: str, repo: Path, errors: list[str]) -> tuple[list[str], list[str]]:
    """(errors that are not the repository's known defects, known defects not reported)."""
    known = KNOWN_DEFECTS.get(name, {})
    expect = known.get("expect", [])
    each = re.compile(known["each"]) if "each" in known else None
    keys = known["keys"](repo) if "keys" in known else set()
    extra = []
    for error in errors:
        if any(error.startswith(e) for e in expect):
            continue
        m = each.search(error) if each else None
        if m is None or m.group(1) not in keys:
            extra.append(error)
    missing = [e for e in expect if not any(error.startswith(e) for error in errors)]
    return extra, missing


@pytest.mark.tex
@pytest.mark.parametrize("name", _params())
def test_a_corpus_repository_moves_in_and_builds(name, tmp_path):
    corpus = corpus_path()
    require_tool("latexmk")
    repo = corpus / name
    root = tmp_path / "survey"
    assert init(root).ok
    at = _append_bibs(root / "refs.bib", repo)
    template, main = root / "templates/README.md.j2", root / "paper/main.tex"
    problems = []
    read: set[str] = set()  # files a main file's import already read through its \input lines
    for n, source in enumerate(table_files(repo)):
        if str(source) in read:
            continue
        report = run_import(root, str(source), f"{root / 'tables' / f't{n}'}/")
        problems += [str(p) for p in report.errors]
        read |= {line.split(": read for its tables")[0] for line in report.info if ": read for its tables" in line}
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
    trace_layout(main)
    report = build.paper(root)
    errors = [_in_source_terms(str(p), repo, at) for p in problems + report.errors]
    extra, missing = _unexpected(name, repo, errors)
    assert not extra, f"{name}: " + "\n".join(extra[:10])
    assert not missing, f"{name}: the source's defects not reported: " + "\n".join(missing)
    assert report.ok == (name not in KNOWN_DEFECTS)
    if report.ok:  # clean typesetting (issue 13): checked on this one build, from its log and its PDF
        log = (root / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
        assert log_defects(log) == [], name
        assert outside_text_block(root / "paper" / "build" / "main.pdf", log)[:10] == [], name
        assert rules_outside_tables(root / "paper" / "build" / "main.pdf")[:10] == [], name
        assert bad_breaks(log) == [], name


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
