"""refs.bib entries -> a numbered reference list (pybtex's unsrt style, Markdown backend) and BibTeX text.

pybtex formats about a thousand entries a second. A long list is formatted on every core
(:mod:`surveybuild.parallel`): split when it is asked for, or started :func:`ahead` of the
README while the rest of the build runs. A :class:`Memo` of formatted references by the
entry's content (kept in the build cache by :mod:`surveybuild.build`) spares formatting an
unchanged entry again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re

from . import parallel
from .model import BibEntry, Problem

#: Below this many entries to format, a worker process costs more than it saves.
PARALLEL_MIN = 64


def _pybtex_entry(entry: BibEntry):
    from pybtex.database import Entry, Person

    fields = dict(entry.fields)
    persons = {}
    for role in ("author", "editor"):
        if role in fields:
            names = re.split(r"\s+and\s+", " ".join(fields.pop(role).split()))
            persons[role] = [Person(n) for n in names if n]
    if "url" not in fields:
        url = re.search(r"\\url\{([^}]*)\}", fields.get("howpublished", ""))
        if url:
            fields["url"] = url.group(1)
            del fields["howpublished"]
        elif fields.get("doi"):
            fields["url"] = f"https://doi.org/{fields['doi']}"
        elif fields.get("eprint") and fields.get("archiveprefix", "arxiv").lower() == "arxiv":
            fields["url"] = f"https://arxiv.org/abs/{fields['eprint']}"
    fields.pop("abstract", None)
    result = Entry(entry.type, fields=fields, persons=persons)
    result.key = entry.key
    return result


@functools.cache
def _formatter():
    """pybtex's unsrt style and a one-line Markdown backend (a style takes milliseconds to make: one is enough)."""
    from pybtex.backends.markdown import Backend
    from pybtex.style.formatting.unsrt import Style

    class OneLine(Backend):
        symbols = dict(Backend.symbols, newblock=" ")

    return Style(), OneLine()


def format_chunk(entries: list[BibEntry]) -> list[tuple[str | None, str | None]]:
    """(Markdown line, None) or (None, pybtex's complaint) for each entry, in order."""
    style, backend = _formatter()
    out: list[tuple[str | None, str | None]] = []
    for entry in entries:
        data = _pybtex_entry(entry)  # a name pybtex cannot split raises, as it always did
        try:
            formatted = next(iter(style.format_entries([data])))
            out.append((" ".join(formatted.text.render(backend).split()), None))
        except Exception as exc:  # pybtex raises several types for entries it cannot format
            out.append((None, str(exc)))
    return out


def entry_digest(entry: BibEntry) -> str:
    """What the formatted reference depends on: the entry's type and fields."""
    return hashlib.sha256(json.dumps([entry.type, entry.fields]).encode("utf-8")).hexdigest()


def ahead(entries: list[BibEntry], memo: Memo | None = None) -> parallel.Ahead | None:
    """Start formatting the entries the README will likely cite, in a worker (``None`` for a short list)."""
    if memo is not None:
        entries = [e for e in entries if entry_digest(e) not in memo.known]
    if len(entries) >= PARALLEL_MIN:
        _formatter()  # made once, before the worker is forked
    return parallel.Ahead.start(format_chunk, entries, key=_key, min_items=PARALLEL_MIN)


def _key(entry: BibEntry) -> tuple:
    return entry.key, entry.type, entry.fields


class Memo:
    """Formatted references by :func:`entry_digest`; :attr:`used` is what the last formatting needed."""

    def __init__(self, known: dict[str, str] | None = None):
        self.known = dict(known or {})
        self.used: dict[str, str] = {}


def format_references(entries: list[BibEntry], memo: Memo | None = None,
                      started: parallel.Ahead | None = None) -> tuple[dict[str, str], list[Problem]]:
    """Key -> one line of Markdown for each entry, in the given order; ``started`` is what :func:`ahead` began."""
    digests = [entry_digest(e) for e in entries] if memo is not None else []
    todo = [e for i, e in enumerate(entries) if memo is None or digests[i] not in memo.known]
    if started is not None:
        fresh = iter(started.results(todo))
    else:
        fresh = iter(parallel.map_split(format_chunk, todo, PARALLEL_MIN))
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        if memo is not None and digests[i] in memo.known:
            text, error = memo.known[digests[i]], None
        else:
            text, error = next(fresh)
        if text is None:
            problems.append(Problem(entry.source, f"entry '{entry.key}' cannot be formatted for the reference "
                                    f"list: {error}", hint="add the missing field or change the entry type"))
            continue
        out[entry.key] = text
        if memo is not None:
            memo.used[digests[i]] = text
    return out, problems


def bibtex_text(entry: BibEntry) -> str:
    """The entry as BibTeX, written by bibtexparser."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library([Entry(entry.type, entry.key, [Field(k, v) for k, v in entry.fields])])
    return bibtexparser.write_string(library).strip()
