"""A line break inside a table cell, end to end (issue 12, "<br> is kept as a line break"; docs/format.md).

The YAML says it with a newline (a ``|`` block); import makes it from ``<br>``, ``\\\\`` in ``\\makecell`` and
friends, ``\\newline``; the README shows ``<br>`` (checked through cmark-gfm, as GitHub renders), the paper
``\\newline`` in a wrapping column and ``\\makecell`` in an ``l``/``c``/``r`` one (one real pdflatex run);
each line is measured alone; places that need one line get a space; nothing untrusted reaches TeX.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import cmarkgfm
import pytest
import yaml

from conftest import require_tool
from surveybuild import values
from surveybuild.build import pipeline as build
from surveybuild.build import texmeasure
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.contrib import prdiff
from surveybuild.importer import import_text, to_yaml
from surveybuild.init import init
from surveybuild.model import Column, MeasuredWidths, Settings, Survey
from surveybuild.readers.tableread import read_table
from surveybuild.renderers import fit, latex, layout, markdown

HEAD = "caption: Breaks.\ncolumns:\n  - {key: name, title: Name}\n  - {key: note, title: Note, type: latex}\n" \
       "  - {key: kind, title: Kind, width: 3cm}\nrows:\n"


def table_of(rows: str, head: str = HEAD):
    table, problems = read_table(head + rows, "tables/t.yaml")
    assert table is not None, "\n".join(map(str, problems))
    return table


def gfm_cells(markdown_text: str) -> list[str]:
    """The HTML of each body cell as GitHub's Markdown (cmark-gfm) renders the README (raw HTML passed on, as
    GitHub does with the tags it allows, ``<br>`` among them)."""
    html = cmarkgfm.github_flavored_markdown_to_html(markdown_text, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    return re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)


TWO = """  - name: |
      GPT-4
      Turbo
    note: |-
      \\textbf{bold} line~\\citep{k1}
      $x^2$ second
    kind: |
      first
      [2] second
"""


# ---- the source format -------------------------------------------------------------------------------------

def test_a_block_scalar_is_a_cell_of_several_lines_and_other_separators_are_refused():
    table = table_of(TWO)
    row = table.rows[0]
    assert values.lines(row.value("name").raw) == ["GPT-4", "Turbo"]  # the block's last newline is no line
    assert row.name == "GPT-4 Turbo"  # messages, duplicates, diff: one line
    assert values.lines(" a \n\n  b \n") == ["a", "b"] and values.lines("  ") == []
    assert not [p for p in check_table(table, BibIndex({"k1"}), set()) if p.severity == "error"]
    _, problems = read_table(HEAD + '  - {name: "a\\u2028b"}\n  - {name: x, subrows: [{kind: "c\\rd"}]}\n',
                             "tables/t.yaml")
    assert [str(p) for p in problems] == [
        "tables/t.yaml:7:12: error: rows[1].name: U+2028 '\\u2028' is a line separator the format does not use "
        "(a line break in a cell is a plain newline: write the cell as a | block, one line per line)",
        "tables/t.yaml:8:32: error: rows[2].subrows[1].kind: U+000D '\\r' is a line separator the format does not "
        "use (a line break in a cell is a plain newline: write the cell as a | block, one line per line)"]


@pytest.mark.parametrize("cell, message", [
    pytest.param("\\textbf{a\n      b}", "a line break inside braces, $...$ math or a command's arguments",
                 id="group-across-lines"),
    pytest.param("$a\n      b$", "a line break inside braces, $...$ math", id="math-across-lines"),
    pytest.param("a\\\\b", "macro '\\\\' is not allowed in a table cell: a line break in a cell is a new line of "
                 "its YAML text", id="latex-linebreak"),
    pytest.param("a \\newline b", "macro '\\newline' is not allowed in a table cell: a line break", id="newline"),
    pytest.param("a\\\n      b", "a lone '\\' ends the field (or a line of it)", id="lone-backslash-line"),
    pytest.param("a\\", "a lone '\\' ends the field", id="lone-backslash-end"),
])
def test_latex_lines_are_checked_each_alone(cell, message):
    table = table_of(f"  - name: x\n    note: |-\n      {cell}\n")
    found = [str(p) for p in check_table(table, BibIndex(set()), set()) if p.severity == "error"]
    assert len(found) == 1 and found[0].startswith("tables/t.yaml:8:") and message in found[0], found


# ---- the README ----------------------------------------------------------------------------------------------

def test_the_readme_cell_gets_br_in_a_pipe_table_and_in_an_html_table():
    table = table_of(TWO + "  - {name: 'x<br>y & <b>', note: \"a\\n<script>\", kind: \"one\\ntwo\"}\n")
    text = markdown.render_table(table, markdown.Citations())
    cells = gfm_cells(text)
    assert cells[:3] == ["GPT-4<br>Turbo", '<strong>bold</strong> line <a href="#ref-k1">[1]</a><br>$x^2$ second',
                         "first<br>[2] second"]
    # a cell's own text never becomes markup: '<br>' written in a text cell is shown as written
    assert cells[3:] == ["x&lt;br&gt;y &amp; &lt;b&gt;", "a<br>&lt;script&gt;", "one<br>two"]
    grouped = table_of(TWO.replace("  - name", "  - group: g\n    name"), HEAD.replace("rows:", "groups: [{id: g, "
                                                                                        "title: G}]\nrows:"))
    html = markdown.render_table(grouped, markdown.Citations())
    assert html.startswith("<table>") and "GPT-4<br>Turbo</td>" in html
    assert gfm_cells(html)[1] == "GPT-4<br>Turbo"  # GitHub passes the HTML table's <br> through


# ---- the paper -------------------------------------------------------------------------------------------------

def test_the_paper_breaks_with_newline_in_a_p_column_and_makecell_in_an_l_column():
    table = table_of(TWO)
    tex = latex.render_table(table, Settings())
    row = next(line for line in tex.splitlines() if "row 1.0" in line)
    # l column: a makecell aligned as the column, top line on the baseline; the cite after the last line;
    # \\{}: the next line's '[2]' is no optional argument of the break
    assert "\\makecell[lt]{GPT-4\\\\{}Turbo}" in row
    assert "\\makecell[lt]{\\textbf{bold} line~\\citep{k1}\\\\{}$x^2$ second}" in row
    assert "first\\newline [2] second" in row  # p{3cm} (width:) column
    assert "\\usepackage{makecell}" in latex.table_preamble([tex])
    assert "makecell" not in latex.table_preamble([latex.render_table(table_of("  - {name: a, kind: b}\n"),
                                                                      Settings())])
    right = table_of(TWO, HEAD.replace("{key: name, title: Name}", "{key: name, title: Name, align: r}"))
    assert "\\makecell[rt]{GPT-4\\\\{}Turbo}" in latex.render_table(right, Settings())


def test_text_lines_are_escaped_each_alone():
    table = table_of('  - {name: "100%\\n\\\\newline & #\\n*star", kind: "a_b\\n\\\\\\\\"}\n')
    tex = latex.render_table(table, Settings())
    assert "\\makecell[lt]{100\\%\\\\{}\\textbackslash{}newline \\& \\#\\\\{}*star}" in tex
    assert "a\\_b\\newline \\textbackslash{}\\textbackslash{}" in tex


def test_the_natural_width_is_the_longest_line_and_each_line_is_measured():
    column = Column("name", "N")
    one = table_of("  - {name: 'a rather long first line'}\n")
    two = table_of("  - {name: \"a rather long first line\\nshort\"}\n")
    joined = table_of("  - {name: 'a rather long first line short'}\n")
    m1, m2, m3 = (fit.measure(column, t.rows, True, "N") for t in (one, two, joined))
    assert m1.natural == m2.natural < m3.natural and m2.lines == (2,) and m1.lines == (1,)
    # TeX's widths: each line is a text of its own; the cell is its widest line
    table = table_of(TWO)
    survey = Survey(".", Settings(), (table,), ())
    needed = {text for _, text in texmeasure.needed(survey)}
    assert {"GPT-4", "Turbo", "first", "[2] second"} <= needed and not any("makecell" in t for t in needed)
    widths = {("footnotesize", t): (float(len(t)), 1.0) for t in needed}
    renderer = latex.TableRenderer(table, Settings(), MeasuredWidths("pdflatex", "", widths))
    assert renderer.measured_width(table.columns[0], table.rows[0].value("name").raw, "footnotesize") == (5.0, 1.0)
    # the rows' estimated height counts a cell's lines
    assert renderer.plan.body_lines == 2


def test_one_line_where_one_line_is_needed():
    table = table_of("  - {name: \"b\\nz\"}\n  - {name: 'b a'}\n",
                     HEAD.replace("rows:", "sort: [name]\nrows:"))
    assert [r.name for r in layout.sections(table)[0].rows] == ["b a", "b z"]  # sorted as one line
    old = table_of("  - {name: x, kind: 'a b'}\n")
    new = table_of("  - {name: x, kind: \"a\\nb\"}\n")
    assert prdiff.table_changes(old, new) == ["- changed **x**: `kind` a b → a ↵ b"]


# ---- import ------------------------------------------------------------------------------------------------------

LATEX = r"""\begin{table}\caption{Kept \\ breaks}\begin{tabular}{lp{3cm}l}\toprule
Name & \makecell{Long\\Title} & Kind \\ \midrule
\makecell{GPT-4\\Turbo}~\cite{k1} & first\newline second & \shortstack{a\\b} \\
\textbf{\makecell[l]{Bold \\ Two}} & \parbox{2cm}{x\\y} & \makecell[l]{\href{https://a.org}{one\\two}} \\
\begin{tabular}{@{}c@{}}Nested\\tabular\end{tabular} & plain & \makecell{trail\\} \\
\bottomrule\end{tabular}\end{table}
"""


def imported(text: str, path: str, keys=()):
    result = import_text(text, path, bib_keys=set(keys))
    assert len(result.tables) == 1
    one = result.tables[0]
    source = to_yaml(one.table, one.comment, one.name)
    table, problems = read_table(source, f"tables/{one.name}.yaml")
    assert table is not None and not problems, problems
    assert not [p for p in check_table(table, BibIndex(set(keys)), set()) if p.severity == "error"]
    return source, table, [str(p) for p in result.problems]


def test_import_keeps_latex_line_breaks_as_lines():
    source, table, problems = imported(LATEX, "t.tex", ["k1"])
    data = yaml.safe_load(source)
    rows = [{k: v for k, v in r.items() if k != "cite"} for r in data["rows"]]
    assert rows == [
        {"name": "GPT-4\nTurbo", "long_title": "first\nsecond", "kind": "a\nb"},
        {"name": "\\textbf{Bold}\n\\textbf{Two}", "long_title": "x\ny",
         "kind": "\\href{https://a.org}{one}\n\\href{https://a.org}{two}"},  # the link on each line
        {"name": "Nested\ntabular", "long_title": "plain", "kind": "trail"}]
    assert data["rows"][0]["cite"] == "k1"
    assert "  - name: |-\n      GPT-4\n      Turbo\n    cite: k1\n" in source  # written as a hand would
    # a title and a caption are one line: joined, and said
    assert data["caption"] == "Kept breaks" and data["columns"][1]["title"] == "Long Title"
    joined = [p for p in problems if "line breaks where the format has one line" in p]
    assert len(joined) == 1 and "[2 time(s)]" in joined[0], problems


@pytest.mark.parametrize("br", ["<br>", "<br/>", "<br />", "<BR>"])
def test_import_keeps_markdown_br_as_lines(br):
    md = f"## T\n\n| Name | Note |\n| --- | --- |\n| GPT-4{br}Turbo | **bold{br}both** and{br}x |\n| Plain | y |\n"
    source, table, problems = imported(md, "README.md")
    assert table.column("name").type == "text"  # a break is no markup: the column stays plain text
    assert [r.line.get("name").raw for r in table.rows] == ["GPT-4\nTurbo", "Plain"]
    assert table.rows[0].line.get("note").raw == "\\textbf{bold}\n\\textbf{both} and\nx"  # styles closed per line
    assert not [p for p in problems if "line break" in p]


def test_import_keeps_html_br_as_lines():
    html = ("<table><tr><th>Name<br>first</th><th>Note</th></tr>\n<tr><td>GPT-4<br/>Turbo</td>"
            "<td><i>it<br>two</i></td></tr>\n<tr><td>Plain</td><td>y</td></tr></table>\n")
    source, table, problems = imported(html, "README.md")
    assert [c.title for c in table.columns] == ["Name first", "Note"]
    assert table.rows[0].line.get("name_first").raw == "GPT-4\nTurbo"
    assert table.rows[0].line.get("note").raw == "\\textit{it}\n\\textit{two}"
    assert any("line breaks where the format has one line" in p for p in problems)


# ---- import -> build -> pdflatex -----------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveybuild", *args], capture_output=True, text=True)


PAPER_TABLE = r"""\begin{table}\caption{Breaks.}\begin{tabular}{lp{2.5cm}l}\toprule
Model & Notes & Kind \\ \midrule
\makecell{Alpha\\Beta} & Gamma words\newline Delta & Zeta \\
Eta & Theta & \shortstack{Iota\\Kappa} \\
\bottomrule\end{tabular}\end{table}
"""


def test_import_build_and_compile_a_table_with_breaks_in_l_and_p_columns(tmp_path):
    require_tool("pdflatex")
    require_tool("pdftotext")
    root = tmp_path / "s"
    assert init(root).ok
    (tmp_path / "old.tex").write_text(PAPER_TABLE, "utf-8")
    (tmp_path / "old.md").write_text("## Old\n\n| Model | Kind |\n| --- | --- |\n| Alpha<br>Beta | x |\n", "utf-8")
    for name in ("old.tex", "old.md"):
        out = root / "tables" / f"{name.replace('.', '_')}.yaml"
        done = run("-C", str(root), "import", "-o", str(out), str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    template = root / "templates/README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("old_tex") }}\n\n{{ table("old_md") }}\n', "utf-8")
    report = build.build(root)
    assert report.ok, "\n".join(map(str, report.problems))
    readme = (root / "README.md").read_text("utf-8")
    assert "| Alpha<br>Beta | x |" in readme and "| Alpha<br>Beta | Gamma words<br>Delta | Zeta |" in readme
    assert ">Alpha<br>Beta</td>" in cmarkgfm.github_flavored_markdown_to_html(
        readme, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)
    tex = (root / "paper/tables/old_tex.tex").read_text("utf-8")
    assert "\\makecell[lt]{Alpha\\\\{}Beta}" in tex and "Gamma words\\newline Delta" in tex
    assert "\\makecell[lt]{Iota\\\\{}Kappa}" in tex
    preamble = (root / "paper/tables/preamble.tex").read_text("utf-8")
    assert "\\usepackage{makecell}" in preamble
    # the generated preamble and table, as the paper inputs them: one pdflatex run
    paper = root / "paper"
    (paper / "breaks.tex").write_text("\\documentclass{article}\n\\input{tables/preamble}\n\\usepackage{natbib}\n"
                                      "\\begin{document}\n\\input{tables/old_tex}\n\\end{document}\n", "utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "breaks.tex"], cwd=paper,
                          capture_output=True, text=True, timeout=120)
    log = (paper / "breaks.log").read_text("utf-8", "replace")
    assert done.returncode == 0 and "Overfull" not in log and "\n! " not in log, log[-2000:]
    text = subprocess.run(["pdftotext", "-layout", str(paper / "breaks.pdf"), "-"], capture_output=True,
                          text=True).stdout
    lines = [line.split() for line in text.splitlines() if line.strip()]
    at = next(i for i, words in enumerate(lines) if words[:1] == ["Alpha"])
    assert lines[at][:4] == ["Alpha", "Gamma", "words", "Zeta"]  # first lines side by side, top-aligned
    assert lines[at + 1][:2] == ["Beta", "Delta"]  # the second lines below them
    eta = next(i for i, words in enumerate(lines) if words[:1] == ["Eta"])
    assert lines[eta] == ["Eta", "Theta", "Iota"] and lines[eta + 1] == ["Kappa"]
    if shutil.which("pdftoppm"):  # a picture to look at (docs/format.md says what it shows)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(paper / "breaks.pdf"),
                        str(tmp_path / "breaks")], check=False)


def test_a_long_table_may_break_after_a_row_of_many_lines():
    """'Never fewer than 3 lines on a page' counts a cell's lines: a 10-line first row is no lone line."""
    tall = "\\n".join(f"line {i}" for i in range(10))
    rows = f'  - {{name: "{tall}"}}\n' + "".join(f"  - {{name: r{i}}}\n" for i in range(80))
    table = table_of(rows, HEAD.replace("rows:", "layout: long\nrows:"))
    tex = latex.render_table(table, Settings())
    ends = [line.rsplit(" ", 1)[-1] for line in tex.splitlines() if "}{row " in line]
    assert len(ends) == 81 and ends[:2] == ["\\\\", "\\\\"]  # counted as rows, the first two were kept: '\\*'
    assert ends[-3:] == ["\\\\*", "\\\\*", "\\\\"]  # the last three lines still kept together
    # the last foot marks where the last row ends, for the layout check (zero height)
    assert "\\noalign{\\vbox to 0pt{\\hbox{\\surveybuildmark{tab:t}{end}}\\vss}}" in tex
