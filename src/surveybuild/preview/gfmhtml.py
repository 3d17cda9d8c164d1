"""The README as GitHub shows it: cmark-gfm HTML, sanitized to GitHub's kind of allow-list, ``user-content-`` ids.

GitHub renders a README with cmark-gfm (raw HTML kept), then removes what its sanitizer does not
allow (scripts, styles, forms, event handlers, ``javascript:`` links), prefixes every ``id`` and
``name`` with ``user-content-`` (so a README cannot clobber the page's own ids) and gives each
heading an anchor made by its slugger. This module does the same with cmarkgfm, nh3 (ammonia) and
github-slugger, for ``surveybuild preview``. Imported only by the preview.
"""

from __future__ import annotations

import html
import re

#: Elements GitHub keeps in rendered Markdown (a fact about its sanitizer, written out here).
TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "div", "br", "b", "i", "strong", "em", "a", "pre", "code", "img", "tt",
    "ins", "del", "sup", "sub", "p", "ol", "ul", "table", "thead", "tbody", "tfoot", "blockquote", "dl", "dt",
    "dd", "kbd", "q", "samp", "var", "hr", "ruby", "rt", "rp", "li", "tr", "td", "th", "s", "strike", "summary",
    "details", "caption", "figure", "figcaption", "abbr", "bdo", "cite", "dfn", "mark", "small", "span", "time",
    "wbr", "picture", "source", "input",
}
#: Attributes allowed on every kept element, and those allowed on one.
COMMON = {"abbr", "align", "alt", "axis", "border", "cellpadding", "cellspacing", "clear", "colspan", "dir",
          "headers", "height", "hidden", "hreflang", "id", "lang", "name", "nowrap", "open", "rowspan", "rules",
          "scope", "span", "start", "summary", "title", "type", "valign", "width"}
ATTRIBUTES = {"*": COMMON, "a": {"href"}, "img": {"src", "longdesc"}, "source": {"srcset", "media", "type"},
              "input": {"checked", "disabled", "type"}, "blockquote": {"cite"}, "q": {"cite"},
              "ins": {"cite"}, "del": {"cite"}, "td": COMMON, "th": COMMON}
SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_ID = re.compile(r'(\s(?:id|name)=")([^"]*)"')
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_ANY_TAG = re.compile(r"<[^>]*>")


def readme_html(markdown_text: str) -> str:
    """The README's body HTML as GitHub would show it (safe to put in a page under a strict CSP)."""
    import cmarkgfm
    import nh3
    from cmarkgfm.cmark import Options
    from github_slugger import GithubSlugger

    raw = cmarkgfm.github_flavored_markdown_to_html(markdown_text, options=Options.CMARK_OPT_UNSAFE)
    clean = nh3.clean(raw, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, strip_comments=True,
                      link_rel="nofollow noopener noreferrer")
    clean = _TAG.sub(lambda m: _ID.sub(lambda a: f'{a.group(1)}user-content-{a.group(2)}"', m.group(0)), clean)
    slugger = GithubSlugger()

    def anchor(m: re.Match) -> str:
        slug = slugger.slug(html.unescape(_ANY_TAG.sub("", m.group(2))))
        return (f'<h{m.group(1)}><a id="user-content-{html.escape(slug)}" class="anchor" '
                f'href="#{html.escape(slug)}" aria-hidden="true"></a>{m.group(2)}</h{m.group(1)}>')

    return _HEADING.sub(anchor, clean)
