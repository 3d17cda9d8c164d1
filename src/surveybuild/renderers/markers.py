"""Marker regions: generated text between ``surveybuild:begin ID`` and ``surveybuild:end`` in a hand-written file.

In Markdown the markers are HTML comments, in LaTeX line comments::

    <!-- surveybuild:begin models -->          % surveybuild:begin models
    ...generated...                            ...generated...
    <!-- surveybuild:end -->                   % surveybuild:end

Only what lies between a pair is replaced; every byte outside is kept. A marker
stands alone on its line. IDs are table ids, plus ``references`` and ``toc``
in Markdown.

A build seals each region: its begin marker gets the checksum of the text it generated
(``<!-- surveybuild:begin models sha256=0123456789abcdef -->``), so a hand edit inside a region is
noticed (:func:`edited_regions`) and needs ``--force``, like a hand edit of any generated file.
A marker without a checksum (written by hand, or by an older surveybuild) gets one at the next build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Problem, Source
from ..build.stamp import digest

SPECIAL_IDS = ("references", "toc")

_SEAL = r"(?:\s+sha256=([0-9a-f]{16}))?"
_MD_BEGIN = re.compile(rf"^\s*<!--\s*surveybuild:begin\s+(\S+?){_SEAL}\s*-->\s*$")
_MD_END = re.compile(r"^\s*<!--\s*surveybuild:end\s*-->\s*$")
_TEX_BEGIN = re.compile(rf"^\s*%\s*surveybuild:begin\s+(\S+?){_SEAL}\s*$")
_TEX_END = re.compile(r"^\s*%\s*surveybuild:end\s*$")
# a line that starts as a marker but is not one (a marker must stand alone on its line)
_ALMOST = re.compile(r"^\s*(<!--|%)\s*surveybuild:(begin|end)\b")


@dataclass(frozen=True)
class Region:
    """A generated region of a hand-written file, between its begin and end marker lines."""

    id: str
    begin: int  # index of the begin marker's line
    end: int  # index of the end marker's line
    source: Source
    digest: str | None = None  # the checksum its begin marker holds (None: not sealed yet)


def flavour(path: str) -> str:
    return "latex" if path.endswith((".tex", ".sty", ".cls")) else "markdown"


def has_markers(text: str) -> bool:
    """Whether ``text`` holds a marker line (a marker quoted inside prose does not count)."""
    if "surveybuild:" not in text:  # every marker holds it: a text without it is not read line by line
        return False
    return any(r.match(line) for line in text.splitlines() for r in (_MD_BEGIN, _MD_END, _TEX_BEGIN, _TEX_END))


def find_regions(text: str, path: str, known_ids) -> tuple[list[Region], list[Problem]]:
    """Every marker pair of ``text``; unbalanced, nested or unknown markers are problems."""
    begin_re, end_re = (_TEX_BEGIN, _TEX_END) if flavour(path) == "latex" else (_MD_BEGIN, _MD_END)
    ids = set(known_ids) | (set(SPECIAL_IDS) if flavour(path) == "markdown" else set())
    lines = text.splitlines(keepends=True)
    regions: list[Region] = []
    problems: list[Problem] = []
    open_at: tuple[int, str, str | None] | None = None
    for i, line in enumerate(lines):
        where = Source(path, i + 1, 1)
        begin, end = begin_re.match(line), end_re.match(line)
        if begin:
            if open_at is not None:
                problems.append(Problem(where, f"marker 'surveybuild:begin {begin.group(1)}' is nested in the region "
                                        f"'{open_at[1]}' opened on line {open_at[0] + 1}",
                                        hint="close the first region with 'surveybuild:end' before opening another"))
                continue
            if begin.group(1) not in ids:
                from ..readers.tableread import did_you_mean

                problems.append(Problem(where, f"marker names unknown table '{begin.group(1)}'",
                                        hint=did_you_mean(begin.group(1), ids) or f"known: {', '.join(sorted(ids))}"))
            open_at = (i, begin.group(1), begin.group(2))
        elif end:
            if open_at is None:
                problems.append(Problem(where, "marker 'surveybuild:end' closes no region",
                                        hint="delete it or add the matching 'surveybuild:begin ID' above"))
                continue
            regions.append(Region(open_at[1], open_at[0], i, Source(path, open_at[0] + 1, 1), open_at[2]))
            open_at = None
        elif _ALMOST.match(line):
            problems.append(Problem(where, "a 'surveybuild:' marker must stand alone on its line, written as "
                                    + ("'% surveybuild:begin ID' / '% surveybuild:end'" if flavour(path) == "latex"
                                       else "'<!-- surveybuild:begin ID -->' / '<!-- surveybuild:end -->'")))
    if open_at is not None:
        problems.append(Problem(Source(path, open_at[0] + 1, 1), f"region '{open_at[1]}' is never closed",
                                hint="add a 'surveybuild:end' marker after it"))
    return regions, problems


def fill(text: str, regions: list[Region], content: dict[str, str]) -> str:
    """``text`` with each region's inside replaced by ``content[region.id]``; the rest byte for byte."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    last = 0
    for region in regions:
        out += lines[last: region.begin + 1]
        if not out[-1].endswith("\n"):
            out[-1] += "\n"
        body = content[region.id]
        out.append(body if body.endswith("\n") else body + "\n")
        last = region.end
    out += lines[last:]
    return "".join(out)


def _body(lines: list[str], region: Region) -> str:
    return "".join(lines[region.begin + 1: region.end])


def seal(text: str, path: str) -> str:
    """``text`` with each region's begin marker holding the checksum of the region's text as it is now."""
    regions, _ = find_regions(text, path, ())
    if not regions:
        return text
    lines = text.splitlines(keepends=True)
    latex = flavour(path) == "latex"
    for region in regions:
        line = lines[region.begin]
        indent = line[: len(line) - len(line.lstrip())]
        ending = line[len(line.rstrip("\r\n")):]
        mark = f"surveybuild:begin {region.id} sha256={digest(_body(lines, region))}"
        lines[region.begin] = f"{indent}% {mark}{ending}" if latex else f"{indent}<!-- {mark} -->{ending}"
    return "".join(lines)


def edited_regions(text: str, path: str) -> list[Problem]:
    """A problem for each sealed region whose text is no longer what the last build wrote there."""
    regions, _ = find_regions(text, path, ())
    lines = text.splitlines(keepends=True)
    return [Problem(Source(path, region.begin + 2, 1), f"region '{region.id}' was edited by hand since the last build",
                    hint="move the edit into the table YAML or outside the region, or build with --force to "
                    "overwrite it")
            for region in regions if region.digest is not None and digest(_body(lines, region)) != region.digest]
