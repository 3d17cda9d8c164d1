"""Table shapes that typeset badly before (docs/paper.md, "How a table is set"): a two-column paper, a long
table after a wide float, several note marks in a cell, columns of one token a cell beside a column of text,
many short columns. One TeX build (a two-column synthetic survey); the rest is the fitting, without TeX.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import require_tool
from typeset_checks import (PAPER_SETUP, bad_breaks, log_defects, outside_text_block, overlapping_words, pdf_text,
                            trace_layout)

from surveybuild.build import pipeline as build
from surveybuild.model import Column, Line, Row, Settings, Source, Table, Value
from surveybuild.renderers import fit

TWO_COLUMNS = r"""\documentclass[twocolumn]{article}
""" + PAPER_SETUP + r"""\begin{document}
PARAGRAPH
\input{tables/small}
PARAGRAPH
\input{tables/numbers}
PARAGRAPH
\input{tables/long}
PARAGRAPH
\input{tables/longer}
PARAGRAPH
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""


def _two_column_survey(root: Path) -> None:
    """A small float, 30 columns of numbers only scaling fits (a float wider than the line, set before it is
    scaled: threeparttable keeps its width for the next notes), a table (``layout: long``) whose first cells
    carry up to four note marks (three notes and a link note) before a column of text, with notes of several
    lines, and one of the same rows that fits on one page (``layout: auto``)."""
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    paragraph = "Text of the survey in two columns. " * 30 + "\n"
    (root / "paper" / "main.tex").write_text(TWO_COLUMNS.replace("PARAGRAPH", paragraph), "utf-8")
    (root / "surveybuild.yaml").write_text("paper_text_width: 469pt\npaper_columns: 2\n", "utf-8")
    (root / "refs.bib").write_text("".join(f"@misc{{k{i}, title={{Work {i}}}, author={{Author{i}, A.}}, year={{2020}}}}\n"
                                           for i in range(12)), "utf-8")
    (root / "tables" / "small.yaml").write_text(
        "caption: Small.\ncolumns:\n  - {key: a, title: Name}\n  - {key: b, title: Value, align: r}\n"
        "rows:\n" + "".join(f"  - {{a: small{r}, b: '{r}'}}\n" for r in range(3)), "utf-8")
    numbers = "\n".join("  - {" + ", ".join(f"c{i}: '{r}{i}.25 [1{i}.5;2{r}.75]'" for i in range(30)) + "}"
                        for r in range(6))
    (root / "tables" / "numbers.yaml").write_text(
        "caption: Numbers.\nlayout: float\ncolumns:\n"
        + "".join(f"  - {{key: c{i}, title: Column {i}}}\n" for i in range(30)) + "rows:\n" + numbers + "\n", "utf-8")
    note = "a note long enough to take several lines of the table's notes, which must stay within the line " * 2
    rows = []
    for r in range(40):
        marks = {0: "[n0, n1, n2]", 1: "[n3]"}.get(r % 3, "[]")
        rows.append(f"  - {{name: Method-{r}, cite: [k{r % 12}, k{(r + 5) % 12}], notes: {marks}, "
                    f"code: 'https://github.com/org/method-{r}', base: 'Prior work {r} of a family', "
                    f"score: '{50 + r}.5'}}")
    head = ("columns:\n  - {key: name, title: Method}\n  - {key: code, title: Code, type: url}\n"
            "  - {key: base, title: Builds on}\n  - {key: score, title: Score, align: r}\n"
            "notes:\n" + "".join(f"  n{i}: Note {i}, {note}\n" for i in range(4)) + "rows:\n")
    (root / "tables" / "long.yaml").write_text("caption: Long.\n" + head + "\n".join(rows[:12]) + "\n", "utf-8")
    (root / "tables" / "longer.yaml").write_text("caption: Longer.\nlayout: long\n" + head + "\n".join(rows) + "\n",
                                                 "utf-8")


def test_a_two_column_paper_builds_and_its_tables_stay_in_the_text_block(tmp_path):
    """In a two-column paper (``\\documentclass[twocolumn]``, IEEEtran, acmart's sigconf) longtable stopped LaTeX
    ("longtable not in 1-column mode"): a long table is now a run of floats across both columns, a landscape one set
    on one-column pages. The long table's notes, after a float wider than the line, ran into the margin (threeparttable's
    leftover width); "a,b,c,1" after a first cell ran over the next column's first word."""
    require_tool("latexmk")
    require_tool("pdftotext")
    _two_column_survey(tmp_path)
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    assert not [str(p) for p in report.problems if p.severity != "warning" or "too wide" in p.message]
    tex = {t: (tmp_path / "paper" / "tables" / f"{t}.tex").read_text("utf-8")
           for t in ("small", "numbers", "long", "longer")}
    # a small table in one column; one that fits on a page across both; a long one on pages of one column
    assert "\\begin{table}" in tex["small"] and "\\begin{table*}" in tex["long"]
    # a long one: a run of floats across both columns, a page of rows each (docs/paper.md, "Two columns")
    assert tex["longer"].count("\\begin{table*}") >= 2 and "longtable" not in tex["longer"]
    assert "\\surveybuildcontinued{Longer. (continued)}" in tex["longer"]
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == []
    assert outside_text_block(pdf, log) == []
    assert overlapping_words(pdf) == []
    assert bad_breaks(log) == []
    text = pdf_text(pdf)
    assert all(text.count(f"Method-{r}\n") + text.count(f"Method-{r} ") == (2 if r < 12 else 1) for r in range(40))
    assert text.count("Note 3, a note long") == 2


def _row(index: int, cells: dict[str, str]) -> Row:
    return Row(index, f"r{index}", Line(tuple((k, Value(v, Source("t.yaml"))) for k, v in cells.items())))


def _plan(table: Table, settings: Settings = Settings()) -> fit.Plan:
    return fit.plan(table, list(table.columns), [c.title for c in table.columns], settings)


def _shares(plan: fit.Plan) -> list[float]:
    return [int(w.rsplit("*", 1)[1].split("/")[0]) / 1000 for w in plan.widths]


def test_columns_of_one_token_are_not_widened_beside_a_column_of_text():
    """Model names, DOIs and hashes (one token a cell) beside remarks: each token column was given its longest
    word with a 30% margin, i.e. 30% blank, while the remarks were squeezed to one or two words a line. A column
    never needs more than its longest line: the remarks get what the tokens leave."""
    columns = (Column("name", "Checkpoint"), Column("doi", "DOI"), Column("hash", "Commit"), Column("note", "Remarks"))
    rows = tuple(_row(r, {"name": f"Mixtral-8x22B-Instruct-v0.{r}", "doi": f"10.48550/arXiv.2301.1{r:04d}",
                          "hash": f"{r:x}" * 40, "note": "collected by crowd workers and filtered " * 3})
                 for r in range(8))
    plan = _plan(Table("t", "T", "tab:t", columns, rows, landscape=True))
    name, doi, commit, note = _shares(plan)
    line = 550 - 8 * plan.tabcolsep * 1.0  # the landscape line less the separations, in pt
    size = fit.SIZES[10][plan.font]
    for share, key in ((name, "name"), (doi, "doi"), (commit, "hash")):
        text = max((row.line.by_key[key].raw for row in rows), key=fit.text_width)
        natural = fit.text_width(text) * size
        assert natural <= share * line <= natural * 1.1 + size  # its text on one line, and little more
    assert note > 0.2  # before: 0.095 (48pt: one or two words a line)


def test_many_short_columns_take_tighter_separations_before_landscape():
    """Eight columns of short values that overflow the line with separations of 12pt, but fit with 5pt: a portrait
    table with tighter separations, not a landscape page (a long one there holds a third of the rows)."""
    columns = tuple(Column(f"c{i}", f"Attribute {i}") for i in range(8))
    rows = tuple(_row(r, {f"c{i}": f"value {r}.{i} here" for i in range(8)}) for r in range(60))
    plan = _plan(Table("t", "T", "tab:t", columns, rows))
    assert (plan.reason, plan.landscape, plan.tabcolsep) == ("tight", False, fit.TIGHT_TABCOLSEP)


def test_citations_and_note_marks_count_in_a_measured_width():
    """TeX measured a cell without the bibliography (a bold "?" a key, narrower than its number), and every
    cell of a row with notes as if it held one mark: a cell's citations now add their numbers' width, a cell's
    several marks theirs, and a cell without a mark nothing."""
    column, other = Column("base", "Builds on", type="latex"), Column("x", "X")
    rows = (Row(0, "r0", Line((("base", Value("Prior~\\citep{a,b,c,d}", Source("t.yaml"))),
                               ("x", Value("y", Source("t.yaml"))))),
                notes=(("base", "n1", Source("t.yaml")), ("base", "n2", Source("t.yaml")))),)
    lookup = lambda col, raw, font: (40.0, 20.0)  # noqa: E731 - every text 40pt as TeX measured it
    measured = fit.measure(column, rows, False, "Builds on", lookup=lookup, font="footnotesize", size=8.0)
    assert measured.natural == 40 / 8 + 4 * fit.CITE_SLACK + fit.text_width("aa")
    assert fit.measure(other, rows, False, "X", lookup=lookup, font="footnotesize", size=8.0).natural == 40 / 8


def test_a_paper_in_two_columns_other_than_declared_is_reported(mini):
    """The build reads from the log whether the paper is set in two columns (the setup file writes it), and says
    to set ``paper_columns`` when the tables were fitted otherwise."""
    from surveybuild.build.texlog import read_log
    from surveybuild.build.textrace import trace
    from surveybuild.readers.read import read_survey

    survey = read_survey(mini)
    line = (f"surveybuild: text block {survey.settings.paper_text_width} x {survey.settings.paper_text_height}, "
            "font 10pt, left 72.0pt even 72.0pt, top 72.0pt, footskip 30.0pt, paper 614.0pt x 794.0pt, oneside, columns {}\n")
    assert trace(read_log("(./main.tex\n" + line.format(1) + ")"), survey, {}) == []
    problem, = trace(read_log("(./main.tex\n" + line.format(2) + ")"), survey, {})
    assert problem.severity == "warning" and "in 2 columns" in problem.message
    assert problem.hint == "set paper_columns: 2 in surveybuild.yaml"


def test_a_long_table_of_tall_rows_may_break_after_its_first_row():
    """A row whose text wraps over some 20 lines: "never fewer than 3 lines on a page" kept the first three such
    rows together (counted a line each), and 60 lines did not fit under the text above the table, which left
    40% of that page blank. A row now counts half the lines its wrapped text takes at least."""
    from surveybuild.renderers import latex

    columns = (Column("name", "Dataset"), Column("size", "Size", type="size", align="r"), Column("desc", "Description"))
    rows = tuple(_row(r, {"name": f"Data{r}", "size": "52K", "desc": "deduplicated instruction data " * 40})
                 for r in range(8))
    body = latex.render_table(Table("t", "T", "tab:t", columns, rows, layout="long"), Settings())
    ends = [line.rsplit(" ", 1)[-1] for line in body.split("\\endlastfoot")[1].splitlines()
            if line.endswith(("\\\\", "\\\\*")) and "row " in line]
    assert ends == ["\\\\"] * 7 + ["\\\\"]  # a break after any row (before: after the first three only)
    short = tuple(_row(r, {"name": f"Data{r}", "size": "52K", "desc": "instruction data"}) for r in range(80))
    body = latex.render_table(Table("t", "T", "tab:t", columns, short, layout="long"), Settings())
    assert body.count("\\\\*") == 4  # one-line rows: still 3 lines at least on each side of a break


def test_text_after_a_landscape_table_fills_the_page_before_it(tmp_path):
    """pdflscape's ``landscape`` starts a new page: the text after a landscape table went after its pages, and the
    page before them was blank below the paragraph that named it. The table now waits for the end of that page
    (afterpage), a long one with its notes, as a float would."""
    require_tool("latexmk")
    require_tool("pdftotext")
    (tmp_path / "tables").mkdir()
    (tmp_path / "paper").mkdir()
    main = TWO_COLUMNS.replace("[twocolumn]", "").replace("\\input{tables/small}\nPARAGRAPH\n", "")
    main = main.replace("\\input{tables/numbers}\nPARAGRAPH\n", "").replace("\\input{tables/longer}\nPARAGRAPH\n", "")
    main = main.replace("PARAGRAPH", "Before the table. " * 40, 1).replace("PARAGRAPH", "After the table. " * 60, 1)
    (tmp_path / "paper" / "main.tex").write_text(main, "utf-8")
    (tmp_path / "refs.bib").write_text("", "utf-8")
    rows = "".join(f"  - {{name: 'Row{r}', text: '{'words of a row ' * 6}', n: 'x{r}'}}\n" for r in range(30))
    (tmp_path / "tables" / "long.yaml").write_text(
        "caption: Long.\nlayout: long\nlandscape: true\nnotes:\n  a: A note.\ncolumns:\n"
        "  - {key: name, title: Name}\n  - {key: text, title: Text}\n  - {key: n, title: N}\n"
        "rows:\n" + rows.replace("n: 'x0'}", "n: 'x0', notes: [a]}"), "utf-8")
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(pdf, log) == [] and bad_breaks(log) == []
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    assert "Before the table." in pages[0] and "After the table." in pages[0]  # before: page 1 ended with "Before"
    assert "Row0" not in pages[0] and "Row0" in pages[1] and "A note." in "".join(pages[1:3])


def test_a_caption_wider_than_its_narrow_table_is_set_at_the_lines_width():
    """threeparttable sets a float's caption as wide as its table: over a two-column, one-row table "Table 5: A
    table of one row." broke into three short, hyphenated lines. Such a caption goes above the table at the line's
    width (``\\surveybuildfit``); a table as wide as its caption keeps threeparttable's."""
    from surveybuild.renderers import latex

    columns = (Column("a", "Name"), Column("b", "Value", align="r"))
    narrow = latex.render_table(Table("t", "A table of one row, with a caption longer than it.", "tab:t", columns,
                                      (_row(0, {"a": "Only", "b": "42"}),)), Settings())
    assert "\\surveybuildfit{\\caption{A table of one row" in narrow
    wide = latex.render_table(Table("t", "Short.", "tab:t", columns, (_row(0, {"a": "Only " * 8, "b": "42"}),)),
                              Settings())
    assert "\\surveybuildfit" not in wide and "\\begin{threeparttable}\n\\caption{Short.}" in wide


def test_a_landscape_table_with_a_link_holding_an_ampersand_is_set_where_it_is():
    """afterpage reads the table as an argument, where the ``&`` of ``\\href{...?a=1&b=2}`` is already an alignment
    tab (a corpus survey's README table stopped LaTeX: "Runaway argument"): such a table is set where it is."""
    from surveybuild.renderers import latex

    columns = (Column("a", "Name", type="latex"), Column("b", "Text"))

    def render(link: str) -> str:
        rows = (_row(0, {"a": f"\\href{{{link}}}{{Demo}}", "b": "text"}),)
        return latex.render_table(Table("t", "T.", "tab:t", columns, rows, landscape=True), Settings())
    assert "\\surveybuildafterpage{\\begin{landscape}" in render("https://x.org/chat?model=m")
    kept = render("https://x.org/chat?model=m&utm_source=x")
    assert "surveybuildafterpage" not in kept and "\\surveybuildwide\n\\begin{landscape}" in kept
