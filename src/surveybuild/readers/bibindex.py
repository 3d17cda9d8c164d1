"""A fast reader for the common, clean refs.bib: what bibtexparser v2 would return, by regular expressions.

bibtexparser's splitter walks every brace, comma, quote and newline in Python: about a
second for 10,000 entries. Most bib files are plain: ``@type{key, name = value, ...}``
blocks, ``@string`` and ``@comment`` blocks, blank lines and ``%`` comments between
them. :func:`parse` recognises exactly that subset with a few regular expressions (run
in C) and returns the same entries, fields and line numbers that ``bibtexparser.parse_string``
would, with the same string resolution (``@string``, case-insensitive) and enclosing
removal (one pair of braces or quotes).

Anything outside the subset makes :func:`parse` return ``None`` and the caller parses
with bibtexparser, so every problem (a broken block, a duplicate key or field, keys that
differ only in case) is still found and reported by bibtexparser, at its line, with its
words. The subset, conservatively:

- blocks start at the beginning of a line; no ``@`` between blocks (text there is a comment to
  bibtexparser's splitter, whatever braces, quotes, commas or ``=`` it holds);
- ``@type{key,`` with fields ``name = value`` separated by commas; a value is ``{...}``
  (braces nested up to four deep), ``"..."`` or a bare word, or several joined by ``#``
  (entries holding a ``#`` are handed to bibtexparser alone, with the ``@string`` blocks);
- no backslash before a newline (bibtexparser would not count that line);
- no duplicate entry keys, even in case only, no duplicate fields in an entry, no
  duplicate ``@string`` names.
"""

from __future__ import annotations

import re
from sys import intern
from dataclasses import dataclass, field

from ..checks.bibcheck import PREDEFINED

# Text inside braces: anything but braces; a backslash escapes the next character, as in
# bibtexparser's splitter (a mark preceded by a backslash is no mark). Possessive
# quantifiers: no backtracking, linear time.
_T = r"(?:[^{}\\]++|\\++[^\\\n])"
_G1 = rf"\{{{_T}*+\}}"
_G2 = rf"\{{(?:{_T}|{_G1})*+\}}"
_G3 = rf"\{{(?:{_T}|{_G2})*+\}}"
_BRACED = rf"\{{(?:{_T}|{_G3})*+\}}"
# Inside quotes braces do not count for the splitter, but ``{"}`` is its escaped quote.
_QUOTED = r'"(?:[^"\\{]++|\{(?!"\})|\\++[^\\\n])*+"'
_BARE = r'[^\s,{}"#=\\@%()]++'
_PART = rf"(?:{_BRACED}|{_QUOTED}|{_BARE})"
_VALUE = rf"{_PART}(?:\s*+\#\s*+{_PART})*+"
_NAME = r'[^\s,{}"#=\\@%()]++'

_KEY = r'[^\s,{}"=\\@%#()~]++'
_HEAD = re.compile(rf"@(\w++)[ \t]*+\{{\s*+({_KEY})\s*+,")
#: One field: name, value; a comma after it, or the end of the entry's body.
_FIELDS = re.compile(rf"\s*+({_NAME})\s*+=\s*+({_VALUE})\s*+(?:,|\Z)")
#: The same, with the whole field's text first (what ``findall`` gives for each: its length counts the text covered).
_FIELD_TEXTS = re.compile(rf"(\s*+({_NAME})\s*+=\s*+({_VALUE})\s*+(?:,|\Z))")
_STRING = re.compile(rf'@string[ \t]*+\{{\s*+({_NAME})\s*+=\s*+({_BRACED}|{_QUOTED}|\d++)\s*+\}}', re.I)
_COMMENT = re.compile(rf"@comment[ \t]*+{_BRACED}", re.I)
_SPECIAL = re.compile(r"@(comment|preamble|string)", re.I)
_BLOCK = re.compile(r"\n@")
#: Between blocks (bibtexparser's implicit comments): any text without an '@' (its splitter skips braces, quotes,
#: commas and '=' there; an '@' could start a block).
_INERT = re.compile(r'[^@]*+')
_PART_FULL = re.compile(_PART)
#: An entry's fields up to its closing brace (one past the match's end is the text after the entry).
_ENTRY_END = re.compile(rf"(?:\s*+{_NAME}\s*+=\s*+{_VALUE}\s*+(?:,|(?=\}})))*+\s*+\}}")


@dataclass
class Entry:
    """The attributes of a ``bibtexparser.model.Entry`` that :mod:`surveybuild.readers.bibread` reads."""

    key: str
    entry_type: str
    start_line: int  # 0-based, as bibtexparser counts
    fields: list[tuple[str, str]]  # (name as written, value): bibtexparser's fields' key and value


@dataclass
class Library:
    """What :func:`parse` read: the entries (bibtexparser's library, for the attributes used)."""

    entries: list[Entry]
    failed_blocks: list = field(default_factory=list)  # always empty: a failing file is bibtexparser's
    #: bare words that no @string defines and the styles do not predefine (``month = jan`` is fine):
    #: (entry key, field name, the word, 0-based line of the field)
    unresolved: list[tuple[str, str, str, int]] = field(default_factory=list)


def _strip(value: str) -> str:
    """bibtexparser's RemoveEnclosingMiddleware for one value of the subset."""
    if len(value) >= 2 and ((value[0] == "{" and value[-1] == "}") or (value[0] == '"' and value[-1] == '"')):
        return value[1:-1]
    return value


#: More entries than this with a '#' concatenation, and a quarter of the file's: bibtexparser reads the whole file
#: (it would read those entries again after this reader: slower than reading it once).
COMPLEX_MAX = 50


def parse(text: str) -> Library | None:
    """The entries of a clean bib text, or ``None`` when bibtexparser must read it."""
    if "\\\n" in text:
        return None
    # Blocks start right after a newline; one elsewhere leaves an '@' in a gap, and the gap check says no.
    starts = ([0] if text.startswith("@") else []) + [m.start() + 1 for m in _BLOCK.finditer(text)]
    if not _INERT.fullmatch(text, 0, starts[0] if starts else len(text)):
        return None
    strings: dict[str, str] = {}  # lower-cased name -> the value as written (bibtexparser resolves before unenclosing)
    string_blocks: list[str] = []
    entries: list[Entry] = []
    #: unenclosed values, string references resolved once every @string is known: (the entry's fields, the
    #: field's place in them, where the entry starts: to place an undefined name, which is rare)
    bare: list[tuple[list[tuple[str, str]], int, int]] = []
    complex_blocks: dict[str, str] = {}
    hashed: list[tuple[str, str, str, int]] = []  # fields joined by '#': (key, name, raw value, position)
    keys: set[str] = set()
    line = 0
    last = 0
    for start, end in zip(starts, starts[1:] + [len(text)]):
        line += text.count("\n", last, start)
        last = start
        head = _HEAD.match(text, start, end)
        special = _SPECIAL.match(text, start, end)
        if special:
            kind = special.group(1).lower()
            pattern = _STRING if kind == "string" else _COMMENT if kind == "comment" else None
            m = pattern.match(text, start, end) if pattern is not None else None
            if m is None or text[special.end():special.end() + 1] not in (" ", "\t", "{"):
                return None  # @preamble, @stringx{...}, (...) blocks and the like: bibtexparser's
            if kind == "string":
                name = m.group(1).lower()
                if name in strings:
                    return None
                strings[name] = m.group(2)
                string_blocks.append(m.group(0))
            close = m.end() - 1
        elif head is None:
            return None
        else:
            key = head.group(2)
            if key.lower() in keys:
                return None  # duplicates: bibtexparser and bibread report them
            keys.add(key.lower())
            # the entry ends at the last '}' before the next block, unless text after it holds a '}' (a comment
            # line such as "note = {x}" between entries): then where its fields end
            close = text.rfind("}", head.end(), end)
            read = _read_fields(text, head.end(), close, key, start) if close >= 0 else None
            if read is None:
                m = _ENTRY_END.match(text, head.end(), end)
                if m is None or m.end() - 1 == close:
                    return None  # a duplicate field, or text that is no field
                close = m.end() - 1
                read = _read_fields(text, head.end(), close, key, start)
                if read is None:
                    return None
            fields, its_bare, its_hashed, complex_text = read
            bare += [(fields, at, start) for at in its_bare]
            if complex_text is not None:
                complex_blocks[key] = complex_text
                hashed += its_hashed
            entries.append(Entry(key, head.group(1).lower(), line, fields))
        if not _INERT.fullmatch(text, close + 1, end):
            return None
    if len(complex_blocks) > COMPLEX_MAX and len(complex_blocks) * 4 > len(entries):
        return None  # many entries are bibtexparser's anyway ('#' in a quarter of them): it reads the file once
    unresolved = []
    for fields, at, start in bare:
        name, word = fields[at]
        value = strings.get(word.lower())
        if value is None:
            if not word.isdigit() and word.lower() not in PREDEFINED:
                head = _HEAD.match(text, start)
                m = re.compile(rf"{re.escape(name)}\s*+=\s*+{re.escape(word)}").search(text, head.end())
                unresolved.append((head.group(2), name, word, m.start() if m else start))
            continue
        fields[at] = (name, _strip(value))
    for key, name, value, pos in hashed:
        unresolved += [(key, name, w, pos) for w in bare_parts(value)
                       if w.lower() not in strings and w.lower() not in PREDEFINED]
    if unresolved:  # positions -> 0-based lines, counting newlines between successive positions (in C)
        lines, line, last = [], 0, 0
        for k, name, w, pos in sorted(unresolved, key=lambda u: u[3]):
            line += text.count("\n", last, pos)
            last = pos
            lines.append((k, name, w, line))
        unresolved = lines
    if complex_blocks:
        _resolve_complex(entries, string_blocks, complex_blocks)
    return Library(entries, unresolved=unresolved)


def _read_fields(text: str, body: int, close: int, key: str, start: int
                 ) -> tuple[list[tuple[str, str]], list[int], list[tuple[str, str, str, int]], str | None] | None:
    """The fields of the entry at ``start`` whose body runs from ``body`` to its closing brace at ``close``: its
    (name as written, value) pairs, the places of its bare words among them, its '#' fields that bibtexparser
    must read (key, name, raw value, position) with the entry's text for it (else None); None when the body is not
    fields alone or repeats one."""
    fields: list[tuple[str, str]] = []
    bare: list[int] = []
    hashed: list[tuple[str, str, str, int]] = []
    if text.find("#", body, close) < 0:  # the common entry: its fields found in one call in C
        found = _FIELD_TEXTS.findall(text, body, close)
        covered = sum([len(whole) for whole, _, _ in found])
        for _, name, value in found:
            if value[0] == "{" or value[0] == '"':
                fields.append((intern(name), value[1:-1]))  # a few names, many times: one string each
            else:
                bare.append(len(fields))
                fields.append((intern(name), value))
        repeated = len({name for _, name, _ in found}) != len(found)
    else:
        names = set()
        covered = 0
        for m in _FIELDS.finditer(text, body, close):
            covered += m.end() - m.start()
            name, value = intern(m.group(1)), m.group(2)
            names.add(name)
            if "#" in value and not _PART_FULL.fullmatch(value):
                hashed.append((key, name, value, m.start(2)))
            elif value[0] == "{" or value[0] == '"':
                value = value[1:-1]
            else:
                bare.append(len(fields))
            fields.append((name, value))
        repeated = len(names) != len(fields)
    if repeated or (covered != close - body and not text[body + covered:close].isspace()):
        return None
    return fields, bare, hashed, text[start:close + 1] if hashed else None


def concatenated(value: str) -> list[str]:
    """The parts of a raw field value ``"a" # name # {b}``, split at its ``#`` outside braces and quotes
    (BibTeX's operator), as written: one part when it has none."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def bare_parts(value: str) -> list[str]:
    """The bare words (string references) of a raw field value ``"a" # name # {b}``: its top-level
    parts outside braces and quotes, numbers aside."""
    parts = [p.strip() for p in concatenated(value)]
    return [p for p in parts if p and p[0] not in '{"' and not p.isdigit()]


def _resolve_complex(entries: list[Entry], string_blocks: list[str], blocks: dict[str, str]) -> None:
    """Entries with ``#`` concatenations: their fields as bibtexparser reads them (with every @string)."""
    import bibtexparser

    library = bibtexparser.parse_string("\n".join(string_blocks + list(blocks.values())))
    parsed = {e.key: e for e in library.entries}
    for entry in entries:
        if entry.key in blocks:
            entry.fields = [(f.key, str(f.value)) for f in parsed[entry.key].fields]
