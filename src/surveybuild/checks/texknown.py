"""Which control words pdflatex knows in a paper: its kernel, class and packages, and what the paper defines.

Used to tell, before TeX runs, that a bibliography field holds a macro that would stop the build in
``main.bbl`` (an author ``S\\vasa``: ``\\v`` followed by letters is one undefined control word).

- :func:`definitions`: the names a text defines (``\\newcommand``, ``\\def``, ``\\let``,
  ``\\DeclareRobustCommand``, ``\\DeclareTextSymbol``, ``\\NewDocumentCommand``, registers such as ``\\newlength``
  and ``\\newif``, ...; an internal ``\\tf@size`` defines no ``\\tf``), found by regular expressions. Pure; used on
  the paper's ``.tex`` files and the ``@preamble`` of its ``.bib`` files, and by ``import`` on the source's files.
- :func:`tex_tree_names`: the names defined by LaTeX's kernel files, the class and the packages
  (and the packages they require), read from the TeX installation that ``kpsewhich`` finds (run in an
  empty folder, with plain file names as arguments, never a shell). Read-only, files outside the project; called
  when a cited field holds a name outside :data:`COMMON`, and by ``import`` (a command in a cell that nothing
  defines is left out and listed), once per set of packages. Without kpsewhich (no TeX), it returns ``None``:
  the check is skipped.

Sound enough, not exact: a package that builds names with ``\\csname`` loops is not understood, so
a name it defines may be reported unknown (the hint says how to declare it).
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

_DEF = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand|newrobustcmd|renewrobustcmd|providerobustcmd"
    r"|(?:New|Renew|Provide|Declare)(?:Document|Expandable)Command|DeclareText(?:Symbol|Accent|Command|"
    r"CompositeCommand|CommandDefault|SymbolDefault)|DeclareMathSymbol|DeclareMathOperator"
    r"|Declare(?:Old|Text)FontCommand|DeclareMathAccent|DeclareMathDelimiter)\*?\s*\{?\s*\\([A-Za-z]+)(?![@A-Za-z])"
    r"|\\(?:[gex]?def|protected@[ex]?def|let|global\s*\\let|(?:math|count|dimen|skip|toks)?chardef|countdef|dimendef"
    r"|skipdef|toksdef|new(?:dimen|length|skip|count|counter|toks|box|savebox|muskip|if))"
    r"\s*\{?\s*\\([A-Za-z]+)(?![@A-Za-z])"
    r"|\\@namedef\s*\{([A-Za-z]+)\}|\\csname\s*([A-Za-z]+)\\endcsname")
#: ``\\newcounter{table}`` defines ``\\thetable`` (and the kernel's internal ``\\c@table``)
_COUNTER = re.compile(r"\\(?:newcounter|@definecounter)\s*\{([A-Za-z]+)\}")
#: a class built on another (acmart on amsart): ``\\LoadClass{amsart}`` reads that class
_LOAD_CLASS = re.compile(r"\\LoadClass(?:WithOptions)?\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_PACKAGE = re.compile(r"\\(?:usepackage|RequirePackage(?:WithOptions)?)\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_CLASS = re.compile(r"\\documentclass\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_COMMENT = re.compile(r"(?<!\\)%.*")

#: TeX primitives and kernel names a bibliography field may use, known without looking anything up.
COMMON = frozenset("""
relax protect hbox mbox makebox kern char penalty hskip vskip hfil hfill null space ignorespaces unskip
noindent par uppercase lowercase MakeUppercase MakeLowercase string the number romannumeral accent
discretionary hyphenation allowbreak linebreak nolinebreak newline break nobreakspace slash
i j l L o O ss SS ae AE oe OE aa AA dh DH th TH ng NG dj DJ
u v H c d b t r k textbf textit emph textsc texttt textrm textsf textsl textup textmd textnormal
bfseries itshape scshape ttfamily rmfamily sffamily slshape upshape mdseries normalfont em bf it sc tt rm sf sl
textsuperscript textsubscript LaTeX TeX LaTeXe ldots dots textendash textemdash textquoteleft textquoteright
textquotedblleft textquotedblright textbackslash textasciitilde textasciicircum textunderscore textbar textless
textgreater textregistered textcopyright texttrademark textdegree textperiodcentered textbullet textdagger
textdaggerdbl textsection textparagraph S P dag ddag pounds copyright textellipsis guillemotleft guillemotright
quad qquad enspace thinspace negthinspace footnote cite natexlab newblock url href
""".split())


def definitions(text: str) -> set[str]:
    """The control words ``text`` defines."""
    if "\\" not in text:
        return set()
    text = _COMMENT.sub("", text)
    return ({next(g for g in m.groups() if g) for m in _DEF.finditer(text)}
            | {"the" + m.group(1) for m in _COUNTER.finditer(text)})


def packages(text: str) -> tuple[list[str], str]:
    """The packages a preamble loads (and ``name.cls`` for a class a class loads: ``\\LoadClass{amsart}``), and its
    class ('' when it names none)."""
    text = _COMMENT.sub("", text)
    names = [n.strip() for m in _PACKAGE.finditer(text) for n in m.group(1).split(",") if n.strip()]
    names += [f"{c.strip().rpartition('/')[2]}.cls" for c in _LOAD_CLASS.findall(text) if c.strip()]
    cls = _CLASS.search(text)
    # a class named by its path (\\documentclass{sections/acmart}, a copy beside the paper): its own name
    return names, (cls.group(1).strip().rpartition("/")[2] if cls else "")


_KERNEL = ("latex.ltx", "fonttext.ltx", "fontmath.ltx", "ot1enc.def", "t1enc.def", "omsenc.def", "omlenc.def",
           "ts1enc.def", "ltnews.sty")
_MAX_FILES = 80


def _file(name: str) -> str:
    """A package's file; a class a class loads (:func:`packages` names it with its suffix) stays as named."""
    return name if name.endswith(".cls") else f"{name}.sty"


@functools.lru_cache(maxsize=8)
def tex_tree_names(package_names: tuple[str, ...], cls: str) -> frozenset[str] | None:
    """The names the kernel, ``cls`` and ``package_names`` (and what they require) define; None without TeX."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return None
    import subprocess  # here: the build imports this module, and runs kpsewhich only for an unknown name
    import tempfile

    names: set[str] = set()
    seen: set[str] = set()
    todo = list(_KERNEL) + ([f"{cls}.cls"] if cls else []) + [_file(p) for p in package_names]
    while todo and len(seen) < _MAX_FILES:
        batch = [f for f in dict.fromkeys(todo) if f not in seen and re.fullmatch(r"\w[\w.-]*", f)]  # never an option
        todo = []
        if not batch:
            break
        seen.update(batch)
        try:  # from an empty folder: kpsewhich looks in "." first, and only the TeX installation is meant
            with tempfile.TemporaryDirectory() as empty:
                found = subprocess.run([kpsewhich, *batch], capture_output=True, text=True, timeout=60,
                                       cwd=empty).stdout.split()
        except (OSError, subprocess.SubprocessError):
            return None
        for path in found:
            try:
                text = Path(path).read_text("latin-1")
            except OSError:
                continue
            names |= definitions(text)
            required, _ = packages(text)
            todo += [_file(p) for p in required]
    return frozenset(names)
