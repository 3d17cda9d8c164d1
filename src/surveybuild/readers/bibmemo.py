"""The bibliography as read last time, kept by content: a one-row edit does not parse refs.bib again.

What :func:`surveybuild.readers.read.read_survey` makes of the .bib files (their entries, the
problems the reader and its scans found, the control words an ``@preamble`` defines) depends only on
their paths and texts, the ``bib_preamble`` setting and the code. :func:`key` is the SHA-256 of all of
them; the build step keeps the result under that key in ``.surveybuild-cache/bib.json``
(:data:`surveybuild.build.cache.BIB`), as plain data: JSON lines of strings and integers (read back as
tuples), each record of entries followed by its columns of strings as UTF-8 bytes of the lengths its line
gives (:func:`dump`); no object of any other type, no code; not marshal, whose reader is not meant for
untrusted bytes. The cache is a file of the survey folder, so it is untrusted like any
other: :func:`decode` rebuilds the entries only when the file holds exactly that shape under the
same key, and anything else (another key, a field of the wrong type, a truncated or tampered file)
is a miss, read as if there were no cache. A bad cache can make a build slower, never different.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from ..model import BibEntry, Problem, Source

FORMAT = 3


@dataclass(frozen=True)
class Parsed:
    """What the .bib files read to: the problems of each file's scan (in the files' order), the
    entries, the reader's problems and the control words its @preamble blocks define."""

    hazards: tuple[tuple[Problem, ...], ...]
    entries: tuple[BibEntry, ...]
    problems: tuple[Problem, ...]
    macros: frozenset[str]


@dataclass
class Memo:
    """The cache as the build found it (``stored``: what :func:`surveybuild.build.cache.stored_bib`
    loaded, or None), what the read made of the bib, and whether the build should keep it (``fresh``)."""

    stored: object = None
    code: str = ""  # surveybuild's and the libraries' fingerprint (cache.code_fingerprint)
    fresh: bool = False  # the bib was read anew: keep it (:func:`encode` of ``digest``, ``parsed``, ``facts``)
    digest: str = ""
    parsed: Parsed | None = None
    #: :func:`surveybuild.checks.hygiene.bib_facts` of the entries: from the cache, or made by the build's check
    facts: tuple | None = None
    #: The SHA-256 of each input file's bytes as the build found them (cache.snapshot), when it took them:
    #: the .bib files are not hashed again. The build keeps ``fresh`` only when they did not change meanwhile.
    digests: dict[str, str | None] | None = None


def key(texts: list[tuple[str, str]], allow_preamble: bool, code: str,
        digests: dict[str, str | None] | None = None) -> str:
    """What the parse (and the entries' facts) depend on: the files' paths and contents (the SHA-256 of their
    bytes, from ``digests`` when it has them all, else of their texts), the setting, the code."""
    known = digests is not None and all(digests.get(rel) for rel, _ in texts)
    parts = [f"{FORMAT}", code, str(allow_preamble), "bytes" if known else "text"]
    for rel, text in texts:
        parts += [rel, digests[rel] if known else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()]
    return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _problem(p: Problem) -> tuple:
    return (p.source.path, p.source.line, p.source.col, p.message, p.severity, p.hint)


#: What separates the strings of one column (:func:`encode`); a text holding it makes the cache a miss.
SEP = "\x00"


#: Entries per record of the file: the file is written record by record, so that a build holds one
#: record's strings and bytes at a time (the whole of a 10,000-entry bib at once was ~18 MiB more at the peak).
CHUNK = 1000


def _record(data: tuple) -> bytes:
    """A record of plain data: a line of JSON (ASCII: every other character escaped)."""
    return (json.dumps(data, separators=(",", ":")) + "\n").encode("ascii")


def tuples(data: object) -> object:
    """JSON's lists as the tuples :func:`records` made (strings and numbers as they are)."""
    if type(data) is list:
        return tuple([tuples(x) if type(x) is list else x for x in data])
    return data


#: A chunk record's strings (keys, types, paths, field names, field values, the four columns of facts),
#: each its column joined by :data:`SEP`: written as UTF-8 bytes after the record's JSON line, not as JSON
#: strings, whose escapes (every SEP six bytes) cost a 10,000-entry bib ~30 ms to write and ~10 ms to read.
BLOBS = 9


def records(digest: str, parsed: Parsed, facts: tuple) -> Iterator[tuple]:
    """The cache's records (plain data): first the header (key, problems, macros, the number of entries and of
    records), then the entries (and their facts, checks/hygiene.py) by :data:`CHUNK`, by columns, each column of
    strings joined into one (:func:`decode` splits it in one pass and checks the counts)."""
    entries = parsed.entries
    chunks = range(0, len(entries), CHUNK)
    yield (FORMAT, digest, tuple(tuple(_problem(p) for p in found) for found in parsed.hazards),
           tuple(_problem(p) for p in parsed.problems), tuple(sorted(parsed.macros)), len(entries), len(chunks))
    chain = itertools.chain.from_iterable
    for at in chunks:
        part, its_facts = entries[at:at + CHUNK], facts[at:at + CHUNK]
        fields = list(chain([e.fields for e in part]))  # (name, value) of each entry's fields in turn
        # a text holding SEP splits into more strings than counted: decode refuses it (read again next time)
        yield ((len(part), SEP.join([e.key for e in part]), SEP.join([e.type for e in part]),
                SEP.join([e.source.path for e in part]), SEP.join(map(itemgetter(0), fields)),
                SEP.join(map(itemgetter(1), fields)),
                tuple([e.source.line for e in part]), tuple([e.source.col for e in part]),
                tuple([len(e.fields) for e in part])),
               tuple(SEP.join([f[i] for f in its_facts]) for i in range(3)) + (
                   SEP.join([",".join(f[3]) for f in its_facts]),))


def _is_chunk(record: object) -> bool:
    return (type(record) is tuple and len(record) == 2 and type(record[0]) is tuple and len(record[0]) == 9
            and type(record[1]) is tuple and len(record[1]) == 4
            and _strs(*record[0][1:6], *record[1]))


def dump(record: tuple, first: bool = False) -> bytes:
    """One record as the file holds it: the header as a JSON line; a chunk as a JSON line of its numbers and of
    its strings' lengths in bytes, then those strings (UTF-8, lone surrogates as they are) and a newline."""
    if first or not _is_chunk(record):
        return _record(record)
    (n, keys, types, paths, names, values, lines, cols, counts), facts = record
    blobs = [text.encode("utf-8", "surrogatepass") for text in (keys, types, paths, names, values, *facts)]
    return _record((n, lines, cols, counts, tuple(map(len, blobs)))) + b"".join(blobs) + b"\n"


def encode(digest: str, parsed: Parsed, facts: tuple) -> Iterator[bytes]:
    """The cache file, record by record (:func:`records`, :func:`dump`)."""
    for i, record in enumerate(records(digest, parsed, facts)):
        yield dump(record, first=i == 0)


def load(handle) -> list | None:
    """The records of a cache file open for reading bytes (:func:`dump`'s form; JSON's lists as tuples), or None
    when it is not that form (a truncated file too). Plain data only: :func:`decode` checks each field."""
    try:
        size = os.fstat(handle.fileno()).st_size  # a length said in the file is never more than is left of it
        out = [tuples(json.loads(handle.readline()))]
        head = out[0]
        count = head[6] if type(head) is tuple and len(head) == 7 and type(head[6]) is int else 0
        for _ in range(count):
            meta = tuples(json.loads(handle.readline()))
            if type(meta) is not tuple or len(meta) != 5 or type(meta[4]) is not tuple or len(meta[4]) != BLOBS \
                    or not _ints(*meta[4]):
                return None
            if sum(meta[4]) > size - handle.tell():
                return None  # longer than the file: not read (a tampered length would ask for any amount of memory)
            texts = []
            for length in meta[4]:
                data = handle.read(length)
                if len(data) != length:
                    return None
                texts.append(data.decode("utf-8", "surrogatepass"))
            if handle.read(1) != b"\n":
                return None
            n, lines, cols, counts, _ = meta
            out.append(((n, *texts[:5], lines, cols, counts), tuple(texts[5:])))
        if handle.read(1):
            return None  # more than the header said
    except (ValueError, TypeError, RecursionError, IndexError):
        return None
    return out


def _split(text: object, count: int) -> list[str] | None:
    if type(text) is not str:
        return None
    parts = text.split(SEP) if count else []
    return parts if len(parts) == count else None


def _strs(*values) -> bool:
    return set(map(type, values)) <= {str}


def _ints(*values) -> bool:
    return set(map(type, values)) <= {int} and min(values, default=0) >= 0


def _decode_problems(items) -> tuple[Problem, ...] | None:
    if type(items) is not tuple:
        return None
    out = []
    for item in items:
        if type(item) is not tuple or len(item) != 6:
            return None
        path, line, col, message, severity, hint = item
        if not (_strs(path, message, hint) and _ints(line, col) and severity in ("error", "warning")):
            return None
        out.append(Problem(Source(path, line, col), message, severity, hint))
    return tuple(out)


#: The fields an entry's :data:`surveybuild.checks.hygiene.Facts` can say it misses.
MISSING = frozenset({"author", "title", "year"})


def decode(stored: object, digest: str) -> tuple[Parsed, tuple] | None:
    """The cached parse and facts when ``stored`` (the file's records, :func:`surveybuild.build.cache.stored_bib`)
    is exactly what :func:`encode` wrote under ``digest``, else None. The records are let go as they are read."""
    try:
        if type(stored) is not list or not stored or type(stored[0]) is not tuple or len(stored[0]) != 7:
            return None
        fmt, key_, hazards, problems, macros, n, count = stored[0]
        if fmt != FORMAT or key_ != digest or type(n) is not int or count != len(stored) - 1:
            return None
        if type(hazards) is not tuple or type(macros) is not tuple or not _strs(*macros):
            return None
        found_hazards = []
        for items in hazards:
            found = _decode_problems(items)
            if found is None:
                return None
            found_hazards.append(found)
        found_problems = _decode_problems(problems)
        if found_problems is None:
            return None
        out: list[BibEntry] = []
        found_facts: list = []
        for i in range(1, len(stored)):
            chunk, stored[i] = stored[i], None  # a record's joined text is let go once split
            if type(chunk) is not tuple or len(chunk) != 2 or not _chunk(chunk[0], chunk[1], out, found_facts):
                return None
        if len(out) != n:
            return None
        return Parsed(tuple(found_hazards), tuple(out), found_problems, frozenset(macros)), tuple(found_facts)
    except (TypeError, ValueError):
        return None


def _chunk(entries: object, facts: object, out: list[BibEntry], found_facts: list) -> bool:
    """One record's entries and facts, checked, added to ``out`` and ``found_facts``; False when not well formed."""
    if type(entries) is not tuple or len(entries) != 9 or type(entries[0]) is not int:
        return False
    n, keys, types, paths, names, values, lines, cols, counts = entries
    if not (type(lines) is type(cols) is type(counts) is tuple and len(lines) == len(cols) == len(counts) == n
            and _ints(*lines, *cols, *counts)):
        return False
    keys, types, paths = _split(keys, n), _split(types, n), _split(paths, n)
    names, values = _split(names, sum(counts)), _split(values, sum(counts))
    if keys is None or types is None or paths is None or names is None or values is None:
        return False
    if type(facts) is not tuple or len(facts) != 4:
        return False
    columns = [_split(column, n) for column in facts]
    if any(column is None for column in columns):
        return False
    missing = [tuple(m.split(",")) if m else () for m in columns[3]]
    if not MISSING.issuperset(name for m in missing for name in m):
        return False
    found_facts += zip(columns[0], columns[1], columns[2], missing)
    names = list(map(sys.intern, names))
    at = 0
    for key_, type_, path, line, col, count in zip(keys, types, paths, lines, cols, counts):
        end = at + count
        out.append(BibEntry(key_, type_, tuple(zip(names[at:end], values[at:end])), Source(path, line, col)))
        at = end
    return True
