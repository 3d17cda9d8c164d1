"""Checks of the bibliography's raw text that the parsed entries cannot answer.

- ``undefined_strings``: a bare word in a field (``month = July``, ``publisher = SpringerVerlag``)
  is an ``@string`` name; one that no ``@string`` of any of the survey's .bib files defines, and
  that the bibliography styles do not predefine, is dropped by BibTeX with a warning nobody
  reads (the month silently disappears). Reported at the field's ``file:line``.

Pure: (path, text) pairs in, problems out. The files are read as one text, as BibTeX reads
``\\bibliography{abbrev,journals,refs}``: a name defined in ``abbrev.bib`` is known in ``refs.bib``.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .model import Problem, Source

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: What the standard styles (plain.bst and its family: plainnat, abbrv, unsrt, alpha, ...) define
#: with MACRO, and biber predefines: the months and a few journal names.
PREDEFINED = frozenset(MONTHS + (
    "acmcs", "acta", "cacm", "ibmjrd", "ibmsj", "ieeese", "ieeetc", "ieeetcad", "ipl", "jacm", "jcss",
    "scp", "sicomp", "tocs", "tods", "tog", "toms", "toois", "toplas", "tcs"))
#: A field value that may hold a bare word (a string reference); files without one are not parsed again.
_CANDIDATE = re.compile(r"(?:=|#)[ \t]*+[A-Za-z]")


def _bare_parts(value: str) -> list[str]:
    """The bare words of a raw field value ``"a" # name # {b}`` (top level, outside braces and quotes)."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        if ch == "#" and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p and p[0] not in '{"' and not p.isdigit()]


def undefined_strings(files: list[tuple[str, str]]) -> list[Problem]:
    """An error for each field that uses an ``@string`` name no file defines (once per field)."""
    if not any(_CANDIDATE.search(text) for _, text in files):
        return []
    import bibtexparser

    starts, line = [], 0
    for path, text in files:
        starts.append((line, path))
        line += text.count("\n") + 1
    library = bibtexparser.parse_string("\n".join(text for _, text in files), parse_stack=[])
    defined = {s.key.lower() for s in library.strings} | PREDEFINED
    by_name: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for entry in library.entries:
        for f in entry.fields:
            if "{" in f.value[:1] or (f.value[:1] == '"' and "#" not in f.value):
                continue
            for name in _bare_parts(f.value):
                if name.lower() not in defined:
                    by_name[name].append((entry.key, f.key, f.start_line))
    problems = []
    for name, uses in by_name.items():
        for key, field, at in uses:
            first, path = next(s for s in reversed(starts) if s[0] <= at)
            problems.append(Problem(Source(path, at - first + 1), f"entry '{key}', field '{field}': '{name}' is "
                                    "not a defined @string name: BibTeX leaves the field empty", hint=_hint(name, field)))
    return problems


def _hint(name: str, field: str) -> str:
    low = name.lower()
    if field.lower() == "month" or low[:3] in MONTHS:
        month = next((m for m in MONTHS if low.startswith(m)), None)
        if month:
            return f"write {field} = {month} (BibTeX defines jan ... dec, not '{name}'), or {field} = {{{name}}}"
    return f"write the value in braces, {field} = {{{name}}}, or define it: @string{{{name} = {{...}}}}"
