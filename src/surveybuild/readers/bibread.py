"""refs.bib -> :class:`BibEntry` list, with every block that fails to parse as a problem.

bibtexparser v2 splits the file into blocks and never stops at a broken one:
its failed blocks (syntax errors, duplicate keys, duplicate fields) become
problems that carry ``refs.bib:LINE``.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import sys
from dataclasses import replace

from . import bibindex
from ..checks.bibcheck import undefined_strings
from ..model import BibEntry, Problem, Source

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


def _string_value(raw: str) -> str:
    """The value of an ``@string{name = value}`` block as written, blanks collapsed: two definitions that agree."""
    value = raw.split("=", 1)[1] if "=" in raw else raw
    return re.sub(r"\s+", " ", value).strip().rstrip("})").strip()


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
    entries: list[BibEntry] = []
    for entry in library.entries:
        entries.append(_entry(entry, path))
        if type(entry) is bibindex.Entry:
            entry.fields = []  # its pairs are copied: not held twice (~5 MB at 10,000 entries)
    if library.failed_blocks:
        from bibtexparser.middlewares import RemoveEnclosingMiddleware
        from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock
    for block in library.failed_blocks:
        where = Source(path, block.start_line + 1)
        first = block.raw.strip().splitlines()[0][:60] if block.raw.strip() else ""
        if isinstance(block, DuplicateBlockKeyBlock) and block.raw.lstrip().lower().startswith("@string"):
            earlier = next((s for s in library.strings if s.key == block.key), None)
            if earlier is not None and _string_value(earlier.raw) == _string_value(block.raw):
                continue  # the same value again (an abbrev.bib shared by two papers): BibTeX's result is the same
            first_at = Source(path, earlier.start_line + 1) if earlier is not None else None
            also = f" (first defined at {first_at})" if first_at is not None else ""
            commented = text.splitlines()[block.start_line].lstrip().startswith("%") \
                if block.start_line < len(text.splitlines()) else False
            problems.append(Problem(where, f"@string '{block.key}' is defined again{also}: BibTeX silently uses "
                                    "the last definition", hint="delete one of the two" + (
                                        "; a '%' does not comment out a line of a .bib file: BibTeX reads "
                                        "the @string after it" if commented else "")))
        elif isinstance(block, DuplicateBlockKeyBlock):
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
    for entry in entries if _UNSAFE_KEY.search("".join(e.key for e in entries)) else ():
        if _UNSAFE_KEY.search(entry.key):  # a key reaches TeX in \cite{...} and the .aux file
            problems.append(Problem(entry.source,
                                    f"entry key '{entry.key}' holds a space or one of \\ {{ }} % # ~ , \" ^",
                                    hint="keys are made of letters, digits and : - _ . / +"))
    if len({entry.key.lower() for entry in entries}) == len(entries):
        return entries, problems  # no two keys differ in case only (the common file: one pass in C)
    seen: dict[str, BibEntry] = {}
    for entry in entries:
        other = seen.get(entry.key.lower())
        if other is not None and other.key != entry.key:
            problems.append(Problem(entry.source, f"entry key '{entry.key}' differs only in case from "
                                    f"'{other.key}' ({other.source})",
                                    hint="BibTeX treats keys case-insensitively, so the two are one key: keep "
                                         "one of the entries (or rename the other) and cite it by one spelling"))
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
_UNSAFE_KEY = re.compile(r'[\s\\{}%#~,"^]')


def _entry(entry, path: str) -> BibEntry:
    """A bibtexparser entry, or one of :func:`surveybuild.readers.bibindex.parse` (its fields as (name, value))."""
    names = _FIELD_NAMES
    fields = entry.fields
    return BibEntry(
        key=entry.key,
        type=entry.entry_type.lower(),
        fields=tuple([(names[k], v) for k, v in fields] if type(entry) is bibindex.Entry
                     else [(names[f.key], str(f.value)) for f in fields]),
        source=Source(path, entry.start_line + 1),
    )


# -- what of refs.bib may reach TeX ------------------------------------------------------------------------
#
# BibTeX copies field text into the .bbl, which the paper reads as TeX code, and puts every
# @preamble into it as is. A pull request controls refs.bib, so the file is held to this rule
# (docs/robustness.md): no control sequence of a family that reads or writes files, defines or
# redefines macros, changes category codes, builds names or steers expansion (``\input``,
# ``\openout``, ``\write``, ``\def``, ``\catcode``, ``\csname``, ``\expandafter``, every pdfTeX
# primitive, ...), no macro with '@' in its name, no ``^^`` (TeX's character-code notation, a way
# round any rule on names). The whole text is scanned, not parsed entries: what BibTeX reads and
# what a Python parser reads cannot differ then. Ordinary bib LaTeX (accents, \emph, \url, \&,
# math, \textsc, a paper's own macros such as \proglang) passes.

#: The refused families, by the lower-cased name: files (input, include, file, in/out streams,
#: write), definitions (def, let, command, environment), category codes, name building and
#: expansion control, job control, and every pdfTeX and LuaTeX primitive.
_FAMILY = (
    r"[a-z]*(input|include|file)[a-z]*|(open|close)(in|out)|read|readline|write|immediate|special|shipout|scantokens|"
    r"every[a-z]*|output|(cat|lc|uc|sf|math|del)code|[a-z]*def|let|futurelet|glet|[a-z]*command|[a-z]*environment|"
    r"usepackage|requirepackage|documentclass|makeat(letter|other)|csname|endcsname|expandafter|noexpand|"
    r"unexpanded|detokenize|afterassignment|aftergroup|string|meaning|uppercase|lowercase|global|outer|long|"
    r"protected|endinput|end|dump|batchmode|errorstopmode|scrollmode|nonstopmode|jobname|toks[a-z]*|"
    r"directlua|latelua|luaexec|shellescape|pdf[a-z]*|newread|newwrite|loop|repeat")
_DANGEROUS_FAMILY = re.compile(_FAMILY)
#: What refs.bib may not hold, each found by a scan in C (the common file holds none of them):
#: a control word (its name is then checked), ``^^``, a link command's URL that is not http(s),
#: and the end of a '#' concatenation's piece that leaves a command name open.
_WORD = re.compile(r"\\([A-Za-z@]+)")
_LINK = re.compile(r"\\(?:url|href)\s*(?:\[[^\]]*\]\s*)?\{\s*(?!https?://)([A-Za-z][A-Za-z0-9+.-]*:)")
_OPEN_PIECE = re.compile(r"(?:\\[A-Za-z@]*|\^)\s*[\"}]\s*$")
#: A value of an @string that ends in a command name (or a caret): a concatenation could continue it.
_OPEN_END = re.compile(r"(?:\\[A-Za-z@]*|\^)\s*[\"}]\s*[})]\s*$")
_HTTP = re.compile(r"\s*https?://", re.IGNORECASE)
_URL_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")
#: @preamble and @string blocks, found in one scan (they cannot overlap: each holds one '@').
_SPECIAL_BLOCK = re.compile(r"@\s*(preamble|string)\s*[{(]", re.IGNORECASE)


def dangerous_name(name: str) -> bool:
    """Whether ``\\name`` belongs to a family of control sequences refs.bib may not hold."""
    if "@" in name:
        return name != "@"  # \@ (the space factor after "Inc.\@") is text; \@@input, \@tempa are not
    return _DANGEROUS_FAMILY.fullmatch(name.lower()) is not None


def _block_end(text: str, start: int) -> int:
    """The end of the @-block whose opening brace or parenthesis is at ``start`` (braces nest, as in BibTeX)."""
    close = "}" if text[start] == "{" else ")"
    depth = 0
    for pos in range(start + 1, len(text)):
        ch = text[pos]
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0 and close == "}":
                return pos + 1
            depth -= 1
        elif ch == ")" and close == ")" and depth == 0:
            return pos + 1
    return len(text)


def tex_hazards(text: str, path: str, allow_preamble: bool = False) -> list[Problem]:
    """Every control sequence of ``text`` (a .bib file) that TeX must not read, and each @preamble.

    ``allow_preamble``: the survey opted in to its @preamble (``bib_preamble: true`` in
    surveybuild.yaml): its blocks are passed through as written, unchecked.
    """
    problems: list[Problem] = []
    skip: list[tuple[int, int]] = []
    blocks = list(_SPECIAL_BLOCK.finditer(text))
    for m in (b for b in blocks if b.group(1).lower() == "preamble"):
        skip.append((m.start(), _block_end(text, m.end() - 1)))  # refused as a whole, or trusted
        if allow_preamble:
            continue
        problems.append(Problem(_place(text, path, m.start()), "@preamble is TeX code that BibTeX puts into the "
                                "paper as is: refused (the paper's preamble is the place for macros)",
                                hint="move its definitions into the paper's main .tex file and delete the "
                                "@preamble; or, if every change to it is reviewed, set 'bib_preamble: true' in "
                                "surveybuild.yaml"))
    if "#" in text:
        problems += _string_problems(text, path, [b for b in blocks if b.group(1).lower() == "string"])
        for pos in _every(text, "#"):
            if _OPEN_PIECE.search(text, max(0, pos - 80), pos):
                problems.append(Problem(_place(text, path, pos), "a '#' concatenation that continues a "
                                        "command name (or a '^') across its pieces is not allowed: it can spell "
                                        "any command", hint="write the text in one piece"))
    for pos in _carets(text):
        if not any(a <= pos < b for a, b in skip):
            problems.append(Problem(_place(text, path, pos), "'^^' is TeX's character-code notation and is "
                                    "not allowed in a .bib file (it can spell any command)",
                                    hint="write \\textasciicircum{} for a caret"))
    for m in _LINK.finditer(text):
        if not any(a <= m.start() < b for a, b in skip):
            problems += _link_problem(text, path, m.start(1), m.group(1))
    bad = {name for name in set(_WORD.findall(text)) if dangerous_name(name)}
    if bad:  # rare: then place each
        for m in _WORD.finditer(text):
            if m.group(1) in bad and not any(a <= m.start() < b for a, b in skip):
                problems.append(Problem(_place(text, path, m.start()), f"'{m.group()}' is not allowed in a .bib "
                                        "file: BibTeX copies fields into the paper, and this command can read or "
                                        "write files, define macros or change how TeX reads text",
                                        hint="write the text itself (accents, \\emph, \\url, math are fine)"))
    return problems


def url_problems(entries: list[BibEntry]) -> list[Problem]:
    """The url field of every entry (a bibliography style makes it a link in the PDF) must be http(s)."""
    problems = []
    http = _HTTP.match
    for entry, value in [(e, v) for e in entries for k, v in e.fields if k == "url" and not http(v)]:
        if not value.strip():
            continue
        if _URL_SCHEME.match(value) is None and not any(c in value for c in '#"{}\\'):
            problems.append(Problem(entry.source, f"entry '{entry.key}': url {value.strip()[:40]!r} has no "
                                    "http(s):// in front: the PDF would link it as a local file",
                                    severity="warning", hint="write the full https:// address"))
        else:
            problems.append(Problem(entry.source, f"entry '{entry.key}': url {value.strip()[:40]!r} is not an "
                                    "http(s) address: the paper's PDF would link it", hint="write the "
                                    "https:// address itself (no other scheme, @string or concatenation)"))
    return problems


def _link_problem(text: str, path: str, pos: int, scheme: str) -> list[Problem]:
    scheme = scheme.lower()
    if scheme in ("http:", "https:"):  # HTTP:// (the pattern's look-ahead is case-sensitive)
        return []
    return [Problem(_place(text, path, pos), f"a '{scheme}' link is not allowed: the paper's PDF would link it "
                    "(only http and https)", hint="give an https:// address, or delete the link")]


def _every(text: str, char: str):
    """The positions of ``char`` in ``text`` (each found by ``str.find``, a fast scan for one character)."""
    pos = text.find(char)
    while pos != -1:
        yield pos
        pos = text.find(char, pos + 1)


def _carets(text: str) -> list[int]:
    """Where ``^^`` starts in ``text``, left to right without overlaps (``^^^^``: 0 and 2), as repeated
    ``str.find("^^")`` would say; found by the carets alone, which is quicker."""
    found = []
    pos = text.find("^")
    while pos != -1:
        if text.startswith("^", pos + 1):
            found.append(pos)
            pos = text.find("^", pos + 2)
        else:
            pos = text.find("^", pos + 1)
    return found


def _string_problems(text: str, path: str, blocks) -> list[Problem]:
    """@string values that end in a command name: ``a # "ut{x}"`` with ``a = "\\inp"`` spells ``\\input``.
    ``blocks``: the matches of :data:`_SPECIAL_BLOCK` that open the @string blocks."""
    problems = []
    for m in blocks:
        end = _block_end(text, m.end() - 1)
        if _OPEN_END.search(text, m.start(), end):
            problems.append(Problem(_place(text, path, m.start()), "an @string value that ends in a command name "
                                    "or a '^' is not allowed: a '#' concatenation could continue it",
                                    hint="end the value with text, e.g. {\\LaTeX{}}"))
    return problems


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` begins (once per text: counting from the start for each of 50,000 hazards in
    a hostile 100 KB field took seconds)."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _place(text: str, path: str, pos: int) -> Source:
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, pos)
    return Source(path, line, pos - starts[line - 1] + 1)
