"""``surveybuild add``: the new row is the whole diff, and a bad row (from the command line or an issue
form's body) is refused with its field named and nothing written."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from surveybuild.cli import main
from surveybuild.contrib.add import issue_form
from surveybuild.readers.tableread import read_table

TABLE = """\
# yaml-language-server: $schema=../schema/table.schema.json
# Models, one work a row.   (comments, flow columns, quotes and nulls must survive)
caption: "Models: an example."
columns:
  - {key: name, title: Model, type: latex}
  - {key: params, title: '# Params', type: size, align: r}
  - {key: project, title: Project, type: url}
  - {key: base, title: Base Model}
  - {key: open, title: Open, type: bool}
  - {key: tags, title: Tags, type: list}
groups:
  - {id: general, title: General}
  - {id: code, title: Code Models}
rows:
  # the first row
  - name: Alpaca
    cite: a
    group: general
    params: 7B   # the smallest
    project: null
    base: 'LLaMA'
    open: true
    tags: [chat]

  - name: Koala
    cite: b
    group: code
    params: ~
    base: >-
      LLaMA,
      folded
    open: no
# after the rows
"""
BIB = "@misc{a, title={A}}\n@misc{b, title={B}}\n@misc{c, title={C}}\n"


@pytest.fixture
def survey(tmp_path) -> Path:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables/models.yaml").write_text(TABLE)
    (tmp_path / "refs.bib").write_text(BIB)
    return tmp_path


def inserted(old: str, new: str) -> list[str]:
    """The lines ``new`` adds to ``old``; fails if any line of ``old`` changed or went away."""
    ops = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False).get_opcodes()
    assert all(tag in ("equal", "insert") for tag, *_ in ops), ops
    return [line for tag, _, _, j1, j2 in ops if tag == "insert" for line in new.splitlines()[j1:j2]]


def test_add_writes_only_the_new_row(survey, capsys):
    code = main(["-C", str(survey), "add", "models", "--name", "Vicuna", "--cite", "c", "--params", "13B",
                 "--base", "yes", "--open", "yes", "--tags", "chat, code", "--group", "Code Models",
                 "--project", "https://example.org/v"])
    assert code == 0, capsys.readouterr().err
    new = (survey / "tables/models.yaml").read_text()
    assert inserted(TABLE, new) == [
        "  - name: Vicuna", "    cite: c", "    group: code", "    params: 13B",
        "    project: https://example.org/v", '    base: "yes"', "    open: true", "    tags: [chat, code]"]
    assert new.index("name: Vicuna") < new.index("# after the rows")
    table, problems = read_table(new, "tables/models.yaml")  # the project's own reader
    assert not problems and table.rows[-1].value("base").raw == "yes" and table.rows[-1].value("open").raw is True


def test_a_bad_row_is_refused_with_placed_errors_and_nothing_written(survey, capsys):
    code = main(["-C", str(survey), "add", "models", "--name", "X", "--cite", "nokey", "--params", "7Q"])
    err = capsys.readouterr().err
    assert code == 1
    assert "tables/models.yaml:34:11: error: field 'Cite key'" in err and "field 'Cite key'" in err and "nokey" in err
    assert "models.yaml:35:13: error: field '# Params'" in err and "'7Q' is not a size" in err
    assert "models.yaml:33:5: error: table 'models' row 'X': missing field 'group'" in err and "nothing was written" in err
    assert (survey / "tables/models.yaml").read_text() == TABLE
    assert main(["-C", str(survey), "add", "models", "--nmae", "X"]) == 1
    assert "did you mean 'name'?" in capsys.readouterr().err


def body(answers: dict[str, str]) -> str:
    """An issue's body as GitHub renders an issue form's answers."""
    return "".join(f"### {label}\n\n{value}\n\n" for label, value in answers.items())


def test_issue_form_from_init_and_its_body_added(tmp_path, capsys):
    from surveybuild.init import init

    root = tmp_path / "s"
    assert init(root).ok
    form = yaml.safe_load((root / ".github/ISSUE_TEMPLATE/add-work.yml").read_text())
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert list(fields) == ["table", "name", "cite", "params", "project", "base", "open"]
    assert fields["open"]["type"] == "dropdown" and fields["open"]["attributes"]["options"] == ["yes", "no"]
    assert fields["name"]["validations"]["required"] is True
    answers = {f["attributes"]["label"]: "" for f in fields.values()}
    answers.update({"Table": "example", "Model": "Vicuna", "Cite key": "taori2023alpaca", "# Params": "13B",
                    "Project": "_No response_", "Open": "yes"})
    (tmp_path / "body.md").write_text(body(answers).replace("### Base Model\n\n\n", "### Base Model\n\n_No response_\n"))
    before = (root / "tables/example.yaml").read_text()
    assert main(["-C", str(root), "add", "--issue-form", str(tmp_path / "body.md")]) == 0, capsys.readouterr().err
    assert inserted(before, (root / "tables/example.yaml").read_text()) == [
        "  - name: Vicuna", "    cite: taori2023alpaca", "    params: 13B", "    open: true"]


def test_issue_body_with_a_bad_value_is_refused_naming_the_field(survey, capsys):
    table, _ = read_table(TABLE, "tables/models.yaml")
    assert "label: Code Models" not in issue_form(table) and "- Code Models" in issue_form(table)
    (survey / "body.md").write_text(body({"Table": "models", "Model": "Vicuna", "Cite key": "c", "Open": "maybe",
                                          "Project": "javascript:alert(1)"}))
    assert main(["-C", str(survey), "add", "--issue-form", str(survey / "body.md")]) == 1
    err = capsys.readouterr().err
    assert "body.md:15:1: error: field 'Open': 'maybe' is not yes or no" in err
    assert (survey / "tables/models.yaml").read_text() == TABLE
    (survey / "body.md").write_text(body({"Table": "models", "Model": "Vicuna", "Cite key": "c",
                                          "Project": "javascript:alert(1)"}))
    assert main(["-C", str(survey), "add", "--issue-form", str(survey / "body.md")]) == 1
    err = capsys.readouterr().err
    assert "field 'Project'" in err and "only http and https" in err
    assert (survey / "tables/models.yaml").read_text() == TABLE


def test_readme_says_how_to_add(tmp_path):
    from surveybuild.init import init

    assert init(tmp_path / "s").ok
    readme = (tmp_path / "s/README.md").read_text()
    section = readme.split("## How to add a work")[1].split("## ")[0]
    assert "*Add a work* form" in section and "surveybuild add example --name NAME" in section
    assert "- `example` (`tables/example.yaml`): `name` (required), `cite`, `params` (size, e.g. 7B)" in section


def test_every_table_of_the_embedded_survey_takes_a_row_as_pure_insertion():
    from conftest import ROOT  # noqa: F401 - the repository's root

    from surveybuild.contrib.add import splice

    tables = sorted((Path(__file__).parents[1] / "tables").glob("*.yaml"))
    assert len(tables) >= 5
    for path in tables:
        text = path.read_text()
        before, _ = read_table(text, path.name)
        new, problems = splice(text, path.name, {"name": "New: work #1", "cite": "k", "tags": ["a", "b"]})
        assert not problems
        assert inserted(text, new)[0].lstrip().startswith("- name:")
        after, problems = read_table(new, path.name)
        assert not problems and len(after.rows) == len(before.rows) + 1
        assert after.rows[-1].name == "New: work #1" and after.rows[-1].cites[0][0] == "k"


from hypothesis import given, settings, strategies as st  # noqa: E402

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff\x85"),
               min_size=1, max_size=30).filter(lambda t: t.strip() == t and t)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(name=TEXT, base=TEXT)
def test_any_text_reads_back_as_written(name, base):
    from surveybuild.contrib.add import splice

    new, problems = splice(TABLE, "t.yaml", {"name": name, "base": base, "tags": [base]})
    assert not problems
    table, problems = read_table(new, "t.yaml")
    assert not problems, problems
    row = table.rows[-1]
    assert (row.value("name").raw, row.value("base").raw, row.value("tags").raw) == (name, base, [base])
    inserted(TABLE, new)
