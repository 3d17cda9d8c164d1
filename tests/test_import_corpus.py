"""The importer's accounting on the real corpus: every table, row, cell and cite key of every LaTeX and
README table under ../shared/corpus reaches the written YAML, compared by visible words.

The tables, rows, cells and cite keys are counted here by a small counter of its own (regular
expressions and brace depth, nothing of the importer): LaTeX tabular bodies split at ``\\\\`` and
``&``; Markdown pipe rows; HTML ``<tr>``/``<td>``. A piece whose words are not in the table written
must be listed by a problem naming its file:line; the test fails on anything lost silently, and
(today) on anything lost at all.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from pylatexenc import latex2text

from corpus import corpus_path
from surveybuild.importer import import_text
from surveybuild.importer.write import to_yaml

TABULAR = re.compile(r"\\(begin|end)\{(tabular\*?|tabularx|tabulary|xltabular|longtable\*?|tabu|supertabular)\}")
CITE = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^{}]*)\}")
RULE = re.compile(r"\\(?:hline|toprule|midrule|bottomrule|endhead|endfirsthead|endfoot|endlastfoot|"
                  r"addlinespace(?:\[[^\]]*\])?|(?:cmidrule|cline)(?:\([a-z]*\))?\{[^}]*\})")
WORD = re.compile(r"[^\W_]+")
LOCAL_LINK = re.compile(r"\]\((?!\s*https?://)\s*([^()\s]+)\s*\)", re.I)  # [text](tools/x): not http(s)
#: arguments that are not visible text: spans and column specs, sizes, colours, angles, labels
_B = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"  # a braced argument, three levels deep
_O = r"(?:\[[^\]]*\])"  # an optional argument
HIDDEN = re.compile(rf"\\(?:multicolumn{_B}{_B}|multirow{_O}?{_B}{_O}?{_B}{_O}?|"
                    rf"(?:rule|resizebox|scalebox|setlength|colorbox|textcolor)\*?{_O}*{_B}(?:{_B})?|"
                    rf"(?:vspace|hspace|addlinespace|rotatebox|raisebox|cellcolor|rowcolor|color|arrayrulecolor|"
                    rf"parbox|makebox|includegraphics|input|include|label|ref|turn|arraystretch)\*?{_O}*(?:{_B})?|"
                    rf"(?:begin|end)\{{[^{{}}]*\}}{_O}?(?:{_B})*)")
TO_TEXT = latex2text.LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


@dataclass
class Piece:
    text: str
    line: int  # first line
    last: int  # last line


@dataclass
class Counted:
    rows: list[Piece] = field(default_factory=list)
    cells: list[Piece] = field(default_factory=list)
    cites: list[Piece] = field(default_factory=list)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _top_split(body: str, sep: str) -> list[tuple[int, str]]:
    """``body`` split at ``sep`` outside braces and nested tabulars: (offset, part)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and body.startswith("\\begin{tabular", i):
            depth += 1
        elif ch == "\\" and body.startswith("\\end{tabular", i):
            depth -= 1
        if ch == "\\" and depth == 0 and body.startswith(sep, i) and sep == "\\\\":
            parts.append((start, body[start:i]))
            i += 2
            start = i
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append((start, body[start:i]))
            start = i + 1
        i += 1
    parts.append((start, body[start:]))
    return parts


def count_latex(text: str) -> list[Counted]:
    # comments out, offsets kept: a % after an even number of backslashes (\\% is a line break, then a comment)
    text = re.sub(r"(?<!\\)((?:\\\\)*)%[^\n]*", lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))),
                  text)
    tables, depth, start = [], 0, 0
    for m in TABULAR.finditer(text):
        if m.group(1) == "begin":
            if depth == 0:
                start = m.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                tables.append((start, text[start:m.start()]))
    out = []
    for offset, body in tables:
        # the column spec: [pos] and {width} {spec} groups right after \begin{...}
        spec = re.match(r"\s*(\[[^\]]*\]\s*)?(\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}\s*){1,2}", body)
        if spec:
            offset, body = offset + spec.end(), body[spec.end():]
        counted = Counted()
        for at, row in _top_split(body, "\\\\"):
            row = re.sub(r"^\s*\[[^\]]*\]", "", row)  # \\[2pt]
            row = RULE.sub(" ", row)
            if not row.strip():
                continue
            first, last = _line(text, offset + at), _line(text, offset + at + len(row))
            counted.rows.append(Piece(row, first, last))
            for cat, cell in _top_split(row, "&"):
                if cell.strip():
                    counted.cells.append(Piece(cell, first, last))
            for key in (k.strip() for m in CITE.finditer(row) for k in m.group(1).split(",")):
                if key:
                    counted.cites.append(Piece(key, first, last))
        if counted.rows:
            out.append(counted)
    return out


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") and not s.endswith("\\|") else s
    return [c for c in re.split(r"(?<!\\)\|", s)]


DELIM = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def count_markdown(text: str) -> list[tuple[int, Counted]]:
    """Pipe tables and HTML tables, outside code fences and HTML comments: (first line, counts)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    text = re.sub(r"<!--.*?-->", blank, text, flags=re.S)
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", blank, text, flags=re.S | re.M)
    lines = text.split("\n")
    found: list[tuple[int, Counted]] = []
    i = 0
    while i < len(lines) - 1:
        if "|" in lines[i] and DELIM.match(lines[i + 1]) and lines[i].strip():
            counted = Counted()
            j = i
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                if j != i + 1:
                    cells = _md_cells(lines[j])
                    counted.rows.append(Piece(lines[j], j + 1, j + 1))
                    for cell in cells:
                        if cell.strip():
                            counted.cells.append(Piece(cell, j + 1, j + 1))
                j += 1
            found.append((i + 1, counted))
            i = j
            continue
        i += 1
    for m in re.finditer(r"<table\b.*?(</table>|\Z)", text, flags=re.S | re.I):
        counted = Counted()
        for tr in re.finditer(r"<tr\b.*?(?=<tr\b|</table>|\Z)", m.group(0), flags=re.S | re.I):
            line = _line(text, m.start() + tr.start())
            counted.rows.append(Piece(tr.group(0), line, _line(text, m.start() + tr.end())))
            for td in re.finditer(r"<t[dh]\b[^>]*>(.*?)(?=<t[dh]\b|</tr>|$)", tr.group(0), flags=re.S | re.I):
                cell = re.sub(r"<[^>]+>", " ", td.group(1))
                if cell.strip():
                    counted.cells.append(Piece(html.unescape(cell), line, _line(text, m.start() + tr.end())))
        if counted.rows:
            found.append((_line(text, m.start()), counted))
    return sorted(found, key=lambda x: x[0])


def visible(text: str, latex: bool) -> set[str]:
    """Words of a source piece: as written (macro names out) or as pylatexenc reads it."""
    text = CITE.sub(" ", text)
    if latex:
        text = HIDDEN.sub(" ", text)
    else:
        # a link target the build refuses (a file of the repository) is named in the YAML's comment (checked there)
        text = html.unescape(re.sub(r"<[^>]*>", " ", LOCAL_LINK.sub("]", text)))
    plain = set(WORD.findall(re.sub(r"\\[A-Za-z@]+\*?", " ", text).casefold()))
    return plain


def read_text(text: str) -> set[str]:
    try:
        return set(WORD.findall(TO_TEXT.latex_to_text(CITE.sub(" ", text)).casefold()))
    except Exception:
        return set()


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() if k != "comment" for s in _strings(v) + [str(k)] * (k == "cite")]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    if isinstance(data, bool):
        return ["Yes" if data else "No"]
    return [str(data)] if data is not None else []


def corpus_files() -> list[Path]:
    root = corpus_path()
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".tex", ".md"))


def test_every_corpus_table_is_carried_in_full():
    root = corpus_path()
    totals = {"tables": 0, "rows": 0, "cells": 0, "cites": 0}
    lost_silently, lost_listed = [], []
    for path in corpus_files():
        text = path.read_text("utf-8", errors="replace")
        latex = path.suffix == ".tex"
        counted = count_latex(text) if latex else [c for _, c in count_markdown(text)]
        if not counted:
            continue
        result = import_text(text, str(path))
        name = path.relative_to(root)
        assert len(result.tables) == len(counted), f"{name}: {len(counted)} tables counted, " \
                                                   f"{len(result.tables)} imported"
        listed = {p.source.line for p in result.problems}
        for table, count in zip(result.tables, counted):
            yaml_text = to_yaml(table.table, table.comment, table.name)
            data = yaml.load(yaml_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe
            strings = _strings(data)
            written = set().union(*(visible(s, True) for s in strings))
            written_keys = {k for s in strings for m in CITE.finditer(s) for k in m.group(1).split(",")}
            written_keys = {k.strip() for k in written_keys} | {
                k for row in data["rows"] for k in ([row["cite"]] if isinstance(row.get("cite"), str)
                                                    else row.get("cite") or [])}
            as_text = None
            totals["tables"] += 1
            if not latex:  # the link targets left out of visible() are named in the comment
                for piece in count.cells:
                    for target in LOCAL_LINK.findall(piece.text):
                        if target not in yaml_text:
                            lost_silently.append(f"{name}:{piece.line}: link target {target!r} not in the YAML")
            for kind in ("rows", "cells", "cites"):
                for piece in getattr(count, kind):
                    totals[kind] += 1
                    if kind == "cites":
                        ok = piece.text in written_keys
                        missing = {piece.text}
                    else:
                        missing = visible(piece.text, latex) - written
                        if missing and latex:
                            as_text = as_text if as_text is not None else written.union(*map(read_text, strings))
                            missing = min(missing - as_text, read_text(piece.text) - as_text, key=len)
                        # a word joined in the table written (instruc\\tions -> instructions)
                        missing = {w for w in missing if not any(w in x for x in written)}
                        ok = not missing
                    if ok:
                        continue
                    where = (f"{name}:{piece.line}: {kind[:-1]} {' '.join(piece.text.split())[:60]!r} "
                             f"(missing: {', '.join(sorted(missing)[:5])})")
                    if any(piece.line <= n <= piece.last for n in listed):
                        lost_listed.append(where)
                    else:
                        lost_silently.append(where)
    print(f"corpus import: {totals}; lost and listed: {len(lost_listed)}")
    assert totals["tables"] > 100 and totals["rows"] > 1000 and totals["cites"] > 100, totals
    assert not lost_silently, "lost without a message:\n" + "\n".join(lost_silently)
    assert not lost_listed, "lost (listed):\n" + "\n".join(lost_listed)


@pytest.mark.parametrize("text, tables, rows, cells, cites", [
    ("\\begin{tabular}{ll}\\hline A & B \\\\ \\hline x \\cite{k1,k_2} & \\begin{tabular}{c} a \\\\ b "
     "\\end{tabular} \\\\ \\end{tabular} % \\begin{tabular}", 1, 2, 4, 2),
    ("\\begin{tabularx}{\\linewidth}{lX} a & b \\\\ c & \\\\[2pt] \\end{tabularx}", 1, 2, 3, 0),
])
def test_the_latex_counter_counts(text, tables, rows, cells, cites):
    counted = count_latex(text)
    assert (len(counted), sum(len(c.rows) for c in counted), sum(len(c.cells) for c in counted),
            sum(len(c.cites) for c in counted)) == (tables, rows, cells, cites)


def test_the_markdown_counter_counts():
    text = ("| a | b |\n|---|---|\n| 1 | 2 |\n\n<!--\n| x | y |\n|---|---|\n-->\n```\n| c | d |\n|--|--|\n```\n"
            "<table><tr><td>A</td><td>B</td></tr><tr><td rowspan=2>1</td></table>\n")
    counted = count_markdown(text)
    assert [(line, len(c.rows), len(c.cells)) for line, c in counted] == [(1, 2, 4), (13, 2, 3)]
