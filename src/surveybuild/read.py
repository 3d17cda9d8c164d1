"""Read a whole survey folder into a :class:`Survey`. The only module that opens input files."""

from __future__ import annotations

import os
from pathlib import Path

from . import texknown
from . import yamlread as yr
from .bibread import read_bibs
from .markers import has_markers
from .model import Problem, Settings, Source, Survey, Table
from .tableread import did_you_mean, read_table
from .texread import bib_resources, read_cites, table_inputs

SETTINGS_FILE = "surveybuild.yaml"
GENERATED_TABLES = "tables"  # below the paper's folder


def read_text(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """A file's text as UTF-8, or a problem saying why it cannot be had."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(Source(shown), "file not found")]
    except OSError as exc:
        return None, [Problem(Source(shown), f"cannot read: {exc.strerror}")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(Source(shown, line, col), f"not UTF-8 (byte 0x{data[exc.start]:02x})",
                              hint="save the file as UTF-8")]


def read_settings(root: Path) -> tuple[Settings, list[Problem]]:
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings(), []
    text, problems = read_text(path, SETTINGS_FILE)
    if text is None:
        return Settings(), problems
    node, problems = yr.compose(text, SETTINGS_FILE)
    if node is None:
        # an empty settings file means "all defaults"
        return Settings(), [p for p in problems if "empty" not in p.message]
    known = Settings.__dataclass_fields__
    values = {}
    for key, knode, vnode in yr.items(node):
        if key not in known:
            problems.append(Problem(yr.where(SETTINGS_FILE, knode), f"unknown setting '{key}'",
                                    hint=did_you_mean(key, known) or f"known: {', '.join(known)}"))
            continue
        value = yr.plain(vnode)
        if key == "fill":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), "setting 'fill' must be a list of file paths"))
                continue
            bad = [v for v in value if Path(v).is_absolute() or ".." in Path(v).parts]
            if bad:
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting 'fill': path {bad[0]!r} leaves "
                                        "the survey folder", hint="use a path relative to the survey folder"))
                continue
            values[key] = tuple(value)
            continue
        expected = type(getattr(Settings(), key))
        if not isinstance(value, expected) or isinstance(value, bool):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}' must be a {expected.__name__}, not {value!r}"))
            continue
        if isinstance(value, str) and (Path(value).is_absolute() or ".." in Path(value).parts):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}': path {value!r} leaves the survey folder",
                                    hint="use a path relative to the survey folder, without '..'"))
            continue
        values[key] = value
    return Settings(**values), problems


def table_files(root: Path, settings: Settings) -> list[Path]:
    folder = root / settings.tables
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_")) if folder.is_dir() else []


def tex_files(root: Path, settings: Settings) -> list[Path]:
    """The paper's own .tex files (not the generated tables)."""
    paper_dir = (root / settings.paper).parent
    generated = paper_dir / GENERATED_TABLES
    if not paper_dir.is_dir():
        return []
    return sorted(p for p in paper_dir.rglob("*.tex")
                  if generated not in p.parents and "build" not in p.relative_to(paper_dir).parts)


def bib_paths(root: Path, settings: Settings, named: list[tuple[str, Source]]) -> tuple[list[str], list[Problem]]:
    """The bibliography's files: those the paper names (as BibTeX finds them: next to the paper, then in the
    survey folder), else ``settings.bib``. Paths relative to the survey, each once, in the paper's order."""
    if not named:
        return [settings.bib], []
    paper_dir = Path(settings.paper).parent
    found: list[str] = []
    problems: list[Problem] = []
    for name, where in named:
        candidates = [c for c in (os.path.normpath(paper_dir / name), os.path.normpath(name))
                      if not Path(name).is_absolute() and c.split(os.sep)[0] != ".."]
        if not candidates:
            problems.append(Problem(where, f"bibliography '{name}' is outside the survey folder", severity="warning",
                                    hint="surveybuild reads only .bib files inside the survey folder"))
            continue
        for candidate in candidates:
            candidate = Path(candidate).as_posix()
            if (root / candidate).is_file():
                if candidate not in found:
                    found.append(candidate)
                break
        else:
            problems.append(Problem(where, f"bibliography '{name}' is not in the survey folder", severity="warning",
                                    hint="BibTeX may find it in the TeX installation (IEEEabrv.bib is there); "
                                    "surveybuild cannot check the keys and @string names it defines"))
    return found, problems


def read_survey(root: Path) -> Survey:
    root = Path(root)
    settings, problems = read_settings(root)
    tables: list[Table] = []
    for path in table_files(root, settings):
        shown = path.relative_to(root).as_posix()
        text, found = read_text(path, shown)
        problems += found
        if text is not None:
            table, found = read_table(text, shown)
            problems += found
            if table is not None:
                tables.append(table)
    cites = []
    shown_tex = []
    paper_tables: set[str] = set()
    named_bibs: list[tuple[str, Source]] = []
    macros: set[str] = set()
    packages: list[str] = []
    paper_class = ""
    for path in tex_files(root, settings):
        shown = path.relative_to(root).as_posix()
        shown_tex.append(shown)
        text, found = read_text(path, shown)
        problems += found
        if text is not None:
            found_cites, found = read_cites(text, shown)
            cites += found_cites
            paper_tables |= table_inputs(text)
            named_bibs += bib_resources(text, shown)
            macros |= texknown.definitions(text)
            loaded, cls = texknown.packages(text)
            packages += loaded
            paper_class = paper_class or cls
            problems += found
    bib_files, found = bib_paths(root, settings, named_bibs)
    problems += found
    texts = []
    for rel in bib_files:
        bib_text, found = read_text(root / rel, rel)
        problems += found
        if bib_text is not None:
            texts.append((rel, bib_text))
            if "@preamble" in bib_text.lower():
                macros |= texknown.definitions(bib_text)
    bib, found = read_bibs(texts)
    problems += found
    del texts  # megabytes: the entries hold what is needed
    fill_files = []
    readme = root / settings.readme
    candidates = list(settings.fill)
    if settings.readme not in candidates and readme.exists() and has_markers(readme.read_text("utf-8", "replace")):
        candidates.append(settings.readme)
    for rel in candidates:
        text, found = read_text(root / rel, rel)
        problems += found
        if text is not None:
            fill_files.append((rel, text))
    template = None
    if (root / settings.readme_template).exists():
        template, found = read_text(root / settings.readme_template, settings.readme_template)
        problems += found
    return Survey(
        root=str(root),
        settings=settings,
        tables=tuple(tables),
        bib=tuple(bib),
        tex_cites=tuple(cites),
        tex_files=tuple(shown_tex),
        readme_template=template,
        fill_files=tuple(fill_files),
        problems=tuple(problems),
        paper_tables=frozenset(paper_tables),
        paper_macros=frozenset(macros),
        paper_packages=tuple(dict.fromkeys(packages)),
        paper_class=paper_class,
    )
