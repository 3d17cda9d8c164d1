"""A fast reader for the cite commands of a plain ``.tex`` file: what the walker of :mod:`surveybuild.readers.texread` finds.

pylatexenc's walker reads every character of the paper in Python (about 7 µs each). Most
paper text is plain: prose, comments, macros, and cite commands written the usual way,
``\\citep{a,b}``, ``\\citet*[see][p.~3]{c}``. :func:`scan` finds those with regular
expressions and returns the same keys at the same places; the line and column of a
position come from pylatexenc's own calculator.

Anything it is not sure of makes it return ``None``, and the walker reads the whole file:

- ``\\verb`` or a ``verbatim`` environment anywhere (their text is not LaTeX);
- a ``\\r`` (line counting), braces that do not balance, an odd number of ``$``;
- a cite command in any other form: a space or a line break before its arguments,
  a brace, bracket, backslash, ``%``, ``$`` or ``#`` inside them, a letter after its name;
- a cite command right after another macro with only spaces between (it could be that
  macro's argument, read as one token).
"""

from __future__ import annotations

import re

from ..model import Source, TexCite

#: A macro (its name: letters), a control symbol, a comment to the end of its line, a brace, a dollar.
_TOKEN = re.compile(r"\\(?:([A-Za-z]+)|.|\n)|%[^\n]*|([{}])|\$", re.S)
#: A cite command's arguments, the plain way: ``*``, up to two ``[...]``, then ``{keys}``.
_ARGS = re.compile(r"(\*?)(?:\[[^\[\]{}\\%$#]*\]){0,2}(\{[^\[\]{}\\%$#]*\})")
_UNSURE = re.compile(r"\\verb|verbatim|\r")
#: Between a macro and a cite command: nothing but spaces and comments means the cite could be its argument.
_GAP = re.compile(r"(?:\s|%[^\n]*)*")


def scan(text: str, path: str, commands: frozenset[str], lines) -> list[TexCite] | None:
    """The cites of ``text``, or ``None`` when the walker must read it. ``lines(pos)`` -> (line, col from 0)."""
    if _UNSURE.search(text):
        return None
    cites: list[TexCite] = []
    depth = 0
    dollars = 0
    after_macro = -1  # where the last macro or control symbol (not a complete cite) ended
    pos = 0
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        name, brace = m.group(1), m.group(2)
        if brace:
            depth += 1 if brace == "{" else -1
            if depth < 0:
                return None
            continue
        first = text[m.start()]
        if first == "$":
            dollars += 1
            continue
        if first == "%":
            continue
        if name in commands:
            if after_macro >= 0 and _GAP.fullmatch(text, after_macro, m.start()) or text[pos:pos + 1].isalpha():
                return None
            args = _ARGS.match(text, pos)
            if args is None:
                return None
            keys_at = args.start(2)
            offset = 1
            for key in args.group(2)[1:-1].split(","):
                stripped = key.strip()
                if stripped and (stripped != "*" or name == "nocite"):  # \nocite{*}: every entry
                    lead = len(key) - len(key.lstrip())
                    line, col = lines(keys_at + offset + lead)
                    cites.append(TexCite(stripped, name, Source(path, line, col + 1)))
                offset += len(key) + 1
            pos = args.end()
            after_macro = -1
            continue
        after_macro = pos
    if depth or dollars % 2:
        return None
    return cites
