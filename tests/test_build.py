"""``build``: deterministic, reproduces the fixture's committed outputs, atomic, and ``check`` guards the outputs."""

from __future__ import annotations

import os

import pytest

from conftest import MINI, SURVEY_PARAMS, SURVEYS, copy_survey, edit, generated_files, snapshot
from surveybuild.build import pipeline as build


def fresh_build(src, dst):
    root = copy_survey(src, dst, generated=False)
    assert generated_files(root) == []
    report = build.build(root)
    assert report.ok, "\n".join(map(str, report.problems))
    return root, report


@pytest.mark.parametrize("name", SURVEY_PARAMS)
def test_two_builds_are_byte_identical(tmp_path, name):
    one, _ = fresh_build(SURVEYS[name], tmp_path / "one")
    two, _ = fresh_build(SURVEYS[name], tmp_path / "two")
    files = generated_files(one)
    assert "README.md" in files and any(f.startswith("paper/tables/") for f in files)
    assert generated_files(two) == files
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_build_reproduces_the_committed_fixture_outputs(tmp_path):
    committed = generated_files(MINI)
    assert committed == ["README.md", "paper/tables/_surveybuild.tex", "paper/tables/datasets.tex",
                         "paper/tables/models.tex", "paper/tables/preamble.tex", "schema/table.schema.json"]
    root, report = fresh_build(MINI, tmp_path / "mini")
    assert generated_files(root) == committed
    assert sorted(report.written) == committed
    for rel in committed:
        assert (root / rel).read_bytes() == (MINI / rel).read_bytes(), f"{rel} differs from the committed file"


@pytest.mark.parametrize("name", SURVEY_PARAMS)
def test_outputs_are_utf8_with_unix_newlines(built_survey, name):
    root = built_survey(name)
    for rel in generated_files(root):
        data = (root / rel).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, rel
        assert data.endswith(b"\n"), rel


def test_rebuilding_changes_nothing(built_mini):
    cache = (".surveybuild-cache",)  # the build's own bookkeeping, not an output
    before = snapshot(built_mini, skip=cache)
    report = build.build(built_mini)
    assert report.ok
    assert report.written == []
    assert sorted(report.unchanged) == generated_files(built_mini)
    assert snapshot(built_mini, skip=cache) == before  # not even the modification times


def test_only_the_changed_output_is_rewritten(built_mini):
    edit(built_mini / "tables/datasets.yaml", "instances: 15K", "instances: 16K")
    report = build.build(built_mini)
    assert report.ok
    assert sorted(report.written) == ["README.md", "paper/tables/datasets.tex"]
    assert "16K" in (built_mini / "paper/tables/datasets.tex").read_text("utf-8")
    assert "16K" in (built_mini / "README.md").read_text("utf-8")


def test_check_passes_on_the_fixture():
    report = build.check(MINI)
    assert report.ok, "\n".join(map(str, report.problems))


@pytest.mark.parametrize("rel, old, new", [
    pytest.param("README.md", "| Claude", "| Claude 2", id="readme-row"),
    pytest.param("README.md", "# Mini Survey", "# Mini survey", id="readme-title"),
    pytest.param("paper/tables/models.tex", "Instruction-tuned models.", "Instruction tuned models.",
                 id="latex-table"),
])
def test_hand_edited_output_fails_check_naming_the_file(built_mini, rel, old, new):
    edit(built_mini / rel, old, new)
    line = (built_mini / rel).read_text("utf-8")[: (built_mini / rel).read_text("utf-8").index(new)].count("\n") + 1
    report = build.check(built_mini)
    assert not report.ok
    (problem,) = report.errors
    assert str(problem).startswith(f"{rel}:{line}: error:")
    assert "differs from what the sources generate" in problem.message


def test_missing_output_fails_check(built_mini):
    (built_mini / "paper/tables/models.tex").unlink()
    report = build.check(built_mini)
    (problem,) = report.errors
    assert str(problem).startswith("paper/tables/models.tex: error: generated file is missing")


def test_check_writes_nothing(built_mini):
    edit(built_mini / "README.md", "# Mini Survey", "# Mini survey")
    before = snapshot(built_mini)
    build.check(built_mini)
    assert snapshot(built_mini) == before


def test_build_leaves_no_temporary_files(tmp_path):
    root, report = fresh_build(MINI, tmp_path / "mini")
    assert report.written
    assert [p for p in root.rglob("*") if p.name.endswith(".tmp")] == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(mini, monkeypatch):
    target = mini / "README.md"
    old = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        build.write_atomic(target, "new text\n")
    assert target.read_bytes() == old
    assert [p.name for p in mini.rglob("*") if p.name.endswith(".tmp")] == []


def test_write_atomic_creates_folders(tmp_path):
    path = tmp_path / "a" / "b" / "c.txt"
    build.write_atomic(path, "x\ny\n")
    assert path.read_bytes() == b"x\ny\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.txt"]
