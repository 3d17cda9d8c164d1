"""Cite commands in the paper's own ``.tex`` files, found by pylatexenc's LaTeX walker.

Starred forms, optional arguments and comma lists are understood; commented-out
cites are not cites. The generated ``paper/tables/`` are skipped: their cites
come from the YAML and are checked there.
"""

from __future__ import annotations

import re

from pylatexenc import latexwalker, macrospec

from . import citescan
from ..model import Problem, Source, TexCite

CITE_COMMANDS = (
    "cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear", "citeyearpar",
    "citenum", "Citep", "Citet", "Citealp", "Citeauthor", "parencite", "textcite", "autocite",
    "footcite", "nocite", "Parencite", "Textcite", "Autocite", "smartcite", "Smartcite", "supercite",
    "footcitetext", "fullcite", "citetitle", "Citetitle",
    # apacite
    "citeA", "citeNP", "citeyearNP", "citeauthorNP", "shortcite", "shortciteA", "shortciteNP",
    "shortciteauthor", "fullciteA", "fullciteNP",
    # biblatex
    "Citealt",
)
#: The cite commands only biblatex defines: a survey whose ``cite_command`` is one cites with biblatex (``init
#: --biblatex``), any other with natbib (:func:`surveybuild.renderers.latex.cite_family`).
BIBLATEX_CITES = frozenset({"parencite", "Parencite", "textcite", "Textcite", "autocite", "Autocite", "footcite",
                            "smartcite", "Smartcite", "supercite"})
#: the natbib command each other family's cite command is written as in an imported table
NATBIB = {
    "citeA": "citet", "shortciteA": "citet", "fullciteA": "citet", "textcite": "citet", "Textcite": "Citet",
    "citeNP": "citealp", "shortciteNP": "citealp", "fullciteNP": "citealp",
    "citeyearNP": "citeyear", "citeauthorNP": "citeauthor", "shortciteauthor": "citeauthor",
    "shortcite": "citep", "fullcite": "citep", "parencite": "citep", "Parencite": "Citep", "autocite": "citep",
    "Autocite": "Citep", "footcite": "citep", "footcitetext": "citep", "smartcite": "citep",
    "Smartcite": "Citep", "supercite": "citep", "cite": "citep",
}


def _context() -> macrospec.LatexContextDb:
    db = latexwalker.get_default_latex_context_db()
    db.add_context_category(
        "surveybuild-cites",
        macros=[macrospec.MacroSpec(name, "*[[{") for name in CITE_COMMANDS],
        prepend=True,
    )
    return db


_CONTEXT = _context()
_COMMANDS = frozenset(CITE_COMMANDS)


_COMMENT = re.compile(r"(?<!\\)%.*")
_INPUT = re.compile(r"\\(?:input|include)\s*\{\s*(?:\./)?tables/([^{}/]+?)(?:\.tex)?\s*\}")


def table_inputs(text: str) -> set[str]:
    """The ids of the generated tables (``tables/<id>``) a paper file ``\\input``s, commented-out lines aside."""
    if "tables/" not in text:
        return set()
    return set(_INPUT.findall(_COMMENT.sub("", text)))


_BIB = re.compile(r"\\(?:bibliography\s*\{([^{}]*)\}|addbibresource\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\})")


def bib_resources(text: str, path: str) -> list[tuple[str, Source]]:
    """The .bib files a paper file names (``\\bibliography{a,b}``, ``\\addbibresource{c.bib}``), with .bib added."""
    if "\\bibliography" not in text and "\\addbibresource" not in text:
        return []
    found = []
    for m in _BIB.finditer(_COMMENT.sub(lambda c: " " * len(c.group(0)), text)):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) is not None:
            names = [n.strip() for n in m.group(1).split(",")]
            found += [(n if n.endswith(".bib") else n + ".bib", Source(path, line)) for n in names if n]
        elif m.group(2).strip():
            found.append((m.group(2).strip(), Source(path, line)))
    return found


def read_cites(text: str, path: str) -> tuple[list[TexCite], list[Problem]]:
    walker = latexwalker.LatexWalker(text, latex_context=_CONTEXT, tolerant_parsing=True)
    found = citescan.scan(text, path, _COMMANDS, walker.pos_to_lineno_colno)  # the plain file, fast
    if found is not None:
        return found, []
    return walk_cites(text, path, walker)


def walk_cites(text: str, path: str, walker=None) -> tuple[list[TexCite], list[Problem]]:
    """The cites as pylatexenc's walker finds them, in any file."""
    walker = walker or latexwalker.LatexWalker(text, latex_context=_CONTEXT, tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except latexwalker.LatexWalkerError as exc:  # pragma: no cover - tolerant mode rarely raises
        return [], [Problem(Source(path), f"could not read LaTeX: {exc}")]
    cites: list[TexCite] = []
    _walk(nodes, walker, path, cites)
    return cites, []


def _walk(nodes, walker, path: str, out: list[TexCite]) -> None:
    for node in nodes or ():
        if node is None:
            continue
        if node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in CITE_COMMANDS:
            args = node.nodeargd.argnlist if node.nodeargd else []
            keys_node = args[-1] if args else None
            if keys_node is not None:
                raw = keys_node.latex_verbatim().strip("{}")
                offset = 1
                for key in raw.split(","):
                    stripped = key.strip()
                    if stripped and (stripped != "*" or node.macroname == "nocite"):  # \nocite{*}: every entry
                        lead = len(key) - len(key.lstrip())
                        line, col = walker.pos_to_lineno_colno(keys_node.pos + offset + lead)
                        out.append(TexCite(stripped, node.macroname, Source(path, line, col + 1)))
                    offset += len(key) + 1
            continue
        _walk(getattr(node, "nodelist", None), walker, path, out)
        argd = getattr(node, "nodeargd", None)
        if argd is not None and argd.argnlist:
            _walk(argd.argnlist, walker, path, out)
