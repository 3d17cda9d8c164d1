"""Attacks of the fifth red-team round (docs/robustness.md, "Threat model"): what a pull request's files can make
surveybuild print, and the caches it commits. Each test fails without its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MINI, copy_survey
from surveybuild.build import cache
from surveybuild.cli import main


def run(capfd, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), *args])
    out = capfd.readouterr()
    return code, out.out, out.err


# -- messages are one line each: no GitHub Actions workflow command from a file's text ----------------------

HOSTILE_ROW = '''  - name: Evil
    cite: "nokey\\n::add-mask::secret\\r::stop-commands::x"
    "field\\u2028::error file=a::spoofed\\n::set-env name=A::B": 1
'''


@pytest.mark.parametrize("command", ["check", "build", "paper"])
def test_a_message_quoting_a_line_break_stays_one_line(tmp_path, capfd, monkeypatch, command):
    """``surveybuild paper`` in the workflow prints problems as text on stderr, which the Actions runner reads
    for ``::command::`` lines too: a cite key or a YAML key holding a line break must not start one."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8") + HOSTILE_ROW, "utf-8")
    code, out, err = run(capfd, root, command)
    assert code == 1
    lines = (out + err).splitlines()  # splitlines: \n, \r, U+2028 and the other separators
    assert not [line for line in lines if line.lstrip().startswith("::")], lines
    assert any("cite key 'nokey\\n::add-mask::secret\\r::stop-commands::x' not in refs.bib" in line for line in lines)
    assert any("unknown field 'field\\u2028::error file=a::spoofed\\n::set-env name=A::B'" in line for line in lines)


def test_github_annotations_stay_one_line_each(tmp_path, capfd):
    """(Already so before this round: a guard.) The runner splits on \\n and \\r, which the annotation escapes."""
    root = copy_survey(MINI, tmp_path / "proj")
    models = root / "tables/models.yaml"
    models.write_text(models.read_text("utf-8") + HOSTILE_ROW, "utf-8")
    code, out, err = run(capfd, root, "check", "--format", "github")
    assert code == 1
    annotations = out.split("\n")[:-1]
    assert annotations and all(line.startswith("::error file=") and "models.yaml,line=" in line for line in annotations), out
    assert not [line for line in err.splitlines() if line.startswith("::")]
