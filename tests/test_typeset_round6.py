"""A long table's notes (docs/paper.md, "How a table is set"): as wide as the table and under it, as a float's are
(threeparttable), whatever the table's width. One TeX build (a narrow long table, one as wide as the line, and the
narrow one as a float)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from typeset_checks import PAPER_SETUP, log_defects, outside_text_block, pdf_text, svg_rules

from surveybuild.build import pipeline as build

MAIN = r"""\documentclass{article}
""" + PAPER_SETUP + r"""\pagestyle{empty}
\begin{document}
Table~\ref{tab:narrow} is narrow.
\input{tables/narrow}
\clearpage
Table~\ref{tab:wide} is as wide as the line.
\input{tables/wide}
\clearpage
Table~\ref{tab:float} is a float.
\input{tables/float}
\end{document}
"""
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')
NOTES = "notes:\n" + "".join(f"  n{i}: A caveat on the figures of this row that runs over several lines of the notes "
                             f"with an address \\url{{https://example.org/caveats/number-{i}/details}}.\n"
                             for i in range(3))


def _survey(root: Path) -> None:
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "paper" / "main.tex").write_text(MAIN, "utf-8")
    (root / "surveybuild.yaml").write_text("paper_text_width: 345pt\npaper_text_height: 550pt\n", "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    (root / "tables" / "narrow.yaml").write_text(
        "caption: Narrow.\nlayout: long\ncolumns:\n  - {key: m, title: Model}\n  - {key: s, title: Size, align: r}\n"
        + NOTES + "rows:\n" + "".join(f"  - {{m: Model{r}, s: {r + 1}B{', notes: [n' + str(r) + ']' if r < 3 else ''}}}\n"
                                      for r in range(12)), "utf-8")
    (root / "tables" / "float.yaml").write_text(
        (root / "tables" / "narrow.yaml").read_text("utf-8").replace("layout: long", "layout: float"), "utf-8")
    (root / "tables" / "wide.yaml").write_text(
        "caption: Wide.\nlayout: long\ncolumns:\n  - {key: m, title: Model}\n  - {key: d, title: Description}\n"
        + NOTES + "rows:\n" + "".join(f"  - {{m: Model{r}, d: '{'a description of the model long enough to wrap ' * 3}'"
                                      f"{', notes: [n' + str(r) + ']' if r < 3 else ''}}}\n" for r in range(6)), "utf-8")


def _page(pdf: Path, page: int) -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float, float, str]]]:
    """The horizontal rules (pdftocairo -svg) and the words (x0, y0, x1, text; pdftotext -bbox) of one page, in bp
    from the page's top left."""
    svg = pdf.with_name(f"p{page}.svg")
    subprocess.run(["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(pdf), str(svg)], check=True,
                   capture_output=True)
    words = [(float(a), float(b), float(c), w) for a, b, c, w in
             _WORD.findall(pdf_text(pdf, "-bbox", "-f", str(page), "-l", str(page)))]
    return svg_rules(svg.read_text("utf-8", "replace")), words


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    require_tool("latexmk")
    require_tool("pdftotext")
    require_tool("pdftocairo")
    root = tmp_path_factory.mktemp("round6")
    _survey(root)
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    log = (root / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(root / "paper" / "build" / "main.pdf", log) == []
    return root


def _notes_against_rules(root: Path, number: int) -> tuple[float, float, float]:
    """On the page of Table ``number``'s caption (one table a page): the table's rules' width, and how far the notes' left edge (their marks) and right edge
    lie inside the rules' left and right ends."""
    pages = pdf_text(root / "paper" / "build" / "main.pdf").split("\f")
    page = next(n for n, text in enumerate(pages, start=1) if f"Table {number}: " in text)
    rules, words = _page(root / "paper" / "build" / "main.pdf", page)
    thickest = max(w for *_, w in rules)
    top, bottom = [r for r in rules if r[3] == thickest][0], [r for r in rules if r[3] == thickest][-1]
    assert abs(top[1] - bottom[1]) < 0.1 and abs(top[2] - bottom[2]) < 0.1, rules  # one table's top and bottom rule
    notes = [w for w in words if w[1] > bottom[0]]
    assert sum(w[3] == "caveat" for w in notes) == 3, notes
    return top[2] - top[1], min(w[0] for w in notes) - top[1], top[2] - max(w[2] for w in notes)


def test_a_long_tables_notes_are_as_wide_as_the_table_and_under_it(built):
    """Under a narrow (centred) long table the notes ran the whole line from the left margin (120bp left of the
    table); they now line up with the table as a float's notes do: their marks as far inside the rules' left end
    as under the same table set as a float (threeparttable insets its notes by ``\\tabcolsep``: the marks line up
    with the first column's text), within 1pt, and no note reaches past the rules' right end. A long table as wide
    as the line keeps notes as wide as the line."""
    for label in ("narrow", "wide", "float"):
        tex = (built / "paper" / "tables" / f"{label}.tex").read_text("utf-8")
        assert ("\\begin{longtable}" in tex) == (label != "float") and "notes}" in tex.lower()
    width, inset, _ = _notes_against_rules(built, 3)
    assert 0 <= inset <= 7.5 and width < 150  # threeparttable's inset: 0.8em at footnotesize
    for number in (1, 2):
        table_width, left, right = _notes_against_rules(built, number)
        assert abs(left - inset) <= 1, (number, left, inset)
        assert right >= -0.5, (number, right)
        assert (table_width < 150) == (number == 1)  # the long table narrow indeed; the other the line's 345pt
