"""LaTeX-typed fields -> README pieces (latextext.to_pieces), and the errors for what the README cannot show.

The unit-by-unit fast path must answer exactly as the walker on the whole field (pieces, or error type and
problems): on every LaTeX text of the surveys, a generated survey, the corpus's table cells, tricky fields
and random fields from a grammar of pieces.
"""

from __future__ import annotations

import contextlib
import random
import re
import sys
from pathlib import Path
from unittest import mock

import pytest

from conftest import ROOT, SURVEYS
from corpus import corpus_path
from surveybuild.texlang import latextext
from surveybuild.readers import read
from surveybuild.texlang.latextext import Cite, LatexFieldError, Link, NoteRef, Text, plain_text, to_pieces

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize("latex, pieces", [
    pytest.param("Alpaca", (Text("Alpaca"),), id="plain"),
    pytest.param(r'T\"{U}LU', (Text("TÜLU"),), id="umlaut-braced"),
    pytest.param(r'T\"ULU', (Text("TÜLU"),), id="umlaut-bare"),
    pytest.param(r"caf\'{e}", (Text("café"),), id="acute"),
    pytest.param(r"Fran\c{c}ois", (Text("François"),), id="cedilla"),
    pytest.param(r"\v{S}koda", (Text("Škoda"),), id="caron"),
    pytest.param(r"Stra\ss e", (Text("Straße"),), id="eszett"),
    pytest.param(r"\textsc{Alpaca}", (Text("Alpaca"),), id="small-caps"),
    pytest.param(r"50\% \& more", (Text("50% & more"),), id="escaped-specials"),
    pytest.param(r"R\_2 \#1 \$x\$", (Text("R_2 #1 $x$"),), id="more-escaped-specials"),
    pytest.param(r"\checkmark", (Text("\N{CHECK MARK}"),), id="checkmark"),
    pytest.param(r"\textbf{Bold}", (Text("Bold", bold=True),), id="bold"),
    pytest.param(r"\emph{It}", (Text("It", italic=True),), id="emph"),
    pytest.param(r"\textit{\textbf{Both}}", (Text("Both", bold=True, italic=True),), id="bold-italic"),
    pytest.param(r"\citep{touvron2023llama}", (Cite(("touvron2023llama",)),), id="citep"),
    pytest.param(r"LLaMA~\citep{touvron2023llama}", (Text("LLaMA" + NBSP), Cite(("touvron2023llama",))),
                 id="tie-then-citep"),
    pytest.param(r"\citet{a, b,c}", (Cite(("a", "b", "c"), form="author"),), id="citet-comma-list"),
    pytest.param(r"\citep*[see][p.~2]{a}", (Cite(("a",), "see", "p. 2"),), id="starred-with-optional-args"),
    pytest.param(r"\cite{a}", (Cite(("a",)),), id="cite"),
    pytest.param(r"7B\tnotex{id:2}", (Text("7B"), NoteRef("id:2")), id="tnotex"),
    pytest.param(r"x\tnotex*{tokens}", (Text("x"), NoteRef("tokens")), id="tnotex-starred"),
    pytest.param(r"\href{https://x.org/a}{Project X}", (Link("https://x.org/a", "Project X"),), id="href"),
    pytest.param(r"\href{https://x.org}{T\"{U}LU}", (Link("https://x.org", "TÜLU"),), id="href-accent-text"),
    pytest.param(r"\url{https://x.org/a_b#c}", (Link("https://x.org/a_b#c", "https://x.org/a_b#c"),),
                 id="url-with-specials"),
])
def test_to_pieces(latex, pieces):
    assert to_pieces(latex) == pieces


@pytest.mark.parametrize("latex, text", [
    pytest.param(r"Hello \textbf{World}~\citep{k}\tnotex{n}", "Hello World", id="drops-cite-and-note"),
    pytest.param(r"see \href{https://x.org}{here}", "see here", id="keeps-link-text"),
])
def test_plain_text(latex, text):
    assert plain_text(to_pieces(latex)) == text


@pytest.mark.parametrize("latex, named", [
    pytest.param(r"\foo{x}", r"\foo", id="unknown-macro"),
    pytest.param(r"Model \input{/etc/passwd}", r"\input", id="input"),
    pytest.param(r"\include{chapter}", r"\include", id="include"),
    pytest.param(r"\immediate\write18{rm -rf /}", r"\immediate", id="write18"),
    pytest.param(r"\newcommand{\x}{y}", r"\newcommand", id="newcommand"),
    pytest.param(r"\textcolor{red}{x}", r"\textcolor", id="textcolor"),
    pytest.param(r"\ref{tab:x}", r"\ref", id="ref"),
    pytest.param(r"\footnote{x}", r"\footnote", id="footnote"),
])
def test_unknown_macro_is_named(latex, named):
    with pytest.raises(LatexFieldError) as info:
        to_pieces(latex)
    assert any(f"'{named}'" in p for p in info.value.problems), info.value.problems


def test_every_unknown_macro_is_reported_at_once():
    with pytest.raises(LatexFieldError) as info:
        to_pieces(r"\foo{a} and \bar{b}")
    text = " ".join(info.value.problems)
    assert r"'\foo'" in text and r"'\bar'" in text


@pytest.mark.parametrize("latex, says", [
    pytest.param("{open", "never closed", id="unclosed-brace"),
    pytest.param("close}", "closes nothing", id="stray-close-brace"),
    pytest.param(r"\textbf{a", "never closed", id="unclosed-argument"),
    pytest.param("a}{b", "closes nothing", id="wrong-order"),
    pytest.param("50% of data", "'%'", id="bare-percent"),
    pytest.param("A & B", "'&'", id="bare-ampersand"),
    pytest.param("R_2", "'_'", id="bare-underscore"),
    pytest.param("#1", "'#'", id="bare-hash"),
    pytest.param(r"\begin{tabular}{l}x\end{tabular}", "environment 'tabular'", id="environment"),
])
def test_broken_latex_is_an_error(latex, says):
    with pytest.raises(LatexFieldError) as info:
        to_pieces(latex)
    assert any(says in p for p in info.value.problems), info.value.problems


def test_escaped_braces_are_balanced():
    assert plain_text(to_pieces(r"\{x\}")) == "{x}"


# --- The unit-by-unit fast path gives exactly what the walker gives for the whole field ---

def _outcome(latex: str, whole: bool):
    """to_pieces's pieces, or its error's type and message, without its cache; ``whole`` walks the field as a whole."""
    with mock.patch.object(latextext, "_by_units", return_value=None) if whole else contextlib.nullcontext():
        try:
            return latextext.to_pieces.__wrapped__(latex)
        except Exception as exc:  # any error, LatexFieldError or not, must be the same on both paths
            return type(exc), getattr(exc, "problems", str(exc))


def assert_same(latex: str) -> None:
    assert _outcome(latex, whole=False) == _outcome(latex, whole=True), repr(latex)


def fast(latex: str) -> bool:
    """Whether the field's pieces come from its units (not the walker on the whole field)."""
    try:
        return latextext._by_units(latex) is not None
    except Exception:  # pylatexenc's own crashes (an accent on \href) come out of either path
        return False


def survey_cells(root: Path) -> list[str]:
    """Every LaTeX-typed text of a survey: captions, group titles, notes and 'latex' columns' cells."""
    cells = []
    for table in read.read_survey(root).tables:
        cells += [table.caption, *(g.title for g in table.groups), *(n.text for n in table.notes)]
        keys = {c.key for c in table.columns if c.type == "latex"}
        for row in table.rows:
            for line in (row.line, *row.sublines):
                cells += [str(v.raw) for k, v in line.cells
                          if k in keys and isinstance(v.raw, (str, int, float)) and not isinstance(v.raw, bool)]
    return cells


@pytest.mark.parametrize("root", [pytest.param(r, id=name) for name, r in SURVEYS.items()])
def test_units_match_whole_field_on_surveys(root):
    cells = survey_cells(root)
    assert cells
    for cell in dict.fromkeys(cells):
        assert_same(cell)


def test_units_match_whole_field_on_generated_survey(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(tmp_path / "s", rows=400, entries=1000)
    cells = survey_cells(tmp_path / "s")
    assert len(cells) > 500
    for cell in dict.fromkeys(cells):
        assert_same(cell)


def test_units_match_whole_field_on_corpus_table_cells():
    """The cells of the corpus's real LaTeX tables, split at & and \\\\ (multirow, rules, math and all)."""
    cells = set()
    for tex in corpus_path().rglob("*.tex"):
        for line in tex.read_text(encoding="utf-8", errors="replace").splitlines():
            if "&" in line:
                cells.update(c.strip() for c in re.split(r"(?<!\\)&|\\\\", line))
    assert len(cells) > 100
    for cell in sorted(cells):
        assert_same(cell)


TRICKY = [
    "", " ", "  x  ", "\t", "a\nb", "a\n\nb", "x\\ss\n\ny", "\\ss\ny", "\\ss \t e", "\\ss\u00a0e", "\u00a0\\&\u00a0",
    r'T\"{U}LU-models-1', r'T\"ULU', r'\" o', r'\"\i', r"\'{\i}", r"\v S", r"\v{S}koda", r"\c c", r"\^{}", r"\~n",
    r"\ss", r"\ss e", r"\ss{}e", r"\ssé", r"\ss2", r"\LaTeX{} x", r"\LaTeX x", r"\i", r"\it", r"\itx", r"\t{oo}",
    r"{\bf x} y", r"\bf x y", r"{\it a \bf b} c", r"\em{x}", r"\textsuperscript{2}x", r"\textnormal{x}",
    r"\textbf{a}b", r"\textbf {a}", r"\textbf a", r"\textbf\ss", r"\emph{\textbf{a}~b}", r"{{{x}}}", r"{{{{x}}}}",
    r"\citep{a,b}", r"\citep*{a}", r"\citep *{a}", r"\citep [a]{k}", r"\citet[see][p.~3]{k}", r"\citep[a][b][c]{k}",
    r"\citep{k}[x]", r"\citep[{a}]{k}", r"\citep[\S 2]{k}", r"\citep", r"\citep{", r"\tnotex{n}", r"\tnotex*{n}x",
    r"\tnote{n}", r"\url{https://x.org/a\_b\#c}", r"\href{https://x.org}{\textbf{X}}", r"\href{u} {t}", r"\href{u}",
    r"\&\%\_\#\$\{\}", r"\ x", r"\,x", r"\-x", r"\/", r"\\", "\\", "a \\", r"\(x\)", r"\[x\]", "{\\(}\\)", r"$x$",
    r"a $x^2$ b", "$$x$$", "50%", r"50\% of", "{%}", r"{\%}", r"\\%", "&", "a & b", "#1", "R_2", "^", "^^5c", r"\^^",
    "--", "---", "----", "a--b", "a-b", "a - b", "``q''", "'q'", "'''", "a'", "a''", "!`", "?`", "a!`b", "a!b", "a?",
    "~", "a~b", "~~", r"\~{}", "}", "{", "a}{b", "{a", r"\{", r"\}x{", r"\verb|x|", r"{\verb|}|}", r"\begin{x}y\end{x}",
    r"\foo", r"\foo{x}", r"{\foo}", r"\textbf{\foo}", r"\input{x}", r"\relax x", r"\checkmark\checkmark",
    r"\textsc{Orca}-models-324", r"BLOOM~\citep{scao2022bloom}", r"GPT-3 \& T5", r"\'e\'{e}{\'e}", r"[x]~\citep{k}",
    r'\"\href{u}{t}', r'x \"{\href}', r'\"\ss', r"\'\&",  # pylatexenc crashes or oddities: the same on both paths
]


@pytest.mark.parametrize("latex", TRICKY)
def test_units_match_whole_field_on_tricky_fields(latex):
    assert_same(latex)


@pytest.mark.parametrize("latex", [r'T\"{U}LU-models-42', r"\textsc{Orca}-x", r"BLOOM~\citep{k}", r"GPT-3 \& T5",
                                   r"{\bf x} \ss e", r"\citet[see][p.~3]{k}\tnotex{n}"])
def test_common_fields_take_the_fast_path(latex):
    assert fast(latex)


WORD_CHARS = "abcXYZ019 .,:;/()[]!?'-éü\u00a0\t\n"
#: LaTeX with no problem, in the shapes the fast path takes.
GOOD_PIECES = [
    "~", r"\citep{a,b}", r"\citep{k}", r"\citep*{k}", r"\citet[see][p.~3]{k}", r"\citep[x]{k}", r"\tnotex{n}",
    r"\tnotex*{n}", r"\url{https://x.org/a\_b}", r"\href{https://x.org}{t}", r"\href{u}{\'e}", r"\"o", r"\"{o}",
    r"{\"o}", r"\'e", r"\v{S}", r"\&", r"\%", r"\_", r"\ ", r"\,", r"\{", r"\}", "--", "---", "``", "''", "'", "-",
    "!`", "!", "?", "[", "]", r"{\bf x}", r"\bf x", r"\bf", r"\it ", r"\ss", r"\ss ", r"\LaTeX{}",
    r"\textsuperscript{2}", r"\checkmark", r"\t", r"\i",
]
#: LaTeX with a problem, or in a shape left to the walker on the whole field.
BROKEN_PIECES = [
    r"\citep [x]{k}", r"\" o", r"\v S", r"\c c", r"\textbf {x}", r"\citep", r"\\", "\\", r"\foo", r"\foo{x}",
    r"\begin{x}", "{", "}", "$x$", "$", "%", "&", "#", "_", "^", "^^", r"\(", r"\)", r"\verb|x|",
]
GOOD_WRAPPERS = [(r"\textbf{", "}"), (r"\emph{", "}"), (r"\textit{", "}"), (r"\textsc{", "}"), ("{", "}"),
                 (r"{\bf ", "}"), (r"\href{u}{", "}"), (r"\mbox{", "}")]
BROKEN_WRAPPERS = [(r"\foo{", "}"), (r"\textbf {", "}"), ("$", "$")]


def random_field(rng: random.Random, pieces: list[str], wrappers: list[tuple[str, str]], depth: int = 0) -> str:
    """Up to 8 pieces: plain words, the LaTeX ``pieces``, and ``wrappers`` around fields, nested three deep."""
    parts = []
    for _ in range(rng.randint(1, 8 if depth == 0 else 3)):
        kind = rng.random()
        if kind < 0.4:
            parts.append("".join(rng.choices(WORD_CHARS, k=rng.randint(1, 6))))
        elif kind < 0.85 or depth == 3:
            parts.append(rng.choice(pieces))
        else:
            opening, closing = rng.choice(wrappers)
            parts.append(opening + random_field(rng, pieces, wrappers, depth + 1) + closing)
    return "".join(parts)


RANDOM_FIELDS = 5000


def test_units_match_whole_field_on_random_fields():
    rng = random.Random(7)
    fields = {random_field(rng, GOOD_PIECES, GOOD_WRAPPERS) for _ in range(RANDOM_FIELDS // 2)}
    fields |= {random_field(rng, GOOD_PIECES + BROKEN_PIECES, GOOD_WRAPPERS + BROKEN_WRAPPERS)
               for _ in range(RANDOM_FIELDS // 2)}
    for latex in fields:
        assert_same(latex)
    assert sum(map(fast, fields)) > len(fields) // 3  # the grammar reaches the fast path, not only the fallback
