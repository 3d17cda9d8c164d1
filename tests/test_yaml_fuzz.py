"""Structural YAML fuzzing: random documents and mutated fixture tables never crash the reader or the pipeline.

Unlike ``test_fuzz.py`` (hostile text inside valid cells), this fuzzes the YAML itself: random
mappings, tags (``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!binary``, ``!!timestamp``, ``!!set``,
``!!omap``, ``!!str``, custom and Python tags), scalars of every type at every position of a table
(top level, columns, rows, notes, groups) and of ``surveybuild.yaml``, anchors and aliases, complex
keys, duplicate keys, deep nesting and big files; and line-level mutations of the fixture tables.

Each example runs the table reader and the whole pipeline (``build.plan`` on a small temporary
project) and asserts: no exception escapes; every problem has a path and a line; an input that is
surely invalid (PyYAML's own safe loader refuses it, or it holds a duplicate key, a complex key, a
merge key or nesting past the limit) gets at least one error; and the reader's quick check of a
document agrees with its careful walk. The figures are printed by ``test_yaml_fuzz_figures``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import MINI
from surveybuild.build import pipeline as build
from surveybuild.readers import yamlread
from surveybuild.readers.read import read_settings
from surveybuild.readers.tableread import read_table

FIGURES = {"examples": 0, "invalid": 0, "accepted": 0, "problems": 0, "seconds": 0.0, "tracebacks": 0}


def fuzz(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))


KEYS = ["caption", "columns", "rows", "notes", "groups", "id", "label", "section", "layout", "sort", "font",
        "landscape", "group_title", "key", "title", "type", "align", "show", "group", "width", "name", "cite",
        "subrows", "comment", "langs", "on", "yes", "n", "x"]
SCALARS = [
    "x", "Alpaca", "7B", "52K", "1.4T", "true", "false", "on", "off", "y", "no", "~", "null", "''", '""', "1", "-1",
    "0x1F", "0o17", "0b_", "0x_", "1_000", "1e400", "1.5", ".nan", "-.inf", "2020-01-01", "2020-13-45",
    "2001-12-14t21:59:43.10-05:00", "12:30:45", "'https://[x'", "https://x.org/a", "'javascript:alert(1)'",
    "'\\input{/etc/passwd}'", "'a: b'", '"\\x00"', '"\\u202e"', '"\\t"', "text", "latex", "url", "size", "bool", "list",
    "l", "c", "r", "both", "paper", "readme", "float", "long", "auto", "tab:x", "human", "tokens", "name",
    "aGVsbG8=", "'%%'", "Zm9v\n", "!", "a b c", "'#1 & _ %'",
]
TAGS = ["!!int ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!!timestamp ", "!!str ", "!!set ", "!!omap ",
        "!!pairs ", "!!seq ", "!!map ", "!custom ", "!!python/object/apply:os.system ", "!<tag:yaml.org,2002:int> ",
        "!!merge "]
MAX_DEPTH = yamlread.MAX_DEPTH

#: Examples per target (2,000 in all); the environment can raise them for a longer hunt.
FUZZ_RANDOM, FUZZ_MUTATED, FUZZ_SETTINGS = (int(os.environ.get(name, default)) for name, default in (
    ("FUZZ_RANDOM", 700), ("FUZZ_MUTATED", 1000), ("FUZZ_SETTINGS", 300)))

tag = st.one_of(st.just(""), st.just(""), st.just(""), st.sampled_from(TAGS))
scalar = st.builds(lambda t, s: t + s, tag, st.sampled_from(SCALARS))
key = st.sampled_from(KEYS)


def _flow_seq(items, t):
    return f"{t}[{', '.join(items)}]"


def _flow_map(pairs, t):
    return t + "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


node = st.recursive(
    st.one_of(scalar, st.sampled_from(["*a", "*b"])),
    lambda children: st.one_of(
        st.builds(_flow_seq, st.lists(children, max_size=4), tag),
        st.builds(_flow_map, st.lists(st.tuples(key, children), max_size=4), tag),
        st.builds(lambda name, n: f"&{name} {n}", st.sampled_from(["a", "b"]), children),
    ),
    max_leaves=12,
)

#: A valid value for each position of a table; a random node may take its place.
DEFAULTS = {
    "caption": "Fuzz.", "col_title": "Name", "col2_key": "size", "col2_type": "size", "note": "A note.",
    "group_title": "G", "row_name": "a", "row_size": "7B", "row_notes": "[n1]", "row_group": "g", "row_cite": "k1",
    "extra_top": None, "extra_row": None,
}


@st.composite
def table_doc(draw) -> tuple[str, bool]:
    """A table with random values at random positions, and maybe duplicate, complex or merge keys, deep nesting."""
    values = {}
    for slot, default in DEFAULTS.items():
        values[slot] = draw(node) if draw(st.integers(0, 5)) == 0 else default
    n_rows = draw(st.sampled_from([1] * 8 + [2] * 4 + [5, 30, 300]))
    surely_bad = False
    deep = draw(st.sampled_from([0] * 12 + [MAX_DEPTH - 5, MAX_DEPTH + 3, 600, 2000]))
    if deep:
        values["row_size"] = "[" * deep + "]" * deep
        surely_bad |= deep > MAX_DEPTH - 5  # the value sits 4 levels down
    lines = [f"caption: {values['caption']}",
             f"columns: [{{key: name, title: {values['col_title']}}}, "
             f"{{key: {values['col2_key']}, title: S, type: {values['col2_type']}}}]",
             f"notes: {{n1: {values['note']}}}",
             f"groups: [{{id: g, title: {values['group_title']}}}]"]
    if values["extra_top"] is not None:
        lines.append(f"{draw(key)}: {values['extra_top']}")
    lines.append("rows:")
    for i in range(n_rows):
        name = values["row_name"] if i == 0 else f"r{i}"
        lines.append(f"  - name: {name}\n    size: {values['row_size']}\n    notes: {values['row_notes']}\n"
                     f"    group: {values['row_group']}\n    cite: {values['row_cite']}")
        if i == 0 and values["extra_row"] is not None:
            lines.append(f"    {draw(key)}: {values['extra_row']}")
    trouble = draw(st.sampled_from(["none"] * 6 + ["dup-top", "dup-row", "complex", "merge", "alias-bomb"]))
    if trouble == "dup-top":
        lines.insert(1, f"caption: {draw(scalar)}")
    elif trouble == "dup-row":
        lines.append("    name: again")
    elif trouble == "complex":
        lines.append(f"? {draw(st.sampled_from(['[a]', '{a: 1}', '[[x]]']))}\n: b")
    elif trouble == "merge":
        lines.append("<<: {a: 1}")
    elif trouble == "alias-bomb":
        bomb = ["bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
        bomb += [f"bomb{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]" for i in range(1, 7)]
        lines[1:1] = bomb
    surely_bad |= trouble != "none"
    return "\n".join(lines) + "\n", surely_bad


def _fixture_lines() -> list[list[str]]:
    return [p.read_text("utf-8").splitlines() for p in sorted((MINI / "tables").glob("*.yaml"))]


FIXTURES = _fixture_lines()


@st.composite
def mutated_fixture(draw) -> tuple[str, bool]:
    """A fixture table with a few line-level changes: values replaced, lines duplicated, moved, re-indented."""
    lines = list(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "value", "tag", "dup", "delete", "indent", "dedent", "complex",
                                   "anchor", "control", "swap", "truncate"]))
        line = lines[i]
        head, sep, _ = line.partition(": ")
        if op == "value" and sep:
            lines[i] = f"{head}: {draw(node)}"
        elif op == "tag" and sep:
            lines[i] = f"{line[:len(head) + 2]}{draw(st.sampled_from(TAGS))}{line[len(head) + 2:]}"
        elif op == "dup":
            lines.insert(i, line)
        elif op == "delete":
            del lines[i]
        elif op == "indent":
            lines[i] = "  " + line
        elif op == "dedent":
            lines[i] = line[2:] if line.startswith("  ") else line
        elif op == "complex":
            lines.insert(i, " " * (len(line) - len(line.lstrip())) + "? [k]\n" +
                         " " * (len(line) - len(line.lstrip())) + ": v")
        elif op == "anchor" and sep:
            lines[i] = f"{head}: &a {line[len(head) + 2:]}"
            lines.append(f"  - name: {draw(st.sampled_from(['*a', 'alias']))}")
        elif op == "control":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.sampled_from(["\0", "\x07", "\ufeff", "\x85", "\t"])) + line[j:]
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        if not lines:
            lines = [""]
    text = "\n".join(lines) + "\n"
    return text, "? [k]" in text  # a complex key (or, indented wrongly, a syntax error): bad either way


@st.composite
def settings_doc(draw) -> tuple[str, bool]:
    names = ["bib", "tables", "paper", "readme_template", "readme", "cite_command", "long_table_rows", "fill",
             "title", "on", "figures", "bib_preamble", "reference_order", "paper_font_size", "paper_text_width",
             "authors", "keywords"]
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), node), max_size=5))
    text = "\n".join(f"{k}: {v}" for k, v in pairs) + "\n"
    return text, len({k for k, _ in pairs}) != len(pairs)


def surely_invalid(text: str) -> bool:
    """PyYAML's own safe loader (an independent reading: it builds values, we read nodes) refuses the text."""
    try:
        yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # noqa: BLE001 - any refusal (syntax, constructor, recursion) counts
        return True
    return False


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A small survey: one fuzzed table, the fixture's refs.bib, a tiny README template, a paper."""
    root = tmp_path_factory.mktemp("yamlfuzz")
    (root / "tables").mkdir()
    (root / "templates").mkdir()
    (root / "paper").mkdir()
    (root / "refs.bib").write_text((MINI / "refs.bib").read_text("utf-8") +  # the fixture tables' cite keys
                                   "\n@misc{k1, title={T}, author={A}, year={2024}}\n", "utf-8")
    (root / "templates/README.md.j2").write_text("# S\n\n{{ table('x') }}\n\n{{ references() }}\n", "utf-8")
    (root / "paper/main.tex").write_text("\\documentclass{article}\\begin{document}\\input{tables/x}"
                                         "\\end{document}\n", "utf-8")
    return root


def _assert_placed(problems, text: str, bad: bool) -> None:
    for p in problems:
        assert p.source.path and p.source.line >= 1, f"unplaced: {p}"
    if bad:
        assert any(p.severity == "error" for p in problems), f"accepted an invalid input ({bad}):\n{text[:3000]!r}"


def _check_table(text: str, bad: bool, project: Path) -> None:
    start = time.perf_counter()
    FIGURES["examples"] += 1
    FIGURES["tracebacks"] += 1  # taken back below unless an exception escapes
    table, problems = read_table(text, "tables/x.yaml")
    assert (table is None) == any(p.severity == "error" for p in problems)
    if table is not None and len(text) < 5000:  # the quick checks found nothing: the careful walk must agree
        assert yamlread._careful(yamlread.compose(text, "tables/x.yaml")[0], "tables/x.yaml") == []
    bad = bad or surely_invalid(text)
    _assert_placed(problems, text, bad)
    (project / "tables/x.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    _, _, report = build.plan(project)
    _assert_placed(report.problems, text, bad)
    FIGURES["invalid"] += bad
    FIGURES["accepted"] += report.ok
    FIGURES["problems"] += len(report.problems)
    FIGURES["tracebacks"] -= 1
    FIGURES["seconds"] += time.perf_counter() - start


@fuzz(FUZZ_RANDOM)
@given(table_doc())
def test_random_tables(project, doc):
    _check_table(*doc, project)


@fuzz(FUZZ_MUTATED)
@given(mutated_fixture())
def test_mutated_fixture_tables(project, doc):
    _check_table(*doc, project)


@fuzz(FUZZ_SETTINGS)
@given(settings_doc())
def test_random_settings(project, tmp_path_factory, doc):
    text, bad = doc
    start = time.perf_counter()
    FIGURES["examples"] += 1
    FIGURES["tracebacks"] += 1
    (project / "tables/x.yaml").write_text("caption: C\ncolumns: [{key: name, title: N}]\nrows: [{name: a}]\n")
    (project / "surveybuild.yaml").write_text(text, "utf-8")
    try:
        _, problems = read_settings(project)
        _assert_placed(problems, text, bad or surely_invalid(text))
        _, _, report = build.plan(project)
        FIGURES["problems"] += len(report.problems)
        for p in report.problems:
            assert p.source.path and p.source.line >= 1 or p.message.endswith(("file not found", "folder")), str(p)
    finally:
        (project / "surveybuild.yaml").unlink()
    FIGURES["tracebacks"] -= 1
    FIGURES["seconds"] += time.perf_counter() - start


def test_yaml_fuzz_figures(capsys):
    """Runs after the fuzz tests (file order): at least 2,000 examples, none of them a traceback."""
    if FIGURES["examples"] == 0 and not os.environ.get("CI"):  # in CI the whole file runs: never skipped there
        pytest.skip("run with the fuzz tests above")
    with capsys.disabled():
        print(f"\nYAML structure fuzz: {FIGURES['examples']} examples ({FIGURES['invalid']} tables surely invalid, "
              f"{FIGURES['accepted']} tables accepted by the whole pipeline), {FIGURES['problems']} problems, "
              f"all placed; "
              f"{FIGURES['tracebacks']} tracebacks; {FIGURES['seconds']:.1f} s in the reader and pipeline")
    assert FIGURES["examples"] >= 2000 and FIGURES["tracebacks"] == 0
