"""A survey repository installs surveybuild in its CI the way the docs say (docs/adopt.md).

A wheel of this checkout is built, committed under ``vendor/`` of a new survey (``init``), and
the generated workflow's install step runs in a fresh virtual environment, then ``init`` and
``build`` run from the installed wheel. The fresh environment sees the current one's libraries
(a ``.pth`` file) and pip runs with ``PIP_NO_INDEX``: what is tested is the wheel and the spec,
not PyPI. Building the wheel may fetch setuptools (build isolation).
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

from surveybuild import __version__
from surveybuild.init import init


def _wheel(tmp: Path) -> Path:
    src = tmp / "src-copy"  # a clean copy: no stale build/ folder, nothing written into the checkout
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp / "wheels"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel, = out.glob("surveybuild-*.whl")
    return wheel


def test_the_generated_ci_installs_surveybuild_from_a_vendored_wheel(tmp_path):
    wheel = _wheel(tmp_path)
    assert wheel.name == f"surveybuild-{__version__}-py3-none-any.whl"
    survey = tmp_path / "survey"
    report = init(survey)
    assert report.ok, "\n".join(map(str, report.problems))
    requirements = (survey / "requirements.txt").read_text("utf-8")
    spec = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert spec == [f"./vendor/{wheel.name}"]
    (survey / "vendor").mkdir()
    shutil.copy(wheel, survey / "vendor" / wheel.name)

    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=300)
    py = fresh / "bin" / "python"
    fresh_site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    # the libraries surveybuild needs, from this environment (not surveybuild itself: its finder is not loaded)
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", "utf-8")
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PATH=f"{fresh / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("VIRTUAL_ENV", None)
    workflow = yaml.safe_load((survey / ".github" / "workflows" / "survey.yml").read_text("utf-8"))
    installs = [s["run"] for s in workflow["jobs"]["check"]["steps"] if "pip install" in s.get("run", "")]
    assert installs == ["pip install -r requirements.txt"]
    proc = subprocess.run(installs[0].split(), cwd=survey, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]

    where = subprocess.run([str(py), "-c", "import surveybuild; print(surveybuild.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(fresh_site)), where  # the wheel's copy, not this checkout
    tool = fresh / "bin" / "surveybuild"
    proc = subprocess.run([str(tool), "init", "again"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "next steps" in proc.stderr and re.search(r"wrote paper/tables/preamble\.tex", proc.stderr)
    for command in ("build", "check"):
        proc = subprocess.run([str(tool), "-C", "again", command], cwd=tmp_path, env=env, capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again" / "README.md").is_file()
