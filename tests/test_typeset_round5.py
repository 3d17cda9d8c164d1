"""A landscape table in a two-column paper (docs/paper.md, "How a table is set"): a turned page of floats in the queue
of floats, numbered and placed in the text's order; a wrapping table's widths set its rows in fewer lines, breaking
fewer cells; numbers line up on their decimal point. One TeX build (a two-column synthetic survey)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require_tool
from typeset_checks import PAPER_SETUP, _rotations, log_defects, outside_text_block, pdf_text

from surveybuild.build import pipeline as build
from surveybuild.readers.read import read_survey
from surveybuild.renderers import latex

MAIN = r"""\documentclass[twocolumn]{article}
""" + PAPER_SETUP + r"""\begin{document}
\section{One}
PARAGRAPH Table~\ref{tab:a}, Table~\ref{tab:wide}, Table~\ref{tab:b} and Table~\ref{tab:c}.
\input{tables/a}
PARAGRAPH
\input{tables/wide}
PARAGRAPH
\input{tables/b}
PARAGRAPH
\input{tables/c}
PARAGRAPH Table~\ref{tab:links}.
\input{tables/links}
PARAGRAPH Table~\ref{tab:scores}.
\input{tables/scores}
PARAGRAPH PARAGRAPH PARAGRAPH
\end{document}
"""
_LABEL = re.compile(r"\\newlabel\{(tab:\w+)\}\{\{(\d+)\}\{(\d+)\}")


def _survey(root: Path) -> None:
    """Three small tables and, between the first two, one of nine columns that only a landscape page fits (eight
    rows: too many to scale portrait)."""
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "paper" / "main.tex").write_text(
        MAIN.replace("PARAGRAPH", "Text of the survey in two columns. " * 40 + "\n"), "utf-8")
    (root / "surveybuild.yaml").write_text("paper_text_width: 469pt\npaper_columns: 2\n", "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    for name in "abc":
        (root / "tables" / f"{name}.yaml").write_text(
            f"caption: Small {name}.\ncolumns:\n  - {{key: a, title: Name}}\n  - {{key: b, title: Value, align: r}}\n"
            "rows:\n" + "".join(f"  - {{a: {name}{r}, b: '{r}'}}\n" for r in range(4)), "utf-8")
    (root / "tables" / "wide.yaml").write_text(
        "caption: Wide.\ncolumns:\n" + "".join(f"  - {{key: c{i}, title: Column {i}}}\n" for i in range(9))
        + "rows:\n" + "".join("  - {" + ", ".join(f"c{i}: 'value{r} longwordnumber{i}x entry'" for i in range(9))
                               + "}\n" for r in range(8)), "utf-8")


def _links(root: Path) -> None:
    """Eight rows of a name, an arXiv address (the same length in each row) and a longer project address."""
    names = ["Judge Arena", "Length-Controlled Pairwise Judging", "Open Chat Bench", "Wild Prompts",
             "Multi-Turn Bench", "Arena Hard Prompts", "Instruction Following Evaluation", "Pair Ranker"]
    rows = "".join(f"  - {{name: {n}, paper: 'https://arxiv.org/abs/24{r:02d}.0{r}47{r}', project: "
                   f"'https://github.com/example-lab/{n.lower().replace(' ', '-')}/tree/main/{'judge' * (r % 3)}'}}\n"
                   for r, n in enumerate(names))
    (root / "tables" / "links.yaml").write_text(
        "caption: Links.\ncolumns:\n  - {key: name, title: Evaluation Benchmarks, type: text}\n"
        "  - {key: paper, title: Paper, type: url}\n  - {key: project, title: Project, type: url}\nrows:\n" + rows,
        "utf-8")


#: Scores of a column each (centred, right-aligned, left-aligned) whose digits before and after the point differ.
SCORES = [("70.06", "62.5", "146"), ("76.2", "2.75", "7.5"), ("2.7", "-", "12.25"), ("145", "64.125", "3")]


def _scores(root: Path) -> None:
    rows = "".join(f"  - {{m: Model{r}, a: '{a}', b: '{b}', c: '{c}'}}\n" for r, (a, b, c) in enumerate(SCORES))
    (root / "tables" / "scores.yaml").write_text(
        "caption: Scores.\ncolumns:\n  - {key: m, title: Model}\n  - {key: a, title: Centred score, align: c, type: latex}\n"
        "  - {key: b, title: Right score, align: r}\n  - {key: c, title: Left score}\nrows:\n" + rows, "utf-8")


def _points(pdf: Path, numbers: list[str]) -> list[float]:
    """Where the decimal point of each number lies (x, bp), from its word's box and a digit's width."""
    boxes = {w: (float(a), float(b)) for a, b, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', pdf_text(pdf, "-bbox"))}
    digit = (boxes["145"][1] - boxes["145"][0]) / 3
    return [boxes[n][0] + len(n.split(".")[0]) * digit for n in numbers]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The two-column survey (a landscape table between small ones, the links, the scores), its paper built once."""
    require_tool("latexmk")
    require_tool("pdftotext")
    require_tool("pdfinfo")
    root = tmp_path_factory.mktemp("round5")
    _survey(root)
    _links(root)
    _scores(root)
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    log = (root / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(root / "paper" / "build" / "main.pdf", log) == []
    return root


def test_a_landscape_table_in_two_columns_is_a_turned_float_page_in_the_texts_order(built):
    """Set with pdflscape after its page of text (afterpage, then ``\\onecolumn``), a landscape table of a two-column
    paper was numbered when it was set, after the floats that followed it in the text, and a float waiting then was
    lost (LaTeX stopped: "Float(s) lost"). It is now a page of floats of its own (``surveybuildsideways`` in a
    ``table*``), in LaTeX's queue: numbered 2 between 1 and 3, on the page after the first, before the third; that
    page holds no text and is shown turned (``/Rotate 90``); the page before it is two full columns of text."""
    tex = (built / "paper" / "tables" / "wide.tex").read_text("utf-8")
    assert "\\begin{surveybuildsideways}" in tex and "landscape" not in tex and "afterpage" not in tex
    work = built / "paper" / "build" / "work"
    labels = {k: (int(n), int(p)) for k, n, p in _LABEL.findall((work / "main.aux").read_text("utf-8"))}
    assert [labels[k][0] for k in ("tab:a", "tab:wide", "tab:b", "tab:c")] == [1, 2, 3, 4]
    assert labels["tab:a"][1] < labels["tab:wide"][1] < labels["tab:b"][1] <= labels["tab:c"][1]
    pdf = built / "paper" / "build" / "main.pdf"
    turned = labels["tab:wide"][1]
    pages = pdf_text(pdf).split("\f")
    assert "Table 2: Wide." in pages[turned - 1] and "Text of the survey" not in pages[turned - 1]
    assert [n for n, r in _rotations(pdf, len(pages) - 1).items() if r] == [turned]
    assert _rotations(pdf, len(pages) - 1)[turned] == 90
    # the page before it: both columns of text run to the foot of the text block (no column ended half empty)
    before = [line for line in pdf_text(pdf, "-layout", "-f", str(turned - 1), "-l", str(turned - 1)).splitlines()
              if line.strip()]
    assert sum("Text of the survey" in line[:60] and "survey" in line[60:] for line in before[-8:-1]) >= 5


def test_a_wrapping_table_keeps_a_column_of_addresses_whole_where_no_row_grows(built):
    """Every project address takes two lines whatever the widths; the arXiv addresses beside them, split over two lines
    by shares by need (a column of 97pt where they need 137pt), now get the width that keeps each whole
    (``fit._fewer_lines``: as many lines, fewer cells broken)."""
    words = pdf_text(built / "paper" / "build" / "main.pdf").split()
    assert all(f"https://arxiv.org/abs/24{r:02d}.0{r}47{r}" in words for r in range(8))


def test_numbers_line_up_on_their_decimal_point(built):
    """In a centred, a right-aligned and a left-aligned column of numbers with different digits before and after the
    point, every number's point (or its end) is at one x in the PDF (before: up to 7.5 bp apart)."""
    for column in zip(*SCORES):
        numbers = [n for n in column if n != "-"]
        points = _points(built / "paper" / "build" / "main.pdf", numbers)
        assert max(points) - min(points) < 0.3, (numbers, points)


def test_no_rule_between_row_groups_offers_a_break_inside_a_table_kept_whole(tmp_path):
    """booktabs leaves glue under a ``\\midrule``, where TeX may break a page: between two row groups of a long table
    kept whole (every line ``\\\\*``) it broke one, its last row alone on the next page (a corpus survey's
    three-group table, once its caption was set at a float's size). After a kept line the rule between groups is
    drawn with penalties around it (``latex.kept_rule(mid=True)``); after a line where a break is allowed it stays
    ``\\midrule``. (The corpus test compiles that survey: no bad break.)"""
    (tmp_path / "tables").mkdir()
    (tmp_path / "surveybuild.yaml").write_text("paper_text_width: 345pt\n", "utf-8")
    (tmp_path / "refs.bib").write_text("", "utf-8")
    groups = "groups:\n" + "".join(f"  - {{id: g{g}, title: Group {g}}}\n" for g in range(3))

    def table(rows: int) -> str:
        return ("caption: Grouped.\nlayout: long\ncolumns:\n  - {key: a, title: Name}\n  - {key: b, title: Value}\n"
                + groups + "rows:\n" + "".join(f"  - {{a: n{r}, b: v{r}, group: g{r % 3}}}\n" for r in range(rows)))
    (tmp_path / "tables" / "few.yaml").write_text(table(9), "utf-8")
    (tmp_path / "tables" / "many.yaml").write_text(table(150), "utf-8")
    survey = read_survey(tmp_path)
    for name in ("few", "many"):
        lines = latex.render_table(survey.table(name), survey.settings).splitlines()
        rules = [(before.rstrip().endswith("\\\\*"), rule) for before, rule in zip(lines, lines[1:])
                 if "{row " in before and ("\\midrule" in rule or "lightrulewidth" in rule)]  # between groups
        assert len(rules) == 2 and all(("lightrulewidth" in rule) == kept for kept, rule in rules), (name, rules)
        assert any(kept for kept, _ in rules) == (name == "few")  # 150 rows: the groups may break apart
