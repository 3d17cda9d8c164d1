"""Table -> ``paper/tables/<id>.tex`` text (booktabs, threeparttable / ThreePartTable + longtable)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from . import fit, layout
from ..texlang import fonts
from ..texlang.escape import SYMBOL_PACKAGES, UnencodableText, escape, typeset_field
from ..texlang.latextext import AMSMATH_ENVIRONMENTS
from .. import values
from ..model import Column, MeasuredWidths, Row, Settings, Table, Value
from .templating import latex_env

#: A long table's foot stays in the text block. longtable takes the foot's height from the page's room and
#: sets ``\maxdepth`` to 0pt, but a page holds the ``\maxdepth`` it had when it began, and LaTeX resets it to
#: ``\@maxdepth`` (5pt) at each page: the last row's depth then hangs below the room, and the foot longtable
#: puts under the rows goes below the text block (with no Overfull \vbox: its ``\vss``). So the first page
#: keeps ``\@maxdepth`` free above the foot, and a continuation page begins with ``\maxdepth`` 0pt (LaTeX
#: resets it at the next page). The first page's change waits for the end of ``\begin{document}``: hyperref
#: rewrites ``\LT@start`` there, finding its parts by pattern. LaTeXML (no ``\LT@output``) skips it, and a
#: paper that reads it twice changes longtable once.
LONGTABLE_DEPTH = r"""\makeatletter
\ifdefined\sb@LT@output\else\ifdefined\LT@output
  \ifdefined\AddToHook\AddToHook{begindocument/end}{\let\sb@LT@start\LT@start
    \def\LT@start{\sb@LT@start\ifdim\pagegoal<\maxdimen\dimen@\pagegoal\advance\dimen@-\@maxdepth\pagegoal\dimen@\fi}}\fi
  \let\sb@LT@output\LT@output
  \def\LT@output{\sb@LT@output\ifnum\outputpenalty<-\@Mi\else\global\maxdepth\z@\fi}
\fi\fi
\makeatother
"""

#: A long table's notes follow its last row as a list, which may go on over the next page: nothing may come
#: between the two parts. A mark of class ``surveybuild-notes`` says "in" where the notes begin and "out" where
#: they end; when a page ends inside them (its last such mark is "in"), the next page takes no top float and
#: no page of floats is made before it (``\@topnum`` 0, ``\@fpmin`` out of reach; LaTeX resets both at each
#: page: ``\@opcol`` ends with ``\@floatplacement``). The floats held back so are given the place right
#: after the notes instead, in their order, each that fits in what is left of that page (where a top float
#: would have been had the notes not been there: never between rows and notes); the others go on as LaTeX
#: places them. LaTeXML (no ``\LT@output``) and a kernel older than 2022-06 (no mark classes) skip it (so no
#: ``\newif`` inside: a skipped ``\if...`` would unbalance the ``\fi``); a paper that reads it twice changes
#: ``\@opcol`` once.
NOTES_HOLD_FLOATS = r"""\makeatletter
\ifdefined\sb@notesmark\else\ifdefined\LT@output\ifdefined\NewMarkClass
  \NewMarkClass{surveybuild-notes}
  \def\sb@notesmark#1{\InsertMark{surveybuild-notes}{#1}}
  \def\sb@innotes{in}
  \let\sb@held\relax
  \let\sb@opcol\@opcol
  \def\@opcol{\sb@opcol\edef\reserved@a{\LastMark{surveybuild-notes}}%
    \ifx\reserved@a\sb@innotes\global\@topnum\z@\@fpmin\maxdimen\global\let\sb@held\sb@innotes\fi}
  \def\sb@notesend{\par\sb@notesmark{out}\ifx\sb@held\sb@innotes\global\let\sb@held\relax\sb@placeheld\fi}
  \def\sb@placeheld{\@next\@currbox\@deferlist{%
      \dimen@\pagegoal\advance\dimen@-\pagetotal\advance\dimen@-2\intextsep
      \ifdim\dimexpr\ht\@currbox+\dp\@currbox\relax>\dimen@
        \xdef\@deferlist{\noexpand\@elt\expandafter\noexpand\@currbox\unexpanded\expandafter{\@deferlist}}%
      \else
        \vskip\intextsep\box\@currbox\penalty\interlinepenalty\vskip\intextsep
        \@cons\@freelist\@currbox
        \expandafter\sb@placeheld
      \fi}{}}
\fi\fi\fi
\makeatother
"""

#: ``\surveybuildfit{caption}{table}``: a float's caption, then its table as it is, or scaled down (graphicx's
#: ``\scalebox``) to fit the line and the page's height less the caption's, as TeX measured them. The tables that
#: need it use it (docs/paper.md: the fitting's last resort, and rows that cannot break); without ``\fpeval``
#: (LaTeX before 2022) the table is set as it is. The caption keeps from the table the room threeparttable keeps
#: (a strut's depth and a fifth of a line): its last line sat on the table's top rule.
#: The caption is set before the threeparttable, where threeparttable's ``\TPToverlap`` drops a ``\tnote``:
#: in the caption's box it prints the note's mark, as inside the threeparttable.
FIT_BOX = r"""\makeatletter
\ifdefined\sb@fitbox\else\newsavebox\sb@fitbox\newsavebox\sb@capbox\fi
\providecommand\surveybuildfit[2]{\setbox\sb@capbox\vbox{\let\TPToverlap\relax#1}\sbox\sb@fitbox{#2}%
  \ifdefined\fpeval
    \dimen@\ifdefined\sb@room\sb@room\else\textheight\fi
    \advance\dimen@-\ht\sb@capbox\advance\dimen@-\dp\sb@capbox\advance\dimen@-2\baselineskip
    \dimen\tw@\ht\sb@fitbox\advance\dimen\tw@\dp\sb@fitbox\advance\dimen\tw@ 1sp
    \edef\sb@fitscale{\fpeval{min(1, \the\linewidth/\the\dimexpr\wd\sb@fitbox+1sp\relax, \the\dimen@/\the\dimen\tw@)}}%
  \else\def\sb@fitscale{1}\fi
  \unvbox\sb@capbox\par\vskip\dimexpr\dp\strutbox+.2\baselineskip\relax
  \ifdim\sb@fitscale pt<\p@\scalebox{\sb@fitscale}{\usebox\sb@fitbox}\else\usebox\sb@fitbox\fi\par}
% the caption of a table's next part (a long table of a two-column paper is a run of floats): the class's caption
% with the table's number, not counted again, no anchor, not in the list of tables
\providecommand\surveybuildcontinued[1]{\ifdefined\@makecaption\@makecaption{\tablename~\thetable}{#1}\else#1\fi}
\makeatother
"""

#: A two-column paper (``\documentclass[twocolumn]``, IEEEtran, acmart's sigconf): longtable cannot break a
#: table in a column (LaTeX stops: "longtable not in 1-column mode"), nor is a landscape page a column. So a long
#: or landscape table is set on pages of one column (``\onecolumn``), and the paper goes on in two columns after
#: it; a float is a ``table*``, across both columns, the line the table was fitted to (``\textwidth``, which
#: the build compares with ``paper_text_width``). In a one-column paper neither changes anything (``table*``
#: is ``table`` there). A landscape table deferred to the end of its page (``\surveybuildafterpage``) whose page
#: ends as a long table starts (longtable breaks the page before its first row, with ``\newpage`` its own
#: ``\noalign{\break}``) waits for the next page: set there, its ``landscape`` stopped LaTeX ("Misplaced \noalign").
#: In two columns a long or landscape table waits for the end of its page (``\surveybuildwidewait``: afterpage,
#: which acts at the end of each column, until the right one is done): ``\onecolumn`` where the table was ended
#: the column there, and the column before it was left half empty, as a ``table*`` waits for the next page too.
#: Either also waits while a float waits for the page it comes to (``\@toplist``, ``\@botlist``, ``\@deferlist``,
#: ``\@dbltoplist`` not empty): the ``\clearpage`` of ``landscape`` (and of ``\onecolumn``) set those floats on a
#: page of their own, a table of twelve rows alone on a page, 70% of it blank; they now take that page's top, and
#: the text goes on under them before the table's pages. A long table that starts while a landscape table waits
#: for the end of its page (``\sb@pending``) ends that page first (``\clearpage``, and the landscape table is set
#: there): afterpage does not act on the pages longtable's own output routine ships, and pdflatex looped for ever on
#: a README's landscape table followed by a 77-row long table.
TWO_COLUMNS = r"""\makeatletter
\ifdefined\surveybuildwide\else
  \let\sb@wideend\relax
  \def\sb@pending{0}
  \def\surveybuildwide{\ifnum\sb@pending>0 \clearpage\fi\if@twocolumn\onecolumn\global\let\sb@wideend\twocolumn\fi}
  \def\surveybuildwideend{\sb@wideend\global\let\sb@wideend\relax}
  \long\def\surveybuildafterpage#1{\gdef\sb@pending{1}%
    \if@twocolumn\afterpage{\sb@widewait{#1}}\else\afterpage{\sb@afterpage{#1}}\fi}
  \def\sb@LTnewpage{\noalign{\break}}
  \def\sb@floatswait{\ifx\@toplist\@empty\ifx\@botlist\@empty\ifx\@deferlist\@empty
    \ifx\@dbltoplist\@empty\else\let\sb@next\@secondoftwo\fi\else\let\sb@next\@secondoftwo\fi
    \else\let\sb@next\@secondoftwo\fi\else\let\sb@next\@secondoftwo\fi}
  \long\def\sb@afterpage#1{\let\sb@next\@firstoftwo\ifx\newpage\sb@LTnewpage\let\sb@next\@secondoftwo\fi
    \sb@floatswait\sb@next{\gdef\sb@pending{0}#1}{\afterpage{\sb@afterpage{#1}}}}
  \long\def\surveybuildwidewait#1{\if@twocolumn\afterpage{\sb@widewait{#1}}\else#1\fi}
  \long\def\sb@widewait#1{\let\sb@next\@secondoftwo
    \if@firstcolumn\ifx\newpage\sb@LTnewpage\else\let\sb@next\@firstoftwo\fi\fi
    \if@firstcolumn\sb@floatswait\fi
    \sb@next{\gdef\sb@pending{0}\surveybuildwide#1\surveybuildwideend}{\afterpage{\sb@widewait{#1}}}}
\fi
\makeatother
"""

#: A landscape float of a two-column paper is a page of floats of its own, turned (``surveybuildsideways``, inside a
#: ``table*``, as rotating's ``sidewaystable*`` sets it): a ``\textheight``-wide box, turned by 90 degrees, in a box as
#: tall as the page, so LaTeX keeps it in the queue of floats, in its order. Set as pdflscape's ``landscape`` after its
#: page of text (afterpage), it started pages of one column (``\onecolumn``: the column before it ended half empty),
#: its caption was numbered when it was set, after floats that followed it in the text ("Table 3 shows it" before
#: "Table 2 follows"), and a float waiting then was lost ("Float(s) lost"). Its page is shown turned in a PDF viewer
#: (``/Rotate 90``, through pdflscape, as its ``landscape`` pages are): the box writes its page into the ``.aux``
#: when it is shipped out, and the next run turns that page. A table in it scaled by ``\surveybuildfit`` fits the
#: turned page's height, ``\textwidth`` (``\sb@room``).
SIDEWAYS = r"""\makeatletter
\ifdefined\sb@sidebox\else
  \newsavebox\sb@sidebox
  \newenvironment{surveybuildsideways}{\begin{lrbox}\sb@sidebox\begin{minipage}\textheight\def\sb@room{\textwidth}}%
    {\end{minipage}\end{lrbox}\vbox to\textheight{\vss
      \hbox to\textwidth{\hss\rotatebox{90}{\usebox\sb@sidebox}\hss}\vss
      \write\@auxout{\string\sb@turned{\the\c@page}}}}
  \def\sb@turned#1{\expandafter\gdef\csname sb@turn@#1\endcsname{}}
  \AtBeginDocument{\if@filesw\immediate\write\@auxout{\string\providecommand\string\sb@turned[1]{}}\fi}
  \let\sb@turnedpage\relax
  \ifdefined\AddToHook
    \AddToHook{shipout/before}{\ifdefined\PLS@Rotate\ifcsname sb@turn@\the\c@page\endcsname
      \PLS@Rotate{90}\global\let\sb@turnedpage\@empty\fi\fi}
    \AddToHook{shipout/after}{\ifx\sb@turnedpage\@empty\PLS@Rotate{0}\global\let\sb@turnedpage\relax\fi}
  \fi
\fi
\makeatother
"""

#: Room for a float at the top of a page of text. LaTeX first tries to make a page of floats of a deferred float and
#: does so when it fills half the page (``\floatpagefraction``, ``\dblfloatpagefraction`` .5), before it tries the
#: top of a page of text (at most ``\topfraction``/``\dbltopfraction`` .7 of it): a table of 50-70% of the page was
#: alone on a page, the rest of it blank, though text could follow it (in two columns, a ``table*``). A page of floats
#: alone now needs 80% of the page, and a float at the top of a page of text may take 85% (every height still has a
#: place: above 85% it is at least 80%). A paper or class that allows more (IEEEtran: .9 and .8) keeps its own, and
#: the paper's own settings after the preamble win.
FLOAT_ROOM = r"""\makeatletter
\def\sb@atleast#1#2{\ifdefined#1\ifdim#1pt<#2pt\renewcommand#1{#2}\fi\fi}
\sb@atleast\topfraction{.85}\sb@atleast\floatpagefraction{.8}
\sb@atleast\dbltopfraction{.85}\sb@atleast\dblfloatpagefraction{.8}
\makeatother
"""

#: A landscape table (``\surveybuildafterpage{\begin{landscape}...}``) waits for the end of the page of text it is
#: in (afterpage): pdflscape's ``landscape`` starts a page, and the text after the table went after its pages,
#: which left the page before them blank below the paragraph that named the table. (In two columns it starts
#: pages of one column where it is: afterpage acts at the end of a column.) The table is then read as an
#: argument, so a long table's notes, which need ``@`` letters, are this macro, read with the preamble.
#: The notes are as wide as the table and under it, as a float's (threeparttable's) are: longtable leaves its
#: columns' widths in ``\LT@save@row`` (``\LT@entry{chunk}{width}`` a column, each with its ``\tabcolsep``s: their sum
#: is the rules' width), and the table is centred on the line, so the notes' list takes half the line's room left
#: over as its left margin and as its right (under a narrow long table they ran the whole line from the margin).
LONG_NOTES = r"""\makeatletter
\def\sb@LTcolumn#1#2{\advance\dimen@#2\relax}
\providecommand\surveybuildlongnotes{\ifdefined\TPTL@body % the notes follow the last row as a list, which may go
  % on over the next page, as wide as the table (threeparttable leaves \TPT@hsize, the width of the last
  % threeparttable, set: its notes ran into the margin)
  \par\nopagebreak\vspace{-\LTpost}\ifdefined\sb@notesmark\sb@notesmark{in}\nopagebreak\fi
  {\let\TPToverlap\relax\let\TPT@hsize\@empty
   \dimen@\z@\ifdefined\LT@save@row\let\LT@entry\sb@LTcolumn\LT@save@row\fi % (in this group)
   \ifdim\dimen@>\z@\ifdim\dimen@<\linewidth
     \dimen@\dimexpr(\linewidth-\dimen@)/2\relax
     \advance\@totalleftmargin\dimen@\advance\linewidth-2\dimen@
   \fi\fi
   \begin{tablenotes}\TPTL@font\TPTL@body\end{tablenotes}}\par
  \ifdefined\sb@notesend\sb@notesend\fi
  \fi}
\makeatother
"""

#: A long table's caption at the size of a float's: LaTeX's ``\caption`` sets a float's caption ``\normalsize``, but
#: longtable's (``\LT@makecaption``) takes the table's font, so in one paper "Table 1:" over a long table was
#: footnotesize and "Table 3:" over a float normal size (the embedded survey, a corpus survey's ten tables). Called in
#: the long table's group, so the paper's own long tables are left as they are.
CAPTION_SIZE = r"""\makeatletter
\providecommand\surveybuildcaptionsize{\ifdefined\LT@makecaption\let\sb@LTcaption\LT@makecaption
  \def\LT@makecaption##1##2##3{\sb@LTcaption{\normalsize##1}{##2}{##3}}\fi}
\makeatother
"""

#: The packages every generated table needs, in the paper's preamble (before hyperref).
TABLE_PACKAGES = r"""\usepackage{booktabs,longtable,multirow,array}
\usepackage[referable]{threeparttablex}
\usepackage{pdflscape,afterpage}
""" + (LONGTABLE_DEPTH + NOTES_HOLD_FLOATS + TWO_COLUMNS + SIDEWAYS + FLOAT_ROOM + LONG_NOTES
       + CAPTION_SIZE) + r"""% \def\surveybuildtracelayout{} before \input{tables/preamble}: the log says on which page (and at which
% height, in sp) each line of a table, its header, its foot and its notes land
% (surveybuild layout: <label> <what> page <n> y <sp>); else nothing
\ifdefined\surveybuildtracelayout
  \ifdefined\pdfsavepos\else\ifdefined\savepos\let\pdfsavepos\savepos\let\pdflastypos\lastypos\fi\fi
  \providecommand\surveybuildmark[2]{\leavevmode\ifdefined\pdfsavepos\pdfsavepos\fi
    \write-1{surveybuild layout: \detokenize{#1} #2 page \the\value{page}\ifdefined\pdflastypos\space y \the\pdflastypos\fi}}
\else
  \providecommand\surveybuildmark[2]{}
\fi
% In a generated table a URL breaks after / . - _ ? & = # : where it can, rather than inside a word (xurl lets it
% break after any character: a letter now costs more than those), and its notes are set ragged right, so that a
% URL goes on at the start of the next line rather than after a letter
\providecommand\surveybuildurlbreaks{\mathchardef\UrlBreakPenalty=5000 \mathchardef\UrlBigBreakPenalty=100
  \def\UrlBigBreaks{\do\:\do\/\do\.\do\-\do\_\do\?\do\&\do\=\do\#}}
""" + FIT_BOX

#: arXiv's HTML view (LaTeXML) has no threeparttablex: there, ``\tnotex`` becomes ``\tnote`` and the notes
#: of a long table a plain list under it (docs/latexml.md). pdflatex skips this block.
LATEXML_FALLBACK = r"""\makeatletter
\ifdefined\insertTableNotes\else
  \providecommand\tnotex[1]{\tnote{\ref{#1}}}
  \newenvironment{ThreePartTable}{\gdef\sb@notes{}}{\sb@notes}
  \long\def\TableNotes#1\end#2{\gdef\sb@notes{\begin{tablenotes}#1\end{tablenotes}}\end{TableNotes}}
  \def\endTableNotes{}
  \newcommand\insertTableNotes{}
  \renewcommand\surveybuildfit[2]{#1#2}
  \renewcommand\surveybuildafterpage[1]{#1}
  \renewcommand\surveybuildwidewait[1]{#1}
  \renewenvironment{surveybuildsideways}{}{}
  \renewcommand\surveybuildcaptionsize{}
\fi
\makeatother
"""

#: The file (in the paper's ``tables/`` folder, next to the tables) that declares what the tables use;
#: the paper's preamble reads it with ``\input{tables/preamble}``. No table may have this id.
PREAMBLE_ID = "preamble"

#: amsmath's macros that a table cell may use in math (``latextext``'s math allow-list); its environments are
#: :data:`.latextext.AMSMATH_ENVIRONMENTS`
AMSMATH_MACROS = ("text", "operatorname", "boldsymbol", "dfrac", "tfrac", "binom", "lVert", "rVert", "lvert", "rvert",
                  "iint", "iiint", "xrightarrow", "xleftarrow", "implies", "overset", "underset")
_AMSMATH_ENV = re.compile(r"\\begin\{(?:%s)\}" % "|".join(AMSMATH_ENVIRONMENTS))

#: A macro a table cell may use -> the package that defines it (``\usepackage`` lines, loaded only when used).
MACRO_PACKAGES = {
    **dict.fromkeys(("checkmark", "blacksquare", "square", "lozenge", "blacklozenge", "bigstar", "blacktriangle",
                     "blacktriangledown", "triangledown", "mathbb", "varnothing", "nexists", "circledcirc",
                     "lesssim", "gtrsim", "leqslant", "geqslant", "smallsetminus", "Box", "Diamond"), "amssymb"),
    **dict.fromkeys(("mathfrak", "triangleq", "intercal", "approxeq", "rightleftharpoons"), "amssymb"),
    **dict.fromkeys(AMSMATH_MACROS, "amsmath"),
    **dict.fromkeys(("ding", "Pisymbol", "dingline"), "pifont"),
    **dict.fromkeys(("textcolor", "color", "colorbox", "fcolorbox"), "xcolor"),
    **dict.fromkeys(("cellcolor", "rowcolor", "columncolor"), "colortbl"),
    **dict.fromkeys(("rotatebox", "scalebox", "resizebox", "includegraphics", "reflectbox", "surveybuildfit"),
                    "graphicx"),
    **dict.fromkeys(("makecell", "thead", "makegapedcells"), "makecell"),
    **dict.fromkeys(("bm",), "bm"),
    **dict.fromkeys(("xspace",), "xspace"),
    **dict.fromkeys(("diagbox",), "diagbox"),
    **dict.fromkeys(("sout", "uwave", "xout"), "[normalem]ulem"),
    **dict.fromkeys(("url",), "url"),
}

#: Symbol macros that survey tables use but no package defines: given a meaning only where the paper has none.
SYMBOL_MACROS = {
    "cmark": (r"\ding{51}", "pifont"),
    "xmark": (r"\ding{55}", "pifont"),
}

#: A control word: the tables' texts are read for their control words once, and the macros above and the symbol
#: map's are looked up among them (every name is letters only: a name is used exactly when a control word is it).
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")


def control_words(texts) -> set[str]:
    """The names of the control words (``\\name``, letters only) in ``texts``."""
    words: set[str] = set()
    for text in texts:
        words.update(_CONTROL_WORD.findall(text))
    return words


def table_preamble(texts, engine: str = "pdflatex") -> str:
    """``paper/tables/preamble.tex``: the engine's fonts (:func:`script_preamble`), then the packages and
    definitions the generated tables ``texts`` use."""
    texts = list(texts)
    words = control_words(texts)
    used = {m for m in words if m in MACRO_PACKAGES or m in SYMBOL_MACROS}
    if "begin" in words and any("\\begin" in text and _AMSMATH_ENV.search(text) for text in texts):
        used.add("text")  # an amsmath environment: the package of \text
    packages = sorted({MACRO_PACKAGES[m] for m in used if m in MACRO_PACKAGES}
                      | {SYMBOL_MACROS[m][1] for m in used if m in SYMBOL_MACROS}, key=lambda p: p.rpartition("]")[2])
    lines = ["% The engine's fonts, and the packages and definitions the generated tables use: the paper's",
             "% preamble reads this file with \\input{tables/preamble} (before hyperref). Written by surveybuild build.",
             script_preamble(engine, texts, words).rstrip("\n"), TABLE_PACKAGES.rstrip("\n")]
    for package in packages:
        options, _, name = package.rpartition("]")
        if f"\\usepackage{{{name}}}" in lines[2]:
            continue  # the engine's lines load it already
        lines.append(f"\\usepackage{options + ']' if options else ''}{{{name}}}")
    for name in sorted(m for m in used if m in SYMBOL_MACROS):
        lines.append(f"\\providecommand\\{name}{{{SYMBOL_MACROS[name][0]}}}")
    return "\n".join(lines) + "\n" + LATEXML_FALLBACK


def script_preamble(engine: str, texts, words: set[str] | None = None) -> str:
    """The preamble lines for ``engine``'s fonts and the packages the symbol map's macros in ``texts`` need
    (``words``: :func:`control_words` of ``texts``, when known)."""
    words = control_words(texts) if words is None else words
    packages = sorted({package for name, package in SYMBOL_PACKAGES.items() if name in words}
                      | ({"amssymb"} if engine == "pdflatex" else set()),  # pylatexenc's math symbols need it
                      key=lambda p: p.rpartition("]")[2])
    return fonts.preamble(engine) + "".join(
        f"\\usepackage{p.rpartition(']')[0] + ']' if ']' in p else ''}{{{p.rpartition(']')[2]}}}\n" for p in packages)


_escape = escape


def note_label(table: Table, note_id: str) -> str:
    return f"tn:{table.id}:{note_id}"


def url_note_id(row: Row) -> str:
    return f"url{row.index + 1}"


_TNOTEX = re.compile(r"\\tnotex(\*?)\{([^{}]*)\}")


def note_marks(labels: list[str]) -> str:
    """One mark for a note, a comma list for several (marks are zero-width and would overlap)."""
    if len(labels) == 1:
        return f"\\tnotex{{{labels[0]}}}"
    if labels:
        return "\\tnote{" + ",".join(f"\\ref{{{label}}}" for label in labels) + "}"
    return ""


#: A cell's note marks, taking their width: threeparttable sets a mark zero-wide (``\TPToverlap`` is ``\rlap``), so
#: that it hangs into the column separation and keeps a column of numbers aligned (a right-aligned column keeps it
#: so, for one mark), but "a,b,c" after a left-aligned text ran over the next column's first letters.
WIDE_MARKS = r"{\let\TPToverlap\relax%s}"


_IMAGE = re.compile(r"\\image(?![A-Za-z])\s*")


def _group_end(text: str, at: int) -> int:
    """The index after the brace group that starts at ``at`` (-1 when there is none)."""
    if at >= len(text) or text[at] != "{":
        return -1
    depth = 0
    i = at
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
        i += 1
    return -1


def without_images(text: str) -> str:
    """``\\image{src}{alt}`` -> ``{alt}``: the paper cannot load a README's remote image; it shows the alt text."""
    out, pos = [], 0
    for m in _IMAGE.finditer(text):
        if m.start() < pos:
            continue
        src_end = _group_end(text, m.end())
        alt_start = src_end + len(text[src_end:]) - len(text[src_end:].lstrip()) if src_end > 0 else -1
        alt_end = _group_end(text, alt_start) if alt_start > 0 else -1
        if alt_end < 0:
            continue
        out.append(text[pos:m.start()] + text[alt_start:alt_end])
        pos = alt_end
    return "".join(out) + text[pos:]

_URL_ARG = re.compile(r"(\\(?:url|href)\s*\{)([^{}]*)(\})")
_BARE_HASH = re.compile(r"(?<!\\)#")


#: natbib's commands as biblatex writes them (biblatex defines \citeauthor, \citeyear, \cite, \nocite itself)
TO_BIBLATEX = {"citet": "textcite", "Citet": "Textcite", "citep": "parencite", "Citep": "Parencite",
               "citealp": "cite", "Citealp": "Cite", "citealt": "cite", "Citealt": "Cite", "citenum": "cite",
               "citeyearpar": "citeyear"}
_CITE_NAME = re.compile(r"\\([A-Za-z]*cite[A-Za-z]*)(\*?)(?![A-Za-z])")


def cite_family(text: str, settings: Settings) -> str:
    """``text``'s cite commands in the family the paper loads: a table imported from a biblatex paper holds natbib's
    commands (the importer's one form), which a biblatex paper does not define; a hand-written ``\\textcite`` in a
    natbib paper is natbib's ``\\citet``. The README reads either family."""
    from ..readers.texread import BIBLATEX_CITES, NATBIB

    biblatex = settings.cite_command in BIBLATEX_CITES

    def one(m: re.Match) -> str:
        name, star = m.group(1), m.group(2)
        if biblatex and name in TO_BIBLATEX:
            return "\\" + TO_BIBLATEX[name] + ("" if name in ("citet", "Citet") else star)
        if not biblatex and name in NATBIB and name != "cite":
            return "\\" + NATBIB[name] + star
        return m.group(0)

    return _CITE_NAME.sub(one, text)


def latex_field(table: Table, text: str, settings: Settings | None = None) -> str:
    """A LaTeX-typed field as the paper gets it: as written, note ids namespaced by table; its cite commands those
    of the paper's package (:func:`cite_family`).

    A ``#`` in the URL of ``\\url``/``\\href`` is written ``\\#``: captions and long-table notes
    are macro arguments, where a bare ``#`` stops the compile.
    """
    text = without_images(text) if "\\image" in text else text
    if settings is not None:  # non-ASCII characters as the engine and the symbol map write them
        text = typeset_field(text, settings.engine, settings.symbols)
        if "cite" in text:
            text = cite_family(text, settings)
    if "\\url" in text or "\\href" in text:
        text = _URL_ARG.sub(lambda m: m.group(1) + _BARE_HASH.sub(r"\\#", m.group(2)) + m.group(3), text)
    if "\\tnotex" not in text:
        return text
    return _TNOTEX.sub(lambda m: f"\\tnotex{m.group(1)}{{{note_label(table, m.group(2).strip())}}}", text)


#: What a cell's ``\\texttt{...}`` gets at each of its break points (:func:`.fit.tt_breaks`): kernel LaTeX, which
#: the measuring document (texmeasure) and arXiv's HTML view (LaTeXML) know too.
TT_BREAK = "\\allowbreak{}"


def cell_value(table: Table, column: Column, raw: object, settings: Settings | None = None) -> str:
    if raw is None or raw == "":
        return values.MISSING
    engine, symbols = (settings.engine, settings.symbols) if settings is not None else ("pdflatex", ())
    kind = column.type
    if kind == "latex":  # a typewriter word breaks after its / . - _ (fit.tt_breaks), as a URL does
        return fit.tt_breaks(latex_field(table, str(raw), settings), TT_BREAK)
    if kind == "size":
        return _escape(values.format_size(raw), engine, symbols)
    if kind == "bool":
        return _escape(column.flag(raw), engine, symbols)
    if kind == "list":
        return _escape(", ".join(map(str, raw)), engine, symbols) or values.MISSING
    if kind == "url":
        return latex_url(str(raw))
    text = str(raw)
    if "://" in text and kind == "text":
        return text_with_urls(text, engine, symbols)
    return _escape(text, engine, symbols)


#: A web address in a text cell (``http://`` or ``https://`` after a space or bracket, up to white space; the punctuation that ends a sentence
#: after it is not part of it).
TEXT_URL = re.compile(r"(?<![^\s(\[])https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+?(?=[.,;:!?)\]]*(?:\s|$))")


def text_with_urls(text: str, engine: str = "pdflatex", symbols: tuple = ()) -> str:
    """A text cell's web addresses as ``\\url{...}``, the rest escaped: an address written as text was one word
    TeX cannot break (a 60-character mirror link sent a six-row table to a landscape page of its own); as a URL it
    breaks after its punctuation like a URL column's (``\\surveybuildurlbreaks``), and the fitting counts it so."""
    out, pos = [], 0
    for m in TEXT_URL.finditer(text):
        out.append(_escape(text[pos:m.start()], engine, symbols) + latex_url(m.group()))
        pos = m.end()
    return "".join(out) + _escape(text[pos:], engine, symbols)


def cell_lines(table: Table, column: Column, raw: object, settings: Settings | None = None) -> list[str]:
    """The LaTeX of each line of a cell (:func:`surveybuild.values.lines`): one for a cell without a line
    break. Each line is rendered alone, so nothing of one line (a brace, a style) reaches into the next;
    :func:`join_lines` puts the break between them, by the column's kind."""
    if column.type in ("latex", "text", "list") and raw is not None:
        text = ", ".join(map(str, raw)) if column.type == "list" and isinstance(raw, list) else str(raw)
        if values.LINE_BREAK in text:
            parts = values.lines(text)
            if not parts:  # blank lines only: blank, as the README shows it
                return [""]
            if column.type == "list":
                return [cell_value(table, column, [p], settings) for p in parts]
            return [cell_value(table, column, p, settings) for p in parts]
    return [cell_value(table, column, raw, settings)]


#: Where a cell's line break goes in a column of natural width (l, c, r): a makecell stack of its lines,
#: aligned as the column, its first line on the row's baseline (as a wrapping column's first line is).
MAKECELL = "\\makecell[{align}t]{{{lines}}}"


def join_lines(lines: list[str], align: str = "l", wrapping: bool = False) -> str:
    """A cell's lines as one cell: ``\\newline`` between them in a wrapping (``p{}``) column, which sets a
    paragraph; a ``\\makecell`` (makecell, declared in tables/preamble.tex when used) in an ``l``/``c``/``r``
    column, where ``\\newline`` does nothing. ``\\\\{}``: a line that starts with ``*`` or ``[`` is
    not read as the break's star or optional argument."""
    if len(lines) == 1:
        return lines[0]
    if wrapping:
        return "\\newline ".join(lines)
    return MAKECELL.format(align=align if align in ("l", "c", "r") else "l", lines="\\\\{}".join(lines))


@dataclass(frozen=True)
class PaperNote:
    """A note under a table in the paper: its mark, its label and its LaTeX text."""

    mark: str
    label: str
    text: str


def url_columns(table: Table) -> list[Column]:
    """URL columns the paper shows as table notes.

    None when the table would keep fewer than two columns without them (a name and its links): there
    the links stay a column of the table, set ragged and broken anywhere (``xurl``).
    """
    urls = [c for c in table.columns if c.type == "url" and c.show in ("both", "paper")]
    if sum(1 for c in table.columns if c.in_paper) < 2:
        return []
    return urls


def paper_columns(table: Table) -> list[Column]:
    """The columns of the paper's table, in order: a column empty in every row (:func:`empty_columns`) is left
    out (``check`` says so)."""
    shown = shown_columns(table)
    empty = empty_columns(table, shown)
    return [c for c in shown if c not in empty] if empty else shown


def shown_columns(table: Table) -> list[Column]:
    """The columns the table shows in the paper, empty ones included."""
    as_notes = url_columns(table)
    return [c for c in table.columns
            if c.in_paper or (c.type == "url" and c.show in ("both", "paper") and c not in as_notes)]


def empty_columns(table: Table, columns: list[Column] | None = None) -> list[Column]:
    """The columns (of ``columns``, else the table's) that the paper leaves out: every cell missing, no note on
    any of them, not the first column (it names the row and holds its citations). A column of dashes tells the
    reader nothing and takes a column's width from the others."""
    columns = list(table.columns if columns is None else columns)
    if not table.rows:
        return []
    noted = {key for row in table.rows for key, _, _ in row.notes} if any(r.notes for r in table.rows) else set()
    return [c for c in columns[1:] if c.key not in noted and c is not table.columns[0]
            and not any(_filled(row, c.key) for row in table.rows)]


def _filled(row: Row, key: str) -> bool:
    """Whether the row has a value (not missing, not blank) in column ``key``, on any of its lines."""
    for sub in range(row.height):
        value = row.value(key, sub)
        if value is not None and value.raw is not None and value.raw != "" and value.raw != []:
            return True
    return False


def latex_url(url: str) -> str:
    """``\\url{...}`` that also works inside another command's argument (a table note is one)."""
    return "\\url{" + url.replace("\\", "").replace("#", "\\#").replace("%", "\\%") + "}"


def url_note_text(table: Table, row: Row, settings: Settings | None = None,
                  columns: list[Column] | None = None) -> str:
    """The table note of a row's links (``columns``: :func:`url_columns` of the table, when known)."""
    urls = [(c, row.value(c.key)) for c in (url_columns(table) if columns is None else columns)]
    urls = [(c, v.raw) for c, v in urls if v is not None and v.raw]
    engine, symbols = (settings.engine, settings.symbols) if settings is not None else ("pdflatex", ())
    return "; ".join(f"{escape(c.title, engine, symbols)}: {latex_url(u)}" for c, u in urls)


#: A long table never leaves fewer lines than this of its body on a page.
MIN_ROWS = 3
#: A row group of at most this many lines is never broken across pages.
KEEP_GROUP = 8


def kept_rule(columns: int, mid: bool = False) -> str:
    """A thin rule between rows where no page break may fall, drawn as booktabs draws ``\\cmidrule(lr){1-n}``
    (the same width, trim and spacing; ``mid``: as it draws ``\\midrule``, across the table, untrimmed), with
    penalties where booktabs leaves glue TeX may break at. A bare ``\\noalign{\\hrule}`` would span the whole
    alignment, which in a longtable is the line with its centring glue: the rule ran out of the table to the margin.
    (The glue under a ``\\midrule`` between two row groups of a long table kept whole broke it: one row alone on the
    next page.)"""
    rule = (r"\leaders\hrule height\lightrulewidth\hfill" if mid
            else r"\hskip\cmidrulekern\leaders\hrule height\cmidrulewidth\hfill\hskip\cmidrulekern")
    return (r"\noalign{\vskip\aboverulesep\nobreak}"
            f"\\multispan{{{columns}}}" + rule + r"\cr"
            r"\noalign{\nobreak\vskip\belowrulesep}")

#: A float's notes run on as a paragraph (``\begin{tablenotes}[para]``) when there are at least this many, each at
#: most ``RUN_IN_EM`` em (a short caveat); a long table's notes stay a list (they may go on over a page).
RUN_IN_NOTES = 4
RUN_IN_EM = 12.0
#: In a two-column paper a long table is a run of floats, each at most this share of the text height (estimated;
#: TeX scales a part down if it is taller than the page): a page of floats alone needs 80% (``FLOAT_ROOM``).
PART_SHARE = 0.88
#: A table taller than this share of the text height is set as a long table, not a float.
FLOAT_SHARE = 0.3
#: A long table whose estimated height (caption, header, rows, notes) is at most this share of the
#: text height fits on one page: it is kept whole (every line ``\\*``), so TeX moves it
#: whole to the next page rather than break it (the margin allows for the estimate's error). Its notes
#: follow it as ever (a list that may go on over the next page when a float above took the room).
ONE_PAGE_SHARE = 0.85


class TableRenderer:
    def __init__(self, table: Table, settings: Settings, measured: MeasuredWidths | None = None):
        self.table = table
        self.settings = settings
        self.measured = measured.widths if measured is not None and measured.engine == settings.engine else {}
        self.columns = paper_columns(table)
        self.url_columns = url_columns(table)
        self.note_columns = {c.key for c in self.url_columns}  # their notes' marks go to the first cell
        self.url_notes: dict[int, str] = {}  # a row's URL note, by the row's id (the body asks twice)
        self.lines_of: dict[tuple, list[str]] = {}  # (column key, values.value_key) -> cell_lines
        self.marks = layout.note_marks(table)
        self.url_rows: list[Row] = []
        self.turned: set[int] = set()  # the columns (ids) whose title is turned (set by head)
        top, lower = layout.header(self.columns)
        self.titles = [c.title for c in self.columns] if lower else [c.title for c in top]
        self.plan = fit.plan(table, self.columns, self.titles, settings,
                             self.measured_width if self.measured else None)
        # columns of numbers set aligned on the decimal point (fit.decimal_shape): not the first
        self.decimals = {c.key: shape for c in self.columns[1:] if c.type in ("text", "latex")
                         for shape in [fit.decimal_shape(c, table.rows)] if shape is not None}

    def measured_width(self, column: Column | None, raw: object, font: str) -> tuple[float, float] | None:
        """The width TeX measured of a cell (or, ``column`` None, of a header title) at ``font``, as it is
        written here (:mod:`surveybuild.texmeasure`); None when it was not measured. A cell of several lines
        is as wide as its widest line, each measured alone."""
        try:
            texts = [self.esc(str(raw))] if column is None else self.cell_lines(column, raw)
        except UnencodableText:
            return None
        if len(texts) == 1:
            return self.measured.get((font, texts[0]))
        got = [self.measured.get((font, text)) for text in texts]
        if any(g is None for g in got):
            return None
        return max(g[0] for g in got), max(g[1] for g in got)

    def cell_lines(self, column: Column, raw: object) -> list[str]:
        """:func:`cell_lines` of the table, each distinct value of a column worked out once (sizes, Yes/No,
        languages and licences repeat down a column). Read the list, never change it."""
        value = values.value_key(raw)
        if value is None:  # a value that cannot be a key: worked out each time
            return cell_lines(self.table, column, raw, self.settings)
        key = (column.key, value)
        lines = self.lines_of.get(key)
        if lines is None:
            lines = self.lines_of[key] = cell_lines(self.table, column, raw, self.settings)
        return lines

    @staticmethod
    def on_point(shape: tuple[int, int], raw: str, text: str) -> str:
        """A number of a column of numbers (``shape``: :func:`fit.decimal_shape`) padded with invisible digits (and
        point) on either side, so that every number of the column is as wide and the points line up."""
        m = fit.NUMBER.fullmatch(raw)
        if m is None:
            return text
        ints, decs = len(m.group(1)), len(m.group(2) or "")
        left = "0" * (shape[0] - ints)
        right = ("" if decs or not shape[1] else ".") + "0" * (shape[1] - decs)
        return (f"\\phantom{{{left}}}" if left else "") + text + (f"\\phantom{{{right}}}" if right else "")

    def url_note(self, row: Row) -> str:
        text = self.url_notes.get(id(row))
        if text is None:
            text = self.url_notes[id(row)] = url_note_text(self.table, row, self.settings, self.url_columns)
        return text

    def esc(self, text: str) -> str:
        return escape(text, self.settings.engine, self.settings.symbols)

    def cell(self, row: Row, column: Column, sub: int, wrapping: bool = False) -> str:
        """The cell's LaTeX; ``wrapping``: its column is a ``p{}`` column (a line break is ``\\newline``)."""
        return self.cell_of(row, column, row.value(column.key, sub), sub, wrapping)

    def cell_of(self, row: Row, column: Column, value: Value | None, sub: int, wrapping: bool) -> str:
        """:meth:`cell`, of the cell's ``value`` (``row.value(column.key, sub)``)."""
        lines = self.cell_lines(column, value.raw if value is not None else None)
        text = lines[-1]  # a cite or note mark goes after the last line
        if column.key in self.decimals and len(lines) == 1 and value is not None:
            text = self.on_point(self.decimals[column.key], str(value.raw).strip(), text)
        if sub == 0:
            if wrapping and column is self.columns[0] and (row.cites or row.notes) and _ONE_WORD.fullmatch(text):
                # a name of one word, tied to its citation and marks: never broken at its hyphens (fit counts it whole)
                text = f"\\mbox{{{text}}}"
            if column is self.table.columns[0] and row.cites:
                keys = ",".join(k for k, _ in row.cites)
                text += f"~\\{self.settings.cite_command}{{{keys}}}"
            labels = [note_label(self.table, note_id) for col_key, note_id, _ in row.notes
                      if col_key == column.key] if row.notes else []
            if column is self.columns[0] and self.note_columns:
                if self.url_note(row).strip():
                    self.url_rows.append(row)
                    labels.append(note_label(self.table, url_note_id(row)))
                labels += [note_label(self.table, note_id) for col_key, note_id, _ in row.notes
                           if col_key in self.note_columns]
            if labels:
                # in a right-aligned column (not the first) the marks hang after the number, into the room the column
                # keeps after every value for its widest marks (:meth:`colspec`): the numbers stay aligned
                hang = column.align == "r" and column is not self.columns[0] and (len(labels) == 1 or not wrapping)
                text += note_marks(labels) if hang else WIDE_MARKS % note_marks(labels)
        if len(lines) == 1:  # the common cell: one line
            return text
        return join_lines(lines[:-1] + [text], column.align, wrapping)

    def mark(self, what: str) -> str:
        """Where the log says (when the paper traces its layout) on which page this line lands: ``head``,
        ``row <n>.<line>``, ``foot`` (the "continued" line), ``end`` (below a long table's last row), ``note``."""
        return f"\\surveybuildmark{{{self.table.label}}}{{{what}}}"

    def lines(self, row: Row, keep: list[bool] | None = None, number: int = 0) -> list[str]:
        """The row's lines; ``keep[i]``: no page break after line i (``\\*``); ``number``: the row's, in the body.

        A column that spans the row's lines is a ``\\multirow[t]``: its value reads with the row's
        first line (not on its middle line), and wraps at the column's width in a wrapping column.
        """
        height = row.height
        if not row.sublines:  # the common row: one line, its values by key
            get = row.line.by_key.get
            columns, widths = self.columns, self.plan.widths
            if row.notes:
                cells = [self.cell_of(row, column, get(column.key), 0, bool(width))
                         for column, width in zip(columns, widths)]
            else:  # after the first cell (the citations, the link note's mark) each cell is its lines alone
                first = columns[0]
                cells = [self.cell_of(row, first, get(first.key), 0, bool(widths[0]))]
                for column, width in zip(columns[1:], widths[1:]):
                    value = get(column.key)
                    lines = self.cell_lines(column, value.raw if value is not None else None)
                    if len(lines) > 1:
                        cells.append(join_lines(lines, column.align, bool(width)))
                    elif column.key in self.decimals and value is not None:
                        cells.append(self.on_point(self.decimals[column.key], str(value.raw).strip(), lines[0]))
                    else:
                        cells.append(lines[0])
            return [self.mark(f"row {number}.0") + " & ".join(cells) + (r" \\*" if keep and keep[0] else r" \\")]
        out = []
        for sub in range(height):
            cells = []
            for column, width in zip(self.columns, self.plan.widths):
                spanning = height > 1 and row.spans(column.key)
                if spanning and sub > 0:
                    cells.append("")
                elif spanning:
                    cells.append(f"\\multirow[t]{{{height}}}{{{'=' if width else '*'}}}"
                                 f"{{{self.cell(row, column, 0, bool(width))}}}")
                else:
                    cells.append(self.cell(row, column, sub, bool(width)))
            end = r"\\*" if keep and keep[sub] else r"\\"
            out.append(self.mark(f"row {number}.{sub}") + " & ".join(cells) + " " + end)
        return out

    def title(self, column: Column) -> str:
        """A column's header title; turned 90 degrees (graphicx) when the plan turns it (:func:`fit.rotatable`)."""
        text = self.esc(column.title)
        return f"\\rotatebox{{90}}{{{text}}}" if id(column) in self.turned else text

    def head(self) -> str:
        top, lower = layout.header(self.columns)
        self.turned = {id(self.columns[i]) for i in self.plan.rotated}
        lines = [r"\toprule"]
        if not lower:
            lines.append(self.mark("head") + " & ".join(self.title(c) for c in self.columns) + r" \\")
        else:
            cells = []
            below = set()  # a wrapping column's title: on the lower line, where it may take several lines
            for c in top:
                if c.grouped:
                    cells.append(f"\\multicolumn{{{c.span}}}{{c}}{{{self.esc(c.title)}}}")
                elif self.plan.widths[c.first - 1] or id(self.columns[c.first - 1]) in self.turned:
                    cells.append("")
                    below.add(c.first)
                else:
                    cells.append(f"\\multirow{{2}}{{*}}{{{self.esc(c.title)}}}")
            lines.append(self.mark("head") + " & ".join(cells) + r" \\")
            lines.append(" ".join(f"\\cmidrule(lr){{{c.first}-{c.first + c.span - 1}}}" for c in top if c.grouped))
            second = []
            grouped = {c.first for c in lower} | below
            for i in range(1, len(self.columns) + 1):
                second.append(self.title(self.columns[i - 1]) if i in grouped else "")
            lines.append(" & ".join(second) + r" \\")
        lines.append(r"\midrule")
        return "\n".join(lines)

    def body(self, unbroken: bool = False) -> str:
        """The rows, with where a long table may break: never inside a row, nor inside a group that fits
        in KEEP_GROUP lines, nor so as to leave fewer than MIN_ROWS lines on either side; nowhere when
        ``unbroken`` (a table that fits on one page). A row counts its lines for certain (``Plan.row_lines``):
        a row of a cell with ten line breaks is ten lines, and a page may end after it."""
        self.url_rows = []
        sections = layout.sections(self.table)
        # each row's lines for certain (sub-rows, a cell's line breaks): what a page holds
        printed = {id(r): lines for r, lines in zip(self.table.rows, self.plan.row_lines)}
        # and half the lines its wrapped cells take as estimated (at least their text over the column's width):
        # a row of 20 such lines may end a page (3 rows of them kept together left 40% of a page blank)
        wrapped = {id(r): lines // 2 for r, lines in zip(self.table.rows, self.plan.row_printed)}

        row_at = {id(r): n for n, r in enumerate(self.table.rows)}

        def height(row: Row) -> float:
            return max(float(row.height), printed.get(id(row), 0.0), wrapped.get(id(row), 0.0))

        total = sum(height(r) for s in sections for r in s.rows)
        ruled = any(r.height > 1 for r in self.table.rows)  # rows of several lines: a rule between rows
        out: list[str] = []
        # where a page may break, after a row: (lines of ``out`` so far, estimated printed lines so far)
        self.breaks: list[tuple[int, float]] = []
        printed_so_far = 0.0
        done = 0.0  # printed body lines so far
        number = 0  # rows so far
        kept = False  # the last row's last line ends in ``\\*``
        for n, section in enumerate(sections):
            # a row group, not a whole table, of few printed lines
            whole = section.group is not None and sum(height(r) for r in section.rows) <= KEEP_GROUP
            if section.group is not None:
                if n:  # after a kept line, booktabs' rule would offer TeX a place to break (the glue under it)
                    out.append(kept_rule(len(self.columns), mid=True) if kept else r"\midrule")
                if section.group.title.strip():  # a group without a title (rows of no group): its rule alone
                    title = latex_field(self.table, section.group.title, self.settings)
                    out.append(f"\\multicolumn{{{len(self.columns)}}}{{l}}{{\\textit{{{title}}}}} \\\\*")
                    out.append(r"\addlinespace[2pt]")
            for i, row in enumerate(section.rows):
                keep = []
                for sub in range(row.height):
                    done += height(row) / row.height
                    last_of_section = i == len(section.rows) - 1 and sub == row.height - 1
                    keep.append(done < total and (unbroken or sub < row.height - 1 or done < MIN_ROWS or total - done < MIN_ROWS
                                                  or (whole and not last_of_section)))
                number += 1
                kept = keep[-1]
                out += self.lines(row, keep, number)
                printed_so_far += max(float(row.height), self.plan.row_printed[row_at[id(row)]]
                                      if self.plan.row_printed else 0.0) + (1.5 if i == 0 and section.group else 0.0)
                if not keep[-1]:
                    self.breaks.append((len(out), printed_so_far))
                if ruled and i < len(section.rows) - 1:
                    # after a kept line a booktabs rule would itself offer TeX a place to break (its glue)
                    out.append(kept_rule(len(self.columns)) if keep[-1] else f"\\cmidrule(lr){{1-{len(self.columns)}}}")
        return "\n".join(out)

    def notes(self) -> list[PaperNote]:
        notes = [PaperNote(self.marks[n.id], note_label(self.table, n.id), latex_field(self.table, n.text, self.settings))
                 for n in sorted(self.table.notes, key=lambda n: _mark_order(self.marks[n.id]))]
        for i, row in enumerate(self.url_rows):
            notes.append(PaperNote(str(i + 1), note_label(self.table, url_note_id(row)),
                                   self.url_note(row)))
        return notes

    def colspec(self) -> str:
        spec = []
        for c, width in zip(self.columns, self.plan.widths):
            if width:
                align = {"l": r"\raggedright", "c": r"\centering", "r": r"\raggedleft"}[c.align]
                spec.append(f">{{{align}\\arraybackslash}}p{{{width}}}")
            else:
                spec.append(c.align + self.mark_room(c))
        return "".join(spec)

    def mark_room(self, column: Column) -> str:
        """After a right-aligned natural column (not the first) in which a cell has several note marks: room for its widest
        marks after every value (``<{\\phantom{...}}``), where the marks of each cell hang (zero-wide): "12.5 a,b,c"
        ran over the next column's first word, and taking their width instead moved 12.5 left of the 13.0 below it.
        One mark a cell hangs into the column separation, as threeparttable sets it; in a wrapping column several take
        their width (the room would follow only a paragraph's last line)."""
        if column.align != "r" or column is self.columns[0] or not any(r.notes for r in self.table.rows):
            return ""
        widest = max(([note_label(self.table, n) for key, n, _ in row.notes if key == column.key]
                      for row in self.table.rows), key=len)
        if len(widest) < 2:
            return ""
        return f"<{{\\phantom{{\\let\\TPToverlap\\relax{note_marks(widest)}}}}}"

    def fits_a_column(self) -> bool:
        """In a two-column paper: whether the table, as planned (natural columns), fits one column
        (:func:`fit.column_width`), where a careful author sets a small table rather than across the page."""
        if self.plan.reason != "natural" or self.plan.landscape or self.plan.scale != 1.0:
            return False
        narrow = replace(self.settings, paper_text_width=f"{fit.column_width(self.settings):.2f}pt")
        plan = fit.plan(self.table, self.columns, self.titles, narrow, self.measured_width if self.measured else None)
        return (plan.reason, plan.landscape, plan.font, plan.tabcolsep) == ("natural", False, self.plan.font,
                                                                            self.plan.tabcolsep)

    def parts(self, body: str, notes: list[str]) -> list[str]:
        """The body of a long table of a two-column paper cut into parts that each fill at most :data:`PART_SHARE` of a
        page (its caption, header and, for the last, its notes counted), at the places a page may break (never inside
        a row, a small group, or leaving fewer than :data:`MIN_ROWS` lines on a side). A part begins with no rule."""
        lines = body.split("\n")
        em = fit.font_sizes(self.settings)[self.plan.font]
        page = (fit.dimen_pt(self.settings.paper_text_height) or 550.0) / (1.2 * em)  # the page, in table lines
        room = PART_SHARE * page - 5 - max(0.0, self.plan.head_em / 1.2 - 1)  # less caption, header, rules
        cuts, start, last = [], 0.0, None
        for at, done in self.breaks:
            if done - start > room and last is not None and last[1] > start:
                cuts.append(last[0])
                start = last[1]
            last = (at, done)
        # the notes go with the last part: when they do not fit under its rows, its rows end a part of their own
        width = fit.dimen_pt(self.settings.paper_text_width) or 345.0
        tail = sum(max(1, -(-fit.text_width(n) * em // width)) for n in notes)
        if notes and last is not None and last[1] - start + tail > room:
            inner = [(at, done) for at, done in self.breaks[:-1] if not cuts or at > cuts[-1]]
            fits = [at for at, done in inner if done - start <= room - tail]
            if fits or inner:
                cuts.append((fits or [inner[-1][0]])[-1])
        bodies = [lines[a:b] for a, b in zip([0] + cuts, cuts + [len(lines)])]
        return ["\n".join(p[1:] if p and p[0].startswith(("\\midrule", "\\cmidrule")) else p) for p in bodies if p]

    def render(self) -> str:
        body = self.body()  # first: it collects the rows that carry URL notes
        notes = self.notes()
        share = fit.height_share(self.plan, self.table, [n.text for n in notes], self.settings)
        scaled = False
        if self.plan.reason == "too wide" and self.table.fit != "natural" and self.table.layout != "long":
            # nothing fits the line: the last resort, scaling, which only a float can take (one that fits a page)
            plan = fit.scaled(self.table, self.columns, self.titles, self.settings, self.plan,
                              self.measured_width if self.measured else None)
            scaled_share = fit.height_share(plan, self.table, [n.text for n in notes], self.settings)
            if scaled_share <= ONE_PAGE_SHARE:
                self.plan, share, scaled = plan, scaled_share, True
                body, notes = self.body(), self.notes()
        elif (self.plan.landscape and self.table.landscape is None and self.table.fit == "auto"
              and self.table.layout != "long"):
            # a small table that only a landscape page fits: portrait, scaled by a little, rather than a page that
            # is mostly blank (fit.PORTRAIT_SCALE_FLOOR)
            plan = fit.portrait_scaled(self.table, self.columns, self.titles, self.settings, self.plan,
                                       self.measured_width if self.measured else None)
            if plan is not None and fit.height_share(plan, self.table, [n.text for n in notes],
                                                     self.settings) <= ONE_PAGE_SHARE:
                self.plan, scaled = plan, True
                body, notes = self.body(), self.notes()
                share = fit.height_share(plan, self.table, [n.text for n in notes], self.settings)
        # a float must fit on one page, and one taller than FLOAT_SHARE of it floats off alone to a page
        # of its own: such a table is a long table, set where it is in the text and broken across pages.
        # A table that says ``layout: float`` stays a float unless it is taller than a page (TeX would cut it)
        lines = sum(r.height for r in self.table.rows)
        long = not scaled and (
            self.table.layout == "long"
            or (self.table.layout == "auto" and (lines + len(notes) > self.settings.long_table_rows
                                                 or share > FLOAT_SHARE))
            or (self.table.layout == "float" and share > ONE_PAGE_SHARE))
        # rows that cannot break (fewer than 2 * MIN_ROWS lines) in a table that is not small: a float, which TeX
        # scales down (\surveybuildfit) only if it is taller than the page, as no estimate of height is exact
        fitted = long and self.table.layout != "long" and lines < 2 * MIN_ROWS
        # in two columns a table that fits on one page is a float across both (set at a page's top or on a page of
        # floats), as a careful author sets it: a long table there stops the columns before and after it
        two = self.settings.paper_columns == 2
        fitted = fitted or (long and two and self.table.layout != "long" and share <= ONE_PAGE_SHARE)
        long = long and not fitted
        fitted = fitted or scaled or (not long and share > FLOAT_SHARE)  # a tall float: the same safeguard
        fitted = fitted and self.table.fit != "natural"  # fit: natural sets the table as it is, and TeX reports it
        # threeparttable sets the caption as wide as the table: over a narrow one it broke into short, hyphenated
        # lines ("Table 5: A ta- / ble of one"). Such a caption is set above the table at the line's width
        fitted = fitted or (not long and fit.caption_wider(self.plan, self.table, self.settings))
        # in two columns a long table (portrait) is a run of floats across both columns, a page of rows each: on pages
        # of one column, the page after its last rows was left blank below them (\twocolumn starts a page)
        parts = [body]
        if long and two and not self.plan.landscape and self.table.fit != "natural":
            parts = self.parts(body, [n.text for n in notes])
            long, fitted = False, True
        # a long table that fits on one page is never broken: TeX moves it whole to the next page
        whole = long and share <= ONE_PAGE_SHARE
        if whole:
            body = self.body(unbroken=True)
        # read as an argument (afterpage's), a cell's link with an ``&`` is an alignment tab: set where it is
        amp = bool(_LINK_AMP.search(body)) or any(_LINK_AMP.search(n.text) for n in notes)
        # in two columns a landscape float is a turned page of floats, in the queue of floats (SIDEWAYS)
        sideways = two and self.plan.landscape and not long
        return latex_env().get_template("table.tex.j2").render(
            source=self.table.source.path,
            long=long,
            float_env="table" if not long and two and self.fits_a_column() else "table*",
            landscape=self.plan.landscape and not sideways,
            sideways=sideways,
            # read as afterpage's argument, a cell's link with an ``&`` is an alignment tab: set where it is
            deferred=self.plan.landscape and not sideways and not amp,
            waits=long and two and not self.plan.landscape and not amp,
            fitted=fitted,
            font=self.plan.font,
            tabcolsep=f"{self.plan.tabcolsep:g}pt" if self.plan.tabcolsep != fit.TABCOLSEP else "",
            caption=latex_field(self.table, self.table.caption, self.settings),
            label=self.table.label,
            colspec=self.colspec(),
            ncols=len(self.columns),
            foot_mark=self.mark("foot"),
            end_mark=self.mark("end"),
            head=self.head(),
            body=body,
            parts=parts,
            notes=notes,
            note_mark=self.mark("note"),
            # many short notes run on as a paragraph (threeparttable's ``para``): twelve one-line caveats took twelve
            # lines under a table of two rows
            run_in=len(notes) >= RUN_IN_NOTES and all(
                fit.text_width(fit.shown_text(Column("n", "", type="latex"), n.text)) <= RUN_IN_EM for n in notes),
        )


#: A first cell's name of one word (no space, no brace group: a plain name such as ``Method-10``), which a wrapping
#: column keeps whole before its citation (``\mbox``): "Method-" ended one line and "10 [16, 53]" began the next.
_ONE_WORD = re.compile(r"[^\s{}\\~%&$#^_]*-[^\s{}\\~%&$#^_]*")

#: A link whose URL holds ``&``: hyperref reads it with ``&`` a letter, which a table read as an argument has
#: already made an alignment tab (\href's URL ran away).
_LINK_AMP = re.compile(r"\\(?:href|url)\s*\{[^{}]*&")


def _mark_order(mark: str) -> tuple[int, str]:
    return (len(mark), mark)


def render_table(table: Table, settings: Settings, measured: MeasuredWidths | None = None) -> str:
    return TableRenderer(table, settings, measured).render()


#: The generated file the paper inputs after hyperref (below the paper's folder, next to the tables).
SETUP_FILE = "_surveybuild.tex"
#: The natbib style of each reference order.
BIB_STYLES = {"citation": "unsrtnat", "alphabetical": "plainnat"}


def render_setup(settings: Settings, cited: list[str]) -> str:
    """The paper's setup: PDF metadata from ``surveybuild.yaml``, the bibliography style of
    ``reference_order`` and, in citation order, a ``\\nocite`` of ``cited`` (the README's numbering) so
    that BibTeX numbers every work as the README does."""
    return latex_env().get_template("setup.tex.j2").render(
        title=escape(settings.title, settings.engine, settings.symbols),
        authors=", ".join(escape(a, settings.engine, settings.symbols) for a in settings.authors),
        keywords=", ".join(escape(k, settings.engine, settings.symbols) for k in settings.keywords),
        style=BIB_STYLES.get(settings.reference_order, ""),
        keys=cited if settings.reference_order else [],
    )
