"""Read a LaTeX log into entries: what TeX complained about, in which file and at which line.

Pure text in, entries out; no I/O and no knowledge of the survey (``textrace`` maps the
entries back to the YAML). The log is expected to be written with ``-file-line-error``
and unwrapped lines (``max_print_line`` set high, as :mod:`surveybuild.build.texrun` does),
but wrapped logs are read too, less precisely.

Which file a message belongs to is known from TeX's file stack: TeX prints
``(./tables/models.tex`` when it opens a file and ``)`` when it closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["citation", "reference", "label", "missing-file", "error", "overfull", "float", "page", "missing-char",
               "biber", "bibtex"]


@dataclass(frozen=True)
class LogEntry:
    """One complaint: its kind, the key/label/file it names, and where TeX was."""

    kind: Kind
    name: str  # cite key, label, missing file; "" for other errors
    file: str  # as TeX named it, without a leading "./"; "" when unknown
    line: int = 0
    last_line: int = 0  # end of a line range (boxes), else == line
    text: str = ""  # the log's own words
    content: str = ""  # an overfull box's first line of contents as TeX shows it (`[]|\\T1/lmr/m/n/9 Local/Remote|`)


_CITATION = re.compile(r"(?:LaTeX|Package natbib) Warning: Citation [`']([^']*)' (?:on page \S+ )?undefined"
                       r"(?: on input line (\d+))?")
_REFERENCE = re.compile(r"LaTeX Warning: Reference [`']([^']*)' on page \S+ undefined(?: on input line (\d+))?")
_LABEL = re.compile(r"LaTeX Warning: Label [`']([^']*)' multiply defined")
_MISSING = re.compile(r"LaTeX Error: File [`']([^']*)' not found")
_FLOAT = re.compile(r"LaTeX Warning: Float too large for page by (\S+) on input line (\d+)")
_BOX = re.compile(r"^Overfull \\[hv]box \((\S+) too (?:wide|high)\) (?:in paragraph|in alignment|detected) at lines? "
                  r"(\d+)(?:--(\d+))?")
#: Written by the generated setup file (templates/setup.tex.j2): the text block the tables were fitted to.
PAGE = re.compile(r"^surveybuild: text block ([\d.]+pt) x ([\d.]+pt), font ([\d.]+)pt")
#: Its end: whether the paper is set in one column or two.
_COLUMNS = re.compile(r", columns ([12])\s*$")
#: The rest of that line: where the text block lies on the paper (all in TeX pt).
_GEOMETRY = re.compile(r"left ([\d.]+)pt even ([\d.]+)pt, top ([\d.]+)pt, footskip ([\d.]+)pt, "
                       r"paper ([\d.]+)pt x ([\d.]+)pt, (one|two)side")
#: Written at shipout by a generated table's lines when the paper traces its layout (latex.TABLE_PACKAGES).
_MARK = re.compile(r"^surveybuild layout: (\S+) (head|foot|end|note|figure|row (\d+)\.(\d+)) page (-?\d+)(?: y (-?\d+))?\s*$")
_FILE_LINE_ERROR = re.compile(r"^(?:\./)?([^:\s][^:]*\.\w+):(\d+): (.*)")
_BANG = re.compile(r"^! (.*)")
#: xelatex/lualatex: no font has the character (an error under \tracinglostchars=3, as fonts.preamble sets)
_LOST = re.compile(r"Missing character: There is no (.+?) \(U\+([0-9A-Fa-f]+)\) in font ([^:!;]*)")
_CONTEXT_LINE = re.compile(r"^l\.(\d+) ")
_NOISE = ("Emergency stop", "==> Fatal error occurred", "Job aborted", "Preparing to exit")
_FILE_OPEN = re.compile(r"\(((?:\.{0,2}/|[A-Za-z]:[\\/])?[^\s(){}<>\[\]\"]+\.[A-Za-z0-9]{1,8})")


def _clean(path: str) -> str:
    return path[2:] if path.startswith("./") else path


class _FileStack:
    """TeX's open files, from the ``(file`` and ``)`` in the log."""

    def __init__(self) -> None:
        self.stack: list[str | None] = []

    def feed(self, line: str) -> None:
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "(":
                m = _FILE_OPEN.match(line, i)
                if m:
                    self.stack.append(_clean(m.group(1)))
                    i = m.end()
                    continue
                self.stack.append(None)
            elif ch == ")" and self.stack:
                self.stack.pop()
            i += 1

    @property
    def current(self) -> str:
        return next((f for f in reversed(self.stack) if f is not None), "")


def read_log(log: str) -> list[LogEntry]:
    """Every complaint in a LaTeX log, each once, in log order."""
    entries: list[LogEntry] = []
    files = _FileStack()
    lines = log.splitlines()
    i = 0
    skip_box = False
    while i < len(lines):
        line = lines[i]
        i += 1
        if skip_box:  # an overfull box's contents: TeX's shorthand, not file names
            if not line.strip():
                skip_box = False
            continue
        if m := _BOX.match(line):
            first = int(m.group(2))
            last = int(m.group(3) or first)
            entries.append(LogEntry("overfull", m.group(1), files.current, first, last, line.strip(),
                                    lines[i].strip() if i < len(lines) else ""))
            skip_box = True
            continue
        if m := _FILE_LINE_ERROR.match(line):
            message = m.group(3).strip()
            if not any(n in message for n in _NOISE):
                missing = _MISSING.search(message)
                kind, name = ("missing-file", missing.group(1)) if missing else ("error", "")
                entries.append(LogEntry(kind, name, _clean(m.group(1)), int(m.group(2)), int(m.group(2)), message))
            i = _skip_context(lines, i)
            continue
        if m := _BANG.match(line):
            message = m.group(1).strip()
            lineno, i = _context_line(lines, i)
            if not any(n in message for n in _NOISE):
                missing = _MISSING.search(message)
                kind, name = ("missing-file", missing.group(1)) if missing else ("error", "")
                entries.append(LogEntry(kind, name, files.current, lineno, lineno, message))
            continue
        if m := PAGE.match(line):  # text: the font size, and the columns when the line says them ("10 2")
            columns = _COLUMNS.search(line)
            entries.append(LogEntry("page", f"{m.group(1)} x {m.group(2)}", files.current, 0, 0,
                                    m.group(3) + (f" {columns.group(1)}" if columns else "")))
            continue
        if m := _LOST.search(line):
            entries.append(LogEntry("missing-char", m.group(1), files.current, 0, 0, line.strip()))
            files.feed(line[:m.start()])
            continue
        warning = _warning(line, lines, i)
        if warning is not None:
            kind, name, lineno, text = warning
            entries.append(LogEntry(kind, name, files.current, lineno, lineno, text))
        files.feed(line)
    return _unique(entries)


def _warning(line: str, lines: list[str], i: int) -> tuple[Kind, str, int, str] | None:
    if "Warning:" not in line:
        return None
    # a wrapped log may split a warning over lines: join its continuation lines
    text = line.strip()
    while i < len(lines) and lines[i].strip() and not lines[i].startswith(("(", "LaTeX", "Package")) \
            and not text.endswith("."):
        text += lines[i].strip()
        i += 1
    text = re.sub(r"\s*\(\w+\)\s+", " ", text)  # package continuation prefixes such as "(natbib) "
    for pattern, kind in ((_CITATION, "citation"), (_REFERENCE, "reference")):
        if m := pattern.search(text):
            return kind, m.group(1), int(m.group(2) or 0), text
    if m := _LABEL.search(text):
        return "label", m.group(1), 0, text
    if m := _FLOAT.search(text):
        return "float", m.group(1), int(m.group(2)), text
    return None


_BLG_WARNING = re.compile(r"^Warning--(.*)")
_BLG_AT = re.compile(r"^-+line (\d+) of file (.+?)\s*$")
_BLG_ERROR = re.compile(r"^(.*?)-+line (\d+) of file (.+?)\s*$")
_BLG_KEY = re.compile(r"(?: in | for (?:entry )?)\"?([^\s\"]+?)\"?$|^I'm ignoring ([^\s']+)'s|entry type for \"([^\"]+)\"")
#: BibTeX warnings that LaTeX's own log reports better (an undefined citation, at the place it is cited)
_BLG_SKIP = ("I didn't find a database entry",)


def read_blg(blg: str) -> list[LogEntry]:
    """BibTeX's complaints in its ``.blg``: ``Warning--...`` lines (kind ``bibtex``, ``line`` 0 unless BibTeX
    gave ``--line N of file F``) and errors (``...---line N of file F``, ``text`` starting with ``error:``).
    ``name`` is the entry key the message names, if any."""
    entries: list[LogEntry] = []
    lines = blg.splitlines()
    for i, line in enumerate(lines):
        if m := _BLG_WARNING.match(line):
            message = m.group(1).strip()
            if any(s in message for s in _BLG_SKIP):
                continue
            file, lineno = "", 0
            if i + 1 < len(lines) and (at := _BLG_AT.match(lines[i + 1])):
                lineno, file = int(at.group(1)), _clean(at.group(2))
            key = _BLG_KEY.search(message)
            name = next((g for g in key.groups() if g), "") if key else ""
            entries.append(LogEntry("bibtex", name, file, lineno, lineno, message))
        elif (m := _BLG_ERROR.match(line)) and not line.startswith(("Warning", "-")):
            message = m.group(1).strip().rstrip("-") or "BibTeX error"
            entries.append(LogEntry("bibtex", "", _clean(m.group(3)), int(m.group(2)), int(m.group(2)),
                                    "error: " + message))
    return _unique(entries)


def _context_line(lines: list[str], i: int) -> tuple[int, int]:
    """The ``l.N`` line number after a ``!`` error, and where reading goes on."""
    for j in range(i, min(i + 12, len(lines))):
        if m := _CONTEXT_LINE.match(lines[j]):
            return int(m.group(1)), _skip_context(lines, j)
        if _FILE_LINE_ERROR.match(lines[j]) or _BANG.match(lines[j]):
            break
    return 0, i


def _skip_context(lines: list[str], i: int) -> int:
    """Skip the ``l.N ...`` source excerpt (two lines) that follows an error: it is TeX input, not log."""
    for j in range(i, min(i + 12, len(lines))):
        if _CONTEXT_LINE.match(lines[j]):
            return min(j + 2, len(lines))
        if _FILE_LINE_ERROR.match(lines[j]) or _BANG.match(lines[j]):
            break
    return i


#: Kinds that stop TeX under ``-halt-on-error``: what the log says after (or because of) them is incomplete.
FATAL: tuple[Kind, ...] = ("error", "missing-file", "missing-char")


def stopped_at_error(entries: list[LogEntry]) -> tuple[list[LogEntry], int]:
    """The entries worth reporting, and how many were left out.

    A run that stopped at a TeX error never wrote the labels and bibliography after it: its
    undefined references and citations (and its boxes) are consequences, not causes. Then only
    the errors are kept; a run without one keeps every entry.
    """
    errors = [e for e in entries if e.kind in FATAL]
    if not errors:
        return entries, 0
    return errors, len(entries) - len(errors)
#: biber's own log (``build/<main>.blg``): ``[n] Utils.pm:1234> ERROR - message`` and ``WARN - message``
_BLG = re.compile(r"^\[\d+\] [\w:.]+> (ERROR|WARN) - (.*)")


def read_biber_blg(blg: str) -> list[LogEntry]:
    """biber's errors and warnings, each once (kind ``biber``, name ``ERROR``/``WARN``)."""
    return _unique([LogEntry("biber", m.group(1), "", 0, 0, m.group(2).strip())
                    for line in blg.splitlines() if (m := _BLG.match(line))])


def _unique(entries: list[LogEntry]) -> list[LogEntry]:
    seen: set[tuple] = set()
    out = []
    for e in entries:
        key = (e.kind, e.name, e.file, e.line, e.last_line, e.text if e.kind in ("error", "biber", "bibtex") else "")
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


@dataclass(frozen=True)
class TextBlock:
    """The paper's text block, as its generated setup file reported it (TeX pt; ``top`` from the paper's top)."""

    width: float
    height: float
    left: float  # odd pages (every page when one-sided)
    left_even: float
    top: float
    footskip: float
    paper_width: float
    paper_height: float
    twoside: bool


def text_block(log: str) -> TextBlock | None:
    """The text block the log's ``surveybuild: text block`` line gives (None in a log without one)."""
    for line in log.splitlines():
        if (m := PAGE.match(line)) and (g := _GEOMETRY.search(line)):
            return TextBlock(float(m.group(1)[:-2]), float(m.group(2)[:-2]), float(g.group(1)), float(g.group(2)),
                             float(g.group(3)), float(g.group(4)), float(g.group(5)), float(g.group(6)),
                             g.group(7) == "two")
    return None


@dataclass(frozen=True)
class LayoutMark:
    """A line of a generated table on its page: ``what`` is ``head``, ``foot`` (continued on the next page),
    ``end`` (below a long table's last row), ``note`` or ``row``; or a generated figure's picture (``figure``,
    at the picture's foot)."""

    label: str
    what: str
    page: int
    row: int = 0  # the row's number in the table's body (from 1), for ``row``
    line: int = 0  # the line within the row (from 0)
    y: int | None = None  # its baseline's height on the page in sp, where the engine tells (\pdflastypos)


def layout_marks(log: str) -> list[LayoutMark]:
    """Where each traced line of each generated table landed, in shipout order."""
    marks = []
    for line in log.splitlines():
        if m := _MARK.match(line):
            what = "row" if m.group(3) else m.group(2)
            marks.append(LayoutMark(m.group(1), what, int(m.group(5)), int(m.group(3) or 0), int(m.group(4) or 0),
                                    int(m.group(6)) if m.group(6) else None))
    return marks


#: An overfull box by at most this much (pt) is not a visible defect: neither the build nor the tests report it.
FUZZ_PT = 1.0


def typesetting_defects(entries: list[LogEntry], fuzz: float = FUZZ_PT) -> list[LogEntry]:
    """The overfull boxes more than ``fuzz`` pt too wide or high, and the floats too large for their page."""
    return [e for e in entries if e.kind == "float"
            or (e.kind == "overfull" and float(e.name.removesuffix("pt") or 0) > fuzz)]
