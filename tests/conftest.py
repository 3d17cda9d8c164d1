"""Shared test helpers: the tool guard, survey copies, and file edits that must hit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"
EDGE = FIXTURES / "edge"  # sources only: renderer edge cases (long table, two URL columns, odd text)

#: What a survey folder holds (whatever of it exists is copied; ``build`` folders never are).
SURVEY_ITEMS = ("tables", "figures", "templates", "paper", "refs.bib", "surveybuild.yaml", "schema", "README.md")
#: The files ``surveybuild build`` generates in the default layout, as glob patterns.
GENERATED = ("README.md", "paper/tables/*.tex", "schema/table.schema.json", "schema/figure.schema.json",
             "figures/*.svg", "paper/figures/*.tex", "paper/figures/*.pgf")

INSTALL = ("apt-get install -y --no-install-recommends latexmk texlive-latex-recommended texlive-latex-extra "
           "texlive-fonts-recommended texlive-bibtex-extra lmodern poppler-utils texlive-luatex texlive-xetex biber "
           "fonts-noto-cjk fonts-symbola chromium")


@pytest.fixture(autouse=True)
def trusted_engines(monkeypatch):
    """The tests' own papers are trusted: lualatex and xelatex run (tests/test_attacks5.py unsets it to see them
    refused). Set here, not in the environment the tests run in: a subprocess a test starts inherits it."""
    monkeypatch.setenv("SURVEYBUILD_TRUSTED_ENGINES", "lualatex,xelatex")


def require_tool(name: str) -> None:
    """Skip on a laptop without ``name``; fail in CI, where every tool must be installed."""
    if shutil.which(name):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing in CI: {INSTALL}")
    pytest.skip(f"{name} is not installed ({INSTALL})")


def root_has_survey() -> bool:
    """Whether the repository root holds its own survey (tables and a README template)."""
    return (ROOT / "tables").is_dir() and (ROOT / "templates" / "README.md.j2").is_file()


#: The surveys to run whole-survey tests on: the fixture always, the repository's own when present.
SURVEYS = {"mini": MINI, "edge": EDGE, **({"root": ROOT} if root_has_survey() else {})}
SURVEY_PARAMS = [pytest.param(name, id=name) for name in SURVEYS]


def copy_survey(src: Path, dst: Path, *, generated: bool = True) -> Path:
    """Copy a survey folder's sources (and, if ``generated``, its committed outputs) to ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    for item in SURVEY_ITEMS:
        path = src / item
        if path.is_dir():
            shutil.copytree(path, dst / item, ignore=shutil.ignore_patterns("build", "build-*", "*.tmp"))
        elif path.is_file():
            shutil.copy2(path, dst / item)
    if not generated:
        for rel in generated_files(dst):
            (dst / rel).unlink()
    return dst


def generated_files(root: Path) -> list[str]:
    """The generated files present under ``root``, relative, sorted."""
    return sorted({p.relative_to(root).as_posix() for pattern in GENERATED for p in root.glob(pattern)
                   if p.is_file()})


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (but those below a top folder named in ``skip``): its bytes and mtime."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] not in skip}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` (the test is wrong if it is not there once)."""
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{path.name}: expected exactly one {old!r}"
    path.write_text(text.replace(old, new), "utf-8")


def locate(path: Path, needle: str, root: Path | None = None) -> str:
    """``rel/path:LINE:COL`` of the first character of ``needle`` in ``path`` (1-based)."""
    text = path.read_text("utf-8")
    pos = text.index(needle)
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    shown = path.relative_to(root).as_posix() if root else path.name
    return f"{shown}:{line}:{col}"


@pytest.fixture
def mini(tmp_path) -> Path:
    """A fresh copy of the mini fixture (sources and committed outputs) to modify."""
    return copy_survey(MINI, tmp_path / "mini")


@pytest.fixture
def built_mini(mini) -> Path:
    """A copy of the mini fixture whose outputs were just rebuilt (clean even if the committed ones are stale)."""
    from surveybuild.build import pipeline as build

    report = build.build(mini)
    assert report.ok, "\n".join(map(str, report.problems))
    return mini


@pytest.fixture(scope="session")
def built_survey(tmp_path_factory):
    """``built_survey(name)``: a copy of a survey, freshly built once per session. Do not modify it."""
    from surveybuild.build import pipeline as build

    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            dst = copy_survey(SURVEYS[name], tmp_path_factory.mktemp(f"built-{name}") / name, generated=False)
            report = build.build(dst)
            assert report.ok, "\n".join(map(str, report.problems))
            cache[name] = dst
        return cache[name]

    return get
