"""No traceback, ever: inputs that once crashed end in one placed error; YAML duplicates, aliases and NUL are placed.

Each crash input breaks a fresh copy of the mini survey and runs ``surveybuild check`` and
``surveybuild build`` in-process: exit 1, every message line ``file:line:col: error: ...`` at the
expected place, no traceback, nothing written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import locate, snapshot
from surveybuild.cli import main
from surveybuild.readers.read import read_settings
from surveybuild.readers.tableread import read_table
from surveybuild.readers import yamlread

M = "tables/models.yaml"
PLACED = re.compile(r"^[\w./-]+:\d+:\d+: error: ")


def _sub(old: str, new: str, path: str = M):
    def do(root: Path) -> None:
        text = (root / path).read_text("utf-8")
        assert text.count(old) == 1
        (root / path).write_text(text.replace(old, new), "utf-8")
    return do


def _append(text: str, path: str = M):
    def do(root: Path) -> None:
        with open(root / path, "a", encoding="utf-8") as handle:
            handle.write(text)
    return do


CRASHES = [
    # (id, break it, file, needle placed on, words of the message)
    ("tagged-int-title", _sub("title: Model,", "title: !!int x,"), M, "!!int x", "is not an integer"),
    ("tagged-int-caption", _sub("caption: Instruction-tuned models.", "caption: !!int 5"), M, "!!int 5",
     "caption: 5 is not of type 'string'"),
    ("bad-implicit-date", _sub("instances: 15K", "instances: 2020-13-45", "tables/datasets.yaml"),
     "tables/datasets.yaml", "2020-13-45", "is not a date"),
    ("tagged-set", _sub("params: 7B", "params: !!set 7B"), M, "!!set 7B", "YAML tag '!!set' is not allowed"),
    ("tagged-seq-on-text", _sub("params: 7B", "params: !!seq 7B"), M, "!!seq 7B", "is for a list or mapping"),
    ("tagged-seq-on-mapping", _sub("{key: name, title: Model, type: latex}", "!!seq {key: name, title: Model}"), M,
     "!!seq {", "YAML tag '!!seq' does not fit a mapping"),
    ("complex-key", _append("? [a]\n: b\n"), M, "[a]", "a mapping key must be a name, not a list"),
    ("complex-key-in-row", _sub("open: false", "open: false\n    ? {x: 1}\n    : y"), M, "{x: 1}",
     "a mapping key must be a name, not a mapping"),
    ("yaml11-boolean-key", _append("on: y\n"), M, "on: y", "unknown field 'on'"),
    ("nested-600", _append("deep: " + "[" * 600 + "]" * 600 + "\n"), M, "[" * 501 + "]",
     "nested more than 100 levels"),
    ("nested-600-block", _append("deep:\n" + "".join("  " * i + "-\n" for i in range(1, 601))), M,
     "-\n" + " " * 202 + "-", "nested more than 100 levels"),
    ("readme-empty", lambda root: (root / "surveybuild.yaml").write_text("readme: ''\n"), "surveybuild.yaml", "''",
     "setting 'readme': '' names no file"),
    ("paper-folder", lambda root: (root / "surveybuild.yaml").write_text("paper: paper/\n"), "surveybuild.yaml",
     "paper/", "setting 'paper': 'paper/' names no file"),
    ("settings-not-a-mapping", lambda root: (root / "surveybuild.yaml").write_text("- bib\n"), "surveybuild.yaml",
     "- bib", "must be a mapping"),
    ("url-invalid-ipv6", _sub("https://github.com/tatsu-lab/stanford_alpaca", "'https://[x'"), M, "'https://[x'",
     "cannot be read: Invalid IPv6 URL"),
    ("url-bad-port", _sub("https://github.com/tatsu-lab/stanford_alpaca", "'https://x.org:99999/'"), M,
     "'https://x.org:99999/'", "cannot be read: Port out of range"),
    ("nul-byte", _sub("name: Claude", "name: Cla\0ude"), M, "\0", "character U+0000 is not allowed in YAML"),
    ("metadata-emoji", lambda root: (root / "surveybuild.yaml").write_text("title: Tuning\nauthors: [A, 'B \U0001F600']\n"),
     "surveybuild.yaml", "[A, ", "the PDF's metadata (title, authors, keywords): character U+1F600"),
    ("font-size-list", lambda root: (root / "surveybuild.yaml").write_text("paper_font_size: []\n"),
     "surveybuild.yaml", "[]", "setting 'paper_font_size' must be one of 10, 11, 12"),
    ("merge-key", _sub("open: false", "open: false\n    <<: {x: 1}"), M, "<<", "merge key '<<' is not supported"),
]


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize(("break_it", "shown", "needle", "says"),
                         [pytest.param(*c[1:], id=c[0]) for c in CRASHES])
def test_crash_input_ends_in_a_placed_error(break_it, shown, needle, says, command, mini, capsys):
    break_it(mini)
    before = snapshot(mini)
    assert main(["-C", str(mini), command]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    lines = err.splitlines()
    assert lines[-1].endswith("nothing was written")
    assert all(PLACED.match(line) for line in lines[:-1]), err
    assert any(line.startswith(locate(mini / shown, needle, mini) + ": error: ") and says in line
               for line in lines), err
    assert snapshot(mini) == before


# -- duplicate keys ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key", "first", "second"), [
    pytest.param("caption: a\ncolumns: [{key: name, title: N}]\nrows: [{name: x}]\ncaption: b\n",
                 "caption", 1, 4, id="top-level"),
    pytest.param("caption: a\ncolumns:\n  - key: name\n    title: N\n    key: other\nrows: [{name: x}]\n",
                 "key", 3, 5, id="column"),
    pytest.param("caption: a\ncolumns: [{key: name, title: N}]\nrows:\n  - name: x\n    name: y\n",
                 "name", 4, 5, id="row"),
    pytest.param("caption: a\ncolumns: [{key: name, title: N}]\nnotes:\n  n: one\n  n: two\nrows:\n"
                 "  - {name: x, notes: [n]}\n", "n", 4, 5, id="notes"),
    pytest.param("caption: a\ncolumns: [{key: name, title: N}]\nrows: [{name: x}]\n'caption': b\n",
                 "caption", 1, 4, id="quoted-same-name"),
])
def test_duplicate_keys_are_an_error_naming_both_lines(text, key, first, second):
    table, problems = read_table(text, "tables/x.yaml")
    assert table is None
    assert [(p.source.line, p.message) for p in problems] == [
        (second, f"duplicate key '{key}' (first on line {first})")]


def test_duplicate_settings_are_an_error_naming_both_lines(tmp_path):
    (tmp_path / "surveybuild.yaml").write_text("readme: A.md\nbib: x.bib\nreadme: B.md\n", "utf-8")
    settings, problems = read_settings(tmp_path)
    assert [(str(p.source), p.message) for p in problems] == [
        ("surveybuild.yaml:3:1", "duplicate key 'readme' (first on line 1)")]


def test_keys_are_names_as_written():
    """YAML 1.1 reads `yes`, `on` and `1` as a boolean or number; a table's keys are names."""
    text = ("caption: a\ncolumns: [{key: 'yes', title: Y}, {key: 'on', title: N}]\n"
            "rows: [{yes: x, on: 1}]\n")
    table, problems = read_table(text, "tables/x.yaml")
    assert problems == []
    assert [(k, v.raw) for k, v in table.rows[0].line.cells] == [("yes", "x"), ("on", 1)]


# -- aliases, size, NUL -------------------------------------------------------------------------------------

def test_alias_bomb_names_the_limit():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdef", "bcdefg"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    table, problems = read_table("\n".join(lines) + "\n", "tables/bomb.yaml")
    assert table is None
    assert [str(p.source) for p in problems] == ["tables/bomb.yaml:1:4"]  # the first value repeated
    assert problems[0].message.startswith("the file expands to more than 200,000 values through YAML aliases (")


def test_a_few_aliases_below_the_limit_are_plain_yaml():
    text = ("caption: a\ncolumns: [{key: name, title: N}, {key: langs, title: L, type: list}]\n"
            "rows:\n  - {name: x, langs: &l [En, Zh]}\n  - {name: y, langs: *l}\n")
    table, problems = read_table(text, "tables/x.yaml")
    assert problems == [] and [r.line.get("langs").raw for r in table.rows] == [["En", "Zh"], ["En", "Zh"]]


def test_a_large_plain_table_is_accepted():
    """60,000 rows (300,000 values) without a single alias: once misreported as an alias expansion.

    The YAML reader is where the limit lives (the table reader then costs seconds more on such a file).
    """
    rows = "".join(f"  - {{name: r{i}, size: 7B}}\n" for i in range(60_000))
    text = f"caption: big\ncolumns: [{{key: name, title: N}}, {{key: size, title: S, type: size}}]\nrows:\n{rows}"
    root, data, problems = yamlread.load(text, "tables/big.yaml")
    assert problems == [] and len(data["rows"]) == 60_000 and data["rows"][-1] == {"name": "r59999", "size": "7B"}
    assert yamlread._careful(root, "tables/big.yaml") == []  # the careful walk (aliases counted) agrees


def test_nul_byte_is_placed():
    table, problems = read_table("caption: a\nrows:\n  - name: ab\0c\n", "tables/x.yaml")
    assert [str(p.source) for p in problems] == ["tables/x.yaml:3:13"]
    assert problems[0].message == "character U+0000 is not allowed in YAML (control characters are not allowed)"


def test_depth_limit_is_counted_through_aliases():
    """An alias can nest a deep value inside another deep value: the depth is measured expanded."""
    deep = "[" * 60 + "]" * 60
    text = f"a: &a {deep}\nb: [" + ", ".join(["[" * 50 + "*a" + "]" * 50]) + "]\n"
    root, problems = yamlread.compose(text, "x.yaml")
    assert root is None and "nested more than 100 levels" in problems[0].message


def test_internal_errors_are_one_line(mini, capsys, monkeypatch):
    """The last guard: an exception the checks did not foresee is one line, exit 1 (not a traceback)."""
    import surveybuild.build.pipeline

    def boom(*args, **kwargs):
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(surveybuild.build.pipeline, "check_survey", boom)
    monkeypatch.delenv("SURVEYBUILD_TRACEBACK", raising=False)
    assert main(["-C", str(mini), "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("surveybuild: internal error: RuntimeError: unforeseen (please report it")
    assert "Traceback" not in err


@pytest.mark.parametrize(("text", "says"), [
    pytest.param("a: " + "[" * 600 + "]" * 600 + "\n", "nested more than 100 levels", id="deep"),
    pytest.param("? [a]\n: k\n", "a mapping key must be a name", id="complex-key"),
    pytest.param("12: a\n12: b\n", "duplicate key '12' (first on line 1)", id="duplicate"),
])
def test_an_import_cite_map_is_read_like_a_table(text, says):
    from surveybuild.importer import read_cite_map

    mapping, problems = read_cite_map(text, "map.yaml")
    assert mapping == {} and says in problems[0].message and problems[0].source.line >= 1
    assert read_cite_map("12: a\n'#ref3': b\n", "map.yaml") == ({"ref12": "a", "ref3": "b"}, [])
