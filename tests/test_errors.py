"""The error catalogue: every kind of bad input, with the exact message a user sees.

Each case breaks a fresh copy of the mini survey in one way and runs ``surveybuild build``
in-process. Every case must exit 1, print each expected error line exactly
(``file:line:col: error: the thing: what is wrong (the likely fix)``), print no
traceback, and write nothing. One more case breaks everything at once and gets
every error in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import edit, locate, snapshot
from surveybuild.cli import main

M = "tables/models.yaml"
D = "tables/datasets.yaml"
ALLOWED = "allowed: text styles, accents, cite commands, \\tnotex, \\url, \\href, and $...$ math"


@dataclass(frozen=True)
class Case:
    id: str
    break_it: Callable[[Path], None]
    #: expected error lines; ``{M:needle}`` / ``{D:needle}`` / ``{B:needle}`` become the needle's file:line:col
    expected: tuple[str, ...]


def sub(path: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root / path, old, new)


def append(path: str, text: str) -> Callable[[Path], None]:
    def do(root: Path) -> None:
        with open(root / path, "a", encoding="utf-8") as handle:
            handle.write(text)
    return do


def write(path: str, data: bytes) -> Callable[[Path], None]:
    return lambda root: (root / path).write_bytes(data)


def at(root: Path, rel: str, needle: str, line_only: bool = False) -> str:
    place = locate(root / rel, needle, root)
    return place.rsplit(":", 1)[0] if line_only else place


BROKEN_BIB = "\n@article{broken2024,\n  title = {Never closed,\n  year = {2024}\n\n@article{taori2023alpaca,\n  title = {Again}, year = {2023}}\n"

CASES = [
    Case("yaml-syntax", sub(M, "    params: 7B\n", "    params: [7B\n"), (
        "{M:: https://github.com/tatsu}: error: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence "
        "(check the indentation and quote values holding ': ' or a leading '#', '&', '*')",)),
    Case("wrong-type-size", sub(M, "params: 7B", "params: 7Q"), (
        "{M:7Q}: error: table 'models' row 'Alpaca' column 'params': '7Q' is not a size "
        "(write a number with an optional K, M, B or T, e.g. 7B, 52K, 1.4T, 300K+, 5K-5M)",)),
    Case("wrong-type-bool", sub(M, "open: false", "open: maybe"), (
        "{M:maybe}: error: table 'models' row 'Claude' column 'open': expected yes/no (true or false), "
        "got 'maybe' (write true or false)",)),
    Case("wrong-type-schema", sub(M, "caption: Instruction-tuned models.", "caption: [a, b]"), (
        "{M:[a, b]}: error: caption: ['a', 'b'] is not of type 'string'",)),
    Case("unknown-table-field", sub(M, "caption:", "captoin: x\ncaption:"), (
        "{M:captoin}: error: table: unknown field 'captoin' (did you mean 'caption'?)",)),
    Case("unknown-column-field", sub(M, "type: size, align: r}", "type: size, algn: r}"), (
        "{M:algn}: error: columns[2]: unknown field 'algn' (did you mean 'align'?)",)),
    Case("unknown-column", sub(M, "params: 7B", "parms: 7B"), (
        "{M:7B}: error: table 'models' row 'Alpaca': unknown field 'parms' (did you mean 'params'?)",)),
    Case("unknown-column-type", sub(M, "type: bool", "type: boolean"), (
        "{M:boolean}: error: columns[5].type: 'boolean' is not allowed "
        "(use one of: text, latex, url, size, bool, list)",)),
    Case("missing-required-field", sub(M, "  - name: Claude\n", "  - cite_: xkey\n"), (
        "{M:cite_}: error: table 'models' row 'row 3': missing required field 'name' (Model) "
        "(every row needs its first column)",
        "{M:xkey}: error: table 'models' row 'row 3': unknown field 'cite_' (did you mean 'cite'?)")),
    Case("missing-required-table-key", sub(M, "caption: Instruction-tuned models.\n", ""), (
        "{M:columns}: error: table: 'caption' is a required property (add it)",)),
    Case("duplicate-row", sub(M, "  - name: Claude\n", "  - name: alpaca\n    cite: taori2023alpaca\n  - name: Claude\n"), (
        "{M:name: alpaca}: error: table 'models': row 'alpaca' is a duplicate of the row at {M:name: Alpaca} "
        "(merge the two rows)",)),
    Case("note-not-defined", sub(M, "notes: [tokens]", "notes: [tokens, tokns]"), (
        "{M:tokns}: error: table 'models' row 'T\\\"{{U}}LU': note 'tokns' is not defined in table 'models' "
        "(did you mean 'tokens'?)",)),
    Case("note-not-used", sub(M, "    notes: [tokens]\n", ""), (
        "{M:Size counted}: error: table 'models': note 'tokens' is defined but never used "
        "(attach it to a row with 'notes: [...]' or \\tnotex{{...}}, or delete it)",)),
    Case("cite-key-missing", sub(M, "cite: bai2022constitutional", "cite: bai2022constitutionl"), (
        "{M:bai2022constitutionl}: error: table 'models' row 'Claude': cite key 'bai2022constitutionl' not in "
        "refs.bib (did you mean 'bai2022constitutional'?)",)),
    Case("cite-key-case", sub(M, "cite: bai2022constitutional", "cite: Bai2022Constitutional"), (
        "{M:Bai2022}: error: table 'models' row 'Claude': cite key 'Bai2022Constitutional' differs only in case "
        "from 'bai2022constitutional' in refs.bib (write 'bai2022constitutional')",)),
    Case("url-malformed", sub(M, "https://github.com/allenai/open-instruct", "github.com/allenai"), (
        "{M:github.com/allenai}: error: table 'models' row 'T\\\"{{U}}LU' column 'project': URL "
        "'github.com/allenai' has scheme 'none': only http and https links are allowed "
        "(write a full https:// link)",)),
    Case("url-javascript", sub(M, "https://github.com/allenai/open-instruct", "javascript:alert(1)"), (
        "{M:javascript}: error: table 'models' row 'T\\\"{{U}}LU' column 'project': URL 'javascript:alert(1)' "
        "has scheme 'javascript': only http and https links are allowed (write a full https:// link)",)),
    Case("url-file", sub(M, "https://github.com/allenai/open-instruct", "file:///etc/passwd"), (
        "{M:file:}: error: table 'models' row 'T\\\"{{U}}LU' column 'project': URL 'file:///etc/passwd' "
        "has scheme 'file': only http and https links are allowed (write a full https:// link)",)),
    Case("url-in-latex-field", sub(M, "base: OPT", "base: '\\href{javascript:alert(1)}{OPT}'"), (
        "{M:'\\href}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': URL 'javascript:alert(1)' has "
        "scheme 'javascript': only http and https links are allowed (write a full https:// link)",)),
    Case("latex-unbalanced-braces", sub(M, "base: OPT", "base: OPT{x"), (
        "{M:OPT{{x}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': unbalanced braces: 1 '{{' never "
        "closed (write \\{{ for a brace)",)),
    Case("latex-unknown-macro", sub(M, "base: OPT", "base: \\textcolor{{red}}{{OPT}}".format()), (
        "{M:\\textcolor}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': macro '\\textcolor' is not "
        "allowed in a table cell (the README cannot render it; " + ALLOWED + ")",)),
    Case("latex-command-as-argument", sub(M, "base: OPT", "base: '\\\"\\href{https://x.org}{OPT}'"), (
        "{M:'\\\"}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': LaTeX cannot be turned into text: "
        "a command is the bare argument of another, as in \\\"\\href (give the outer command a braced argument: "
        "\\\"{{o}})",)),
    Case("latex-escape-needed", sub(M, "base: OPT", "base: '50% & R_2 #1 $x$'"), (
        "{M:'50%}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': a '%' starts a LaTeX comment that "
        "hides the rest of the field (in a 'latex' column write \\% for a percent sign, or make the column "
        "type 'text' for plain text)",)),
    Case("latex-bare-specials", sub(M, "base: OPT", "base: 'R_2 & #1'"), (
        "{M:'R_2}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': a bare '#' is LaTeX syntax "
        "(write \\# for the character)",
        "{M:'R_2}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': a bare '&' is LaTeX syntax "
        "(write \\& for the character)",
        "{M:'R_2}: error: table 'models' row 'T\\\"{{U}}LU' column 'base': a bare '_' is LaTeX syntax "
        "(write \\_ for the character)")),
    Case("text-not-typesettable", sub(D, 'pair: "a | b"', 'pair: "a | 中文"'), (
        "{D:\"a | 中}: error: table 'datasets' row '50\\% \\& R\\_2 \\#1 \\$x\\$' column 'pair': character U+4E2D "
        "CJK UNIFIED IDEOGRAPH-4E2D '中' cannot be typeset by pdflatex (pdflatex has no glyph for it: "
        "map it to LaTeX under 'symbols:' in surveybuild.yaml, choose 'engine: lualatex' (CJK, emoji), "
        "transliterate it or leave it out, or show the column in the README only (show: readme))",)),
    Case("not-utf8", lambda root: (root / M).write_bytes((root / M).read_bytes().replace(b"Claude", b"Cl\xe9ude")), (
        "{M:aude}: error: not UTF-8 (byte 0xe9) (save the file as UTF-8)",)),
    Case("empty-file", write(M, b""), (
        "tables/models.yaml:1:1: error: the file is empty (write the table's caption, columns and rows, "
        "or delete the file)",)),
    Case("not-a-mapping", write(M, b"- just\n- a list\n"), (
        "tables/models.yaml:1:1: error: a table file must be a mapping with caption, columns and rows",)),
    Case("table-with-no-rows", write(M, b"caption: Empty.\ncolumns:\n  - {key: name, title: Name}\nrows: []\n"), (
        "tables/models.yaml:1:1: error: table 'models': the table has no rows (add rows or delete the file)",)),
    Case("bib-entry-does-not-parse", append("refs.bib", BROKEN_BIB), (
        "{B:@article{{broken2024}: error: entry does not parse: '@article{{broken2024,': Unexpected block start: "
        "`@article`. Was still looking for field-value closing `}}` (check the braces, the commas between fields "
        "and the comma after the key)",
        "{B:@article{{taori2023alpaca}: error: duplicate entry key 'taori2023alpaca' (first defined at refs.bib:1) "
        "(keep one entry under this key and rename or delete the other)")),
]


def expand(root: Path, line: str) -> str:
    """Replace ``{M:needle}`` etc. by the needle's place, then un-double the braces."""
    files = {"M": M, "D": D, "B": "refs.bib"}
    out, i = [], 0
    while i < len(line):
        if line[i] == "{" and line[i + 1:i + 3] in ("M:", "D:", "B:"):
            end = i + 3
            while not (line[end] == "}" and line[end + 1:end + 2] != "}"):
                end += 2 if line[end:end + 2] in ("{{", "}}") else 1
            needle = line[i + 3:end].replace("{{", "{").replace("}}", "}")
            rel = files[line[i + 1]]
            out.append(at(root, rel, needle, line_only=rel == "refs.bib"))
            i = end + 1
        elif line[i:i + 2] in ("{{", "}}"):
            out.append(line[i])
            i += 2
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def build(root: Path, capfd) -> tuple[int, list[str], str]:
    code = main(["-C", str(root), "build"])
    err = capfd.readouterr().err
    return code, [line for line in err.splitlines() if ": error: " in line], err


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_input_is_reported_exactly_and_nothing_is_written(case, mini, capfd):
    if case.id == "not-utf8":  # locate() reads UTF-8: place the needle in the text before it is broken
        expected = [expand(mini, line) for line in case.expected]
        case.break_it(mini)
    else:
        case.break_it(mini)
        expected = [expand(mini, line) for line in case.expected]
    before = snapshot(mini)
    code, errors, err = build(mini, capfd)
    assert code == 1, err
    assert "Traceback" not in err
    assert sorted(errors) == sorted(expected), err
    assert err.rstrip().endswith(": nothing was written"), err
    assert snapshot(mini) == before, "a failed build must not write anything"


def test_every_problem_is_reported_at_once(mini, capfd):
    breakers = [c for c in CASES if c.id in (
        "wrong-type-bool", "unknown-column", "note-not-defined", "cite-key-case", "url-javascript",
        "latex-unknown-macro", "text-not-typesettable", "bib-entry-does-not-parse")]
    for case in breakers:
        case.break_it(mini)
    before = snapshot(mini)
    code, errors, err = build(mini, capfd)
    assert code == 1
    assert "Traceback" not in err
    expected_count = sum(len(c.expected) for c in breakers)
    assert len(errors) == expected_count, err
    assert f"{expected_count} error(s)" in err
    assert snapshot(mini) == before


def test_catalogue_figures(capfd):
    """The figure docs/robustness.md quotes."""
    with capfd.disabled():
        print(f"\nerror catalogue: {len(CASES)} bad-input cases, each exit 1, exact messages, nothing written")
    assert len(CASES) >= 25
