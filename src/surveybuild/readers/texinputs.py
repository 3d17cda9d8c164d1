"""What a paper is made of: the files its main ``.tex`` reads, found with pylatexenc's LaTeX walker.

``\\input``, ``\\include``, ``\\includegraphics`` (with ``\\graphicspath``),
``\\bibliography``, ``\\bibliographystyle``, ``\\documentclass`` and
``\\usepackage``/``\\RequirePackage`` of files that sit next to the paper are
followed; packages and classes from the TeX installation are not files of the
paper. Commented-out commands and verbatim text are not read, and ``%`` inside
``\\url``/``\\href`` is part of the URL (:func:`parse` knows these macros).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pylatexenc import latexwalker, macrospec

from .. import paths
from ..model import Problem, Source
from ..texlang.latextext import TOO_DEEP

#: The extensions pdflatex tries for ``\includegraphics{name}``, in its order.
GRAPHICS_EXTENSIONS = (".pdf", ".png", ".jpg", ".mps", ".jpeg", ".jbig2", ".jb2",
                       ".PDF", ".PNG", ".JPG", ".JPEG", ".JBIG2", ".JB2", ".eps")
#: Environments whose body TeX reads verbatim: a ``%`` there is text, not a comment.
VERBATIM_ENVIRONMENTS = ("verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "LVerbatim",
                         "lstlisting", "minted", "comment", "filecontents", "filecontents*")


class _VerbatimEnvironment(macrospec.MacroStandardArgsParser):
    """The body of a verbatim environment is one chars node, up to ``\\end{name}``."""

    def __init__(self, name: str):
        super().__init__(argspec="")
        self.name = name

    def parse_args(self, w, pos, parsing_state=None):
        end = w.s.find(f"\\end{{{self.name}}}", pos)
        if end == -1:
            end = len(w.s)
        node = w.make_node(latexwalker.LatexCharsNode, parsing_state=parsing_state,
                           chars=w.s[pos:end], pos=pos, len=end - pos)
        return macrospec.ParsedVerbatimArgs(verbatim_chars_node=node), pos, end - pos


class _UrlArgs(macrospec.MacroStandardArgsParser):
    """``\\url{...}`` / ``\\href[opt]{url}{text}``: the URL is verbatim (``%`` and ``#`` are URL characters)."""

    def __init__(self, text_arg: bool):
        super().__init__(argspec="[{{" if text_arg else "{")
        self.text_arg = text_arg

    def parse_args(self, w, pos, parsing_state=None):
        s, start = w.s, pos
        while pos < len(s) and s[pos] in " \t\n":
            pos += 1
        if self.text_arg and pos < len(s) and s[pos] == "[":
            close = s.find("]", pos)
            pos = close + 1 if close != -1 else pos
        if pos >= len(s) or s[pos] != "{":
            return macrospec.ParsedMacroArgs(argnlist=[], argspec=""), start, 0
        depth, end = 0, pos
        while end < len(s):
            if s[end] == "\\":
                end += 2
                continue
            if s[end] == "{":
                depth += 1
            elif s[end] == "}":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        url = w.make_node(latexwalker.LatexCharsNode, parsing_state=parsing_state,
                          chars=s[pos + 1:end], pos=pos + 1, len=max(0, end - pos - 1))
        pos = min(end + 1, len(s))
        args = [url]
        if self.text_arg:
            try:
                group, gpos, glen = w.get_latex_braced_group(pos, parsing_state=parsing_state)
                args.append(group)
                pos = gpos + glen
            except latexwalker.LatexWalkerError:
                pass
        return macrospec.ParsedMacroArgs(argnlist=args, argspec="{" * len(args)), start, pos - start


def _context() -> macrospec.LatexContextDb:
    db = latexwalker.get_default_latex_context_db()
    db.add_context_category(
        "surveybuild-inputs",
        macros=[
            macrospec.MacroSpec("input", "{"),
            macrospec.MacroSpec("include", "{"),
            macrospec.MacroSpec("includegraphics", "*[[{"),
            macrospec.MacroSpec("graphicspath", "{"),
            macrospec.MacroSpec("bibliography", "{"),
            macrospec.MacroSpec("addbibresource", "[{"),
            macrospec.MacroSpec("bibliographystyle", "{"),
            macrospec.MacroSpec("documentclass", "[{["),
            macrospec.MacroSpec("usepackage", "[{["),
            macrospec.MacroSpec("RequirePackage", "[{["),
            macrospec.MacroSpec("url", args_parser=_UrlArgs(text_arg=False)),
            macrospec.MacroSpec("nolinkurl", args_parser=_UrlArgs(text_arg=False)),
            macrospec.MacroSpec("href", args_parser=_UrlArgs(text_arg=True)),
        ],
        environments=[macrospec.EnvironmentSpec(name, args_parser=_VerbatimEnvironment(name))
                      for name in VERBATIM_ENVIRONMENTS],
        prepend=True,
    )
    return db


_CONTEXT = _context()


def parse(text: str) -> tuple[latexwalker.LatexWalker, list]:
    """The walker and the top-level nodes of ``text`` (tolerant: never raises on odd LaTeX)."""
    walker = latexwalker.LatexWalker(text, latex_context=_CONTEXT, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    return walker, nodes or []


def walk(nodes):
    """Every node below ``nodes`` (depth first), arguments included."""
    for node in nodes or ():
        if node is None:
            continue
        yield node
        yield from walk(getattr(node, "nodelist", None))
        argd = getattr(node, "nodeargd", None)
        if argd is not None and getattr(argd, "argnlist", None):
            yield from walk(argd.argnlist)


def _arg(node, index: int = -1) -> str | None:
    """The text of a macro's argument (``index`` among the given ones), braces removed."""
    argd = node.nodeargd
    args = [a for a in (argd.argnlist if argd is not None else []) if a is not None]
    if not args:
        return None
    text = args[index].latex_verbatim()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text.strip()


@dataclass(frozen=True)
class Inputs:
    """The files a paper reads, relative to the main file's folder (TeX's working folder)."""

    tex: tuple[str, ...]  # the main file first, then every \input/\include'd file, in reading order
    graphics: tuple[str, ...]
    styles: tuple[str, ...]  # local .sty, .cls and .bst files
    bibs: tuple[Path, ...]  # the .bib files \bibliography names (wherever they are)
    bib_names: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    biblatex: bool = False  # the paper cites with biblatex (\addbibresource): latexmk runs biber

    @property
    def files(self) -> tuple[str, ...]:
        """Every file below the paper's folder that the paper needs to compile."""
        return self.tex + self.graphics + self.styles


class _Finder:
    def __init__(self, folder: Path, root: Path, bib_dirs: tuple[Path, ...]):
        self.folder, self.root, self.bib_dirs = folder, root, bib_dirs
        self.tex: list[str] = []
        self.graphics: list[str] = []
        self.styles: list[str] = []
        self.bibs: list[Path] = []
        self.bib_names: list[str] = []
        self.problems: list[Problem] = []
        self.biblatex = False
        self.graphicspath: list[str] = [""]

    def shown(self, rel: str) -> str:
        try:
            return (self.folder / rel).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(self.folder / rel)

    def local(self, rel: str) -> str | None:
        """``rel`` if it names a file inside the paper's folder."""
        p = PurePosixPath(rel)
        if p.is_absolute() or ".." in p.parts:
            return None
        return rel if (self.folder / rel).is_file() else None

    def read(self, rel: str) -> None:
        if rel in self.tex:
            return
        self.tex.append(rel)
        try:
            text = (self.folder / rel).read_text("utf-8", errors="replace")
        except OSError as exc:
            self.problems.append(Problem(Source(self.shown(rel)), f"cannot read: {exc.strerror}"))
            return
        try:
            walker, nodes = parse(text)
            for node in walk(nodes):
                if node.isNodeType(latexwalker.LatexMacroNode):
                    self.macro(node, walker, rel)
        except RecursionError:  # pylatexenc reads a group inside a group by recursion
            self.problems.append(Problem(Source(self.shown(rel)), TOO_DEEP))

    def missing(self, walker, node, rel: str, what: str, hint: str) -> None:
        line, col = walker.pos_to_lineno_colno(node.pos)
        self.problems.append(Problem(Source(self.shown(rel), line, col + 1), what, hint=hint))

    def macro(self, node, walker, rel: str) -> None:
        name = node.macroname
        arg = _arg(node)
        if name in ("input", "include"):
            if not arg:
                return
            candidates = [arg + ".tex"] if name == "include" else [arg + ".tex", arg]
            found = next((c for c in candidates if self.local(c)), None)
            if found is None:
                self.missing(walker, node, rel, f"\\{name}{{{arg}}}: file '{candidates[0]}' not found",
                             hint="paths are relative to the main .tex file's folder")
            else:
                self.read(found)
        elif name == "graphicspath" and arg is not None:
            _, nodes = parse(arg)
            self.graphicspath = [n.latex_verbatim()[1:-1].strip() for n in nodes
                                 if n.isNodeType(latexwalker.LatexGroupNode)] + [""]
        elif name == "includegraphics" and arg:
            found = self.graphic(arg)
            if found is None:
                self.missing(walker, node, rel, f"\\includegraphics{{{arg}}}: no such figure",
                             hint=f"tried {', '.join(GRAPHICS_EXTENSIONS[:4])}, ... below the paper's folder")
            elif found not in self.graphics:
                self.graphics.append(found)
        elif name in ("usepackage", "RequirePackage", "documentclass", "bibliographystyle") and arg:
            ext = {"documentclass": ".cls", "bibliographystyle": ".bst"}.get(name, ".sty")
            for item in arg.split(","):
                item = item.strip()
                found = self.local(item + ext) if item else None
                if found and found not in self.styles:
                    self.styles.append(found)
                    if ext != ".bst":
                        self.read_style(found)
        elif name in ("bibliography", "addbibresource") and arg:
            # biblatex's \addbibresource names one file, with its extension
            self.biblatex = self.biblatex or name == "addbibresource"
            for item in (arg.split(",") if name == "bibliography" else [arg]):
                item = item.strip()
                if not item or item in self.bib_names:
                    continue
                self.bib_names.append(item)
                file = item if item.endswith(".bib") else item + ".bib"
                path = next((d / file for d in (self.folder, *self.bib_dirs) if (d / file).is_file()), None)
                if path is None:
                    self.missing(walker, node, rel, f"\\{name}{{{item}}}: '{file}' not found",
                                 hint="put it next to the paper or in the survey folder")
                else:
                    self.bibs.append(path)

    def read_style(self, rel: str) -> None:
        """A local package may load other local packages."""
        text = (self.folder / rel).read_text("utf-8", errors="replace")
        try:
            walker, nodes = parse(text)
            for node in walk(nodes):
                if node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in ("usepackage", "RequirePackage"):
                    self.macro(node, walker, rel)
        except RecursionError:
            self.problems.append(Problem(Source(self.shown(rel)), TOO_DEEP))

    def graphic(self, name: str) -> str | None:
        for prefix in self.graphicspath:
            base = f"{prefix}{name}"
            if PurePosixPath(base).suffix and self.local(base):
                return base
            for ext in GRAPHICS_EXTENSIONS:
                if self.local(base + ext):
                    return base + ext
        return None


def find_inputs(main_tex: Path, root: Path | None = None, bib_dirs: tuple[Path, ...] = ()) -> Inputs:
    """Every file ``main_tex`` reads; problems for those that cannot be found.

    Paths of problems are shown relative to ``root`` (the survey folder).
    """
    main_tex = Path(main_tex)
    finder = _Finder(main_tex.parent, Path(root or main_tex.parent), tuple(bib_dirs))
    # TeX follows symbolic links: none in the paper's folder (its build folder too) may leave the survey
    links = paths.escaping_links(main_tex.parent, finder.root)
    if links:
        return Inputs((), (), (), (), (), tuple(links))
    finder.read(main_tex.name)
    finder.problems += _bib_problems(finder)
    return Inputs(tuple(finder.tex), tuple(finder.graphics), tuple(finder.styles), tuple(finder.bibs),
                  tuple(finder.bib_names), tuple(finder.problems), finder.biblatex)


def _bib_problems(finder: _Finder) -> list[Problem]:
    """The .bib files BibTeX will read: inside the survey folder, and held to refs.bib's rule
    (:func:`surveybuild.readers.bibread.tex_hazards`); the survey's own refs.bib was checked when it was read."""
    from .bibread import read_bib, tex_hazards, url_problems
    from .read import read_settings

    settings, _ = read_settings(finder.root)
    checked = (finder.root / settings.bib).resolve()
    problems: list[Problem] = []
    for bib in finder.bibs:
        shown = finder.shown(str(bib))
        outside = paths.problem(finder.root, bib, shown)
        if outside is not None:
            problems.append(outside)
        elif bib.resolve() != checked:
            text = bib.read_text("utf-8", errors="replace")
            problems += tex_hazards(text, shown, settings.bib_preamble) + url_problems(read_bib(text, shown)[0])
    return problems
