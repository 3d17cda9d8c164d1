"""Bibliography hygiene: warnings about refs.bib entries that are legal BibTeX but likely mistakes.

- the same work under two keys (same DOI, same arXiv id, or the same title once normalised);
- an arXiv preprint that is cited while refs.bib also holds its published version;
- entries missing an author (or editor), a title, or a year (or biblatex ``date``).

Pure functions over :class:`BibEntry`; every warning points at ``refs.bib:LINE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import BibEntry, Problem
from ..readers.bibfields import Fields, arxiv_id, doi, fields_of, is_preprint, is_published, normal_title, value

#: Titles shorter than this (normalised) are too generic to call two entries the same work.
MIN_TITLE = 16
#: Entry types whose authors may be editors (or nobody: a proceedings volume).
_EDITED = {"book", "proceedings", "collection", "mvbook", "mvproceedings", "mvcollection", "periodical"}


def check_bib(entries: Iterable[BibEntry], cited: set[str] | None = None) -> list[Problem]:
    """Hygiene warnings for refs.bib; ``cited`` holds the keys the survey cites (None: treat all as cited)."""
    entries = list(entries)
    fields = [fields_of(entry) for entry in entries]
    problems: list[Problem] = []
    for entry, its_fields in zip(entries, fields):
        problems += _missing_fields(entry, its_fields)
    problems += _same_work(entries, fields, cited)
    return problems


def _missing_fields(entry: BibEntry, fields: Fields) -> list[Problem]:
    if entry.type in ("string", "preamble", "comment", "xdata", "set"):
        return []
    missing = []
    if not value(fields, "author") and not (entry.type in _EDITED and value(fields, "editor")) \
            and not value(fields, "crossref"):
        missing.append("author")
    if not value(fields, "title"):
        missing.append("title")
    if not value(fields, "year") and not value(fields, "date") and not value(fields, "crossref"):
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
        title = normal_title(value(its_fields, "title"))
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
