"""CSL reference styles for the README (``references: {style: ...}``, src/surveybuild/renderers/csl.py)."""

from __future__ import annotations

import re

import cmarkgfm
import pytest
from conftest import copy_survey, edit, locate, MINI

from surveybuild.build import pipeline as build
from surveybuild.renderers import csl
from surveybuild.readers.bibread import read_bib
from surveybuild.readers.read import read_settings

BIB = r"""
@article{doe2020widgets,
  author = {Doe, Jane and Roe, Richard},
  title = {Learning widgets from data},
  journal = {Journal of Widget Research},
  volume = {12}, number = {3}, pages = {45--67}, year = {2020}, doi = {10.1234/jwr.2020.003}
}
@inproceedings{lee2021fast,
  author = {Lee, Min and Park, Soo and Kim, Ji},
  title = {Fast sparse attention}, booktitle = {Proceedings of the Conference on Widgets},
  pages = {100--110}, year = {2021}
}
@article{smith2023big,
  author = {Smith, Alex}, title = {Big models for {\"u}berall}, journal = {arXiv preprint arXiv:2301.00001},
  year = {2023}, eprint = {2301.00001}, archivePrefix = {arXiv}
}
"""

#: Checked by eye against the APA 7 and IEEE reference guides' examples (docs/format.md lists the differences).
EXPECTED = {
    "apa": {
        "doe2020widgets": "Doe, J., &amp; Roe, R. (2020). Learning widgets from data. *Journal of Widget Research*, "
                          "*12*(3), 45–67. [https://doi.org/10.1234/jwr.2020.003](https://doi.org/10.1234/jwr.2020.003)",
        "lee2021fast": "Lee, M., Park, S., &amp; Kim, J. (2021). Fast sparse attention. *Proceedings of the Conference "
                       "on Widgets*, 100–110.",
        "smith2023big": "Smith, A. (2023). *Big models for überall* (ArXiv:2301.00001). arXiv. "
                        "[https://arxiv.org/abs/2301.00001](https://arxiv.org/abs/2301.00001)",
    },
    "ieee": {
        "doe2020widgets": "J. Doe and R. Roe, “Learning widgets from data,” *Journal of Widget Research*, vol. 12, "
                          "no. 3, pp. 45–67, 2020, doi: [10.1234/jwr.2020.003](https://doi.org/10.1234/jwr.2020.003).",
        "lee2021fast": "M. Lee, S. Park, and J. Kim, “Fast sparse attention,” in *Proceedings of the Conference on "
                       "Widgets*, 2021, pp. 100–110.",
        "smith2023big": "A. Smith, “Big models for überall,” 2023, *arXiv*: arXiv:2301.00001. \\[Online\\]. Available: "
                        "[https://arxiv.org/abs/2301.00001](https://arxiv.org/abs/2301.00001)",
    },
}


def entries(text: str = BIB):
    found, problems = read_bib(text, "refs.bib")
    assert not [p for p in problems if p.severity == "error"]
    return found


@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_apa_and_ieee_text(style):
    out, problems = csl.format_references(entries(), csl.resolve(style))
    assert problems == []
    assert out == EXPECTED[style]


def test_short_names_resolve_to_shipped_styles():
    assert csl.resolve("acl") == "association-for-computational-linguistics"
    assert csl.resolve("APA") == "apa"
    assert all(csl.resolve(short) == name for short, name in csl.SHORT_NAMES.items())
    assert csl.resolve("no-such-style") is None


@pytest.mark.parametrize("written, message, needle", [
    ("references: {style: iee}\n", "no CSL style 'iee' (did you mean 'ieee'?)", "iee}"),
    ("references: {stile: apa}\n", "unknown key 'stile' (did you mean 'style'?)", "stile"),
    ("references: apa\n", "setting 'references' must be a mapping", "apa"),
    ("references: {style: [apa]}\n", "style must be a style name", "[apa]"),
])
def test_style_setting_errors_are_placed(tmp_path, written, message, needle):
    (tmp_path / "surveybuild.yaml").write_text(written, "utf-8")
    settings, problems = read_settings(tmp_path)
    assert settings.reference_style == ""
    assert len(problems) == 1
    assert message in str(problems[0])
    assert str(problems[0]).startswith(locate(tmp_path / "surveybuild.yaml", needle) + ": error:")


def test_style_setting_read(tmp_path):
    (tmp_path / "surveybuild.yaml").write_text("references: {style: acl}\n", "utf-8")
    settings, problems = read_settings(tmp_path)
    assert problems == [] and settings.reference_style == "association-for-computational-linguistics"


def _many(n: int) -> str:
    return "\n".join(f"@article{{k{i}, author = {{Author{i}, Ann and Other, Bo}}, title = {{Title number {i}}}, "
                     f"journal = {{Journal {i % 7}}}, volume = {{{i}}}, pages = {{{i}--{i + 9}}}, year = {{20{i % 25:02d}}}}}"
                     for i in range(n))


def test_second_format_uses_the_memo(monkeypatch):
    """Counted, not timed: 100 entries (citeproc-py takes 3-20 ms an entry on a busy machine); the
    1,000-entry figures are benchmarks/styles.py's (docs/performance.md)."""
    calls = []
    real = csl._citeproc
    monkeypatch.setattr(csl, "_citeproc", lambda item, name: calls.append(item["id"]) or real(item, name))
    many = entries(_many(100))
    first = csl.Memo()
    out1, _ = csl.format_references(many, "apa", first)
    assert len(calls) == first.formatted == 100
    again = csl.Memo(known=dict(first.used), salt=first.salt)
    edited = many[:]
    edited[50] = entries(_many(100).splitlines()[50].replace("Title number", "Retitled"))[0]
    out2, _ = csl.format_references(edited, "apa", again)
    assert len(calls) == 101 and again.formatted == 1  # only the edited entry
    assert "Retitled 50" in out2["k50"]
    assert {k: v for k, v in out2.items() if k != "k50"} == {k: v for k, v in out1.items() if k != "k50"}


def test_a_build_keeps_formatted_entries_for_the_next(tmp_path, monkeypatch):
    root = copy_survey(MINI, tmp_path / "mini")
    (root / "surveybuild.yaml").write_text("references: {style: ieee}\n", "utf-8")
    calls = []
    real = csl._citeproc
    monkeypatch.setattr(csl, "_citeproc", lambda item, name: calls.append(1) or real(item, name))
    assert build.build(root, force=True).ok
    cold = len(calls)
    assert cold > 0 and (root / ".surveybuild-cache/references/ieee.json").is_file()
    readme = (root / "README.md").read_text("utf-8")
    assert "“" in readme and "\\[1\\] " in readme  # IEEE's quotes; the README's own numbering
    rows = sorted((root / "tables").glob("*.yaml"))[0]
    text = rows.read_text("utf-8")
    name = re.search(r"name: *'?([A-Za-z][^'\n]*)", text).group(1)
    edit(rows, f"{name}", f"{name} edited")
    assert build.build(root).ok
    assert len(calls) == cold  # the one-row edit formatted no entry again
    assert f"{name} edited" in (root / "README.md").read_text("utf-8")


def test_readme_with_a_style_is_deterministic(tmp_path):
    built = []
    for name in ("a", "b"):
        root = copy_survey(MINI, tmp_path / name)
        (root / "surveybuild.yaml").write_text("references: {style: apa}\n", "utf-8")
        assert build.build(root, force=True).ok
        built.append((root / "README.md").read_bytes())
        assert build.build(root).ok  # from the cache: the same bytes
        assert (root / "README.md").read_bytes() == built[-1]
    assert built[0] == built[1]


HOSTILE = r"""
@article{evil,
  author = {<img src=x onerror=alert(1)> and [Mallory](javascript:alert(1))},
  title = {<script>alert(1)</script> *bold* [click](javascript:alert(2)) | pipe `code` &amp; www.evil.example},
  journal = {<iframe src="https://evil.example"></iframe>},
  year = {2024},
  url = {javascript:alert(3)},
  doi = {10.1/"><script>x</script>}
}
@misc{ok, author = {Good, Guy}, title = {Plain}, year = {2024}, url = {https://example.org/a_b*c}}
"""


@pytest.mark.parametrize("style", ["apa", "ieee", "association-for-computational-linguistics"])
def test_hostile_bib_text_stays_text(style):
    out, _ = csl.format_references(entries(HOSTILE), style)
    # unsafe: raw HTML would pass through, so its absence shows the text was escaped
    html = cmarkgfm.github_flavored_markdown_to_html("\n\n".join(out.values()), options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    assert not re.search(r"<(script|img|iframe)\b", html)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert (hrefs or style == "association-for-computational-linguistics")  # ACL shows no addresses
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    assert not any("evil.example" in h or "javascript" in h for h in hrefs)
    assert "&lt;script&gt;" in html  # shown as written
    assert "<em>bold</em>" not in html and "*bold*" in html
