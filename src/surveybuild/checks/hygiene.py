"""Bibliography hygiene: warnings about refs.bib entries that are legal BibTeX but likely mistakes.

- the same work under two keys (same DOI, same arXiv id, or the same title once normalised);
- an arXiv preprint that is cited while refs.bib also holds its published version;
- entries missing an author (or editor), a title, or a year (or biblatex ``date``).

Pure functions over :class:`BibEntry`; every warning points at ``refs.bib:LINE``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..model import BibEntry, Problem

#: A new-style (2007+) or old-style arXiv identifier, without its version.
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)|\b([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_ARXIV_WORD = re.compile(r"arxiv|corr\b|preprint", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
#: Titles shorter than this (normalised) are too generic to call two entries the same work.
MIN_TITLE = 16
#: Entry types whose authors may be editors (or nobody: a proceedings volume).
_EDITED = {"book", "proceedings", "collection", "mvbook", "mvproceedings", "mvcollection", "periodical"}


#: A field's raw text by name (the first of repeated names, as :meth:`BibEntry.get`).
Fields = dict[str, str]


def _fields(entry: BibEntry) -> Fields:
    """The entry's fields as a dict, built once per entry: the checks look up a dozen names each."""
    return dict(reversed(entry.fields))  # reversed: the first of repeated names is written last and wins


def _unwrap(text: str) -> str:
    """A field's text without its outer braces or quotes."""
    text = text.strip()
    if text[:1] != "{" and text[:1] != '"':  # the common value: nothing to take off
        return text
    while len(text) >= 2 and ((text[0] == "{" and text[-1] == "}") or (text[0] == '"' and text[-1] == '"')):
        text = text[1:-1].strip()
    return text


def _value(fields: Fields, name: str) -> str:
    text = fields.get(name)
    return _unwrap(text) if text else ""


_MACRO = re.compile(r"\\[A-Za-z]+\*?")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: The ASCII bytes that are not lower-case letters or digits: ``bytes.translate`` deletes them in C.
_NOT_ALNUM_ASCII = bytes(sorted(set(range(128)) - set(b"0123456789abcdefghijklmnopqrstuvwxyz")))


class _Uncombined(dict):
    """A ``str.translate`` table that drops combining marks, filled one character at a time as met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_UNCOMBINED = _Uncombined()


def normal_title(title: str) -> str:
    """A title reduced to lower-case letters and digits: no macros, braces, accents or punctuation."""
    text = _MACRO.sub(" ", title) if "\\" in title else title  # \emph, \textit, ... (their argument's text stays)
    if text.isascii():  # NFKD and combining marks change nothing in ASCII, and casefold is lower
        return text.lower().encode("ascii").translate(None, _NOT_ALNUM_ASCII).decode("ascii")
    text = unicodedata.normalize("NFKD", text).translate(_UNCOMBINED)
    return _NOT_ALNUM.sub("", text.casefold())


def doi(entry: BibEntry | Fields) -> str:
    fields = entry if isinstance(entry, dict) else _fields(entry)
    for name in ("doi", "url"):
        if not fields.get(name):
            continue
        m = _DOI.search(_value(fields, name))
        if m:
            found = m.group(0).rstrip(".,;}").lower()
            return "" if found.startswith("10.48550/arxiv.") else found  # arXiv's own DOI is its id
    return ""


def arxiv_id(entry: BibEntry | Fields) -> str:
    """The arXiv identifier an entry names (eprint, arXiv DOI, arxiv.org URL, or 'arXiv:ID' in a venue)."""
    fields = entry if isinstance(entry, dict) else _fields(entry)
    eprint = _value(fields, "eprint")
    prefix = (_value(fields, "archiveprefix") or _value(fields, "eprinttype")) if eprint else ""
    if eprint and (not prefix or prefix.lower() == "arxiv"):
        m = _ARXIV_ID.search(eprint)
        if m:
            return m.group(1) or m.group(2)
    for name in ("doi", "url", "journal", "booktitle", "howpublished", "note", "volume", "number"):
        text = fields.get(name)
        if not text or "arxiv" not in text.lower():  # unwrapping removes no letters: test the raw text
            continue
        m = _ARXIV_ID.search(_unwrap(text))
        if m:
            return m.group(1) or m.group(2)
    return ""


def venue(entry: BibEntry | Fields) -> str:
    fields = entry if isinstance(entry, dict) else _fields(entry)
    return _value(fields, "journal") or _value(fields, "journaltitle") or _value(fields, "booktitle")


def is_preprint(entry: BibEntry | Fields) -> bool:
    """An arXiv preprint: it names an arXiv id and no venue other than arXiv/CoRR."""
    fields = entry if isinstance(entry, dict) else _fields(entry)
    place = venue(fields)
    return bool(arxiv_id(fields)) and (not place or bool(_ARXIV_WORD.search(place))) and not doi(fields)


def is_published(entry: BibEntry | Fields) -> bool:
    fields = entry if isinstance(entry, dict) else _fields(entry)
    place = venue(fields)
    return bool(place and not _ARXIV_WORD.search(place)) or bool(doi(fields))


def check_bib(entries: Iterable[BibEntry], cited: set[str] | None = None) -> list[Problem]:
    """Hygiene warnings for refs.bib; ``cited`` holds the keys the survey cites (None: treat all as cited)."""
    entries = list(entries)
    fields = [_fields(entry) for entry in entries]
    problems: list[Problem] = []
    for entry, its_fields in zip(entries, fields):
        problems += _missing_fields(entry, its_fields)
    problems += _same_work(entries, fields, cited)
    return problems


def _missing_fields(entry: BibEntry, fields: Fields) -> list[Problem]:
    if entry.type in ("string", "preamble", "comment", "xdata", "set"):
        return []
    missing = []
    if not _value(fields, "author") and not (entry.type in _EDITED and _value(fields, "editor")) \
            and not _value(fields, "crossref"):
        missing.append("author")
    if not _value(fields, "title"):
        missing.append("title")
    if not _value(fields, "year") and not _value(fields, "date") and not _value(fields, "crossref"):
        missing.append("year")
    if not missing:
        return []
    return [Problem(entry.source, f"entry '{entry.key}' has no {' or '.join(missing)}", severity="warning",
                    hint="add " + ", ".join(f"{m} = {{...}}" for m in missing)
                    + "; the reference list cannot show it otherwise")]


def _same_work(entries: list[BibEntry], fields: list[Fields], cited: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    firsts: dict[tuple[str, str], BibEntry] = {}
    for entry, its_fields in zip(entries, fields):
        ids = [("DOI", doi(its_fields)), ("arXiv id", arxiv_id(its_fields))]
        title = normal_title(_value(its_fields, "title"))
        if len(title) >= MIN_TITLE:
            ids.append(("title", title))
        for kind, ident in ids:
            if not ident:
                continue
            first = firsts.setdefault((kind, ident), entry)
            if first is entry:
                continue
            pair = frozenset((first.key, entry.key))
            if first.key == entry.key or pair in reported:
                continue
            reported.add(pair)
            problems.append(_pair_problem(first, entry, kind, ident, cited))
    return problems


def _pair_problem(first: BibEntry, second: BibEntry, kind: str, ident: str, cited: set[str] | None) -> Problem:
    shown = "the same title" if kind == "title" else f"the same {kind} {ident}"
    for preprint, published in ((first, second), (second, first)):
        if is_preprint(preprint) and is_published(published) and not is_preprint(published):
            if cited is None or preprint.key in cited:
                return Problem(preprint.source, f"entry '{preprint.key}' is an arXiv preprint, but refs.bib also "
                               f"holds its published version '{published.key}' ({published.source}; {shown})",
                               severity="warning", hint=f"cite '{published.key}' instead and delete '{preprint.key}'")
            return Problem(preprint.source, f"entry '{preprint.key}' (arXiv preprint) and '{published.key}' "
                           f"({published.source}) are the same work ({shown})", severity="warning",
                           hint=f"delete the preprint '{preprint.key}'")
    return Problem(second.source, f"entry '{second.key}' is the same work as '{first.key}' ({first.source}; {shown})",
                   severity="warning", hint=f"keep one key: cite '{first.key}' everywhere and delete '{second.key}'")
