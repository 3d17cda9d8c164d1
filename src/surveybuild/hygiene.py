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

from .model import BibEntry, Problem

#: A new-style (2007+) or old-style arXiv identifier, without its version.
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)|\b([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_ARXIV_WORD = re.compile(r"arxiv|corr\b|preprint", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
#: Titles shorter than this (normalised) are too generic to call two entries the same work.
MIN_TITLE = 16
#: Entry types whose authors may be editors (or nobody: a proceedings volume).
_EDITED = {"book", "proceedings", "collection", "mvbook", "mvproceedings", "mvcollection", "periodical"}


def _value(entry: BibEntry, name: str) -> str:
    """A field's text without its outer braces or quotes."""
    text = entry.get(name).strip()
    while len(text) >= 2 and ((text[0] == "{" and text[-1] == "}") or (text[0] == '"' and text[-1] == '"')):
        text = text[1:-1].strip()
    return text


def normal_title(title: str) -> str:
    """A title reduced to lower-case letters and digits: no macros, braces, accents or punctuation."""
    text = re.sub(r"\\[A-Za-z]+\*?", " ", title)  # \emph, \textit, ... (their argument's text stays)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def doi(entry: BibEntry) -> str:
    for name in ("doi", "url"):
        m = _DOI.search(_value(entry, name))
        if m:
            found = m.group(0).rstrip(".,;}").lower()
            return "" if found.startswith("10.48550/arxiv.") else found  # arXiv's own DOI is its id
    return ""


def arxiv_id(entry: BibEntry) -> str:
    """The arXiv identifier an entry names (eprint, arXiv DOI, arxiv.org URL, or 'arXiv:ID' in a venue)."""
    prefix = _value(entry, "archiveprefix") or _value(entry, "eprinttype")
    eprint = _value(entry, "eprint")
    if eprint and (not prefix or prefix.lower() == "arxiv"):
        m = _ARXIV_ID.search(eprint)
        if m:
            return m.group(1) or m.group(2)
    for name in ("doi", "url", "journal", "booktitle", "howpublished", "note", "volume", "number"):
        text = _value(entry, name)
        if "arxiv" not in text.lower():
            continue
        m = _ARXIV_ID.search(text)
        if m:
            return m.group(1) or m.group(2)
    return ""


def venue(entry: BibEntry) -> str:
    return _value(entry, "journal") or _value(entry, "journaltitle") or _value(entry, "booktitle")


def is_preprint(entry: BibEntry) -> bool:
    """An arXiv preprint: it names an arXiv id and no venue other than arXiv/CoRR."""
    place = venue(entry)
    return bool(arxiv_id(entry)) and (not place or bool(_ARXIV_WORD.search(place))) and not doi(entry)


def is_published(entry: BibEntry) -> bool:
    place = venue(entry)
    return bool(place and not _ARXIV_WORD.search(place)) or bool(doi(entry))


def check_bib(entries: Iterable[BibEntry], cited: set[str] | None = None) -> list[Problem]:
    """Hygiene warnings for refs.bib; ``cited`` holds the keys the survey cites (None: treat all as cited)."""
    entries = list(entries)
    problems: list[Problem] = []
    for entry in entries:
        problems += _missing_fields(entry)
    problems += _same_work(entries, cited)
    return problems


def _missing_fields(entry: BibEntry) -> list[Problem]:
    if entry.type in ("string", "preamble", "comment", "xdata", "set"):
        return []
    missing = []
    if not _value(entry, "author") and not (entry.type in _EDITED and _value(entry, "editor")) \
            and not _value(entry, "crossref"):
        missing.append("author")
    if not _value(entry, "title"):
        missing.append("title")
    if not _value(entry, "year") and not _value(entry, "date") and not _value(entry, "crossref"):
        missing.append("year")
    if not missing:
        return []
    return [Problem(entry.source, f"entry '{entry.key}' has no {' or '.join(missing)}", severity="warning",
                    hint="add " + ", ".join(f"{m} = {{...}}" for m in missing)
                    + "; the reference list cannot show it otherwise")]


def _same_work(entries: list[BibEntry], cited: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    firsts: dict[tuple[str, str], BibEntry] = {}
    for entry in entries:
        ids = [("DOI", doi(entry)), ("arXiv id", arxiv_id(entry))]
        title = normal_title(_value(entry, "title"))
        if len(title) >= MIN_TITLE:
            ids.append(("title", title))
        for kind, ident in ids:
            if not ident:
                continue
            first = firsts.setdefault((kind, ident), entry)
            pair = frozenset((first.key, entry.key))
            if first is entry or first.key == entry.key or pair in reported:
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
