"""read -> check -> render -> write. The only module that writes files.

Everything is rendered in memory first; nothing is written unless every check
passed, and each file is replaced atomically (temporary file, then rename).
"""

from __future__ import annotations

import difflib
import gc
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

from . import anchors, cache, latex, markers
from .check import check_survey
from .model import Problem, Source, Survey
from .read import read_settings, read_survey
from .readme import fill_markdown, render_readme
from .stamp import stamp, unedited
from .tableread import SCHEMA_NAME

SCHEMA_OUTPUT = f"schema/{SCHEMA_NAME}"


@dataclass
class Report:
    """What a command found and did."""

    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)  # what was done or skipped, for the user

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def tables_dir(survey: Survey) -> PurePosixPath:
    return PurePosixPath(survey.settings.paper).parent / "tables"


def render_outputs(survey: Survey) -> tuple[dict[str, str], list[Problem]]:
    """Every generated file's path (relative to the survey) and text."""
    outputs: dict[str, str] = {}
    problems: list[Problem] = []
    for table in survey.tables:
        try:
            outputs[str(tables_dir(survey) / f"{table.id}.tex")] = stamp(latex.render_table(table, survey.settings),
                                                                          "latex")
        except latex.UnencodableText as exc:
            problems.append(Problem(table.source, f"table '{table.id}': {exc}",
                                    hint="write the character as LaTeX in a 'latex' column, or leave it out"))
    table_ids = [t.id for t in survey.tables]
    table_texts = list(outputs.values())
    for rel, text in survey.fill_files:
        regions, found = markers.find_regions(text, rel, table_ids)
        problems += found
        if found:
            continue
        if markers.flavour(rel) == "markdown":
            outputs[rel], found = fill_markdown(survey, rel, text, regions)
            problems += found
        else:
            rendered = {t.id: latex.render_table(t, survey.settings) for t in survey.tables
                        if any(r.id == t.id for r in regions)}
            outputs[rel] = markers.fill(text, regions, rendered)
            table_texts += rendered.values()
    # what the tables use (packages, symbol definitions), for the paper's \input{tables/preamble}
    outputs[str(tables_dir(survey) / f"{latex.PREAMBLE_ID}.tex")] = stamp(latex.table_preamble(table_texts), "latex")
    if survey.readme_template is not None and survey.settings.readme not in outputs:
        text, found = render_readme(survey)
        problems += found
        outputs[survey.settings.readme] = stamp(text, "markdown")
    outputs[SCHEMA_OUTPUT] = resources.files(__package__).joinpath(SCHEMA_NAME).read_text("utf-8")
    return outputs, problems


def plan(root: Path) -> tuple[Survey, dict[str, str], Report]:
    # Reading builds a large tree of objects that makes no garbage cycles, and it all lives as long as
    # the build: the cyclic garbage collector need not go through it again and again, neither while
    # it grows nor while the build allocates. Unfrozen at the end, so a long-lived caller frees it as usual.
    collecting = gc.isenabled()
    gc.disable()
    try:
        survey = read_survey(root)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    try:
        report = Report(problems=check_survey(survey))
        outputs: dict[str, str] = {}
        if report.ok:
            outputs, found = render_outputs(survey)
            report.problems += found
            for rel, text in outputs.items():
                if rel.endswith((".md", ".markdown")):
                    report.problems += anchors.broken_links(rel, text)
    finally:
        gc.unfreeze()
    return survey, outputs, report


def build(root: Path, force: bool = False) -> Report:
    """Check, then write every generated file that changed.

    A generated file edited by hand since the last build (its checksum line no
    longer matches) is not overwritten unless ``force``; nothing is written then.
    """
    root = Path(root)
    before = cache.snapshot(root, read_settings(root)[0])  # the inputs as they were when the build began
    survey, outputs, report = plan(root)
    if not report.ok:
        return report
    fill = {rel for rel, _ in survey.fill_files}
    changed: dict[str, str] = {}
    for rel, text in sorted(outputs.items()):
        path = root / rel
        current = path.read_text("utf-8", errors="replace") if path.exists() else None
        if current == text:
            report.unchanged.append(rel)
            continue
        if current is not None and not force and rel not in fill and rel != SCHEMA_OUTPUT \
                and unedited(current) is not True:
            edited = unedited(current) is False
            report.problems.append(Problem(
                Source(rel, _first_difference(current, text)),
                "edited by hand since the last build" if edited
                else "not written by surveybuild (no checksum line): overwriting it would lose its text",
                hint=("keep the edit by moving it into the table YAML or the README template, then build; "
                      if edited else "move its text into the README template, or add marker regions to it "
                      "(docs/format.md) so that only they are generated; ")
                + "or build with --force to overwrite it"))
            continue
        changed[rel] = text
    stale = orphans(root, survey, outputs)
    for rel in stale:
        if not force and unedited((root / rel).read_text("utf-8", errors="replace")) is not True:
            report.problems.append(Problem(Source(rel), "generated table whose YAML source is gone was edited by hand",
                                           hint="move the edit into a table YAML, or build with --force to delete it"))
    if not report.ok:
        return report
    for rel, text in changed.items():
        write_atomic(root / rel, text)
        report.written.append(rel)
    for rel in stale:
        (root / rel).unlink()
        report.info.append(f"removed {rel}: its table source is gone")
    _remember(root, survey, outputs, report, before)
    return report


def orphans(root: Path, survey: Survey, outputs: dict[str, str]) -> list[str]:
    """Generated tables (they carry a checksum line) whose YAML source no longer exists."""
    folder = root / tables_dir(survey)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.tex")):
        rel = path.relative_to(root).as_posix()
        if rel not in outputs and unedited(path.read_text("utf-8", errors="replace")) is not None:
            found.append(rel)
    return found


def _remember(root: Path, survey: Survey, outputs: dict[str, str], report: Report,
              before: dict[str, str | None]) -> None:
    """Record the build for the no-op fast path (:mod:`surveybuild.cache`), unless an input changed meanwhile."""
    try:
        write_atomic(root / cache.GITIGNORE, "# written by surveybuild: never commit this folder\n*\n")
        since = cache.marker_time(root)  # before the digests below are taken, on the file system's clock
    except OSError:
        return  # a read-only folder: no cache, every build is a full one
    inputs = {rel: d for rel, d in cache.snapshot(root, survey.settings).items() if rel not in outputs}
    if inputs != {rel: d for rel, d in before.items() if rel not in outputs}:
        return  # edited while the build ran: the next build must not trust this one
    file_stats = cache.stats(root, sorted(inputs) + sorted(outputs))
    try:
        write_atomic(root / cache.RECORD, cache.record(survey.settings, inputs, outputs, report.problems,
                                                       file_stats, since))
    except OSError:
        pass  # a read-only folder: no cache, every build is a full one


def check(root: Path) -> Report:
    """Check the sources, then that every committed output is what they generate now."""
    root = Path(root)
    survey, outputs, report = plan(root)
    if not report.ok:
        return report
    for rel, text in sorted(outputs.items()):
        path = root / rel
        if not path.exists():
            report.problems.append(Problem(Source(rel), "generated file is missing",
                                           hint="run 'surveybuild build' (invoke build-readme) and commit it"))
            continue
        current = path.read_text("utf-8")
        if current != text:
            report.problems.append(Problem(Source(rel, _first_difference(current, text)),
                                           f"differs from what the sources generate: {_diff_summary(current, text)}",
                                           hint="edit the YAML or the template instead, then run 'surveybuild build'"))
    for rel in orphans(root, survey, outputs):
        report.problems.append(Problem(Source(rel), "generated table whose YAML source is gone",
                                       hint="run 'surveybuild build' to remove it, and commit the removal"))
    return report


def _first_difference(old: str, new: str) -> int:
    for i, (a, b) in enumerate(zip(old.splitlines(), new.splitlines())):
        if a != b:
            return i + 1
    return min(len(old.splitlines()), len(new.splitlines())) + 1


def _diff_summary(old: str, new: str) -> str:
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
    added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
    first = next((d for d in diff if d[:1] in "+-" and d[:3] not in ("---", "+++")), "")
    return f"{removed} line(s) differ from {added} generated; first: {first[:100]!r}"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def paper(root: Path, force: bool = False) -> Report:
    """Write the tables, then compile the paper with latexmk (shell escape off)."""
    from .texrun import build_pdf

    root = Path(root)
    report = build(root, force=force)
    if not report.ok:
        return report
    result = build_pdf(root, read_survey(root))  # skips TeX when no input of the paper changed
    report.problems += result.problems
    report.info += result.info
    if result.pdf is not None and report.ok:
        (report.written if result.ran else report.unchanged).append(result.pdf.relative_to(root).as_posix())
    return report
