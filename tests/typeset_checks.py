"""Checks of a built paper's typesetting (issue 13, "clean typesetting, checked"), for any survey.

- :func:`log_defects`: overfull boxes over 1 pt and floats too large, from the LaTeX log.
- :func:`outside_text_block`: words of the PDF (``pdftotext -bbox-layout``) outside the text block, whose
  place the generated setup file writes into the log (``texlog.text_block``); landscape pages turned back.
- :func:`rules_outside_tables`: rules between a table's rows that reach outside the table (pdftocairo -svg).
- :func:`bad_breaks`: page breaks of a table leaving fewer than 3 lines of its rows on a page, or its header
  (or its notes) on a page with none of its rows, its notes beginning after the page of its last row, or a
  figure between its last row and its last note. The paper must trace its layout (:func:`trace_layout`):
  every line of a generated table then writes its page into the log at shipout (``texlog.layout_marks``).

Needs poppler's pdftotext and pdfinfo; used after one build of the paper (no TeX compile of its own).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from surveybuild.build import texlog

BP_PER_PT = 72 / 72.27
#: A table broken over pages keeps at least this many lines of its rows on each.
MIN_LINES = 3
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>')
_FOLIO = re.compile(r"(?:\d+|[ivxlcdm]+)", re.I)
_ROT = re.compile(r"^Page\s+(\d+) rot:\s+(\d+)", re.M)


#: The paper's setup lines in the test surveys' main.tex, between ``\\documentclass`` and ``\\begin{document}``: the
#: tables' preamble, natbib, url and hyperref, then surveybuild's own setup (as the embedded survey's main.tex).
PAPER_SETUP = r"""\input{tables/preamble}
\usepackage[numbers]{natbib}
\usepackage{url}
\usepackage{xurl}
\usepackage{hyperref}
\input{tables/_surveybuild}
"""


def pdf_text(pdf: Path, *args: str) -> str:
    """``pdftotext`` of the PDF (UTF-8, to standard output), with its options ``args`` (``-layout``, ``-bbox``...)."""
    return subprocess.run(["pdftotext", *args, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def trace_layout(main_tex: Path) -> None:
    """Have the paper's generated tables write into the log where each of their lines lands."""
    text = main_tex.read_text("utf-8")
    if "\\def\\surveybuildtracelayout{}" not in text:
        main_tex.write_text("\\def\\surveybuildtracelayout{}\n" + text, "utf-8")


def log_defects(log: str, fuzz: float = 1.0) -> list[str]:
    """The log's overfull boxes over ``fuzz`` pt and its floats too large, as the log says them."""
    return [f"{e.file}:{e.line}: {e.text or e.kind + ' ' + e.name}"
            for e in texlog.typesetting_defects(texlog.read_log(log), fuzz)]


def _rotations(pdf: Path, pages: int) -> dict[int, int]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return {int(n): int(r) % 360 for n, r in _ROT.findall(out)}


def outside_text_block(pdf: Path, log: str, tolerance: float = 1.0) -> list[str]:
    """Every word of the PDF outside the text block (by more than ``tolerance`` bp; vertically, a line's
    ascenders and descenders beyond the first and last baselines are allowed), but a page number alone in
    the footer. Landscape pages (``/Rotate`` 90 or 270) are checked against the text block turned likewise."""
    block = texlog.text_block(log)
    assert block is not None, "the log has no 'surveybuild: text block' line: does the paper \\input the setup file?"
    html = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = _PAGE.findall(html)
    rotations = _rotations(pdf, len(pages))
    k = BP_PER_PT
    outside = []
    for n, (page_w, page_h, body) in enumerate(pages, start=1):
        left = (block.left_even if block.twoside and n % 2 == 0 else block.left) * k
        top, width, height = block.top * k, block.width * k, block.height * k
        # the block on the unturned page: x0, y0 (top), x1, y1; the footer's band under it
        x0, y0, x1, y1 = left, top, left + width, top + height
        foot = (y1, y1 + (block.footskip + 12) * k)
        rot = rotations.get(n, 0)
        for line in _LINE.findall(body):
            words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(line)]
            for wx0, wy0, wx1, wy1, word in words:
                # back to the unturned page's coordinates (pdftotext shows a page turned by /Rotate)
                # (the page's width and height as pdftotext gives them are the unturned page's)
                if rot == 90:
                    wx0, wy0, wx1, wy1 = wy0, float(page_h) - wx1, wy1, float(page_h) - wx0
                elif rot == 270:
                    wx0, wy0, wx1, wy1 = float(page_w) - wy1, wx0, float(page_w) - wy0, wx1
                elif rot == 180:
                    wx0, wy0, wx1, wy1 = float(page_w) - wx1, float(page_h) - wy1, float(page_w) - wx0, float(
                        page_h) - wy0
                if rot in (90, 270):  # the turned text's lines run across the page: ascenders along x
                    slack_x, slack_y = 0.4 * (wx1 - wx0) + tolerance, tolerance
                else:
                    slack_x, slack_y = tolerance, 0.4 * (wy1 - wy0) + tolerance
                if x0 - slack_x <= wx0 and wx1 <= x1 + slack_x and y0 - slack_y <= wy0 and wy1 <= y1 + slack_y:
                    continue
                if len(words) == 1 and _FOLIO.fullmatch(word) and foot[0] <= wy0 and wy1 <= foot[1]:
                    continue  # the page number
                outside.append(f"page {n}: {word!r} at x {wx0:.1f}-{wx1:.1f}, y {wy0:.1f}-{wy1:.1f} bp; "
                               f"text block x {x0:.1f}-{x1:.1f}, y {y0:.1f}-{y1:.1f} bp")
    return outside


def bad_breaks(log: str, min_lines: int = MIN_LINES) -> list[str]:
    """For each traced table: a page with fewer than ``min_lines`` printed lines of its rows when the table
    spans several pages, a header over none of its rows, its first note on a page without its rows or
    after the page of its last row, a figure (traced at its picture's foot) between its last row and its
    last note: above notes that go on over a page, or below a part of them.

    A row's printed lines are measured from the marks' heights: the distance to the next line of the table
    on the page (or to its "continued" foot, or to the end of the table's last row) over the table's line
    pitch (the least such distance)."""
    marks = texlog.layout_marks(log)
    assert marks, "no layout marks in the log: trace_layout(main.tex) before the build"
    by_table: dict[str, list[texlog.LayoutMark]] = defaultdict(list)
    figures = [m for m in marks if m.what == "figure"]
    for m in marks:
        if m.what != "figure":
            by_table[m.label].append(m)
    problems = []
    for label, table in sorted(by_table.items()):
        rows: dict[int, list[texlog.LayoutMark]] = defaultdict(list)
        for m in table:
            if m.what == "row":
                rows[m.page].append(m)
        # the "continued" foot's baseline, or (the table's last page) the end of its last row
        feet = {m.page: m for m in table if m.what in ("foot", "end")}
        gaps = [a.y - b.y for page in rows.values() for a, b in zip(page, page[1:])
                if a.y is not None and b.y is not None and a.y > b.y]
        pitch = min(gaps) if gaps else None
        if len(rows) > 1:
            for page, lines in sorted(rows.items()):
                below = lines[1:] + ([feet[page]] if page in feet else [])
                printed = 0
                for line, after in zip(lines, below + [None] * (len(lines) - len(below))):
                    if pitch and after is not None and line.y is not None and after.y is not None:
                        # to the end of the last row: its last line's baseline is a line above
                        printed += max(1, round((line.y - after.y) / pitch) + (after.what == "end"))
                    else:
                        printed += 1
                if printed < min_lines:
                    problems.append(f"{label}: {printed} printed line(s) of its rows ({len(lines)} row line(s)) on "
                                    f"page {page}")
        problems += [f"{label}: its header over none of its rows on page {m.page}" for m in table
                     if m.what == "head" and m.page not in rows]
        notes = [m for m in table if m.what == "note"]
        if notes and notes[0].page not in rows:
            problems.append(f"{label}: its notes begin on page {notes[0].page}, without its rows")
        elif notes and rows and notes[0].page != max(rows):
            problems.append(f"{label}: its notes begin on page {notes[0].page}, not with its last row on page "
                            f"{max(rows)}")
        last_row = next((m for m in reversed(table) if m.what == "row"), None)
        if notes and last_row is not None:
            after, before = _position(last_row), _position(notes[-1])
            problems += [f"{label}: figure {f.label} lands between its last row and its last note (page {f.page})"
                         for f in figures if after < _position(f) < before]
    return problems


def _position(mark: texlog.LayoutMark) -> tuple[int, int]:
    """Where a mark lies in reading order: by page, then from the top (``y`` is from the page's foot)."""
    return mark.page, -(mark.y or 0)


_SVG_LINE = re.compile(r'<path style="fill:none;stroke-width:([\d.]+);[^"]*" d="M ([-\d.]+) ([-\d.]+) L ([-\d.]+) ([-\d.]+) "'
                       r' transform="matrix\(1,0,0,-1,([-\d.]+),([-\d.]+)\)"/>')


def svg_rules(svg: str) -> list[tuple[float, float, float, float]]:
    """Horizontal rules of one page drawn by pdftocairo as stroked lines: (y, x0, x1, stroke width)."""
    out = []
    for w, x0, y0, x1, y1, tx, ty in _SVG_LINE.findall(svg):
        if abs(float(y0) - float(y1)) < 0.01 and float(x1) - float(x0) > 5:
            out.append((round(float(ty) - float(y0), 2), float(tx) + float(x0), float(tx) + float(x1), float(w)))
    return sorted(out)


def rules_outside(rules: list[tuple[float, float, float, float]], tolerance: float = 0.5) -> list[str]:
    """Of one page's :func:`svg_rules`: rules drawn between a table's top and bottom rule (two rules of the
    same width and extent with only thinner ones between) that reach outside their horizontal extent."""
    problems = []
    for i, (_, x0, x1, w) in enumerate(rules):
        for j in range(i + 1, len(rules)):
            _, a, b, wj = rules[j]
            if abs(a - x0) < 0.1 and abs(b - x1) < 0.1 and abs(wj - w) < 0.01:
                problems += [f"a rule at y={r[0]:.1f}bp spans {r[1]:.1f}-{r[2]:.1f}bp, outside its table's "
                             f"{x0:.1f}-{x1:.1f}bp" for r in rules[i + 1:j]
                             if r[1] < x0 - tolerance or r[2] > x1 + tolerance]
                break
            if wj >= w:
                break
    return problems


def rules_outside_tables(pdf: Path) -> list[str]:
    """:func:`rules_outside` on every page of ``pdf``: a rule between rows must stay within its table, as
    booktabs' rules do."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in range(1, pages + 1):
            out = Path(tmp) / f"p{page}.svg"
            subprocess.run(["pdftocairo", "-svg", "-f", str(page), "-l", str(page), str(pdf), str(out)],
                           check=True, capture_output=True)
            problems += [f"page {page}: {p}" for p in rules_outside(svg_rules(out.read_text("utf-8", "replace")))]
    return problems


def overlapping_words(pdf: Path, tolerance: float = 0.5) -> list[str]:
    """Words of the PDF (``pdftotext -bbox``) whose boxes overlap another word's on the same page by more than
    ``tolerance`` bp across and a third of the lower box's height: text set over text, as a note mark that hangs into
    the next column's first word (not the boxes of two lines' words, which fonts' ascenders make overlap)."""
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    found = []
    for n, (_, _, body) in enumerate(_PAGE.findall(html), start=1):
        words = sorted((float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(body))
        for i, (x0, y0, x1, y1, word) in enumerate(words):
            for ox0, oy0, ox1, oy1, other in words[i + 1:]:
                if ox0 >= x1 - tolerance:
                    break  # sorted by left edge: no later word reaches back into this one
                # vertically, more than a third of the lower box: under lualatex (OpenType Latin Modern) a word's box
                # is 14bp high for 12bp between baselines, and the words of two lines overlapped by 2bp
                if min(x1, ox1) - ox0 > tolerance and min(y1, oy1) - max(y0, oy0) > max(
                        tolerance, min(y1 - y0, oy1 - oy0) / 3):
                    found.append(f"page {n}: {word!r} and {other!r} overlap at x {ox0:.1f}-{min(x1, ox1):.1f} bp")
    return found
