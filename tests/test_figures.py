"""Figures drawn from table rows: dates, layout, placed errors, the two outputs, drift, and the drawing cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveybuild.build import pipeline as build
from surveybuild.build import cache
from surveybuild.figures import plot as figures
from surveybuild.model import BibEntry, Column, Figure, Line, Row, Settings, Source, Survey, Table, Value
from surveybuild.readers.read import read_survey
from surveybuild.build.stamp import stamp_json

from conftest import ROOT, edit, locate

TABLE = """\
caption: Models.
columns:
  - {key: name, title: Model}
  - {key: kind, title: Kind}
  - {key: date, title: Released, show: none}
rows:
  - name: Alpha
    cite: alpha2023
    kind: open
  - name: Beta
    cite: beta2022
    kind: closed
  - name: Gamma
    kind: open
    date: 2023-07
  - name: Delta
    cite: alpha2023
    kind: open
    date: unknown
  - name: Epsilon
    kind: closed
"""
BIB = """\
@article{alpha2023, title = {Alpha}, author = {A. Author}, journal = {arXiv preprint arXiv:2303.08774}, year = {2023}}
@misc{beta2022, title = {Beta}, author = {B. Author}, eprint = {2210.11416}, archivePrefix = {arXiv}, year = {2022}}
"""
TIMELINE = """\
# yaml-language-server: $schema=../schema/figure.schema.json
kind: timeline
caption: Models by release date.
tables: [models]
date: {column: date, from: arxiv}
by: kind
"""
TEMPLATE = '# Survey\n\n{{ figure("timeline") }}\n\n{{ table("models") }}\n\n{{ references() }}\n'


def make_survey(root: Path, figure: str = TIMELINE, table: str = TABLE) -> Path:
    for rel, text in {"tables/models.yaml": table, "refs.bib": BIB, "figures/timeline.yaml": figure,
                      "templates/README.md.j2": TEMPLATE,
                      "paper/main.tex": "\\documentclass{article}\\begin{document}\\end{document}\n"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    return root


@pytest.mark.parametrize("raw, month", [
    ("2023-03", 2023 * 12 + 2), ("1999-12", 1999 * 12 + 11), (2021, 2021 * 12 + 6), ("2021", 2021 * 12 + 6),
    ("2023-13", None), ("2023-3", None), ("March 2023", None), (True, None), (None, None), ("", None),
])
def test_parse_month(raw, month):
    assert figures.parse_month(raw) == month


@pytest.mark.parametrize("fields, month", [
    ((("eprint", "2303.08774"), ("archiveprefix", "arXiv")), "2023-03"),
    ((("journal", "arXiv preprint arXiv:2106.09685"),), "2021-06"),
    ((("url", "https://arxiv.org/abs/hep-th/9901001v2"),), "1999-01"),
    ((("url", "https://example.org/paper"),), None),
])
def test_arxiv_month_is_the_ids_yymm(fields, month):
    x = figures.arxiv_month(BibEntry("k", "misc", fields, Source("refs.bib", 1, 1)))
    assert (figures.month_text(x) if x is not None else None) == month


def test_plan_takes_written_dates_derives_the_rest_and_counts_the_undated(tmp_path):
    survey = read_survey(make_survey(tmp_path))
    plot, problems = figures.plan(survey.figures[0], survey)
    assert problems == []
    dated = {i.label: figures.month_text(i.x) for i in plot.items}
    # Alpha from its arXiv id, Beta from its eprint, Gamma as written; Delta says 'unknown' (not derived
    # from its cite), Epsilon has neither
    assert dated == {"Alpha": "2023-03", "Beta": "2022-10", "Gamma": "2023-07"}
    assert plot.undated == 2
    assert [s.title for s in plot.series] == ["open", "closed"]
    assert {i.label: plot.series[i.series].key for i in plot.items} == {"Alpha": "open", "Beta": "closed",
                                                                          "Gamma": "open"}


def _survey_of(rows: list[tuple[str, int]]) -> tuple[Survey, Figure]:
    where = Source("tables/t.yaml", 1, 1)
    table = Table("t", "T.", "tab:t", (Column("name", "Name", source=where), Column("date", "D", show="none")),
                  tuple(Row(i, name, Line((("name", Value(name, where)), ("date", Value(date, where)))), source=where)
                        for i, (name, date) in enumerate(rows)))
    figure = Figure("f", "timeline", "F.", "F", (("t", where),), ("date", where), None, (None, where),
                    ("table", where))
    return Survey(".", Settings(), (table,), (),
                  figures=(figure,)), figure


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=24),
                          st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(2019, 2024), st.integers(1, 12))),
                min_size=1, max_size=40))
def test_no_two_labels_on_one_line_overlap(rows):
    survey, figure = _survey_of(rows)
    plot, problems = figures.plan(figure, survey)
    assert problems == [] and len(plot.items) == len(rows)
    per_inch = (plot.x_range[1] - plot.x_range[0]) / figures.AXIS_WIDTH_IN
    by_line: dict[float, list] = {}
    for item in plot.items:
        by_line.setdefault(item.y, []).append(item)
        assert plot.x_range[0] < item.x and item.x + figures._extent(item.label, per_inch) <= plot.x_range[1]
    for items in by_line.values():
        items.sort(key=lambda i: i.x)
        for left, right in zip(items, items[1:]):  # a label ends before the next dot on its line
            assert left.x + figures._extent(left.label, per_inch) <= right.x - 0.5 * figures.LABEL_GAP_IN * per_inch


@pytest.mark.parametrize("where, old, new, needle, message", [
    ("figures/timeline.yaml", "tables: [models]", "tables: [modles]", "modles",
     "figure 'timeline': no table 'modles' (did you mean 'models'?)"),
    ("figures/timeline.yaml", "by: kind", "by: knid", "knid",
     "figure 'timeline': table 'models' has no 'by' column 'knid' (did you mean 'kind'?; or use 'table' or 'group')"),
    ("figures/timeline.yaml", "{column: date,", "{column: released,", "released",
     "figure 'timeline': table 'models' has no date column 'released'"),
    ("tables/models.yaml", "date: 2023-07", "date: 2023-7", "2023-7",
     "figure 'timeline': row 'Gamma' of table 'models': date '2023-7' is not a month"),
    ("figures/timeline.yaml", "by: kind", "lanes: kind", "lanes", "figure: unknown field 'lanes'"),
    ("figures/timeline.yaml", "kind: timeline", "kind: pie", "pie", "kind: 'pie' is not allowed (use one of: timeline, count)"),
])
def test_bad_definitions_get_placed_errors_and_nothing_is_written(tmp_path, where, old, new, needle, message):
    root = make_survey(tmp_path)
    edit(root / where, old, new)
    report = build.build(root)
    assert not report.ok and report.written == []
    texts = [str(p) for p in report.errors]
    assert any(t.startswith(f"{locate(root / where, needle, root)}: error: {message}") for t in texts), texts
    assert not (root / "figures" / "timeline.svg").exists()


def test_build_writes_both_themes_the_paper_figure_and_the_picture(tmp_path):
    root = make_survey(tmp_path)
    report = build.build(root)
    assert report.ok, [str(p) for p in report.problems]
    assert {"figures/timeline.svg", "figures/timeline-dark.svg", "paper/figures/timeline.tex",
            "paper/figures/timeline.pgf", "schema/figure.schema.json"} <= set(report.written)
    readme = (root / "README.md").read_text("utf-8")
    assert ('<picture>\n  <source media="(prefers-color-scheme: dark)" srcset="figures/timeline-dark.svg">\n'
            '  <img alt="Models by release date." src="figures/timeline.svg">\n</picture>') in readme
    light, dark = ((root / "figures" / f).read_text("utf-8") for f in ("timeline.svg", "timeline-dark.svg"))
    assert light != dark and "#1f2328" in light and "#e6edf3" in dark  # the text colour of each theme
    assert "<dc:date>" not in light  # no build date: a rebuild is byte-identical
    tex = (root / "paper" / "figures" / "timeline.tex").read_text("utf-8")
    picture = (root / "paper" / "figures" / "timeline.pgf").read_text("utf-8")
    # the float includes the picture drawn by `surveybuild paper`; the picture is the pgfplots code
    assert "\\includegraphics{build/figures/timeline.pdf}" in tex and "\\label{fig:timeline}" in tex
    assert "pgfplots" not in tex.replace("drawn with pgfplots", "") and "\\begin{axis}" not in tex
    assert "\\begin{axis}" in picture and "{Alpha}" in picture and "\\begin{figure}" not in picture
    assert (root / "paper" / "tables" / "preamble.tex").read_text("utf-8").count("\\usepackage{graphicx}") == 1
    assert (root / "schema" / "figure.schema.json").read_text("utf-8") == \
        stamp_json((ROOT / "src" / "surveybuild" / "figure.schema.json").read_text("utf-8"))


def test_drawn_alike_in_two_processes_and_check_catches_drift(tmp_path):
    """Byte-identical across processes (different hash seeds, no cache), and each output drift-checked."""
    outputs = {}
    for name, seed in (("a", "1"), ("b", "2")):
        root = make_survey(tmp_path / name)
        done = subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(root), "build"], capture_output=True,
                              text=True, env={"PYTHONHASHSEED": seed, "PATH": ""})
        assert done.returncode == 0, done.stderr
        outputs[name] = {rel: (root / rel).read_bytes() for rel in
                         ("figures/timeline.svg", "figures/timeline-dark.svg", "paper/figures/timeline.tex",
                          "paper/figures/timeline.pgf")}
    assert outputs["a"] == outputs["b"]
    root = tmp_path / "a"
    assert build.check(root).ok
    for rel in outputs["a"]:
        original = (root / rel).read_text("utf-8")
        changed = original.replace("Alpha", "Alpho", 1) if "Alpha" in original else \
            original.replace("\\centering", "\\raggedright", 1)
        assert changed != original
        (root / rel).write_text(changed, "utf-8")
        report = build.check(root)
        assert [p.source.path for p in report.errors] == [rel]
        assert "differs from what the sources generate" in report.errors[0].message
        (root / rel).write_text(original, "utf-8")
    edit(root / "tables" / "models.yaml", "date: 2023-07", "date: 2023-09")  # the data moves a dot
    # the dot moves in the SVGs and the picture; the float (caption, label, file name) stays
    assert sorted(p.source.path for p in build.check(root).errors) == sorted(
        rel for rel in outputs["a"] if rel != "paper/figures/timeline.tex")


def _build_in_subprocess(root: Path) -> set[str]:
    code = ("import sys; from surveybuild.cli import main; status = main(['-C', sys.argv[1], 'build']); "
            "print(' '.join(sorted(sys.modules))); sys.exit(status)")
    done = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_matplotlib_is_imported_only_when_a_figure_is_redrawn(tmp_path):
    root = make_survey(tmp_path)
    assert "matplotlib" in _build_in_subprocess(root)  # the first build draws
    svg = (root / "figures" / "timeline.svg").read_bytes()
    edit(root / "templates" / "README.md.j2", "# Survey", "# A survey")  # not the figure's data
    assert "matplotlib" not in _build_in_subprocess(root)  # a build, but the drawing comes from the cache
    assert "A survey" in (root / "README.md").read_text("utf-8")
    edit(root / "tables" / "models.yaml", "Epsilon", "Zeta")  # an undated row: the plot is the same
    assert "matplotlib" not in _build_in_subprocess(root)
    edit(root / "tables" / "models.yaml", "date: 2023-07", "date: 2023-11")
    assert "matplotlib" in _build_in_subprocess(root)
    assert (root / "figures" / "timeline.svg").read_bytes() != svg
    assert len(list((root / cache.DRAWINGS).glob("*.svg"))) == 2  # light and dark of this plot; the old gone


def test_a_figure_whose_source_is_gone_is_removed(tmp_path):
    root = make_survey(tmp_path)
    assert build.build(root).ok
    (root / "figures" / "timeline.yaml").unlink()
    edit(root / "templates" / "README.md.j2", '{{ figure("timeline") }}', "")
    assert sorted(p.source.path for p in build.check(root).errors) == [
        "README.md", "figures/timeline-dark.svg", "figures/timeline.svg", "paper/figures/timeline.pgf",
        "paper/figures/timeline.tex", "paper/tables/preamble.tex"]  # the preamble: no graphicx needed any more
    report = build.build(root)
    assert report.ok and not (root / "figures" / "timeline.svg").exists()
    assert not (root / "paper" / "figures" / "timeline.tex").exists()
    assert not (root / "paper" / "figures" / "timeline.pgf").exists()


def test_count_chart_counts_rows_per_year_and_group(tmp_path):
    count = TIMELINE.replace("kind: timeline", "kind: count")
    survey = read_survey(make_survey(tmp_path, figure=count))
    plot, problems = figures.plan(survey.figures[0], survey)
    assert problems == []
    assert plot.years == (2022, 2023)
    assert dict(zip([s.key for s in plot.series], plot.counts)) == {"open": (0, 2), "closed": (1, 0)}


def test_embedded_survey_timeline_dates():
    """The embedded survey's timeline: 29 of its 37 models are dated (26 by arXiv id, 3 by hand)."""
    survey = read_survey(ROOT)
    plot, problems = figures.plan(survey.figure("timeline"), survey)
    assert problems == []
    assert (len(plot.items), plot.undated) == (29, 8)
    dated = {i.label: figures.month_text(i.x) for i in plot.items}
    assert dated["InstructGPT"] == "2022-03" and dated["Alpaca"] == "2023-03" and "ChatGLM2" not in dated


def test_hostile_labels_are_text_in_both_outputs(tmp_path):
    hostile = r"\write18{rm -rf x}\input{/etc/passwd} $&%#_ </text><script>alert(1)</script>"
    root = make_survey(tmp_path, table=TABLE.replace("name: Alpha", f"name: '{hostile}'"),
                       figure=TIMELINE.replace("caption: Models by release date.",
                                               'caption: Models.\nalt: \'"><script>alert(2)</script>\''))
    assert build.build(root).ok
    svgs = [(root / "figures" / f).read_text("utf-8") for f in ("timeline.svg", "timeline-dark.svg")]
    readme = (root / "README.md").read_text("utf-8")
    assert all("<script" not in svg and "&lt;script&gt;" in svg for svg in svgs)  # the alt text, escaped
    assert "<script>alert(2)" not in readme and 'alt="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in readme
    tex = (root / "paper" / "figures" / "timeline.pgf").read_text("utf-8")  # the picture, with the labels
    assert "\\write18" not in tex and "\\input{/etc" not in tex
    assert "\\textbackslash{}write18\\{rm -rf x\\}" in tex and "\\$\\&\\%\\#\\_" in tex


def test_the_timeline_axis_names_the_year_at_its_first_tick_and_every_january(tmp_path):
    """The first tick read "Apr" alone: it names its year ("Apr 2023"), as every January tick does, in the
    README's SVG and in the paper's pgfplots code alike."""
    assert figures.month_ticks(2023 * 12 + 2, 2024 * 12 + 5) == [
        (2023 * 12 + 3, "Apr 2023"), (2023 * 12 + 6, "Jul"), (2023 * 12 + 9, "Oct"), (2024 * 12, "2024"),
        (2024 * 12 + 3, "Apr")]
    assert figures.month_ticks(2023 * 12, 2023 * 12 + 4)[0] == (2023 * 12, "2023")
    root = make_survey(tmp_path)
    assert build.build(root).ok
    survey = read_survey(root)
    plot, _ = figures.plan(survey.figure("timeline"), survey)
    ticks = figures.month_ticks(*plot.x_range)
    first = ticks[0][1]
    assert str(ticks[0][0] // 12) in first
    tex = (root / "paper" / "figures" / "timeline.pgf").read_text("utf-8")
    svg = (root / "figures" / "timeline.svg").read_text("utf-8")
    for x, text in ticks:
        assert (f"\\textbf{{{text}}}" if x % 12 == 0 else text) in tex
        assert f"<!-- {text} -->" in svg
