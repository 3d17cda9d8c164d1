"""Math and any script, the same in both outputs (issue 13).

- ``$...$`` math in a latex cell reaches the paper as written and GitHub as ``$...$`` (cmark-gfm leaves it
  intact), with the math allow-list holding;
- a symbol map makes ✓ ✗ typeset under pdflatex (α ≤ → are pylatexenc's already);
- ``check`` says exactly what the engine can typeset: each character's verdict is compared with what
  pdflatex and lualatex do with it (few compiles: one document for all accepted characters, one per engine
  for the refused ones);
- a survey with CJK, emoji and math builds with lualatex to a PDF whose text holds them.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import cmarkgfm
import pytest

from conftest import require_tool
from surveybuild.build import pipeline as build
from surveybuild.texlang import fonts
from surveybuild.checks.check import _unencodable
from surveybuild.renderers.latex import script_preamble
from surveybuild.texlang.escape import _pdflatex_chars, escape
from surveybuild.texlang.latextext import LatexFieldError, Math, Text, to_pieces
from surveybuild.renderers.markdown import gfm_math
from surveybuild.readers.read import read_survey

REFS = """@article{k1, title={One}, author={A, B}, year={2020}, journal={J}}
"""


def survey(root: Path, rows: str, settings: str = "", columns: str = "") -> Path:
    """A one-table survey folder; ``rows`` is YAML for the rows."""
    (root / "tables").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "paper").mkdir()
    (root / "refs.bib").write_text(REFS, "utf-8")
    (root / "surveybuild.yaml").write_text(settings or "engine: pdflatex\n", "utf-8")
    (root / "templates" / "README.md.j2").write_text("# S\n\n{{ table('t') }}\n\n{{ references() }}\n", "utf-8")
    (root / "tables" / "t.yaml").write_text(
        "caption: Symbols and math.\ncolumns:\n  - {key: name, title: Name, type: latex}\n"
        "  - {key: what, title: What, type: latex}\n" + columns + "rows:\n" + rows, "utf-8")
    (root / "paper" / "main.tex").write_text(
        "\\documentclass{article}\n\\input{tables/preamble}\n\\usepackage{booktabs,longtable,multirow,array}\n"
        "\\usepackage[referable]{threeparttablex}\n\\usepackage{pdflscape}\n\\usepackage[numbers]{natbib}\n"
        "\\usepackage{url}\n\\begin{document}\n\\input{tables/t}\n\\bibliographystyle{plainnat}\n"
        "\\bibliography{refs}\n\\end{document}\n", "utf-8")
    return root


def errors(report) -> list[str]:
    return [str(p) for p in report.problems if p.severity == "error"]


# -- math: refused and mangled before -------------------------------------------------------------

@pytest.mark.parametrize("field, source", [
    pytest.param(r"$\alpha$", r"\alpha", id="greek_was_refused"),
    pytest.param(r"$x^2 + a_i \leq 3$", r"x^2 + a_i \leq 3", id="was_mangled_to_unicode"),
    pytest.param(r"\(\frac{1}{2}\)", r"\frac{1}{2}", id="paren_delimiters"),
    pytest.param(r"$ \sqrt{n} $", r"\sqrt{n}", id="spaces_inside_dropped_for_github"),
])
def test_math_is_one_piece_holding_its_source(field, source):
    assert to_pieces(field) == (Math(source),)


@pytest.mark.parametrize("field, wrong", [
    pytest.param(r"$\input{/etc/passwd}$", r"'\input' is not allowed in math", id="input"),
    pytest.param(r"$\def\x{1}\x$", r"'\def' is not allowed in math", id="def"),
    pytest.param(r"$\coloneqq$", r"'\coloneqq' is not allowed in math", id="needs_a_package_not_loaded"),
    pytest.param(r"$\text{\input{x}}$", r"'\input' is not allowed in text inside math", id="text_in_math"),
    pytest.param(r"$\begin{tabular}{c}a\end{tabular}$", "environment 'tabular' is not allowed in math", id="env"),
    pytest.param(r"$\begin{cases}a & b\end{cases} & c$", "a bare '&'", id="ampersand_beside_an_alignment"),
    pytest.param(r"$\csname x\endcsname$", r"'\csname' is not allowed in math", id="csname"),
    pytest.param(r"$\operatorname{\input{x}}$", r"'\input' is not allowed in math", id="operatorname_argument"),
    pytest.param(r"$\begin{array}{c\input{x}}a\end{array}$", r"'\input' is not allowed in math", id="array_spec"),
    pytest.param(r"$\text{a $\catcode$}$", r"'\catcode' is not allowed in math", id="math_in_text_in_math"),
    pytest.param("$$x$$", "display math", id="display"),
    pytest.param(r"$x^^5cinput$", "'^^'", id="char_code_notation"),
    pytest.param(r"$a & b$", "a bare '&'", id="ampersand_ends_the_cell"),
    pytest.param(r"$a # b$", "a bare '#'", id="hash"),
    pytest.param("$α$", "math fonts are ASCII", id="unicode_in_math"),
])
def test_math_allow_list_holds(field, wrong):
    with pytest.raises(LatexFieldError) as exc:
        to_pieces(field)
    assert wrong in str(exc.value)


def _cmark_cells(markdown: str) -> list[str]:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown)
    return re.findall(r"<td>(.*?)</td>", html) + re.findall(r"<li>(.*?)</li>", html, re.S)


@pytest.mark.parametrize("source", [r"\alpha", r"x^2 + a_i \leq 3", r"\frac{a}{b} \to \infty", r"a|b", r"\{1, 2\}",
                                    r"a^* + b^*", r"x_{i} \cdot y", "`x`"])
def test_github_gets_the_math_source_intact(source):
    """What GitHub's Markdown leaves of the math, in a table cell and in a list item, is the LaTeX as written."""
    cell, item = gfm_math(source), gfm_math(source, in_table=False)
    assert cell.startswith("$") and cell.endswith("$")
    found = _cmark_cells(f"| h | h |\n| - | - |\n| {cell} | {cell} |\n\n- {item}\n")
    assert len(found) == 3
    for html in found:
        code = re.fullmatch(r"\$<code>(.*)</code>\$", html)
        text = code.group(1) if code else html  # $`...`$: the math is the code span
        if not code:
            assert text.startswith("$") and text.endswith("$") and "<" not in text
            text = text[1:-1]
        assert text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') == source


def test_simple_math_is_plain_dollars():
    assert gfm_math(r"x^2 + a_i \leq 3") == r"$x^2 + a_i \leq 3$"
    assert gfm_math(r"\{a\}") == r"$`\{a\}`$"  # \{ is a Markdown escape: GitHub would drop the backslash


def test_math_in_both_outputs(tmp_path):
    root = survey(tmp_path / "s", "  - {name: A, what: 'loss $x^2 + a_i \\leq 3$ and $\\alpha$', cite: k1}\n")
    report = build.build(root)
    assert errors(report) == []
    readme = (root / "README.md").read_text("utf-8")
    assert "| loss $x^2 + a_i \\leq 3$ and $\\alpha$ |" in readme
    tex = (root / "paper" / "tables" / "t.tex").read_text("utf-8")
    assert "loss $x^2 + a_i \\leq 3$ and $\\alpha$" in tex


# -- pdflatex: the symbol map and the check ---------------------------------------------------------

def test_symbol_map_defaults_and_settings():
    assert escape("✓") == r"\checkmark{}"
    assert escape("✗") == r"\ding{55}"
    assert escape("α ≤ →") == r"\ensuremath{\alpha} \ensuremath{\leq} \textrightarrow{}"
    assert _unencodable("⚠")  # no macro for it: refused
    assert _unencodable("⚠", "pdflatex", (("⚠", r"\textbf{!}"),)) == ""
    assert escape("⚠", "pdflatex", (("⚠", r"\textbf{!}"),)) == r"\textbf{!}"
    assert "amssymb" in script_preamble("pdflatex", [r"\checkmark{}"])


def test_check_refuses_in_latex_cells_what_pdflatex_refuses(tmp_path):
    """A literal 流, ⚠ or emoji in a latex cell, caption or note passed check and failed pdflatex, one per run."""
    rows = ("  - {name: 'A 流', what: ok}\n  - {name: B, what: 'warn ⚠'}\n  - {name: C, what: 'x 😀'}\n"
            "  - {name: D, what: 'α ✓ ✗ ≤ → é'}\n")
    report = build.check(survey(tmp_path / "s", rows))
    found = errors(report)
    assert len(found) == 3, found
    for ch, line in (("流", 6), ("⚠", 7), ("😀", 8)):
        assert any(f"t.yaml:{line}:" in p and f"'{ch}' cannot be typeset by pdflatex" in p for p in found), found


def test_symbols_setting_is_checked(tmp_path):
    root = survey(tmp_path / "s", "  - {name: A, what: ok}\n", "symbols: {'⚠': '\\input{/etc/passwd}'}\n")
    found = errors(build.check(root))
    assert any("setting 'symbols'" in p and "'\\input' is not allowed" in p for p in found), found
    root = survey(tmp_path / "t", "  - {name: A, what: ok}\n", "engine: context\n")
    assert any("setting 'engine' must be one of pdflatex, xelatex, lualatex" in p for p in errors(build.check(root)))


# -- check's verdict == what the engine does ---------------------------------------------------------

#: A sample across scripts and symbols: Latin, Greek, math symbols, dingbats, CJK, emoji, scripts no font has.
SAMPLE = "éßœ½€αΩ≤≥→∞✓✗⚠★☺流中文한글😀🚀🎉ꦄ𞤀ༀกא"


def _compile(engine: str, tmp: Path, body: str, preamble: str) -> tuple[int, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "doc.tex").write_text("\\documentclass{article}\n" + preamble + "\\begin{document}\n" + body
                                 + "\n\\end{document}\n", "utf-8")
    proc = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp,
                          capture_output=True, text=True, errors="replace")
    return proc.returncode, (tmp / "doc.log").read_text("utf-8", errors="replace") if (tmp / "doc.log").exists() else ""


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_check_verdict_is_what_the_engine_does(engine, tmp_path):
    require_tool(engine)
    symbols = ()
    ok = [ch for ch in SAMPLE if not _unencodable(ch, engine, symbols)]
    refused = [ch for ch in SAMPLE if _unencodable(ch, engine, symbols)]
    assert ok and refused
    base = ("\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage{lmodern}\n"
            if engine == "pdflatex" else "")
    # every accepted character, written as the renderer writes it: no error, and (lualatex) in the PDF's text
    preamble = base + script_preamble(engine, [escape(ch, engine) for ch in ok])
    rc, log = _compile(engine, tmp_path / "ok", " ".join(escape(ch, engine) for ch in ok), preamble)
    assert rc == 0 and "Missing character" not in log, log[-2000:]
    if engine != "pdflatex":
        text = subprocess.run(["pdftotext", str(tmp_path / "ok" / "doc.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert all(ch in text for ch in ok), [ch for ch in ok if ch not in text]
    # the refused ones, written literally (as a cell would have them): TeX stops at each
    rc, log = _compile(engine, tmp_path / "refused", " ".join(refused), preamble)
    assert rc != 0
    if engine == "pdflatex":
        lost = set(re.findall(r"Unicode character (.) \(U\+", log))
    else:
        lost = set(re.findall(r"Missing character: There is no (.) ", log))
    assert refused[0] in lost  # -halt-on-error: the first one stops the run


def test_every_character_check_lets_through_compiles_with_pdflatex(tmp_path):
    """pylatexenc has macros needing packages the paper lacks (\\CYRA, \\textschwa): check only lets through the
    characters scripts/pdflatex_chars.py saw compile; here all of them, as escape writes them, compile at once."""
    require_tool("pdflatex")
    chars = [chr(c) for low, high in _pdflatex_chars() for c in range(low, high + 1)]
    assert len(chars) > 1000 and "é" in chars and "α" in chars and "Ж" not in chars
    # a combining mark is an accent on the letter before it
    body = "\n".join("{" + escape("e" + ch if unicodedata.category(ch) == "Mn" else ch) + "}\\par" for ch in chars)
    preamble = script_preamble("pdflatex", [body]) + "\\tracinglostchars=3\n"
    rc, log = _compile("pdflatex", tmp_path, body, preamble)
    assert rc == 0 and not re.search(r"^! ", log, re.M), log[-2000:]


def test_lualatex_survey_with_cjk_emoji_and_math(tmp_path):
    """A table with CJK, emoji and math builds with lualatex; the PDF's text holds them, the README the math."""
    require_tool("lualatex")
    require_tool("pdftotext")
    assert fonts.missing_fonts("lualatex") == []
    rows = ("  - {name: '大模型 流', what: '火箭 🚀 ⚠ $x^2 + a_i \\leq 3$', cite: k1}\n"
            "  - {name: '한국어', what: '✓ α 😀'}\n")
    root = survey(tmp_path / "s", rows, "engine: lualatex\n")
    report = build.paper(root)
    assert errors(report) == [], errors(report)
    text = subprocess.run(["pdftotext", str(root / "paper" / "build" / "main.pdf"), "-"], capture_output=True,
                          text=True).stdout
    for ch in "大模型流火箭🚀⚠한국어✓α😀≤":
        assert ch in text, (ch, text)
    readme = (root / "README.md").read_text("utf-8")
    assert "$x^2 + a_i \\leq 3$" in readme and "大模型 流" in readme
    assert read_survey(root).settings.engine == "lualatex"
    # and what no font has is refused by check, at the cell
    (root / "tables" / "t.yaml").write_text((root / "tables" / "t.yaml").read_text("utf-8").replace("한국어", "ꦄ"),
                                             "utf-8")
    found = errors(build.check(root))
    assert any("t.yaml:7:" in p and "'ꦄ' cannot be typeset by lualatex" in p for p in found), found


def test_html_tables_show_the_math_source(tmp_path):
    """GitHub renders no math inside an HTML table: the cell shows the $...$ source, escaped, never mangled."""
    rows = "  - {name: A, what: '$a<b$ and $\\alpha$', group: g}\n"
    root = survey(tmp_path / "s", rows)
    table = root / "tables" / "t.yaml"
    table.write_text(table.read_text("utf-8").replace("rows:\n", "groups:\n  - {id: g, title: G}\nrows:\n"), "utf-8")
    assert errors(build.build(root)) == []
    assert '<td align="left">$a&lt;b$ and $\\alpha$</td>' in (root / "README.md").read_text("utf-8")


def test_a_glyph_lualatex_lacks_is_traced_to_its_cell(tmp_path):
    """The log line of \\tracinglostchars=3 (at shipout, no useful line) names the cell that holds the character."""
    from surveybuild.build.texlog import read_log
    from surveybuild.build.textrace import trace

    root = survey(tmp_path / "s", "  - {name: A, what: 'x ꦄ'}\n", "engine: lualatex\n")
    log = ("(./main.tex (./tables/t.tex) [1\n"
           "Missing character: There is no ꦄ (U+A984) in font LatinModernRoman:mode=node;script=latn;+tlig;!\n"
           ".\n<argument> ...\nl.10 \\end{document}\n\n])")
    entries = [e for e in read_log(log) if e.kind == "missing-char"]
    assert [(e.name, e.line) for e in entries] == [("ꦄ", 0)]
    problems = trace(entries, read_survey(root), {})
    assert [str(p).split(" (")[0] for p in problems] == [
        "tables/t.yaml:6:21: error: table 't' row 'A' column 'what': lualatex found no glyph for 'ꦄ' in its fonts"]
