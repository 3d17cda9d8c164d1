"""Staying in sync: drift check, marker regions, hand edits kept, init."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from surveybuild.build import pipeline as build
from surveybuild.renderers import markers
from surveybuild.init import FILES, init
from surveybuild.build.stamp import stamp, unedited

MINI = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture
def mini(tmp_path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("build"))
    return root


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveybuild", *args], capture_output=True, text=True)


def outside_regions(text: str) -> str:
    text = re.sub(r"(<!-- surveybuild:begin \S+)(?: sha256=[0-9a-f]{16})( -->\n)", r"\1\2", text)  # the seal
    return re.sub(r"(<!-- surveybuild:begin \S+ -->\n).*?(<!-- surveybuild:end -->)", r"\1\2", text, flags=re.S)


HAND_WRITTEN = """# My survey

Prose with *emphasis*, trailing spaces   
and a [link](https://example.org).

<!-- surveybuild:begin toc -->
stale table of contents
<!-- surveybuild:end -->

## Models

<!-- surveybuild:begin models -->
| stale | table |
<!-- surveybuild:end -->

Text between the tables, kept byte for byte.\t

## Datasets
<!-- surveybuild:begin datasets -->
<!-- surveybuild:end -->

## References

<!-- surveybuild:begin references -->
<!-- surveybuild:end -->
Closing words without a final newline"""


def test_a_hand_edited_readme_cell_fails_check(mini):
    assert run("-C", str(mini), "check").returncode == 0
    readme = mini / "README.md"
    readme.write_text(readme.read_text("utf-8").replace("| 7B |", "| 8B |"), "utf-8")
    result = run("-C", str(mini), "check")
    assert result.returncode == 1
    assert re.search(r"README\.md:\d+: error: differs from what the sources generate", result.stderr)
    assert "8B" in result.stderr


def test_a_changed_yaml_not_rebuilt_fails_check(mini):
    table = mini / "tables" / "models.yaml"
    table.write_text(table.read_text("utf-8").replace("params: 7B", "params: 8B"), "utf-8")
    result = run("-C", str(mini), "check")
    assert result.returncode == 1
    assert "README.md" in result.stderr and "paper/tables/models.tex" in result.stderr


def test_marker_regions_are_filled_and_every_byte_outside_is_kept(mini):
    readme = mini / "README.md"
    readme.write_text(HAND_WRITTEN, "utf-8")
    report = build.build(mini)
    assert report.ok, report.problems
    new = readme.read_text("utf-8")
    assert outside_regions(new) == outside_regions(HAND_WRITTEN)
    assert "stale" not in new
    assert "| Alpaca [\\[1\\]](#ref-taori2023alpaca) | 7B |" in new
    assert '<a id="ref-taori2023alpaca"></a>\\[1\\]' in new
    assert "- [Models](#models)" in new and "- [Datasets](#datasets)" in new
    again = build.build(mini)
    assert again.ok and again.written == []  # a second build changes nothing
    assert build.check(mini).ok


def test_latex_marker_regions_in_a_file_the_settings_name(mini):
    (mini / "surveybuild.yaml").write_text("fill: [paper/extra.tex]\n", "utf-8")
    extra = mini / "paper" / "extra.tex"
    extra.write_text("% my notes %\n\\section{X}\n% surveybuild:begin models\n% surveybuild:end\nafter\n", "utf-8")
    assert build.build(mini).ok
    text = extra.read_text("utf-8")
    assert re.match(r"% my notes %\n\\section\{X\}\n% surveybuild:begin models sha256=[0-9a-f]{16}\n", text)
    assert text.endswith("% surveybuild:end\nafter\n")
    assert "\\label{tab:models}" in text


@pytest.mark.parametrize(
    "body, message, line",
    [
        pytest.param("<!-- surveybuild:begin modls -->\n<!-- surveybuild:end -->\n", "unknown table 'modls'", 2,
                     id="unknown"),
        pytest.param("<!-- surveybuild:begin models -->\n", "region 'models' is never closed", 2, id="unclosed"),
        pytest.param("<!-- surveybuild:end -->\n", "closes no region", 2, id="stray_end"),
        pytest.param("<!-- surveybuild:begin models -->\n<!-- surveybuild:begin datasets -->\n"
                     "<!-- surveybuild:end -->\n", "is nested", 3, id="nested"),
    ],
)
def test_bad_markers_are_errors_with_their_line_and_nothing_is_written(mini, body, message, line):
    readme = mini / "README.md"
    text = "# Title\n" + body
    readme.write_text(text, "utf-8")
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    report = build.build(mini)
    assert not report.ok
    assert any(message in p.message and p.source.line == line and p.source.path == "README.md"
               for p in report.problems), [str(p) for p in report.problems]
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()} == before


def test_a_generated_file_edited_by_hand_is_kept_unless_forced(mini):
    tex = mini / "paper" / "tables" / "models.tex"
    table = mini / "tables" / "models.yaml"
    table.write_text(table.read_text("utf-8").replace("params: 7B", "params: 8B"), "utf-8")
    tex.write_text(tex.read_text("utf-8").replace("Alpaca", "Alpaca (my edit)"), "utf-8")
    report = build.build(mini)
    assert not report.ok
    [problem] = report.errors
    assert problem.source.path == "paper/tables/models.tex"
    assert "edited by hand" in problem.message and "--force" in problem.hint
    assert "(my edit)" in tex.read_text("utf-8")
    assert "8B" not in (mini / "README.md").read_text("utf-8"), "nothing is written when one file is refused"
    assert run("-C", str(mini), "build", "--force").returncode == 0
    assert "(my edit)" not in tex.read_text("utf-8") and "8B" in tex.read_text("utf-8")


def test_stamp_notices_any_change():
    text = stamp("line one\nline two\n", "latex")
    assert unedited(text) is True
    assert unedited(text.replace("two", "2")) is False
    assert unedited(text + "more\n") is False
    assert unedited("no stamp here\n") is None
    assert unedited(stamp("# Title\n", "markdown")) is True


def test_writes_are_atomic_and_leave_no_temporary_file(mini):
    assert build.build(mini, force=True).ok
    assert not list(mini.rglob("*.tmp"))


def test_init_writes_a_survey_that_builds_and_checks(tmp_path):
    report = init(tmp_path / "new")
    assert report.ok, report.problems
    for dest in FILES.values():
        assert (tmp_path / "new" / dest).is_file(), dest
    assert (tmp_path / "new" / "README.md").is_file()
    assert (tmp_path / "new" / "paper" / "tables" / "example.tex").is_file()
    assert build.check(tmp_path / "new").ok
    again = init(tmp_path / "new")
    assert not again.ok and len(again.errors) == len(FILES) + 1  # and the "Add a work" issue form


def test_init_then_markers_keep_hand_written_prose(tmp_path):
    root = tmp_path / "new"
    assert run("init", str(root)).returncode == 0
    readme = root / "README.md"
    prose = ("# Mine\n\nHand-written.\n\n<!-- surveybuild:begin example -->\n<!-- surveybuild:end -->\n\nThe end.\n"
             "\n## References\n\n<!-- surveybuild:begin references -->\n<!-- surveybuild:end -->\n")
    readme.write_text(prose, "utf-8")
    result = subprocess.run([sys.executable, "-m", "invoke", "build-readme"], cwd=root, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    new = readme.read_text("utf-8")
    assert outside_regions(new) == outside_regions(prose)
    assert "| Alpaca [\\[1\\]](#ref-taori2023alpaca)" in new
    assert '<a id="ref-taori2023alpaca"></a>' in new


def test_citation_links_without_a_references_region_fail(tmp_path):
    """Issue 12: a hand-written README with table regions but no references region links [n] to nothing."""
    root = tmp_path / "new"
    assert run("init", str(root)).returncode == 0
    (root / "README.md").write_text("# Mine\n\n<!-- surveybuild:begin example -->\n<!-- surveybuild:end -->\n", "utf-8")
    for command in ("build", "check"):
        result = run("-C", str(root), command)
        assert result.returncode == 1
        assert ("README.md:7: error: in-page link to '#ref-taori2023alpaca', which is not on the page "
                "(add a references region") in result.stderr, result.stderr


def test_find_regions_flavours():
    regions, problems = markers.find_regions("a\n% surveybuild:begin t\nx\n% surveybuild:end\n", "p.tex", ["t"])
    assert not problems and [(r.id, r.begin, r.end) for r in regions] == [("t", 1, 3)]
    regions, problems = markers.find_regions("<!-- surveybuild:begin t -->\n<!-- surveybuild:end -->", "R.md", ["t"])
    assert not problems and len(regions) == 1
    _, problems = markers.find_regions("<!-- surveybuild:begin t --> trailing\n", "R.md", ["t"])
    assert problems and "alone on its line" in problems[0].message
    _, problems = markers.find_regions("prose quoting `<!-- surveybuild:begin t -->`\n", "R.md", ["t"])
    assert not problems and not markers.has_markers("prose quoting `<!-- surveybuild:end -->`")
    _, problems = markers.find_regions("% surveybuild:begin t trailing\n", "p.tex", ["t"])
    assert problems and "alone on its line" in problems[0].message


def test_a_table_whose_yaml_is_gone_is_flagged_then_removed(mini):
    (mini / "tables" / "datasets.yaml").unlink()
    tex = mini / "paper" / "tables" / "datasets.tex"
    readme = mini / "templates" / "README.md.j2"
    readme.write_text(readme.read_text("utf-8").replace('{{ table("datasets") }}', ""), "utf-8")
    paper = mini / "paper" / "main.tex"
    paper.write_text(paper.read_text("utf-8").replace("\\input{tables/datasets}", ""), "utf-8")
    report = build.check(mini)
    assert any(p.source.path == "paper/tables/datasets.tex" and "source is gone" in p.message
               for p in report.errors), [str(p) for p in report.problems]
    bib = mini / "refs.bib"  # the works only that table cited are now uncited: a warning, not an error
    report = build.build(mini)
    assert report.ok, [str(p) for p in report.problems]
    assert not tex.exists()
    assert any("removed paper/tables/datasets.tex" in line for line in report.info)
    assert build.check(mini).ok
    assert bib.exists()


def test_a_hand_edited_orphan_is_kept(mini):
    (mini / "tables" / "datasets.yaml").unlink()
    tex = mini / "paper" / "tables" / "datasets.tex"
    tex.write_text(tex.read_text("utf-8").replace("Dolly", "Dolly (mine)"), "utf-8")
    readme = mini / "templates" / "README.md.j2"
    readme.write_text(readme.read_text("utf-8").replace('{{ table("datasets") }}', ""), "utf-8")
    report = build.build(mini)
    assert not report.ok and tex.exists() and "(mine)" in tex.read_text("utf-8")
    assert build.build(mini, force=True).ok and not tex.exists()
