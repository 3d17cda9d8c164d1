"""Dirty real bibliographies load with clear warnings, never a traceback; hygiene warnings in `check`.

Every .bib in ../shared/corpus is read (skipped when the corpus is absent, failed in CI where
SURVEYBUILD_REQUIRE_CORPUS is set); then small inline files hold each dirty construct alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import edit
from corpus import corpus_path
from surveybuild.checks import hygiene
from surveybuild.readers import bibfields
from surveybuild.readers.bibread import read_bib
from surveybuild.build.pipeline import check as check_survey_folder
from surveybuild.model import BibEntry, Source


def corpus_bibs() -> list[Path]:
    return sorted(corpus_path().rglob("*.bib"))


def test_every_corpus_bib_loads_with_placed_messages():
    bibs = corpus_bibs()
    assert len(bibs) >= 8, bibs
    total = warnings = 0
    for bib in bibs:
        text = bib.read_bytes().decode("utf-8-sig")
        entries, problems = read_bib(text, "refs.bib")  # must not raise
        problems += hygiene.check_bib(entries)
        lines = text.count("\n") + 1
        # a file of @string blocks alone (abbreviations shared by several .bib files) is legal and has no entries
        strings_only = not re.search(r"^\s*@(?!string\b|comment\b|preamble\b)\w+\s*[{(]", text, re.I | re.M)
        assert entries or strings_only, bib
        for problem in problems:
            assert problem.source.path == "refs.bib" and 1 <= problem.source.line <= lines, (bib, problem)
            assert str(problem).startswith(f"refs.bib:{problem.source.line}: "), problem
            assert "Traceback" not in str(problem)
        total += len(entries)
        warnings += len(problems)
    print(f"\ncorpus: {len(bibs)} .bib files, {total} entries, {warnings} messages, 0 tracebacks")


def test_mtbook_duplicate_fields_are_warnings_with_lines():
    bib = corpus_path() / "NiuTrans__MTBook/src/bibliography.bib"
    text = bib.read_text("utf-8")
    entries, problems = read_bib(text, "refs.bib")
    dup_fields = [p for p in problems if "Duplicate field keys" in p.message]
    assert len(dup_fields) == 8 and all(p.severity == "warning" for p in dup_fields)
    first = dup_fields[0]
    key = first.message.split("'")[1]
    assert text.splitlines()[first.source.line - 1].lstrip().lower().startswith("@") and key in \
        text.splitlines()[first.source.line - 1]


OK = "title = {T}, author = {A}, year = {2020}"


@pytest.mark.parametrize("text, keys, says", [
    pytest.param(f"@comment{{ this {{is}} ignored }}\n@misc{{a, {OK}}}\n", ["a"], [], id="at-comment"),
    pytest.param(f"% comment with {{ an open brace\n@misc{{a, {OK}}}\n% and }} a close\n@misc{{b, {OK}}}\n",
                 ["a", "b"], [], id="percent-lines-with-braces"),
    pytest.param(f"@misc{{a, {OK}, month = jul}}\n", ["a"], [], id="month-macro"),
    pytest.param(f"@misc{{a, {OK}, month = July}}\n", ["a"],  # issue 12: BibTeX drops it with a warning
                 ["refs.bib:1: error: entry 'a', field 'month': 'July' is not a defined @string name: BibTeX leaves "
                  "the field empty (write month = jul (BibTeX defines jan ... dec, not 'July'), or month = {July})"],
                 id="bare-month-July"),
    pytest.param(f"@misc{{a, {OK},\n  month = \"1~\" # July}}\n@misc{{b, {OK}, publisher = Nowhere # {{ Press}}}}\n",
                 ["a", "b"],
                 ["refs.bib:2: error: entry 'a', field 'month': 'July' is not a defined @string name: BibTeX leaves "
                  "the field empty (write month = jul (BibTeX defines jan ... dec, not 'July'), or month = {July})",
                  "refs.bib:3: error: entry 'b', field 'publisher': 'Nowhere' is not a defined @string name: BibTeX "
                  "leaves the field empty (write the value in braces, publisher = {Nowhere}, or define it: "
                  "@string{Nowhere = {...}})"], id="undefined-string-in-concatenation"),
    pytest.param("@inproceedings{a, title = {T}, author = {A}, crossref = {conf}}\n"
                 "@proceedings{conf, title = {Conf}, year = {2020}, editor = {E}}\n", ["a", "conf"], [],
                 id="crossref"),
    pytest.param("@book{中文2020, title = {机器翻译}, author = {肖桐}, year = {2020}}\n", ["中文2020"], [],
                 id="cjk-key"),
    pytest.param(f"@inproceedings{{DBLP:conf/icml/X20, {OK}}}\n", ["DBLP:conf/icml/X20"], [], id="key-colon-slash"),
    pytest.param("@online{web, title = {W}, author = {A}, date = {2021-05-01}, url = {https://x.org}}\n",
                 ["web"], [], id="biblatex-online-date"),
    pytest.param(f"@string{{acl = {{ACL}}}}\n@inproceedings{{a, {OK}, booktitle = acl}}\n", ["a"], [], id="string"),
    pytest.param(f"@misc{{a, {OK}, title = {{Again}}}}\n", ["a"],
                 ["refs.bib:1: warning: entry 'a': Duplicate field keys on entry: 'title' (delete one of the "
                  "repeated fields; like BibTeX, the first one is used)"], id="duplicate-field"),
    pytest.param(f"@misc{{a, {OK}}}\n\n@misc{{a, {OK}}}\n", ["a"],
                 ["refs.bib:3: error: duplicate entry key 'a' (first defined at refs.bib:1) (keep one entry under this key "
                  "and rename or delete the other)"], id="duplicate-key"),
    pytest.param(f"@misc{{a, {OK}}}\n@misc{{b, title = {{B}}\n", ["a"],
                 ["refs.bib:2: error: entry does not parse: '@misc{b, title = {B}': Unexpectedly reached end of "
                  "file. (check the braces, the commas between fields and the comma after the key)"],
                 id="unclosed-last-entry"),
])
def test_dirty_constructs(text, keys, says):
    entries, problems = read_bib(text, "refs.bib")
    assert [e.key for e in entries] == keys
    assert [str(p) for p in problems] == says


def test_crossref_and_date_count_as_year_and_author():
    entries, _ = read_bib("@inproceedings{a, title = {A paper title}, author = {A}, crossref = {c}}\n"
                          "@online{w, title = {A web page}, author = {B}, date = {2021}}\n", "refs.bib")
    assert hygiene.check_bib(entries) == []


def entry(key, line, **fields) -> BibEntry:
    return BibEntry(key, fields.pop("type", "article"), tuple(fields.items()), Source("refs.bib", line))


TITLE = "Training language models to follow instructions with human feedback"


@pytest.mark.parametrize("entries, cited, expected", [
    pytest.param([entry("a", 1, title="X", author="A"), entry("b", 5, author="B", year="2020")], None, [
        "refs.bib:1: warning: entry 'a' has no year (add year = {...}; the reference list cannot show it otherwise)",
        "refs.bib:5: warning: entry 'b' has no title (add title = {...}; the reference list cannot show it "
        "otherwise)"], id="missing-fields"),
    pytest.param([entry("c", 1, type="misc")], None, [
        "refs.bib:1: warning: entry 'c' has no author or title or year (add author = {...}, title = {...}, "
        "year = {...}; the reference list cannot show it otherwise)"], id="missing-all"),
    pytest.param([entry("a", 1, title="T1 long enough title", author="A", year="2020", doi="10.1000/XYZ"),
                  entry("b", 9, title="T2 other long title", author="A", year="2020",
                        url="https://doi.org/10.1000/xyz")], None, [
        "refs.bib:9: warning: entry 'b' is the same work as 'a' (refs.bib:1; the same DOI 10.1000/xyz) "
        "(keep one key: cite 'a' everywhere and delete 'b')"], id="same-doi"),
    pytest.param([entry("a", 1, title="One title here for a", author="A", year="2023", eprint="2203.02155",
                        archiveprefix="arXiv"),
                  entry("b", 7, title="Other title here for b", author="A", year="2023",
                        url="https://arxiv.org/abs/2203.02155v2")], None, [
        "refs.bib:7: warning: entry 'b' is the same work as 'a' (refs.bib:1; the same arXiv id 2203.02155) "
        "(keep one key: cite 'a' everywhere and delete 'b')"], id="same-arxiv-id"),
    pytest.param([entry("a", 1, title=TITLE, author="A", year="2022"),
                  entry("b", 4, title="{T}raining {L}anguage Models to Follow Instructions with Human Feedback.",
                        author="A", year="2022")], None, [
        "refs.bib:4: warning: entry 'b' is the same work as 'a' (refs.bib:1; the same title) "
        "(keep one key: cite 'a' everywhere and delete 'b')"], id="same-normalised-title"),
    pytest.param([entry("pre", 1, title=TITLE, author="A", year="2022", journal="arXiv preprint arXiv:2203.02155"),
                  entry("pub", 8, type="inproceedings", title=TITLE, author="A", year="2022",
                        booktitle="NeurIPS")], {"pre"}, [
        "refs.bib:1: warning: entry 'pre' is an arXiv preprint, but refs.bib also holds its published version "
        "'pub' (refs.bib:8; the same title) (cite 'pub' instead and delete 'pre')"], id="preprint-cited"),
    pytest.param([entry("pre", 1, title=TITLE, author="A", year="2022", journal="arXiv preprint arXiv:2203.02155"),
                  entry("pub", 8, type="inproceedings", title=TITLE, author="A", year="2022",
                        booktitle="NeurIPS")], {"pub"}, [
        "refs.bib:1: warning: entry 'pre' (arXiv preprint) and 'pub' (refs.bib:8) are the same work "
        "(the same title) (delete the preprint 'pre')"], id="preprint-not-cited"),
    pytest.param([entry("a", 1, title="Introduction", author="A", year="2020"),
                  entry("b", 2, title="Introduction", author="B", year="2021")], None, [], id="short-titles-differ"),
])
def test_hygiene(entries, cited, expected):
    assert [str(p) for p in hygiene.check_bib(entries, cited)] == expected


def test_check_reports_a_broken_entry_and_a_duplicate_key_with_lines(mini, capfd):
    """The issue's done-when: append a broken entry and a duplicate key; `check` names both, no traceback."""
    from surveybuild.cli import main
    bib = mini / "refs.bib"
    start = bib.read_text("utf-8").count("\n") + 1
    with open(bib, "a", encoding="utf-8") as handle:
        handle.write("\n@article{broken2024,\n  title = {Never closed,\n  year = {2024}\n\n"
                     "@misc{taori2023alpaca,\n  title = {Again}, year = {2023}}\n")
    code = main(["-C", str(mini), "check"])
    err = capfd.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert f"refs.bib:{start + 1}: error: entry does not parse: '@article{{broken2024,'" in err
    assert f"refs.bib:{start + 5}: error: duplicate entry key 'taori2023alpaca'" in err


def test_hygiene_runs_in_check(mini):
    edit(mini / "refs.bib", "@article{bai2022constitutional,", "@article{bai2022constitutional,\n  doi = {10.1234/abc},")
    with open(mini / "refs.bib", "a", encoding="utf-8") as handle:
        handle.write("\n@article{bai2022again,\n  author = {Bai, Yuntao},\n  title = {Another},\n  year = {2022},\n"
                     "  doi = {10.1234/ABC}\n}\n")
    report = check_survey_folder(mini)
    same = [p for p in report.problems if "same work" in p.message]
    assert len(same) == 1 and same[0].severity == "warning" and same[0].source.path == "refs.bib"
    assert "'bai2022again' is the same work as 'bai2022constitutional'" in same[0].message


@pytest.mark.parametrize("title, normal", [
    ("Attention Is All You Need", "attentionisallyouneed"),
    (r"\emph{BERT}: Pre-training of \textit*{Deep} Transformers", "bertpretrainingofdeeptransformers"),
    ("{\\'E}tude of Na\u00efve Caf\u00e9 Models", "etudeofnaivecafemodels"),  # ASCII and accented spellings meet
    ("\u00c9tude of Na\u00efve Caf\u00e9 Models", "etudeofnaivecafemodels"),
    ("\uff21\uff22\uff23 \ufb01ne \u2163 Stra\u00dfe", "abcfineivstrasse"),  # NFKD, then casefold
    ("\u4e2d\u6587 title", "title"),
])
def test_normal_title(title, normal):
    assert bibfields.normal_title(title) == normal


def test_repeated_field_names_use_the_first_as_bibtex_does():
    first = BibEntry("a", "article", (("doi", "10.1000/first"), ("doi", "10.1000/second")), Source("refs.bib", 1))
    assert bibfields.doi(first) == "10.1000/first"
