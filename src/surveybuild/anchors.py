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

from .model import Problem, Source

_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HREF = re.compile(r"""\shref\s*=\s*(?:"#([^"]*)"|'#([^']*)')""", re.I)
_PREFIX = "user-content-"


def _plain(anchor: str) -> str:
    anchor = unquote(html.unescape(anchor))
    return anchor[len(_PREFIX):] if anchor.startswith(_PREFIX) else anchor


def page_ids(text: str) -> tuple[set[str], str]:
    """Every anchor the rendered page has (HTML ids and names, GitHub's heading anchors), and the page."""
    import cmarkgfm
    from cmarkgfm.cmark import Options
    from github_slugger import GithubSlugger

    from .readme import headings

    rendered = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    ids = {_plain(a or b) for a, b in _ID.findall(rendered)}
    slugger = GithubSlugger()
    ids.update(slugger.slug(title) for _, title in headings(text))
    return ids, rendered


def broken_links(rel: str, text: str) -> list[Problem]:
    """One error per anchor that in-page links of ``text`` (the file ``rel``) point to and that is missing."""
    if "#" not in text:
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


def _line_of(text: str, anchor: str) -> int:
    for needle in (f"(#{anchor})", f'"#{anchor}"', f"#{anchor}"):
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 0
