"""latex.escape: plain text -> LaTeX that prints exactly that text under pdflatex."""

from __future__ import annotations

import re

import pytest
from pylatexenc.latex2text import LatexNodes2Text

from surveybuild.texlang.escape import UnencodableText, escape

SPECIALS = "& % $ # _ { } ~ ^ \\".split(" ")


def back_to_text(latex: str) -> str:
    """What the LaTeX prints, as pylatexenc reads it (independent of how escape() works)."""
    text = LatexNodes2Text(math_mode="verbatim").latex_to_text(latex)
    return text.replace("\N{MODIFIER LETTER CIRCUMFLEX ACCENT}", "^")  # pylatexenc's reading of \textasciicircum


def bare_specials(latex: str) -> list[str]:
    """LaTeX special characters that are not part of an escape or a macro's braces."""
    # drop escapes (\& \{ ...) and macros with their empty-brace terminator (\textasciitilde{})
    rest = re.sub(r"\\[A-Za-z]+(\{\})?|\\[&%$#_{}]|\\['\"`^~=.]|\{([A-Za-z]|\\[a-z]+)\}", "", latex)
    return [ch for ch in rest if ch in "&%$#_{}~^\\"]


@pytest.mark.parametrize("char", [pytest.param(c, id=repr(c)) for c in SPECIALS])
def test_each_special_is_escaped(char):
    latex = escape(f"a{char}b")
    assert latex != f"a{char}b"
    assert not bare_specials(latex), latex
    assert back_to_text(latex) == f"a{char}b"


@pytest.mark.parametrize("char, latex", [
    pytest.param("&", r"\&", id="amp"),
    pytest.param("%", r"\%", id="percent"),
    pytest.param("$", r"\$", id="dollar"),
    pytest.param("#", r"\#", id="hash"),
    pytest.param("_", r"\_", id="underscore"),
    pytest.param("{", r"\{", id="lbrace"),
    pytest.param("}", r"\}", id="rbrace"),
])
def test_simple_specials_get_a_backslash(char, latex):
    assert escape(char) == latex


def test_all_ten_specials_at_once():
    text = " ".join(SPECIALS)
    latex = escape(text)
    assert not bare_specials(latex), latex
    assert back_to_text(latex) == text


@pytest.mark.parametrize("text", [
    pytest.param("TÜLU", id="umlaut"),
    pytest.param("café", id="acute"),
    pytest.param("naïve", id="dotless-i"),
    pytest.param("Łukasz Straße", id="stroke-eszett"),
    pytest.param("François Müller-Øster", id="cedilla-slash"),
    pytest.param("5K\N{EN DASH}5M", id="en-dash"),
])
def test_unicode_becomes_ascii_latex(text):
    latex = escape(text)
    assert latex.isascii(), latex
    assert back_to_text(latex) == text


@pytest.mark.parametrize("text", [
    pytest.param("Alpaca 7B (v2), a/b: 1+1=2?", id="plain-ascii"),
    pytest.param("", id="empty"),
])
def test_plain_text_is_unchanged(text):
    assert escape(text) == text


def test_newlines_become_spaces():
    assert escape("a\nb\r\nc\td") == "a b c d"


@pytest.mark.parametrize("text, codepoint", [
    pytest.param("中文", "U+4E2D", id="cjk"),
    pytest.param("Alpaca 羊驼", "U+7F8A", id="cjk-after-ascii"),
    pytest.param("🦙", "U+1F999", id="emoji"),
    pytest.param("a｜b", "U+FF5C", id="fullwidth-bar"),
])
def test_unencodable_character_raises(text, codepoint):
    with pytest.raises(UnencodableText) as info:
        escape(text)
    assert codepoint in str(info.value)
