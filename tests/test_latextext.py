"""LaTeX-typed fields -> README pieces (latextext.to_pieces), and the errors for what the README cannot show."""

from __future__ import annotations

import pytest

from surveybuild.latextext import Cite, LatexFieldError, Link, NoteRef, Text, plain_text, to_pieces

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
    pytest.param(r"\citet{a, b,c}", (Cite(("a", "b", "c")),), id="citet-comma-list"),
    pytest.param(r"\citep*[see][p.~2]{a}", (Cite(("a",)),), id="starred-with-optional-args"),
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
