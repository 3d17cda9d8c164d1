"""`surveybuild paper` (invoke build-paper): fails loud, traces LaTeX's complaints to the YAML, skips TeX when nothing changed.

The log reader and the tracer are tested on small logs; one module-scoped copy of
tests/fixtures/mini is compiled for real a few times (a TeX run takes ~1.5 s).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import require_tool
from surveybuild import cli
from surveybuild.build import pipeline as build
from surveybuild.build import texrun
from surveybuild.readers.read import read_survey
from surveybuild.build.texlog import LogEntry, read_log
from surveybuild.build.textrace import row_lines, trace

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def copy_mini(dest: Path) -> Path:
    shutil.copytree(MINI, dest)
    shutil.rmtree(dest / "paper" / "build", ignore_errors=True)
    return dest


# -- the log reader ---------------------------------------------------------------

@pytest.mark.parametrize("log, expected", [
    pytest.param("(./main.tex\nLaTeX Warning: Reference `tab:nowhere' on page 1 undefined on input line 13.\n)",
                 [("reference", "tab:nowhere", "main.tex", 13)], id="reference"),
    pytest.param("(./main.tex (./tables/models.tex\n"
                 "Package natbib Warning: Citation `nokey' on page 1 undefined on input line 11.\n))",
                 [("citation", "nokey", "tables/models.tex", 11)], id="citation_in_table"),
    pytest.param("(./main.tex (./tables/a.tex) (./tables/b.tex)\n"
                 "LaTeX Warning: Citation `k' on page 2 undefined on input line 40.\n)",
                 [("citation", "k", "main.tex", 40)], id="closed_files_are_popped"),
    pytest.param("(./main.tex (build/main.aux\nLaTeX Warning: Label `tab:x' multiply defined.\n))",
                 [("label", "tab:x", "build/main.aux", 0)], id="label"),
    pytest.param("(./main.tex\n! LaTeX Error: File `nosuch.sty' not found.\n\nType X to quit.\n"
                 "l.10 \\usepackage\n           {url}\n./main.tex:10: Emergency stop.\n)",
                 [("missing-file", "nosuch.sty", "main.tex", 10)], id="missing_package"),
    pytest.param("(./main.tex (./tables/models.tex\n./tables/models.tex:12: Undefined control sequence.\n"
                 "l.12 ... & \\foo\n           OPT & Yes (\\\\\n",
                 [("error", "", "tables/models.tex", 12)], id="file_line_error"),
    pytest.param("(./main.tex (./tables/models.tex\nOverfull \\hbox (6.5pt too wide) in paragraph at lines 12--12\n"
                 "[]|\\T1/lmr/m/n/8 T(LU [[]][]|\n []\n\n"
                 "LaTeX Warning: Reference `r' on page 1 undefined on input line 14.\n))",
                 [("overfull", "6.5pt", "tables/models.tex", 12), ("reference", "r", "tables/models.tex", 14)],
                 id="box_contents_are_not_file_names"),
])
def test_read_log(log, expected):
    assert [(e.kind, e.name, e.file, e.line) for e in read_log(log)] == expected


def test_read_log_ignores_summaries_and_reports_each_once():
    log = ("(./main.tex\nLaTeX Warning: Reference `a' on page 1 undefined on input line 3.\n"
           "LaTeX Warning: Reference `a' on page 1 undefined on input line 3.\n"
           "LaTeX Warning: There were undefined references.\nPackage natbib Warning: There were undefined citations.\n)")
    assert [(e.kind, e.name) for e in read_log(log)] == [("reference", "a")]


# -- the tracer (no TeX) -----------------------------------------------------------

@pytest.fixture(scope="module")
def mini_built(tmp_path_factory):
    root = copy_mini(tmp_path_factory.mktemp("traced") / "mini")
    assert build.build(root).ok
    survey = read_survey(root)
    texts = {rel: (root / rel).read_text("utf-8")
             for rel in ("paper/main.tex", "paper/tables/models.tex", "paper/tables/datasets.tex")}
    return root, survey, texts


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_row_lines_map_generated_lines_to_rows(mini_built):
    _, survey, texts = mini_built
    table = survey.table("models")
    rows = row_lines(table, survey.settings, texts["paper/tables/models.tex"])
    assert rows[_line_of(texts["paper/tables/models.tex"], "Claude")].name == "Claude"
    assert row_lines(table, survey.settings, "stale\n" + texts["paper/tables/models.tex"]) == {}


def test_trace_points_at_yaml_rows_notes_and_tex_columns(mini_built):
    _, survey, texts = mini_built
    models = texts["paper/tables/models.tex"]
    entries = [
        LogEntry("citation", "bai2022constitutional", "tables/models.tex", _line_of(models, "Claude")),
        LogEntry("overfull", "9pt", "tables/models.tex", _line_of(models, "Alpaca"), _line_of(models, "Alpaca")),
        LogEntry("label", "tn:models:tokens", "build/main.aux"),
        LogEntry("reference", "tab:model", "main.tex", _line_of(texts["paper/main.tex"], "A survey")),
    ]
    texts = dict(texts, **{"paper/main.tex": texts["paper/main.tex"].replace("A survey", "A survey \\ref{tab:model}")})
    problems = trace(entries, survey, texts)
    by_kind = {e.kind: p for e, p in zip(entries, problems)}
    cite = by_kind["citation"]
    assert cite.source.path == "tables/models.yaml" and cite.severity == "error"
    assert "row 'Claude'" in cite.message and "bai2022constitutional" in cite.message
    assert models.splitlines()[0].endswith("edit that file, not this one.")
    box = by_kind["overfull"]
    assert box.severity == "warning" and box.source.path == "tables/models.yaml" and "row 'Alpaca'" in box.message
    label = by_kind["label"]
    assert label.source.path == "tables/models.yaml" and "note 'tokens'" in label.message
    ref = by_kind["reference"]
    assert (ref.source.path, ref.source.col) == ("paper/main.tex", 15) and "tab:model" in ref.message
    assert "did you mean 'tab:models'" in ref.hint
    # a box overfull by 1pt or less is no visible defect: not reported (texlog.FUZZ_PT)
    slight = LogEntry("overfull", "0.8pt", "tables/models.tex", _line_of(models, "Alpaca"), _line_of(models, "Alpaca"))
    assert trace([slight], survey, texts) == []


# -- real builds -------------------------------------------------------------------

@pytest.fixture(scope="module")
def mini_paper(tmp_path_factory):
    require_tool("latexmk")
    root = copy_mini(tmp_path_factory.mktemp("paper") / "mini")
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    return root


def test_second_build_does_not_start_tex(mini_paper, monkeypatch, capsys):
    def no_tex(*args, **kwargs):
        raise AssertionError("latexmk was started although no input changed")

    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started although no input changed: {args[0] if args else kwargs}")

    monkeypatch.setattr(texrun, "run_latexmk", no_tex)
    monkeypatch.setattr(subprocess, "run", no_process)  # nor the measuring TeX run (texmeasure)
    assert (mini_paper / "paper" / "tables" / "widths.json").is_file()  # the first build measured the cells
    assert cli.main(["-C", str(mini_paper), "paper"]) == 0
    assert "TeX not run" in capsys.readouterr().err


def test_undefined_reference_fails_the_build_then_a_fix_rebuilds(mini_paper, capsys):
    main = mini_paper / "paper" / "main.tex"
    original = main.read_text("utf-8")
    good_pdf = (mini_paper / "paper" / "build" / "main.pdf").read_bytes()
    main.write_text(original.replace("\\section{Mini}", "\\section{Mini}\nSee Table~\\ref{tab:nowhere}."), "utf-8")
    try:
        assert cli.main(["-C", str(mini_paper), "paper"]) == 1
        err = capsys.readouterr().err
        assert "paper/main.tex:13:" in err and "undefined reference 'tab:nowhere'" in err
        # a failed build is not remembered as good: the next run compiles again and fails again
        report = build.paper(mini_paper)
        assert not report.ok and any("running latexmk" in line for line in report.info)
    finally:
        main.write_text(original, "utf-8")
    # the fix restores the inputs of the last good build, whose PDF the failures left as it was
    report = build.paper(mini_paper)
    assert report.ok and report.unchanged[-1] == "paper/build/main.pdf"
    assert (mini_paper / "paper" / "build" / "main.pdf").read_bytes() == good_pdf


def test_changed_table_reruns_tex(mini_paper):
    yaml = mini_paper / "tables" / "models.yaml"
    yaml.write_text(yaml.read_text("utf-8").replace("Size counted in tokens.", "Size in tokens."), "utf-8")
    report = build.paper(mini_paper)
    assert report.ok, "\n".join(map(str, report.problems))
    assert any("changed: paper/tables/models.tex" in line for line in report.info)
    assert "paper/build/main.pdf" in report.written


def test_a_log_that_asks_for_a_rerun_gets_one(mini_paper, monkeypatch):
    """latexmk decides by time stamps and sizes first: a longtable width that changes to one of the same length
    within the same second goes unseen, and the PDF keeps the widths of the run before (the arXiv test's text
    order once differed so). The build reads the last log: while it asks for a rerun, TeX runs again."""
    real, calls = texrun.run_latexmk, []

    def once_unsettled(main_tex, *args, **kwargs):
        proc = real(main_tex, *args, **kwargs)
        calls.append(main_tex)
        if len(calls) == 1:  # as if latexmk had missed the change: the log still asks
            log = main_tex.parent / "build" / "work" / (main_tex.stem + ".log")
            log.write_text(log.read_text("utf-8", errors="replace")
                           + "\nPackage longtable Warning: Table widths have changed. Rerun LaTeX.\n\n", "utf-8")
        return proc

    monkeypatch.setattr(texrun, "run_latexmk", once_unsettled)
    main = mini_paper / "paper" / "main.tex"
    original = main.read_text("utf-8")
    main.write_text(original.replace("\\section{Mini}", "\\section{Mini}\nA sentence more."), "utf-8")
    try:
        report = build.paper(mini_paper)
    finally:
        main.write_text(original, "utf-8")
    assert report.ok, "\n".join(map(str, report.problems))
    assert len(calls) == 2 and any("TeX asked for another run" in line for line in report.info)
    assert not texrun.asks_rerun(mini_paper / "paper" / "build" / "main.log")
    assert texrun.asks_rerun.__doc__ and texrun.SETTLE_RUNS >= 1


def test_problems_from_generated_tables_are_traced_to_yaml(tmp_path):
    """Check would catch these before TeX; here the tables are written without it, to see TeX's side."""
    require_tool("latexmk")
    root = copy_mini(tmp_path / "mini")
    models = root / "tables" / "models.yaml"
    text = models.read_text("utf-8")
    text = text.replace("{key: base, title: Base Model, type: latex}", "{key: base, title: Base Model, type: latex, width: 1cm}")
    text = text.replace("base: LLaMA~", "base: LLaMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA~")
    text = text.replace("cite: bai2022constitutional", "cite: [bai2022constitutional, nosuchkey2023]")
    # fit: natural keeps the 1cm width that the long word overflows (else the fitting sets the width aside)
    text = text.replace("caption: Instruction-tuned models.", "caption: Instruction-tuned models.\nlabel: tab:datasets"
                        "\nfit: natural")
    models.write_text(text, "utf-8")
    survey = read_survey(root)
    outputs, _ = build.render_outputs(survey)
    for rel, out in outputs.items():
        build.write_atomic(root / rel, out)
    result = texrun.build_pdf(root, survey)
    shown = "\n".join(map(str, result.problems))
    cite = next(p for p in result.problems if "undefined citation 'nosuchkey2023'" in p.message)
    assert str(cite.source).startswith("tables/models.yaml:") and "row 'Claude'" in cite.message, shown
    label = next(p for p in result.problems if "'tab:datasets' is multiply defined" in p.message)
    assert {label.source.path, label.hint.split(" at ")[1].split(":")[0]} == {"tables/models.yaml", "tables/datasets.yaml"}
    wide = next(p for p in result.problems if p.severity == "warning" and "too wide" in p.message)
    assert "row 'Alpaca', column 'base'" in wide.message and wide.source.path == "tables/models.yaml", shown
    assert result.pdf is None and not (root / "paper" / "build" / texrun.STATE_FILE).exists()
