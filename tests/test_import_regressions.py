"""One small test per importer failure found when real surveys moved in (issue 12), on inputs of our own.

Each imported table goes the whole way: YAML text -> ``read_table`` (the schema) -> the checks against
a bib of the keys -> the paper's LaTeX and the README's Markdown.
"""

from __future__ import annotations

import yaml

from surveybuild.renderers import latex, markdown
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.importer import import_text, to_yaml
from surveybuild.model import Settings
from surveybuild.readers.tableread import read_table


def through(text: str, path: str, keys=()):
    """Import ``text``; each table as (data, paper, readme); and the problems."""
    result = import_text(text, path, bib_keys=set(keys))
    out = []
    for imported in result.tables:
        source = to_yaml(imported.table, imported.comment, imported.name)
        table, problems = read_table(source, f"tables/{imported.name}.yaml")
        assert table is not None and not problems, "\n".join(map(str, problems))
        errors = [p for p in check_table(table, BibIndex(set(keys)), set()) if p.severity == "error"]
        assert not errors, "\n".join(map(str, errors))
        out.append((yaml.safe_load(source), latex.render_table(table, Settings()),
                    markdown.render_table(table, markdown.Citations())))
    return out, result.problems


def errors(problems):
    return [str(p) for p in problems if p.severity == "error"]


TABLE = "\\begin{{table}}\\caption{{T{n}}}\\begin{{tabular}}{{ll}}\\toprule A & B \\\\ \\midrule x{n} & y \\\\ " \
        "\\bottomrule\\end{{tabular}}\\end{{table}}\n"


def test_tables_after_an_adjustbox_figure_and_in_every_wrapper_are_found():
    text = ("\\begin{figure}\\begin{adjustbox}{max width=\\textwidth}\\includegraphics{f}\\end{adjustbox}"
            "\\caption{F}\\end{figure}\n" + TABLE.format(n=1)
            + "\\begin{table*}\\begin{adjustbox}{max width=\\textwidth}" + TABLE.format(n=2)[13:-12]
            + "\\end{adjustbox}\\end{table*}\n"
            + "\\begin{sidewaystable}\\resizebox{\\textwidth}{!}{" + TABLE.format(n=3)[13:-12] + "}\\end{sidewaystable}\n"
            + "\\begin{landscape}\\begin{minipage}{\\linewidth}\\begin{tabularx}{\\linewidth}{lX} A & B \\\\ \\hline"
              " x4 & y \\\\ \\end{tabularx}\\end{minipage}\\end{landscape}\n"
            + "\\begin{threeparttable}\\begin{tabular*}{\\linewidth}{ll} A & B \\\\ \\hline x5 & y \\\\"
              "\\end{tabular*}\\end{threeparttable}\n"
            + "\\begin{longtable}{ll} A & B \\\\ \\hline\\endhead x6 & y \\\\ \\end{longtable}\n"
            + "\\begin{tabu}{ll} A & B \\\\ \\hline x7 & y \\\\ \\end{tabu}\n")
    tables, _ = through(text, "s.tex")
    assert [t[0]["rows"][0]["a"] for t in tables] == [f"x{n}" for n in range(1, 8)]
    assert [t[0].get("landscape", False) for t in tables] == [False, False, True, True, False, False, False]


def test_a_title_row_above_the_real_header_does_not_end_the_header():
    text = ("\\begin{table}\\caption{M}\\begin{tabular}{lll}\\hline \\multicolumn{3}{c}{Overview} \\\\ \\hline "
            "Name & Position & Score \\\\ \\hline Alpha & 1 & 2 \\\\ Beta & 3 & 4 \\\\ \\hline\\end{tabular}\\end{table}")
    [(data, paper, readme)], _ = through(text, "s.tex")
    assert [c["title"] for c in data["columns"]] == ["Name", "Position", "Score"]
    assert {c.get("group") for c in data["columns"]} == {"Overview"}
    assert [r["name"] for r in data["rows"]] == ["Alpha", "Beta"]


def test_an_html_header_of_td_rowspan_rows_is_the_header():
    text = ('<table>\n<tr><td rowspan="2">Model</td><td colspan="2">Scores</td></tr>\n<tr><td>A</td><td>B</td></tr>\n'
            "<tr><td>m1</td><td>1</td><td>2</td></tr>\n</table>\n")
    [(data, _, _)], _ = through(text, "r.md")
    assert [(c["title"], c.get("group")) for c in data["columns"]] == [("Model", None), ("A", "Scores"),
                                                                        ("B", "Scores")]
    assert data["rows"] == [{"model": "m1", "a": "1", "b": "2"}]


def test_an_identical_warning_is_reported_once_with_a_count():
    text = ("\\begin{tabular}{llll} Name & \\multicolumn{3}{c}{Scores} \\\\ \\hline x & 1 & 2 & 3 \\\\"
            "\\end{tabular}")
    _, problems = through(text, "s.tex")
    spans = [p for p in problems if "spans 3 columns" in p.message]
    assert len(spans) == 1 and spans[0].message.endswith("[2 times]")


def test_cite_commands_of_every_family_and_keys_with_punctuation_are_taken():
    keys = ["a_b", "c:d", "e-f", "g.h", "i/j", "k+l", "m", "n", "o"]
    text = ("\\begin{tabular}{ll} Work & Note \\\\ \\hline A \\citeA{a_b} & \\parencite[p.~3]{c:d} \\\\ "
            "B & \\textcite{e-f,g.h} \\\\ C & \\autocite{i/j} and \\footcite{k+l} \\\\ "
            "D & \\citealp{m} \\shortcite{n} \\citet*{o} \\\\ \\end{tabular}")
    [(data, paper, readme)], problems = through(text, "s.tex", keys)
    assert not errors(problems)
    assert data["rows"][0]["work"] == "A \\citet{a_b}" and data["rows"][0]["note"] == "\\citep[p.~3]{c:d}"
    assert "\\citet{e-f,g.h}" in paper and "\\citep{n}" in paper
    for key in keys:
        assert markdown.ref_anchor(key) in readme, key


def test_a_cell_that_is_only_a_cite_is_written_and_valid():
    text = ("\\begin{tabular}{ll} Citation & Data \\\\ \\hline \\cite{k1} & \\citep{k2} \\\\ "
            "\\cite{k3} & x \\\\ \\end{tabular}")
    [(data, paper, readme)], problems = through(text, "s.tex", ["k1", "k2", "k3"])
    assert not errors(problems)
    assert data["rows"][0]["citation"] == "\\cite{k1}" and data["rows"][0]["data"] == "\\citep{k2}"
    assert "\\cite{k1}" in paper and markdown.ref_anchor("k3") in readme


def test_cites_in_header_cells_go_to_the_caption_with_a_warning():
    text = ("\\begin{table}\\caption{States.}\\begin{tabular}{ll} \\textbf{DEAR \\cite{dear}} & Jointly~\\cite{j} \\\\"
            " \\hline x & y \\\\ \\end{tabular}\\end{table}")
    [(data, paper, readme)], problems = through(text, "s.tex", ["dear", "j"])
    assert [c["title"] for c in data["columns"]] == ["DEAR", "Jointly"]
    assert data["caption"] == "States. Column sources: DEAR~\\citep{dear}; Jointly~\\citep{j}."
    assert sum("cites dear" in p.message for p in problems) == 1
    assert "\\citep{dear}" in paper  # the caption


def test_font_switches_in_groups_become_commands():
    text = ("\\begin{tabular}{ll} {\\bfseries Position} & {\\it Kind} \\\\ \\hline {\\bf a} & {\\itshape b c} \\\\ "
            "\\end{tabular}")
    [(data, paper, readme)], problems = through(text, "s.tex")
    assert [c["title"] for c in data["columns"]] == ["Position", "Kind"]
    assert data["rows"][0] == {"position": "{\\textbf{a}}", "kind": "{\\textit{b c}}"}
    assert "bfseries" not in readme and "**a**" in readme and "*b c*" in readme


def test_a_size_before_the_tabular_is_the_table_font():
    text = "\\begin{table}\\tiny\\caption{C}\\begin{tabular}{ll} A & B \\\\ \\hline x & y \\\\ \\end{tabular}\\end{table}"
    [(data, paper, _)], _ = through(text, "s.tex")
    assert data["font"] == "tiny" and "\\tiny" in paper


def test_turn_is_taken_out_of_group_titles():
    text = ("\\begin{tabular}{ll} A & B \\\\ \\hline \\multicolumn{2}{l}{\\turn{90}{Group One}} \\\\ x & y \\\\"
            "\\multicolumn{2}{l}{\\rotatebox{90}{Group Two}} \\\\ z & w \\\\ \\end{tabular}")
    [(data, paper, _)], _ = through(text, "s.tex")
    assert [g["title"] for g in data["groups"]] == ["Group One", "Group Two"]
    assert "turn" not in paper


def test_width_hints_are_kept():
    text = ("\\begin{table}\\begin{landscape}\\begin{tabularx}{\\textwidth}{p{3cm}p{0.3\\textwidth}X"
            ">{\\RaggedRight\\arraybackslash}X} A & B & C & D \\\\ \\hline a & b & c & d \\\\ \\end{tabularx}"
            "\\end{landscape}\\end{table}")
    [(data, paper, _)], problems = through(text, "s.tex")
    assert [(c.get("width"), c.get("wrap", False)) for c in data["columns"]] == [
        ("3cm", False), ("0.3\\textwidth", False), (None, True), (None, True)]
    # on the landscape page the share is of its line (docs/paper.md: pdflscape keeps \textwidth portrait)
    assert data["landscape"] is True and "p{0.3\\linewidth}" in paper
    assert not [p for p in problems if "widths" in p.message]


README = """\
# Survey

## <div id="m">Models</div> <a id="x"></a>

| Name | Venue | Code | Logo | UDA | Note |
|---|---|---|---|---|---|
| A | [![NeurIPS](https://img.shields.io/badge/NeurIPS-2023-blue)]() | \
[![Star](https://img.shields.io/github/stars/a/b?style=social)](https://github.com/a/b) | \
![logo](https://x.org/l.png) | ✓ | ✓ strong |[//]: # (disabled)
| B | CVPR | [code](https://github.com/c/d) | - | ✗ | n/a |
"""


def test_readme_badges_images_comments_headings_and_check_marks():
    [(data, paper, readme)], problems = through(README, "README.md")
    assert not errors(problems)
    assert data["caption"] == "Models"
    assert [c["title"] for c in data["columns"]] == ["Name", "Venue", "Code", "Logo", "UDA", "Note"]
    row = data["rows"][0]
    assert row["venue"] == "\\image{https://img.shields.io/badge/NeurIPS-2023-blue}{NeurIPS}"  # no \href{}{}
    assert row["code"] == "\\href{https://github.com/a/b}{\\image{https://img.shields.io/github/stars/a/b?style=social}{Star}}"
    # README: the images themselves; the paper: their alt text
    assert "[![Star](https://img.shields.io/github/stars/a/b?style=social)](https://github.com/a/b)" in readme
    assert "![NeurIPS](https://img.shields.io/badge/NeurIPS-2023-blue)" in readme
    assert "![logo](https://x.org/l.png)" in readme
    assert "\\href{https://github.com/a/b}{{Star}}" in paper and "NeurIPS" in paper and "\\image" not in paper
    assert "shields" not in paper
    # a column of marks is yes/no; a mark among text is \checkmark
    assert data["columns"][4]["type"] == "bool" and row["uda"] is True and data["rows"][1]["uda"] is False
    assert row["note"] == "\\checkmark strong" and "\\checkmark strong" in paper
    assert any("Markdown comments" in p.message for p in problems)


def test_import_prints_what_each_table_read_and_wrote(tmp_path, capsys):
    from conftest import MINI, copy_survey
    from surveybuild.cli import main

    root = copy_survey(MINI, tmp_path / "mini")
    src = tmp_path / "t.tex"
    src.write_text("\\begin{table}\\caption{C}\\begin{tabular}{ll} A & B \\\\ \\hline x \\cite{k1} & y \\\\ "
                   "z & \\citep{k2,k3} \\\\ \\end{tabular}\\end{table}\n", "utf-8")
    main(["-C", str(root), "import", str(src)])
    err = capsys.readouterr().err
    assert "t.yaml (from " in err and "t.tex:1:" in err
    assert "read 2 row(s), 4 cell(s), 3 cite key(s); written 2 row(s), 4 cell(s), 3 cite key(s)" in err


def test_a_piece_that_does_not_reach_the_written_table_is_listed_with_its_line():
    import dataclasses

    from surveybuild.importer import read_raw
    from surveybuild.importer.account import account
    from surveybuild.importer.assemble import assemble

    text = "\\begin{tabular}{ll} A & B \\\\ \\hline x & y \\\\\nlost & w \\cite{k9} \\\\ \\end{tabular}"
    [raw] = read_raw(text, "s.tex")
    imported, problems = assemble(raw, "s")
    line, lost = account(raw, imported, problems)
    assert not lost and line.startswith("read 2 row(s), 4 cell(s), 1 cite key(s); written 2 row(s)")
    dropped = dataclasses.replace(imported, table=dataclasses.replace(imported.table, rows=imported.table.rows[:1]))
    _, lost = account(raw, dropped, problems)
    assert [str(p) for p in lost] == [
        "s.tex:2:1: warning: not carried: 'lost' (words lost are not in the table written) (add it to the YAML by hand)",
        "s.tex:2:8: warning: not carried: 'w \\cite{k9}' (words w are not in the table written) "
        "(add it to the YAML by hand)",
        "s.tex:2:8: warning: not carried: cite key 'k9' (add it to the YAML by hand)"]


def test_math_symbols_lists_minipages_and_custom_marks_in_cells():
    text = ("\\begin{tabular}{lllll} Name & Flow & Pros & Mark & Eq \\\\ \\hline "
            "A & Transition $\\to$ episode, $\\rho_t$ & \\begin{minipage}{\\linewidth}\\raggedright\\vspace{2pt}"
            "\\begin{itemize} \\item fast \\item small \\end{itemize}\\end{minipage} & \\boldcheckmark & "
            "\\[ x \\leq y \\] \\\\ B & $\\alpha$ & - & \\redxmark & - \\\\ \\end{tabular}")
    [(data, paper, readme)], problems = through(text, "s.tex")
    assert not errors(problems)
    row = data["rows"][0]
    # the README keeps the math for GitHub to typeset (docs/format.md)
    assert row["flow"] == "Transition $\\to$ episode, $\\rho_t$" and "Transition $\\to$ episode, $\\rho_t$" in readme
    # a list in a cell: one item a line (the format's line breaks, docs/format.md)
    assert row["pros"] == "\\textbullet{} fast\n\\textbullet{} small" and "• fast<br>• small" in readme
    assert row["eq"] == "$x \\leq y$"
    assert data["columns"][3]["type"] == "bool" and row["mark"] is True and data["rows"][1]["mark"] is False


def test_a_surveys_own_cite_command_is_written_as_natbibs():
    text = ("\\begin{table}\\caption{Models\\upcite{k0}}\\begin{tabular}{ll} Model & Paper \\\\ \\hline "
            "A & \\upcite{k1,k2} \\\\ \\end{tabular}\\end{table}")
    [(data, paper, readme)], problems = through(text, "s.tex", ["k0", "k1", "k2"])
    assert not errors(problems)
    assert data["caption"] == "Models\\citep{k0}" and data["rows"][0]["paper"] == "\\citep{k1,k2}"
    assert any("\\upcite -> \\citep" in p.message for p in problems)


def test_a_relative_link_in_a_readme_cell_keeps_its_text_and_is_listed():
    text = ("| Method | Paper |\n|---|---|\n| [Alpha](tools/alpha) | [P1](https://example.org/p1) |\n"
            "| [Beta](../beta/) | [P2](https://example.org/p2) |\n")
    tables, problems = through(text, "README.md")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert "tools/alpha" not in str(data["rows"]) and "../beta" not in str(data["rows"])
    assert "[Alpha](tools/alpha)" in data["comment"] and "[Beta](../beta/)" in data["comment"]  # for the author
    assert "Alpha" in readme and "Beta" in paper
    assert "https://example.org/p1" in readme
    listed = [str(p) for p in problems if "not http(s)" in p.message]
    assert len(listed) == 1 and "[Alpha](tools/alpha)" in listed[0] and "2 time(s)" in listed[0]


def test_a_heading_with_an_arrow_becomes_a_caption_the_cell_rules_allow():
    text = "## Source -> Target\n\n| Method | Score |\n|---|---|\n| Alpha | 1 |\n"
    tables, problems = through(text, "README.md")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert data["caption"] == "Source -> Target"
    assert "\\caption{Source -> Target}" in paper and "ensuremath" not in paper


def test_a_cross_reference_in_a_cell_becomes_its_label_text_and_is_listed():
    text = ("\\begin{tabular}{ll}\\toprule Topic & Where \\\\ \\midrule Alpha & \\S\\ref{sec:alpha_one} \\\\ "
            "Beta & Table~\\Cref{tab:beta} \\\\ \\bottomrule\\end{tabular}\n")
    tables, problems = through(text, "paper.tex")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert "\\ref" not in paper and "\\Cref" not in paper
    assert "\\S{}sec:alpha\\_one" in paper and "| sec:alpha" in readme and "Table tab:beta" in readme
    assert [p for p in problems if "cross-references" in p.message and "2 time(s)" in p.message]


def test_a_pandoc_caption_under_a_table_is_its_caption_and_a_unique_column_names_the_rows():
    text = ("::: {.wide}\n| Year | Model | Open |\n|---|---|---|\n| 2020 | Alpha | Yes |\n| 2020 | Beta | No |\n"
            "| 2021 | Gamma | Yes |\nTable: Models by year. {#tbl:models}\n:::\n")
    tables, problems = through(text, "chapter.md")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert data["caption"] == "Models by year."
    assert [r["model"] for r in data["rows"]] == ["Alpha", "Beta", "Gamma"]
    assert data["columns"][0]["key"] == "model"  # the year repeats: the unique column names the rows
    assert [p for p in problems if "pandoc" in p.message]


def test_a_line_without_a_bar_that_is_not_pandoc_syntax_stays_a_row():
    text = "| Model | Open |\n|---|---|\n| Alpha | Yes |\nBeta\n"
    tables, problems = through(text, "README.md")
    assert [r["model"] for r in tables[0][0]["rows"]] == ["Alpha", "Beta"]  # as GitHub shows it


def test_a_non_breaking_hyphen_in_a_readme_cell_prints_as_a_hyphen_in_the_paper():
    text = "| Method | Note |\n|---|---|\n| `Pre\u2011fix` | semi\u2011supervised |\n"
    tables, problems = through(text, "README.md")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert "semi-supervised" in paper and "\\texttt{Pre-fix}" in paper
    assert "semi\u2011supervised" in readme  # the README keeps the character


def test_a_math_symbol_in_a_readme_cell_becomes_inline_math():
    text = "| Title | Score |\n|---|---|\n| [**A\u2217 search**](https://example.org/a) | \u2265 3 |\n"
    tables, problems = through(text, "README.md")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert "A$*$ search" in data["rows"][0]["title"]  # a latex cell: the math it may hold, not \ensuremath
    assert "\\ensuremath{\\geq} 3" in paper  # a text cell: the build escapes it as it does any text


def test_numprint_and_nobreakdash_keep_their_text():
    text = ("\\begin{tabular}{ll}\\toprule Method & Reads \\\\ \\midrule Alpha & \\numprint{1000} \\\\ "
            "Beta\\nobreakdash-2 & \\numprint[nt]{25000} \\\\ \\bottomrule\\end{tabular}\n")
    tables, problems = through(text, "paper.tex")
    data, paper, readme = tables[0]
    assert not errors(problems)
    assert "numprint" not in paper and "nobreakdash" not in paper
    assert "| Alpha | 1000 |" in readme and "| Beta-2 | 25000 |" in readme


def test_a_heading_that_is_a_link_gives_its_text_as_the_caption_not_its_markdown():
    text = ("## 🚀 [Towards Better Models: A Study](https://example.org/a%20b.pdf) <!-- x -->\n\n"
            "| Name | Size |\n| --- | --- |\n| A | 7B |\n\n"
            "### ![logo](https://x.org/l.png) `Code` and *emphasis*\n\n| Name | Size |\n| --- | --- |\n| B | 13B |\n")
    [(first, paper, _), (second, _, _)], problems = through(text, "README.md")
    assert not errors(problems)
    assert first["caption"] == "Towards Better Models: A Study"
    assert "example.org" not in paper and "](" not in paper
    assert second["caption"] == "logo Code and emphasis"
