"""How plain text is written as LaTeX, and what each engine can typeset of it.

:func:`escape` is the one function that turns a cell's plain text into LaTeX: the renderers call it to
write the paper and ``check`` calls the same function to predict what TeX will refuse, so the two cannot
disagree. pdflatex's policy lets through only the non-ASCII characters a pdflatex run was seen to
typeset (``pdflatex_chars.json``) and the survey's symbol map; xelatex and lualatex, a character one of
their fonts has (:mod:`surveybuild.texlang.fonts`).
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import unicodedata

from pylatexenc.latexencode import RULE_CALLABLE, RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from . import fonts

#: The escaping policies for plain text. ``pdflatex``: the ten specials and every
#: non-ASCII character pdflatex can typeset become LaTeX; any other character is
#: an error (:class:`UnencodableText`) rather than a compile failure later.
#: Under T1 fonts some ASCII characters are ligatures or typographic quotes
#: (-- --- ,, !` ?` ` ' "): they are written so that they print as typed.
_LITERAL = {"'": r"\textquotesingle{}", "`": r"\textasciigrave{}", '"': r"\textquotedbl{}"}


def _literal_ascii(s: str, pos: int):
    ch = s[pos]
    if ch in _LITERAL:
        return 1, _LITERAL[ch]
    if ch in "-," and s[pos + 1:pos + 2] == ch:
        return 1, ch + "{}"  # breaks the -- / ,, ligature
    return None


ESCAPE_POLICIES = {
    "pdflatex": dict(non_ascii_only=False, replacement_latex_protection="braces-after-macro",
                     unknown_char_policy="fail",
                     conversion_rules=[UnicodeToLatexConversionRule(RULE_CALLABLE, _literal_ascii), "defaults"]),
}

#: The symbol map pdflatex starts from (``symbols:`` in surveybuild.yaml adds to it and wins): characters
#: pylatexenc has no macro for. The packages they need are in :func:`script_preamble`.
DEFAULT_SYMBOLS = {"\N{CHECK MARK}": r"\checkmark", "\N{HEAVY CHECK MARK}": r"\checkmark",
                   "\N{BALLOT X}": r"\ding{55}", "\N{HEAVY BALLOT X}": r"\ding{55}",
                   # the same marks drawn as emoji (a README's yes / no): printed as the marks above
                   "\N{WHITE HEAVY CHECK MARK}": r"\checkmark", "\N{CROSS MARK}": r"\ding{55}",
                   "\N{HEAVY MULTIPLICATION X}": r"\ding{55}", "\N{MULTIPLICATION X}": r"\ding{55}",
                   "\N{NEGATIVE SQUARED CROSS MARK}": r"\ding{55}",
                   # T1 fonts have no glyph for it; a hyphen prints the same (a line may break after it)
                   "\N{NON-BREAKING HYPHEN}": "-",
                   # a comparison table's full / partial / no support (wasysym's circles, harveyballs' quarters)
                   "\N{BLACK CIRCLE}": r"\CIRCLE", "\N{CIRCLE WITH LEFT HALF BLACK}": r"\LEFTcircle",
                   "\N{CIRCLE WITH RIGHT HALF BLACK}": r"\RIGHTcircle", "\N{LEFT HALF BLACK CIRCLE}": r"\LEFTCIRCLE",
                   "\N{RIGHT HALF BLACK CIRCLE}": r"\RIGHTCIRCLE",
                   "\N{CIRCLE WITH UPPER RIGHT QUADRANT BLACK}": r"\harveyBallQuarter",
                   "\N{CIRCLE WITH ALL BUT UPPER LEFT QUADRANT BLACK}": r"\harveyBallThreeQuarter"}
#: the package each symbol macro needs (options first: wasysym's integrals clash with amsmath's)
SYMBOL_PACKAGES = {"checkmark": "amssymb", "ding": "pifont",
                   **dict.fromkeys(("CIRCLE", "LEFTcircle", "RIGHTcircle", "LEFTCIRCLE", "RIGHTCIRCLE"),
                                   "[nointegrals]wasysym"),
                   **dict.fromkeys(("harveyBallQuarter", "harveyBallThreeQuarter"), "harveyballs")}
#: Characters that only select how the ones around them look or join (emoji presentation in '⭐️', the joiner
#: in '👩‍💻', a byte-order mark pasted into text): Unicode's default-ignorable format characters. They print
#: nothing, under every engine; the README keeps them.
INVISIBLE = {ch: "" for ch in ("\u200b\u200c\u200d\u2060\ufeff" + "".join(map(chr, range(0xFE00, 0xFE10))))}


def _policy(engine: str, symbols: tuple[tuple[str, str], ...]) -> dict:
    """pylatexenc's settings for ``engine`` and the survey's symbol map."""
    table = dict(DEFAULT_SYMBOLS) if engine == "pdflatex" else {}
    table.update(INVISIBLE)
    table.update(symbols)
    rules = [UnicodeToLatexConversionRule(RULE_CALLABLE, _literal_ascii),
             UnicodeToLatexConversionRule(RULE_DICT, {ord(k): v for k, v in table.items() if len(k) == 1})]
    if engine != "pdflatex":  # a character one of the engine's fonts has is written as itself
        rules.append(UnicodeToLatexConversionRule(
            RULE_CALLABLE, lambda s, pos: (1, s[pos]) if ord(s[pos]) > 127 and fonts.has_glyph(engine, s[pos])
            else None))
    return dict(ESCAPE_POLICIES["pdflatex"], conversion_rules=rules + ["defaults"])


# pylatexenc also logs each unencodable character; the Problem we raise says it once.
logging.getLogger("pylatexenc.latexencode").addHandler(logging.NullHandler())
logging.getLogger("pylatexenc.latexencode").propagate = False


class UnencodableText(ValueError):
    """Raised by :func:`escape` for a character the policy cannot write in LaTeX."""


@functools.cache
def _encoder(engine: str, symbols: tuple[tuple[str, str], ...]) -> UnicodeToLatexEncoder:
    return UnicodeToLatexEncoder(**_policy(engine, symbols))


_PLAIN = re.compile(r"(?:[A-Za-z0-9 .;:()/+=*!?@]|,(?!,)|-(?!-))*")


@functools.cache
def _pdflatex_chars() -> tuple[tuple[int, int], ...]:
    """The non-ASCII characters pdflatex was seen to typeset as :func:`escape` writes them (scripts/pdflatex_chars.py)."""
    from .. import package_text
    import json

    data = json.loads(package_text("pdflatex_chars.json"))
    return tuple((low, high) for low, high in data["ranges"])


def _pdflatex_typesets(ch: str) -> bool:
    code = ord(ch)
    ranges = _pdflatex_chars()
    at = bisect.bisect_right(ranges, (code, 0x10FFFF)) - 1
    return at >= 0 and ranges[at][0] <= code <= ranges[at][1]


@functools.lru_cache(maxsize=65536)
def escape(text: str, engine: str = "pdflatex", symbols: tuple[tuple[str, str], ...] = (),
           verified: bool = True) -> str:
    """Plain text as LaTeX that prints exactly that text under ``engine`` (names and values repeat: remembered).

    ``symbols`` is the survey's symbol map (character -> LaTeX). A character the engine cannot typeset
    raises :class:`UnencodableText`: ``check`` calls this same function, so it predicts what TeX does.
    """
    if _PLAIN.fullmatch(text):
        return text
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    control = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if control is not None:  # TeX reads most control characters as invalid or as markup
        raise UnencodableText(f"control character U+{ord(control):04X} {control!r} cannot be typeset by {engine}")
    if engine == "pdflatex" and verified and not text.isascii():
        # pylatexenc has macros that need packages or encodings the paper lacks (\CYRA, \textschwa):
        # only characters a pdflatex run has shown to typeset pass (and the survey's own symbols)
        mapped = {k for k, _ in symbols} | DEFAULT_SYMBOLS.keys() | INVISIBLE.keys()
        bad = next((ch for ch in text if ord(ch) > 127 and ch not in mapped and not _pdflatex_typesets(ch)), None)
        if bad is not None:
            raise UnencodableText(f"character U+{ord(bad):04X} {unicodedata.name(bad, 'control character')} "
                                  f"{bad!r} cannot be typeset by pdflatex")
    try:
        return _encoder(engine, symbols).unicode_to_latex(text)
    except ValueError as exc:
        bad = next((ch for ch in text if _fails(ch, engine, symbols)), "?")
        name = unicodedata.name(bad, "control character")
        why = "" if engine == "pdflatex" else f" (no glyph in {', '.join(fonts.fonts(engine))})"
        raise UnencodableText(f"character U+{ord(bad):04X} {name} {bad!r} cannot be typeset by {engine}{why}") from exc


def _fails(ch: str, engine: str, symbols) -> bool:
    try:
        _encoder(engine, symbols).unicode_to_latex(ch)
    except ValueError:
        return True
    return False


_WIDE = re.compile(r"[^\x00-\x7f]")


def typeset_field(text: str, engine: str = "pdflatex", symbols: tuple[tuple[str, str], ...] = ()) -> str:
    """A LaTeX field's non-ASCII characters written for ``engine`` (its LaTeX left as written)."""
    if text.isascii():
        return text
    return _WIDE.sub(lambda m: escape(m.group(), engine, symbols), text)
