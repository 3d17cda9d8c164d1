"""refs.bib entries -> a numbered reference list (pybtex's unsrt style, Markdown backend) and BibTeX text."""

from __future__ import annotations

import re

from .model import BibEntry, Problem


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
    return Entry(entry.type, fields=fields, persons=persons)


def format_references(entries: list[BibEntry]) -> tuple[dict[str, str], list[Problem]]:
    """Key -> one line of Markdown for each entry, in the given order."""
    from pybtex.backends.markdown import Backend
    from pybtex.database import BibliographyData
    from pybtex.style.formatting.unsrt import Style

    class OneLine(Backend):
        symbols = dict(Backend.symbols, newblock=" ")

    backend = OneLine()
    style = Style()
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for entry in entries:
        data = BibliographyData({entry.key: _pybtex_entry(entry)})
        try:
            formatted = next(iter(style.format_entries(data.entries.values())))
            out[entry.key] = " ".join(formatted.text.render(backend).split())
        except Exception as exc:  # pybtex raises several types for entries it cannot format
            problems.append(Problem(entry.source, f"entry '{entry.key}' cannot be formatted for the reference "
                                    f"list: {exc}", hint="add the missing field or change the entry type"))
    return out, problems


def bibtex_text(entry: BibEntry) -> str:
    """The entry as BibTeX, written by bibtexparser."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library([Entry(entry.type, entry.key, [Field(k, v) for k, v in entry.fields])])
    return bibtexparser.write_string(library).strip()
