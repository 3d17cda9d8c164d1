"""Which engine typesets the imported text: the characters ``import`` writes, decided for the whole survey.

An imported table keeps every character of its source. The paper's engine (``engine:`` in
surveybuild.yaml, docs/paper.md) may not typeset some of them (pdflatex: CJK, emoji). ``import``
then picks, from the engines the machine can run with its fonts (:mod:`surveybuild.texlang.fonts`), the one
that leaves the fewest characters untypeset, counting the new tables and those the survey already
has (the current engine wins ties: an engine is never switched back to pdflatex while it typesets
more). When that is another engine, surveybuild.yaml's ``engine`` is changed, comments kept, and
the first character that needed it is named. A character no engine can typeset (no installed font
has it) is left out of the paper only: ``symbols:`` maps it to nothing, the README keeps it, and
each place is listed. The test is :func:`surveybuild.texlang.escape.escape`, the function ``check`` and the
renderer use, so the survey imported builds with what ``check`` predicts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import yaml

from ..readers import yamlread as yr
from ..texlang import fonts
from ..texlang.escape import UnencodableText, escape
from ..model import Problem, Settings, Source, Table

#: engines in the order a tie is broken after the current one: the one with a fallback chain first
_ORDER = ("lualatex", "xelatex", "pdflatex")
SETTINGS_FILE = "surveybuild.yaml"


def paper_texts(table: Table) -> Iterator[tuple[str, Source, bool]]:
    """(text, where, is LaTeX) of everything of ``table`` the paper shows, as ``check`` checks it."""
    yield table.caption, table.source, True
    for group in table.groups:
        yield group.title, group.source, True
    for note in table.notes:
        yield note.text, note.source, True
    for column in table.columns:  # a URL column's title labels its links in the paper's notes
        if column.in_paper or (column.type == "url" and column.show in ("both", "paper")):
            yield column.title, column.source, False
            if column.group:
                yield column.group, column.source, False
    shown = {c.key: c.type for c in table.columns if c.in_paper and c.type in ("text", "latex", "list")}
    for row in table.rows:
        for line in (row.line,) + row.sublines:
            for key, value in line.cells:
                kind = shown.get(key)
                raw = value.raw
                if kind is None or raw is None or isinstance(raw, bool):
                    continue
                text = ", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)
                yield text, value.source, kind == "latex"


def _typesets(text: str, engine: str, symbols: tuple[tuple[str, str], ...]) -> bool:
    try:
        escape(text, engine, symbols)
    except UnencodableText:
        return False
    return True


def untypeset(text: str, is_latex: bool, engine: str, symbols: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The characters of ``text`` that ``engine`` cannot typeset, in order (a LaTeX field's are written one
    by one, as :func:`surveybuild.texlang.escape.typeset_field` does; plain text as a whole, as :func:`escape`)."""
    if text.isascii() or (not is_latex and _typesets(text, engine, symbols)):
        return []
    bad = []
    for ch in dict.fromkeys(ch for ch in text if ord(ch) > 127):
        # a combining mark is typeset on the letter before it in plain text
        probe = "a" + ch if not is_latex and unicodedata.category(ch).startswith("M") else ch
        if not _typesets(probe, engine, symbols):
            bad.append(ch)
    return bad


def _char(ch: str) -> str:
    return f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


@dataclass
class Decision:
    engine: str
    symbols: tuple[tuple[str, str], ...]
    #: why the engine changed: the first character the old one cannot typeset, and where it is
    switched_for: tuple[str, Source] | None = None
    #: characters no engine typesets, left out of the paper: each with every place the import has it
    left_out: dict[str, list[Source]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.switched_for is not None or bool(self.left_out)


def decide(new: Iterable[Table], existing: Iterable[Table], settings: Settings) -> Decision:
    """The engine and the characters to leave out, for the survey with the ``new`` tables added."""
    texts = [(t, s, latex, True) for table in new for t, s, latex in paper_texts(table)]
    texts += [(t, s, latex, False) for table in existing for t, s, latex in paper_texts(table)]
    symbols = settings.symbols
    candidates = [settings.engine] + [e for e in _ORDER if e != settings.engine and not fonts.missing_fonts(e)]
    failing: dict[str, dict[str, list[tuple[Source, bool]]]] = {}
    for engine in candidates:
        found: dict[str, list[tuple[Source, bool]]] = {}
        for text, where, latex, is_new in texts:
            for ch in untypeset(text, latex, engine, symbols):
                found.setdefault(ch, []).append((where, is_new))
        failing[engine] = found
        if not found:
            break
    best = min(failing, key=lambda e: (len(failing[e]), candidates.index(e)))
    decision = Decision(best, symbols)
    if best != settings.engine:
        first = next((ch, w) for text, w, latex, _ in texts
                     for ch in untypeset(text, latex, settings.engine, symbols) if ch not in failing[best])
        decision.switched_for = first
    # what no engine typesets, and no control character (TeX reads those as markup): left out of the paper
    left = {ch: [w for w, is_new in places if is_new] for ch, places in failing[best].items()
            if unicodedata.category(ch) != "Cc" and any(is_new for _, is_new in places)}
    left = {ch: places for ch, places in left.items() if places}
    if left:
        decision.left_out = left
        decision.symbols = tuple(sorted(dict(symbols, **{ch: "" for ch in left}).items()))
    return decision


def messages(decision: Decision, old_engine: str) -> list[Problem]:
    """What the decision changed, as warnings at the places that made it."""
    problems = []
    if decision.switched_for is not None:
        ch, where = decision.switched_for
        chain = ", ".join(fonts.fonts(decision.engine)) or "TeX's fonts"
        from ..build.texrun import ENGINE_REACH, TRUSTED_ENGINES

        trust = (f"; {decision.engine} runs the paper's code with your rights, so 'surveybuild paper' runs it only "
                 f"with {TRUSTED_ENGINES}={decision.engine} in the environment (docs/paper.md)"
                 if decision.engine in ENGINE_REACH else "")
        problems.append(Problem(where, f"{old_engine} cannot typeset {_char(ch)}: the paper's engine is now "
                                f"{decision.engine} ({chain}), set in {SETTINGS_FILE}{trust}", severity="warning",
                                hint=f"set 'engine: {old_engine}' back and map the characters under 'symbols:' "
                                     "if you prefer"))
    # characters of one script (Arabic, Hebrew, Devanagari...) are one message: a table in a script no installed
    # font has would otherwise give a warning for each letter and each of its places
    scripts = {_script(ch) for ch in decision.left_out if " LETTER " in f" {unicodedata.name(ch, '')} "}
    by_script: dict[str, list[str]] = {}
    for ch in decision.left_out:  # an Arabic comma goes with the Arabic letters
        first_word = unicodedata.name(ch, "").split()[:1]
        by_script.setdefault(first_word[0] if first_word and first_word[0] in scripts else _script(ch), []).append(ch)
    for script, chars in by_script.items():
        places = sorted({w for ch in chars for w in decision.left_out[ch]}, key=_place_key)
        first = min((decision.left_out[ch][0] for ch in chars), key=_place_key)
        also = [w for w in places if w != first]
        where_else = f" (also at {_places(also)})" if also else ""
        if len(chars) == 1:
            what, them, it = _char(chars[0]), "it", "it"
        else:
            shown = ", ".join(_char(ch) for ch in chars[:4]) + (", ..." if len(chars) > 4 else "")
            what, them, it = f"{len(chars)} {script.title()} characters ({shown})", "them", "each"
        problems.append(Problem(first, f"no installed font of {decision.engine} has {what}: left out of the paper "
                                f"(symbols: maps {it} to '' in {SETTINGS_FILE}); the README keeps {them}"
                                f"{where_else}", severity="warning",
                                hint=f"map {them} to LaTeX under 'symbols:' or install a font that has {them}"))
    return problems


def _script(ch: str) -> str:
    """A character's script as its Unicode name begins (``ARABIC LETTER MEEM``: ARABIC); a symbol's own name."""
    name = unicodedata.name(ch, "")
    return name.split()[0] if name.split()[:1] and " LETTER " in f" {name} " else name or f"U+{ord(ch):04X}"


def _place_key(where: Source) -> tuple:
    return (where.path, where.line or 0, where.col or 0)


def _places(places: list[Source], most: int = 12) -> str:
    """``file:6, 9, 11; other.md:3``: the lines of each file, in order, at most ``most`` of them."""
    lines = list(dict.fromkeys((where.path, where.line) for where in places))
    by_file: dict[str, list[str]] = {}
    for path, line in lines[:most]:
        by_file.setdefault(path, []).append(str(line))
    text = "; ".join(f"{path}:{', '.join(numbers)}" for path, numbers in by_file.items())
    return text + (f" and {len(lines) - most} more line(s)" if len(lines) > most else "")


class SettingsEditError(ValueError):
    """surveybuild.yaml is written in a way the import does not edit (a flow mapping ``{...}``)."""


def edit_settings(text: str | None, decision: Decision, old: Settings) -> str:
    """surveybuild.yaml's text with ``engine`` and ``symbols`` as decided; its other lines, comments
    included, as they were. ``text`` None: the file does not exist yet."""
    lines = [] if text is None else text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    root = None
    if text is not None and text.strip():
        try:
            root = yaml.compose(text, Loader=yr._Loader)
        except yaml.YAMLError as exc:
            raise SettingsEditError("it is not valid YAML") from exc
    if root is not None and (not isinstance(root, yaml.MappingNode) or root.flow_style):
        raise SettingsEditError("it is not a block mapping (name: value lines)")
    nodes = {k: (kn, vn) for k, kn, vn in yr.items(root)} if root is not None else {}
    edits: list[tuple[int, int, list[str]]] = []  # (first line, end line, new lines): replace lines[a:b]
    if decision.engine != old.engine:
        why = ""
        if decision.switched_for is not None:
            ch, where = decision.switched_for
            why = f"  # set by surveybuild import: {old.engine} cannot typeset {_char(ch)} at {where}"
        if "engine" in nodes:
            kn, vn = nodes["engine"]
            if vn.start_mark.line != vn.end_mark.line or not isinstance(vn, yaml.ScalarNode):
                raise SettingsEditError("its 'engine' is not written on one line")
            line = lines[vn.start_mark.line]
            head, tail = line[:vn.start_mark.column], line[vn.end_mark.column:]
            edits.append((vn.start_mark.line, vn.start_mark.line + 1,
                          [head + decision.engine + (tail if "#" in tail else tail.rstrip() + why)]))
        else:
            edits.append((len(lines), len(lines), [f"engine: {decision.engine}{why}"]))
    if decision.left_out:
        entries = [f"{_flow(ch)}: ''  # no installed font has it: left out of the paper (the README keeps it); "
                   f"{places[0]}" for ch, places in decision.left_out.items()]
        if "symbols" in nodes:
            kn, vn = nodes["symbols"]
            if isinstance(vn, yaml.MappingNode) and not vn.flow_style and vn.value:
                indent = " " * vn.value[0][0].start_mark.column
                end = max(n.end_mark.line + (1 if n.end_mark.column else 0) for _, n in vn.value)
                end = max(end, vn.value[-1][0].start_mark.line + 1)
                edits.append((end, end, [indent + e for e in entries]))
            elif isinstance(vn, yaml.ScalarNode) and vn.value in ("", "~", "null") or (
                    isinstance(vn, yaml.MappingNode) and not vn.value):
                edits.append((kn.start_mark.line, vn.end_mark.line + 1,
                              [" " * kn.start_mark.column + "symbols:"] + ["  " + " " * kn.start_mark.column + e
                                                                           for e in entries]))
            else:
                raise SettingsEditError("its 'symbols' is written inline ({...})")
        else:
            edits.append((len(lines), len(lines), ["symbols:"] + ["  " + e for e in entries]))
    for first, end, new in sorted(edits, reverse=True):
        lines[first:end] = new
    if text is None:
        lines.insert(0, "# surveybuild settings (docs/paper.md); written by surveybuild import")
    return "\n".join(lines) + "\n"


def _flow(ch: str) -> str:
    return yaml.safe_dump([ch], allow_unicode=True, default_flow_style=True, default_style="'").strip()[1:-1]
