"""Checks of the bibliography's raw text that the parsed entries cannot answer.

- :func:`undefined_strings`: a bare word in a field (``month = July``, ``publisher = SpringerVerlag``)
  is an ``@string`` name; one that no ``@string`` of any of the survey's .bib files defines, and
  that the bibliography styles do not predefine, is dropped by BibTeX with a warning nobody
  reads (the month silently disappears). Reported at the field's ``file:line``.

- :func:`unknown_macros`: a cited entry's printed field with a control word pdflatex does not know.

- :func:`special_characters`: a cited entry's printed field with ``_``, ``^``, ``&`` or ``#`` written bare, outside
  math (``title = {{io_uring}}``): TeX stops in main.bbl (``Missing $ inserted``, ``Misplaced alignment tab``).

Pure. The reader finds the bare words (in one pass with its parse); the .bib files are read as one
text, as BibTeX reads ``\\bibliography{abbrev,journals,refs}``: a name defined in ``abbrev.bib`` is
known in ``refs.bib``.
"""

from __future__ import annotations

import operator
import re

from ..model import Problem, Source

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: What the standard styles (plain.bst and its family: plainnat, abbrv, unsrt, alpha, ...) define
#: with MACRO, and biber predefines: the months and a few journal names.
PREDEFINED = frozenset(MONTHS + (
    "acmcs", "acta", "cacm", "ibmjrd", "ibmsj", "ieeese", "ieeetc", "ieeetcad", "ipl", "jacm", "jcss",
    "scp", "sicomp", "tocs", "tods", "tog", "toms", "toois", "toplas", "tcs"))
def undefined_strings(unresolved, path: str) -> list[Problem]:
    """An error for each bare word that no ``@string`` defines and the styles do not predefine.

    ``unresolved``: (entry key, field, word, 0-based line) as the reader found them
    (:attr:`surveybuild.readers.bibindex.Library.unresolved`, :func:`surveybuild.readers.bibread.unresolved_strings`).
    """
    return [Problem(Source(path, line + 1), f"entry '{key}', field '{field}': '{word}' is not a defined @string "
                    "name: BibTeX leaves the field empty", hint=_hint(word, field))
            for key, field, word, line in unresolved if word.lower() not in PREDEFINED]


def _hint(name: str, field: str) -> str:
    low = name.lower()
    if field.lower() == "month" or low[:3] in MONTHS:
        month = next((m for m in MONTHS if low.startswith(m)), None)
        if month:
            return f"write {field} = {month} (BibTeX defines jan ... dec, not '{name}'), or {field} = {{{name}}}"
    return f"write the value in braces, {field} = {{{name}}}, or define it: @string{{{name} = {{...}}}}"


#: Fields the bibliography styles print (BibTeX's standard styles and biblatex's): what reaches ``main.bbl``.
PRINTED = frozenset("""author editor title booktitle journal journaltitle publisher address location school
institution organization series volume number pages chapter edition howpublished note month year type eid
maintitle subtitle titleaddon addendum eventtitle venue translator annote""".split())
_MATH = re.compile(r"\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\]|\\ensuremath\s*\{[^{}]*\}", re.S)
_VERBATIM_ARG = re.compile(r"\\(?:url|href|path)\s*\{[^{}]*\}")
_WORD = re.compile(r"\\([A-Za-z]+)")
_ACCENTS = "'`^\"~=.uvHcdbtrk"


def unknown_macros(entries, cited: set[str], defined: frozenset[str], known_in_tex) -> list[Problem]:
    """An error for each cited entry's printed field that uses a control word pdflatex does not know.

    ``defined``: what the paper and its .bib ``@preamble`` define; ``known_in_tex()``: the names of the
    kernel, class and packages (:func:`surveybuild.checks.texknown.tex_tree_names`), asked only when needed;
    ``None`` from it (no TeX installed) skips the check.
    """
    from .texknown import COMMON

    suspects = []
    fine = COMMON | defined
    words_of = _WORD.findall
    for entry in entries:
        if entry.key not in cited:
            continue
        for name, value in entry.fields:
            if "\\" not in value or name not in PRINTED:
                continue
            words = words_of(value)  # most are accents (\"o: no word) or common words: settled quickly
            if not words or fine.issuperset(words):
                continue
            text = _VERBATIM_ARG.sub("", _MATH.sub("", value))
            for word in dict.fromkeys(words_of(text)):
                if word not in fine:
                    suspects.append((entry, name, word))
    if not suspects:
        return []
    known = known_in_tex()
    if known is None:
        return []
    problems = []
    for entry, field, word in suspects:
        if word in known:
            continue
        problems.append(Problem(entry.source, f"entry '{entry.key}', field '{field}': \\{word} is not a command "
                                "pdflatex knows with the paper's class and packages: TeX would stop in main.bbl",
                                hint=_macro_hint(word)))
    return problems


def _macro_hint(word: str) -> str:
    if word[0] in _ACCENTS and len(word) > 1:
        return (f"an accent needs braces: write \\{word[0]}{{{word[1]}}}{word[2:]}, not \\{word}; or define "
                f"\\{word} in the paper's preamble")
    return f"define \\{word} in the paper's preamble (\\providecommand{{\\{word}}}{{...}}), or write the text"


#: what TeX stops on in text, written bare in a printed field; the fix for each
_SPECIAL = re.compile(r"(?<!\\)[_^&#]")
_VALUE = operator.itemgetter(1)
_SPECIAL_FIX = {"_": "\\_", "^": "\\textasciicircum{}", "&": "\\&", "#": "\\#"}


def special_characters(entries, cited: set[str], packages=()) -> list[Problem]:
    """An error for each cited entry's printed field holding ``_ ^ & #`` bare, outside math and outside a
    ``\\url``/``\\href`` address: BibTeX copies the field into main.bbl as it is, where TeX stops on it
    (``title = {{io_uring}}``: ``Missing $ inserted``). The ``underscore`` package makes ``_`` text."""
    problems = []
    for entry in entries:
        if entry.key not in cited:
            continue
        values = "\n".join(map(_VALUE, entry.fields))  # none of the four bare in any field (the common case):
        # each one present is there as often as escaped (an accent's \^{o}, \&); substring tests and counts, at
        # memchr's speed, where the pattern's look-behind costs ~15 ns a character
        if ("_" not in values or values.count("_") == values.count("\\_")) \
                and ("^" not in values or values.count("^") == values.count("\\^")) \
                and ("&" not in values or values.count("&") == values.count("\\&")) \
                and ("#" not in values or values.count("#") == values.count("\\#")):
            continue
        for name, value in entry.fields:
            if name not in PRINTED or not _SPECIAL.search(value):
                continue
            text = _VERBATIM_ARG.sub("", _MATH.sub("", _concatenated_text(value) if "#" in value else value))
            found = [c for c in dict.fromkeys(m.group() for m in _SPECIAL.finditer(text))
                     if not (c == "_" and "underscore" in packages)]
            if found:
                problems.append(Problem(entry.source, f"entry '{entry.key}', field '{name}': "
                                        f"{', '.join(repr(c) for c in found)} written bare, outside math: TeX would "
                                        "stop in main.bbl ('Missing $ inserted' or the like)",
                                        hint="write " + ", ".join(f"{_SPECIAL_FIX[c]} for {c}" for c in found)
                                        + " (or put the name in math or \\texttt{...})"))
    return problems


#: one part of a BibTeX concatenation (`SV # { Verlag}`): a braced or quoted text, a number or an @string name
_PART = re.compile(r'\s*(?:\{.*\}|".*"|[A-Za-z0-9_:.+/-]+)\s*', re.S)


def _concatenated_text(value: str) -> str:
    """The text of a field as written: in a concatenation (`SV # { Verlag}`, its ``#`` BibTeX's operator), the
    texts of its braced and quoted parts; else the whole value (`{C#}` holds a ``#``). Read a character at a time:
    only for a field that holds a ``#``."""
    from ..readers.bibindex import concatenated

    parts = concatenated(value)
    if len(parts) < 2 or not all(_PART.fullmatch(p) for p in parts):
        return value
    return " ".join(p.strip()[1:-1] for p in parts if p.strip()[:1] in '{"')
