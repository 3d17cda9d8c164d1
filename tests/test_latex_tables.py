"""Generated LaTeX tables (latex.render_table), checked without running TeX.

Facts used (confirmed with pdflatex while writing tests/test_latex_compile.py): the
body of a long table's ``TableNotes`` and a ``\\caption`` are macro arguments, where a
bare ``#`` is "Illegal parameter number" (a float's ``tablenotes`` is an environment, where
``\\url{...#...}`` is fine).
"""

from __future__ import annotations

import re

import pytest

from surveybuild.renderers import latex as latex_mod
from surveybuild.renderers.latex import render_table
from surveybuild.model import Settings
from surveybuild.readers.tableread import read_table

TABLE = """\
caption: {caption}
layout: {layout}
columns:
  - {{key: name, title: Name, type: latex}}
  - {{key: site, title: Site, type: url}}
  - {{key: year, title: Year}}
  - {{key: hidden, title: Hidden, type: text, show: readme}}
notes:
  n1: {note}
  n2: Second note.
rows:
  - {{name: A, site: "https://x.org/a#frag", notes: [n1, n2], hidden: web only, year: "2023"}}
  - {{name: B}}
"""


def render(caption="Caption.", note="A note.", layout="float") -> str:
    table, problems = read_table(TABLE.format(caption=caption, note=note, layout=layout), "tables/t.yaml")
    assert problems == [] and table is not None, problems
    return render_table(table, Settings())


def notes_block(latex: str) -> str:
    m = re.search(r"\\begin\{(TableNotes|tablenotes)\}(.*?)\\end\{\1\}", latex, re.S)
    assert m, latex
    return m.group(2)


def bare(char: str, text: str) -> list[str]:
    return re.findall(rf"(?<!\\)\{char}", text)


@pytest.mark.parametrize("layout", ["float", "long"])
def test_url_column_note_escapes_hash(layout):
    assert bare("#", notes_block(render(layout=layout))) == []


@pytest.mark.parametrize("note", [
    pytest.param(r"See \url{https://x.org/a_b#c}.", id="hash-in-url"),
    pytest.param(r"See \href{https://x.org/#top}{here}.", id="hash-in-href"),
])
def test_url_with_hash_in_a_long_tables_note(note):
    """``check`` accepts these notes; in a long table TableNotes is a macro argument, where a bare # is
    "Illegal parameter number in definition of \\TPTL@body" and the paper does not compile."""
    block = notes_block(render(note=f"'{note}'", layout="long"))
    assert bare("#", block) == [], block


@pytest.mark.parametrize("layout", ["float", "long"])
def test_url_with_hash_in_a_caption(layout):
    """``check`` accepts the caption; \\caption's argument with a bare # is "Illegal parameter number"."""
    latex = render(caption=r"'Links such as \url{https://x.org/#a}.'", layout=layout)
    captions = re.findall(r"\\caption(?:\[\])?\{(.*)\}", latex)
    assert captions
    for text in captions:
        assert bare("#", text) == [], text


def test_two_notes_on_one_cell_are_one_mark_list():
    latex = render()
    assert r"\tnote{\ref{tn:t:n1},\ref{tn:t:n2},\ref{tn:t:url1}}" in latex


def test_url_column_is_a_note_not_a_column():
    latex = render()
    assert "Site" not in latex.split("\\midrule")[0]  # not a column header
    assert "Site: \\url{" in notes_block(latex)  # a one-link note says what the link is
    assert r"\url{https://x.org/a\#frag}" in latex
    assert "\\begin{tabular}{ll}" in latex  # Name and Year at their natural widths: the URL is a note


def test_readme_only_column_is_not_in_the_paper():
    latex = render()
    assert "Hidden" not in latex and "web only" not in latex


def test_long_layout_uses_threeparttable_and_longtable():
    latex = render(layout="long")
    assert r"\begin{ThreePartTable}" in latex and r"\begin{longtable}" in latex
    assert latex.index(r"\begin{TableNotes}") < latex.index(r"\begin{longtable}")
    # the notes follow the last row, as a list that may go on over the next page
    assert latex.index(r"\end{longtable}") < latex.index(r"\surveybuildlongnotes" + "\n")
    assert r"\TPTL@body" in latex_mod.TABLE_PACKAGES  # the macro, read with the preamble (@ a letter there)


def test_auto_layout_switches_to_long_above_the_limit():
    rows = "".join(f"  - {{name: R{i}}}\n" for i in range(30))
    text = "caption: C.\ncolumns:\n  - {key: name, title: Name}\nrows:\n" + rows
    table, problems = read_table(text, "tables/big.yaml")
    assert not problems
    assert r"\begin{longtable}" in render_table(table, Settings())
    rows = "".join(f"  - {{name: R{i}}}\n" for i in range(8))
    small, _ = read_table("caption: C.\ncolumns:\n  - {key: name, title: Name}\nrows:\n" + rows, "tables/small.yaml")
    assert r"\begin{longtable}" in render_table(small, Settings(long_table_rows=7))
    assert r"\begin{longtable}" not in render_table(small, Settings(long_table_rows=8))
