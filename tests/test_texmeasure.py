"""Cell widths measured by TeX (build/texmeasure.py, readers/widthsread.py) and their use by the fit (fit.plan).

Three small TeX runs: the mini survey's cells measured (and one width compared with TeX's own
``\\settowidth``), a one-row edit, and texts that TeX cannot set. Everything else is pure.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import edit, require_tool
from surveybuild.build import cache, texmeasure
from surveybuild.build import pipeline as build
from surveybuild.build.texrun import tex_env
from surveybuild.model import MeasuredWidths
from surveybuild.readers import widthsread
from surveybuild.readers.read import read_survey
from surveybuild.renderers import fit, latex


def _update(root: Path) -> texmeasure.Measurement:
    """Measure what the committed file lacks, and commit it (as ``surveybuild paper`` does)."""
    survey = read_survey(root)
    result = texmeasure.update(root, survey)
    if result.text is not None:
        (root / texmeasure.file_path_of(survey.settings.paper)).write_text(result.text, "utf-8")
    return result


def _no_tex(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"TeX was started: {args[0] if args else kwargs}")
    monkeypatch.setattr(subprocess, "run", refuse)


# --- the committed file ---------------------------------------------------------------------------

def test_the_widths_file_round_trips_byte_for_byte():
    widths = MeasuredWidths("pdflatex", "abc", {("scriptsize", "b"): (1.0, 1.0), ("footnotesize", "z \\'e"): (20.1234, 9.5),
                                                ("footnotesize", "\\bad"): None})
    text = texmeasure.render(widths)
    parsed, problems = widthsread.parse(text, "paper/tables/widths.json")
    assert not problems and parsed.widths == {("scriptsize", "b"): (1.0, 1.0), ("footnotesize", "z \\'e"): (20.123, 9.5),
                                              ("footnotesize", "\\bad"): None}
    assert texmeasure.render(parsed) == text  # the same widths, the same bytes: no churn in git
    assert text.index('"\\\\bad"') < text.index('"z') < text.index('"scriptsize"')  # sorted, one a line


@pytest.mark.parametrize("text", ["{", '{"format": 1, "engine": "pdflatex", "preamble": "x", "widths": [["f", "t", -1, 2]]}',
                                  '{"format": 9, "engine": "pdflatex", "preamble": "x", "widths": []}',
                                  '{"format": 1, "engine": "pdflatex", "preamble": "x", "widths": [["f", "t", "1", 2]]}'])
def test_a_widths_file_surveybuild_did_not_write_is_ignored_with_a_warning(text):
    parsed, problems = widthsread.parse(text, "paper/tables/widths.json")
    assert parsed.widths == {}
    assert [p.severity for p in problems] == ["warning"] and "paper/tables/widths.json" in str(problems[0])


# --- the log and the measuring document --------------------------------------------------------------

def test_the_log_is_read_by_nonce_and_a_text_that_made_an_error_is_left_out():
    log = "\n".join(["sbwabc:0:10.0pt:5.0pt",
                     "sbwxyz:1:999.0pt:999.0pt",  # another nonce: a text's forgery
                     "! Undefined control sequence.",
                     "sbwabc:1:30.0pt:30.0pt",  # after an error: dropped
                     "sbwabc:2:7.5pt:2.5pt",
                     "sbwabc:end"])
    widths, failed = texmeasure.read_log(log, "abc", 4)
    assert widths == {0: (10.0, 5.0), 2: (7.5, 2.5)}
    assert failed == {1, 3}  # 3: the document ran to its end without it
    # a run that stopped (fatal error): only the text it stopped at failed, the rest are tried again
    widths, failed = texmeasure.read_log("sbwabc:0:1.0pt:1.0pt\n! Emergency stop.", "abc", 4)
    assert widths == {0: (1.0, 1.0)} and failed == {1}


@pytest.mark.parametrize("text,ok", [("plain", True), (r"\textbf{x} \{ \}", True), ("a}b{", False), ("{", False),
                                     ("50% of", False), (r"x \end{document} y", False), (r"\endinput", False),
                                     (r"\input{/etc/passwd}", False), (r"\catcode`\{=12", False),
                                     (r"\immediate\write18{ls}", False)])
def test_a_text_that_could_leave_its_box_is_not_measured(text, ok):
    assert texmeasure.balanced(text) is ok


def test_the_measuring_document_is_the_papers_preamble_then_one_line_a_text():
    main = "\\documentclass{article}\n% \\begin{document} in a comment\n\\usepackage{lmodern}\n\\begin{document}\nx\n"
    preamble = texmeasure.preamble_of(main)
    assert preamble.endswith("\\usepackage{lmodern}\n")
    doc = texmeasure.document(preamble, [("footnotesize", "A"), ("scriptsize", r"\textbf{B}")], "qq")
    assert doc.startswith(preamble) and "\\sbwqqone{1}{scriptsize}{\\textbf{B}}\n" in doc
    assert doc.count("\n\\begin{document}") == 1 and doc.rstrip().endswith("\\end{document}")
    assert texmeasure.preamble_key("pdflatex", preamble) != texmeasure.preamble_key("xelatex", preamble)


# --- the fit uses them ----------------------------------------------------------------------------------

def test_the_fit_uses_measured_widths_where_it_has_them(mini):
    survey = read_survey(mini)
    table = survey.table("models")
    settings = survey.settings
    estimated = latex.TableRenderer(table, settings)
    assert estimated.plan.reason == "natural"
    cell = latex.cell_value(table, table.columns[0], table.rows[0].value("name").raw, settings)
    wide = MeasuredWidths(settings.engine, "k", {(f, cell): (900.0, 20.0) for f in fit.FONTS})
    measured = latex.TableRenderer(table, settings, wide)
    assert measured.plan.reason != "natural"  # one cell TeX found 900 pt wide: the table no longer fits as is
    # another engine's widths are not used
    assert latex.TableRenderer(table, settings, MeasuredWidths("xelatex", "k", wide.widths)).plan == estimated.plan
    # exact widths need no margin: a table measured 98.5% of the line is set natural; with one cell
    # estimated, the estimate's margin (6%) applies and it wraps
    line = fit.dimen_pt(settings.paper_text_width) or 345.0
    columns = latex.paper_columns(table)
    share = (line * 0.985 - 2 * fit.TABCOLSEP * len(columns)) / len(columns)

    def lookup(column, raw, font):
        return (share, 5.0) if column is None else (1.0, 1.0)

    def all_but_one(column, raw, font):
        return None if raw == "7B" else lookup(column, raw, font)
    titles = [c.title for c in columns]
    assert fit.plan(table, columns, titles, settings, lookup).reason == "natural"
    assert fit.plan(table, columns, titles, settings, all_but_one).reason == "wrap"


# --- with TeX -------------------------------------------------------------------------------------------

def test_cells_are_measured_once_and_as_tex_sets_them(mini, monkeypatch):
    require_tool("pdflatex")
    first = _update(mini)
    survey = read_survey(mini)
    assert first.ran and first.measured == len(texmeasure.needed(survey)) > 20
    widths = survey.measured.widths
    assert all(w is not None for w in widths.values())
    # the width is TeX's own: \settowidth in the paper's preamble gives the same
    text = latex.cell_value(survey.table("models"), survey.table("models").columns[3], r"LLaMA~\citep{touvron2023llama}",
                            survey.settings)
    work = mini / "paper" / "build" / "check"
    work.mkdir(parents=True)
    preamble = texmeasure.preamble_of((mini / "paper" / "main.tex").read_text("utf-8"))
    (work / "w.tex").write_text(preamble + "\\begin{document}\\newlength\\w\\settowidth\\w{\\scriptsize "
                                f"{text}}}\\typeout{{W=\\the\\w}}\\end{{document}}\n", "utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-draftmode", "-output-directory=build/check",
                    "build/check/w.tex"], cwd=mini / "paper", env=tex_env([mini / "paper"]), capture_output=True)
    tex_wd = float((work / "w.log").read_text().split("W=")[1].split("pt")[0])
    assert widths[("scriptsize", text)][0] == pytest.approx(tex_wd, abs=0.001)
    estimate = fit.text_width(fit.shown_text(survey.table("models").columns[3], text)) * 8.0  # scriptsize of 10pt
    assert abs(estimate - tex_wd) > 0.5  # so the measurement, not the estimate, is what the file holds
    # a rebuild measures nothing and runs no TeX; build and check read the file and agree
    with monkeypatch.context() as m:
        _no_tex(m)
        again = _update(mini)
        assert not again.ran and again.text is None
        assert build.build(mini).ok
        report = build.check(mini)
        assert report.ok, "\n".join(map(str, report.problems))
    # a one-row edit measures only its new texts, in one TeX run
    edit(mini / "tables" / "models.yaml", "    params: 6.7B\n", "    params: 6.75B\n")
    third = _update(mini)
    assert third.ran and third.measured == 2  # "6.75B" at footnotesize and scriptsize
    assert ("footnotesize", "6.75B") in read_survey(mini).measured.widths
    assert ("footnotesize", "6.7B") not in read_survey(mini).measured.widths  # the file holds what is used


def test_a_text_tex_cannot_set_is_estimated_and_not_tried_again(mini, monkeypatch):
    require_tool("pdflatex")
    texts = {("footnotesize", r"\nosuchmacro x"), ("footnotesize", "a}b"), ("footnotesize", "fine"),
             ("footnotesize", r"\typeout{sbwforged:2:999pt:999pt}ok")}
    monkeypatch.setattr(texmeasure, "needed", lambda survey: texts)
    first = _update(mini)
    widths = read_survey(mini).measured.widths
    assert first.ran and widths[("footnotesize", r"\nosuchmacro x")] is None
    assert ("footnotesize", "a}b") not in widths  # never given to TeX
    assert "a}b" not in (mini / "paper" / texmeasure.WORK_DIR / f"{texmeasure.JOB}.tex").read_text("utf-8")
    assert widths[("footnotesize", "fine")][0] == pytest.approx(11.6, abs=2)
    assert widths[("footnotesize", r"\typeout{sbwforged:2:999pt:999pt}ok")][0] < 20  # the forgery did not count
    _no_tex(monkeypatch)
    assert not _update(mini).ran  # the failure is remembered: a no-op runs no TeX


def test_a_new_widths_file_is_an_input_of_the_build_not_a_no_op(built_mini):
    assert cache.WIDTHS_FILE == widthsread.WIDTHS_FILE  # cache.py imports no reader: two names, one path
    survey = read_survey(built_mini)
    table = survey.table("models")
    cell = latex.cell_value(table, table.columns[0], table.rows[0].value("name").raw, survey.settings)
    rel = texmeasure.file_path_of(survey.settings.paper)
    before = (built_mini / "paper" / "tables" / "models.tex").read_text("utf-8")
    (built_mini / rel).write_text(texmeasure.render(MeasuredWidths(survey.settings.engine, "k", {
        (f, cell): (900.0, 20.0) for f in fit.FONTS})), "utf-8")
    report = build.build(built_mini)
    assert "paper/tables/models.tex" in report.written  # the cache saw the file: not a no-op
    assert (built_mini / "paper" / "tables" / "models.tex").read_text("utf-8") != before
    assert build.check(built_mini).ok
