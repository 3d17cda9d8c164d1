"""In-page links of a generated Markdown file whose anchor does not exist there.

The page is rendered by cmark-gfm (GitHub's own engine, raw HTML kept) and read like a browser
would: the ids of the page are the ``id``/``name`` attributes of its HTML and the anchors GitHub
gives its headings (github-slugger); an in-page link is an ``href="#..."``. GitHub also prefixes
ids with ``user-content-`` and follows ``#x`` to ``user-content-x``; both sides are compared
without it. Pure: text in, problems out.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import unquote

from ..model import Problem, Source
from ..renderers.slug import Slugger

_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HREF = re.compile(r"""\shref\s*=\s*(?:"#([^"]*)"|'#([^']*)')""", re.I)
_PREFIX = "user-content-"
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")


def _plain(anchor: str) -> str:
    anchor = unquote(html.unescape(anchor))
    return anchor[len(_PREFIX):] if anchor.startswith(_PREFIX) else anchor


def page_ids(text: str) -> tuple[set[str], str]:
    """Every anchor the rendered page has (HTML ids and names, GitHub's heading anchors), and the page."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    rendered = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    ids = {_plain(a or b) for a, b in _ID.findall(rendered)}
    slugger = Slugger()  # a heading's anchor is made from its text content, raw HTML left out
    ids.update(slugger.slug(html.unescape(_TAG.sub("", m.group(2)))) for m in _HEADING.finditer(rendered))
    return ids, rendered


def broken_links(rel: str, text: str) -> list[Problem]:
    """One error per anchor that in-page links of ``text`` (the file ``rel``) point to and that is missing."""
    if "#" not in text:
        return []
    if _plainly_fine(text):
        return []
    ids, rendered = page_ids(text)
    missing = Counter(anchor for anchor in (_plain(a or b) for a, b in _HREF.findall(rendered))
                      if anchor and anchor not in ids)
    problems = []
    for anchor, count in missing.items():
        line = _line_of(text, anchor)
        times = f" ({count} links)" if count > 1 else ""
        hint = ("add a references region (<!-- surveybuild:begin references --> and <!-- surveybuild:end --> "
                "on lines of their own) or {{ references() }} to the template, so the cited works are listed"
                if anchor.startswith("ref-") else
                "link to a heading or an id that exists on the page, or drop the link")
        problems.append(Problem(Source(rel, line), f"in-page link to '#{anchor}', which is not on the page{times}",
                                hint=hint))
    return problems


_SOURCE_LINK = re.compile(r"\]\(#([^)\s]*)\)")
_SOURCE_HREF = re.compile(r"""href=["']#([^"']*)""")
#: ``id=`` and ``name=`` attributes (after a space or tab): one pattern each, as each starts with a
#: literal that the regular expression engine finds quickly (one pattern for both tries every position).
_SOURCE_IDS = (re.compile(r"""id=["']([^"']*)"""), re.compile(r"""name=["']([^"']*)"""))
_ATX = re.compile(r" {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*")


def _source_ids(text: str) -> set[str]:
    """The values of the ``id``/``name`` attributes written in the Markdown source after a space or tab, as
    one left-to-right scan for both finds them (a match hides what is inside it)."""
    found = []  # (where the scan for both would start the match: the space, its end, the value)
    for pattern in _SOURCE_IDS:
        m = pattern.search(text)
        while m is not None:
            if m.start() and text[m.start() - 1] in " \t":
                found.append((m.start() - 1, m.end(), m.group(1)))
            m = pattern.search(text, m.start() + 1)
    ids, end = set(), 0
    for start, stop, value in sorted(found):
        if start >= end:
            ids.add(value)
            end = stop
    return ids


def _atx_titles(text: str) -> list[str]:
    """The titles of the source's ATX headings (``## Title``): lines whose first non-space is a ``#``."""
    return [m.group(1) for line in text.split("\n") if "#" in line[:4] and (m := _ATX.fullmatch(line))]


def _plainly_fine(text: str) -> bool:
    """Whether every in-page link of the Markdown source finds its anchor among the ids written in it or the
    anchors of its plain headings: then rendering the page would find nothing (the common README, quickly)."""
    targets = {_plain(a) for a in {*_SOURCE_LINK.findall(text), *_SOURCE_HREF.findall(text)}}  # each once
    if not targets:
        return True
    targets -= {_plain(a) for a in _source_ids(text)}
    if not targets:
        return True
    slugger = Slugger()
    targets -= {slugger.slug(title) for title in _atx_titles(text) if not re.search(r"[<>\[\]`*_\\&]", title)}
    return not targets


def _line_of(text: str, anchor: str) -> int:
    for needle in (f"(#{anchor})", f'"#{anchor}"', f"#{anchor}"):
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 0
