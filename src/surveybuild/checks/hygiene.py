"""Bibliography hygiene: warnings about refs.bib entries that are legal BibTeX but likely mistakes.

- the same work under two keys (same DOI, same arXiv id, or the same title once normalised);
- an arXiv preprint that is cited while refs.bib also holds its published version;
- entries missing an author (or editor), a title, or a year (or biblatex ``date``).

Pure functions over :class:`BibEntry`; every warning points at ``refs.bib:LINE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import BibEntry, Problem
from ..readers.bibfields import Fields, _unwrap, arxiv_id, doi, fields_of, is_preprint, is_published, normal_title, value

#: Titles shorter than this (normalised) are too generic to call two entries the same work.
MIN_TITLE = 16
#: Entry types whose authors may be editors (or nobody: a proceedings volume).
_EDITED = {"book", "proceedings", "collection", "mvbook", "mvproceedings", "mvcollection", "periodical"}


#: What the checks need of one entry, a function of the entry alone: its DOI, arXiv id, normalised title
#: ('' when too short to compare) and the fields it misses (a build keeps them with the bib: readers/bibmemo.py).
Facts = tuple[str, str, str, tuple[str, ...]]


def bib_facts(entries: Iterable[BibEntry]) -> tuple[Facts, ...]:
    """Each entry's :data:`Facts`: what :func:`plain_facts` says of it, in one loop (a cold build asks it of
    every entry: ~2x quicker, tests/test_fast_paths.py holds the two equal)."""
    out = []
    append = out.append
    for entry in entries:
        fields = dict(reversed(entry.fields))  # fields_of
        get = fields.get
        text = get("title")
        title = normal_title(_unwrap(text)) if text else ""
        if entry.type in _NO_CONTENT:
            missing: tuple[str, ...] = ()
        else:  # _missing, with a field's value tested as _filled does
            missing = ()
            if not _filled(get("author")) and not (entry.type in _EDITED and _filled(get("editor"))) \
                    and not _filled(get("crossref")):
                missing = ("author",)
            if not title and not _filled(text):
                missing += ("title",)
            if not _filled(get("year")) and not _filled(get("date")) and not _filled(get("crossref")):
                missing += ("year",)
        append((doi(fields) if "doi" in fields or "url" in fields else "",
                arxiv_id(fields), title if len(title) >= MIN_TITLE else "", missing))
    return tuple(out)


def plain_facts(entry: BibEntry) -> Facts:
    """One entry's :data:`Facts`, plainly (:func:`bib_facts` is its fast form)."""
    fields = fields_of(entry)
    title = normal_title(value(fields, "title"))
    return (doi(fields) or "", arxiv_id(fields) or "", title if len(title) >= MIN_TITLE else "",
            tuple(_missing(entry, fields)))


def _filled(text: str | None) -> bool:
    """Whether :func:`value` of a field's raw text is not empty: a text whose first character is not white
    space, a brace or a quote keeps that character through :func:`_unwrap` (which only strips and unwraps)."""
    if not text:
        return False
    first = text[0]
    return (first != "{" and first != '"' and not first.isspace()) or bool(_unwrap(text))


def check_bib(entries: Iterable[BibEntry], cited: set[str] | None = None,
              facts: tuple[Facts, ...] | None = None) -> list[Problem]:
    """Hygiene warnings for refs.bib; ``cited`` holds the keys the survey cites (None: treat all as cited);
    ``facts``: the entries' :func:`bib_facts`, when known."""
    entries = list(entries)
    if facts is None or len(facts) != len(entries):
        facts = bib_facts(entries)
    problems: list[Problem] = []
    for entry, its_facts in zip(entries, facts):
        if its_facts[3]:
            problems.append(_missing_problem(entry, list(its_facts[3])))
    problems += _same_work(entries, facts, cited)
    return problems


#: Entry types that hold no work: they miss nothing.
_NO_CONTENT = ("string", "preamble", "comment", "xdata", "set")


def _missing(entry: BibEntry, fields: Fields) -> list[str]:
    if entry.type in _NO_CONTENT:
        return []
    missing = []
    if not value(fields, "author") and not (entry.type in _EDITED and value(fields, "editor")) \
            and not value(fields, "crossref"):
        missing.append("author")
    if not value(fields, "title"):
        missing.append("title")
    if not value(fields, "year") and not value(fields, "date") and not value(fields, "crossref"):
        missing.append("year")
    return missing


def _missing_problem(entry: BibEntry, missing: list[str]) -> Problem:
    return Problem(entry.source, f"entry '{entry.key}' has no {' or '.join(missing)}", severity="warning",
                    hint="add " + ", ".join(f"{m} = {{...}}" for m in missing)
                    + "; the reference list cannot show it otherwise")


def _same_work(entries: list[BibEntry], facts: tuple[Facts, ...], cited: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    firsts: dict[tuple[str, str], BibEntry] = {}
    for entry, (its_doi, its_arxiv, title, _) in zip(entries, facts):
        for kind, ident in (("DOI", its_doi), ("arXiv id", its_arxiv), ("title", title)):
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
