"""``issue_forms: true``: the build keeps a GitHub issue form per table (.github/ISSUE_TEMPLATE/add-<id>.yml),
drift-checked like every generated file, and an issue opened with it adds its row (docs/contributing-rows.md)."""

from __future__ import annotations

import yaml
from conftest import MINI, ROOT, copy_survey, edit

from surveybuild.build import pipeline as build
from surveybuild.cli import main
from surveybuild.build.stamp import stamp, unedited
from test_contribute import body, inserted

FORMS = ".github/ISSUE_TEMPLATE"
EXTRA = """\
caption: An extra table.
columns:
  - {key: name, title: Name, type: text}
rows:
  - name: Alpaca
    cite: taori2023alpaca
"""


def with_forms(tmp_path):
    root = copy_survey(MINI, tmp_path / "mini")
    (root / "surveybuild.yaml").write_text("issue_forms: true\n", "utf-8")
    report = build.build(root, force=True)
    assert report.ok, report.problems
    return root


def test_yaml_stamp_is_a_comment_and_notices_edits():
    text = stamp("name: x\n", "yaml")
    assert yaml.safe_load(text) == {"name": "x"} and unedited(text) is True
    assert unedited(text.replace("x", "y")) is False


def test_build_writes_a_form_per_table_and_a_noop_keeps_them(tmp_path):
    root = with_forms(tmp_path)
    forms = sorted(p.name for p in (root / FORMS).iterdir())
    assert forms == ["add-datasets.yml", "add-models.yml"]
    before = {name: (root / FORMS / name).read_bytes() for name in forms}
    form = yaml.safe_load(before["add-datasets.yml"])
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert list(fields) == ["table", "name", "cite", "group", "pair", "instances", "langs"]
    assert fields["group"]["attributes"]["options"] == ["Human-Crafted", "Synthetic via Distillation"]
    report = build.build(root)
    assert report.ok and not report.written
    assert {name: (root / FORMS / name).read_bytes() for name in forms} == before


def test_a_form_answered_as_github_renders_it_adds_its_row(tmp_path, capsys):
    root = with_forms(tmp_path)
    form = yaml.safe_load((root / FORMS / "add-models.yml").read_text("utf-8"))
    labels = {f["id"]: f["attributes"]["label"] for f in form["body"] if "id" in f}
    (tmp_path / "body.md").write_text(body({labels["table"]: "models", labels["name"]: "Vicuna",
                                            labels["cite"]: "taori2023alpaca", labels["params"]: "13B",
                                            labels["open"]: "yes"}), "utf-8")
    before = (root / "tables/models.yaml").read_text("utf-8")
    assert main(["-C", str(root), "add", "--issue-form", str(tmp_path / "body.md")]) == 0, capsys.readouterr().err
    assert inserted(before, (root / "tables/models.yaml").read_text("utf-8"))[0].strip() == "- name: Vicuna"


def test_form_drift_a_new_column_a_hand_edit_and_a_gone_table(tmp_path, capsys):
    root = with_forms(tmp_path)
    models = root / "tables/models.yaml"
    edit(models, "  - {key: open, title: Open, type: bool, align: c}",
         "  - {key: open, title: Open, type: bool, align: c}\n  - {key: license, title: License}")
    assert main(["-C", str(root), "check"]) == 1
    assert f"{FORMS}/add-models.yml" in capsys.readouterr().err  # out of date with the table's columns
    assert build.build(root).ok
    assert "label: License" in (root / FORMS / "add-models.yml").read_text("utf-8")
    # a hand edit is refused, as in every generated file
    form = root / FORMS / "add-models.yml"
    form.write_text(form.read_text("utf-8").replace("Add a work to models", "Add a model"), "utf-8")
    edit(models, "{key: license, title: License}", "{key: license, title: Licence}")
    report = build.build(root)
    assert not report.ok and any("edited by hand" in str(p) for p in report.problems)
    assert build.build(root, force=True).ok
    # a table that goes takes its form with it; so does turning the setting off
    (root / "tables/extra.yaml").write_text(EXTRA, "utf-8")
    assert build.build(root).ok and (root / FORMS / "add-extra.yml").is_file()
    (root / "tables/extra.yaml").unlink()
    report = build.build(root)
    assert report.ok and not (root / FORMS / "add-extra.yml").exists()
    assert any("add-extra.yml" in line for line in report.info)
    (root / "surveybuild.yaml").write_text("issue_forms: false\n", "utf-8")
    assert build.build(root).ok and list((root / FORMS).iterdir()) == []


def test_init_form_is_never_taken_for_a_generated_one(tmp_path):
    """An unstamped add-*.yml (init's starter, or the maintainer's own) is neither removed nor overwritten."""
    root = with_forms(tmp_path)
    own = root / FORMS / "add-work.yml"
    own.write_text("name: mine\n", "utf-8")
    (root / "surveybuild.yaml").write_text("issue_forms: false\n", "utf-8")
    assert build.build(root).ok and own.read_text("utf-8") == "name: mine\n"


def test_the_embedded_survey_keeps_its_forms():
    for table in sorted((ROOT / "tables").glob("*.yaml")):
        form = ROOT / FORMS / f"add-{table.stem}.yml"
        assert unedited(form.read_text("utf-8")) is True, form
    # its README's how-to (``how_to_add()``) points at them
    assert "open an issue with the *Add a work* form" in (ROOT / "README.md").read_text("utf-8")
