"""What a bib entry's fields say, normalised: DOI, arXiv id, venue, title for comparing, preprint or published.

Pure functions over :class:`BibEntry` (or its fields as a dict); the hygiene checks, the README's reference
list and the CSL formatter all read entries through them, so they agree on what an entry is.
"""

from __future__ import annotations

import re
import unicodedata

from ..model import BibEntry

#: A new-style (2007+) or old-style arXiv identifier, without its version.
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)|\b([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_ARXIV_WORD = re.compile(r"arxiv|corr\b|preprint", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")


#: A field's raw text by name (the first of repeated names, as :meth:`BibEntry.get`).
Fields = dict[str, str]


def fields_of(entry: BibEntry) -> Fields:
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


def value(fields: Fields, name: str) -> str:
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


def doi(entry: BibEntry | Fields, keep_case: bool = False) -> str:
    """The entry's DOI, lowercased to compare (DOIs ignore case), or as written (``keep_case``) to show."""
    fields = entry if isinstance(entry, dict) else fields_of(entry)
    for name in ("doi", "url"):
        if not fields.get(name):
            continue
        m = _DOI.search(value(fields, name))
        if m:
            found = m.group(0).rstrip(".,;}")
            if found.lower().startswith("10.48550/arxiv."):
                return ""  # arXiv's own DOI is its id
            return found if keep_case else found.lower()
    return ""


def arxiv_id(entry: BibEntry | Fields) -> str:
    """The arXiv identifier an entry names (eprint, arXiv DOI, arxiv.org URL, or 'arXiv:ID' in a venue)."""
    fields = entry if isinstance(entry, dict) else fields_of(entry)
    eprint = value(fields, "eprint")
    prefix = (value(fields, "archiveprefix") or value(fields, "eprinttype")) if eprint else ""
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
    fields = entry if isinstance(entry, dict) else fields_of(entry)
    return value(fields, "journal") or value(fields, "journaltitle") or value(fields, "booktitle")


def is_preprint(entry: BibEntry | Fields) -> bool:
    """An arXiv preprint: it names an arXiv id and no venue other than arXiv/CoRR."""
    fields = entry if isinstance(entry, dict) else fields_of(entry)
    place = venue(fields)
    return bool(arxiv_id(fields)) and (not place or bool(_ARXIV_WORD.search(place))) and not doi(fields)


def is_published(entry: BibEntry | Fields) -> bool:
    fields = entry if isinstance(entry, dict) else fields_of(entry)
    place = venue(fields)
    return bool(place and not _ARXIV_WORD.search(place)) or bool(doi(fields))
