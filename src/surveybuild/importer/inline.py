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


#: GitHub's emoji shortcodes whose names are not the Unicode name of the emoji GitHub shows (``:tada:`` 🎉); the
#: others (``:fire:``, ``:rocket:``, ``:page_facing_up:``) are found by their Unicode name (:func:`shortcodes`)
GITHUB_EMOJI = {
    "star": "\u2b50", "star2": "\U0001f31f", "tada": "\U0001f389", "white_check_mark": "\u2705", "x": "\u274c",
    "heavy_check_mark": "\u2714", "warning": "\u26a0", "computer": "\U0001f4bb", "book": "\U0001f4d6",
    "open_book": "\U0001f4d6", "bulb": "\U0001f4a1", "link": "\U0001f517", "new": "\U0001f195",
    "hugs": "\U0001f917", "hugging_face": "\U0001f917", "robot": "\U0001f916", "zap": "\u26a1",
    "mag": "\U0001f50d", "mag_right": "\U0001f50e", "100": "\U0001f4af", "thumbsup": "\U0001f44d",
    "+1": "\U0001f44d", "thumbsdown": "\U0001f44e", "-1": "\U0001f44e", "heart": "\u2764",
    "construction": "\U0001f6a7", "medal": "\U0001f3c5", "1st_place_medal": "\U0001f947",
    "2nd_place_medal": "\U0001f948", "3rd_place_medal": "\U0001f949", "boom": "\U0001f4a5", "gem": "\U0001f48e",
    "dart": "\U0001f3af", "mortar_board": "\U0001f393", "pencil": "\U0001f4dd", "pencil2": "\u270f",
    "heavy_plus_sign": "\u2795", "heavy_minus_sign": "\u2796", "arrow_right": "\u27a1", "arrow_left": "\u2b05",
    "arrow_up": "\u2b06", "arrow_down": "\u2b07", "point_right": "\U0001f449", "point_down": "\U0001f447",
    "date": "\U0001f4c5", "calendar": "\U0001f4c6", "email": "\U0001f4e7", "speech_balloon": "\U0001f4ac",
    "mega": "\U0001f4e3", "file_folder": "\U0001f4c1", "open_file_folder": "\U0001f4c2", "gear": "\u2699",
    "hammer_and_wrench": "\U0001f6e0", "question": "\u2753", "exclamation": "\u2757",
    "heavy_exclamation_mark": "\u2757", "red_circle": "\U0001f534", "large_blue_circle": "\U0001f535",
    "blue_circle": "\U0001f535", "green_circle": "\U0001f7e2", "white_circle": "\u26aa", "black_circle": "\u26ab",
    "o": "\u2b55", "triangular_flag_on_post": "\U0001f6a9", "earth_americas": "\U0001f30e",
    "smile": "\U0001f604", "smiley": "\U0001f603", "wink": "\U0001f609", "fireworks": "\U0001f386",
    "crown": "\U0001f451", "muscle": "\U0001f4aa", "clap": "\U0001f44f", "raised_hands": "\U0001f64c",
    "pray": "\U0001f64f", "unlock": "\U0001f513", "art": "\U0001f3a8", "musical_note": "\U0001f3b5",
    "sound": "\U0001f509", "loud_sound": "\U0001f50a", "hourglass_flowing_sand": "\u23f3",
    "stopwatch": "\u23f1", "alarm_clock": "\u23f0", "chart": "\U0001f4b9", "fire": "\U0001f525",
    "heavy_multiplication_x": "\u2716", "ballot_box_with_check": "\u2611", "radio_button": "\U0001f518",
    "white_large_square": "\u2b1c", "black_large_square": "\u2b1b", "sparkle": "\u2747",
}
#: ``:name:`` as GitHub writes it in Markdown text (not inside a word or a time such as 12:30:45)
SHORTCODE = re.compile(r"(?<!\w):([a-z0-9_+-]+):(?!\w)")


def shortcodes(text: str) -> tuple[str, list[str]]:
    """``text`` with GitHub's emoji shortcodes as the emoji GitHub shows (``:tada:`` 🎉, ``:fire:`` 🔥: a name
    of :data:`GITHUB_EMOJI`, else an emoji's Unicode name, '_' for blanks), and the shortcodes replaced. A
    ``:name:`` that is neither stays as written."""
    if ":" not in text:
        return text, []
    found: list[str] = []

    def one(m: re.Match) -> str:
        name = m.group(1)
        char = GITHUB_EMOJI.get(name)
        if char is None:
            try:
                char = unicodedata.lookup(name.replace("_", " ").upper())
            except KeyError:
                return m.group(0)
            if not (0x1F000 <= ord(char) <= 0x1FAFF or 0x2600 <= ord(char) <= 0x27BF):  # an emoji, not a letter
                return m.group(0)
        found.append(m.group(0))
        return char

    return SHORTCODE.sub(one, text), found


def cell(items: list[Item], where: Source, raw: RawTable, cite_map: dict[str, str] | None,
         rowspan: int = 1, colspan: int = 1, align: str | None = None) -> RawCell:
    open_: list[str] = []  # the styles open: inside `code` GitHub shows ':star:' as written
    for item in items:  # GitHub shows `:star:` as the emoji (a link's text too): so do both outputs
        if item.kind == "open":
            open_.append(item.style)
        elif item.kind == "close":
            open_ = open_[:-1]
        elif item.kind in ("text", "link") and ":" in item.text and "code" not in open_:
            item.text, found = shortcodes(item.text)
            for shortcode in found:
                raw.notices.add("shortcode", shortcode)
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
    mark = plain.strip() if flag is not None else None
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
    return RawCell(text, where, rowspan, colspan, plain=plain, link=link, align=align, flag=flag, mark=mark)
