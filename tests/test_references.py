"""The README's reference list: each entry laid out by the reference macro, its LaTeX made text by pylatexenc."""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from pylatexenc.latex2text import LatexNodes2Text

from corpus import corpus_path
from surveybuild.renderers import references
from surveybuild.readers.bibread import read_bib
from surveybuild.model import BibEntry, Source
from surveybuild.renderers.references import format_references, text_of


def entry(entry_type: str = "article", key: str = "k", **fields: str) -> BibEntry:
    return BibEntry(key, entry_type, tuple(fields.items()), Source("refs.bib", 7))


def line(e: BibEntry) -> str:
    formatted, problems = format_references([e])
    assert not problems, problems
    return formatted[e.key]


def shown(markdown_text: str) -> str:
    """What GitHub shows of a line: its text, without tags."""
    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown_text)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


def whole(latex: str) -> str:
    """pylatexenc's conversion of the whole field at once, on one line."""
    return " ".join(LatexNodes2Text().latex_to_text(latex).replace("\N{NO-BREAK SPACE}", " ").split())


TRICKY = [
    'K{\\"o}hler', '{\\"{O}}zg{\\"u}r', "{BERT}: Pre-training", "pages 27--947", "a---b----c", "-{-}",
    "``quoted''", "`single' quote", "it's", "Proc.~of {ACL}", "{\\L}ukasz", "{\\'e}{\\`a}", "50\\% of $x^2$",
    "\\emph{Deep} learning", "{\\emph{Deep}} learning", "{{Nested {deeply}}} braces", "{}", "a {} b",
    "Unbalanced {brace", "unbalanced} brace", "\\&", "R\\&D {\\&} co", "{\\ss}e", "{\\ss} e", "{$\\alpha$}-test",
    "''", "'''", "{'}'", "--{}--", "~", "a ~ b", "{\\url{https://x.org}}", "multi\n  line\ttext",
]


@pytest.mark.parametrize("latex", TRICKY)
def test_text_of_is_pylatexenc_on_the_whole_field(latex):
    assert text_of(latex) == whole(latex)


def test_text_of_is_pylatexenc_on_every_field_of_the_corpus_bibs():
    compared = 0
    for bib in sorted(corpus_path().rglob("*.bib")):
        entries, _ = read_bib(bib.read_bytes().decode("utf-8-sig"), "refs.bib")
        for e in entries:
            for name, value in e.fields:
                if name in ("title", "author", "editor", "journal", "booktitle", "publisher", "pages", "note"):
                    assert text_of(value) == whole(value), (bib.name, e.key, name, value)
                    compared += 1
    assert compared > 5000, compared


def test_an_article_with_volume_number_pages_and_link():
    e = entry(author="Smith, Jane and John {von} Doe and Lee, Jr., Ann", title="Deep {BERT} -- a study",
              journal="J. of {AI}", volume="12", number="3", pages="1--9", year="2020", url="https://x.org/a_b")
    assert line(e) == ("Jane Smith, John von Doe, and Ann Lee Jr. **Deep BERT – a study**. *J. of AI* 12(3):1–9, "
                       "2020. [link](https://x.org/a_b)")


def test_a_paper_in_proceedings_with_doi_and_arxiv_links():
    e = entry("inproceedings", author="Khashabi, Daniel and Min, Sewon", title="What is {QA}?",
              booktitle="Findings of {EMNLP}", pages="1896--1907", year="2020", doi="10.18653/v1/2020.x",
              eprint="2005.00700", archiveprefix="arXiv")
    assert line(e) == ("Daniel Khashabi and Sewon Min. **What is QA?** *Findings of EMNLP*, pages 1896–1907, 2020. "
                       "[DOI](https://doi.org/10.18653/v1/2020.x) [arXiv](https://arxiv.org/abs/2005.00700)")


def test_the_same_address_is_linked_once():
    e = entry(author="A. B.", title="T", journal="arXiv preprint arXiv:2005.00700", year="2020",
              url="https://arxiv.org/abs/2005.00700/", eprint="2005.00700")
    assert line(e).endswith("2020. [arXiv](https://arxiv.org/abs/2005.00700/)")


@pytest.mark.parametrize("e, expected", [
    (entry("phdthesis", author="Ann Lee", title="T", school="MIT", year="2019"), "Ann Lee. **T**. PhD thesis, *MIT*, 2019."),
    (entry("techreport", author="Ann Lee", title="T", institution="OpenAI", year="2023"),
     "Ann Lee. **T**. Technical report, *OpenAI*, 2023."),
    (entry("misc", author="{LMSYS} Team", title="Vicuna", howpublished="\\url{https://lmsys.org/blog/}", year="2023"),
     "LMSYS Team. **Vicuna**. 2023. [link](https://lmsys.org/blog/)"),
    (entry("misc", author="Ann Lee and others", title="Big", howpublished="Blog post", year="2023"),
     "Ann Lee et al. **Big**. *Blog post*, 2023."),
    (entry("book", editor="Jane Doe", title="B", publisher="P \\& Q", year="2001", note="In press"),
     "Jane Doe, editor. **B**. *P &amp; Q*, 2001. In press."),
    (entry("book", editor="Jane Doe and Al Roe", title="B", year="2001"), "Jane Doe and Al Roe, editors. **B**. 2001."),
    (entry("misc", author="X"), "X. k."),
], ids=["thesis", "report", "url-in-howpublished", "others", "editor", "editors", "no-title"])
def test_layout_by_entry_type(e, expected):
    assert line(e) == expected


def test_markdown_in_a_field_is_shown_as_written():
    e = entry(author="A_b*c", title="<script>x</script> [a](javascript:alert(1)) *not bold* | pipe",
              journal="http://example.org", year="2020")
    text = line(e)
    assert "<script>" not in cmarkgfm.github_flavored_markdown_to_html(text)
    assert "javascript:" not in re.findall(r'href="([^"]*)"', cmarkgfm.github_flavored_markdown_to_html(text)).__str__()
    assert shown(text) == ("A_b*c. <script>x</script> [a](javascript:alert(1)) *not bold* | pipe. "
                           "http://example.org, 2020.")


def test_a_link_that_is_not_http_is_left_out_with_a_warning():
    e = entry(author="A", title="T", year="2020", url="javascript:alert(1)")
    formatted, problems = format_references([e])
    assert "javascript" not in formatted["k"]
    assert [str(p) for p in problems] == [
        "refs.bib:7: warning: entry 'k': URL 'javascript:alert(1)' has scheme 'javascript': only http and https "
        "links are allowed; the README's reference list leaves the link out (give an http(s) address in the url field)"]


def test_a_name_that_does_not_parse_is_a_warning_and_shown_as_written():
    e = entry(author="Lee, Jr., Ann, Extra", title="T", year="2020")
    formatted, problems = format_references([e])
    assert formatted["k"].startswith("Lee, Jr., Ann, Extra. **T**.")
    assert len(problems) == 1 and problems[0].severity == "warning" and problems[0].source.line == 7
    assert "author name 'Lee, Jr., Ann, Extra' does not parse" in str(problems[0])


def test_the_list_keeps_the_given_order():
    entries = [entry(key=f"k{i}", author="A", title=f"T{i}", year="2020") for i in (3, 1, 2)]
    formatted, _ = format_references(entries)
    assert list(formatted) == ["k3", "k1", "k2"]
    assert references.format_references(entries) == (formatted, [])


def survey_with(tmp_path, template: str):
    from conftest import ROOT  # noqa: F401  (the mini fixture lives beside the tests)
    import shutil

    root = tmp_path / "s"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", root)
    (root / "templates" / "README.md.j2").write_text(template, "utf-8")
    return root


def test_the_template_can_lay_out_references_itself(tmp_path):
    from surveybuild.build import pipeline as build

    root = survey_with(tmp_path, (
        "# S\n\n{{ table('models') }}\n\n"
        "{% macro mine(ref) %}{{ ref.title }} ({{ ref.year }}) {{ ref.links | join(' ') }}{% endmacro %}"
        "## References\n\n{{ references(layout_macro=mine) }}\n"))
    _, outputs, report = build.plan(root)
    assert report.ok, report.problems
    refs = [line for line in outputs["README.md"].splitlines() if line.startswith('<a id="ref-')]
    assert refs and all(re.fullmatch(r'<a id="ref-[^"]+"></a>\\\[\d+\\\] [^*]+ \(\d{4}\)( \[\w+\]\(https://\S+\))*', r)
                        for r in refs), refs


@pytest.mark.parametrize("macro, message", [
    ("{% macro mine(ref) %}{{ ref.nothing }}{% endmacro %}",
     "template error in the macro given to references(layout_macro=...): "),
    ("{% set mine = 3 %}", "references(layout_macro=...): give a macro"),
])
def test_a_broken_reference_macro_is_a_template_error(tmp_path, macro, message):
    from surveybuild.build import pipeline as build

    root = survey_with(tmp_path, f"# S\n\n{{{{ table('models') }}}}\n\n{macro}\n{{{{ references(layout_macro=mine) }}}}\n")
    _, outputs, report = build.plan(root)
    assert not report.ok
    assert [p.source.path for p in report.errors] == ["templates/README.md.j2"]
    assert message in str(report.errors[0])


HOSTILE = ["<script>alert(1)</script>", "[x](javascript:alert(1))", "*", "_", "`", "|", "\\&", "&amp;", "#", "<b>",
           "](", "![i](http://x.org/i.png)", "http://evil.org", "www.evil.org", "{\\\"o}", "--", "~", "$x$", "\\emph{e}",
           "\\url{javascript:x}", "Smith, John", " and ", "{", "}", "\\", "\n", "%", "<!--", "-->"]


def test_hostile_fields_render_as_text_with_only_http_links():
    import random

    rng = random.Random(7)
    entries = []
    for i in range(300):
        def junk() -> str:
            return "".join(rng.choice(HOSTILE + ["word ", "Title "]) for _ in range(rng.randint(1, 6)))
        fields = {"author": junk(), "title": junk(), "journal": junk(), "year": junk(), "note": junk()}
        if i % 3 == 0:
            fields["url"] = rng.choice(["https://ok.org/a_(b)", "javascript:alert(1)", "file:///etc/passwd", junk()])
        entries.append(entry(rng.choice(["article", "misc", "inproceedings", "book"]), f"k{i}", **fields))
    formatted, _ = format_references(entries)  # problems (bad names, bad links) are warnings, never a crash
    assert len(formatted) == len(entries)
    for e in entries:
        line = formatted[e.key]
        assert "\n" not in line
        rendered = cmarkgfm.github_flavored_markdown_to_html(line)
        assert "raw HTML omitted" not in rendered, (e, rendered)  # cmark-gfm's mark of HTML in the Markdown
        assert not re.search(r"<(?!/?(?:p|a|em|strong)\b)[a-z]", rendered), (e, rendered)  # no tag of the fields' own
        assert all(h.startswith(("https://", "http://")) for h in re.findall(r'href="([^"]*)"', rendered)), rendered
        assert text_of(e.get("title")) in shown(line).replace("\n", " ") or not text_of(e.get("title")).strip()


def test_an_entrys_cache_key_is_its_content_and_nothing_else():
    """references.entry_digest: the same entry, style and versions give the same key; anything else another, even
    strings that would join to the same text."""
    from surveybuild.model import BibEntry, Source
    from surveybuild.renderers.references import entry_digest

    def entry(fields, key="k", source=Source("refs.bib", 1)):
        return BibEntry(key, "article", tuple(fields), source)

    one = entry([("title", "a\x00b"), ("year", "2020")])
    assert entry_digest(one, "", "s") == entry_digest(entry(one.fields, source=Source("refs.bib", 9)), "", "s")
    others = [entry([("title", "a"), ("b", "year"), ("2020", "")]), entry([("title", "a\x00b"), ("year", "2021")]),
              entry(one.fields, key="k2"), entry([("title", "a\x00b")]),
              entry([("title\x00a", "b"), ("year", "2020")])]  # its strings joined by NULs are one's
    keys = {entry_digest(e, "", "s") for e in others} | {entry_digest(one, "apa", "s"), entry_digest(one, "", "t")}
    assert len(keys) == 7 and entry_digest(one, "", "s") not in keys
