"""read -> check -> render -> write. The only module that writes files.

Everything is rendered in memory first; nothing is written unless every check
passed, and then all files are written or none (:mod:`surveybuild.build.writer`).
"""

from __future__ import annotations

import gc
import json
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..checks import anchors, hygiene
from . import cache
from ..renderers import latex, markers, references
from .. import package_text, paths
from ..checks.check import check_survey
from ..readers.figureread import SCHEMA_NAME as FIGURE_SCHEMA_NAME
from ..model import Problem, Source, Survey
from ..readers import bibmemo
from ..readers.read import read_settings, read_survey
from ..renderers.readme import fill_markdown, render_readme_numbered
from .stamp import stamp, stamp_json, unedited, unedited_json
from ..readers.tableread import SCHEMA_NAME
from .writer import WriteError, write_all, write_atomic  # noqa: F401 - write_atomic: still imported from here

SCHEMA_OUTPUT = f"schema/{SCHEMA_NAME}"
FIGURE_SCHEMA_OUTPUT = f"schema/{FIGURE_SCHEMA_NAME}"
SCHEMAS = (SCHEMA_OUTPUT, FIGURE_SCHEMA_OUTPUT)


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


def figures_dir(survey: Survey) -> PurePosixPath:
    """Where the paper's figures are written (next to its tables)."""
    return PurePosixPath(survey.settings.paper).parent / "figures"


def figure_svg(survey: Survey, figure_id: str, theme: str) -> str:
    """The path of a figure's SVG, relative to the survey."""
    return f"{PurePosixPath(survey.settings.figures) / figure_id}{'-dark' if theme == 'dark' else ''}.svg"


def render_figures(survey: Survey, drawings: dict[str, str | None]) -> tuple[dict[str, str], list[Problem]]:
    """Each figure's SVGs (light, dark) and paper figure. A plot drawn before comes from the drawing
    cache; a new one is drawn with matplotlib (imported only then). ``drawings`` gets each drawing's
    key, with its text when it is new."""
    outputs: dict[str, str] = {}
    problems: list[Problem] = []
    local = cache.cache_key(Path(survey.root)) if survey.figures else ""
    for figure in survey.figures:
        from ..figures import plot as figures  # imported only for a survey that has figures

        plot, found = figures.plan(figure, survey)
        problems += found
        if plot is None:
            continue
        for theme in ("light", "dark"):
            key = cache.drawing_key(plot.digest(), theme, local)
            drawings[key] = None
            text = cache.drawing(Path(survey.root), key)
            if text is None:
                from ..figures.svg import render_svg

                text = drawings[key] = stamp(render_svg(plot, theme), "markdown")
            outputs[figure_svg(survey, figure.id, theme)] = text
        try:
            from ..figures.tex import render_tex

            floated, picture = render_tex(plot, figure.source.path)
            outputs[str(figures_dir(survey) / f"{figure.id}.tex")] = stamp(floated, "latex")
            outputs[str(figures_dir(survey) / f"{figure.id}.pgf")] = stamp(picture, "latex")
        except latex.UnencodableText as exc:
            problems.append(Problem(figure.source, f"figure '{figure.id}': {exc}",
                                    hint="pdflatex has no glyph for it: transliterate the label in the table"))
    if survey.figures:
        outputs[FIGURE_SCHEMA_OUTPUT] = stamp_json(package_text(FIGURE_SCHEMA_NAME))
    return outputs, problems


def render_outputs(survey: Survey, drawings: dict[str, str | None] | None = None,
                   memo: references.Memo | None = None) -> tuple[dict[str, str], list[Problem]]:
    """Every generated file's path (relative to the survey) and text; new figure drawings go to ``drawings``;
    ``memo``: the references formatted before, in the survey's CSL style or surveybuild's own layout (and those
    formatted now); None: every reference is formatted here (``check``)."""
    outputs, problems = render_figures(survey, {} if drawings is None else drawings)
    for table in survey.tables:
        try:
            outputs[str(tables_dir(survey) / f"{table.id}.tex")] = stamp(
                latex.render_table(table, survey.settings, survey.measured), "latex")
        except latex.UnencodableText as exc:
            problems.append(Problem(table.source, f"table '{table.id}': {exc}",
                                    hint="write the character as LaTeX in a 'latex' column, or leave it out"))
    table_ids = [t.id for t in survey.tables]
    table_texts = [text for rel, text in outputs.items() if rel.endswith(".tex")]  # tables and figures
    for rel, text in survey.fill_files:
        regions, found = markers.find_regions(text, rel, table_ids)
        problems += found
        if found:
            continue
        if markers.flavour(rel) == "markdown":
            outputs[rel], found = fill_markdown(survey, rel, text, regions, memo)
            problems += found
        else:
            rendered = {t.id: latex.render_table(t, survey.settings, survey.measured) for t in survey.tables
                        if any(r.id == t.id for r in regions)}
            outputs[rel] = markers.fill(text, regions, rendered)
            table_texts += rendered.values()
    # the engine's fonts and what the tables use (packages, symbol definitions), for \input{tables/preamble}
    outputs[str(tables_dir(survey) / f"{latex.PREAMBLE_ID}.tex")] = stamp(
        latex.table_preamble(table_texts, survey.settings.engine), "latex")
    cited: list[str] = []
    if survey.readme_template is not None and survey.settings.readme not in outputs:
        text, found, cited = render_readme_numbered(survey, memo)
        problems += found
        outputs[survey.settings.readme] = stamp(text, "markdown")
    for rel, _ in survey.fill_files:
        if rel in outputs:
            outputs[rel] = markers.seal(outputs[rel], rel)
    try:
        outputs[str(tables_dir(survey) / latex.SETUP_FILE)] = stamp(latex.render_setup(survey.settings, cited),
                                                                    "latex")
    except latex.UnencodableText as exc:
        bad = str(exc).split("'")[1] if str(exc).count("'") >= 2 else ""
        key = next((k for k in ("title", "authors", "keywords") if bad and bad in str(getattr(survey.settings, k))),
                   "title")
        problems.append(Problem(survey.settings.source_of(key),
                                f"the PDF's metadata (title, authors, keywords): {exc}",
                                hint="transliterate it or leave it out of the setting"))
    outputs[SCHEMA_OUTPUT] = stamp_json(package_text(SCHEMA_NAME))
    if survey.settings.issue_forms:
        from ..contrib.add import ISSUE_FORMS, issue_form  # it imports this module

        for table in survey.tables:
            outputs[ISSUE_FORMS.format(table.id)] = stamp(issue_form(table, by_build=True), "yaml")
    return outputs, problems


def plan(root: Path, drawings: dict[str, str | None] | None = None,
         memo: references.Memo | None = None, bib_memo: bibmemo.Memo | None = None) -> tuple[Survey, dict[str, str], Report]:
    """Read, check and render (nothing written). ``bib_memo``: the bibliography as the last build read
    it (:mod:`surveybuild.readers.bibmemo`); only ``build`` passes one: ``check``, which CI runs, reads
    every .bib file itself."""
    # Reading builds a large tree of objects that makes no garbage cycles, and it all lives as long as
    # the build; checking and rendering make little cyclic garbage (at 10,000 entries the peak grows by
    # ~3 MB without collections, and ~70 collections took ~14 ms): the cyclic garbage collector waits
    # until the plan is made, and a long-lived caller collects as usual after it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        survey = read_survey(root, bib_memo)
        # the survey's objects out of the collector's young generations (a collection after the plan
        # would go through them all), back into its oldest at the end
        gc.freeze()
        facts = None
        if bib_memo is not None:  # the entries' facts for the bib checks: kept with the bib
            if bib_memo.facts is None or len(bib_memo.facts) != len(survey.bib):
                bib_memo.facts = hygiene.bib_facts(survey.bib)
            facts = bib_memo.facts
        report = Report(problems=check_survey(survey, facts))
        outputs: dict[str, str] = {}
        if report.ok:
            style = survey.settings.reference_style
            if memo is not None and memo.style != style:  # the references the last build formatted in this style
                memo.known, memo.used, memo.style = cache.styled_entries(root, style), {}, style
            outputs, found = render_outputs(survey, drawings, memo)
            report.problems += found
            for rel, text in outputs.items():
                if rel.endswith((".md", ".markdown")):
                    report.problems += anchors.broken_links(rel, text)
    finally:
        gc.freeze()  # what the plan made and keeps, too (its young survivors: a collection would go
        gc.unfreeze()  # through each of them twice); all of it into the oldest generation, collected as usual
        if collecting:
            gc.enable()
    return survey, outputs, report


def build(root: Path, force: bool = False) -> Report:
    """Check, then write every generated file that changed.

    A generated file edited by hand since the last build (its checksum line no
    longer matches) is not overwritten unless ``force``; nothing is written then.
    """
    root = Path(root)
    made = cache.make_local_id(root)  # what this folder's caches are kept under (the repository cannot forge it)
    report = _build(root, force)
    if made and not report.ok:
        cache.unmake(made)  # a failed build writes nothing, not even that
    return report


def _build(root: Path, force: bool) -> Report:
    settings = read_settings(root)[0]
    started = time.time_ns()
    key = cache.cache_key(root)
    seen: dict[str, list[int]] = {}  # each input's stats, taken before its digest
    # the inputs as they were when the build began; a file unchanged since the last recorded build is not read
    recorded = cache.recorded_inputs(root)
    before = cache.snapshot(root, settings, *(recorded or (None, None, 0)), seen=seen)
    settled = _bibs_settled(before, recorded[0] if recorded else None)
    drawings: dict[str, str | None] = {}
    # the references formatted before, and now: kept below (surveybuild's own layout's once the bib is settled)
    memo = references.Memo(style=None, salt=f"{references.FORMAT}:{key}", keep_own=settled)
    bib_memo = bibmemo.Memo(stored=cache.stored_bib(root), code=key, digests=before)
    survey, outputs, report = plan(root, drawings, memo, bib_memo)
    if not report.ok:
        return report
    report.problems += outside_outputs(root, survey, outputs, "written")
    if not report.ok:
        return report
    fill = {rel for rel, _ in survey.fill_files}
    changed: dict[str, str] = {}
    for rel, text in sorted(outputs.items()):
        current, problem = _read_output(root, rel)
        if problem is not None:
            report.problems.append(problem)
            continue
        if current == text:
            report.unchanged.append(rel)
            continue
        if current is not None and not force and rel in fill:  # only the sealed regions are generated
            edits = markers.edited_regions(current, rel)
            report.problems += edits
            if not edits:
                changed[rel] = text
            continue
        if current is not None and not force and rel in SCHEMAS:
            if unedited_json(current) is False:  # None: no checksum yet (an older surveybuild's copy), replaced
                report.problems.append(Problem(Source(rel, _first_difference(current, text)),
                                               "edited by hand since the last build",
                                               hint="the schema is surveybuild's own: build with --force to "
                                               "overwrite the edit"))
            else:
                changed[rel] = text
            continue
        if current is not None and not force and unedited(current) is not True:
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
        if not force and unedited(_read_output(root, rel)[0] or "") is not True:
            report.problems.append(Problem(Source(rel), f"generated {_kind(rel)} whose YAML source is gone was edited "
                                           "by hand",
                                           hint="move the edit into a table YAML, or build with --force to delete it"))
    if not report.ok:
        return report
    try:
        write_all(root, {**changed, **{rel: None for rel in stale}})
    except WriteError as exc:
        report.problems.append(Problem(Source(exc.shown), exc.reason,
                                       hint="no file was changed: fix that, then build again"))
        return report
    report.written += changed
    report.info += [f"removed {rel}: its {_kind(rel)} source is gone" for rel in stale]
    if _remember(root, survey, outputs, report, before, seen, started):  # no input changed while the build ran
        if settled:
            _keep_bib(root, bib_memo)
    _keep_drawings(root, drawings)
    _keep_styled(root, survey.settings.reference_style, memo)
    return report


def _bibs_settled(now: dict[str, str | None], last: dict[str, str | None] | None) -> bool:
    """Whether the last recorded build (``last``: its files' digests) found every .bib file as it is ``now``
    (this build's snapshot): what is kept of the bib for the next build (the bib as read, the references in
    surveybuild's own layout) is kept from the second build in a row that finds it unchanged. A first build (a
    fresh clone, CI) or the first after an edit of the bib does not write what it alone would have read: at
    10,000 entries the bib's cache is ~9 MB and writing it costs ~3 % of a cold build, while reading it saves
    ~30 % of every later one-row edit."""
    bibs = [rel for rel in now if rel.endswith(".bib")]
    return last is not None and bool(bibs) and all(now[rel] is not None and last.get(rel) == now[rel] for rel in bibs)


def _keep_bib(root: Path, bib_memo: bibmemo.Memo) -> None:
    """Keep the bibliography as this build read it (:mod:`surveybuild.readers.bibmemo`), when it was read anew."""
    if not bib_memo.fresh or bib_memo.parsed is None or bib_memo.facts is None or not cache.writable(root, cache.BIB):
        return
    try:
        write_atomic(root / cache.BIB, bibmemo.encode(bib_memo.digest, bib_memo.parsed, bib_memo.facts))
    except (OSError, ValueError):
        pass  # a read-only folder: the bib is read again next time


def _keep_styled(root: Path, style: str, memo: references.Memo) -> None:
    """Keep the references this build formatted, in the survey's style or surveybuild's own layout
    (:func:`surveybuild.build.cache.styled_entries`), and no others: a no-op or a one-row edit does not format
    them again."""
    if memo.style != style or (memo.formatted == 0 and set(memo.used) == set(memo.known)) \
            or (style == references.BUILT_IN and not memo.keep_own) \
            or not cache.writable(root, cache.styled_path(style)):
        return
    try:
        write_atomic(root / cache.styled_path(style),
                     # compact: JSON's C encoder writes it (with an indent, Python's own: ~10 ms at 2,000 entries)
                     json.dumps({"entries": memo.used}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                     + "\n")
    except OSError:
        pass  # a read-only folder: entries are formatted again next time


def _keep_drawings(root: Path, drawings: dict[str, str | None]) -> None:
    """Keep this build's figure drawings in the cache (:func:`surveybuild.build.cache.drawing`), and no others."""
    folder = root / cache.DRAWINGS
    if not cache.writable(root, f"{cache.DRAWINGS}/x.svg"):
        return  # the cache folder is a link (a pull request's): nothing is written or deleted through it
    try:
        if folder.is_dir():
            for old in folder.glob("*.svg"):
                if old.stem not in drawings:
                    old.unlink()
        for key, text in drawings.items():
            if text is not None:
                write_atomic(folder / f"{key}.svg", text)
    except OSError:
        pass  # a read-only folder: figures are drawn again next time
def outside_outputs(root: Path, survey: Survey, outputs: dict[str, str], doing: str) -> list[Problem]:
    """Every output (and the generated tables' folder) that a symbolic link leads out of the survey folder."""
    found: dict[str, Problem] = {}  # one problem per link: a linked folder holds many outputs
    for rel in [str(tables_dir(survey))] + sorted(outputs):
        problem = paths.problem(root, root / rel, rel, doing)
        if problem is not None:
            found.setdefault(problem.message, problem)
    return list(found.values())


def orphans(root: Path, survey: Survey, outputs: dict[str, str]) -> list[str]:
    """Generated tables and figures (they carry a checksum line) whose YAML source no longer exists."""
    found = []
    for folder, pattern in ((tables_dir(survey), "*.tex"), (figures_dir(survey), "*.tex"), (figures_dir(survey), "*.pgf"),
                            (PurePosixPath(survey.settings.figures), "*.svg"),
                            (PurePosixPath(".github/ISSUE_TEMPLATE"), "add-*.yml")):
        if not (root / folder).is_dir():
            continue
        for path in sorted((root / folder).glob(pattern)):
            rel = path.relative_to(root).as_posix()
            if rel not in outputs and unedited(_read_output(root, rel)[0] or "") is not None:
                found.append(rel)
    return found


def _remember(root: Path, survey: Survey, outputs: dict[str, str], report: Report,
              before: dict[str, str | None], seen: dict[str, list[int]], started: int) -> bool:
    """Record the build for the no-op fast path (:mod:`surveybuild.build.cache`), unless an input changed
    meanwhile. Whether it was recorded. ``seen``: the inputs' stats when ``before`` was taken; a file whose
    stats are the same now, and which had last changed well before the build ``started``
    (:func:`surveybuild.build.cache.settled`), is not read again."""
    if not cache.writable(root, cache.RECORD):
        return False  # the cache folder is a link (a pull request's): nothing is written through it
    try:
        write_atomic(root / cache.GITIGNORE, "# written by surveybuild: never commit this folder\n*\n")
        since = cache.marker_time(root)  # before the digests below are taken, on the file system's clock
    except OSError:
        return False  # a read-only folder: no cache, every build is a full one
    inputs = cache.fingerprint(root, [rel for rel in cache.input_paths(root, survey.settings) if rel not in outputs],
                               before, seen, started=started)
    if inputs != {rel: d for rel, d in before.items() if rel not in outputs}:
        return False  # edited while the build ran: the next build must not trust this one
    file_stats = cache.stats(root, sorted(inputs) + sorted(outputs))
    try:
        write_atomic(root / cache.RECORD, cache.record(survey.settings, inputs, outputs, report.problems,
                                                       file_stats, since, cache.cache_key(root)))
    except OSError:
        return False  # a read-only folder: no cache, every build is a full one
    return True


def check(root: Path) -> Report:
    """Check the sources, then that every committed output is what they generate now."""
    root = Path(root)
    survey, outputs, report = plan(root)
    if not report.ok:
        return report
    report.problems += outside_outputs(root, survey, outputs, "read")
    if not report.ok:
        return report
    for rel, text in sorted(outputs.items()):
        current, problem = _read_output(root, rel)
        if problem is not None:
            report.problems.append(problem)
            continue
        if current is None:
            report.problems.append(Problem(Source(rel), "generated file is missing",
                                           hint="run 'surveybuild build' (invoke build-readme) and commit it"))
            continue
        if current != text:
            report.problems.append(Problem(Source(rel, _first_difference(current, text)),
                                           f"differs from what the sources generate: {_diff_summary(current, text)}",
                                           hint="edit the YAML or the template instead, then run 'surveybuild build'"))
    for rel in orphans(root, survey, outputs):
        report.problems.append(Problem(Source(rel), f"generated {_kind(rel)} whose YAML source is gone",
                                       hint="run 'surveybuild build' to remove it, and commit the removal"))
    return report


def _kind(rel: str) -> str:
    return "issue form" if rel.startswith(".github/") else "table" if "/tables/" in f"/{rel}" else "figure"


def _first_difference(old: str, new: str) -> int:
    for i, (a, b) in enumerate(zip(old.splitlines(), new.splitlines())):
        if a != b:
            return i + 1
    return min(len(old.splitlines()), len(new.splitlines())) + 1


def _diff_summary(old: str, new: str) -> str:
    import difflib  # only for a drifted output

    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
    added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
    first = next((d for d in diff if d[:1] in "+-" and d[:3] not in ("---", "+++")), "")
    return f"{removed} line(s) differ from {added} generated; first: {first[:100]!r}"


def _read_output(root: Path, rel: str) -> tuple[str | None, Problem | None]:
    """A generated file's current text (None when missing), or the problem that it cannot be read."""
    path = root / rel
    try:
        return path.read_bytes().decode("utf-8", errors="replace"), None
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        what = "it is a folder, where a file is expected" if path.is_dir() else exc.strerror or str(exc)
        return None, Problem(Source(rel), f"cannot read the generated file: {what}",
                             hint="remove or rename what is in the way, then build again")


def paper(root: Path, force: bool = False) -> Report:
    """Write the tables, measure their new cells with TeX (and write them again when a width changed),
    then compile the paper with latexmk (shell escape off)."""
    from . import texmeasure
    from .texrun import build_pdf, engine_problem

    root = Path(root)
    report = build(root, force=force)
    if not report.ok:
        return report
    survey = read_survey(root)
    refused = engine_problem(survey.settings)  # before any TeX runs (measuring the cells is a run too)
    if refused is not None:
        report.problems.append(refused)
        return report
    measured = texmeasure.update(root, survey)  # runs TeX only for texts the widths file lacks
    if measured.text is not None:
        rel = texmeasure.file_path_of(survey.settings.paper)
        try:
            write_all(root, {rel: measured.text})
        except WriteError as exc:
            report.problems.append(Problem(Source(exc.shown), exc.reason, hint="the tables keep estimated widths"))
            return report
        again = build(root, force=force)  # the tables with the measured widths
        report.problems = again.problems
        report.written = list(dict.fromkeys(report.written + again.written + [rel]))
        report.unchanged = [u for u in report.unchanged if u not in report.written]
        report.info += [i for i in again.info if i not in report.info]
        if not report.ok:
            return report
        survey = read_survey(root)
    report.problems += measured.problems
    if measured.ran:
        report.info.append(f"measured {measured.measured} new cell width(s) with TeX")
    report.info += measured.info
    result = build_pdf(root, survey)  # skips TeX when no input of the paper changed
    report.problems += result.problems
    report.info += result.info
    if result.pdf is not None and report.ok:
        (report.written if result.ran else report.unchanged).append(result.pdf.relative_to(root).as_posix())
    return report
