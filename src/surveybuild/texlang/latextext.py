"""LaTeX-typed fields -> pieces the README can show, through pylatexenc.

A field is parsed by pylatexenc's LaTeX walker with our macro specs. Cite
commands become :class:`Cite` pieces, ``\\tnotex`` a :class:`NoteRef`, ``\\url``
and ``\\href`` a :class:`Link`; the allowed text macros (accents, styles,
escaped specials) become Unicode text by ``LatexNodes2Text``. Any other macro is
reported, never dropped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pylatexenc import latex2text, latexwalker, macrospec

from ..readers.texread import CITE_COMMANDS, NATBIB

NOTE_COMMANDS = ("tnotex", "tnote")
LINK_COMMANDS = ("url", "href")
#: ``\\image{src}{alt}``: the README shows the image, the paper its alt text (an imported badge)
IMAGE_COMMANDS = ("image",)
STYLE_COMMANDS = (
    "textbf", "textit", "emph", "textsc", "texttt", "textrm", "textsf", "textup", "textsl",
    "textmd", "textnormal", "underline", "mbox", "textsuperscript", "textsubscript",
)
SYMBOL_COMMANDS = (
    "&", "%", "$", "#", "_", "{", "}", " ", ",", ";", ":", "!", "-", "/",
    "ldots", "dots", "textendash", "textemdash", "textquoteleft", "textquoteright",
    "textquotedblleft", "textquotedblright", "textasciitilde", "textasciicircum", "textbackslash",
    "textbar", "textless", "textgreater", "textbullet", "textdagger", "textdegree", "S", "P",
    "checkmark", "times", "pm", "approx", "sim", "leq", "geq", "ss", "o", "O", "ae", "AE", "oe", "OE",
    "aa", "AA", "l", "L", "i", "j", "LaTeX", "TeX", "copyright", "textregistered", "texttrademark",
    "pounds", "relax", "sc", "bf", "it", "em", "tt", "small", "footnotesize", "dag", "ddag",
)
#: More of LaTeX's own math symbols met in imported tables (all defined by the kernel), inside $...$ only
_KERNEL_MATH = frozenset((
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
    "Phi", "Psi", "Omega", "to", "rightarrow", "leftarrow", "leftrightarrow", "Rightarrow", "Leftarrow",
    "Leftrightarrow", "longrightarrow", "mapsto", "uparrow", "downarrow", "le", "ge", "neq", "ne", "simeq",
    "equiv", "propto", "ll", "gg", "subset", "subseteq", "supset", "in", "notin", "mp", "cdot", "div", "ast",
    "star", "circ", "angle", "bullet", "cap", "cup", "wedge", "vee", "oplus", "otimes", "infty", "partial", "nabla",
    "forall", "exists", "emptyset", "ell", "prime", "cdots", "sum", "prod", "int", "log", "exp", "min", "max",
    "sin", "cos", "lim", "arg", "sqrt", "frac", "mathbf", "mathrm", "mathit", "mathcal", "mathsf", "mathtt",
    "left", "right", "langle", "rangle", "hat", "bar", "tilde", "vec", "top", "mid", "dagger", "ddagger",
))
ACCENT_COMMANDS = ("'", "`", "^", '"', "~", "=", ".", "u", "v", "H", "c", "d", "b", "k", "r", "t")
ALLOWED = frozenset(CITE_COMMANDS + NOTE_COMMANDS + LINK_COMMANDS + IMAGE_COMMANDS + STYLE_COMMANDS
                    + SYMBOL_COMMANDS + ACCENT_COMMANDS)
#: Macros allowed inside ``$...$``: what LaTeX's kernel defines in math (no package needed) and
#: GitHub's MathJax renders. Nothing here reads or writes files, defines macros or changes catcodes.
_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
          "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma", "varsigma",
          "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
          "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega")
MATH_COMMANDS = frozenset(_GREEK + (
    "frac", "sqrt", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathnormal", "left", "right",
    "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "times", "cdot", "cdots", "ldots", "dots", "vdots", "pm", "mp",
    "div", "ast", "star", "circ", "bullet", "leq", "le", "geq", "ge", "neq", "ne", "approx", "sim", "simeq",
    "cong", "equiv", "propto", "ll", "gg", "in", "notin", "ni", "subset", "subseteq", "supset", "supseteq",
    "cup", "cap", "setminus", "emptyset", "forall", "exists", "neg", "lnot", "land", "lor", "wedge", "vee",
    "infty", "partial", "nabla", "sum", "prod", "int", "oint", "lim", "log", "ln", "exp", "sin", "cos", "tan",
    "max", "min", "arg", "sup", "inf", "det", "dim", "deg", "mid", "parallel", "perp", "to", "gets",
    "rightarrow", "leftarrow", "Rightarrow", "Leftarrow", "leftrightarrow", "Leftrightarrow", "mapsto",
    "uparrow", "downarrow", "langle", "rangle", "lfloor", "rfloor", "lceil", "rceil", "prime", "hat", "bar",
    "tilde", "vec", "dot", "ddot", "overline", "underline", "ell", "hbar", "Re", "Im", "top", "bot",
    "quad", "qquad", ",", ";", ":", "!", " ", "{", "}", "%", "$", "_", "&", "#", "lbrace", "rbrace",
))
#: amsmath and amssymb's math that GitHub's MathJax renders too (the paper's tables/preamble.tex loads the
#: package when a table uses one: :data:`surveybuild.renderers.latex.MACRO_PACKAGES`)
_AMS_MATH = frozenset((
    "mathbb", "mathfrak", "boldsymbol", "operatorname", "text", "dfrac", "tfrac", "binom", "lVert", "rVert",
    "lvert", "rvert", "iint", "iiint", "leqslant", "geqslant", "lesssim", "gtrsim", "varnothing", "triangleq",
    "overset", "underset", "checkmark", "nexists", "mathbin", "mathrel", "mathop", "limits", "nolimits", "underbrace",
    "overbrace", "widehat", "widetilde", "xrightarrow", "xleftarrow", "implies", "iff", "lbrack", "rbrack",
    "|", "vert", "Vert", "backslash", "cdotp", "colon", "ldotp", "odot", "ominus", "oslash", "bigoplus",
    "bigotimes", "bigcup", "bigcap", "sqcup", "sqcap", "preceq", "succeq", "prec", "succ", "approxeq",
    "hookrightarrow", "longleftarrow", "Longrightarrow", "Longleftarrow", "longmapsto", "rightleftharpoons",
    "nearrow", "searrow", "intercal", "aleph", "Pr", "gcd", "lg", "ker", "hom", "tanh", "sinh", "cosh", "arctan",
    "liminf", "limsup",
))
#: text inside math (``$\text{if } x$``): its argument is text, checked by the text allow-list
MATH_TEXT_COMMANDS = frozenset(("text", "textrm", "textbf", "textit", "textsf", "texttt", "textnormal", "mbox",
                                "textup", "emph"))
#: simple alignments inside math: their ``&`` and ``\\`` belong to them, not to the table
AMSMATH_ENVIRONMENTS = ("cases", "aligned", "gathered", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix",
                        "Vmatrix", "smallmatrix", "split", "alignedat")
MATH_ENVIRONMENTS = frozenset(AMSMATH_ENVIRONMENTS + ("array",))
MATH_COMMANDS = MATH_COMMANDS | _KERNEL_MATH | _AMS_MATH | MATH_TEXT_COMMANDS
#: what the text inside ``\text{...}`` in math may hold: styles, symbols, accents (no cites, links or notes)
TEXT_IN_MATH = frozenset(STYLE_COMMANDS + SYMBOL_COMMANDS + ACCENT_COMMANDS)


@dataclass(frozen=True)
class Text:
    """Plain text of a field, bold and/or italic."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Cite:
    """A citation of one or more bib keys, with natbib's notes (``\\citep[see][p.~3]{k}``) as plain text."""

    keys: tuple[str, ...]
    prenote: str = ""
    postnote: str = ""
    form: str = ""  # what natbib prints besides the number: "author" (\\citet's 'Smith [1]'), "author only"
    # (\\citeauthor), "year" (\\citeyear), "" (the number alone, \\citep's)


#: natbib's commands that print the authors or the year (:class:`Cite`'s form); the rest print the number alone.
CITE_FORMS = {"citet": "author", "Citet": "author", "citealt": "author", "Citealt": "author",
              "citeauthor": "author only", "Citeauthor": "author only", "citeyear": "year", "citeyearpar": "year"}


@dataclass(frozen=True)
class NoteRef:
    """A reference to a table note by its id."""

    note_id: str


@dataclass(frozen=True)
class Link:
    """A link: its address and its text (or an image shown as the link)."""

    url: str
    text: str
    image: str = ""  # the source of an image shown as the link (a badge), else ""


@dataclass(frozen=True)
class Math:
    """Inline math: the LaTeX between the ``$`` signs, as written (the paper and GitHub typeset it)."""

    source: str


@dataclass(frozen=True)
class Image:
    """An image: its source address and its alternative text."""

    src: str
    alt: str


Piece = Text | Cite | NoteRef | Link | Math | Image


@functools.cache
def _contexts():
    walk_db = latexwalker.get_default_latex_context_db()
    walk_db.add_context_category(
        "surveybuild",
        prepend=True,
        macros=[macrospec.MacroSpec(n, "*[[{") for n in CITE_COMMANDS]
        + [macrospec.MacroSpec(n, "*{") for n in NOTE_COMMANDS]
        + [macrospec.MacroSpec("url", "{"), macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("image", "{{"),
           macrospec.MacroSpec("checkmark", "")],
    )
    text_db = latex2text.get_default_latex_context_db()
    text_db.add_context_category(
        "surveybuild",
        prepend=True,
        macros=[latex2text.MacroTextSpec("checkmark", simplify_repl="\N{CHECK MARK}"),
                latex2text.MacroTextSpec("xspace", simplify_repl="")],
    )
    return walk_db, latex2text.LatexNodes2Text(latex_context=text_db, math_mode="text",
                                               strict_latex_spaces=True)


#: What a field nested deeper than pylatexenc's recursion can follow is told (no real text comes near).
TOO_DEEP = ("LaTeX nested too deeply to read (groups, math or environments hundreds of levels inside one another: "
            "flatten them)")


class LatexFieldError(ValueError):
    """Raised by :func:`to_pieces` with every problem of one field."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# No macro, group, special character or TeX ligature (`` '' -- ---): the text is its own rendering.
_PLAIN = re.compile(r"(?:[^\\{}~$%&#^_`'-]|'(?!')|-(?!-))*")


@functools.lru_cache(maxsize=65536)
def to_pieces(latex: str) -> tuple[Piece, ...]:
    """The README pieces of a LaTeX field; raises :class:`LatexFieldError`."""
    if _PLAIN.fullmatch(latex):
        return (Text(latex),)  # the common plain cell: no walker needed
    problems = _brace_problems(latex)
    if "^^" in latex:  # TeX reads ^^5c as a backslash: a way round every check below
        problems.append("'^^' is TeX's character-code notation and is not allowed "
                        "(write \\textasciicircum{} for a caret)")
    if problems:
        raise LatexFieldError(problems)
    try:
        pieces = _by_units(latex)
        return pieces if pieces is not None else _whole(latex)
    except RecursionError:  # pylatexenc reads a group inside a group by recursion: a few hundred levels end it
        raise LatexFieldError([TOO_DEEP]) from None


def _detached(call):
    """``call()``'s result, got in a generator's frame, which leaves the caller's frames unlinked when done.

    The walker keeps the end-of-text exception it stops at in a local variable: a reference cycle of its
    frames, left for the cyclic garbage collector. A frame that outlives its call is linked to its caller's
    frame, and that one to its own caller, so the cycle held every frame of the build up to the command, and
    with them the whole survey: ~195,000 objects at 10,000 entries that only the collection at the
    process's exit freed (~100 ms). A generator's frame drops its link to the caller when it stops."""
    yield call()


def _whole(latex: str) -> tuple[Piece, ...]:
    """The field through the walker as a whole: the reference :func:`_by_units` must agree with."""
    walk_db, to_text = _contexts()
    walker = latexwalker.LatexWalker(latex, latex_context=walk_db, tolerant_parsing=False)
    try:
        ((nodes, _, _),) = _detached(walker.get_latex_nodes)
    except latexwalker.LatexWalkerError as exc:
        raise LatexFieldError([f"LaTeX does not parse: {' '.join(str(exc).split())[:160]}"]) from None
    pieces: list[Piece] = []
    problems = []
    try:
        _convert(nodes, to_text, pieces, problems, False, False)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        # pylatexenc fails on a command given as another's bare argument (\"\href{u}{t})
        raise LatexFieldError(["LaTeX cannot be turned into text: a command is the bare argument of another, "
                               "as in \\\"\\href (give the outer command a braced argument: \\\"{o})"]) from None
    problems += _macro_problems(nodes)
    problems += _special_problems(nodes)
    problems += _nested_links(nodes)
    if problems:
        raise LatexFieldError(list(dict.fromkeys(problems)))
    return tuple(_merge(pieces))


# A top-level unit whose end the walker agrees on: a run of plain text (no special character
# can start in it and end in the next unit), a brace group (three deep at most, no comment or
# math inside), a run of ligature and tie characters, or a macro's name (its arguments follow;
# the walker's alphabetic name runs over every letter, é too, so a letter after it is no unit).
_GROUP_CHAR = r"[^{}\\%$]|\\[^()\[\]]"
_GROUP = r"\{(?:%s|\{(?:%s|\{(?:%s)*\})*\})*\}" % ((_GROUP_CHAR,) * 3)
_UNIT = re.compile(r"(?P<plain>(?:[^\\{}~$%&#^_`'!?-]|'(?!')|-(?!-)|[!?](?!`))+)"
                   r"|(?P<group>" + _GROUP + r")"
                   r"|(?P<ligature>[-`'~!?]+)"
                   r"|\\(?P<macro>[A-Za-z]+(?![^\W\d_])|[^A-Za-z])")
# What the walker reads after a macro's name, by the macro's argument spec, when it is
# certain: arguments written right after the name (no space, optional arguments without
# brackets or braces inside), a letter after an accent like \"o, the spaces after \ss;
# nothing after a symbol like \&.
_OPTIONAL = r"\[[^\[\]{}\\%$]*\]"
_TAILS = {
    "": "",
    "{": _GROUP,
    "{{": _GROUP * 2,
    "*{": r"\*?" + _GROUP,
    "*[[{": r"\*?(?:%s){0,2}" % _OPTIONAL + _GROUP,
}


@functools.cache
def _macro_tails() -> dict[str, re.Pattern]:
    """Per allowed macro, what follows its name in its unit; from the walker's own macro specs."""
    walk_db, _ = _contexts()
    tails = {}
    for name in ALLOWED:
        spec = walk_db.get_macro_spec(name)
        argspec = ""
        if spec is not None:
            if type(spec.args_parser) is not macrospec.MacroStandardArgsParser:
                continue  # e.g. a verbatim argument: left to the whole-field walker
            argspec = spec.args_parser.argspec
        if argspec not in _TAILS:
            continue
        tail = _TAILS[argspec]
        if name.isalpha() and not argspec:
            # the walker keeps the spaces after \ss with the macro (a newline, maybe a paragraph: no unit)
            tail = r"[^\S\n]*(?!\s)"
        elif not name.isalpha() and argspec == "{":
            tail += r"|[A-Za-z]"  # \"o: an accent's argument can be the next letter
        tails[name] = re.compile(tail)
    return tails


def _by_units(latex: str) -> tuple[Piece, ...] | None:
    """The field's pieces made from its top-level units, each converted once for all fields.

    Fields repeat LaTeX around unique text (``T\\"{U}LU-models-42``, ``X~\\citep{k}``), and
    walking a whole field costs far more than matching it. The walker renders each top-level
    node on its own (``strict_latex_spaces``), so a field is the merge of its units' pieces
    when the units end where the walker's nodes do: :data:`_UNIT` and :func:`_macro_tails`
    only accept shapes whose end is certain. (pylatexenc 2 parses ``\\bf`` as a macro with no
    arguments: its scope changes no node.) None when a unit is not one of them or has a
    problem: then the whole field goes through the walker, which words the problems.
    A test compares this with :func:`_whole` on the surveys' cells and on random fields.
    """
    tails = _macro_tails()
    pieces: list[Piece] = []
    pos, end = 0, len(latex)
    while pos < end:
        unit = _UNIT.match(latex, pos)
        if unit is None:
            return None
        if unit.lastgroup == "plain":
            pieces.append(Text(unit.group()))  # the walker's characters node: the text itself
            pos = unit.end()
            continue
        stop = unit.end()
        if unit.lastgroup == "macro":
            tail = tails.get(unit.group("macro"))
            args = tail.match(latex, stop) if tail is not None else None
            if args is None:
                return None
            stop = args.end()
        converted = _unit_pieces(latex[pos:stop])
        if converted is None:
            return None
        pieces += converted
        pos = stop
    return tuple(_merge(pieces))


@functools.lru_cache(maxsize=65536)
def _unit_pieces(unit: str) -> tuple[Piece, ...] | None:
    """A unit's pieces, walked once for every field it is in; None when it has a problem (the field says which)."""
    try:
        return _whole(unit)
    except LatexFieldError:
        return None


def _brace_problems(latex: str) -> list[str]:
    depth = 0
    escaped = False
    for pos, ch in enumerate(latex):
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return [f"unbalanced braces: a '}}' at character {pos + 1} closes nothing (write \\}} for a brace)"]
    if depth > 0:
        return [f"unbalanced braces: {depth} '{{' never closed (write \\{{ for a brace)"]
    if escaped:  # in the paper it would escape what follows the field: a brace, a line break, a cite
        return ["a lone '\\' ends the field (or a line of it) and would join what follows it in the paper "
                "(write \\textbackslash{} for a backslash)"]
    return []


def _arg_text(node) -> str:
    return node.latex_verbatim()[1:-1] if node is not None and node.isNodeType(latexwalker.LatexGroupNode) \
        else (node.latex_verbatim() if node is not None else "")


def _convert(nodes, to_text, out: list, problems: list, bold: bool, italic: bool, math: bool = False) -> None:
    for node in nodes or ():
        if node is None:
            continue
        if node.isNodeType(latexwalker.LatexCommentNode):
            problems.append("a '%' starts a LaTeX comment that hides the rest of the field (in a 'latex' column "
                            "write \\% for a percent sign, or make the column type 'text' for plain text)")
            continue
        if node.isNodeType(latexwalker.LatexGroupNode):
            _convert(node.nodelist, to_text, out, problems, bold, italic, math)
            continue
        if node.isNodeType(latexwalker.LatexEnvironmentNode):
            problems.append(f"environment '{node.environmentname}' is not allowed in a table cell")
            continue
        if node.isNodeType(latexwalker.LatexMacroNode):
            name = node.macroname
            args = node.nodeargd.argnlist if node.nodeargd else []
            if math and name in MATH_COMMANDS and name not in ALLOWED:
                out.append(Text(to_text.nodelist_to_text([node]), bold, italic))
            elif name not in ALLOWED:
                problems.append(_not_allowed(name))
            elif name in CITE_COMMANDS:
                keys = tuple(k.strip() for k in _arg_text(args[-1]).split(",") if k.strip())
                notes = [" ".join(to_text.nodelist_to_text([a]).replace("\N{NO-BREAK SPACE}", " ").split())
                         for a in args[1:-1] if a is not None]
                out.append(Cite(keys, *([""] + notes if len(notes) == 1 else notes[:2]), form=CITE_FORMS.get(NATBIB.get(name, name), "")))
            elif name in NOTE_COMMANDS:
                out.append(NoteRef(_arg_text(args[-1]).strip()))
            elif name == "url":
                url = _unescape_url(_arg_text(args[0]))
                out.append(Link(url, url))
            elif name == "href":
                inner = _meaningful(args[1].nodelist if args[1] is not None and args[1].isNodeType(
                    latexwalker.LatexGroupNode) else [args[1]])
                if len(inner) == 1 and inner[0].isNodeType(latexwalker.LatexMacroNode) and \
                        inner[0].macroname == "image":
                    image = _image(inner[0], to_text)
                    out.append(Link(_unescape_url(_arg_text(args[0])), image.alt, image.src))
                else:
                    out.append(Link(_unescape_url(_arg_text(args[0])), to_text.nodelist_to_text(args[1].nodelist)))
            elif name == "image":
                out.append(_image(node, to_text))
            elif name in ("textbf",) and args and args[-1] is not None:
                _convert([args[-1]], to_text, out, problems, True, italic)
            elif name in ("textit", "emph", "textsl") and args and args[-1] is not None:
                _convert([args[-1]], to_text, out, problems, bold, True)
            elif name in STYLE_COMMANDS and args and args[-1] is not None:
                _convert([args[-1]], to_text, out, problems, bold, italic)
            else:
                out.append(Text(to_text.nodelist_to_text([node]), bold, italic))
            continue
        if node.isNodeType(latexwalker.LatexMathNode):
            if node.displaytype == "display":
                problems.append(f"display math {node.delimiters[0]}...{node.delimiters[1]} is not allowed in a "
                                f"table cell (write $...$)")
                continue
            source = node.latex_verbatim()[len(node.delimiters[0]):-len(node.delimiters[1])].strip()
            wide = sorted({ch for ch in source if ord(ch) > 127})
            if wide:
                problems.append(f"character {wide[0]!r} in math: TeX's math fonts are ASCII (write it as a "
                                f"macro, e.g. \\alpha for α, or put it outside the $...$)")
            if source:
                out.append(Math(source))
            continue
        out.append(Text(to_text.nodelist_to_text([node]), bold, italic))


#: LaTeX's line breaks: a cell says its line break as a newline of its YAML text instead (docs/format.md)
LINE_BREAK_MACROS = frozenset(("\\", "newline", "linebreak", "par", "cr", "tabularnewline"))


def _not_allowed(name: str) -> str:
    if name in LINE_BREAK_MACROS:
        return (f"macro '\\{name}' is not allowed in a table cell: a line break in a cell is a new line of its "
                f"YAML text (write the cell as a | block, one line per line), which the paper and the README "
                f"each break in their own way")
    return (f"macro '\\{name}' is not allowed in a table cell (the README cannot render it; allowed: text styles, "
            f"accents, cite commands, \\tnotex, \\url, \\href, and $...$ math)")


def _meaningful(nodes) -> list:
    return [n for n in nodes or () if n is not None and not (n.isNodeType(latexwalker.LatexCharsNode)
                                                             and not n.chars.strip())]


def _image(node, to_text) -> Image:
    args = node.nodeargd.argnlist if node.nodeargd else []
    src = _unescape_url(_arg_text(args[0])) if args else ""
    alt = to_text.nodelist_to_text(args[1].nodelist) if len(args) > 1 and args[1] is not None and \
        args[1].isNodeType(latexwalker.LatexGroupNode) else ""
    return Image(src, alt.strip())


_SPECIAL_HINTS = {"&": "\\&", "#": "\\#", "_": "\\_", "^": "\\textasciicircum{}"}


def _macro_problems(nodes, math: bool = False, align: bool = False, in_text: bool = False) -> list[str]:
    """Every macro anywhere in the field, arguments included, must be on the allow-list (in math, the math one;
    in ``\\text{...}`` inside math, :data:`TEXT_IN_MATH`; ``\\\\`` only inside a math alignment)."""
    problems = []
    for node in nodes or ():
        if node is None:
            continue
        if node.isNodeType(latexwalker.LatexMacroNode):
            name = node.macroname
            if math and name == "\\" and align:
                pass
            elif math and name not in MATH_COMMANDS:
                problems.append(f"macro '\\{name}' is not allowed in math in a table cell (allowed: "
                                f"Greek letters, \\frac, \\sqrt, \\mathrm, \\mathbb, \\text, \\operatorname, "
                                f"relations, arrows and operators of LaTeX, amsmath and amssymb that GitHub renders)")
            elif in_text and not math and name not in TEXT_IN_MATH:
                problems.append(f"macro '\\{name}' is not allowed in text inside math in a table cell "
                                f"(allowed: text styles, accents and symbols)")
            elif not math and name not in ALLOWED:
                problems.append(_not_allowed(name))
            argd = getattr(node, "nodeargd", None)
            if argd is not None and argd.argnlist:
                if math and name in MATH_TEXT_COMMANDS:
                    problems += _macro_problems(argd.argnlist, False, False, True)
                else:
                    problems += _macro_problems(argd.argnlist, math, align, in_text)
            continue
        inner_align = align
        if node.isNodeType(latexwalker.LatexEnvironmentNode) and math:
            if node.environmentname not in MATH_ENVIRONMENTS:
                problems.append(f"environment '{node.environmentname}' is not allowed in math in a table cell "
                                f"(allowed: {', '.join(sorted(MATH_ENVIRONMENTS))})")
            inner_align = True
        inner = math or node.isNodeType(latexwalker.LatexMathNode)
        problems += _macro_problems(getattr(node, "nodelist", None), inner, inner_align, in_text)
        argd = getattr(node, "nodeargd", None)
        if argd is not None and argd.argnlist:
            problems += _macro_problems(argd.argnlist, inner, inner_align, in_text)
    return problems


def _nested_links(nodes, inside: bool = False) -> list[str]:
    """A link in a link's text: the README shows its text, but the PDF would get its URL unchecked."""
    problems = []
    for node in nodes or ():
        if node is None:
            continue
        is_link = node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in LINK_COMMANDS
        if is_link and inside:
            problems.append(f"\\{node.macroname} inside the text of a link is not allowed "
                            "(one link: \\href{https://...}{text})")
            continue
        problems += _nested_links(getattr(node, "nodelist", None), inside)
        argd = getattr(node, "nodeargd", None)
        if argd is not None and argd.argnlist:
            problems += _nested_links(argd.argnlist, inside or is_link)
    return problems


def _special_problems(nodes) -> list[str]:
    """Characters that are LaTeX syntax outside math: a bare & breaks the table, # _ ^ stop the compile."""
    problems = []
    for node in nodes or ():
        if node is None:
            continue
        if node.isNodeType(latexwalker.LatexMathNode):
            # & ends the table cell and # is a macro parameter, in math too
            math = _MATH_ALIGNMENT.sub("", node.latex_verbatim())  # their & are theirs
            if re.search(r"(?<!\\)%", math):
                problems.append("a '%' in math starts a LaTeX comment (write \\% for a percent sign)")
            for ch in sorted(set(math) & {"&", "#"}):
                if re.search(r"(?<!\\)" + re.escape(ch), math):
                    problems.append(f"a bare '{ch}' is LaTeX syntax (write {_SPECIAL_HINTS[ch]} for the character)")
            continue
        text = ""
        if node.isNodeType(latexwalker.LatexSpecialsNode):
            text = node.specials_chars
        elif node.isNodeType(latexwalker.LatexCharsNode):
            text = node.chars
        for ch in sorted(set(text) & set(_SPECIAL_HINTS)):
            problems.append(f"a bare '{ch}' is LaTeX syntax (write {_SPECIAL_HINTS[ch]} for the character)")
        problems += _special_problems(getattr(node, "nodelist", None))
        argd = getattr(node, "nodeargd", None)
        name = node.macroname if node.isNodeType(latexwalker.LatexMacroNode) else ""
        if argd is not None and argd.argnlist and name in CITE_COMMANDS:
            problems += _special_problems(argd.argnlist[:-1])  # keys may hold _ : - . / + (not LaTeX text)
        elif argd is not None and argd.argnlist and name == "image":
            problems += _special_problems(argd.argnlist[1:])  # the source is a URL, the alt text is text
        elif argd is not None and argd.argnlist and name not in ("url", "href"):
            problems += _special_problems(argd.argnlist)
    return problems


_MATH_ALIGNMENT = re.compile(r"\\begin\{(%s)\}.*?\\end\{\1\}" % "|".join(sorted(MATH_ENVIRONMENTS)), re.S)


def _unescape_url(url: str) -> str:
    """``\\#``, ``\\%`` and ``\\&`` in a LaTeX URL argument stand for the bare characters."""
    return re.sub(r"\\([#%&_~])", r"\1", url)


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, Text) and not piece.text:
            continue
        last = merged[-1] if merged else None
        if isinstance(piece, Text) and isinstance(last, Text) and (last.bold, last.italic) == (piece.bold, piece.italic):
            merged[-1] = Text(last.text + piece.text, piece.bold, piece.italic)
        else:
            merged.append(piece)
    return merged


def plain_text(pieces: tuple[Piece, ...]) -> str:
    """The text of the pieces alone (cites, notes and link targets left out)."""
    return "".join(p.text if isinstance(p, (Text, Link)) else f"${p.source}$"
                   for p in pieces if isinstance(p, (Text, Link, Math))).strip()
