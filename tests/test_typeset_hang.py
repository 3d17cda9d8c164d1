"""A landscape long table that waits for the end of its page (afterpage), followed at once by another long table:
pdflatex looped for ever (a README imported with a 7-column table and a 77-row one: `surveybuild paper` hung until
latexmk's time limit). One TeX build."""

from __future__ import annotations

from conftest import require_tool
from typeset_checks import PAPER_SETUP, pdf_text

from surveybuild.build import pipeline as build
from surveybuild.build import texrun

MAIN = r"""\documentclass{article}
""" + PAPER_SETUP + r"""\begin{document}
Table~\ref{tab:turned} is turned and Table~\ref{tab:rows} is long.
\input{tables/turned}
\input{tables/rows}
\end{document}
"""


def test_a_waiting_landscape_table_followed_by_a_long_table_is_set_and_the_paper_ends(tmp_path, monkeypatch):
    require_tool("latexmk")
    monkeypatch.setattr(texrun, "LATEXMK_TIMEOUT", 120.0)  # it looped until the limit: fail in minutes, not 15
    root = tmp_path / "s"
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "paper" / "main.tex").write_text(MAIN, "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    columns = "".join(f"  - {{key: c{i}, title: Column {i}}}\n" for i in range(7))
    (root / "tables" / "turned.yaml").write_text(
        "caption: Turned.\nlayout: long\nlandscape: true\ncolumns:\n  - {key: m, title: Model}\n" + columns
        + "rows:\n" + "".join(f"  - {{m: Turned{r}, " + ", ".join(f"c{i}: value {r}-{i}" for i in range(7)) + "}\n"
                              for r in range(40)), "utf-8")
    (root / "tables" / "rows.yaml").write_text(
        "caption: Rows.\nlayout: long\ncolumns:\n  - {key: m, title: Model}\n  - {key: s, title: Size}\nrows:\n"
        + "".join(f"  - {{m: Row{r}, s: '{r}B'}}\n" for r in range(80)), "utf-8")
    assert "\\surveybuildafterpage{" in build.plan(root)[1]["paper/tables/turned.tex"]  # it waits for its page
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    pages = pdf_text(root / "paper" / "build" / "main.pdf").split("\f")
    turned = [n for n, text in enumerate(pages) if "Turned39" in text or "Turned0" in text]
    rows = [n for n, text in enumerate(pages) if "Row0" in text or "Row79" in text]
    assert turned and rows and max(turned) < min(rows)  # both set, the turned table first, as written
