"""``figures/<id>.yaml`` -> :class:`Figure`, its shape checked against ``figure.schema.json``.

What the definition names (tables, columns) is checked against the survey later, in
:mod:`surveybuild.figures.plot`.
"""

from __future__ import annotations

from pathlib import PurePath

from . import yamlread as yr
from ..texlang.latextext import LatexFieldError
from ..model import Figure, Problem, Source
from .tableread import schema_problems

SCHEMA_NAME = "figure.schema.json"


def read_figure(text: str, path: str) -> tuple[Figure | None, list[Problem]]:
    """Build a figure from a YAML text; ``path`` is how messages name the file."""
    root, problems = yr.compose(text, path)
    if root is None:
        return None, problems
    data = yr.plain(root)
    if not isinstance(data, dict):
        return None, [Problem(yr.where(path, root), "a figure file must be a mapping with kind, caption and tables")]
    problems += schema_problems(root, data, path, SCHEMA_NAME, thing="figure")
    if problems:
        return None, problems
    nodes = {k: v for k, _, v in yr.items(root)}
    here = Source(path, 1, 1)

    def at(key: str) -> Source:
        return yr.where(path, nodes[key]) if key in nodes else here

    date = data.get("date", "date")
    column, derive = (date, None) if isinstance(date, str) else (date["column"], date.get("from"))
    date_node = nodes.get("date")
    date_at = at("date")
    if date_node is not None and not isinstance(date, str):
        column_node = yr.find(date_node, ("column",))
        date_at = yr.where(path, column_node) if column_node is not None else date_at
    caption = data["caption"]
    return Figure(
        id=str(data.get("id") or PurePath(path).stem),
        kind=data["kind"],
        caption=caption,
        alt=data.get("alt") or _plain(caption),
        tables=tuple((str(t), yr.where(path, n)) for t, n in zip(data["tables"], yr.elements(nodes["tables"]))),
        date=(column, date_at),
        derive=derive,
        label=(data.get("label"), at("label")),
        by=(data.get("by", "table"), at("by")),
        titles=tuple((str(k), str(v)) for k, v in (data.get("titles") or {}).items()),
        caption_source=at("caption"),
        source=here,
    ), []


def _plain(latex_text: str) -> str:
    """A LaTeX caption as plain text (for the alt text): its pieces' text, commands dropped."""
    from ..texlang.latextext import Text, to_pieces

    try:
        pieces = to_pieces(latex_text)
    except LatexFieldError:
        return latex_text
    return "".join(p.text for p in pieces if isinstance(p, Text)).strip() or latex_text
