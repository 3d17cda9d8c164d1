"""``check`` on a modified copy of the mini fixture: each problem is found, placed at file:line:col, and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MINI, edit, generated_files, locate, snapshot
from surveybuild.build import pipeline as build


def problems(root: Path, severity: str = "error") -> list[str]:
    report = build.check(root)
    return [str(p) for p in report.problems if p.severity == severity]


def only_error(root: Path) -> str:
    found = problems(root)
    assert len(found) == 1, found
    return found[0]


def test_the_fixture_checks_clean():
    report = build.check(MINI)
    assert report.ok, "\n".join(map(str, report.problems))
    assert report.problems == []


def test_cite_typo_names_place_key_and_the_right_key(mini):
    models = mini / "tables/models.yaml"
    edit(models, "cite: taori2023alpaca", "cite: taori2023alpacca")
    error = only_error(mini)
    assert error.startswith(locate(models, "taori2023alpacca", mini) + ": error:")
    assert "'taori2023alpacca'" in error
    assert "did you mean 'taori2023alpaca'" in error


def test_cite_typo_in_a_list_points_at_the_list_item(mini):
    models = mini / "tables/models.yaml"
    edit(models, "cite: [wang2023far]", "cite: [wang2023fra]")
    error = only_error(mini)
    assert error.startswith(locate(models, "wang2023fra", mini) + ":")
    assert "did you mean 'wang2023far'" in error


def test_cite_typo_inside_a_latex_cell(mini):
    models = mini / "tables/models.yaml"
    edit(models, r"\citep{touvron2023llama}", r"\citep{touvron2023lama}")
    error = only_error(mini)
    assert error.startswith(locate(models, r"LLaMA~\citep", mini) + ":")
    assert "'touvron2023lama'" in error and "did you mean 'touvron2023llama'" in error


def test_case_only_mismatch_is_named_as_such(mini):
    models = mini / "tables/models.yaml"
    edit(models, "cite: [wang2023far]", "cite: [Wang2023Far]")
    error = only_error(mini)
    assert error.startswith(locate(models, "Wang2023Far", mini) + ":")
    assert "differs only in case" in error
    assert "'wang2023far'" in error


def test_undefined_note(mini):
    models = mini / "tables/models.yaml"
    edit(models, "notes: [tokens]", "notes: [tokenz]")
    found = problems(mini)
    undefined = [p for p in found if "'tokenz'" in p]
    assert len(undefined) == 1, found
    assert undefined[0].startswith(locate(models, "tokenz", mini) + ":")
    assert "not defined" in undefined[0] and "did you mean 'tokens'" in undefined[0]


def test_undefined_note_in_latex_text(mini):
    models = mini / "tables/models.yaml"
    edit(models, "base: OPT", r"base: OPT\tnotex{nosuch}")
    error = only_error(mini)
    assert error.startswith(locate(models, r"OPT\tnotex", mini) + ":")
    assert "note 'nosuch' is not defined" in error


def test_defined_but_unused_note(mini):
    models = mini / "tables/models.yaml"
    edit(models, "    notes: [tokens]\n", "")
    error = only_error(mini)
    assert error.startswith(locate(models, "Size counted in tokens.", mini) + ":")
    assert "note 'tokens'" in error and "never used" in error


def test_note_used_only_by_tnotex_counts_as_used(mini):
    models = mini / "tables/models.yaml"
    edit(models, "    notes: [tokens]\n", "")
    edit(models, "base: OPT", r"base: OPT\tnotex{tokens}")
    assert build.build(mini).problems == []
    assert problems(mini) == []


def test_unknown_row_field_with_did_you_mean(mini):
    models = mini / "tables/models.yaml"
    edit(models, "    params: 7B\n", "    parms: 7B\n")
    error = only_error(mini)
    assert error.startswith(locate(models, "parms", mini).rsplit(":", 1)[0] + ":")
    assert "unknown field 'parms'" in error and "did you mean 'params'" in error


def test_unknown_column_field_with_did_you_mean(mini):
    models = mini / "tables/models.yaml"
    edit(models, "type: bool, align: c}", "type: bool, algn: c}")
    error = only_error(mini)
    assert error.startswith(locate(models, "algn", mini) + ":")
    assert "unknown field 'algn'" in error and "did you mean 'align'" in error


def test_missing_first_column(mini):
    models = mini / "tables/models.yaml"
    edit(models, "  - name: Claude\n", "  - base: Claude\n")
    error = only_error(mini)
    assert error.startswith(locate(models, "base: Claude", mini) + ":")
    assert "missing required field 'name'" in error


@pytest.mark.parametrize("size", [
    pytest.param("6.7 billion", id="word"),
    pytest.param("1.1 Tokens", id="unit"),
    pytest.param("7b", id="lowercase"),
    pytest.param("'1,000'", id="comma"),
])
def test_bad_size(mini, size):
    models = mini / "tables/models.yaml"
    edit(models, "params: 6.7B", f"params: {size}")
    error = only_error(mini)
    assert error.startswith(locate(models, size, mini) + ":")
    assert "column 'params'" in error and "is not a size" in error


@pytest.mark.parametrize("url, says", [
    pytest.param("javascript:alert(1)", "scheme 'javascript'", id="javascript"),
    pytest.param("file:///etc/passwd", "scheme 'file'", id="file"),
    pytest.param("github.com/allenai/open-instruct", "scheme 'none'", id="no-scheme"),
    pytest.param("'https://github.com/allenai/open instruct'", "space", id="space"),
])
def test_bad_url(mini, url, says):
    models = mini / "tables/models.yaml"
    edit(models, "https://github.com/allenai/open-instruct", url)
    error = only_error(mini)
    assert error.startswith(locate(models, url, mini) + ":")
    assert "column 'project'" in error and says in error


def test_bad_url_in_href(mini):
    models = mini / "tables/models.yaml"
    edit(models, "base: OPT", r"base: \href{javascript:alert(1)}{OPT}")
    error = only_error(mini)
    assert "scheme 'javascript'" in error


def test_duplicate_row(mini):
    models = mini / "tables/models.yaml"
    edit(models, "    open: false\n", "    open: false\n  - name: claude\n    open: true\n")
    error = only_error(mini)
    assert error.startswith(locate(models, "name: claude", mini) + ":")
    assert "duplicate" in error and locate(models, "name: Claude", mini) in error


def test_unknown_macro_names_macro_table_and_row(mini):
    models = mini / "tables/models.yaml"
    edit(models, "base: OPT", r"base: \input{secret}")
    error = only_error(mini)
    assert error.startswith(locate(models, r"\input", mini) + ":")
    assert r"'\input'" in error and "'models'" in error
    assert "TÜLU" in error or r'T\"{U}LU' in error


def test_bad_row_group(mini):
    datasets = mini / "tables/datasets.yaml"
    edit(datasets, "    group: human\n    cite: conover2023dolly", "    group: humen\n    cite: conover2023dolly")
    error = only_error(mini)
    assert "unknown row group 'humen'" in error and "did you mean 'human'" in error


def test_yaml_syntax_error_has_its_place(mini):
    models = mini / "tables/models.yaml"
    edit(models, "    params: 7B\n", "    params: 7B\n   bad: [\n")
    found = problems(mini)
    assert found and all(p.startswith("tables/models.yaml:") for p in found), found
    assert "YAML syntax error" in found[0]


def test_cite_in_paper_missing_from_bib(mini):
    tex = mini / "paper/main.tex"
    edit(tex, r"\citep{zhang2023instruction}", r"\citep{zhang2023instruction,nosuchkey2020}")
    error = only_error(mini)
    assert error.startswith(locate(tex, "nosuchkey2020", mini) + ":")
    assert "'nosuchkey2020' not in refs.bib" in error


def test_cite_typo_in_paper_gets_did_you_mean(mini):
    tex = mini / "paper/main.tex"
    edit(tex, r"\citep{zhang2023instruction}", r"\citep{zhang2023instrution}")
    error = only_error(mini)
    assert error.startswith(locate(tex, "zhang2023instrution", mini) + ":")
    assert "did you mean 'zhang2023instruction'" in error


def test_uncited_bib_entry_is_a_warning(built_mini):
    mini = built_mini
    with (mini / "refs.bib").open("a", encoding="utf-8") as handle:
        handle.write("\n@misc{orphan2024, author={Nobody, Ned}, title={Nobody cites me}, year={2024}}\n")
    report = build.check(mini)
    assert report.ok
    warnings = [str(p) for p in report.problems if p.severity == "warning"]
    assert any("'orphan2024'" in w and "never cited" in w for w in warnings), warnings


def test_duplicate_bib_key_is_an_error(mini):
    bib = mini / "refs.bib"
    text = bib.read_text("utf-8")
    first = text.split("\n\n")[0]
    bib.write_text(text + "\n" + first + "\n", "utf-8")
    error = only_error(mini)
    assert error.startswith("refs.bib:")
    assert "duplicate entry key 'taori2023alpaca'" in error


def test_all_problems_are_reported_at_once(mini):
    models, datasets, tex = mini / "tables/models.yaml", mini / "tables/datasets.yaml", mini / "paper/main.tex"
    edit(models, "cite: taori2023alpaca", "cite: taori2023alpacca")
    edit(models, "params: 6.7B", "params: lots")
    edit(models, "https://github.com/allenai/open-instruct", "javascript:alert(1)")
    edit(models, "notes: [tokens]", "notes: [tokens, tokenz]")
    edit(datasets, "instances: 15K", "instances: 15 thousand")
    edit(tex, r"\citep{zhang2023instruction}", r"\citep{zhang2023instruction,nosuchkey2020}")
    found = problems(mini)
    expected = {
        locate(models, "taori2023alpacca", mini): "did you mean 'taori2023alpaca'",
        locate(models, "lots", mini): "is not a size",
        locate(models, "javascript:", mini): "scheme 'javascript'",
        locate(models, "tokenz", mini): "not defined",
        locate(datasets, "15 thousand", mini): "is not a size",
        locate(tex, "nosuchkey2020", mini): "not in refs.bib",
    }
    for where, says in expected.items():
        assert any(p.startswith(where + ":") and says in p for p in found), (where, says, found)
    assert len(found) == len(expected), found


def test_nothing_is_written_after_errors(mini):
    # a change that would alter every output, plus one error
    edit(mini / "tables/datasets.yaml", "caption: Datasets, grouped", "caption: Data sets, grouped")
    edit(mini / "tables/models.yaml", "cite: taori2023alpaca", "cite: taori2023alpacca")
    (mini / "README.md").unlink()
    before = snapshot(mini)
    report = build.build(mini)
    assert not report.ok
    assert report.written == []
    assert snapshot(mini) == before
    assert not (mini / "README.md").exists()
    assert "README.md" not in generated_files(mini)


def test_template_error_writes_nothing(mini):
    edit(mini / "templates/README.md.j2", '{{ table("models") }}', '{{ table("modles") }}')
    before = snapshot(mini)
    report = build.build(mini)
    assert not report.ok
    assert any("modles" in str(p) and str(p).startswith("templates/README.md.j2") for p in report.errors)
    assert snapshot(mini) == before


def test_a_repeated_value_is_checked_in_every_row_it_is_wrong(mini):
    """A column's value found fine is not checked again in that column (check._known); one found wrong is
    reported in each row that holds it, at its own place, and fine in one column says nothing of another."""
    models = mini / "tables/models.yaml"
    text = models.read_text("utf-8").replace("params: 7B", "params: seven").replace("params: 6.7B", "params: seven")
    text = text.replace("open: true", "open: yes please", 1)  # the first row's bool; the second keeps 'true'
    models.write_text(text, "utf-8")
    problems = [str(p) for p in build.check(mini).errors]
    sizes = [p for p in problems if "'seven' is not a size" in p]
    assert len(sizes) == 2 and len({p.split(": ")[0] for p in sizes}) == 2  # two rows, two places
    assert sum("expected yes/no" in p for p in problems) == 1


def test_a_label_used_twice_is_named_at_the_second_table_with_the_first(mini):
    models = mini / "tables/models.yaml"
    edit(models, "caption: Instruction-tuned models.", "caption: Instruction-tuned models.\nlabel: tab:datasets")
    found = [p for p in problems(mini) if "also used by" in p]
    assert found == [f"tables/models.yaml:1:1: error: table 'models': label 'tab:datasets' is also used by "
                     "tables/datasets.yaml:1:1 (labels must be unique in the paper)"], problems(mini)


def test_a_table_id_used_twice_is_named_with_the_first(mini):
    models = mini / "tables/models.yaml"
    edit(models, "caption: Instruction-tuned models.", "caption: Instruction-tuned models.\nid: datasets")
    found = [p for p in problems(mini) if "also used by" in p]
    assert found == ["tables/models.yaml:1:1: error: table id 'datasets' is also used by tables/datasets.yaml:1:1 "
                     "(give one of them another 'id')",
                     "tables/models.yaml:1:1: error: table 'datasets': label 'tab:datasets' is also used by "
                     "tables/datasets.yaml:1:1 (labels must be unique in the paper)"], problems(mini)
