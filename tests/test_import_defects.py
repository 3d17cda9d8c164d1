"""Importer gaps and bibliography messages found on real surveys (issue 12, the corpus's known defects), each on
a small input of our own: a \\multirow longer than its group, a column titled like a row's own field, an
\\input in a cell, a command the source never defines, and the messages for a source's own .bib defects."""

from __future__ import annotations

from conftest import require_tool
from test_import_regressions import through

from surveybuild.checks import texknown
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.importer import import_text
from surveybuild.importer.command import known_names, run_import
from surveybuild.init import init
from surveybuild.readers.bibread import read_bib, read_bibs
from surveybuild.readers.tableread import read_table
from surveybuild.texlang import latextext

GROUPS = r"""\begin{table}\caption{Areas}\begin{tabular}{lll}\toprule
Area & Name & Size \\ \midrule
\multirow{3}{*}{Roads} & r1 & 1 \\
 & r2 & 2 \\ \midrule
\multirow{2}{*}{Rivers} & v1 & 3 \\
 & v2 & 4 \\ \bottomrule
\end{tabular}\end{table}
"""


def test_a_multirow_longer_than_its_group_ends_at_the_next_groups_own_cell():
    """\\multirow{3} over two rows, then the next group's \\multirow: each group keeps its rows, a warning
    names both places, and nothing is an error."""
    (table,), problems = through(GROUPS, "s.tex")
    data = table[0]
    assert [g["title"] for g in data["groups"]] == ["Roads", "Rivers"]
    assert [(r["group"], r["name"]) for r in data["rows"]] == [("roads", "r1"), ("roads", "r2"), ("rivers", "v1"),
                                                             ("rivers", "v2")]
    assert not [p for p in problems if p.severity == "error"], problems
    warning = next(str(p) for p in problems if "\\multirow{3}" in p.message)
    assert warning.startswith("s.tex:3:1: warning:") and "s.tex:5:1 holds 'Rivers'" in warning


def test_a_column_titled_like_a_rows_own_field_gets_another_key():
    text = ("\\begin{tabular}{lll} Group & Notes & Cite \\\\ \\hline Romance & French, Italian & few \\\\ "
            "Slavic & Polish & many \\\\ \\end{tabular}")
    (table,), _ = through(text, "s.tex")  # through() asserts the schema and the checks pass
    assert [c["key"] for c in table[0]["columns"]] == ["group_col", "notes_col", "cite_col"]
    assert table[0]["rows"][0] == {"group_col": "Romance", "notes_col": "French, Italian", "cite_col": "few"}


def test_a_hand_written_column_key_that_is_a_row_field_is_one_clear_error():
    source = ("caption: C\ncolumns:\n  - {key: group, title: Group}\n  - {key: size, title: Size}\n"
              "rows:\n  - {group: a, size: '1'}\n  - {group: b, size: '2'}\n")
    table, problems = read_table(source, "tables/t.yaml")
    assert table is not None and not problems
    errors = [str(p) for p in check_table(table, BibIndex(set()), set())]
    assert errors == ["tables/t.yaml:3:5: error: table 't': column key 'group' is the name of a row's own field "
                      "(cite, group, notes, subrows, comment), so a row's 'group:' cannot hold the column (rename the "
                      "column key, e.g. 'group_col', and the rows' field with it)"]


INPUT = r"""\begin{tabular}{ll}
Name & Picture \\ \hline
x & \scalebox{0.5}{\input{fig/a}} \\
y & 2 \\
\end{tabular}
"""


def test_an_input_in_a_cell_is_never_followed_and_is_listed(tmp_path):
    """The cell's \\input is left out and listed at its line; the rest of the table is imported; the file it
    names is not read, even when it exists."""
    (table,), problems = through(INPUT, "s.tex")
    assert table[0]["rows"] == [{"name": "x"}, {"name": "y", "picture": "2"}]
    listed = [str(p) for p in problems if "not represented" in p.message]
    assert len(listed) == 1 and listed[0].startswith("s.tex:3:20: warning: not represented: '\\input{fig/a}' "
                                                     "reads another file")
    root = tmp_path / "survey"
    assert init(root).ok
    (tmp_path / "fig").mkdir()
    (tmp_path / "fig" / "a.tex").write_text("SECRET & text\\\\", "utf-8")
    (tmp_path / "s.tex").write_text(INPUT, "utf-8")
    report = run_import(root, str(tmp_path / "s.tex"))
    assert report.ok, report.errors
    written = (root / "tables" / "s.yaml").read_text("utf-8")
    assert "SECRET" not in written and "\\input" not in written


UNDEFINED = r"""\begin{table}\caption{Results of \ours{} by venue}\begin{tabular}{ll}
Venue & Score \\ \hline
\tf{ACL} & \tf{1.0} \\
\tf{ICLR} & 2.0 \\
\end{tabular}\end{table}
"""


def test_a_command_the_source_never_defines_leaves_its_text_and_is_listed():
    known = latextext.ALLOWED | texknown.COMMON
    result = import_text(UNDEFINED, "s.tex", known=known)
    (imported,) = result.tables
    assert imported.table.caption == "Results of ours by venue"  # no argument: the name stands in
    assert [r.name for r in imported.table.rows] == ["ACL", "ICLR"]
    listed = sorted(str(p) for p in result.problems if "not represented" in p.message)
    assert listed[0].startswith("s.tex:1:34: warning: not represented: '\\ours' is defined neither by LaTeX")
    assert "its name stands in for the text it would print" in listed[0]
    assert listed[1].startswith("s.tex:3:1: warning: not represented: '\\tf' is defined neither by LaTeX")
    assert "(also on line(s) 4)" in listed[1] and "the text of its arguments kept" in listed[1] and len(listed) == 2
    # without knowing what the source defines (no TeX), the importer keeps every command as written
    kept = import_text(UNDEFINED, "s.tex").tables[0].table
    assert kept.rows[0].name == "\\tf{ACL}"


def test_what_the_sources_files_define_is_known_and_the_rest_is_not(tmp_path):
    require_tool("kpsewhich")
    (tmp_path / "main.tex").write_text("\\documentclass{article}\\usepackage{booktabs}\n"
                                       "\\newcommand{\\ours}{Ours}\n\\input{tables/t}\n", "utf-8")
    (tmp_path / "tables").mkdir()
    source = tmp_path / "tables" / "t.tex"
    source.write_text(UNDEFINED, "utf-8")
    known = known_names(source, UNDEFINED)
    assert known is not None
    assert {"ours", "textbf", "toprule", "includegraphics", "textwidth", "multirow"} <= known
    assert "tf" not in known  # LaTeX's kernel has \tf@size, not \tf


def test_internal_names_and_registers_are_read_right():
    assert texknown.definitions("\\def\\tf@size{1}\\gdef\\ab{}\\newlength{\\gap}\\newif\\ifdraft") == \
        {"ab", "gap", "ifdraft"}


def test_a_redefined_string_names_both_lines_and_what_a_percent_does_not_do():
    text = "@string{ECCV = {European}}\n@article{a, title={x}, journal=ECCV}\n%@string{ECCV = {Euro}}\n"
    _, problems = read_bib(text, "refs.bib")
    assert [str(p) for p in problems] == [
        "refs.bib:3: error: @string 'ECCV' is defined again (first defined at refs.bib:1): BibTeX silently uses "
        "the last definition (delete one of the two; a '%' does not comment out a line of a .bib file: BibTeX "
        "reads the @string after it)"]
    _, problems = read_bibs([("a.bib", "@string{X = {1}}\n"), ("b.bib", "\n@string{X = {2}}\n")])
    assert [p.message for p in problems] == ["@string 'X' is defined again (first defined at a.bib:1): BibTeX "
                                             "silently uses the last definition"]


def test_a_string_defined_again_with_the_same_value_is_not_a_problem():
    """Two papers of one repository share abbrev.bib: read together, each @string comes twice with one value."""
    abbrev = "@string{icra = {Proc. ICRA}}\n@string{iros={Proc.  IROS}}\n"
    same = "@string{icra = {Proc. ICRA}}\n@string{iros = {Proc. IROS}}\n"
    entries, problems = read_bibs([("abbrev.bib", abbrev), ("paper/abbrev.bib", same),
                                   ("refs.bib", "@inproceedings{a, title={T}, booktitle=icra, year=2020}\n")])
    assert problems == [] and [e.key for e in entries] == ["a"]
    _, problems = read_bibs([("abbrev.bib", abbrev), ("b.bib", "@string{icra = {Proc. IROS}}\n")])
    assert [str(p.source) for p in problems] == ["b.bib:1"]  # another value: still reported


def test_keys_that_differ_only_in_case_name_both_lines_and_the_fix():
    _, problems = read_bib("@misc{GenX, title={a}}\n\n@misc{GENX, title={b}}\n", "refs.bib")
    assert [str(p) for p in problems] == [
        "refs.bib:3: error: entry key 'GENX' differs only in case from 'GenX' (refs.bib:1) (BibTeX treats keys "
        "case-insensitively, so the two are one key: keep one of the entries (or rename the other) and cite it by "
        "one spelling)"]


def test_an_imported_cite_of_a_key_the_bib_lacks_names_the_cite_and_the_fix():
    result = import_text("\\begin{tabular}{ll} A & B \\\\ \\hline\n x & \\cite{gone2020} \\\\ \\end{tabular}",
                         "s.tex", bib_keys={"other"})
    assert [str(p) for p in result.problems if p.severity == "error"] == [
        "s.tex:2:6: error: cite key 'gone2020' is not in refs.bib: the build stops on it (add its entry to "
        "refs.bib, or correct the key)"]


def test_an_imported_cite_of_a_key_in_another_case_or_spelling_says_which():
    text = "\\begin{tabular}{ll} A & B \\\\ \\hline\n x & \\cite{Smith2020,jones2021dep} \\\\ \\end{tabular}"
    result = import_text(text, "s.tex", bib_keys={"smith2020", "jones2021deep"})
    assert [p.hint for p in result.problems if p.severity == "error"] == [
        "refs.bib has it as 'smith2020' (BibTeX ignores case, surveybuild does not): write that",
        "did you mean 'jones2021deep'? else add its entry to refs.bib"]


SUBFIGURES = r"""\begin{tabular}{ll}
Name & Picture \\ \hline
one & \subfigure[{\small First\qquad}]{\input{fig/a}} \\
two & \subfloat[lof][Second]{\includegraphics{b}} \\
three & \begin{subfigure}{0.3\linewidth}\includegraphics{c}\caption{Third}\end{subfigure} \\
\end{tabular}
"""


def test_a_figure_in_a_cell_is_listed_and_its_caption_kept():
    """A grid of sub-figures laid out as a tabular (\\subfigure, \\subfloat, subcaption's environment): each figure is
    left out and listed at its place, its caption's text stays in the cell, and the table is imported."""
    (table,), problems = through(SUBFIGURES, "s.tex")
    assert table[0]["rows"] == [{"name": "one", "picture": "First"}, {"name": "two", "picture": "Second"},
                                {"name": "three", "picture": "Third"}]
    listed = [str(p) for p in problems if "not represented" in p.message]
    assert [x.split(": not represented")[0] for x in listed] == ["s.tex:3:7: warning", "s.tex:4:7: warning",
                                                                 "s.tex:5:9: warning"]
    assert all("places a figure" in x for x in listed)
    assert not [p for p in problems if p.severity == "error"]


INDENTED = r"""\begin{tabular}{lc}
Name & Score \\ \hline
BM25 & 1 \\
~~~w/ full & 2 \\
\textbf{GTR} & 3 \\
\quad w/ full & 4 \\
\hspace{2mm}\ \ w/ tail & 5 \\
Prompt & 6 \\
Oracle & 8 \\
Prompt & 7 \\
Tuned & 9 \\
Prompt & 6 \\
\end{tabular}
"""


def test_an_indented_row_is_named_under_the_row_above_and_a_repeated_name_gets_a_listed_suffix():
    """'~~~w/ full' under each retriever: an indented row (~, \\quad, \\hspace, '\\ ') is named after the last row
    above that is not indented; a name still repeated gets ' (2)', ' (3)': every row kept, each renaming listed."""
    (table,), problems = through(INDENTED, "s.tex")
    assert [r["name"] for r in table[0]["rows"]] == ["BM25", "BM25: w/ full", "\\textbf{GTR}", "GTR: w/ full",
                                                     "GTR: w/ tail", "Prompt", "Oracle", "Prompt (2)", "Tuned",
                                                     "Prompt (3)"]
    listed = [str(p) for p in problems if "named '" in p.message]
    assert [x.split(": warning")[0] for x in listed] == ["s.tex:4:1", "s.tex:6:1", "s.tex:7:1", "s.tex:10:1",
                                                         "s.tex:12:1"]
    assert "repeats the row at s.tex:8:1: named 'Prompt (3)'" in listed[-1]
    assert not [p for p in problems if p.severity == "error"]


GRID = r"""\begin{figure}\begin{tabular}{cc}
\toprule
Name & After \\ \midrule
\includegraphics{a} & \includegraphics{b} \\
\scalebox{0.5}{\input{c}} & text \\
\bottomrule
\end{tabular}\end{figure}
"""


def test_a_row_whose_first_cell_is_only_a_figure_is_named_by_its_place():
    """A grid of images: the first cell's \\includegraphics/\\input is left out (listed), and the row, with no
    row above to sit under, is named '(row N)' with a warning rather than refused; its other cells are kept."""
    (table,), problems = through(GRID, "s.tex")
    assert table[0]["rows"] == [{"name": "(row 1)"}, {"name": "(row 2)", "after": "text"}]
    named = [str(p) for p in problems if "named '(row" in p.message]
    assert named == ["s.tex:4:1: warning: row 1: the first column ('Name') is empty: named '(row 1)' (the build "
                     "needs every row named) (write the row's name in the YAML)",
                     "s.tex:5:1: warning: row 2: the first column ('Name') is empty: named '(row 2)' (the build "
                     "needs every row named) (write the row's name in the YAML)"]
    assert len([p for p in problems if "not represented" in p.message]) == 3
    assert not [p for p in problems if p.severity == "error"]
