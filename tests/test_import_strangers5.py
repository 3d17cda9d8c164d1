"""Regression tests from a fifth round of public survey repositories tried as a stranger would: small inputs of
our own that reproduce what broke."""

from __future__ import annotations

import yaml

from surveybuild.build import pipeline as build

from surveybuild.importer import import_text, to_yaml
from surveybuild.importer.command import run_import
from surveybuild.init import init


def _data(result, n=0):
    return yaml.safe_load(to_yaml(result.tables[n].table, "", "t"))


TABLE_IN_A_FIGURE = r"""\begin{figure}[t]
\centering
\begin{tabular}{|c|c|}
\hline
Approach & Accuracy \\
\hline
SVM \citep{svm} & 95.0 \\
CNN \citep{cnn} & 93.6 \\
\hline
\end{tabular}
\vspace*{-0.2cm}
\caption{Selected results for question classification.}
\label{fig:qc}
\end{figure}
"""


def test_a_table_set_in_a_figure_float_has_the_float_s_caption_and_label():
    """A paper that sets its tables in `figure` floats (brmson's QA survey): the caption under the tabular was not
    read ('(no caption)', a warning); the float's \\caption and \\label are the table's, as in a `table` float."""
    result = import_text(TABLE_IN_A_FIGURE, "t.tex")
    data = _data(result)
    assert data["caption"] == "Selected results for question classification."
    assert data["label"] == "fig:qc"
    assert not [p for p in result.problems if "no \\caption" in p.message]


EMPTY_LINE_UNDER_A_SPAN = r"""\begin{table}
\caption{Results.}
\begin{tabular}{lcc}
\toprule
\multirow{2}{*}{Model} & \multicolumn{2}{c}{\multirow{2}{*}{Score}} \\
 & & \\
\midrule
A & 12.5 & 13.1 \\
\multirow{2}{*}{B} & 9.0 & 8.0 \\
 & & \\
C & 7.5 & 7.0 \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_an_empty_line_a_multirow_spans_is_no_row_and_the_span_stops_there():
    """`\\multirow{2}{*}{Model} & \\multicolumn{2}{c}{\\multirow{2}{*}{Score}} \\\\ & & \\\\ \\midrule`: the second
    line of the header holds no text, so it was dropped, and the header's \\multirow then reached into the first
    body row, which became the column titles ('A', '12.5'). A line without text is no row, but it is a line the
    span counts: the header is the one line above the rule, and a body \\multirow over an empty line spans its
    own row only (no warning that the span ended early)."""
    result = import_text(EMPTY_LINE_UNDER_A_SPAN, "t.tex")
    data = _data(result)
    assert [c["title"] for c in data["columns"]] == ["Model", "Score", "Score (2)"]
    assert [r["model"] for r in data["rows"]] == ["A", "B", "C"]
    assert data["rows"][1] == {"model": "B", "score": "9.0", "score_2": "8.0"}
    assert not [p for p in result.problems if "span ends before" in p.message]


def test_textual_cites_show_their_authors_and_year_in_the_readme_as_in_the_paper(tmp_path):
    """A biblatex survey's '\\textcite{k}' is imported as natbib's '\\citet{k}', which the paper prints 'Taori et
    al. [1]'; the README showed '[1]' alone, losing the author the sentence names ('\\citeauthor{k}' a bare number,
    '\\citeyear{k}' too). The README now says what natbib says: the last names (one, two, or the first 'et al.'),
    then the linked number; the authors alone, linked; the year (biblatex's date= when there is no year)."""
    root = tmp_path / "s"
    assert init(root).ok
    bib = root / "refs.bib"
    bib.write_text(bib.read_text("utf-8") + "\n@online{roe2022,\n  author = {Roe, Richard and M{\\\"u}ller, Ann},\n"
                   "  title = {Benchmarks},\n  date = {2022-03-01},\n}\n", "utf-8")
    source = tmp_path / "t.tex"
    source.write_text("\\begin{tabular}{ll}\nName & Source \\\\ \\hline\nA & \\textcite{taori2023alpaca} \\\\\n"
                      "B & \\citeauthor{roe2022} (\\citeyear{roe2022}) \\\\\n"
                      "C & \\citet{chung2022scaling,roe2022} \\\\\n\\end{tabular}\n", "utf-8")
    assert run_import(root, str(source), None).errors == []
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("t") }}\n', "utf-8")
    assert build.build(root).ok
    readme = (root / "README.md").read_text("utf-8")
    assert "| A | Taori et al. [\\[1\\]](#ref-taori2023alpaca) |" in readme
    assert "| B | [Roe and Müller](#ref-roe2022) ([2022](#ref-roe2022)) |" in readme
    assert "| C | Chung et al. [\\[2\\]](#ref-chung2022scaling), Roe and Müller [\\[3\\]](#ref-roe2022) |" in readme


ONE_TITLE_OVER_GROUPS_AND_NAMES = r"""\begin{table}
\caption{Contributions.}
\begin{tabular}{llcc}
\toprule
\multicolumn{2}{c}{\bf Category} & ARMAR & CAST \\
\midrule
\multirow{2}{*}{\bf Reasoning} & Planning & + & ++ \\
 & Prediction & & + \\
\hline
\multirow{2}{*}{\bf Acquisition} & NLP & +++ & \\
 & Grounding & ++ & + \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_one_title_over_the_group_column_and_the_names_titles_the_names():
    """`\\multicolumn{2}{c}{Category}` over a first column of row groups and the column of names (a KRS survey's
    comparison): the names' column was titled 'Category (2)' once the group column became the row groups; it is
    the one column left under the title, so it is 'Category'."""
    result = import_text(ONE_TITLE_OVER_GROUPS_AND_NAMES, "t.tex")
    data = _data(result)
    assert [c["title"] for c in data["columns"]] == ["Category", "ARMAR", "CAST"]
    assert [g["title"] for g in data["groups"]] == ["\\textbf{Reasoning}", "\\textbf{Acquisition}"] or \
        [g["title"] for g in data["groups"]] == ["Reasoning", "Acquisition"]
    assert [r["category"] for r in data["rows"]] == ["Planning", "Prediction", "NLP", "Grounding"]
    assert not [p for p in result.problems if "(2)" in p.message]


def test_a_shields_badge_without_alt_text_says_in_the_paper_what_it_shows():
    """An HTML table of model variants whose Paper and Demo cells are `<a href><img src="https://img.shields.io/
    badge/arXiv-Paper-COLOR.svg"></a>` with no alt text (k2-fsa's ZipVoice README): the paper, which prints an
    image's alt text, showed two empty columns. A shields.io badge's address spells its words (label, message,
    colour; '--' a dash, '_' a blank; a label= query wins; github/<metric> shows that metric): they are its alt
    text, said once with a count. Another image without alt text stays as it was (the README's alone)."""
    text = ("<table><tr><th>Model</th><th>Paper</th><th>Code</th></tr>\n"
            '<tr><td>A</td><td rowspan="2"><a href="https://arxiv.org/abs/1"><img '
            'src="https://img.shields.io/badge/arXiv-Paper-COLOR.svg"></a></td>'
            '<td><img src="https://img.shields.io/github/stars/x/a?style=social"></td></tr>\n'
            '<tr><td>B</td><td><img src="https://img.shields.io/badge/Made--with-Py__Torch_2-blue?label=Built">'
            ' <img src="https://example.org/logo.png"></td></tr>\n</table>\n')
    result = import_text(text, "README.md")
    rows = _data(result)["rows"]
    assert rows[0]["paper"] == "\\href{https://arxiv.org/abs/1}{\\image{https://img.shields.io/badge/arXiv-Paper-COLOR.svg}" \
        "{arXiv Paper}}"
    assert rows[0]["code"] == "\\image{https://img.shields.io/github/stars/x/a?style=social}{GitHub stars}"
    assert rows[1]["code"] == "\\image{https://img.shields.io/badge/Made--with-Py__Torch_2-blue?label=Built}" \
        "{Built Py\\_Torch 2} \\image{https://example.org/logo.png}{}"
    [badges] = [p for p in result.problems if p.message.startswith("badges without alt text")]
    assert "[3 time(s)]" in badges.message
    [other] = [p for p in result.problems if p.message.startswith("images without alt text")]
    assert "example.org/logo.png" in other.message


def test_a_gallery_of_the_repository_s_images_is_no_table():
    """A README's row of scene pictures under their names (`| Celi | Zhaoli |` over `| ![](assets/celi.jpg) |
    ![](assets/zhaoli.jpg) |`, a 3DGS benchmark's README): the images are files of the source repository, which
    the build cannot show, and have no alt text, so the table kept one row named '(row 1)' and nothing else. A body
    with nothing to show is not data: skipped with a warning at its line, as a header without a body is."""
    text = ("# Scenes\n\n| Celi | Zhaoli |\n|:---:|:---:|\n| ![](assets/celi.jpg) | ![](assets/zhaoli.jpg) |\n\n"
            "| Metric | Better |\n|---|---|\n| PSNR | higher |\n")
    result = import_text(text, "README.md")
    assert [t.table.columns[0].title for t in result.tables] == ["Metric"]
    [skipped] = [p for p in result.problems if "holds nothing the build can show" in p.message]
    assert str(skipped.source) == "README.md:3:1" and skipped.severity == "warning"
    assert not [p for p in result.problems if "(row 1)" in p.message]


BIBLATEX_TABLE = r"""\begin{table}
\caption{Surveys \textcite{taori2023alpaca} compares.}
\begin{tabular}{ll}
\toprule
Survey & Source \\
\midrule
A & \textcite{taori2023alpaca} \\
B & see \autocite[p.~3]{chung2022scaling} and \citeauthor{taori2023alpaca} \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_a_biblatex_paper_s_tables_cite_with_biblatex_in_a_biblatex_survey_and_natbib_in_a_natbib_one(tmp_path):
    """A biblatex paper's table imported into a survey made with `init --biblatex`: the importer writes natbib's
    commands (its one form), which the biblatex paper does not define: `surveybuild paper` stopped on 'Undefined
    control sequence' at \\citet, after `check` passed. The paper's tables now get the cite commands of the package
    the paper loads (by `cite_command`): natbib's as biblatex's in a biblatex survey, biblatex's as natbib's in a
    natbib one; the YAML keeps one form. Importing it into a natbib survey says that its .bib's biblatex fields
    print nothing there, and how to make a biblatex survey."""
    for biblatex, expect in ((True, ("\\textcite{taori2023alpaca}", "see \\parencite[p.~3]{chung2022scaling}",
                                     "Surveys \\textcite{taori2023alpaca} compares.")),
                             (False, ("\\citet{taori2023alpaca}", "see \\citep[p.~3]{chung2022scaling}",
                                      "Surveys \\citet{taori2023alpaca} compares."))):
        root = tmp_path / f"s{biblatex}"
        assert init(root, biblatex=biblatex).ok
        source = tmp_path / "t.tex"
        source.write_text(BIBLATEX_TABLE, "utf-8")
        report = run_import(root, str(source), None)
        assert report.errors == []
        said = [p.message for p in report.problems if "cites with biblatex" in p.message or "natbib's" in p.message]
        assert any("the paper, which loads biblatex, gets them as biblatex's" in m for m in said) == biblatex
        assert any(m.startswith("the source cites with biblatex, the survey's paper with natbib") for m in said) \
            != biblatex
        if not biblatex:  # a hand-written biblatex cite in a natbib survey's YAML
            yml = root / "tables" / "t.yaml"
            yml.write_text(yml.read_text("utf-8").replace("\\citeauthor{taori2023alpaca}",
                                                          "\\Textcite{taori2023alpaca}"), "utf-8")
        main = root / "paper" / "main.tex"
        main.write_text(main.read_text("utf-8").replace("\\input{tables/example}", "\\input{tables/t}"), "utf-8")
        (root / "tables" / "example.yaml").unlink()
        template = root / "templates" / "README.md.j2"
        template.write_text(template.read_text("utf-8").replace('{{ table("example") }}', '{{ table("t") }}'),
                            "utf-8")
        assert build.build(root).ok
        tex = (root / "paper" / "tables" / "t.tex").read_text("utf-8")
        assert all(e in tex for e in expect), tex
        assert ("\\citeauthor{taori2023alpaca}" in tex) if biblatex else ("\\Citet{taori2023alpaca}" in tex)
        assert "\\citet" not in tex if biblatex else "\\textcite" not in tex


def test_siunitx_numbers_and_units_are_the_text_they_print():
    """`\\SI{750}{\\giga\\byte}` in a dataset table: siunitx's number and unit commands were 'defined neither by
    LaTeX nor by the packages' where siunitx is not installed (its commands are expl3's), and the unit became the
    macros' names ('750gigabyte'). They print a number as written and a unit by its symbols."""
    text = ("\\begin{tabular}{lrrr}\nName & Size & Rate & Range \\\\ \\midrule\n"
            "C4 & \\SI{750}{\\giga\\byte} & \\qty[mode=text]{3.5}{\\kilo\\gram\\per\\cubic\\metre} & "
            "\\numrange{1}{5} \\\\\n"
            "Pile & \\num{825} & \\si{\\percent} & \\SIrange{10}{20}{\\micro\\second} \\\\\n\\end{tabular}\n")
    result = import_text(text, "t.tex", known=frozenset({"midrule"}))
    rows = _data(result)["rows"]
    assert rows[0] == {"name": "C4", "size": "750 GB", "rate": "3.5 kg/m\u00b3", "range": "1\u20135"}
    assert rows[1] == {"name": "Pile", "size": "825", "rate": "%", "range": "10\u201320 \u00b5s"}
    assert not [p for p in result.problems if "defined neither" in p.message]
    [said] = [p for p in result.problems if p.message.startswith("siunitx's numbers and units")]
    assert "[6 time(s)]" in said.message


def test_github_emoji_shortcodes_are_the_emoji_github_shows_in_cells_and_captions():
    """An awesome list writes `SWE-bench :star:` and `## :fire: Benchmarks`: GitHub shows ⭐ and 🔥, the paper
    printed ':star:', and the caption was 'fire: Benchmarks' (the leading marks stripped, the name left). A
    shortcode of GitHub's (by its own name, or an emoji's Unicode name) is the emoji in both outputs, a link's
    text too; in `code`, a time (12:30:45), a ratio or an unknown name it stays as written."""
    text = ("## :fire: Benchmarks\n\n| Name | Note |\n|---|---|\n| SWE-bench :star: | :tada::rocket: at 12:30:45 |\n"
            "| X | :nosuch: 1:2:3 |\n| Y | `:star:` [:fire: site](https://x.org) |\n")
    result = import_text(text, "README.md")
    data = _data(result)
    assert data["caption"] == "Benchmarks"
    assert [r["name"] for r in data["rows"]] == ["SWE-bench \u2b50", "X", "Y"]
    assert data["rows"][2]["note"] == "\\texttt{:star:} \\href{https://x.org}{\U0001f525 site}"  # code as written
    assert data["rows"][0]["note"] == "\U0001f389\U0001f680 at 12:30:45"
    assert data["rows"][1]["note"] == ":nosuch: 1:2:3"
    [said] = [p for p in result.problems if p.message.startswith("GitHub's emoji shortcodes")]
    assert "(:star:)" in said.message and "[4 time(s)]" in said.message


def test_acronyms_the_project_defines_print_their_forms_in_cells_and_titles(tmp_path):
    """A thesis's comparison table titles its columns `\\textbf{\\acrshort{sift}}` (JonasToth's thesis): glossaries'
    \\acrshort was 'defined neither by LaTeX nor by the packages' and the title became the key 'sift'. The acronyms
    the project defines (glossaries' \\newacronym, in the preamble or a file \\loadglsentries reads; the acronym
    package's \\acro) print their forms: short (\\acrshort, \\ac, \\gls), long (\\acrlong, \\acl), full
    (\\acrfull: 'long (short)'), plural with an 's', capitalised by the capital commands; a key none defines stays."""
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\usepackage{glossaries}\n\\loadglsentries{acronyms}\n"
        "\\acro{RL}{reinforcement learning}\n\\begin{document}\n\\input{tables/t}\n\\end{document}\n", "utf-8")
    (tmp_path / "acronyms.tex").write_text("\\newacronym{sift}{SIFT}{scale invariant feature transform}\n"
                                           "\\newacronym[plural=LLMs]{llm}{LLM}{large language model}\n", "utf-8")
    (tmp_path / "tables").mkdir()
    table = tmp_path / "tables" / "t.tex"
    table.write_text("\\begin{tabular}{lll}\n\\toprule\nMethod & \\textbf{\\acrshort{sift}} & Note \\\\\n\\midrule\n"
                     "A & \\acp{llm} & \\Acrfull{llm} \\\\\nB & \\acl{RL} & \\gls{nokey} \\\\\n\\bottomrule\n"
                     "\\end{tabular}\n", "utf-8")
    root = tmp_path / "s"
    assert init(root).ok
    (root / "tables" / "example.yaml").unlink()
    report = run_import(root, str(table), None)
    data = yaml.safe_load((root / "tables" / "t.yaml").read_text("utf-8"))
    assert [c["title"] for c in data["columns"]] == ["Method", "SIFT", "Note"]
    assert data["rows"][0] == {"method": "A", "sift": "LLMs", "note": "Large language model (LLM)"}
    assert data["rows"][1]["sift"] == "reinforcement learning"
    assert "nokey" in data["rows"][1]["note"]
    assert not [p for p in report.problems if "'\\acrshort'" in p.message or "'\\acp'" in p.message]
