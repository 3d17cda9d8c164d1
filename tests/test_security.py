"""Security: YAML only through safe loading, TeX with shell escape off, no source path outside the project.

Also the issue's done-when rows: `50% & R_2 #1 $x$` and `\\input{/etc/passwd}\\write18{touch pwned}` in a
text column build and show exactly as written in the PDF and the README, and nothing runs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from conftest import edit, require_tool, snapshot
from surveybuild.build import pipeline as build
from surveybuild.build import texrun
from surveybuild.cli import main
from surveybuild.texlang.latextext import LatexFieldError, to_pieces
from surveybuild.readers.read import read_settings
from surveybuild.readers.tableread import read_table

SRC = Path(__file__).resolve().parents[1] / "src" / "surveybuild"
HOSTILE_NAME = "50% & R_2 #1 $x$"
INJECTION = "\\input{/etc/passwd}\\write18{touch pwned}"


# -- YAML ---------------------------------------------------------------------------------------------------

def test_no_unsafe_yaml_loader_in_the_source():
    code = "\n".join(p.read_text("utf-8") for p in SRC.rglob("*.py"))
    assert not re.search(r"yaml\.(load|full_load|unsafe_load|load_all)\(", code)
    assert not re.search(r"Loader\s*=\s*yaml\.(Loader|FullLoader|UnsafeLoader)\b", code)
    assert "SafeLoader" in (SRC / "readers" / "yamlread.py").read_text("utf-8")


@pytest.mark.parametrize("value, says", [
    pytest.param("!!python/object/apply:os.system ['touch pwned']", "YAML tag '!!python/object/apply:os.system'",
                 id="python-object-apply"),
    pytest.param("!!python/name:os.system ''", "YAML tag '!!python/name:os.system' is not allowed",
                 id="python-name"),
    pytest.param("!custom x", "YAML tag '!custom' is not allowed", id="custom-tag"),
    pytest.param("&a [x, *a]", "a YAML alias refers to a value that contains it", id="recursive-alias"),
])
def test_yaml_tags_never_build_objects(value, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = f"caption: x\ncolumns:\n  - {{key: name, title: N}}\nrows:\n  - name: {value}\n"
    table, problems = read_table(text, "tables/x.yaml")
    assert table is None
    assert [p.source.line for p in problems] == [5]
    assert says in problems[0].message
    assert not (tmp_path / "pwned").exists()


def test_a_shared_value_reads_and_tags_beside_it_are_reported_in_file_order():
    """An alias without a loop is plain YAML; the careful walk it takes still names every bad tag."""
    text = "caption: x\ncolumns:\n  - {key: name, title: N}\nrows:\n  - &r {name: a}\n  - *r\n"
    table, problems = read_table(text, "tables/x.yaml")
    assert problems == [] and [row.name for row in table.rows] == ["a", "a"]
    table, problems = read_table(text + "  - name: !one x\n  - name: !two y\n", "tables/x.yaml")
    assert table is None
    assert [(p.source.line, p.message) for p in problems] == [
        (7, "YAML tag '!one' is not allowed"), (8, "YAML tag '!two' is not allowed")]


def test_alias_bomb_is_refused_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    table, problems = read_table("\n".join(lines) + "\n", "tables/bomb.yaml")
    assert table is None and "expands to more than" in problems[0].message


# -- TeX ----------------------------------------------------------------------------------------------------

def test_latexmk_runs_with_shell_escape_off_and_writes_only_below():
    assert "-no-shell-escape" in texrun.latexmk_command("main.tex")
    assert texrun.tex_env([])["openout_any"] == "p"


@pytest.mark.parametrize("field", [
    INJECTION, "\\immediate\\write18{ls}", "\\catcode`\\@=11", "$^^5cinput{/etc/passwd}$",
    "\\href{https://x.org}{\\input{/etc/passwd}}", "\\'{\\input{/etc/passwd}}", "\\textbf{\\openout1=x}",
    "\\url{\\input{x}}", "\\csname input\\endcsname{/etc/passwd}", "\\begin{verbatim}x\\end{verbatim}",
])
def test_latex_fields_cannot_reach_tex_primitives(field):
    with pytest.raises(LatexFieldError):
        to_pieces(field)


# -- paths --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["bib", "tables", "figures", "paper", "readme_template", "readme"])
@pytest.mark.parametrize("value", ["../outside.md", "/etc/passwd", "sub/../../x"])
def test_no_setting_may_point_outside_the_survey(key, value, tmp_path):
    (tmp_path / "surveybuild.yaml").write_text(f"{key}: {value}\n", "utf-8")
    settings, problems = read_settings(tmp_path)
    assert getattr(settings, key) != value
    assert [p.severity for p in problems] == ["error"]
    assert "leaves the survey folder" in problems[0].message and problems[0].source.line == 1


def test_an_outside_path_writes_nothing(mini, capfd):
    (mini / "surveybuild.yaml").write_text("readme: ../stolen.md\n", "utf-8")
    before = snapshot(mini)
    assert main(["-C", str(mini), "build"]) == 1
    assert "leaves the survey folder" in capfd.readouterr().err
    assert snapshot(mini) == before and not (mini.parent / "stolen.md").exists()


# -- the done-when rows, end to end -------------------------------------------------------------------------

HOSTILE_TABLE = f"""\
caption: Hostile rows.
columns:
  - {{key: name, title: Name, type: text}}
  - {{key: note, title: Note, type: text}}
rows:
  - name: '{HOSTILE_NAME}'
    note: <script>alert(1)</script> [x](javascript:alert(1)) <!-- surveybuild:end -->
  - name: '{INJECTION}'
    note: \\immediate\\catcode | a~b ^ c
"""


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    require_tool("latexmk")
    require_tool("pdftotext")
    from conftest import MINI, copy_survey
    root = copy_survey(MINI, tmp_path_factory.mktemp("hostile") / "mini")
    (root / "tables" / "hostile.yaml").write_text(HOSTILE_TABLE, "utf-8")
    edit(root / "paper" / "main.tex", "\\input{tables/datasets}",
         "\\input{tables/datasets}\n\\input{tables/hostile}\n\\immediate\\write18{touch pwned-by-paper}")
    edit(root / "templates" / "README.md.j2", "## References", "## Hostile\n\n{{ table(\"hostile\") }}\n\n## References")
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    pdf = next((root / "paper").rglob("main.pdf"))
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return root, text, (root / "README.md").read_text("utf-8")


def test_hostile_rows_show_exactly_in_the_pdf(hostile_build):
    root, pdf, _ = hostile_build
    flat = re.sub(r"\s+", "", pdf)  # a wrapping column may break the cell's text at its spaces
    assert re.sub(r"\s+", "", HOSTILE_NAME) in flat
    assert re.sub(r"\s+", "", INJECTION) in flat
    assert "root:x:0:0" not in pdf  # /etc/passwd was not read
    assert not list(root.rglob("pwned*")), "a shell command ran"


def test_hostile_rows_show_exactly_in_the_readme(hostile_build):
    _, _, readme = hostile_build
    rendered = cmarkgfm.github_flavored_markdown_to_html(readme, options=Options.CMARK_OPT_UNSAFE)
    hostile = rendered[rendered.index("Hostile</h2>"):]
    hostile = hostile[:hostile.index("</table>")]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", hostile)
    assert "50% &amp; R_2 #1 $x$" in cells
    assert "\\input{/etc/passwd}\\write18{touch pwned}" in cells
    assert "<script" not in hostile and "<a " not in hostile and "<!--" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) &lt;!-- surveybuild:end --&gt;" in hostile


def test_hostile_name_in_a_latex_column_must_be_escaped(mini, capfd):
    edit(mini / "tables" / "models.yaml", "- name: Claude", f"- name: '{HOSTILE_NAME}'")
    assert main(["-C", str(mini), "build"]) == 1
    err = capfd.readouterr().err
    assert "in a 'latex' column write \\% for a percent sign, or make the column type 'text'" in err
