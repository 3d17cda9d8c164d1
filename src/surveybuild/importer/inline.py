"""Cell content of Markdown and HTML tables (text, emphasis, links, citations) -> one :class:`RawCell`.

A reader turns a cell into a list of items; :func:`cell` writes them as LaTeX
(text escaped by the ``pdflatex`` policy of :func:`surveybuild.texlang.escape.escape`),
and keeps the plain text when the cell has no markup, so the column can be
``text``. A cell that is exactly one link also keeps (url, text), so a column of
them can be a ``url`` column. LaTeX that leaked into a README cell
(``Claude~\\citep{key}``, ``\\tnotex{id}``) is kept as LaTeX.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..texlang.escape import INVISIBLE, UnencodableText, escape
from ..texlang.latextext import ALLOWED
from ..model import Problem, Source
from .assemble import RawCell, RawTable
from .cells import BREAK, join_lines

WEB = re.compile(r"https?://", re.I)  # the only links the build allows
#: a web address written without its scheme (``github.com/org/repo``, ``www.example.org``), which GitHub takes for a
#: file of the repository: a host whose last label is a common top-level domain (not a file suffix such as .md), then
#: a path; or ``www.`` and a host
SCHEMELESS = re.compile(r"(?:(?:[A-Za-z0-9-]+\.)+(?:com|org|net|io|ai|edu|gov|dev|app|info|co|me|xyz|cn|uk|de|fr|jp)/"
                        r"|www\.(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:[/?#]|$))", re.I)
LEAKED = re.compile(r"\\(?:tnotex?|cite[a-z]*|Cite[a-z]*)\s*[\[{*]")


@dataclass
class Item:
    kind: str  # text | open | close | link | image | cite | break | dropped
    text: str = ""  # the text; an image's alt text
    url: str = ""  # a link's target; an image's source
    style: str = ""  # bold | italic | code | sup | sub (for open/close)
    image: str = ""  # a link shown as an image (a badge): the image's source


STYLE = {"bold": "\\textbf{", "italic": "\\textit{", "code": "\\texttt{", "sup": "\\textsuperscript{",
         "sub": "\\textsubscript{"}


SPECIALS = {"&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#", "_": "\\_", "{": "\\{", "}": "\\}",
            "~": "\\textasciitilde{}", "^": "\\textasciicircum{}", "\\": "\\textbackslash{}"}


def latex_text(text: str) -> str:
    """Plain text as ``latex``-column text: the ten specials escaped, letters and joiners as written (the build
    escapes them for the paper's engine), other non-ASCII characters by the ``pdflatex`` policy where it has a
    macro, the rest as written (``import`` chooses the engine for them)."""
    out = []
    text = " ".join(text.splitlines())
    for i, ch in enumerate(text):
        if VARIATION.fullmatch(ch) and i and text[i - 1] in MARK_LATEX:
            continue  # '✔️': the mark is \checkmark, which has no emoji form
        if ch in MARK_LATEX:
            out.append(MARK_LATEX[ch] + " ")
        elif ch in SPECIALS:
            out.append(SPECIALS[ch])
        elif ord(ch) < 128 or ch in INVISIBLE:  # a joiner or variation selector ('👩‍💻', '🏷️') stays: the
            out.append(ch)  # README shows the sequence as written; the paper's escape leaves it out
        elif unicodedata.category(ch)[0] in "LM":  # a letter ('í', 'ł', 'ü') stays as written, readable in the
            out.append(ch)  # YAML of a survey in Spanish or German; the build escapes it for the paper's engine
        else:  # a math symbol (∗, ≥) as $...$, the math a cell may hold, not pylatexenc's \ensuremath{...}
            try:
                written = escape(ch)
            except UnencodableText:  # CJK, emoji: kept; the survey's engine is chosen for them (scripts.py)
                out.append(ch)
                continue
            math = ENSUREMATH.fullmatch(written)
            if math:
                out.append(f"${math.group(1)}$")
            elif any(name not in ALLOWED for name in MACRO_NAME.findall(written)):
                out.append(ch)  # '·' -> \textperiodcentered, a macro no cell may hold: the character itself
            else:
                out.append(written)
    return "".join(out)


MACRO_NAME = re.compile(r"\\([A-Za-z]+)")


ENSUREMATH = re.compile(r"\\ensuremath\{(.*)\}")


def _esc(text: str, raw: RawTable, where: Source, report: bool = True) -> str:
    try:
        return latex_text(text)
    except UnencodableText as exc:
        if report:  # a plain cell is checked again as a ``text`` value
            raw.problems.append(Problem(where, f"{exc}: kept as written", hint="the paper cannot show it; "
                                        "write it as LaTeX or leave it out"))
        return text


def _url(url: str) -> str:
    return url.replace("\\", "").replace("%", "\\%").replace("#", "\\#")


MARKS = {"✓": True, "✔": True, "✅": True, "✗": False, "✘": False, "❌": False, "✖": False, "✕": False}
MARK_LATEX = {"✓": "\\checkmark", "✔": "\\checkmark", "✅": "\\checkmark", "✗": "$\\times$", "✘": "$\\times$",
              "❌": "$\\times$", "✖": "$\\times$", "✕": "$\\times$"}
#: the variation selectors: '✔️' is '✔' drawn as an emoji, the same mark
VARIATION = re.compile("[\ufe00-\ufe0f]")


#: a shields.io badge's address: the static ``/badge/<label>-<message>-<colour>`` (or ``<message>-<colour>``), or
#: ``/github/<metric>/...`` (stars, forks, license, ...), which shows that metric
BADGE = re.compile(r"https?://img\.shields\.io/(?:badge/(?P<static>[^?#]+)|github/(?P<metric>[a-z-]+)/[^?#]*)"
                   r"(?:\?(?P<query>[^#]*))?", re.I)


def badge_words(src: str) -> str:
    """The words a shields.io badge shows, read from its address: ``badge/arXiv-Paper-red`` 'arXiv Paper', its
    ``label=`` query instead of the address's label, ``github/stars/o/r`` 'GitHub stars'; '' for any other image.
    In the static form '--' is a dash, '__' an underscore, '_' a blank (shields.io's escapes)."""
    from urllib.parse import parse_qs, unquote

    m = BADGE.match(src)
    if m is None:
        return ""
    query = {k: v[0] for k, v in parse_qs(m.group("query") or "").items() if v and v[0].strip()}
    if m.group("metric"):
        return " ".join(query.get("label", f"GitHub {m.group('metric').replace('-', ' ')}").split())
    static = unquote(m.group("static").removesuffix(".svg").removesuffix(".png"))
    parts = [p.replace("\0", "-").replace("__", "\1").replace("_", " ").replace("\1", "_")
             for p in static.replace("--", "\0").split("-")]
    words = parts[:-1] if len(parts) > 1 else parts  # the last part is the colour
    if "label" in query and words:
        words = [query["label"]] + words[1:] if len(words) > 1 else [query["label"]] + words
    return " ".join(" ".join(words).split())


def _image(src: str, alt: str, raw: RawTable, where: Source) -> str:
    return f"\\image{{{_url(src.strip())}}}{{{_esc(' '.join(alt.split()), raw, where)}}}"


def cell(items: list[Item], where: Source, raw: RawTable, cite_map: dict[str, str] | None,
         rowspan: int = 1, colspan: int = 1, align: str | None = None) -> RawCell:
    for item in items:  # a link without a target: its text (or image) alone
        if item.kind == "link" and not item.url.strip():
            raw.notices.add("emptylink", f"[{item.text}]()")
            item.kind, item.url = ("image", item.image) if item.image else ("text", "")
        elif item.kind == "link" and SCHEMELESS.match(item.url.strip()):  # github.com/x: a web address, not a file
            raw.notices.add("schemeless", f"[{' '.join(item.text.split())}]({item.url.strip()})")
            item.url = "https://" + item.url.strip()
        elif item.kind == "link" and not WEB.match(item.url.strip()):  # relative: no place outside the repository
            shown = f"[{' '.join(item.text.split())}]({item.url.strip()})"
            raw.notices.add("locallink", shown)
            raw.comments.append(f"Line {where.line}: the link {shown} was not carried (not an http(s) address).")
            item.kind, item.url = ("image", item.image) if item.image else ("text", "")
    for item in items:  # an image from a file of the source repository: its alt text (a link keeps its target)
        src = item.image if item.kind == "link" else item.url if item.kind == "image" else ""
        if src.strip() and not WEB.match(src.strip()):
            shown = f"![{' '.join(item.text.split())}]({src.strip()})"
            raw.notices.add("localimage", shown)
            raw.comments.append(f"Line {where.line}: the image {shown} was not carried (not an http(s) address).")
            if item.kind == "link":
                item.image = ""
            else:
                item.kind, item.url = "text", ""
    for item in items:  # an image the paper cannot show: no alt text (a star badge ![](...stars...svg))
        src = item.image if item.kind == "link" else item.url if item.kind == "image" else ""
        if src.strip() and not item.text.strip():
            said = badge_words(src.strip())
            raw.notices.add("badgealt" if said else "noalt", f"![]({src.strip()})")
            item.text = said
    # a citation link between brackets: "[<a href="#ref3">3</a>]"
    out: list[Item] = []
    for n, item in enumerate(items):
        if item.kind == "cite":
            anchor = item.url.lstrip("#")
            key = (cite_map or {}).get(anchor)
            if key is None:
                raw.cite_text.append(f"[{item.text}]")
                out.append(Item("text", item.text))
                continue
            if out and out[-1].kind == "text" and out[-1].text.rstrip().endswith("["):
                out[-1].text = out[-1].text.rstrip()[:-1]
            if n + 1 < len(items) and items[n + 1].kind == "text" and items[n + 1].text.lstrip().startswith("]"):
                items[n + 1].text = items[n + 1].text.lstrip()[1:]
            out.append(Item("cite", key))
        else:
            out.append(item)
    items = out
    # <br>: a line break of the cell (BREAK while the items are joined, a newline in the value)
    texts = "".join(i.text if i.kind == "text" else BREAK for i in items if i.kind in ("text", "break"))
    if any(i.kind == "text" and LEAKED.search(i.text) for i in items) and all(
            i.kind in ("text", "break") for i in items):
        raw.notices.add("leaked", " ".join(texts.replace(BREAK, " ").split()))
        return RawCell(join_lines(texts), where, rowspan, colspan, align=align)
    meaningful = [i for i in items if not (i.kind == "text" and not i.text.strip())]
    plain = None
    if all(i.kind in ("text", "break") for i in meaningful):
        plain = join_lines(texts)
    flag = MARKS.get(VARIATION.sub("", plain).strip()) if plain is not None else None
    if plain is not None and any(m in plain for m in MARKS):
        plain = None  # a check mark is LaTeX in the paper (\checkmark): a latex column
    link = None
    if len(meaningful) == 1 and meaningful[0].kind == "link" and not meaningful[0].image:
        link = (meaningful[0].url.strip(), " ".join(meaningful[0].text.split()))
    latex = []
    styles: list[str] = []  # the styles open: a line break closes them and opens them again on the next line
    for item in items:
        if item.kind == "text":
            latex.append(_esc(item.text, raw, where, report=plain is None))
        elif item.kind == "open":
            latex.append(STYLE[item.style])
            styles.append(item.style)
        elif item.kind == "close":
            latex.append("}")
            if styles:
                styles.pop()
        elif item.kind == "link" and item.image:
            latex.append(f"\\href{{{_url(item.url.strip())}}}{{{_image(item.image, item.text, raw, where)}}}")
        elif item.kind == "link":
            latex.append(f"\\href{{{_url(item.url.strip())}}}{{{_esc(' '.join(item.text.split()), raw, where)}}}")
        elif item.kind == "image":
            latex.append(_image(item.url, item.text, raw, where))
        elif item.kind == "cite":
            latex.append(f"~\\citep{{{item.text}}}")
        elif item.kind == "break":
            latex.append("}" * len(styles) + BREAK + "".join(STYLE[style] for style in styles))
        elif item.kind == "dropped":  # an HTML comment shows nothing on GitHub: its text goes with it
            raw.notices.add("htmlcomment" if item.text.lstrip().startswith("<!--") else "html", item.text)
    text = join_lines("".join(latex))
    text = re.sub(r"(?m)^~", "", text).replace(" ~\\citep", "~\\citep")
    return RawCell(text, where, rowspan, colspan, plain=plain, link=link, align=align, flag=flag)
