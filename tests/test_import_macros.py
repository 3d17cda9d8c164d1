"""Import keeps math and the author's own macros (issue 12; issue 13 point 6).

- math in cells: amsmath/amssymb math that GitHub's MathJax renders too passes the allow-list, and the
  generated ``tables/preamble.tex`` loads amsmath when a table uses it (one pdflatex run proves it typesets);
- an author's ``\\newcommand`` / ``\\def`` / ``\\DeclareMathOperator``, in the imported file or in the main
  file beside it, is expanded at import (arguments, an optional one's default), bounded (a recursive macro
  is an error, not a hang), with every ``file:line`` kept; what a body holds goes through the allow-list;
- a line with an empty first cell under a named row continues it (sub-rows), as under a ``\\multirow``;
- lower header cells spanning two columns title both, in the same group; two tabulars in one float keep
  labels apart.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import require_tool
from surveybuild.build import pipeline as build
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.importer import import_file, import_text, to_yaml
from surveybuild.importer.command import run_import
from surveybuild.importer.macros import collect, expand
from surveybuild.model import Settings
from surveybuild.readers.tableread import read_table
from surveybuild.renderers import latex, markdown
from surveybuild.texlang.latextext import Math, to_pieces


def table(rows: str, head: str = "Name & What", spec: str = "ll", before: str = "") -> str:
    return (before + "\\begin{table}\\caption{T}\\begin{tabular}{" + spec + "}\\toprule\n" + head + " \\\\ \\midrule\n"
            + rows + "\\bottomrule\\end{tabular}\\end{table}\n")


def imported(text: str, path: str = "x.tex", **kw):
    """(data, paper, readme) per table, each table checked clean; and the problems."""
    result = import_text(text, path, **kw)
    out = []
    for one in result.tables:
        source = to_yaml(one.table, one.comment, one.name)
        parsed, problems = read_table(source, f"tables/{one.name}.yaml")
        assert parsed is not None and not problems, "\n".join(map(str, problems))
        errors = [p for p in check_table(parsed, BibIndex(set()), set()) if p.severity == "error"]
        assert not errors, "\n".join(map(str, errors))
        out.append((yaml.safe_load(source), latex.render_table(parsed, Settings()),
                    markdown.render_table(parsed, markdown.Citations())))
    return out, result.problems


def errors(problems) -> list[str]:
    return [str(p) for p in problems if p.severity == "error"]


# -- math -------------------------------------------------------------------------------------------

MATH = [r"\mathcal{A} \subseteq \mathbb{R}^n", r"\text{if } x \geq 0", r"\operatorname*{arg\,max}_{y} f(y)",
        r"r = \begin{cases} 1 & \text{click} \\ 0 & \text{else} \end{cases}", r"\|x\|_2 \leq \textbf{c}"]


def test_math_that_pdflatex_and_mathjax_render_is_one_piece():
    for source in MATH:
        assert to_pieces(f"${source}$") == (Math(source),)


def test_math_cells_import_and_the_preamble_loads_amsmath_only_when_used(tmp_path):
    rows = "".join(f"m{n} & ${m}$ \\\\\n" for n, m in enumerate(MATH))
    (data, paper, readme), = imported(table(rows))[0]
    assert [r["what"] for r in data["rows"]] == [f"${m}$" for m in MATH]
    assert r"\begin{cases} 1 & \text{click}" in paper
    assert r"$`r = \begin{cases}" in readme  # GitHub's code-span math: & and \\ reach MathJax intact
    assert "\\usepackage{amsmath}" in latex.table_preamble([paper])
    assert "\\usepackage{amsmath}" in latex.table_preamble([r"$\begin{aligned} a &= b \end{aligned}$"])
    assert "amsmath" not in latex.table_preamble([r"$\mathbb{R} \alpha$ \textbf{x}"])
    require_tool("pdflatex")
    root = tmp_path / "s"
    for folder in ("tables", "templates", "paper"):
        (root / folder).mkdir(parents=True)
    (root / "refs.bib").write_text("", "utf-8")
    (root / "surveybuild.yaml").write_text("engine: pdflatex\n", "utf-8")
    (root / "templates" / "README.md.j2").write_text("# S\n\n{{ table('t') }}\n", "utf-8")
    (root / "tables" / "t.yaml").write_text(to_yaml(import_text(table(rows), "x.tex").tables[0].table, "", "t"),
                                            "utf-8")
    (root / "paper" / "main.tex").write_text(
        "\\documentclass{article}\n\\input{tables/preamble}\n\\usepackage{booktabs,longtable,multirow,array}\n"
        "\\usepackage[referable]{threeparttablex}\n\\usepackage{pdflscape}\n\\usepackage[numbers]{natbib}\n"
        "\\begin{document}\n\\input{tables/t}\n\\end{document}\n", "utf-8")
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.errors))


MATH_ENV = (r"A & \begin{math}\Delta x \define 3\end{math} \\" "\n"
            r"B & \begin{tabular}{@{}c@{}c@{}}\begin{math}\begin{array}[t]{r@{\;\define\;}l}" "\n"
            r"  \textsc{x} & 30\textsc{px} % a comment" "\n"
            r"\end{array}\end{math} & $90\degr$\end{tabular} \\" "\n")


def test_a_math_environment_is_math_and_a_macro_the_source_never_defines_stands_in_by_name():
    """\\begin{math}...\\end{math} is $...$; in math, a command no file of the source defines is written
    \\mathrm{name} and listed at its file:line (one problem per name, its other lines named); a nested tabular's
    '&' is a space but the '&' of an array in it stays; a text style GitHub's math lacks goes inside \\text{}."""
    from surveybuild.checks import texknown
    from surveybuild.texlang import latextext

    known = latextext.ALLOWED | latextext.MATH_COMMANDS | texknown.COMMON | {"array", "tabular"}
    result = import_text(table(MATH_ENV), "x.tex", known=known)
    assert not errors(result.problems), errors(result.problems)
    (one,) = result.tables
    cells = [one.table.rows[0].value("what").raw, one.table.rows[1].value("what").raw]
    assert cells[0] == r"$\Delta x \mathrm{define} 3$"
    assert cells[1] == (r"$\begin{array}[t]{r@{\;\mathrm{define}\;}l} \text{\textsc{x}} & 30\text{\textsc{px}} "
                        r"\end{array}$ $90\mathrm{degr}$")
    listed = sorted(str(p) for p in result.problems if "not represented" in p.message)
    assert len(listed) == 2
    assert listed[0].startswith("x.tex:3:26: warning: not represented: '\\define' is defined neither by LaTeX")
    assert "(also on line(s) 4)" in listed[0] and "in math its name stands in, upright" in listed[0]
    assert listed[1].startswith("x.tex:6:28: warning: not represented: '\\degr'")
    (data, paper, readme), = imported(table(MATH_ENV), known=known)[0]  # checks clean, renders in both outputs
    assert r"\mathrm{degr}" in paper and r"\mathrm{degr}" in readme


# -- the author's macros ----------------------------------------------------------------------------

DEFS = ("\\newcommand{\\msr}[2][E]{MSR$_{\\text{#2}}$/#1}\n\\def\\vb#1#2{\\textbf{#1}#2}\n"
        "\\DeclareMathOperator*{\\argmax}{arg\\,max}\n\\newcommand\\tool{\\textsc{Tool}}\n")


def test_macros_with_arguments_defaults_def_and_math_operators_are_expanded():
    rows = "\\msr{F} & $\\argmax_y$ \\\\\n\\msr[P]{G} & \\vb{x}y \\tool is \\\\\n"
    (data, _, readme), = imported(DEFS + table(rows))[0]
    assert data["rows"][0] == {"name": "MSR$_{\\text{F}}$/E", "what": "$\\operatorname*{arg\\,max}_y$"}
    assert data["rows"][1] == {"name": "MSR$_{\\text{G}}$/P", "what": "\\textbf{x}y \\textsc{Tool}is"}


def test_lines_stay_where_they_were():
    """A use spanning lines expands to one line and as many line ends: a later problem names its own line."""
    text = DEFS + table("\\msr{A\nB} & 1 \\\\\n\\vb{x}\n{y} & 2 \\\\\nz & \\unknown \\\\\n")
    result = import_text(text, "x.tex")
    line = text.splitlines().index("z & \\unknown \\\\") + 1
    assert any(p.source.line == line and "\\unknown" in p.message for p in result.problems), result.problems
    out, _ = expand(text, collect(text, "x.tex")[0], "x.tex", collect(text, "x.tex")[1])
    assert out.count("\n") == text.count("\n")


def test_a_recursive_or_exploding_macro_is_an_error_not_a_hang():
    text = ("\\newcommand\\loopy{a\\loopy}\n\\newcommand\\two[1]{#1#1}\n\\newcommand\\big{\\two{\\two{\\two{\\two{"
            "\\two{\\two{\\two{\\two{\\two{\\two{\\two{\\two{\\two{\\two{\\two{xxxxxxxxx}}}}}}}}}}}}}}}}\n"
            + table("\\loopy & 1 \\\\\nb & \\big \\\\\n"))
    result = import_text(text, "x.tex")
    found = errors(result.problems)
    assert any("macro '\\loopy' (defined at x.tex:1) does not expand to an end" in p for p in found), found
    assert any("macro '\\big'" in p and "does not expand to an end" in p for p in found), found


def test_what_a_macro_body_holds_goes_through_the_allow_list():
    """A body is text: \\input or \\csname in it reach the cell and are refused there; nothing is read. A definition
    the body makes (\\def\\x{#1}) prints nothing where the macro is used: it is left out of the expansion."""
    text = ("\\newcommand\\leak{\\input{/etc/passwd}}\n\\newcommand\\mk[1]{\\def\\x{#1}\\csname x\\endcsname}\n"
            + table("a & \\leak \\\\\nb & \\mk{1} \\\\\n"))
    result = import_text(text, "x.tex")
    found = errors(result.problems)
    assert any("macro '\\csname' is not allowed" in p for p in found), found
    assert not any("\\def" in p for p in found), found
    # a file-reading command is never followed: left out of the cell, listed at its line
    assert any("not represented: '\\input{/etc/passwd}'" in str(p) and p.source.line == 5 for p in result.problems)
    written = to_yaml(result.tables[0].table, "", "t")
    assert "\\input" not in written and "root:" not in written


def test_a_tabular_in_a_definition_is_a_template_not_a_table():
    text = "\\newcommand\\box[1]{\\begin{tabular}{c}#1\\end{tabular}}\n" + table("a & \\box{b} \\\\\n")
    (data, _, _), = imported(text)[0]
    assert data["rows"] == [{"name": "a", "what": "b"}]


def test_definitions_in_the_main_file_beside_and_its_inputs_are_used(tmp_path):
    project = tmp_path / "book"
    (project / "chapters").mkdir(parents=True)
    (tmp_path / "outside.tex").write_text("\\newcommand\\secret{LEAKED}\n", "utf-8")
    (tmp_path / "linked.tex").write_text("\\documentclass{x}\n\\newcommand\\body{LEAKED}\n", "utf-8")
    (project / "main.tex").write_text("\\documentclass{book}\n\\input{defs}\n\\input{../outside}\n"
                                      "\\newcommand\\late{no}\n\\begin{document}\n\\newcommand\\body{B}\n"
                                      "\\include{chapters/one}\n\\end{document}\n", "utf-8")
    (project / "defs.tex").write_text("\\newcommand\\funp[1]{#1}\n\\def\\mathbi#1{\\textbf{#1}}\n", "utf-8")
    (project / "chapters" / "a.tex").symlink_to(tmp_path / "linked.tex")  # a main file linked from outside: not read
    chapter = project / "chapters" / "one.tex"
    chapter.write_text(table("a & $\\funp{P}(\\mathbi{s})$ \\\\\nb & \\secret \\\\\nc & \\body \\\\\n"), "utf-8")
    result = import_file(chapter)
    rows = to_yaml(result.tables[0].table, "", "t")
    assert "$P(\\textbf{s})$" in rows
    found = errors(result.problems)
    assert any("'\\secret' is not allowed" in p for p in found), found  # outside the project: not read
    assert any("'\\body' is not allowed" in p for p in found), found  # defined after \begin{document}: not read
    report = run_import(_survey(tmp_path / "s"), str(chapter), str(tmp_path / "s" / "tables" / "one.yaml"))
    assert "$P(\\textbf{s})$" in (tmp_path / "s" / "tables" / "one.yaml").read_text("utf-8"), report.problems


def _survey(root: Path) -> Path:
    from surveybuild.init import init

    assert init(root).ok
    return root


def test_names_the_importer_reads_itself_are_not_expanded():
    text = ("\\newcommand\\upcite[1]{\\textsuperscript{\\cite{#1}}}\n\\newcommand\\cmark{\\ding{51}}\n"
            + table("a\\upcite{k} & \\cmark \\\\\n"))
    result = import_text(text, "x.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert data["rows"][0]["cite"] == "k" and data["rows"][0]["what"] is True


# -- an empty first cell, spanning header cells, a shared float ------------------------------------------

def test_a_line_with_an_empty_first_cell_continues_the_row_above():
    rows = "\\textbf{R} & 1.3 & 8 \\\\\n & [1;2] & [5;9] \\\\\nS & 2 & 3 \\\\\n"
    (data, paper, readme), = imported(table(rows, "Name & Ratio & Count", "lll"))[0]
    assert len(data["rows"]) == 2
    assert data["rows"][0]["name"] == "\\textbf{R}"
    assert [s["ratio"] for s in data["rows"][0]["subrows"]] == ["1.3", "[1;2]"]
    problems = import_text(table(rows, "Name & Ratio & Count", "lll"), "x.tex").problems
    assert any("continue the row above" in p.message and p.source.line == 4 for p in problems), problems
    # the first row has no row above: named by its place, with a warning naming it (not a defect of the source)
    first = import_text(table(" & 1 \\\\\nb & 1 \\\\\n"), "x.tex").problems
    assert not errors(first), first
    assert any("the first column ('Name') is empty: named '(row 1)'" in p.message and p.severity == "warning"
               for p in first), first


def test_lower_header_cells_spanning_columns_title_each_in_their_group():
    head = (" & \\multicolumn{4}{l}{q60} \\\\ \\cmidrule{2-5}\nName & \\multicolumn{2}{l}{frac} & "
            "\\multicolumn{2}{l}{err}")
    (data, _, _), = imported(table("a & 0.9 & $+$1 & 2 & $-$3 \\\\\n", head, "lr@{}lr@{}l"))[0]
    assert [(c["title"], c.get("group")) for c in data["columns"]] == [
        ("Name", None), ("frac", "q60"), ("frac (2)", "q60"), ("err", "q60"), ("err (2)", "q60")]


def test_two_tabulars_in_one_float_do_not_share_its_label():
    tab = "\\begin{tabular}{ll}\\toprule A & B \\\\ \\midrule x & y \\\\ \\bottomrule\\end{tabular}\n"
    text = "\\begin{table}\\caption{T}" + tab + tab + "\\label{tab:t}\\end{table}\n"
    result = import_text(text, "x.tex")
    assert [t.table.label for t in result.tables] == ["tab:t", "tab:t-2"]
