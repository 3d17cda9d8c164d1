"""One table cell's LaTeX -> the LaTeX a ``latex`` column holds, through pylatexenc's walker.

What a cell may hold that the format has no place for is rewritten in a stated way
and counted in :class:`Notices`, so the importer can report it:

- line breaks (``\\\\``, ``\\newline``, in ``\\makecell``, ``\\shortstack``, a ``p{}`` cell, a nested ``tabular``)
  are kept as the cell's line breaks (a newline in its text, docs/format.md); a break inside a group or a style is
  carried to the top by closing the group before it and opening it again after (``\\textbf{a\\\\b}`` becomes
  ``\\textbf{a}`` and ``\\textbf{b}``), since each line of a cell is LaTeX of its own;
- ``\\tnote{a}`` becomes ``\\tnotex{a}``; ``\\tnote{\\ref{lbl}}`` the id the label belongs to;
- ``\\verb|x|`` becomes ``\\texttt{x}`` with ``x`` escaped;
- colour, rotation and spacing commands are removed and their text kept;
- a link icon (``\\githubicon{url}``) is taken out as the cell's link;
- a check or cross mark alone in a cell is read as yes / no.

In the first column, cite commands are taken out (they become the row's ``cite:``)
and so are the note marks at the end (the row's ``notes:``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from pylatexenc import latexwalker, macrospec

from .. import values
from ..model import Problem
from ..texlang.escape import UnencodableText, escape
from ..texlang.latextext import MATH_TEXT_COMMANDS, STYLE_COMMANDS
from ..readers.texread import CITE_COMMANDS, NATBIB
from .macros import brace_group

#: cite commands whose keys move to the row's ``cite:`` when they are in the first column
MOVABLE_CITES = frozenset({"cite", "citep", "citealp", "parencite", "autocite"})
LINE_BREAKS = frozenset({"\\", "newline", "linebreak", "tabularnewline", "par", "cr"})
STACKS = frozenset({"makecell", "thead", "shortstack", "Shortstack", "Centerstack", "stackanchor"})
CHECK_MARKS = frozenset({"greencheck", "checkmark", "cmark", "gcmark", "yes", "tick", "correct"})
CROSS_MARKS = frozenset({"redcross", "xmark", "rxmark", "crossmark", "no", "cross", "wrong"})
#: a survey's own mark macros (\\boldcheckmark, \\greenxmark): the name says which
CHECK_NAME = re.compile(r"[A-Za-z]*(checkmark|check|cmark|tick)")
CROSS_NAME = re.compile(r"[A-Za-z]*(xmark|crossmark|cross)")


def is_check(name: str) -> bool:
    return name in CHECK_MARKS or bool(CHECK_NAME.fullmatch(name))


def is_cross(name: str) -> bool:
    return name in CROSS_MARKS or bool(CROSS_NAME.fullmatch(name))


#: environments inside a cell that only place their text: their text is kept
PLACING_ENVS = frozenset({"minipage", "center", "flushleft", "flushright", "varwidth"})
DINGS = {"51": True, "52": True, "55": False, "56": False}
LINK_ICONS = frozenset({"githubicon", "github", "codeicon"})
#: commands that style or place text: removed, their last argument (the text) kept
WRAPPERS = frozenset({"numprint", "turn", "textcolor", "colorbox", "rotatebox", "raisebox", "scalebox", "resizebox", "parbox",
                      "fbox", "hl", "adjustbox", "smash", "mbox", "makebox", "hbox", "framebox", "rlap", "llap",
                      "clap"})
#: siunitx's commands that print a number, a unit or both (name -> the arguments' roles: n a number, u a unit),
#: read as the text they print: ``\SI{750}{\giga\byte}`` '750 GB', ``\num{6.5e10}`` as written
SIUNITX = {"num": "n", "tablenum": "n", "SI": "nu", "qty": "nu", "si": "u", "unit": "u", "numrange": "nn",
           "SIrange": "nnu", "qtyrange": "nnu", "ang": "a", "numlist": "n", "SIlist": "nu", "qtylist": "nu"}
SIUNITX_SPECS = {"num": "[{", "tablenum": "[{", "SI": "[{[{", "qty": "[{{", "si": "[{", "unit": "[{",
                 "numrange": "[{{", "SIrange": "[{{{", "qtyrange": "[{{{", "ang": "[{", "numlist": "[{",
                 "SIlist": "[{{", "qtylist": "[{{"}
#: siunitx's unit macros as their symbols (prefixes and units; \per, \squared, \cubed below)
SI_UNITS = {"yocto": "y", "zepto": "z", "atto": "a", "femto": "f", "pico": "p", "nano": "n", "micro": "µ",
            "milli": "m", "centi": "c", "deci": "d", "deca": "da", "deka": "da", "hecto": "h", "kilo": "k",
            "mega": "M", "giga": "G", "tera": "T", "peta": "P", "exa": "E", "zetta": "Z", "yotta": "Y",
            "kibi": "Ki", "mebi": "Mi", "gibi": "Gi", "tebi": "Ti", "pebi": "Pi",
            "byte": "B", "bit": "bit", "second": "s", "minute": "min", "hour": "h", "day": "d", "meter": "m",
            "metre": "m", "gram": "g", "kilogram": "kg", "hertz": "Hz", "watt": "W", "joule": "J", "volt": "V",
            "ampere": "A", "kelvin": "K", "celsius": "°C", "degreeCelsius": "°C", "degree": "°",
            "litre": "L", "liter": "L", "newton": "N", "pascal": "Pa", "decibel": "dB", "percent": "%",
            "ohm": "Ω", "mole": "mol", "candela": "cd", "radian": "rad", "tonne": "t", "electronvolt": "eV",
            "bel": "B", "neper": "Np", "farad": "F", "coulomb": "C", "tesla": "T", "weber": "Wb", "henry": "H",
            "lux": "lx", "lumen": "lm", "becquerel": "Bq", "gray": "Gy", "sievert": "Sv", "siemens": "S",
            "arcminute": "′", "arcsecond": "″", "hectare": "ha", "astronomicalunit": "au",
            "dalton": "Da", "clight": "c", "angstrom": "Å", "bar": "bar", "barn": "b", "knot": "kn",
            "mmHg": "mmHg", "flops": "FLOPS", "FLOPS": "FLOPS"}
SI_POWERS = {"squared": "²", "cubed": "³", "square": "²", "cubic": "³"}


def si_unit(nodes) -> str:
    """A siunitx unit argument as the symbols it prints: ``\\kilo\\gram\\per\\cubic\\metre`` 'kg/m³', a literal
    ``{GB}`` as written (``\\%`` a percent sign), an unknown macro by its name."""
    out: list[str] = []
    pending = ""  # \square, \cubic: the power of the unit after them
    for node in nodes or ():
        if node is None or node.isNodeType(latexwalker.LatexCommentNode):
            continue
        if node.isNodeType(latexwalker.LatexGroupNode):
            out.append(si_unit(node.nodelist))
        elif node.isNodeType(latexwalker.LatexCharsNode):
            out.append(" ".join(node.chars.split()).replace("~", " "))
        elif node.isNodeType(latexwalker.LatexMacroNode):
            name = node.macroname
            if name in ("square", "cubic"):
                pending = SI_POWERS[name]
            elif name in ("squared", "cubed", "tothe"):
                out.append(SI_POWERS.get(name, ""))
            elif name == "per":
                out.append("/")
            elif name in ("%", "_", "&", "#", "$"):
                out.append(name)
            else:
                out.append(SI_UNITS.get(name, name) + pending)
                pending = ""
    return "".join(out).strip()


#: math symbols written outside math, as siunitx's ``S`` column reads its numbers (``89.0 \pm 0.3``): the character
TEXT_MODE_SYMBOLS = {"pm": "\u00b1", "mp": "\u2213", "times": "\u00d7"}
#: declarations that style the rest of their group (``{\\bfseries Position}``) -> the command taking it
FONT_SWITCHES = {"bf": "textbf", "bfseries": "textbf", "it": "textit", "itshape": "textit", "em": "emph",
                 "sl": "textsl", "slshape": "textsl", "sc": "textsc", "scshape": "textsc", "tt": "texttt",
                 "ttfamily": "texttt", "sffamily": "textsf", "sf": "textsf", "rmfamily": "textrm",
                 "upshape": "textup", "mdseries": "textmd"}
#: symbol packages' glyphs (wasysym's circles, harveyballs' Harvey balls: a comparison table's full / partial / no
#: support) -> the character they print: the README shows it, the paper writes it back (texlang/escape.DEFAULT_SYMBOLS)
SYMBOL_CHARS = {"CIRCLE": "\u25cf", "LEFTcircle": "\u25d0", "RIGHTcircle": "\u25d1", "Circle": "\u25cb",
                "LEFTCIRCLE": "\u25d6", "RIGHTCIRCLE": "\u25d7", "harveyBallNone": "\u25cb",
                "harveyBallQuarter": "\u25d4", "harveyBallHalf": "\u25d1", "harveyBallThreeQuarter": "\u25d5",
                "harveyBallFull": "\u25cf"}
#: date commands (LaTeX's, datetime's, datetime2's) -> their argument spec. A fixed date prints as TeX would
#: (``\\shortmonthname[3]`` Mar, ``\\DTMdate{2023-03-01}`` 2023-03-01, datetime2's default style); one that
#: reads the day TeX runs (``\\today``, ``\\the\\year``, ``\\monthname`` alone) is the day of the import (listed)
DATES = {"today": "", "year": "", "month": "", "day": "", "monthname": "[", "shortmonthname": "[",
         "DTMmonthname": "{", "DTMshortmonthname": "{", "DTMdate": "{", "DTMDisplaydate": "{{{{", "DTMtoday": "",
         "DTMcurrentyear": "", "DTMcurrentmonth": "", "DTMcurrentday": ""}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
#: cross-references: the README has no numbering, so the label's own text stands in (listed)
REFS = frozenset({"ref", "autoref", "cref", "Cref", "eqref", "pageref", "nameref", "vref", "Vref"})
#: commands that read another file (or show one): never followed; listed as not represented
FILE_READERS = frozenset({"input", "include", "import", "subimport", "includegraphics", "includesvg", "includepdf",
                          "includestandalone", "lstinputlisting", "verbatiminput", "inputminted", "InputIfFileExists"})
#: commands that place a figure (sub-figures of a grid laid out as a tabular): the figure is left out and listed,
#: its caption's text kept in the cell -> the index of the caption argument in the spec
SUBFIGURES = {"subfigure": 1, "subfloat": 1, "subcaptionbox": 1}
#: environments that place a figure in a cell (subcaption's ``subfigure``): left out and listed, their \\caption kept
FIGURE_ENVS = frozenset({"subfigure", "figure", "wrapfigure"})
#: commands with no text of their own: removed
LAYOUT = frozenset({"nobreakdash", "centering", "raggedright", "raggedleft", "arraybackslash", "hfill", "hspace", "vspace",
                    "color", "rule", "strut", "bigstrut", "noindent", "rowcolor", "cellcolor", "columncolor", "quad",
                    "qquad",
                    "vfill", "protect", "normalsize", "small", "footnotesize", "scriptsize", "tiny",
                    "large", "Large", "LARGE", "huge", "Huge", "centerline", "relax", "hline", "cline", "midrule",
                    "toprule", "bottomrule", "cmidrule", "addlinespace", "xspace",
                    # TeX's glue and spacing primitives (\vfil\hfil centres a p{} cell's mark)
                    "hfil", "hfilneg", "vfil", "vfilneg", "hss", "vss", "null", "smallskip", "medskip", "bigskip",
                    "unskip", "ignorespaces", "nointerlineskip",
                    # line and page breaking hints (\nolinebreak[2] between a month and its year)
                    "nolinebreak", "allowbreak", "nopagebreak", "pagebreak", "goodbreak", "nobreak",
                    # tabularray's cell and row settings (spans are left to the empty cells after them)
                    "SetCell", "SetCells", "SetRow", "SetRows", "SetColumn", "SetHline", "SetHlines", "SetVline",
                    # rules drawn inside a row, with the columns they cover; tabu's row style
                    "hhline", "cdashline", "hdashline", "tabucline", "rowfont"})

#: the layout commands that put space between words
HSPACES = frozenset({"hspace", "quad", "qquad", "hfill", "hfil", "hss"})

SPECS = (
    [macrospec.MacroSpec(n, "*[[{") for n in CITE_COMMANDS]
    + [macrospec.MacroSpec(n, "{") for n in ("tnote", "TblrNote", "githubicon", "github", "codeicon", "cline", "label",
                                              "color", "Xhline", "arrayrulecolor")]
    + [macrospec.MacroSpec("tnotex", "*{"), macrospec.MacroSpec("href", "{{"),
       macrospec.MacroSpec("multicolumn", "{{{"), macrospec.MacroSpec("multirow", "[{[{[{"),
       macrospec.MacroSpec("caption", "*[{"), macrospec.MacroSpec("item", "["),
       macrospec.MacroSpec("footnotemark", "["), macrospec.MacroSpec("footnotetext", "[{"),
       macrospec.MacroSpec("addlinespace", "["), macrospec.MacroSpec("specialrule", "{{{"),
       macrospec.MacroSpec("rowcolor", "[{"), macrospec.MacroSpec("cellcolor", "[{"),
       macrospec.MacroSpec("columncolor", "[{"), macrospec.MacroSpec("diagbox", "[{{"),
       macrospec.MacroSpec("colorbox", "[{{"), macrospec.MacroSpec("rotatebox", "[{{"),
       macrospec.MacroSpec("resizebox", "*{{{"), macrospec.MacroSpec("scalebox", "{[{"),
       macrospec.MacroSpec("parbox", "[[[{{"), macrospec.MacroSpec("raisebox", "{[[{"),
       macrospec.MacroSpec("hspace", "*{"), macrospec.MacroSpec("vspace", "*{"),
       macrospec.MacroSpec("nolinebreak", "["), macrospec.MacroSpec("linebreak", "["),
       macrospec.MacroSpec("SetCell", "[{"), macrospec.MacroSpec("SetCells", "[{"), macrospec.MacroSpec("SetRow", "[{"),
       macrospec.MacroSpec("SetRows", "[{"), macrospec.MacroSpec("SetColumn", "[{"),
       macrospec.MacroSpec("SetHline", "[{{"), macrospec.MacroSpec("SetHlines", "[{{"),
       macrospec.MacroSpec("nopagebreak", "["), macrospec.MacroSpec("pagebreak", "["),
       macrospec.MacroSpec("rule", "[{{"), macrospec.MacroSpec("ding", "{"),
       macrospec.MacroSpec("makebox", "[[{"), macrospec.MacroSpec("hl", "{"), macrospec.MacroSpec("fbox", "{"),
       macrospec.MacroSpec("framebox", "[[{"), macrospec.MacroSpec("rlap", "{"), macrospec.MacroSpec("llap", "{"),
       macrospec.MacroSpec("clap", "{"),
       macrospec.MacroSpec("turn", "{{"), macrospec.MacroSpec("numprint", "[{"),
       macrospec.MacroSpec("input", "{"), macrospec.MacroSpec("include", "{"), macrospec.MacroSpec("import", "{{"),
       macrospec.MacroSpec("subimport", "*{{"), macrospec.MacroSpec("includegraphics", "*[[{"),
       macrospec.MacroSpec("includesvg", "[{"), macrospec.MacroSpec("includepdf", "[{"),
       macrospec.MacroSpec("includestandalone", "[{"), macrospec.MacroSpec("lstinputlisting", "[{"),
       macrospec.MacroSpec("verbatiminput", "{"), macrospec.MacroSpec("inputminted", "[{{"),
       macrospec.MacroSpec("InputIfFileExists", "{{{"), macrospec.MacroSpec("subfigure", "[[{"),
       macrospec.MacroSpec("subfloat", "[[{"), macrospec.MacroSpec("subcaptionbox", "*{[[{"),
       macrospec.MacroSpec("ensuremath", "{"), macrospec.MacroSpec("hhline", "{"),
       macrospec.MacroSpec("cdashline", "{"), macrospec.MacroSpec("tabucline", "[{"),
       macrospec.MacroSpec("rowfont", "[{"), macrospec.MacroSpec("hyperref", "[{")]
    + [macrospec.MacroSpec(n, spec) for n, spec in SIUNITX_SPECS.items()]
    + [macrospec.MacroSpec(n, "[") for n in SYMBOL_CHARS if n.startswith("harvey")]
    + [macrospec.MacroSpec(n, "*{") for n in sorted(REFS)]  # \ref*{x}: hyperref's, without a link
    + [macrospec.MacroSpec(n, "") for n in FONT_SWITCHES]
    + [macrospec.MacroSpec(n, spec) for n, spec in DATES.items()]
    + [macrospec.MacroSpec(n, "[{") for n in STACKS]
)
ENV_SPECS = [macrospec.EnvironmentSpec(n, a) for n, a in (
    ("tabular", "[{"), ("tabular*", "{[{"), ("tabularx", "{[{"), ("tabulary", "{[{"), ("xltabular", "{[{"),
    ("longtable", "[{"), ("longtable*", "[{"), ("supertabular", "{"), ("array", "[{"), ("tabu", "{"), ("longtabu", "{"),
    ("table", "["), ("table*", "["), ("sidewaystable", "["), ("sidewaystable*", "["),
    ("threeparttable", "["), ("ThreePartTable", ""), ("tablenotes", "["), ("TableNotes", "["),
    ("adjustbox", "{"), ("subfigure", "[{"), ("minipage", "[[[{"), ("varwidth", "[{"), ("itemize", "["),
    ("enumerate", "["), ("tblr", "[{"), ("longtblr", "[{"), ("talltblr", "[{"),
)]


FOOTNOTE_NUMBER = re.compile(r"[0-9]{1,3}")


def footnote_at(pos: int) -> str:
    """The key of an unnumbered ``\\footnotemark`` (at ``pos`` in the file) in ``note_ids``."""
    return f"footnote:@{pos}"


def footnote_mark(number: str) -> str:
    """The key a numbered ``\\footnotemark[n]`` / ``\\footnotetext[n]`` pair shares in ``note_ids``."""
    return f"footnote:{number.strip()}"


#: the names the converter itself rewrites or keeps: never "undefined"
_HANDLED = (frozenset(SIUNITX) | LINE_BREAKS | STACKS | CHECK_MARKS | CROSS_MARKS | LINK_ICONS | WRAPPERS | frozenset(FONT_SWITCHES) | REFS
            | LAYOUT | FILE_READERS | frozenset(SUBFIGURES) | frozenset(CITE_COMMANDS) | frozenset(NATBIB)
            | frozenset(SYMBOL_CHARS) | frozenset(DATES)
            | frozenset({"tnote", "tnotex", "TblrNote", "verb", "ding", "multicolumn", "multirow", "caption", "label", "item",
                         "ensuremath", "diagbox", "hyperref"}))

#: a survey's own cite command (``\\upcite{k}``, defined in its preamble): a name ending in ``cite``
OWN_CITE = re.compile(r"\\([A-Za-z]*cite)(?![A-Za-z])")


@functools.cache
def context(own_cites: frozenset[str] = frozenset()) -> macrospec.LatexContextDb:
    db = latexwalker.get_default_latex_context_db()
    specs = SPECS + [macrospec.MacroSpec(n, "*[[{") for n in sorted(own_cites)]
    db.add_context_category("surveybuild-import", macros=specs, environments=ENV_SPECS, prepend=True)
    return db


def own_cites(text: str) -> frozenset[str]:
    return frozenset(set(OWN_CITE.findall(text)) - set(CITE_COMMANDS))


def walker(text: str) -> latexwalker.LatexWalker:
    return latexwalker.LatexWalker(text, latex_context=context(own_cites(text)), tolerant_parsing=True)


def parse(text: str):
    nodes, _, _ = walker(text).get_latex_nodes()
    return nodes


def arg_text(node) -> str:
    """The verbatim text inside an argument's braces."""
    if node is None:
        return ""
    if node.isNodeType(latexwalker.LatexGroupNode):
        return "".join(n.latex_verbatim() for n in node.nodelist)
    return node.latex_verbatim()


def arg_nodes(node) -> list:
    if node is None:
        return []
    if node.isNodeType(latexwalker.LatexGroupNode):
        return list(node.nodelist)
    return [node]


def args(node) -> list:
    return list(node.nodeargd.argnlist) if getattr(node, "nodeargd", None) is not None else []


@dataclass
class Notices:
    """What a table's cells held that was rewritten: counted by kind, for one message each."""

    counts: Counter = field(default_factory=Counter)
    first: dict = field(default_factory=dict)  # kind -> example
    #: the control words the source knows (LaTeX's, its packages', its own definitions); None: not known, so no
    #: macro is taken for undefined
    known: frozenset[str] | None = None
    dropped: list[tuple[int, str, str]] = field(default_factory=list)  # (position, piece, why): listed one by one

    def add(self, kind: str, example: str = "") -> None:
        self.counts[kind] += 1
        self.first.setdefault(kind, example)

    def drop(self, node, why: str) -> None:
        """A piece of the source the table cannot hold: left out, and listed at its place."""
        self.dropped.append((node.pos, " ".join(node.latex_verbatim().split())[:60], why))

    def undefined(self, name: str) -> bool:
        return self.known is not None and name not in self.known and name not in _HANDLED


def dropped_problems(notices: Notices, where) -> list:
    """The pieces left out, one problem per piece (an undefined command: one for all its uses, at the first, with
    the other lines), placed by ``where(position)``."""
    places: dict[tuple[str, str], list] = {}
    for pos, piece, why in notices.dropped:
        key = piece.split("{")[0].split("[")[0].strip() if why.startswith("undefined") else piece
        places.setdefault((key, why), []).append(where(pos))
    notices.dropped.clear()
    out = []
    for (piece, why), at in places.items():
        more = sorted({s.line for s in at[1:] if s.line != at[0].line})
        also = f" (also on line(s) {', '.join(map(str, more[:12]))}{', ...' if len(more) > 12 else ''})" if more else ""
        out.append(Problem(at[0], f"not represented: '{piece}' {DROPPED_TEXT[why]}{also}", severity="warning",
                           hint=DROPPED_HINT[why]))
    return out


#: environments whose body is math: written as ``$...$``
MATH_MODE_ENVS = frozenset({"math", "displaymath", "equation*"})
#: text styles LaTeX takes in math but GitHub's math does not: written inside ``\text{}``
TEXT_STYLES_OUTSIDE_MATH = frozenset(STYLE_COMMANDS) - MATH_TEXT_COMMANDS - {"underline"}


def _brace_end(text: str, at: int) -> int:
    """The index after the brace group starting at ``at`` (spaces before it skipped); -1 when there is none."""
    while at < len(text) and text[at] == " ":
        at += 1
    found = brace_group(text, at)
    return found[1] if found is not None else -1


#: a control word (group 1) or control symbol in math
_CONTROL = re.compile(r"%[^\n]*|\\(?:([A-Za-z]+)|.)", re.S)

DROPPED_HINT = {
    "file": "write what it shows into the YAML by hand if the table needs it",
    "figure": "a table's cell holds text; keep the figure in the paper's own .tex, outside the table",
    "undefined": "if the source defines it elsewhere, add that \\newcommand to the imported file and import again; "
                 "or edit the YAML",
    "undefined-name": "write the text it stands for in the YAML; or, if the source defines it elsewhere, add that "
                      "\\newcommand to the imported file and import again",
    "undefined-math": "write the symbol it stands for in the YAML (e.g. \\coloneqq, ^\\circ, \\land); or, if the "
                      "source defines it elsewhere, add that \\newcommand to the imported file and import again",
}
#: why a piece was left out (:meth:`Notices.drop`), for the message
DROPPED_TEXT = {
    "file": "reads another file, which the import does not follow (a table's cell holds its own text only)",
    "figure": "places a figure, which a table's cell cannot hold: left out, its caption's text kept",
    "undefined": "is defined neither by LaTeX and the packages nor by the source's files: the command is left "
                 "out, the text of its arguments kept",
    "undefined-name": "is defined neither by LaTeX and the packages nor by the source's files: its name stands in "
                      "for the text it would print",
    "undefined-math": "is defined neither by LaTeX and the packages nor by the source's files: in math its name "
                      "stands in, upright (\\mathrm{name})",
}


@dataclass
class CellText:
    latex: str  # the cell as LaTeX for a ``latex`` column
    cites: list[str] = field(default_factory=list)  # keys taken out (first column only)
    notes: list[str] = field(default_factory=list)  # note ids taken out from the end (first column only)
    links: list[str] = field(default_factory=list)  # urls of link icons taken out
    flag: bool | None = None  # a lone check (True) or cross (False) mark


BREAK = "\x00"
NOTE_START, NOTE_END = "\x01", "\x02"


class _Converter:
    def __init__(self, notices: Notices, note_ids: dict[str, str], first: bool):
        self.notices = notices
        self.note_ids = note_ids  # label or mark -> note id
        self.first = first
        self.cites: list[str] = []
        self.links: list[str] = []
        #: an undefined command was just left out: (the list its name stands in, at which index, its listing):
        #: a braced argument after it keeps its text and the name goes; no argument: the name stays, as text
        self.after_dropped: tuple[list, int, int] | None = None
        self.in_stack = False  # inside a nested tabular, whose '&' are read as spaces
        self.eat_empty_group = False  # a glyph was just written: the `{}` after its name (`\\CIRCLE{}`) prints nothing

    def note_id(self, text: str) -> str:
        text = text.strip()
        return self.note_ids.get(text, text)

    def nodes(self, nodes, depth: int) -> list[str]:
        out: list[str] = []
        nodes = [n for n in nodes or () if n is not None]
        for i, node in enumerate(nodes):
            if node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in FONT_SWITCHES:
                # {\bfseries text}: the switch styles the rest of its group
                rest = "".join(self.nodes(nodes[i + 1:], depth)).strip()
                self.notices.add("switch", "\\" + node.macroname)
                if rest:
                    out.append(spread(f"\\{FONT_SWITCHES[node.macroname]}{{", rest, "}"))
                return out
            if _is_the_date(node, nodes[i + 1] if i + 1 < len(nodes) else None):
                continue  # \the\year: the register's value, written by the date below
            self.node(node, out, depth)
        return out

    def node(self, node, out: list[str], depth: int) -> None:
        if node.isNodeType(latexwalker.LatexCommentNode):
            return
        after_dropped, self.after_dropped = self.after_dropped, None
        eat, self.eat_empty_group = self.eat_empty_group, False
        if eat and node.isNodeType(latexwalker.LatexGroupNode) and not node.nodelist:
            return
        if after_dropped is not None and node.isNodeType(latexwalker.LatexGroupNode) and node.delimiters[0] == "{":
            stand_in, at, listed = after_dropped
            if node.nodelist:  # \tf{text}: the undefined command's argument: its text kept, the name goes
                if stand_in is out and stand_in[at]:
                    stand_in[at] = ""
                    pos, piece, _ = self.notices.dropped[listed]
                    self.notices.dropped[listed] = (pos, piece, "undefined")
                out.append("".join(self.nodes(node.nodelist, depth + 1)))
                self.after_dropped = after_dropped  # a second argument
            else:  # \ours{}: the braces only ended the command's name
                self.after_dropped = None
            return
        if node.isNodeType(latexwalker.LatexCharsNode):
            out.append(node.chars)
        elif node.isNodeType(latexwalker.LatexSpecialsNode):
            out.append(" " if self.in_stack and node.specials_chars == "&" else node.specials_chars)
        elif node.isNodeType(latexwalker.LatexGroupNode):
            left, right = node.delimiters
            out.append(spread(left, "".join(self.nodes(node.nodelist, depth + 1)), right))
        elif node.isNodeType(latexwalker.LatexMathNode) and node.displaytype == "display":
            self.notices.add("display", node.latex_verbatim()[:40])  # \[...\] in a cell -> $...$
            out.append("$" + self.math(node.nodelist).strip() + "$")
        elif node.isNodeType(latexwalker.LatexMathNode) and _symbol_alone(node.nodelist) is not None:
            self.notices.add("symbol", node.latex_verbatim())  # $\LEFTcircle$: the glyph, a character
            out.append(_symbol_alone(node.nodelist))
        elif node.isNodeType(latexwalker.LatexMathNode):
            verbatim = node.latex_verbatim()
            left = len(node.delimiters[0])
            out.append(verbatim[:left] + self.math(node.nodelist) + verbatim[len(verbatim) - len(node.delimiters[1]):])
        elif node.isNodeType(latexwalker.LatexEnvironmentNode) and node.environmentname in MATH_MODE_ENVS:
            # \begin{math}...\end{math} is $...$; displaymath (and equation*, unnumbered) is \[...\]: inline here
            if node.environmentname != "math":
                self.notices.add("display", f"\\begin{{{node.environmentname}}}")
            out.append("$" + self.math(node.nodelist).strip() + "$")
        elif node.isNodeType(latexwalker.LatexEnvironmentNode):
            if node.environmentname in ("tabular", "array", "tabularx", "tabular*"):
                inner = [n for n in node.nodelist]
                out.append(BREAK.join(self._stack(inner, depth)))
            elif node.environmentname in ("itemize", "enumerate", "compactitem"):
                self.notices.add("list", f"\\begin{{{node.environmentname}}}")
                items, current = [], None
                for child in node.nodelist:
                    if child is not None and child.isNodeType(latexwalker.LatexMacroNode) and child.macroname == "item":
                        current = []
                        items.append(current)
                    elif current is not None:
                        current.append(child)
                out.append(BREAK + BREAK.join("\\textbullet{} " + "".join(self.nodes(i, depth + 1)).strip()
                                              for i in items) + BREAK)
            elif node.environmentname in FIGURE_ENVS:  # a figure in a cell: left out, its \caption's text kept
                self.notices.drop(node, "figure")
                captions = [n for n in node.nodelist if n is not None and n.isNodeType(latexwalker.LatexMacroNode)
                            and n.macroname == "caption" and args(n) and args(n)[-1] is not None]
                out.append(" ".join("".join(self.nodes(arg_nodes(args(n)[-1]), depth + 1)).strip() for n in captions))
            elif node.environmentname in PLACING_ENVS:
                self.notices.add("layout", f"\\begin{{{node.environmentname}}}")
                out.append(BREAK + "".join(self.nodes(node.nodelist, depth + 1)) + BREAK)
            else:
                out.append(node.latex_verbatim())
        elif node.isNodeType(latexwalker.LatexMacroNode):
            self.macro(node, out, depth)
        else:
            out.append(node.latex_verbatim())

    def math(self, nodes) -> str:
        """Math as written, but each command the source never defines (its own macro whose definition is not in
        the repository) stands in upright by its name, ``\\mathrm{name}``, and is listed at its place: the cell
        stays readable and the import goes on (docs/import.md)."""
        nodes = [n for n in nodes or () if n is not None]
        if not nodes:
            return ""
        start = nodes[0].pos
        source = getattr(nodes[0], "parsing_state", None)
        source = getattr(source, "s", None)
        end = nodes[-1].pos + nodes[-1].len
        # the source between the first and the last node, as written (spaces between nodes included)
        text = source[start:end] if source is not None else "".join(n.latex_verbatim() for n in nodes)

        if _MATH_BOX.search(text):
            text = _unboxed_math(text, self.notices)
        out, pos = [], 0
        for m in _CONTROL.finditer(text):
            name = m.group(1)
            if m.start() < pos:
                continue
            if m.group(0).startswith("%"):  # a comment ends at its line's end: the cell's lines are joined
                out.append(text[pos:m.start()])
                pos = m.end() + 1
                continue
            if name is None or name in ("begin", "end"):
                continue
            if name == "ensuremath":  # already math: \ensuremath{x} is {x}
                out.append(text[pos:m.start()])
                pos = m.end()
                continue
            if name in TEXT_STYLES_OUTSIDE_MATH:  # $\textsc{px}$: LaTeX's text styles work in math, in \text{} here
                end = _brace_end(text, m.end())
                if end > 0 and not (text[:m.start()].endswith("\\text{") and text[end:end + 1] == "}"):
                    self.notices.add("textinmath", m.group(0))
                    out.append(text[pos:m.start()] + "\\text{" + text[m.start():end] + "}")
                    pos = end
            elif self.notices.undefined(name):
                self.notices.dropped.append((start + m.start(), "\\" + name, "undefined-math"))
                out.append(text[pos:m.start()] + f"\\mathrm{{{name}}}")
                pos = m.end()
        return "".join(out) + text[pos:]

    def _stack(self, nodes, depth) -> list[str]:
        """Rows of a nested tabular or stack, its '&' read as a space (an '&' of math inside stays the math's)."""
        outer, self.in_stack = self.in_stack, True
        try:
            return ["".join(self.nodes(nodes, depth + 1))]
        finally:
            self.in_stack = outer

    def macro(self, node, out: list[str], depth: int) -> None:
        name = node.macroname
        a = args(node)
        if name in LINE_BREAKS:  # kept: the cell's line break (joined only where one line is needed: joined())
            out.append(BREAK)
        elif name in STACKS:
            out.append("".join(self.nodes(arg_nodes(a[-1] if a else None), depth)))
        elif self.first and name in MOVABLE_CITES and len(a) == 4 and a[0] is None and a[1] is None \
                and a[2] is None:
            self.cites += [k.strip() for k in arg_text(a[-1]).split(",") if k.strip()]
            _pop_space(out)
        elif (name in NATBIB and name != "cite") or (name not in CITE_COMMANDS and OWN_CITE.fullmatch("\\" + name)
                                                     and a and a[-1] is not None):
            natbib = NATBIB.get(name, "citep")
            self.notices.add("cite", f"\\{name} -> \\{natbib}")
            out.append(node.latex_verbatim().replace("\\" + name, "\\" + natbib, 1))
        elif name == "footnotemark" and not (a and a[0] is not None) and footnote_at(node.pos) in self.note_ids:
            # \footnotemark in a cell, its \footnotetext{...} after the float (paired in order: latex_tables)
            out.append(NOTE_START + f"\\tnotex{{{self.note_ids[footnote_at(node.pos)]}}}" + NOTE_END)
        elif name == "footnotemark" and a and a[0] is not None and FOOTNOTE_NUMBER.fullmatch(arg_text(a[0]).strip()):
            # \footnotemark[1] in a cell, \footnotetext[1]{...} under the tabular (Springer's sn-jnl tables)
            number = arg_text(a[0]).strip()
            out.append(NOTE_START + f"\\tnotex{{{self.note_ids.get(footnote_mark(number), f'fn{number}')}}}" + NOTE_END)
        elif name in ("tnote", "tnotex", "TblrNote"):
            inner = arg_nodes(a[-1] if a else None)
            refs = [n for n in inner if n.isNodeType(latexwalker.LatexMacroNode) and n.macroname == "ref"]
            ids = ([self.note_id(arg_text(args(r)[-1])) for r in refs] if refs
                   else [self.note_id(t) for t in arg_text(a[-1] if a else None).split(",") if t.strip()])
            for note_id in ids:
                out.append(NOTE_START + f"\\tnotex{{{note_id}}}" + NOTE_END)
        elif name in LINK_ICONS:
            self.links.append(arg_text(a[-1] if a else None).strip())
            self.notices.add("icon", "\\" + name)
            _pop_space(out)
        elif name == "verb":
            verbatim = node.nodeargd.verbatim_text if hasattr(node.nodeargd, "verbatim_text") else ""
            try:
                out.append("\\texttt{" + escape(verbatim) + "}")
            except UnencodableText:
                out.append(node.latex_verbatim())
            self.notices.add("verb", node.latex_verbatim())
        elif name == "ensuremath" and a and a[-1] is not None:  # math wherever it is: in a cell's text, $...$
            self.notices.add("ensuremath", node.latex_verbatim()[:40])
            out.append("$" + self.math(arg_nodes(a[-1])).strip() + "$")
        elif name == "diagbox" and len(a) == 3 and a[1] is not None and a[2] is not None:
            # a corner cell split by a diagonal: the rows' title, then the columns'
            self.notices.add("diagbox", "\\diagbox")
            out.append(" / ".join(" ".join("".join(self.nodes(arg_nodes(arg), depth + 1)).split()) for arg in a[1:]))
        elif name in TEXT_MODE_SYMBOLS and not a:
            self.notices.add("textmath", "\\" + name)
            out.append(TEXT_MODE_SYMBOLS[name] + node.macro_post_space)
        elif name in SYMBOL_CHARS:  # \CIRCLE, \harveyBallHalf[1ex]: the character it prints
            self.notices.add("symbol", "\\" + name)
            out.append(SYMBOL_CHARS[name] + node.macro_post_space)
            self.eat_empty_group = True
        elif is_check(name) and not args(node):
            out.append("\\checkmark" + node.macro_post_space)
            if name != "checkmark":
                self.notices.add("mark", "\\" + name)
        elif is_cross(name) and not args(node):
            out.append("$\\times$" + node.macro_post_space)
            self.notices.add("mark", "\\" + name)
        elif name == "ding" and arg_text(a[-1] if a else None).strip() in DINGS:
            out.append("\\checkmark" if DINGS[arg_text(a[-1]).strip()] else "$\\times$")
            self.notices.add("mark", node.latex_verbatim())
        elif name in REFS and a and a[-1] is not None:
            label = " ".join(arg_text(a[-1]).split())
            self.notices.add("ref", node.latex_verbatim())
            if out and re.search(r"\\[A-Za-z]+$", out[-1]):  # \S\ref{x}: the macro before ends here
                out.append("{}")
            try:
                out.append(escape(label))
            except UnencodableText:
                out.append(label)
        elif name == "hyperref" and len(a) == 2 and a[1] is not None:  # \hyperref[label]{text}: the text
            self.notices.add("hyperref", f"\\hyperref[{arg_text(a[0]).strip()}]{{...}}" if a[0] is not None
                             else "\\hyperref{...}")
            out.append("".join(self.nodes(arg_nodes(a[1]), depth)))
        elif name == "label" and a and a[-1] is not None:  # a row's own label: a place \ref points at
            self.notices.add("label", node.latex_verbatim().strip())
            _pop_space(out)
        elif name in DATES:
            text, fixed = date_text(name, [arg_text(x).strip() if x is not None else None for x in a])
            self.notices.add("date" if fixed else "today", node.latex_verbatim().strip())
            out.append(text + node.macro_post_space)
        elif name in SIUNITX:  # siunitx's number and unit commands
            groups = [x for x in a if x is not None and x.isNodeType(latexwalker.LatexGroupNode)
                      and x.delimiters[0] == "{"]  # the options ([mode=text], \SI's pre-unit) print nothing
            roles = SIUNITX[name]
            if len(groups) == len(roles):
                numbers = ["".join(self.nodes(g.nodelist, depth + 1)).strip() for g, r in zip(groups, roles)
                           if r in "na"]
                unit = [si_unit(g.nodelist) for g, r in zip(groups, roles) if r == "u"]
                text = "\u2013".join(numbers) + ("\u00b0" if roles == "a" else "")
                text = " ".join(t for t in [text] + unit if t)
                self.notices.add("siunitx", node.latex_verbatim().strip())
                out.append(text + node.macro_post_space)
            else:
                out.append(node.latex_verbatim())
        elif name in WRAPPERS:
            self.notices.add("style", "\\" + name)
            out.append("".join(self.nodes(arg_nodes(a[-1] if a else None), depth)))
        elif name in LAYOUT:
            self.notices.add("layout", "\\" + name)
            if node.macro_post_space or name in HSPACES:  # Feb\hspace{1ex}2007: two words
                out.append(" ")
        elif name in FILE_READERS:
            self.notices.drop(node, "file")
            _pop_space(out)
        elif name in SUBFIGURES:  # \subfigure[caption]{\includegraphics{..}}: the caption's text stays
            self.notices.drop(node, "figure")
            _pop_space(out)
            caption = a[1] if name == "subcaptionbox" or (len(a) > 1 and a[1] is not None) else (a[0] if a else None)
            inner = [n for n in arg_nodes(caption) if n is not None and not (n.isNodeType(latexwalker.LatexCharsNode)
                                                                            and not n.chars.strip())]
            if len(inner) == 1 and inner[0].isNodeType(latexwalker.LatexGroupNode):  # [{\small text}]
                inner = list(inner[0].nodelist)
            out.append(" ".join("".join(self.nodes(inner, depth + 1)).split()))
        elif self.notices.undefined(name):  # \ours, \tf{text}: an undefined macro's text stays
            texts = ["".join(self.nodes(arg.nodelist, depth + 1)) for arg in a
                     if arg is not None and arg.isNodeType(latexwalker.LatexGroupNode)]
            self.notices.drop(node, "undefined" if texts else "undefined-name")
            out.append("".join(texts) if texts else name)
            if not texts:
                self.after_dropped = (out, len(out) - 1, len(self.notices.dropped) - 1)
            if node.macro_post_space:
                out.append(" ")
        else:
            parts = ["\\" + name + node.macro_post_space]
            for arg in a:
                if arg is None:
                    continue
                if arg.isNodeType(latexwalker.LatexGroupNode):
                    left, right = arg.delimiters
                    parts += [left, "".join(self.nodes(arg.nodelist, depth + 1)), right]
                else:
                    parts.append(arg.latex_verbatim())
            broken = [i for i, part in enumerate(parts) if BREAK in part]
            if len(broken) == 1:  # \href{u}{a\\b}: the command on each line, with its line of the argument
                at = broken[0]
                out.append(spread("".join(parts[:at]), parts[at], "".join(parts[at + 1:])))
            else:
                if broken:  # breaks in two arguments of one command: no line can hold it whole; joined
                    self.notices.add("linebreak", "\\" + name)
                out.append("".join(part.replace(BREAK, " ") for part in parts))


def _symbol_alone(nodes) -> str | None:
    """The character of the one symbol glyph (:data:`SYMBOL_CHARS`) that is all of a math's nodes, else None."""
    meaningful = [n for n in nodes or () if n is not None and not (n.isNodeType(latexwalker.LatexCharsNode)
                                                                   and not n.chars.strip())]
    if len(meaningful) == 1 and meaningful[0].isNodeType(latexwalker.LatexMacroNode):
        return SYMBOL_CHARS.get(meaningful[0].macroname)
    return None


def _pop_space(out: list[str]) -> None:
    """Drop the spacing (blanks, ~, \\,) before something taken out of a cell."""
    while out and (not out[-1].strip() or out[-1] in ("~", BREAK) or out[-1].strip() in ("\\,", "\\ ", "\\;")):
        out.pop()
    if out:
        out[-1] = out[-1].rstrip()


def mark_value(nodes) -> bool | None:
    """True / False when the nodes are one check / cross mark and nothing else."""
    meaningful = [n for n in nodes or () if n is not None and not n.isNodeType(latexwalker.LatexCommentNode)
                  and not (n.isNodeType(latexwalker.LatexCharsNode) and not n.chars.strip())
                  and not (n.isNodeType(latexwalker.LatexMacroNode) and n.macroname in LAYOUT)]  # \cellcolor{c}
    if len(meaningful) == 1 and meaningful[0].isNodeType(latexwalker.LatexGroupNode):
        return mark_value(meaningful[0].nodelist)
    if len(meaningful) == 1 and meaningful[0].isNodeType(latexwalker.LatexMacroNode):
        node = meaningful[0]
        if is_check(node.macroname) and not args(node):
            return True
        if is_cross(node.macroname) and not args(node):
            return False
        if node.macroname == "ding":
            return DINGS.get(arg_text(args(node)[-1]).strip())
        if node.macroname in WRAPPERS | STACKS and args(node):
            return mark_value(arg_nodes(args(node)[-1]))
    if len(meaningful) == 1 and meaningful[0].isNodeType(latexwalker.LatexCharsNode):
        return {"✓": True, "✔": True, "✗": False, "✘": False}.get(meaningful[0].chars.strip())
    return None


def spread(before: str, inner: str, after: str) -> str:
    """``before + inner + after``, with ``inner``'s line breaks carried out of it: each line of ``inner`` gets
    ``before`` and ``after`` of its own (a group, a style, a link on each line), so each line is balanced."""
    if BREAK not in inner:
        return before + inner + after
    parts = inner.split(BREAK)
    # the spaces around a break are the break's, not the group's ("\\textbf{Icon }": none); "\\ " stays
    parts = [re.sub(r"(?<!\\)\s+$", "", p) if i < len(parts) - 1 else p for i, p in enumerate(parts)]
    parts = [p.lstrip() if i else p for i, p in enumerate(parts)]
    return BREAK.join(before + part + after for part in parts)


#: a line that holds nothing to show: empty groups and styles left by :func:`spread` around a break at an edge
_EMPTY_LINE = re.compile(r"(?:(?:\\(?:textbf|textit|texttt|textsc|textsf|textsl|textrm|textmd|textup|emph|underline|"
                         r"mbox|textsuperscript|textsubscript)\s*)?\{\s*\}|\s|~)*")


def joined(text: str, notices: Notices) -> str:
    """A converted text where one line is needed (a title, a caption, a note): its line breaks joined by a
    space, and counted for the import's report."""
    if values.LINE_BREAK not in text:
        return text
    notices.add("linebreak", " / ".join(values.lines(text))[:60])
    return values.one_line(text)


def join_lines(text: str) -> str:
    """Break markers -> the cell's lines: whitespace collapsed in each (a newline of the source is a space),
    blank lines left out, lines joined by a newline (the format's line break, :data:`values.LINE_BREAK`)."""
    lines = (re.sub(r"\s+", " ", part).strip() for part in text.split(BREAK))
    return values.LINE_BREAK.join(line for line in lines if line and not _EMPTY_LINE.fullmatch(line))


def convert_nodes(nodes, notices: Notices, note_ids: dict[str, str] | None = None,
                  first: bool = False) -> CellText:
    """A cell's nodes -> :class:`CellText`."""
    conv = _Converter(notices, note_ids or {}, first)
    pieces = conv.nodes(nodes, 0)
    notes: list[str] = []
    if first:  # note marks at the very end of the first column belong to the row
        while pieces and (not pieces[-1].strip() or pieces[-1].startswith(NOTE_START)):
            piece = pieces.pop()
            if piece.startswith(NOTE_START):
                notes.insert(0, piece[len(NOTE_START) + len("\\tnotex{"):-len("}" + NOTE_END)])
    if first and (conv.cites or conv.links or notes):
        _pop_space(pieces)
    text = join_lines("".join(pieces).replace(NOTE_START, "").replace(NOTE_END, ""))
    if first and (conv.cites or notes) and not text:
        # nothing but cites: keep them where they are
        return convert_nodes(nodes, notices, note_ids, first=False)
    return CellText(text, conv.cites, notes, conv.links, mark_value(nodes))


def convert(latex: str, notices: Notices, note_ids: dict[str, str] | None = None, first: bool = False) -> CellText:
    """A cell's text as converted once (its line breaks newlines) -> :class:`CellText`."""
    if values.LINE_BREAK in latex:  # the format's line breaks, for the walker: LaTeX's
        latex = latex.replace(values.LINE_BREAK, "\\newline ")
    return convert_nodes(parse(latex), notices, note_ids, first)


NOTICE_TEXT = {
    "linebreak": "line breaks where the format has one line ({example}: a header cell, a caption, a note, a group "
                 "title, a command's two arguments) were joined with a space; those inside body cells are kept",
    "icon": "link icons ({example}) became the url column 'code' (README: a link; paper: a table note)",
    "verb": "\\verb ({example}) became \\texttt with the text escaped",
    "mark": "check/cross marks ({example}) became yes/no values (bool columns) or \\checkmark / $\\times$",
    "style": "colour/box commands ({example}) were removed, their text kept",
    "leaked": "LaTeX written in README cells ({example}) was read as LaTeX (cites and note marks taken out)",
    "html": "HTML tags without a place in the format ({example}) were removed, their text kept",
    "hyperref": "links to places in the paper ({example}) became their text: the README has no such place",
    "label": "labels in cells ({example}) were left out: the format has no place for them; a \\ref to one in the "
             "paper will be undefined (point it at the table's label)",
    "htmlcomment": "HTML comments in cells ({example}), which GitHub does not show, were left out",
    "layout": "layout commands ({example}) without text of their own were removed",
    "list": "lists in cells ({example}) became their items, one a line, each after a \\textbullet",
    "display": "display math in cells ({example}) became inline math $...$",
    "textinmath": "text styles in math ({example}...), which GitHub's math lacks, were put inside \\text{{...}}",
    "switch": "font switches ({example}) became the command that takes the text (\\textbf{{...}}, ...)",
    "cite": "cite commands of other packages or of the survey's own ({example}) were written as natbib's, "
            "which the paper loads",
    "ref": "cross-references ({example}) became their label's text: the README has no numbers to show; "
           "write the target's name instead if the label does not read well",
    "pandoc": "pandoc lines under a table without a '|' ({example}), which GitHub shows as one more row, were "
              "read as pandoc does: 'Table: ...' as the caption, ':::' fences left out",
    "emptylink": "links without a target ({example}) became their text or image",
    "noalt": "images without alt text ({example}) show in the README only: the paper, which shows an image's alt "
             "text, leaves them out (write an alt text in the YAML, \\image{{src}}{{text}}, to show one)",
    "badgealt": "badges without alt text ({example}) took the words the badge shows (its label and message, "
                "from its shields.io address) as alt text, which the paper prints (edit it in the YAML if you like)",
    "localimage": "images that are not at an http(s) address ({example}: a file of the source repository) became "
                  "their alt text: the build allows only http(s) images; write the full https:// address (for a "
                  "file of a GitHub repository, its raw.githubusercontent.com address) to keep one",
    "locallink": "links that are not http(s) addresses ({example}: a file of the source repository, a page "
                 "anchor) became their text or image: the build allows only http(s) links; write the full "
                 "https:// address to keep one",
    "schemeless": "links to a web address without its scheme ({example}), which GitHub takes for a file of the "
                  "repository, were given https://",
    "symbol": "symbol glyphs ({example}: wasysym's circles, Harvey balls) became the characters they print (the "
              "paper writes them back with their package)",
    "diagbox": "a cell split by a diagonal ({example}) became its two titles, 'rows / columns'",
    "shortcode": "GitHub's emoji shortcodes ({example}) became the emoji GitHub shows for them, which the paper "
                 "prints too",
    "siunitx": "siunitx's numbers and units ({example}) became the text they print (a unit's symbols: "
               "\\giga\\byte 'GB')",
    "textmath": "math symbols outside math ({example}), as siunitx's S column reads a number, became their "
                "characters",
    "ensuremath": "\\ensuremath ({example}) became the math it holds, $...$",
    "date": "date commands ({example}) became the date they print",
    "today": "date commands that print the day TeX runs ({example}) became the day of the import, which the "
             "paper and the README then keep (write the date the table means, if another)",
    "comment": "Markdown comments after a table row ({example}) are not part of the table: left out",
}


def notice_messages(notices: Notices) -> list[str]:
    return [NOTICE_TEXT[k].format(example=notices.first[k]) + f" [{n} time(s)]"
            for k, n in sorted(notices.counts.items())]


def _is_the_date(node, following) -> bool:
    """``\\the`` before a date register (``\\the\\year``): the register prints its value."""
    return (node.isNodeType(latexwalker.LatexMacroNode) and node.macroname == "the" and following is not None
            and following.isNodeType(latexwalker.LatexMacroNode) and following.macroname in ("year", "month", "day"))


def date_text(name: str, arguments: list[str | None], today: date | None = None) -> tuple[str, bool]:
    """What a date command of :data:`DATES` prints, and whether it is fixed (False: it read ``today``)."""
    today = today or date.today()
    number = (arguments[0] or "") if arguments else ""
    if name in ("monthname", "shortmonthname", "DTMmonthname", "DTMshortmonthname"):
        month = int(number) if number.isdigit() and 1 <= int(number) <= 12 else None
        full = MONTHS[(month or today.month) - 1]
        return (full[:3] if "short" in name else full), month is not None
    if name == "DTMdate" and re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", number):
        y, m, d = number.split("-")
        return f"{y}-{int(m):02d}-{int(d):02d}", True
    if name == "DTMDisplaydate" and len(arguments) >= 3 and all((x or "").isdigit() for x in arguments[:3]):
        return f"{arguments[0]}-{int(arguments[1]):02d}-{int(arguments[2]):02d}", True
    if name in ("DTMdate", "DTMDisplaydate"):  # not a date datetime2 reads: its text, as written
        return "-".join(x for x in arguments[:3] if x), True
    if name in ("year", "DTMcurrentyear"):
        return str(today.year), False
    if name in ("month", "DTMcurrentmonth"):
        return str(today.month), False
    if name in ("day", "DTMcurrentday"):
        return str(today.day), False
    if name == "DTMtoday":
        return today.isoformat(), False
    return f"{MONTHS[today.month - 1]} {today.day}, {today.year}", False  # \today, as LaTeX's default prints it


#: boxes that place or hide math (a survey's own ``\\mypm``: ``\\smash{\\raisebox{.35ex}{$\\underset{-}{+}$}}``): their
#: arguments before the content, in order ("[" optional, "{" required); GitHub's math has none of them
MATH_BOXES = {"smash": "[{", "raisebox": "{[[{", "mbox": "{", "hbox": "{", "makebox": "[[{", "scalebox": "{[{",
              "rlap": "{", "llap": "{", "clap": "{", "mathrlap": "{", "mathllap": "{", "mathclap": "{"}
_MATH_BOX = re.compile(r"\\(%s)(?![A-Za-z])" % "|".join(MATH_BOXES))


def _unboxed_math(text: str, notices: Notices) -> str:
    """Math with each box of :data:`MATH_BOXES` replaced by its content in braces (math inside a box, ``$..$``
    again, is the same math here): as the box prints it, less its placing."""
    for _ in range(50):  # boxes in boxes: outermost first, until none is left
        m = _MATH_BOX.search(text)
        if m is None:
            break
        i = m.end()
        content = None
        for kind in MATH_BOXES[m.group(1)]:
            while i < len(text) and text[i] in " \t\n":
                i += 1
            group = brace_group(text, i, *(("[", "]") if kind == "[" else ("{", "}")))
            if group is None and kind == "{":  # one token: \\smash+, \\smash\\sum
                token = re.match(r"\\(?:[A-Za-z]+|.)|[^\s{}$%\\]", text[i:])
                group = (token.group(), i + token.end()) if token else None
            if group is None:
                if kind == "[":
                    continue
                content = None
                break
            content, i = group
        if content is None:  # not the box's form: left as written
            return text
        notices.add("style", "\\" + m.group(1))
        inner = re.sub(r"(?<!\\)\$", "", content)
        text = text[:m.start()] + "{" + inner + "}" + text[i:]
    return text
