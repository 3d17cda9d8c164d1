"""Regression tests from real survey repositories tried as a stranger would (issue 12): small inputs of our own
that reproduce what broke."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_tool

from surveybuild.build import pipeline as build
from surveybuild.importer import import_text, to_yaml
from surveybuild.importer.command import run_import
from surveybuild.init import init

LATIN1_TABLE = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[latin1]{inputenc}\n"
                "\\begin{document}\n\\begin{tabular}{ll}\nName & Place \\\\\n\\hline\nR\u00e9sum\u00e9 & Z\u00fcrich \\\\\n"
                "\\end{tabular}\n\\end{document}\n")


def test_a_latex_file_in_the_8bit_encoding_it_declares_imports(tmp_path):
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "old.tex"
    source.write_bytes(LATIN1_TABLE.encode("latin-1"))
    report = run_import(root, str(source), None)
    assert report.errors == [], report.errors
    assert "Z\u00fcrich" in (root / "tables" / "old.yaml").read_text("utf-8")


def test_a_file_in_an_undeclared_encoding_names_the_line_and_column_and_the_fix(tmp_path):
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "old.tex"
    source.write_bytes(LATIN1_TABLE.replace("\\usepackage[latin1]{inputenc}\n", "").encode("latin-1"))
    report = run_import(root, str(source), None)
    assert [str(p) for p in report.errors] == [
        f"{source}:7:2: error: not UTF-8 text: invalid continuation byte b'\\xe9' (declare its encoding with "
        "\\usepackage[latin1]{inputenc} (or the one it is in), or convert it: iconv -f latin1 -t utf-8)"]
    assert not (root / "tables" / "old.yaml").exists()


HTML_BADGES = """## Tools

| Name | What | Notebook |
|------|------|----------|
| A | <b>Bold</b> thing | <a href="https://colab.research.google.com/x"><img src="https://img.example/colab.svg" alt="Open In Colab"></a> |
| B | <i>slanted</i> | <a href='https://example.org/b'>site</a> |
"""


def test_html_links_images_and_emphasis_in_markdown_cells_are_kept_as_their_markdown_forms(tmp_path):
    """A README's `<a href><img></a>` badge in a pipe table: kept as a linked image, not emptied to ''."""
    result = import_text(HTML_BADGES, "README.md")
    assert [p for p in result.problems if p.severity == "error"] == []
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert rows[0]["notebook"] == "\\href{https://colab.research.google.com/x}{\\image{https://img.example/colab.svg}" \
                                  "{Open In Colab}}"
    assert rows[0]["what"] == "\\textbf{Bold} thing"
    assert rows[1]["what"] == "\\textit{slanted}"
    assert rows[1]["notebook"] == "\\href{https://example.org/b}{site}"
    assert not any("without a place" in p.message for p in result.problems)


def test_an_image_from_a_file_of_the_old_repository_becomes_its_alt_text_and_is_listed(tmp_path):
    """`<img src="img/colab.svg">` (and `![x](img/x.png)`): the build allows only http(s) images, so the importer
    keeps the alt text (a badge's link stays) and says so, instead of writing what the build then refuses."""
    text = ("| Name | Notebook | Logo |\n|---|---|---|\n"
            "| A | <a href=\"https://colab.research.google.com/x\"><img src=\"img/colab.svg\" alt=\"Open In Colab\"></a>"
            " | ![Logo](img/logo.png) |\n")
    result = import_text(text, "README.md")
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert rows[0]["notebook"] == "\\href{https://colab.research.google.com/x}{Open In Colab}"
    assert rows[0]["logo"] == "Logo"
    [notice] = [p for p in result.problems if "images that are not at an http(s) address" in p.message]
    assert "![Open In Colab](img/colab.svg)" in notice.message and "[2 time(s)]" in notice.message
    assert str(notice.source) == "README.md:1:1"


def test_a_table_with_a_header_and_no_body_is_skipped_with_a_warning_not_an_error():
    """opencompass-like README: a contributors banner as a one-cell <table><tr><th>: not data, not a defect."""
    text = ("## Models\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "<table>\n  <tr>\n    <th colspan=\"2\"><img src=\"https://contrib.example/x.svg\"></th>\n  </tr>\n</table>\n")
    result = import_text(text, "README.md")
    assert len(result.tables) == 1
    assert [p.severity for p in result.problems if "no body rows" in p.message] == ["warning"]
    assert [str(p.source) for p in result.problems if "no body rows" in p.message] == ["README.md:7:1"]  # the <table> line


BIBITEM_PAPER = r"""\documentclass{article}
\begin{document}
\begin{tabular}{ll}
Tool & Year \\
\hline
Haystack~\cite{2003_Quan_Haystack} & 2003 \\
\end{tabular}
\begin{thebibliography}{9}
%\bibitem{2003_Quan_Haystack} an old line
\bibitem{2003_Quan_Haystack} D.~Quan. Haystack. 2003.
\end{thebibliography}
\end{document}
"""


def test_a_key_defined_by_the_papers_own_bibitem_list_says_where_and_what_to_do():
    result = import_text(BIBITEM_PAPER, "survey.tex", bib_keys=set())
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert str(problem) == (
        "survey.tex:6:1: error: cite key '2003_Quan_Haystack' is not in refs.bib: the build stops on it "
        "(survey.tex:10 defines it with \\bibitem in a thebibliography list, which surveybuild does not read: "
        "write that list as BibTeX entries in refs.bib (the same keys))")


NOTE_UNDER_THE_TABLE = r"""\begin{table}
\caption{Datasets}
\begin{tabular}{lcc}
\toprule
Dataset & Users & Items \\
\midrule
\multicolumn{3}{l}{\textit{Explicit}} \\
\midrule
ML-1M & 6K & 3.9K \\
\bottomrule
\multicolumn{3}{l}{\scriptsize \textit{Note: Sizes approximate.}} \\
\end{tabular}
\end{table}
"""


def test_a_row_across_the_table_under_its_last_row_is_a_note_of_the_table_not_an_empty_group():
    """Under \\bottomrule, '\\multicolumn{3}{l}{Note: ...}' became a group with no rows, which neither output
    shows: the note was lost without a word. It is now a note marked in the caption (shown under the table)."""
    result = import_text(NOTE_UNDER_THE_TABLE, "t.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["caption"] == "Datasets\\tnotex{tablenote}"
    assert data["notes"] == {"tablenote": "Note: Sizes approximate."}
    assert [g["title"] for g in data["groups"]] == ["Explicit"]
    assert [str(p) for p in result.problems if "notes of the whole table" in p.message] == [
        "t.tex:11:1: warning: 1 row(s) across the table below its last row of values were read as notes of the "
        "whole table, marked in the caption (move the mark in the YAML if it belongs elsewhere)"]
    assert result.tables[0].stats["account"].startswith("read 3 row(s)")
    assert "written 3 row(s)" in result.tables[0].stats["account"]
    assert not [p for p in result.problems if p.severity == "error" or "not carried" in p.message]


ROWFONT = r"""\newcommand{\rowfonttype}{}
\newcommand{\rowfont}[1]{\gdef\rowfonttype{#1}#1}
\begin{tabular}{|p{3cm}|p{2cm}|}
\hline
\rowfont{\scriptsize}\textbf{Data set} & \rowfont{\scriptsize}\textbf{Public?} \\
\hline
CERT (2014) & \vfil\hfil\textbf{+} \\
Enron (2004) & \vfil\hfil\textbf{--} \\
\end{tabular}
"""


def test_a_macro_that_makes_a_definition_expands_to_its_text_and_glue_primitives_are_layout():
    """tabu-style \\rowfont (\\gdef in its body) gave '\\gdef{}' in every header; \\vfil was 'undefined' and \\hfil
    refused, though both are TeX primitives that print nothing."""
    from surveybuild.importer.macros import collect
    macros, _ = collect(ROWFONT, "t.tex")
    result = import_text(ROWFONT, "t.tex", macros=macros)
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    assert not [p for p in result.problems if "not represented" in p.message]
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c["title"] for c in data["columns"]] == ["Data set", "Public?"]
    assert [r["public"] for r in data["rows"]] == ["\\textbf{+}", "\\textbf{--}"]


SN_FOOTNOTES = r"""\begin{table}[h]
\caption{Caption text}\label{tab1}%
\begin{tabular}{@{}llll@{}}
\toprule
Column 1 & Column 2 & Column 3 & Column 4\\
\midrule
row 1 & data 1 & data 2 & data 3 \\
row 2 & data 4 & data 5\footnotemark[1] & data 6 \\
row 3 & data 7 & data 8 & data 9\footnotemark[2] \\
\botrule
\end{tabular}
\footnotetext{Source: an example of a table footnote.}
\footnotetext[1]{A first table footnote.}
\footnotetext[2]{A second table footnote.}
\end{table}
"""


def test_springer_footnotemark_and_footnotetext_in_a_table_become_its_notes():
    """Springer Nature's sn-jnl template puts table footnotes as \\footnotemark[n] in cells and \\footnotetext[n]{...}
    under the tabular; both were refused ('\\footnotemark is not allowed') and the texts left behind."""
    result = import_text(SN_FOOTNOTES, "sn-article.tex")
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["notes"] == {"fn": "Source: an example of a table footnote.", "fn1": "A first table footnote.",
                             "fn2": "A second table footnote."}
    assert data["caption"] == "Caption text\\tnotex{fn}"
    assert result.tables[0].stats["account"].startswith("read 3 row(s), 12 cell(s)")
    assert "written 3 row(s), 12 cell(s)" in result.tables[0].stats["account"]
    cells = {r["column_1"]: r for r in data["rows"]}
    assert cells["row 2"]["column_3"] == "data 5\\tnotex{fn1}"
    assert cells["row 3"]["column_4"] == "data 9\\tnotex{fn2}"
    assert not [p for p in result.problems if "not carried" in p.message or "not represented" in p.message]


def test_an_image_without_alt_text_is_listed_as_left_out_of_the_paper():
    """A GitHub-stars badge `![](https://badgen.net/github/stars/x/y)` beside a link (a badge service whose address
    the importer does not read; shields.io's: tests/test_import_strangers5.py): the README shows it, the paper
    (which shows alt texts) cannot: said once with a count, not left out silently."""
    text = ("| Tool | Code |\n|---|---|\n| A | [C](https://github.com/x/a) ![](https://badgen.net/github/stars/x/a) |\n"
            "| B | [Go](https://github.com/x/b) ![](https://badgen.net/github/stars/x/b) |\n")
    result = import_text(text, "README.md")
    [notice] = [p for p in result.problems if "without alt text" in p.message]
    assert notice.severity == "warning" and "[2 time(s)]" in notice.message
    assert "![](https://badgen.net/github/stars/x/a)" in notice.message


def test_a_note_marked_in_a_header_cell_is_marked_in_the_caption():
    """sn-jnl's '\\multicolumn{3}{c}{Element 1\\footnotemark[1]}' over the columns: titles hold no marks, so the
    note went to the comment and its mark was 'not carried'. It is marked in the caption instead."""
    text = SN_FOOTNOTES.replace("Column 1 & Column 2", "Column 1\\footnotemark[1] & Column 2").replace(
        "data 5\\footnotemark[1]", "data 5")
    result = import_text(text, "sn.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["caption"] == "Caption text\\tnotex{fn}\\tnotex{fn1}"
    assert set(data["notes"]) == {"fn", "fn1", "fn2"}
    assert [c["title"] for c in data["columns"]][0] == "Column 1"
    assert [p.message for p in result.problems if "header cells" in p.message] == [
        "notes marked in header cells (fn1) are marked in the caption: column titles hold no marks"]
    assert not [p for p in result.problems if "not carried" in p.message or p.severity == "error"]


def test_bytes_that_are_not_utf8_inside_a_latex_comment_are_skipped_as_tex_skips_them(tmp_path):
    """Springer's sn-article.tex has a Windows quote (0x93) in a '%%' comment: TeX never reads it, nor does import."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "sn.tex"
    source.write_bytes(b"%% the \x93sn-basic\x94 option\n" + LATIN1_TABLE.replace(
        "\\usepackage[latin1]{inputenc}\n", "").replace("R\u00e9sum\u00e9", "Resume").replace(
        "Z\u00fcrich", "Zurich").encode("ascii"))
    report = run_import(root, str(source), None)
    assert report.errors == [], report.errors
    assert "Zurich" in (root / "tables" / "sn.yaml").read_text("utf-8")


MATH_HEADER = ("\\begin{tabular}{lll}\n\\toprule\nModel & $\\rho(x)$ & $F_1$ score \\\\\n\\midrule\n"
               "A & 0.5 & 0.7 \\\\\nB & 0.6 & 0.8 \\\\\n\\bottomrule\n\\end{tabular}\n")


def test_math_in_a_header_cell_becomes_the_title_it_reads_as_and_is_listed(tmp_path):
    """A column title is plain text in both outputs: `$\\rho(x)$` was kept as the characters '$\\rho(x)$' and the
    paper printed them escaped. It reads as 'ρ(x)', and the cell is listed at its line."""
    result = import_text(MATH_HEADER, "t.tex")
    titles = [c.title for c in result.tables[0].table.columns]
    assert titles[1:] == ["\u03c1(x)", "F_1 score"], titles
    listed = [p for p in result.problems if "its math is written as the text it reads as" in p.message]
    assert [(p.source.line, p.severity) for p in listed] == [(3, "warning"), (3, "warning")]
    # the whole way: import into a survey, build; the engine is chosen for the title's character
    root = tmp_path / "s"
    assert init(root).ok
    (tmp_path / "t.tex").write_text(MATH_HEADER, "utf-8")
    report = run_import(root, str(tmp_path / "t.tex"), None)
    assert report.errors == [], report.errors
    from surveybuild.build import pipeline

    built = pipeline.build(root)
    assert built.ok, [str(p) for p in built.problems]


ADDCODE_THEN_TABLE = r"""\begin{figure}
  \begin{adjustbox}{addcode={\begin{minipage}{\width}}{\caption{Bots}\end{minipage}},rotate=90,center}
    \includegraphics{bots.pdf}
  \end{adjustbox}
\end{figure}
\begin{table}
\caption{Results}
\begin{tabular}{lr}
\textbf{Bot} & \textbf{Wins} \\ \hline
Alpha & Feb\hspace{0.7ex}\nolinebreak[2]2011 \\
Beta & \verb|{|12 \\
\end{tabular}
\begin{flushleft}\footnotesize
\textbf{Wins:} games won in the final round.
\end{flushleft}
\vspace{-3mm}
\label{tab:results}
\end{table}
"""


def test_code_halves_of_an_environment_in_an_option_do_not_hide_the_tables_after_them():
    """adjustbox's addcode={\\begin{minipage}...}{...\\end{minipage}}: the \\begin closes with its brace group, so
    LaTeX reads no environment there; the walker read the rest of the file into it: 'no table found'. The float's
    text beside its tabular (a flushleft paragraph) was dropped unsaid; it is now a note of the table. A line-break
    hint (\\nolinebreak[2]) is layout, and \\hspace between two words leaves them two words."""
    result = import_text(ADDCODE_THEN_TABLE, "t.tex")
    assert len(result.tables) == 1
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["caption"] == "Results\\tnotex{floatnote}" and data["label"] == "tab:results"
    assert data["notes"] == {"floatnote": "\\textbf{Wins:} games won in the final round."}
    assert data["rows"] == [{"bot": "Alpha", "wins": "Feb 2011"}, {"bot": "Beta", "wins": "\\texttt{\\{}12"}]
    assert [str(p) for p in result.problems if "beside the tabular" in p.message] == [
        "t.tex:14:1: warning: text beside the tabular in its float became a note of the whole table ('floatnote'), "
        "marked in the caption (move the mark in the YAML if it belongs elsewhere)"]
    assert not [p for p in result.problems if p.severity == "error" or "not carried" in p.message]


def test_the_accounting_counts_row_group_titles_as_the_cells_they_were_and_the_summary_sums_the_tables(tmp_path):
    """'read 13 row(s), 97 cell(s); written 13 row(s), 91 cell(s)' with nothing listed: the 6 cells of a
    \\multirow group column became group titles, which the written count left out; and the command's summary
    line said '0 row(s), 0 cell(s)' (the row counter was shadowed)."""
    source = tmp_path / "cost.tex"
    source.write_text("\\begin{tabular}{llr}\n & Metric & Value \\\\ \\hline\n\\multirow{2}{*}{Total} & Tokens & 5 \\\\\n"
                      " & Cost & 6 \\\\\n\\multirow{2}{*}{Agent} & Iter & 7 \\\\\n & Tools & 8 \\\\\n\\end{tabular}\n",
                      "utf-8")
    root = tmp_path / "s"
    assert init(root).ok
    report = run_import(root, str(source), None)
    lines = [line for line in report.info if "row(s)" in line]
    assert "read 4 row(s), 10 cell(s), 0 cite key(s); written 4 row(s), 10 cell(s), 0 cite key(s)" in lines[0]
    assert lines[1] == f"import: 1 table(s), 4 row(s), 10 cell(s) from {source}"


def test_a_symbol_whose_macro_no_cell_may_hold_stays_the_character_in_a_markdown_cell():
    """'·' and '×' in a README cell with a link became \\textperiodcentered{} and \\texttimes{}, which the
    check then refused (an error the import itself made); the character is kept, as the paper can typeset it."""
    result = import_text("| Name | Details |\n|---|---|\n| [Jina](https://example.org/j) | serving · search, 2× **faster** "
                         "≥ 0.8 |\n", "README.md")
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    row = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"][0]
    assert row["details"] == "serving · search, 2× \\textbf{faster} $\\geq$ 0.8"


def test_a_relative_output_is_in_the_survey_folder_and_one_the_build_does_not_read_is_said(tmp_path, monkeypatch):
    """'surveybuild -C s import x.tex -o tables/' wrote ./tables/ beside the caller, outside the survey, and then
    printed the lines to show tables the build would never find."""
    from surveybuild import cli
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "x.tex"
    source.write_text("\\begin{tabular}{ll}\nA & B \\\\ \\hline\na & b \\\\\n\\end{tabular}\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-C", "s", "import", str(source), "-o", "tables/"]) == 0
    assert (root / "tables" / "x.yaml").is_file() and not (tmp_path / "tables").exists()
    report = run_import(root, str(source), "drafts/x.yaml")
    assert (root / "drafts" / "x.yaml").is_file()
    assert [p.message for p in report.problems if "tables folder" in p.message] == [
        f"not in the survey's tables folder ({root / 'tables'}): the build does not read it"]


def test_a_link_to_a_web_address_without_its_scheme_gets_https_and_a_file_stays_a_file():
    """'[Ray Tune](github.com/ray-project/ray)' was called 'a file of the source repository' and dropped; GitHub
    shows it as a broken link to a file. A host with a common top-level domain (not a file suffix) gets https://."""
    result = import_text("| Name | Site |\n|---|---|\n| [Tool](github.com/org/tool) | [w](www.example.org) |\n"
                         "| [Doc](docs/README.md) | [s](setup.py) |\n", "README.md")
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert rows[0] == {"name": "\\href{https://github.com/org/tool}{Tool}", "site": "\\href{https://www.example.org}{w}"}
    assert rows[1] == {"name": "Doc", "site": "s"}
    assert any("without its scheme ([Tool](github.com/org/tool))" in p.message for p in result.problems)


def test_a_table_whose_label_the_survey_already_has_is_said_at_import(tmp_path):
    """Two papers of one repository held the same tables: both imported, the build refused seven labels twice.
    The second import now says so, naming the table that has the label."""
    root = tmp_path / "s"
    assert init(root).ok
    table = "\\begin{table}\\caption{R}\\label{tab:results}\n\\begin{tabular}{ll}\nA & B \\\\ \\hline\na & b \\\\\n" \
            "\\end{tabular}\\end{table}\n"
    for name in ("paper.tex", "chapter.tex"):
        (tmp_path / name).write_text(table, "utf-8")
    assert not [p for p in run_import(root, str(tmp_path / "paper.tex"), None).problems if "label" in p.message]
    report = run_import(root, str(tmp_path / "chapter.tex"), None)
    assert [str(p) for p in report.problems if "label" in p.message] == [
        f"{tmp_path / 'chapter.tex'}:2:1: warning: label 'tab:results' is also the label of tables/paper.yaml: the "
        "build refuses two tables with one label (if both are the same table, keep one; else rename one label "
        "(and its \\ref))"]


TABULARRAY = r"""\begin{table}
\caption{Models}\label{tab:models}
\begin{tblr}{colspec={lX[c]Q[r,wd=2cm]}, row{1}={font=\bfseries}}
\toprule
Model & Venue & Year \\ \midrule
\SetCell[r=2]{l} GPT & NeurIPS & 2020 \\
 & ICML & 2021 \\
BERT & \SetCell[c=2]{c} NAACL 2019 & \\
\bottomrule
\end{tblr}
\end{table}
\begin{longtblr}[caption={Sizes},label={tab:sizes},note{a}={Reported by its authors.},remark{Source}={Papers.}]
  {colspec={Q[l]Q[c]}}
\hline
Model & Size \\ \hline
GPT\TblrNote{a} & 175B \\
\end{longtblr}
"""


def test_tabularray_tables_are_found_with_their_columns_spans_caption_and_notes():
    """A survey set with tabularray (tblr, longtblr, talltblr) gave 'no table found'. Its colspec key gives the
    columns (X[c] a centred wrapping column, Q[r,wd=2cm] a right-aligned 2cm one), \\SetCell is layout (a
    row span leaves the empty cells below it, read as sub-rows), and a long table's caption, label, note{a} and
    remark{..} from its outer spec. A mark at the end of a row's name is no longer called 'not carried'."""
    result = import_text(TABULARRAY, "t.tex")
    assert [p for p in result.problems if p.severity == "error" or "not carried" in p.message] == []
    first, second = (yaml.safe_load(to_yaml(t.table, "", "t")) for t in result.tables)
    assert [(c["title"], c.get("align"), c.get("width"), c.get("wrap")) for c in first["columns"]] == [
        ("Model", None, None, None), ("Venue", "c", None, True), ("Year", "r", "2cm", None)]
    assert first["rows"] == [{"model": "GPT", "subrows": [{"venue": "NeurIPS", "year": "2020"},
                                                         {"venue": "ICML", "year": "2021"}]},
                             {"model": "BERT", "venue": "NAACL 2019"}]
    assert (second["caption"], second["label"], second["layout"]) == ("Sizes\\tnotex{Source}", "tab:sizes", "long")
    assert second["notes"] == {"a": "Reported by its authors.", "Source": "Source: Papers."}
    assert second["rows"] == [{"model": "GPT", "size": "175B", "notes": ["a"]}]


FOOTNOTES_AFTER_THE_FLOAT = r"""\begin{table}
\caption{Vocabularies}
\begin{tabular}{lc}
\hline
Work & Change \\ \hline
Delta \cite{k1} & yes \\
Update Ontology\footnotemark & yes \\
Patch\footnotemark & no \\
\hline
\end{tabular}
\end{table}
\footnotetext{https://example.org/ontology}
\footnotetext{A patch format.}
Text with its own footnote\footnote{Not the table's.}.
"""


def test_unnumbered_footnotemarks_in_cells_pair_in_order_with_the_footnotetexts_after_the_float():
    """'Name\\footnotemark' in cells and '\\footnotetext{url}' lines after \\end{table}: each cell's mark was an
    error ('\\footnotemark' not allowed). They pair in order, as the author meant: notes fn1, fn2 of those rows."""
    result = import_text(FOOTNOTES_AFTER_THE_FLOAT, "t.tex")
    assert [p for p in result.problems if p.severity == "error" or "not carried" in p.message] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["notes"] == {"fn1": "https://example.org/ontology", "fn2": "A patch format."}
    assert [(r["work"], r.get("notes")) for r in data["rows"]] == [
        ("Delta", None), ("Update Ontology", ["fn1"]), ("Patch", ["fn2"])]


def test_ablation_rows_that_repeat_under_each_base_row_are_named_under_it():
    """A README's HTML table of long-context results: '+ dynamic_ntk + logn' under each model. The repeats were
    named '(2)', '(3)'..., which says nothing of the model; as an indented LaTeX row is, each is now named under
    the last row above it that is not such a row. A table whose such names are all unique keeps them."""
    html = ("<table><tr><th>Model</th><th>1024</th></tr>\n<tr><td>Base-7B</td><td>4.2</td></tr>\n"
            "<tr><td>+ ntk</td><td>3.7</td></tr>\n<tr><td>Base-14B</td><td>3.4</td></tr>\n"
            "<tr><td>+ ntk</td><td>3.2</td></tr>\n<tr><td>w/o RLHF</td><td>3.9</td></tr>\n</table>\n")
    result = import_text(html, "README.md")
    names = [r.name for r in result.tables[0].table.rows]
    assert names == ["Base-7B", "Base-7B: + ntk", "Base-14B", "Base-14B: + ntk", "Base-14B: w/o RLHF"]
    assert not any("(2)" in p.message for p in result.problems)
    unique = import_text("| Model | Score |\n|---|---|\n| Base | 1 |\n| + ntk | 2 |\n| w/o RLHF | 3 |\n", "README.md")
    assert [r.name for r in unique.tables[0].table.rows] == ["Base", "+ ntk", "w/o RLHF"]


def test_a_header_wider_than_the_body_and_a_bare_verb_are_messages_not_tracebacks():
    """Found by fuzzing the readers with the pieces of the inputs above: an HTML header cell spanning past the
    body's cells (IndexError in the column types), and '\\verb' with no delimiter before the end of the file
    (IndexError in pylatexenc)."""
    wide = import_text("<table><tr><th rowspan=2>Model</th><th>Score</th></tr><tr><th>Test</th><th colspan=3>Dev</th>"
                       "</tr><tr><td>a</td><td>b</td></tr></table>", "R.html")
    assert [c.title for c in wide.tables[0].table.columns] == ["Model", "Test", "Dev", "Dev (2)", "Dev (3)"]
    verb = import_text("\\begin{tabular}{ll}\nA & B \\\\ \\hline\na & b \\\\\n\\end{tabular}\nSee \\verb", "t.tex")
    assert [str(p) for p in verb.problems if "verb" in p.message] == [
        "t.tex:5:5: warning: '\\verb' without a delimiter after it: left out (write \\verb|text| or \\texttt{text})"]


#: pieces of the inputs above and of real tables, for text no one wrote: every reader must answer with tables or
#: placed problems, never a traceback. Free arrangements, and table-shaped ones (rows of cells with spans).
PIECES = {
    "t.tex": ["\\begin{table}", "\\end{table}", "\\begin{tabular}{lc}", "\\end{tabular}", "\\begin{tblr}{colspec={X[c]",
              "\\end{tblr}", "{", "}", "&", "\\\\", "\\hline", "\\footnotemark", "\\footnotetext{t}", "\\verb|{|", "\\verb",
              "%", "\n", "$", "\\begin{flushleft}", "\\end{flushleft}", "x", "+ x", "\\SetCell[r=2]{l}", "\\caption{c}",
              "\\multirow{2}{*}{g}", "\\multicolumn{3}{c}{m}", "\\begin{minipage}{1cm}", "\\end{minipage}", "\\cite{k}"],
    "R.md": ["|", " | ", "---", ":-:", "\n", "[a](b)", "[a](github.com/x)", "![i](https://x/y.svg)", "**", "`", "<br>",
             "<b>", "+ x", "\u2b50\ufe0f", "\u00b7", "\\cite{k}", "<!-- c -->", "# H", "\\|", "$x$", "[", "]", "(", ")"],
    "R.html": ["<table>", "<tr>", "<th>", "<th colspan=3>", "<td>", "<td rowspan=2>", "<td colspan=2>", "</td>", "</tr>",
               "</table>", "x", "+ x", "<b>", "<br>", "<a href='#ref1'>1</a>", "<img src='i.png'>", "\n"],
}
_TEXT = st.sampled_from(["x", "", "+ x", "w/o y", "\u00b7", "1.5", "x"])
_GRID = st.lists(st.lists(st.tuples(st.sampled_from(["", "r2", "c2", "c3"]), _TEXT), min_size=1, max_size=4),
                 min_size=1, max_size=5)


def _html(grid) -> str:
    attr = {"": "", "r2": " rowspan=2", "c2": " colspan=2", "c3": " colspan=3"}
    head = 2 if len(grid) > 2 else 1  # header rows: <th>
    return "<table>" + "".join("<tr>" + "".join(f"<{'th' if r < head else 'td'}{attr[a]}>{t}</{'th' if r < head else 'td'}>"
                                                for a, t in row) + "</tr>\n" for r, row in enumerate(grid)) + "</table>"


def _markdown(grid) -> str:
    lines = ["| " + " | ".join(t for _, t in row) + " |" for row in grid]
    return "\n".join(lines[:1] + ["|" + "---|" * len(grid[0])] + lines[1:]) + "\n"


def _latex(grid) -> str:
    def cell(a, t):
        return {"r2": f"\\multirow{{2}}{{*}}{{{t}}}", "c2": f"\\multicolumn{{2}}{{c}}{{{t}}}",
                "c3": f"\\multicolumn{{3}}{{c}}{{{t}}}\\footnotemark"}.get(a, t)
    rows = [" & ".join(cell(a, t) for a, t in row) + " \\\\" + (" \\hline" if r == 0 else "") for r, row in enumerate(grid)]
    return "\\begin{table}\\caption{c}\\begin{tabular}{lcr}\n" + "\n".join(rows) + "\n\\end{tabular}\\end{table}\n" \
        "\\footnotetext{t}\n"


CASES = st.one_of(
    st.sampled_from(sorted(PIECES)).flatmap(
        lambda name: st.tuples(st.just(name), st.lists(st.sampled_from(PIECES[name]), max_size=60).map("".join))),
    _GRID.map(lambda g: ("R.html", _html(g))), _GRID.map(lambda g: ("R.md", _markdown(g))),
    _GRID.map(lambda g: ("t.tex", _latex(g))))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(CASES)
def test_any_arrangement_of_table_pieces_gives_tables_or_messages_never_a_traceback(case):
    from surveybuild.importer import ImportError_
    name, text = case
    try:
        import_text(text, name)
    except ImportError_:  # a file the parser gives up on: one message naming it
        pass


# -- round 3: strangers' surveys, second batch (acmart, wasysym comparison tables, \ensuremath, a class by path) --

HARVEY_TABLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage[nointegrals]{wasysym}
\usepackage{harveyballs}
\begin{document}
\begin{table}
\caption{Support: $\CIRCLE$ full, $\LEFTcircle$ partial, $\Circle$ none.}
\label{tab:support}
\begin{tabular}{lccc}
\toprule
Capability & Tool A & Tool B & Tool C \\
\midrule
Search & $\CIRCLE$ & \LEFTcircle{} & \harveyBallQuarter[1ex] \\
Ranking & $\Circle$ & \RIGHTcircle & \harveyBallThreeQuarter \\
Gain & \ensuremath{\Delta} 3 & $\ensuremath{\alpha}$ & $x \CIRCLE$ \\
\bottomrule
\end{tabular}
\end{table}
\end{document}
"""


def test_symbol_glyphs_become_their_characters_and_ensuremath_its_math(tmp_path):
    """A comparison table's Harvey balls (wasysym's `\\CIRCLE`, `$\\LEFTcircle$`, harveyballs' quarters): the
    README shows the character, the paper writes the glyph back with its package; `\\ensuremath{x}` is `$x$`."""
    result = import_text(HARVEY_TABLE, "old.tex")
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert [[row[k] for k in ("tool_a", "tool_b", "tool_c")] for row in rows[:2]] == [
        ["\u25cf", "\u25d0", "\u25d4"], ["\u25cb", "\u25d1", "\u25d5"]]
    assert rows[2]["tool_a"] == "$\\Delta$ 3" and rows[2]["tool_b"] == "${\\alpha}$"
    # a glyph among other math is no character of math: kept as written, and the check names it
    assert rows[2]["tool_c"] == "$x \\CIRCLE$"
    errors = [str(p) for p in result.problems if p.severity == "error"]
    assert len(errors) == 1 and "old.tex:15:56:" in errors[0] and "\\CIRCLE" in errors[0], errors
    assert result.tables[0].table.caption == "Support: \u25cf full, \u25d0 partial, \u25cb none."


def test_symbol_glyphs_typeset_with_pdflatex_through_their_packages(tmp_path):
    """The characters go back to the glyphs' macros under pdflatex (no engine switch), whose packages the
    generated preamble loads; pdflatex typesets them beside amsmath (wasysym without its integrals)."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "old.tex"
    source.write_text(HARVEY_TABLE.replace("& $x \\CIRCLE$", "& x \\CIRCLE"), "utf-8")
    report = run_import(root, str(source), str(root / "tables") + "/")
    assert report.errors == [] and not (root / "surveybuild.yaml").exists(), report.errors
    main = root / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\bibliographystyle", "\\input{tables/old}\n\\bibliographystyle"),
                    "utf-8")
    template = root / "templates/README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("old") }}\n', "utf-8")
    assert build.build(root).ok
    assert "| Search | ● | ◐ | ◔ |" in (root / "README.md").read_text("utf-8")
    paper = (root / "paper/tables/old.tex").read_text("utf-8")
    assert "\\LEFTcircle{}" in paper and "\\harveyBallThreeQuarter{}" in paper
    preamble = (root / "paper/tables/preamble.tex").read_text("utf-8")
    assert "\\usepackage[nointegrals]{wasysym}" in preamble and "\\usepackage{harveyballs}" in preamble
    require_tool("pdflatex")
    paper_report = build.paper(root)
    assert paper_report.ok, paper_report.errors


def test_a_class_that_loads_another_and_a_counter_define_what_the_cells_use(tmp_path):
    """acmart is built on amsart with `\\LoadClass`; `\\newcounter{x}` defines `\\thex`: names these define are
    known, not taken for undefined ones (whose name would stand in for their text) (an acmart copy beside the paper, named by its path, is read by its name)."""
    require_tool("kpsewhich")
    root = tmp_path / "s"
    assert init(root).ok
    old = tmp_path / "old"
    old.mkdir()
    (old / "mycls.cls").write_text("\\NeedsTeXFormat{LaTeX2e}\n\\ProvidesClass{mycls}\n\\LoadClass[11pt]{article}\n",
                                   "utf-8")
    (old / "main.tex").write_text("\\documentclass{mycls}\n\\newcounter{stage}\n\\begin{document}\n\\input{tab}\n"
                                  "\\end{document}\n", "utf-8")
    (old / "tab.tex").write_text("\\begin{tabular}{ll}\nName & Where \\\\\n\\hline\nA & \\tablename~\\thetable{} \\\\\n"
                                 "B & stage \\thestage \\\\\n\\end{tabular}\n", "utf-8")
    report = run_import(root, str(old / "tab.tex"), None)
    assert not [p for p in report.problems if "defined neither" in p.message], report.problems
    # known, so kept as written: the README cannot show a counter, which the check says at the cell
    assert sorted((p.source.line, p.message.split("'")[3]) for p in report.errors) == [
        (4, "\\tablename"), (4, "\\thetable"), (5, "\\thestage")]
    from surveybuild.checks import texknown
    assert texknown.packages("\\documentclass[review]{sections/acmart}\n")[1] == "acmart"


REPEATED_NAMES = """| Method | Sparsity | Speed | Perplexity |
|---|---|---|---|
| Base | - | 30.9 | 12.6 |
| Cut-A | 20% | - | 22.1 |
| Cut-A | 50% | - | 366.4 |
| Cut-B | 20% | 32.5 | 19.7 |
| Cut-B | 50% | 40.9 | 112.4 |
"""


def test_a_name_repeated_on_the_next_line_is_a_sub_row_and_a_column_of_numbers_never_names_the_rows():
    """A benchmark table writes its method again on each setting's line: one row with sub-rows (as a span would
    give), not a column of measurements (the only one whose values differ) moved first to name the rows."""
    result = import_text(REPEATED_NAMES, "README.md")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c["key"] for c in data["columns"]][0] == "method"
    assert [r["method"] for r in data["rows"]] == ["Base", "Cut-A", "Cut-B"]
    assert [s["perplexity"] for s in data["rows"][2]["subrows"]] == ["19.7", "112.4"]
    [said] = [str(p) for p in result.problems if "repeat the first cell" in p.message]
    assert said.startswith("README.md:5:1: warning: 2 line(s)")
    # a later column naming every line once (a title under a date): the lines stay rows, that column moves first
    dated = "| Date | Title |\n|---|---|\n| 2024.08 | Agent A |\n| 2024.08 | Agent B |\n| 2023.12 | Agent C |\n"
    data = yaml.safe_load(to_yaml(import_text(dated, "README.md").tables[0].table, "", "t"))
    assert [r["title"] for r in data["rows"]] == ["Agent A", "Agent B", "Agent C"]


CENTRED_BY_HAND = r"""\begin{tabular}{lcc}
\hline
Model & Size & Score \\ \hline
 & S & 0.61 \\
Alpha & M & 0.64 \\
 & L & 0.66 \\ \hline
 & S & 0.52 \\
Beta & L & 0.58 \\ \hline
Gamma & M & 0.70 \\ \hline
\end{tabular}
"""


def test_a_name_centred_by_hand_between_rules_names_the_block_s_lines():
    """Tables generators centre a name over its lines by writing it on the middle line of a block between
    `\\hline`s (where `\\multirow` would span them): the block is one row, its lines the sub-rows."""
    result = import_text(CENTRED_BY_HAND, "t.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [r["model"] for r in data["rows"]] == ["Alpha", "Beta", "Gamma"]
    assert [s["size"] for s in data["rows"][0]["subrows"]] == ["S", "M", "L"]
    assert [s["score"] for s in data["rows"][1]["subrows"]] == ["0.52", "0.58"]
    assert data["rows"][2]["score"] == "0.70"
    said = [str(p) for p in result.problems if p.severity == "warning" and "caption" not in p.message]
    assert len(said) == 1 and said[0].startswith("t.tex:5:1: warning: 2 block(s) of lines between rules"), said


SIUNITX_TABLE = r"""\begin{table}
\caption{Scores}
\begin{tabular}{l S[table-format=2.1] >{\columncolor{gray!10}}c c}
\toprule
\diagbox{Method}{Metric} & {Acc (\%)} & \rotatebox{90}{Open} & Note \\
\midrule
\rowcolor{gray!20} Alpha & 91.2 & \cellcolor{green!20}\checkmark & a \\
Beta & 89.0 \pm 0.3 & \ding{55} & b \\
\multirow{2}{*}{Gamma} & 1.5e3 & \checkmark & c \\
 & 1.6e3 & \checkmark & d \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_siunitx_columns_diagonal_corners_cell_colours_and_a_spanning_name_over_numbers():
    """`S[table-format=2.1]`'s options are no columns; `\\diagbox{A}{B}` is 'A / B'; `\\cellcolor{c}` prints no
    text (its argument is a colour); `\\pm` in an S cell is '±'; a first column spanning lines over a column of
    numbers names a row with sub-rows (numbers cannot name the rows of groups)."""
    result = import_text(SIUNITX_TABLE, "t.tex")
    assert not [p for p in result.problems if p.severity == "error"]
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [(c["title"], c.get("align")) for c in data["columns"]] == [
        ("Method / Metric", None), ("Acc (%)", "r"), ("Open", "c"), ("Note", "c")]
    rows = data["rows"]
    assert [r["method_metric"] for r in rows] == ["Alpha", "Beta", "Gamma"]
    assert rows[0]["open"] is True and rows[1]["open"] is False
    assert rows[1]["acc"] == "89.0 \u00b1 0.3"
    assert [s["acc"] for s in rows[2]["subrows"]] == ["1.5e3", "1.6e3"]


def test_a_main_file_whose_tables_are_in_input_files_names_them():
    """`import main.tex` of a paper whose tables live in `tables/*.tex`: the warning names the files it reads."""
    text = ("\\documentclass{article}\n\\begin{document}\n\\input{sections/intro}\n% \\input{old}\n"
            "\\include{tables/models}\n\\end{document}\n")
    [said] = import_text(text, "main.tex").problems
    assert str(said) == ("main.tex: warning: no table found in the file (it reads other files (sections/intro, "
                         "tables/models); import follows those inside its folder and found no table there either: "
                         "import the file that holds the tables)")
    assert import_text("| a |\n", "README.md").problems[0].hint == ""


NAME_ON_TWO_LINES = r"""\begin{tabular}{llll}
\toprule
Pattern & Style & Consistency & Availability \\
\midrule
\multirow{2}{*}{Relay} & Central, & \multirow{2}{*}{Eventual} & \multirow{2}{*}{High} \\
 & Peer & & \\
\hline
Two-Step & \multirow{2}{*}{Central} & \multirow{2}{*}{Strong} & \multirow{2}{*}{Lower} \\
Lock & & & \\
\bottomrule
\end{tabular}
"""


def test_a_name_broken_by_hand_beside_cells_spanning_its_lines_is_one_name():
    """`Two-Step` over `Lock`, every other cell a `\\multirow{2}` over both lines: one row whose name has two
    lines, not a second row 'Lock' with the spans' values copied into it."""
    result = import_text(NAME_ON_TWO_LINES, "t.tex")
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert [r["pattern"] for r in rows] == ["Relay", "Two-Step\nLock"]
    assert rows[1]["consistency"] == "Strong" and "subrows" not in rows[1]
    assert [s["style"] for s in rows[0]["subrows"]] == ["Central,", "Peer"]
    assert not [p for p in result.problems if "copied" in p.message]
    [said] = [str(p) for p in result.problems if "continue its name" in p.message]
    assert said.startswith("t.tex:9:1: warning: 1 first cell(s)")


BOXED_NAMES = r"""\documentclass{article}
\usepackage{varwidth}
\newcommand{\turn}[3][10em]{% \turn[<width>]{<angle>}{<stuff>}
  \rlap{\rotatebox{#2}{\begin{varwidth}[t]{#1}\bfseries#3\end{varwidth}}}%
}
\begin{document}
\begin{tabular}{lll}
\toprule
Area & Feature & Sys \\
\midrule
\multirow{2}{*}{\turn{90}{Expressiveness}} & Logic & TFS \\
 & World & CWA \\
\hline
\multirow{2}{*}{\llap{\framebox[2em][l]{Reasoning}}} & FOL & yes \\
 & Lazy & no \\
\bottomrule
\end{tabular}
\end{document}
"""


def test_zero_width_boxes_and_varwidth_keep_their_text_and_drop_their_arguments():
    """A survey's own `\\turn` macro puts a group's name in `\\rlap{\\rotatebox{90}{\\begin{varwidth}[t]{10em}...}}`:
    the group title was '\\rlap{} {t]{10em}\\textbf{...}}' and the build refused '\\rlap'. `\\rlap`, `\\llap`,
    `\\clap`, `\\framebox` are boxes (their text kept); varwidth's `[t]{10em}` are its position and width."""
    result = import_text(BOXED_NAMES, "t.tex")
    assert [p for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [g["title"] for g in data["groups"]] == ["Expressiveness", "Reasoning"]
    assert [r["feature"] for r in data["rows"]] == ["Logic", "World", "FOL", "Lazy"]


PANDOC_WIDTHS = r"""\begin{longtable}[]{@{}
  >{\raggedright\arraybackslash}p{(\linewidth - 4\tabcolsep) * \real{0.2500}}
  >{\centering\arraybackslash}p{(\columnwidth - 4\tabcolsep) * \real{0.5}}
  >{\raggedleft\arraybackslash}p{\dimexpr 0.25\linewidth-2\tabcolsep\relax}@{}}
\caption{Methods}\tabularnewline
\toprule\noalign{}
Method & Idea & Year \\
\midrule\noalign{}
\endhead
A & one & 2020 \\
\bottomrule\noalign{}
\end{longtable}
"""


def test_a_share_of_the_line_less_padding_as_pandoc_writes_widths_is_kept_as_the_share():
    """pandoc writes every p{} column of a Markdown table as `(\\linewidth - 4\\tabcolsep) * \\real{0.25}`: the widths
    were dropped with a warning on every table of a pandoc-made paper. The share is the width the format keeps."""
    result = import_text(PANDOC_WIDTHS, "t.tex")
    assert not [p for p in result.problems if "width" in p.message]
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c.get("width") for c in data["columns"]] == ["0.2500\\linewidth", "0.5\\columnwidth", "0.25\\linewidth"]


TBLR_GROUPS = r"""\begin{table}
\caption{Scores}
\begin{tblr}{colspec={lcccc}}
\toprule
 & \SetCell[c=2]{c} Vision & & \SetCell[c=2]{c} Language & \\
\cmidrule{2-3}\cmidrule{4-5}
Model & Acc & F1 & Acc & F1 \\ \midrule
A & 1 & 2 & 3 & 4 \\
B & \SetCell[c=4]{c} not reported & & & \\
\bottomrule
\end{tblr}
\end{table}
"""


def test_tabularray_column_spans_are_spans_like_multicolumn():
    """`\\SetCell[c=2]{c} Vision & &` writes the cells it covers (empty), unlike `\\multicolumn`: it was read as a
    title over one column and an untitled one. It spans, as \\multicolumn does: header groups, a body cell's text
    in the first spanned column (warning)."""
    result = import_text(TBLR_GROUPS, "t.tex")
    assert [p for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [(c["title"], c.get("group")) for c in data["columns"]] == [
        ("Model", None), ("Acc", "Vision"), ("F1", "Vision"), ("Acc", "Language"), ("F1", "Language")]
    assert data["rows"][1] == {"model": "B", "acc": "not reported"}
    assert any("spanning 4 columns in a body row" in p.message and p.source.line == 9 for p in result.problems)


DATES_IN_CELLS = r"""\begin{tabular}{ll}
\hline
Model & Released \\ \hline
A & \shortmonthname[3] 2023 \\
B & \monthname[11]~2022 \\
C & \DTMdate{2023-3-1} \\
D & \today \\
E & \the\year \\
\hline
\end{tabular}
"""


def test_date_commands_in_cells_print_their_date_and_the_day_tex_runs_is_the_import_s_with_a_warning():
    """`\\shortmonthname[3]` was an error ('not allowed in a table cell'). A fixed date is the text TeX prints; one
    that reads the day TeX runs (`\\today`, `\\the\\year`) is the day of the import, said in a warning."""
    from datetime import date

    result = import_text(DATES_IN_CELLS, "t.tex")
    assert [p for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    today = date.today()
    assert [r["released"] for r in data["rows"]] == [
        "Mar 2023", "November~2022", "2023-03-01", f"{today:%B} {today.day}, {today.year}", str(today.year)]
    said = [p.message for p in result.problems if "date" in p.message]
    assert said[0].startswith("date commands (\\shortmonthname[3]) became the date they print [3 time(s)]")
    assert said[1].startswith("date commands that print the day TeX runs (\\today) became the day of the import")


NUMBERED_CAPTIONS = """## Summary

| Paper | Metrics | RAG |
|-------|---------|-----|
| Wang et al. | ✅ | ❌ |
| **Ours** | ✅ | ✅ |

<p align="center"><em>Table 1: Comparison with Existing Surveys</em></p>

| Statistic | Value |
|-----------|-------|
| Papers | 55 |

*Table 2.* Key statistics of the review.

**TABLE III:** Datasets used.

| Dataset | Size |
|---------|------|
| A | 1k |

| Other | Size |
|-------|------|
| B | 2k |
"""


def test_a_numbered_caption_line_beside_a_readme_table_is_its_caption_without_the_number():
    """A README writes its paper's captions as a line under the table (`<p><em>Table 1: ...</em></p>`, `*Table 2.*
    ...`) or above it: both tables of a section were captioned with the section's heading, the author's captions
    lost. The number goes: the paper numbers its tables. A line under one table is not the next table's too."""
    result = import_text(NUMBERED_CAPTIONS, "README.md")
    assert [t.table.caption for t in result.tables] == [
        "Comparison with Existing Surveys", "Key statistics of the review.", "Datasets used.", "Summary"]


HAND_NUMBERED = r"""\begin{table}
\caption{\textbf{Table 14. Component-level detail assessment}}
\begin{tabular}{ll}
\hline
Part & Detail \\ \hline
Base & Clear \\ \hline
\end{tabular}
\end{table}
"""


def test_a_table_number_written_into_a_latex_caption_is_left_out_with_a_warning():
    """pandoc-converted papers write `\\caption{\\textbf{Table 14. ...}}`: the paper would show 'Table 1: Table 14.
    ...'. The number is left out (its style kept), with a warning."""
    result = import_text(HAND_NUMBERED, "t.tex")
    assert result.tables[0].table.caption == "\\textbf{Component-level detail assessment}"
    assert [str(p) for p in result.problems if "number" in p.message] == [
        "t.tex:3:1: warning: the caption starts with a table number of its own ('Table 14.'): left out, as the paper "
        "numbers its tables itself (write it back in the YAML if the number is part of the caption's words)"]


def test_an_html_comment_in_a_readme_cell_is_left_out_and_said_so_not_called_a_tag_whose_text_was_kept():
    """A list sorted by hidden day numbers (`2023/03<!--13-->`): the comment was left out, as GitHub shows nothing,
    but the warning said 'HTML tags ... were removed, their text kept'."""
    result = import_text("| Model | Date |\n| --- | --- |\n| A | 2023/03<!--13--> |\n| B | <kbd>x</kbd> |\n",
                         "README.md")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [r["date"] for r in data["rows"]] == ["2023/03", "x"]
    said = sorted(p.message for p in result.problems if "HTML" in p.message)
    assert said == ["HTML comments in cells (<!--13-->), which GitHub does not show, were left out [1 time(s)]",
                    "HTML tags without a place in the format (<kbd>) were removed, their text kept [2 time(s)]"]


RTL_TABLE = "| Name | Title |\n| --- | --- |\n| A | \u0633\u0644\u0627\u0645\u060c \u062f\u0646\u06cc\u0627 |\n" \
            "| B | \u06a9\u062a\u0627\u0628 |\n"


def test_letters_of_a_script_no_installed_font_has_are_one_warning_naming_every_line(tmp_path):
    """A Persian seminar's table: each Arabic letter gave a warning, and each of its places another (hundreds of
    lines). The letters of one script (its punctuation with them) are one warning at the first place, naming the
    other lines; what is left out is the same (symbols: maps each to '')."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "fa.md"
    source.write_text(RTL_TABLE, "utf-8")
    report = run_import(root, str(source), None)
    said = [str(p) for p in report.problems if "font" in p.message]
    assert len(said) == 1, said
    assert said[0].startswith(f"{source}:3:1: warning: no installed font of ")
    assert "11 Arabic characters ('\u0633' (U+0633 ARABIC LETTER SEEN)" in said[0]
    assert said[0].endswith(f"the README keeps them (also at {source}:4) (map them to LaTeX under 'symbols:' or "
                            "install a font that has them)")
    settings = (root / "surveybuild.yaml").read_text("utf-8")
    assert all(f"'{ch}': ''" in settings for ch in "\u0633\u060c\u06a9")


GROUP_ABOVE_HEADER = r"""\begin{table}
\caption{Budget}
\begin{tabular}{lrr}
\toprule
\multicolumn{3}{l}{\textit{Classification}} \\
\addlinespace[2pt]
Task & Test & Train \\
\midrule
Imdb & 132k & 7k \\
Banking & 38k & 134k \\
\addlinespace[4pt]
\multicolumn{3}{l}{\textit{STS}} \\
STSB & 12k & - \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_a_title_row_above_the_header_of_a_table_in_row_groups_is_the_first_group_s_title():
    """A generated table writes its first group's title before the column titles, the next ones between rows:
    'Classification' became a column group over every column and its rows a group 'Other'."""
    result = import_text(GROUP_ABOVE_HEADER, "t.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c.get("group") for c in data["columns"]] == [None, None, None]
    assert [g["title"] for g in data["groups"]] == ["Classification", "STS"]
    assert [(r["task"], r["group"]) for r in data["rows"]] == [
        ("Imdb", "classification"), ("Banking", "classification"), ("STSB", "sts")]
    assert [str(p) for p in result.problems if "title row" in p.message] == [
        "t.tex:5:1: warning: the title row above the column titles ('Classification') is read as the title of the "
        "first row group, as the rows across the table in the body are (make it a column group in the YAML if it "
        "titles every column)"]
    # a title over every column of a table whose body starts with a group title stays a column group
    over = GROUP_ABOVE_HEADER.replace("Imdb & 132k & 7k \\\\\n", "\\multicolumn{3}{l}{Text} \\\\\nImdb & 132k & 7k \\\\\n")
    data = yaml.safe_load(to_yaml(import_text(over, "t.tex").tables[0].table, "", "t"))
    assert [c.get("group") for c in data["columns"]] == ["Classification"] * 3


UNESCAPED_PERCENT = r"""\begin{table}
\caption{Aggregate}
\begin{tabular}{lcc}
\toprule
Group & n & Efficiency \\
\midrule
A & 5 & 73.6% [73.5%, 73.6%] \\
B & 5 & 70.0\% [70.0\%, 70.1\%] \\
C & 4 & 10 % a comment of the author's
  \\
\bottomrule
\end{tabular}
\end{table}
"""


def test_a_percent_sign_left_unescaped_after_a_number_is_named_at_its_column():
    """A script-written table had `73.6% [..] \\\\`: TeX reads a comment that eats the row's end, so two rows ran
    together, and the messages spoke of columns without a title, never of the '%'. It is read as TeX reads it and
    said at the '%'; a comment after a space, or one without cells, is the author's and is not named."""
    result = import_text(UNESCAPED_PERCENT, "t.tex")
    said = [str(p) for p in result.problems if "'%'" in p.message]
    assert said == ["t.tex:7:13: warning: '%' after a number starts a LaTeX comment: the rest of the line (its cells, "
                    "its row end) is not part of the table, as TeX reads it (write \\% for a percent sign, then import "
                    "again)"]


RULES_AND_LABELS_IN_ROWS = r"""\begin{table}
\caption{Passages}\label{tab:p}
{\tabulinesep=1mm
\begin{tabu} to \textwidth {| X[l,m] | X[c,m] | X[c,m] |}
\tabucline{2-}
\rowfont\bfseries
ID & Text & Tool \\
\hhline{-|-|-}
D101\label{D101} & In addition & Yes \\
\hhline{~|-|-}
\label{D102}D102 & Scale & No \\
\cdashline{1-3}
D103 & More & Yes \\
\end{tabu}}
\end{table}
"""


def test_tabu_s_width_rules_with_column_arguments_and_labels_of_rows_are_not_cells():
    """A paper's tabu table: `to \\textwidth` was read as the column spec and its text as the first cell,
    `\\hhline{~|-|-}`'s argument and `\\rowfont` as text of the next row, and a row's `\\label{D102}` as the
    table's label (an error in a cell elsewhere). The width and the rules are layout; a row's label is left out
    (warning), the float's label stays the table's."""
    result = import_text(RULES_AND_LABELS_IN_ROWS, "t.tex")
    assert [p for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["label"] == "tab:p"
    assert [(c["title"], c.get("wrap")) for c in data["columns"]] == [("ID", True), ("Text", True), ("Tool", True)]
    assert [(r["id"], r["text"], r["tool"]) for r in data["rows"]] == [
        ("D101", "In addition", True), ("D102", "Scale", False), ("D103", "More", True)]
    assert any(p.message.startswith("labels in cells (\\label{D101}) were left out") for p in result.problems)


SPANS_BESIDE_A_GROUP_COLUMN = r"""\begin{tabularx}{\textwidth}{|l|l|c|c|c|c|}
\hhline{~|~|-|-|-|-|}
\multicolumn{2}{c|}{} & \multicolumn{4}{c|}{Feature} \\
\hhline{~|~|-|-|-|-|}
\multicolumn{2}{c|}{} & A & B & C & D \\
\hhline{-|-|-|-|-|-|}
\multirow{3}{*}{Preprocessing} & Smoothing & \multicolumn{2}{c|}{6 mm} & & 6 mm* \\
 & Filter & \multicolumn{4}{c|}{see \hyperref[sec:filter]{Section \ref*{sec:filter}}} \\
 & Mask & no & no & \multicolumn{2}{c|}{yes} \\
\hhline{-|-|-|-|-|-|}
\end{tabularx}
"""


def test_column_spans_beside_a_group_column_and_partial_hhlines_and_hyperref():
    """A pipeline comparison: `\\hhline{~|~|-|-}` (no rule under the first two columns) ended the header after its
    first row, and with the first column read as groups every `\\multicolumn` in the body was 'a cell spanning 1
    rows ... copied' into the next column. `~` makes an hhline partial; spans count the columns without the group
    column; `\\hyperref[x]{text}` is its text and `\\ref*{x}` is read as `\\ref{x}`."""
    result = import_text(SPANS_BESIDE_A_GROUP_COLUMN, "t.tex")
    assert [p for p in result.problems if p.severity == "error" or "copied" in p.message] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c.get("group") for c in data["columns"][1:]] == ["Feature"] * 4
    rows = data["rows"]
    assert [(r.get("a"), r.get("b"), r.get("d")) for r in rows] == [("6 mm", None, "6 mm*"),
                                                                     ("see Section sec:filter", None, None),
                                                                     ("no", "no", None)]
    assert any(p.message.startswith("links to places in the paper (\\hyperref[sec:filter]{...}) became their text")
               for p in result.problems)


BOXED_MATH = r"""\documentclass{article}
\newcommand{\mypm}{\mathbin{\smash{%
  \raisebox{0.35ex}{%
    $\underset{\raisebox{0.5ex}{$\smash -$}}{\smash+}$%
  }}}}
\begin{document}
\begin{tabular}{lr}
\hline
Phone & Dur. \\ \hline
i & 71.9 $\mypm$14.6 \\
\end{tabular}
\end{document}
"""


def test_boxes_that_place_math_keep_their_math_and_lose_the_placing():
    """A survey's own `\\mypm` draws ± with `\\smash{\\raisebox{.35ex}{$\\underset{..}{\\smash+}$}}`: in math,
    `\\smash` and `\\raisebox` were errors ('not allowed in math') in every cell. The boxes go, their math stays
    (a `$` inside a box is the same math), one token or a braced argument."""
    result = import_text(BOXED_MATH, "t.tex")
    assert [p for p in result.problems if p.severity == "error"] == []
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["rows"][0]["dur"] == "71.9 $\\mathbin{{{\\underset{{{-}}}{{+}}}}}$14.6"


PAPERS_BY_DATE = """|Date|Title|Paper|
|:---:|:---:|:---:|
|2020.05|Megatron-LM training|[pdf](https://arxiv.org/pdf/1.pdf)|
|2023.05|SpecInfer serving|[pdf](https://arxiv.org/pdf/2.pdf)|
|2023.05|FastServe serving|[pdf](https://arxiv.org/pdf/3.pdf)|
|2023.09|vLLM paging|[pdf](https://arxiv.org/pdf/4.pdf)|
|2024.06|Mooncake cache|[pdf](https://arxiv.org/pdf/5.pdf)|
|2024.07|Mooncake cache|[pdf](https://arxiv.org/pdf/6.pdf)|
"""


def test_a_list_of_papers_by_date_with_one_title_twice_keeps_each_paper_a_row():
    """An awesome list sorted by date listed one paper twice: no column named every row once, so two papers of
    the same month became one row with sub-rows. A first column of dates orders the rows; the column that tells
    nearly every row apart names them (the repeat suffixed, as always)."""
    result = import_text(PAPERS_BY_DATE, "README.md")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [r["title"] for r in data["rows"]] == ["Megatron-LM training", "SpecInfer serving", "FastServe serving",
                                                  "vLLM paging", "Mooncake cache", "Mooncake cache (2)"]
    assert not any("subrows" in r for r in data["rows"])
    assert any("'Date' holds dates, and 'Title' tells nearly every row apart and was moved first" in p.message
               for p in result.problems)


def test_a_first_column_of_ids_over_measurements_still_groups_its_lines():
    """The date rule must not take a series of measurements per id (1, 1, 1, 2, 2) for a list of papers: numbers
    are no dates, and a column of measurements (with '--undef--' twice) never names the rows."""
    table = ("| id | Phone | F5 |\n| --- | --- | --- |\n| 1 | i | 3,324.67 |\n| 1 | i | --undef-- |\n"
             "| 1 | i | --undef-- |\n| 2 | o | 3,665.35 |\n| 2 | o | 3,807.26 |\n")
    data = yaml.safe_load(to_yaml(import_text(table, "README.md").tables[0].table, "", "t"))
    assert [r["id"] for r in data["rows"]] == ["1", "2"]
    assert [len(r["subrows"]) for r in data["rows"]] == [3, 2]


EMOJI_SEQUENCES = ("## Tools\n\n| \U0001F3F7\uFE0F Tag | Who | Note |\n|---|---|---|\n"
                   "| **A** | \U0001F469\u200d\U0001F4BB **dev** | \u2764\uFE0F [x](https://example.org) |\n"
                   "| B | \U0001F468\u200d\U0001F52C | plain \u26A0\uFE0F |\n")


def test_emoji_joiners_and_variation_selectors_survive_import_into_the_readme_and_only_the_paper_drops_them(
        tmp_path):
    """An awesome list's '👩‍💻 **dev**' cell (a LaTeX column, for the bold) lost its zero-width joiner at import:
    the README showed two emoji '👩💻', and a '🏷️' title lost its emoji form. The YAML keeps them as written."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "emoji.md"
    source.write_text(EMOJI_SEQUENCES, "utf-8")
    report = run_import(root, str(source), None)
    assert report.errors == [], report.errors
    data = yaml.safe_load((root / "tables" / "emoji.yaml").read_text("utf-8"))
    assert data["columns"][0]["title"] == "\U0001F3F7\uFE0F Tag"
    assert data["rows"][0]["who"] == "\U0001F469\u200d\U0001F4BB \\textbf{dev}"
    assert data["rows"][0]["note"] == "\u2764\uFE0F \\href{https://example.org}{x}"
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("emoji") }}\n', "utf-8")
    assert build.build(root).ok
    readme = (root / "README.md").read_text("utf-8")
    assert "| \U0001F469\u200d\U0001F4BB **dev** | \u2764\uFE0F [x](https://example.org) |" in readme
    paper = (root / "paper" / "tables" / "emoji.tex").read_text("utf-8")
    assert "\U0001F469\U0001F4BB \\textbf{dev}" in paper and "\u200d" not in paper and "\uFE0F" not in paper


HTML_HEADINGS = """# Daily list

## Navigation

<h2 id="models">\U0001F52C Models &amp; tools (2)</h2>

<table>
<tr><th>Name</th><th>Year</th></tr>
<tr><td>A</td><td>2024</td></tr>
</table>

<h3 align="center">Data<br>sets</h3>

| Name | Size |
|---|---|
| D | 3 |

<div>
<h4>Benchmarks</h4>
<table>
<tr><th>Name</th><th>Score</th></tr>
<tr><td>B</td><td>1</td></tr>
</table>
</div>
"""


def test_an_html_heading_above_a_table_is_its_caption_as_a_markdown_heading_is():
    """A generated Chinese paper list puts '<h2 id=...>🔬 ... (38 篇)</h2>' above each <table>: the importer took
    the '## ' heading further up as every table's caption. GitHub shows <h1>-<h6> as headings: so does import."""
    result = import_text(HTML_HEADINGS, "README.md")
    assert [p for p in result.problems if p.severity == "error"] == []
    assert [(t.table.caption, t.table.section) for t in result.tables] == [
        ("Models \\& tools (2)", "Models & tools (2)"), ("Data sets", "Data sets"), ("Benchmarks", "Benchmarks")]


def test_a_main_file_s_tables_in_the_files_it_inputs_are_imported_from_inside_its_folder_only(tmp_path):
    """`import paper.tex` of a paper whose tables are `\\input{tables/x}` (some through a section file): each
    such file's tables become YAML named after it, with the main file's macros; an input outside the paper's
    folder (`../`) is not read."""
    root = tmp_path / "s"
    assert init(root).ok
    paper = tmp_path / "paper"
    (paper / "tables").mkdir(parents=True)
    (paper / "sections").mkdir()
    (paper / "main.tex").write_text(
        "\\documentclass{article}\n\\newcommand{\\sys}{Spfy}\n\\begin{document}\n"
        "% \\input{tables/old}\n\\input{sections/results}\n\\small \\input{tables/compare.tex}\n"
        "\\input{../outside}\n\\end{document}\n", "utf-8")
    (paper / "sections" / "results.tex").write_text("Results.\n\\input{tables/sizes}\n", "utf-8")
    tabular = "\\begin{{tabular}}{{ll}}\nName & {} \\\\ \\hline\n\\sys & 1 \\\\\n\\end{{tabular}}\n"
    (paper / "tables" / "sizes.tex").write_text(tabular.format("Size"), "utf-8")
    (paper / "tables" / "compare.tex").write_text(tabular.format("Score"), "utf-8")
    (paper / "tables" / "old.tex").write_text(tabular.format("Old"), "utf-8")
    (tmp_path / "outside.tex").write_text(tabular.format("Out"), "utf-8")
    report = run_import(root, str(paper / "main.tex"), None)
    assert report.errors == [] and [p for p in report.problems if "no table" in p.message] == [], report.problems
    assert sorted(p.name for p in (root / "tables").glob("*.yaml")) == ["compare.yaml", "example.yaml", "sizes.yaml"]
    sizes = yaml.safe_load((root / "tables" / "sizes.yaml").read_text("utf-8"))
    assert sizes["rows"] == [{"name": "Spfy", "size": "1"}]
    assert f"{paper / 'tables/compare.tex'}: read for its tables (\\input at {paper / 'main.tex'}:6)" in report.info


def test_accented_letters_in_latex_column_text_stay_as_written_and_the_build_escapes_them(tmp_path):
    """A Spanish review's '| **Título de la Revisión** | |' became '\\textbf{T\\'\\i{}tulo de la Revisi\\'on}' in
    the YAML its authors edit. A letter stays as written ('í', 'ł', 'Ω'); the build escapes it for the paper."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "es.md"
    source.write_text("## Información\n\n| Campo | Valor |\n|---|---|\n| **Título de la Revisión** | łódź |\n"
                      "| Ω *Estado* | x |\n", "utf-8")
    report = run_import(root, str(source), None)
    assert report.errors == [], report.errors
    rows = yaml.safe_load((root / "tables" / "es.yaml").read_text("utf-8"))["rows"]
    assert [r["campo"] for r in rows] == ["\\textbf{Título de la Revisión}", "Ω \\textit{Estado}"]
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("es") }}\n', "utf-8")
    assert build.build(root).ok
    assert "| **Título de la Revisión** | łódź |" in (root / "README.md").read_text("utf-8")
    paper = (root / "paper" / "tables" / "es.tex").read_text("utf-8")
    assert "\\textbf{T\\'\\i{}tulo de la Revisi\\'on}" in paper and "\\ensuremath{\\Omega} \\textit{Estado}" in paper


def test_check_and_cross_marks_drawn_as_emoji_are_the_marks_they_are():
    """An awesome list writes '✔️'/'✖️' (the marks with the emoji variation selector): the column was read as LaTeX
    '\\checkmark ️' with a stray selector, while '✅'/'❌' beside it made a yes/no column."""
    text = ("| Name | Open | GPU | Note |\n|---|:-:|:-:|---|\n| A | \u2714\uFE0F | \u2705 | \u2714\uFE0F **partly** |\n"
            "| B | \u2716\uFE0F | \u274C | \u2715 none |\n")
    result = import_text(text, "README.md")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c["type"] for c in data["columns"]] == ["text", "bool", "bool", "latex"]
    assert [(r["open"], r["gpu"]) for r in data["rows"]] == [(True, True), (False, False)]
    assert [r["note"] for r in data["rows"]] == ["\\checkmark \\textbf{partly}", "$\\times$ none"]


MULTICITES = r"""\begin{tabular}{ll}
Method & Source \\ \hline
Gamma \cites{alpha}{beta} & 2022 \\
Delta & see \parencites(see)()[p.~3]{alpha}[]{gamma,delta} \\
\end{tabular}
"""


def test_biblatex_multicite_commands_cite_their_keys_and_say_which_notes_were_left_out():
    """A biblatex paper's '\\cites{a}{b}' was an undefined command whose keys stayed as the text 'alphabeta'."""
    result = import_text(MULTICITES, "t.tex")
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert rows[0]["method"] == "Gamma" and rows[0]["cite"] == ["alpha", "beta"]
    assert rows[1]["source"] == "see \\citep{alpha,gamma,delta}"
    said = [str(p) for p in result.problems if "cited together" in p.message]
    assert said == ["t.tex:4:13: warning: \\parencites: its keys are cited together as \\parencite{alpha,gamma,delta}; "
                    "its notes ('see', 'p.~3') are left out (write the notes into the cell's text, or cite each key "
                    "on its own)"]
    assert not any("not represented" in p.message for p in result.problems)


def test_a_cite_s_page_and_see_notes_are_shown_around_its_number_in_the_readme(tmp_path):
    """An imported '\\autocite[p.~3]{k}' is kept as '\\citep[p.~3]{k}': the paper printed 'p. 3', the README
    dropped it and showed '[1]' alone."""
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / "t.tex"
    source.write_text("\\begin{tabular}{ll}\nName & Source \\\\ \\hline\nA & \\autocite[p.~3]{taori2023alpaca} \\\\\n"
                      "B & \\citep[see][ch.~2]{chung2022scaling} and \\citep[e.g.][]{taori2023alpaca} \\\\\n"
                      "\\end{tabular}\n", "utf-8")
    assert run_import(root, str(source), None).errors == []
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("t") }}\n', "utf-8")
    assert build.build(root).ok
    readme = (root / "README.md").read_text("utf-8")
    assert "| A | [\\[1\\]](#ref-taori2023alpaca), p. 3 |" in readme
    assert "| B | see [\\[2\\]](#ref-chung2022scaling), ch. 2 and e.g. [\\[1\\]](#ref-taori2023alpaca) |" in readme


COLLAPSED = """# Awesome X

<details>
<summary><b>\U0001F4C2 Datasets</b></summary>

| Dataset | Size |
|---|---|
| Foo | 1M<sup>\u2020</sup>, x<sub>2</sub> |

</details>

| Tool | Year |
|---|---|
| T | 2024 |

<details><summary>Models</summary>

## Open

| Model | Params |
|---|---|
| A | 7B |

</details>

| Paper | Year |
|---|---|
| P | 2023 |
"""


def test_a_collapsed_section_s_summary_names_its_tables_and_sup_and_sub_are_kept_in_markdown_cells():
    """An awesome list folds each list into '<details><summary>Datasets</summary>': every table was named by
    the '# ' title above them all; '<sup>†</sup>' in a cell was removed as a tag without a place."""
    result = import_text(COLLAPSED, "README.md")
    assert [t.table.caption for t in result.tables] == ["Datasets", "Awesome X", "Open", "Open"]
    assert not any("without a place" in p.message for p in result.problems)
    rows = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))["rows"]
    assert rows[0]["size"] == "1M\\textsuperscript{\\textdagger{}}, x\\textsubscript{2}"


def test_an_input_that_is_a_loop_of_links_or_a_link_out_of_the_folder_is_not_followed(tmp_path):
    """`import main.tex` follows its `\\input`s inside its folder only: a link that leads out of it is not read, and
    a loop of links is passed by (resolving one raised RuntimeError, an internal error)."""
    root = tmp_path / "s"
    assert init(root).ok
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "main.tex").write_text("\\documentclass{article}\n\\begin{document}\n\\input{loop}\n\\input{away}\n"
                                    "\\input{tab}\n\\end{document}\n", "utf-8")
    (paper / "loop.tex").symlink_to(paper / "loop.tex")
    tabular = "\\begin{{tabular}}{{ll}}\nName & {} \\\\ \\hline\nA & 1 \\\\\n\\end{{tabular}}\n"
    (tmp_path / "secret.tex").write_text(tabular.format("Secret"), "utf-8")
    (paper / "away.tex").symlink_to(tmp_path / "secret.tex")
    (paper / "tab.tex").write_text(tabular.format("Size"), "utf-8")
    report = run_import(root, str(paper / "main.tex"), None)
    assert report.errors == [], report.problems
    assert sorted(p.name for p in (root / "tables").glob("*.yaml")) == ["example.yaml", "tab.yaml"]
    assert "Secret" not in "".join(p.read_text("utf-8") for p in (root / "tables").glob("*.yaml"))
