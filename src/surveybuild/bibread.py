"""refs.bib -> :class:`BibEntry` list, with every block that fails to parse as a problem.

bibtexparser v2 splits the file into blocks and never stops at a broken one:
its failed blocks (syntax errors, duplicate keys, duplicate fields) become
problems that carry ``refs.bib:LINE``.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import replace

from . import bibindex
from .bibcheck import undefined_strings
from .model import BibEntry, Problem, Source

# bibtexparser also logs each failed block to stderr; the problems below say it once, with the line.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False


def read_bibs(files: list[tuple[str, str]]) -> tuple[list[BibEntry], list[Problem]]:
    """Several .bib files read as BibTeX reads them: as one text (``@string`` names defined in one are
    known in the next), each entry and problem pointing at its own file and line."""
    if len(files) == 1:
        return read_bib(files[0][1], files[0][0])
    if not files:
        return [], []
    starts: list[tuple[int, str]] = []  # first line of each file in the joined text, its path
    line = 1
    for path, text in files:
        starts.append((line, path))
        line += text.count("\n") + 1
    entries, problems = read_bib("\n".join(text for _, text in files), "\x00joined")

    def where(source: Source) -> Source:
        first, path = next((s for s in reversed(starts) if s[0] <= max(source.line, 1)), starts[0])
        return Source(path, source.line - first + 1 if source.line else 0, source.col)

    def message(text: str) -> str:  # a problem that names another entry's place names it in its own file
        return re.sub(r"\x00joined:(\d+)", lambda m: str(where(Source("", int(m.group(1))))), text)

    entries = [replace(e, source=where(e.source)) for e in entries]
    problems = [replace(p, source=where(p.source), message=message(p.message)) if p.source.path == "\x00joined"
                else p for p in problems]
    return entries, problems


def read_bib(text: str, path: str) -> tuple[list[BibEntry], list[Problem]]:
    # the common clean file by regular expressions (the same entries); any other by bibtexparser
    library = bibindex.parse(text)
    if library is not None:
        unresolved = library.unresolved
    else:
        import bibtexparser
        from bibtexparser.entrypoint import default_parse_stack

        library = bibtexparser.parse_string(text, parse_stack=[])  # raw values: which are bare words
        unresolved = unresolved_strings(library)
        for middleware in default_parse_stack():
            library = middleware.transform(library=library)
    problems: list[Problem] = undefined_strings(unresolved, path)
    entries: list[BibEntry] = [_entry(entry, path) for entry in library.entries]
    if library.failed_blocks:
        from bibtexparser.middlewares import RemoveEnclosingMiddleware
        from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock
    for block in library.failed_blocks:
        where = Source(path, block.start_line + 1)
        first = block.raw.strip().splitlines()[0][:60] if block.raw.strip() else ""
        if isinstance(block, DuplicateBlockKeyBlock):
            first_at = next((e.source for e in entries if e.key == block.key), None)
            also = f" (first defined at {first_at})" if first_at is not None else ""
            problems.append(Problem(where, f"duplicate entry key '{block.key}'{also}",
                                    hint="keep one entry under this key and rename or delete the other"))
        elif isinstance(block, DuplicateFieldKeyBlock):
            kept = block.ignore_error_block
            if kept is not None:  # parse_string's middlewares skip failed blocks: strip the braces here
                kept = RemoveEnclosingMiddleware().transform_entry(kept, library)
                entries.append(_entry(kept, path))
            problems.append(Problem(where, f"entry '{getattr(kept, 'key', first)}': {block.error}".split(". Note:")[0],
                                    severity="warning",
                                    hint="delete one of the repeated fields; like BibTeX, the first one is used"))
        else:
            problems.append(Problem(where, f"entry does not parse: {first!r}: {_reason(block)}",
                                    hint="check the braces, the commas between fields and the comma after the key"))
    if len({entry.key.lower() for entry in entries}) == len(entries):
        return entries, problems  # no two keys differ in case only (the common file: one pass in C)
    seen: dict[str, BibEntry] = {}
    for entry in entries:
        other = seen.get(entry.key.lower())
        if other is not None and other.key != entry.key:
            problems.append(Problem(entry.source, f"entry key '{entry.key}' differs only in case from "
                                    f"'{other.key}' ({other.source})",
                                    hint="BibTeX treats keys case-insensitively: use one key"))
        seen.setdefault(entry.key.lower(), entry)
    return entries, problems


def unresolved_strings(library) -> list[tuple[str, str, str, int]]:
    """(entry key, field, word, 0-based line) of each bare word of a raw-parsed library no @string defines."""
    defined = {s.key.lower() for s in library.strings}
    found = []
    for entry in library.entries:
        for f in entry.fields:
            value = f.value
            if value[:1] == "{" and "#" not in value or value[:1] == '"' and "#" not in value:
                continue
            found += [(entry.key, f.key, w, f.start_line) for w in bibindex.bare_parts(value)
                      if w.lower() not in defined]
    return found


def _reason(block) -> str:
    error = getattr(block, "error", None)
    text = getattr(error, "abort_reason", None) or str(error or "") or "syntax error"
    return " ".join(text.split())[:200]


class _FieldNames(dict):
    """A field's name as written -> lower-cased and interned, worked out once per spelling (not per field)."""

    def __missing__(self, name: str) -> str:
        self[name] = folded = sys.intern(name.lower())
        return folded


_FIELD_NAMES = _FieldNames()


def _entry(entry, path: str) -> BibEntry:
    names = _FIELD_NAMES
    return BibEntry(
        key=entry.key,
        type=entry.entry_type.lower(),
        fields=tuple([(names[f.key], str(f.value)) for f in entry.fields]),
        source=Source(path, entry.start_line + 1),
    )
