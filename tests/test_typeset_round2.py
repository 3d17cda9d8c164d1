"""Table shapes a careful author sets otherwise (docs/paper.md, "How a table is set"): a header of many scores
turned rather than a landscape page, a column empty in every row left out, a one-word name kept whole before its
citation, a landscape table deferred to the end of a page on which a long table starts. One TeX build; the rest is
the fitting and the rendering, without TeX.
"""

from __future__ import annotations


from conftest import require_tool
from typeset_checks import (PAPER_SETUP, bad_breaks, log_defects, outside_text_block, overlapping_words, pdf_text,
                            trace_layout)

from surveybuild.build import pipeline as build
from surveybuild.checks.check import check_table
from surveybuild.model import Column, Line, Row, Settings, Source, Table, Value
from surveybuild.renderers import fit, latex

BENCHMARKS = ["HumanEval", "MBPP", "GSM8K", "MATH", "MMLU", "MMLU-Pro", "ARC-Challenge", "HellaSwag", "TruthfulQA",
              "WinoGrande", "BBH", "DROP", "AGIEval", "C-Eval"]


def _row(index: int, cells: dict, cites: tuple = (), notes: tuple = ()) -> Row:
    src = Source("t.yaml", index + 5, 3)
    return Row(index, f"r{index}", Line(tuple((k, Value(v, src)) for k, v in cells.items())),
               cites=tuple((k, src) for k in cites), notes=tuple((c, n, src) for c, n in notes))


def _scores(rows: int = 8) -> Table:
    columns = (Column("name", "Model"),) + tuple(Column(f"b{i}", b, align="r") for i, b in enumerate(BENCHMARKS))
    return Table("s", "Scores.", "tab:s", columns,
                 tuple(_row(r, {"name": f"Model-{r}", **{f"b{i}": f"{10 + r + i}.5" for i in range(14)}})
                       for r in range(rows)))


def test_a_header_of_many_scores_is_turned_and_the_table_stays_portrait():
    """Fourteen columns of scores under benchmark names went landscape at scriptsize with 2.5pt separations: with
    the titles turned (``\\rotatebox{90}``) each column is as wide as its numbers, and the table is portrait at
    footnotesize. Every short column's title turns (an upright "BBH" among turned ones read as a mistake); a table
    that fits as it is, or has few such columns, keeps its titles upright."""
    settings = Settings(paper_text_width="472pt", paper_text_height="653pt")
    table = _scores()
    plan = fit.plan(table, list(table.columns), [c.title for c in table.columns], settings)
    assert (plan.landscape, plan.font, plan.tabcolsep, plan.reason) == (False, "footnotesize", fit.TABCOLSEP,
                                                                        "natural")
    assert plan.rotated == tuple(range(1, 15))
    tex = latex.render_table(table, settings)
    assert "\\rotatebox{90}{BBH}" in tex and "Model &" in tex and "landscape" not in tex
    assert "\\usepackage{graphicx}" in latex.table_preamble([tex])
    few = Table("f", "F.", "tab:f", table.columns[:4], table.rows)
    assert fit.plan(few, list(few.columns), [c.title for c in few.columns], settings).rotated == ()
    grouped = latex.render_table(Table("s", "S.", "tab:s", tuple(
        Column(c.key, c.title, align=c.align, group="Code" if c.key in ("b0", "b1") else None) for c in table.columns),
        table.rows), settings)
    head = grouped.split("\\midrule")[0]
    assert "\\multicolumn{2}{c}{Code}" in head and "\\multirow{2}{*}{\\rotatebox" not in head
    assert "\\rotatebox{90}{HumanEval}" in head.split("\\cmidrule")[-1]  # grouped: on the lower line


def test_a_column_empty_in_every_row_is_left_out_with_a_warning():
    """A column of dashes tells the reader nothing and takes width from the others: the paper leaves it out and
    ``check`` says so at the column's line; a column with one value, or a note, stays."""
    columns = (Column("name", "Name"), Column("lic", "License", source=Source("t.yaml", 4, 5)),
               Column("size", "Size", align="r"))
    rows = tuple(_row(r, {"name": f"Data-{r}", "size": f"{r}K"}) for r in range(4))
    table = Table("e", "E.", "tab:e", columns, rows)
    tex = latex.render_table(table, Settings())
    assert "License" not in tex and "\\begin{tabular}{lr}" in tex
    problem, = [p for p in check_table(table, {}, set()) if "empty" in p.message]
    assert (problem.severity, str(problem.source)[:8]) == ("warning", "t.yaml:4")
    assert "column 'lic' is empty in every row: the paper leaves it out" in problem.message
    one = Table("e", "E.", "tab:e", columns, rows + (_row(4, {"name": "Data-4", "lic": "MIT"}),))
    assert "License" in latex.render_table(one, Settings())
    noted = Table("e", "E.", "tab:e", columns, rows[:3] + (_row(3, {"name": "Data-3"}, notes=(("lic", "n"),)),))
    assert "License" in latex.render_table(noted, Settings())


MAIN = r"""\documentclass{article}
\usepackage[margin=2.5cm]{geometry}
""" + PAPER_SETUP + r"""\begin{document}
BEFORE
\input{tables/scores}
\input{tables/wide}
BEFORE
\input{tables/methods}
AFTER
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""


def test_turned_headers_kept_names_and_a_landscape_table_before_a_long_one_build_clean(tmp_path):
    """One build: the scores table portrait with its titles turned; a landscape table deferred to the end of its
    page, which ends as a long table kept whole starts (longtable broke the page with its own ``\\newpage``, and the
    landscape table set there stopped LaTeX: "Misplaced \\noalign"); a narrow first column of one-word names with
    citations and note marks, each name on one line. No defect in the log, no word outside the text block or over
    another, no bad break."""
    require_tool("latexmk")
    require_tool("pdftotext")
    (tmp_path / "tables").mkdir()
    (tmp_path / "paper").mkdir()
    text = "Text of the survey about the tables that follow, as an author writes it. "
    main = MAIN.replace("BEFORE", text * 25).replace("AFTER", text * 120)
    (tmp_path / "paper" / "main.tex").write_text(main, "utf-8")
    (tmp_path / "surveybuild.yaml").write_text("paper_text_width: 472pt\npaper_text_height: 653pt\n", "utf-8")
    (tmp_path / "refs.bib").write_text("".join(f"@misc{{k{i}, title={{Work {i}}}, author={{Author{i}, A.}}, "
                                               f"year={{2020}}}}\n" for i in range(42)), "utf-8")
    (tmp_path / "tables" / "scores.yaml").write_text(
        "caption: Scores.\nlayout: float\ncolumns:\n  - {key: name, title: Model}\n"
        + "".join(f"  - {{key: b{i}, title: {b}, align: r}}\n" for i, b in enumerate(BENCHMARKS)) + "rows:\n"
        + "".join("  - {name: Model-%d, %s}\n" % (r, ", ".join(f"b{i}: '{10 + r + i}.5'" for i in range(14)))
                  for r in range(8)), "utf-8")
    (tmp_path / "tables" / "wide.yaml").write_text(
        "caption: Wide.\nlandscape: true\ncolumns:\n  - {key: a, title: Name}\n  - {key: b, title: Text}\nrows:\n"
        + "".join(f"  - {{a: Wide{r}, b: '{'a landscape row ' * 8}'}}\n" for r in range(4)), "utf-8")
    (tmp_path / "tables" / "methods.yaml").write_text(
        "caption: Methods.\nlayout: long\nnotes:\n  a: First note.\n  b: Second note.\ncolumns:\n"
        "  - {key: name, title: Method}\n  - {key: idea, title: Idea}\n  - {key: year, title: Year, align: r}\n"
        "rows:\n" + "".join("  - {name: Method-%d-Large, cite: [k%d, k%d], notes: [a, b], idea: '%s', year: %d}\n"
                            % (r, r, r + 20, "an idea described in many words " * 6, 2020 + r % 5)
                            for r in range(10, 22)), "utf-8")
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    tex = {t: (tmp_path / "paper" / "tables" / f"{t}.tex").read_text("utf-8") for t in ("scores", "methods")}
    assert "\\rotatebox{90}{ARC-Challenge}" in tex["scores"] and "landscape" not in tex["scores"]
    assert "\\mbox{Method-10-Large}~\\citep{k10,k30}" in tex["methods"] and "\\begin{longtable}" in tex["methods"]
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == []
    assert outside_text_block(pdf, log) == []
    assert overlapping_words(pdf) == []
    assert bad_breaks(log) == []
    words = pdf_text(pdf)
    assert all(f"Method-{r}-Large" in words for r in range(10, 22))  # never "Method-" / "10-Large"
    assert "ARC-Challenge" in words and "Wide3" in words


def test_in_two_columns_a_long_table_is_a_run_of_floats_with_text_around_them(tmp_path):
    """In a two-column paper a long table was set on pages of one column: ``\\onecolumn`` where the table was ended
    the column there, half empty (it then waited for the end of its page), and ``\\twocolumn`` after it started a
    page, so the page of its last rows was blank below them (80% of it for 60 rows). It is now a run of floats
    across both columns, a page of rows each, "(continued)" in the caption of the next ones, its notes under the
    last: the text fills the page before the table and the page of its last rows."""
    require_tool("latexmk")
    require_tool("pdftotext")
    (tmp_path / "tables").mkdir()
    (tmp_path / "paper").mkdir()
    main = MAIN.replace("\\documentclass{article}", "\\documentclass[twocolumn]{article}")
    main = main.replace("\\input{tables/scores}\n\\input{tables/wide}\nBEFORE\n", "")
    main = main.replace("BEFORE", "Before the table. " * 40).replace("AFTER", "After the table. " * 500)
    (tmp_path / "paper" / "main.tex").write_text(main, "utf-8")
    (tmp_path / "surveybuild.yaml").write_text("paper_text_width: 472pt\npaper_text_height: 653pt\npaper_columns: 2\n",
                                               "utf-8")
    (tmp_path / "refs.bib").write_text("", "utf-8")
    (tmp_path / "tables" / "methods.yaml").write_text(
        "caption: Methods.\nlayout: long\ncolumns:\n  - {key: name, title: Method}\n  - {key: idea, title: Idea}\n"
        "rows:\n" + "".join(f"  - {{name: Row{r}, idea: '{'an idea in words ' * 5}'}}\n" for r in range(60)), "utf-8")
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    tex = (tmp_path / "paper" / "tables" / "methods.tex").read_text("utf-8")
    assert "\\surveybuildwidewait{" not in tex and tex.count("\\begin{table*}") == 2
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(pdf, log) == [] and bad_breaks(log) == []
    pages = pdf_text(pdf).split("\f")
    first = next(i for i, page in enumerate(pages) if "Methods." in page)
    assert first >= 1 and "Before the table." in pages[first - 1]
    assert pages[first - 1].count("After the table.") > 40  # before: none (the column ended at the table)
    last = next(i for i, page in enumerate(pages) if "Methods. (continued)" in page)
    assert last == first + 1 and "Row59" in pages[last] and "Row0" in pages[first]
    assert pages[last].count("After the table.") > 40  # before: none (the page ended after the last rows)
    assert all("".join(pages).count(f"Row{r}\n") == 1 for r in range(60))
