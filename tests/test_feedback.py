"""Feedback where contributors look: GitHub annotations (``check --format github``) and ``diff BASE``.

The annotation test parses the output back with a parser written from GitHub's documented syntax
of workflow commands (``::command prop=value,prop=value::message``, with ``%``, CR and LF escaped
as ``%25`` ``%0D`` ``%0A`` everywhere and ``:`` ``,`` as ``%3A`` ``%2C`` in property values).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from surveybuild.contrib.annotate import annotation
from surveybuild.model import Problem, Source
from surveybuild.contrib.prdiff import diff

COMMAND = re.compile(r"::(?P<cmd>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)")
UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def unescape(text: str, allowed: tuple[str, ...]) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: UNESCAPE[m.group()] if m.group() in allowed else m.group(), text)


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """One workflow command line, as GitHub's runner reads it."""
    assert "\n" not in line and "\r" not in line
    m = COMMAND.fullmatch(line)
    assert m, line
    props = {}
    for part in (m.group("props") or "").split(","):
        key, eq, value = part.partition("=")
        assert eq and key and ":" not in value and "," not in value
        props[key] = unescape(value, tuple(UNESCAPE))
    data = m.group("data")
    assert "\n" not in data
    return m.group("cmd"), props, unescape(data, ("%25", "%0D", "%0A"))


HOSTILE = "50% of a:b, c\r\nnext %0A line"


def test_annotation_round_trips_through_githubs_syntax():
    problem = Problem(Source("tables/a,b:c%.yaml", 12, 3), HOSTILE, hint="fix, it: now")
    line = annotation(problem)
    assert line == ("::error file=tables/a%2Cb%3Ac%25.yaml,line=12,col=3,title=surveybuild error::"
                    "50%25 of a:b, c%0D%0Anext %250A line (fix, it: now)")
    cmd, props, message = parse(line)
    assert (cmd, props["file"], props["line"], props["col"]) == ("error", "tables/a,b:c%.yaml", "12", "3")
    assert message == HOSTILE + " (fix, it: now)"


def test_warning_without_a_line_names_the_file_only_and_the_folder_is_prefixed():
    cmd, props, message = parse(annotation(Problem(Source("refs.bib"), "entry 'x' is never cited", "warning"),
                                           "survey"))
    assert (cmd, props["file"], message) == ("warning", "survey/refs.bib", "entry 'x' is never cited")
    assert "line" not in props and "col" not in props
    cmd, props, _ = parse(annotation(Problem(Source("t.yaml", 4), "m")))
    assert props["line"] == "4" and "col" not in props


def test_check_prints_annotations_by_itself_under_github_actions(mini):
    models = mini / "tables/models.yaml"
    models.write_text(models.read_text().replace("cite: taori2023alpaca", "cite: nokey,  x", 1))
    env = {**os.environ, "GITHUB_ACTIONS": "true"}
    proc = subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(mini), "check"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 1
    lines = [parse(line) for line in proc.stdout.splitlines()]
    assert lines and all(cmd in ("error", "warning") for cmd, _, _ in lines)
    cmd, props, message = next(x for x in lines if "nokey" in x[2])
    assert cmd == "error" and props["file"] == f"{mini}/tables/models.yaml" and int(props["line"]) > 1
    plain = subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(mini), "check", "--format", "text"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert plain.stdout == "" and "tables/models.yaml:" in plain.stderr


TABLE = """\
# a table
caption: Models.
columns:
  - {key: name, title: Name}
  - {key: params, title: Params, type: size}
rows:
  - name: Alpaca  # kept
    cite: a
    params: 7B
  - name: Vicuna
    cite: b
    params: 13B
  - name: Koala
    cite: c
    params: 13B
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root), *args],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "tables").mkdir(parents=True)
    (root / "tables/models.yaml").write_text(TABLE)
    (root / "tables/gone.yaml").write_text(TABLE.replace("Models.", "Gone."))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def test_diff_lists_added_removed_and_changed_rows(repo):
    text = (repo / "tables/models.yaml").read_text()
    text = text.replace("  - name: Vicuna\n    cite: b\n    params: 13B\n", "")  # removed
    text = text.replace("cite: c\n    params: 13B", "cite: c\n    params: 7B")  # changed
    text += "  - name: 'Dolly | *2*'\n    cite: d\n    params: 12B\n"  # added
    (repo / "tables/models.yaml").write_text(text)
    (repo / "tables/gone.yaml").unlink()
    out, problems = diff(repo, "HEAD")
    assert not problems
    models = out.split("### `models`")[1]
    assert "- added **Dolly \\| \\*2\\***" in models
    assert "- removed **Vicuna**" in models
    assert "- changed **Koala**: `params` 13B → 7B" in models
    assert "Alpaca" not in models
    assert "### `gone` (table removed)" in out and out.count("- removed") == 4


def test_diff_command_writes_markdown_to_stdout_and_refuses_an_option_as_revision(repo):
    proc = subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(repo), "diff", "HEAD"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("## Table rows changed since `")
    assert "No table row was added, removed or changed." in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "surveybuild", "-C", str(repo), "diff", "--output=/tmp/x"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and bad.stdout == ""
    out, problems = diff(repo, "--output=x")
    assert out == "" and "is not a git revision" in problems[0].message
    out, problems = diff(repo, "no-such-branch")
    assert "cannot read the tables at git revision 'no-such-branch'" in problems[0].message


def test_init_workflow_uses_both(tmp_path):
    from surveybuild.init import init

    assert init(tmp_path / "s").ok
    workflow = (tmp_path / "s/.github/workflows/survey.yml").read_text()
    assert "surveybuild check --format github" in workflow
    assert 'surveybuild diff "$BASE_SHA" >> "$GITHUB_STEP_SUMMARY"' in workflow and "fetch-depth: 0" in workflow
    assert "${{" not in workflow.split("run: surveybuild diff")[1].split("\n")[0]  # no expression in a script
