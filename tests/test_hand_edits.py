"""A hand edit inside a marker region, or in schema/table.schema.json, needs --force like any other hand edit."""

from __future__ import annotations

import re

import pytest

from conftest import snapshot
from surveybuild.build import pipeline as build
from surveybuild.renderers import markers
from surveybuild.cli import main

PAGE = """# Mine

Hand-written prose.

<!-- surveybuild:begin models -->
old text from before the checksum
<!-- surveybuild:end -->

<!-- surveybuild:begin references -->
<!-- surveybuild:end -->

The end.
"""


def _sealed(mini):
    (mini / "README.md").write_text(PAGE, "utf-8")
    report = build.build(mini)  # an unsealed region (hand-made, or an older surveybuild's) is filled and sealed
    assert report.ok, report.problems
    text = (mini / "README.md").read_text("utf-8")
    assert "old text" not in text
    assert re.search(r"^<!-- surveybuild:begin models sha256=[0-9a-f]{16} -->$", text, re.M)
    assert text.startswith("# Mine\n\nHand-written prose.\n\n") and text.endswith("<!-- surveybuild:end -->\n\nThe end.\n")
    return text


def test_an_edit_inside_a_readme_region_needs_force(mini, capsys):
    text = _sealed(mini)
    assert build.build(mini).written == []  # sealed and unchanged: nothing to do
    (mini / "README.md").write_text(text.replace("| 7B |", "| 8B |"), "utf-8")
    (mini / "tables/models.yaml").write_text((mini / "tables/models.yaml").read_text().replace("Claude", "Claude 2"))
    before = snapshot(mini)
    assert main(["-C", str(mini), "build"]) == 1
    err = capsys.readouterr().err
    line = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("<!-- surveybuild:begin"))) + 2
    assert f"README.md:{line}:1: error: region 'models' was edited by hand since the last build (" in err
    assert "--force" in err and "Traceback" not in err
    assert snapshot(mini) == before  # nothing written, not even the table
    assert main(["-C", str(mini), "build", "--force"]) == 0
    new = (mini / "README.md").read_text("utf-8")
    assert "| 8B |" not in new and "Claude 2" in new
    assert build.build(mini).written == []


def test_an_edit_outside_the_regions_is_kept(mini):
    text = _sealed(mini)
    (mini / "README.md").write_text(text.replace("Hand-written prose.", "Edited prose."), "utf-8")
    assert build.build(mini).ok
    assert "Edited prose." in (mini / "README.md").read_text("utf-8")


def test_an_edit_inside_a_tex_region_needs_force(mini):
    (mini / "surveybuild.yaml").write_text("fill: [paper/extra.tex]\n", "utf-8")
    extra = mini / "paper" / "extra.tex"
    extra.write_text("\\section{X}\n% surveybuild:begin models\n% surveybuild:end\n", "utf-8")
    assert build.build(mini).ok
    sealed = extra.read_text("utf-8")
    extra.write_text(sealed.replace("Alpaca", "Alpaka"), "utf-8")
    report = build.build(mini)
    assert [(str(p.source), p.message) for p in report.errors] == [
        ("paper/extra.tex:3:1", "region 'models' was edited by hand since the last build")]
    assert build.build(mini, force=True).ok and extra.read_text("utf-8") == sealed


def test_a_seal_is_the_checksum_of_the_region_text():
    text = "a\n<!-- surveybuild:begin t -->\nbody\n<!-- surveybuild:end -->\nz\n"
    sealed = markers.seal(text, "R.md")
    assert markers.edited_regions(sealed, "R.md") == []
    assert markers.seal(sealed, "R.md") == sealed
    assert sealed.replace("body", "b0dy").count("b0dy") == 1
    assert [p.message for p in markers.edited_regions(sealed.replace("body", "b0dy"), "R.md")] == [
        "region 't' was edited by hand since the last build"]
    regions, problems = markers.find_regions(sealed, "R.md", ["t"])
    assert problems == [] and regions[0].digest is not None


def test_a_hand_edited_schema_needs_force(mini):
    assert build.build(mini).ok
    schema = mini / "schema/table.schema.json"
    stamped = schema.read_text("utf-8")
    assert '"$comment": "Written by \'surveybuild build\'' in stamped
    schema.write_text(stamped.replace('"title": "surveybuild table"', '"title": "mine"'), "utf-8")
    report = build.build(mini)
    assert [(p.source.path, p.message) for p in report.errors] == [
        ("schema/table.schema.json", "edited by hand since the last build")]
    assert build.build(mini, force=True).ok and schema.read_text("utf-8") == stamped


@pytest.mark.parametrize("legacy", ["unstamped", "missing"])
def test_a_schema_without_a_checksum_is_replaced(mini, legacy):
    """An older surveybuild wrote the schema without its checksum: the next build replaces it."""
    schema = mini / "schema/table.schema.json"
    if legacy == "missing":
        schema.unlink()
    else:
        schema.write_text('{\n  "title": "old"\n}\n', "utf-8")
    report = build.build(mini)
    assert report.ok and "schema/table.schema.json" in report.written
