"""The PDF is right, or `surveybuild paper` fails: failed, concurrent, killed and moved builds.

Every trial compiles tests/fixtures/mini for real. Each trial puts a new token into the
models table's caption, so pdftotext tells which inputs a PDF was built from: a PDF that
a run calls up to date (or just wrote) must be readable and show the latest token.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import MINI, copy_survey, require_tool
from surveybuild import cli
from surveybuild.build import pipeline as build
from surveybuild.build import texrun
from surveybuild.readers.read import read_survey
from surveybuild.build.texlog import LogEntry, stopped_at_error

CAPTION = "caption: Instruction-tuned models."
UP_TO_DATE = "TeX not run"
LEAN_DROPS = ("\\usepackage{hyperref}", "\\usepackage{pdflscape}", "\\usepackage[utf8]{inputenc}")


def pdf_of(root: Path) -> Path:
    return root / "paper" / "build" / "main.pdf"


def pdf_text(pdf: Path) -> str | None:
    """The PDF's text, or None when poppler cannot read it."""
    proc = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def set_token(root: Path, token: str) -> None:
    """Put ``token`` into the models table's caption (the only change to the inputs)."""
    path = root / "tables" / "models.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    caption = f"{CAPTION[:-1]} {token}." if token else CAPTION
    lines = [caption + "\n" if line.startswith(CAPTION[:-1]) else line for line in lines]
    path.write_text("".join(lines), "utf-8")


def ran_tex(report: build.Report) -> bool:
    return any(line.startswith("running latexmk") for line in report.info)


def says_up_to_date(report: build.Report) -> bool:
    return any(UP_TO_DATE in line for line in report.info)


def assert_shows(root: Path, token: str) -> None:
    text = pdf_text(pdf_of(root))
    assert text is not None, "the PDF is unreadable"
    assert token in text, f"the PDF does not show the latest inputs ({token})"


def cli_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "surveybuild", "-C", str(root), "paper"]


@pytest.fixture(scope="module")
def paper_root(tmp_path_factory):
    """A copy of the mini survey whose paper was built once; each test leaves it building cleanly."""
    require_tool("latexmk")
    require_tool("pdftotext")
    root = copy_survey(MINI, tmp_path_factory.mktemp("reliable") / "mini")
    main = root / "paper" / "main.tex"  # leaner: a third less TeX time per trial, the same tables and citations
    main.write_text("".join(line for line in main.read_text("utf-8").splitlines(keepends=True)
                            if not line.startswith(LEAN_DROPS)), "utf-8")
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    return root


@contextmanager
def edited(path: Path, old: str, new: str):
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{path.name}: expected one {old!r}"
    path.write_text(text.replace(old, new), "utf-8")
    try:
        yield
    finally:
        path.write_text(text, "utf-8")


# -- a failed run keeps the last good PDF -----------------------------------------------------------

REF = "A survey \\citep{zhang2023instruction}."


@pytest.mark.parametrize("rel, old, new, expected", [
    pytest.param("paper/main.tex", REF, REF + " See Table~\\ref{tab:nowhere}.", "undefined reference 'tab:nowhere'",
                 id="missing_ref"),
    pytest.param("paper/main.tex", REF, REF + "\n\\nosuchmacro", "Undefined control sequence", id="latex_error"),
    # (a character pdflatex cannot typeset in a cell, or a missing \\input, is caught before TeX runs)
    pytest.param("paper/main.tex", REF, REF + "\n\\newcommand{\\x}{a}\\newcommand{\\x}{b}", "already defined",
                 id="latex_error_of_another_kind"),
])
def test_a_failed_paper_leaves_the_last_good_pdf_byte_identical(paper_root, capsys, rel, old, new, expected):
    before = pdf_of(paper_root).read_bytes()
    with edited(paper_root / rel, old, new):
        assert cli.main(["-C", str(paper_root), "paper"]) == 1
        err = capsys.readouterr().err
        assert expected in err
        assert pdf_of(paper_root).read_bytes() == before
        assert "paper/build/main.pdf was not replaced (it is still the last good build)" in err
        assert "wrote paper/build/main.pdf" not in err
    # the inputs of the last good build are back: that PDF is theirs, and said to be
    report = build.paper(paper_root)
    assert report.ok and says_up_to_date(report) and pdf_of(paper_root).read_bytes() == before


# -- a TeX error comes first, without its consequences ------------------------------------------------

def test_a_tex_error_is_reported_without_the_follow_on_noise(paper_root):
    main = paper_root / "paper" / "main.tex"
    # a reference and a citation before the error: an unfinished run never defines them
    with edited(main, REF, "A survey \\citep{zhang2023instruction}, Table~\\ref{tab:models}.\n\\nosuchmacro"):
        shutil.rmtree(paper_root / "paper" / "build" / "work")  # a first run: no labels from before
        report = build.paper(paper_root)
    assert [str(p) for p in report.problems] == ["paper/main.tex:11: error: LaTeX error: Undefined control sequence."]
    left_out = [line for line in report.info if "left out" in line]
    assert len(left_out) == 1 and "the run stopped at the error above" in left_out[0]
    assert build.paper(paper_root).ok


def test_a_bibtex_error_is_reported_without_the_undefined_references_of_the_run_it_stopped(paper_root):
    # seen on a public survey: a missing comma between two fields of its .bib; latexmk stopped after BibTeX,
    # and a label defined after its use (a table referred to before it) was reported "undefined (did you mean
    # it?)". The label exists: the undefined reference is the stopped run's, not a cause.
    main, bib = paper_root / "paper" / "main.tex", paper_root / "refs.bib"
    year = "  year = {2023},\n  url = {https://arxiv.org/abs/2306.04751}"
    with edited(main, REF, REF + " Table~\\ref{tab:models}."), edited(bib, year, year.replace(",\n", "\n")):
        shutil.rmtree(paper_root / "paper" / "build" / "work")  # a first run: no labels from before
        report = build.paper(paper_root)
    errors = [str(p) for p in report.problems if p.severity == "error"]
    assert errors and all("BibTeX" in e and e.startswith("refs.bib:") for e in errors), errors
    assert not any("undefined" in str(p) for p in report.problems)
    assert any(line.startswith("the run stopped at the error above") for line in report.info), report.info
    assert build.paper(paper_root).ok


def test_stopped_at_error_keeps_errors_only_when_there_is_one():
    ref = LogEntry("reference", "tab:methods", "main.tex", 3)
    cite = LogEntry("citation", "x", "main.tex", 4)
    error = LogEntry("error", "", "main.tex", 9, 9, "Undefined control sequence.")
    missing = LogEntry("missing-file", "fig.png", "main.tex", 12)
    assert stopped_at_error([ref, cite, error]) == ([error], 2)
    assert stopped_at_error([ref, missing, cite]) == ([missing], 2)
    assert stopped_at_error([ref, cite]) == ([ref, cite], 0)


# -- the record vouches for one PDF, in one folder -----------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "appended", "deleted"])
def test_a_pdf_changed_since_the_build_is_rebuilt(paper_root, damage):
    pdf = pdf_of(paper_root)
    data = pdf.read_bytes()
    if damage == "truncated":
        pdf.write_bytes(data[: len(data) // 2])
    elif damage == "appended":
        pdf.write_bytes(data + b"%\n")
    else:
        pdf.unlink()
    report = build.paper(paper_root)
    assert report.ok and ran_tex(report) and "changed since the build" in " ".join(report.info)
    assert pdf_text(pdf) is not None and build.paper(paper_root).ok


def test_a_moved_or_copied_project_is_rebuilt(paper_root, tmp_path):
    copied = tmp_path / "copied"
    shutil.copytree(paper_root, copied, symlinks=True)  # with paper/build, times kept
    report = build.paper(copied)
    assert report.ok and ran_tex(report) and "project's folder" in " ".join(report.info)
    moved = tmp_path / "moved"
    copied.rename(moved)
    set_token(moved, "Movedtoken")
    assert build.paper(moved).ok
    report = build.paper(moved)
    assert says_up_to_date(report)
    assert_shows(moved, "Movedtoken")


def test_a_run_interrupted_after_the_pdf_before_the_record_is_rebuilt(paper_root, monkeypatch):
    """The record is written last: stopping just before it leaves a state that the next run rebuilds."""
    set_token(paper_root, "")
    assert build.paper(paper_root).ok  # the record vouches for these inputs
    set_token(paper_root, "Beforerecord")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(texrun, "write_atomic", killed)  # the record, written last
        m.setattr(build, "build", lambda root, force=False: build.Report())  # the tables: written below
        outputs, _ = build.render_outputs(read_survey(paper_root))
        for rel, text in outputs.items():
            (paper_root / rel).write_text(text, "utf-8")
        with pytest.raises(KeyboardInterrupt):
            build.paper(paper_root)
    assert_shows(paper_root, "Beforerecord")  # the new PDF is in place, its record is not
    set_token(paper_root, "")  # back to the inputs the record vouches for: the PDF is not theirs
    report = build.paper(paper_root)
    assert report.ok and ran_tex(report)
    assert "Beforerecord" not in pdf_text(pdf_of(paper_root))


def test_a_same_length_edit_in_the_same_second_is_built(paper_root):
    """latexmk trusts time and size: the generated table keeps both, and the PDF still changes."""
    table = paper_root / "paper" / "tables" / "models.tex"
    set_token(paper_root, "Qa01")
    assert build.paper(paper_root).ok
    for token in ("Qa02", "Qa03"):
        st = table.stat()
        set_token(paper_root, token)
        assert build.build(paper_root).ok
        assert table.stat().st_size == st.st_size
        os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns))
        report = build.paper(paper_root)
        assert report.ok and ran_tex(report)
        assert_shows(paper_root, token)


# -- one build at a time ------------------------------------------------------------------------------

def test_a_second_build_waits_for_the_lock_then_gives_up_with_a_message(paper_root):
    set_token(paper_root, "Lockedout")
    assert build.build(paper_root).ok
    before = pdf_of(paper_root).read_bytes()
    with texrun.paper_lock(pdf_of(paper_root).parent):
        began = time.monotonic()
        result = texrun.build_pdf(paper_root, read_survey(paper_root), lock_wait=0.3)
        assert 0.3 <= time.monotonic() - began < 5
    assert not result.ran and pdf_of(paper_root).read_bytes() == before
    assert [p.message for p in result.problems] == [
        "another 'surveybuild paper' has been building this paper for over 0.3 s"]
    assert result.problems[0].source.path == "paper/build/surveybuild.lock"


def test_two_paper_runs_at_once(paper_root):
    tex_runs = 0
    for trial in range(20):
        token = f"Twice{trial:02d}"
        set_token(paper_root, token)
        runs = [subprocess.Popen(cli_command(paper_root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(2)]
        outs = [run.communicate(timeout=300)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outs
        tex_runs += sum("running latexmk" in out for out in outs)
        assert_shows(paper_root, token)
        report = build.paper(paper_root)
        assert report.ok and (says_up_to_date(report) or ran_tex(report))
        assert_shows(paper_root, token)
    print(f"\n20 trials of two builds at once: TeX ran {tex_runs} times")


def test_kill_9_at_random_instants_never_leaves_a_pdf_called_up_to_date_wrongly(paper_root):
    rng = random.Random(11)
    set_token(paper_root, "Timing")
    began = time.monotonic()
    assert subprocess.run(cli_command(paper_root), capture_output=True).returncode == 0
    span = time.monotonic() - began  # one incremental build, start to end
    outcomes = {"up to date": 0, "rebuilt": 0}
    for trial in range(50):
        token = f"Killed{trial:02d}"
        set_token(paper_root, token)
        run = subprocess.Popen(cli_command(paper_root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 1.5 * span))
        run.kill()  # SIGKILL to surveybuild alone: its latexmk may go on, holding the lock
        run.wait()
        report = build.paper(paper_root)  # waits for an orphaned TeX, then builds or says up to date
        assert report.ok, "\n".join(map(str, report.problems))
        outcomes["up to date" if says_up_to_date(report) else "rebuilt"] += 1
        assert_shows(paper_root, token)
        if ran_tex(report):  # a rebuild also clears what a killed run left half-written
            assert not list(pdf_of(paper_root).parent.glob(".*.tmp"))
    print(f"\nkill -9 trials: {outcomes} (an incremental build takes {span:.2f} s here)")
    assert outcomes["rebuilt"] > 0


def test_an_unusable_build_folder_is_a_placed_error(tmp_path):
    root = copy_survey(MINI, tmp_path / "mini")
    (root / "paper" / "build").write_text("not a folder\n", "utf-8")
    result = texrun.build_pdf(root, read_survey(root))
    assert not result.ran and [(p.source.path, p.message.split(":")[0]) for p in result.problems] == [
        ("paper/build", "cannot use the build folder")]


def test_tex_runs_latexmks_command_in_the_work_folder_with_g():
    base, command = texrun.latexmk_command("main.tex"), texrun.tex_command("main.tex")
    assert [a for a in base if not a.startswith("-outdir=")] == [a for a in command if a not in ("-g", "-outdir=build/work")]
    assert command.index("-g") < command.index("-outdir=build/work") < command.index("main.tex")
