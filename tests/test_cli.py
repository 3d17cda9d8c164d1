"""The command line, run as ``python -m surveybuild``: exit 0 clean, 1 on problems, 2 on usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import edit, locate, snapshot


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveybuild", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_check_clean_exits_0(built_mini, tmp_path):
    proc = run("-C", built_mini, "check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "agree" in proc.stderr
    assert "error" not in proc.stderr


def test_build_clean_exits_0_and_says_what_it_wrote(mini, tmp_path):
    (mini / "README.md").unlink()
    proc = run("-C", mini, "build", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote README.md" in proc.stderr
    assert (mini / "README.md").is_file()


def test_default_folder_is_the_current_one(built_mini):
    assert run("check", cwd=built_mini).returncode == 0


@pytest.mark.parametrize("command", ["check", "build"])
def test_problems_exit_1_with_place_and_nothing_written(mini, tmp_path, command):
    models = mini / "tables/models.yaml"
    edit(models, "cite: taori2023alpaca", "cite: taori2023alpacca")
    before = snapshot(mini)
    proc = run("-C", mini, command, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert locate(models, "taori2023alpacca", mini) + ": error:" in proc.stderr
    assert "did you mean 'taori2023alpaca'" in proc.stderr
    assert "nothing was written" in proc.stderr
    assert snapshot(mini) == before


def test_stale_output_exits_1(built_mini, tmp_path):
    edit(built_mini / "README.md", "# Mini Survey", "# Mini survey")
    proc = run("-C", built_mini, "check", cwd=tmp_path)
    assert proc.returncode == 1
    assert "README.md:1: error:" in proc.stderr


def test_errors_are_listed_before_warnings(mini, tmp_path):
    edit(mini / "tables/models.yaml", "cite: taori2023alpaca", "cite: taori2023alpacca")  # + a warning
    lines = [line for line in run("-C", mini, "check", cwd=tmp_path).stderr.splitlines() if ": error:" in line
             or ": warning:" in line]
    kinds = ["error" if ": error:" in line else "warning" for line in lines]
    assert kinds == sorted(kinds) and "error" in kinds and "warning" in kinds


@pytest.mark.parametrize("args", [
    pytest.param(["-C", "{dir}", "check"], id="before"),
    pytest.param(["check", "-C", "{dir}"], id="after"),
])
def test_dash_C_before_or_after_the_command(built_mini, tmp_path, args):
    argv = [a.replace("{dir}", str(built_mini)) for a in args]
    assert run(*argv, cwd=tmp_path).returncode == 0  # tmp_path itself holds no survey
    edit(built_mini / "tables/models.yaml", "params: 6.7B", "params: lots")
    proc = run(*argv, cwd=tmp_path)
    assert proc.returncode == 1  # the folder given is the one read
    assert "tables/models.yaml:" in proc.stderr


def test_dash_C_after_the_command_wins(built_mini, tmp_path):
    proc = run("-C", tmp_path / "nowhere", "check", "-C", built_mini, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("args, says", [
    pytest.param([], "required", id="no-command"),
    pytest.param(["frobnicate"], "invalid choice", id="unknown-command"),
    pytest.param(["check", "--bogus"], "unrecognized", id="unknown-option"),
    pytest.param(["-C", "{missing}", "check"], "no such folder", id="missing-folder"),
    pytest.param(["check", "-C", "{missing}"], "no such folder", id="missing-folder-after"),
    pytest.param(["-C", "{file}", "check"], "no such folder", id="file-not-folder"),
])
def test_usage_errors_exit_2(tmp_path, args, says):
    (tmp_path / "file.txt").write_text("x")
    argv = [a.replace("{missing}", str(tmp_path / "missing")).replace("{file}", str(tmp_path / "file.txt"))
            for a in args]
    proc = run(*argv, cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert says in proc.stderr


def test_version():
    from surveybuild import __version__

    proc = run("--version")
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_help_lists_the_commands():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("build", "paper", "check"):
        assert command in proc.stdout


def test_init_prints_its_next_steps_last_so_they_stay_on_screen(tmp_path):
    done = subprocess.run([sys.executable, "-m", "surveybuild", "init", str(tmp_path / "new")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    steps = next(i for i, line in enumerate(lines) if line.startswith("next steps"))
    wrote = [i for i, line in enumerate(lines) if line.startswith("wrote ")]
    assert wrote and max(wrote) < steps
    assert lines[-1].lstrip().startswith("git init")


def test_what_the_command_prints_to_a_pipe_arrives_whole(mini, tmp_path):
    """Printed to a pipe (block-buffered), every annotation arrives, and the exit code is the check's."""
    models = mini / "tables/models.yaml"
    text = models.read_text("utf-8")
    for key in ("taori2023alpaca", "bai2022constitutional"):
        text = text.replace(f"cite: {key}", f"cite: {key}x", 1)
    models.write_text(text, "utf-8")
    proc = run("-C", mini, "check", "--format", "github", cwd=tmp_path)
    assert proc.returncode == 1
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) >= 2 and proc.stdout.endswith("\n")
    assert any("taori2023alpacax" in line for line in errors) and any("bai2022constitutionalx" in line for line in errors)


def test_a_reader_that_goes_away_gets_no_traceback(mini, tmp_path):
    """The command's output piped into a reader that stops reading at once (``| head -0``): no traceback."""
    edit(mini / "tables/models.yaml", "cite: taori2023alpaca", "cite: taori2023alpacax")
    proc = subprocess.run(f"'{sys.executable}' -m surveybuild -C '{mini}' check --format github | head -c 0",
                          shell=True, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
