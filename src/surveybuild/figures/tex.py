""":class:`~surveybuild.figures.plot.Plot` -> the paper's figure: pgfplots code, set in the paper's own fonts.

The same plot as the README's SVG (:mod:`surveybuild.figures.svg`): the same dots, lanes, label
lines and colours, in the same geometry. Two texts: the picture (``<id>.pgf``, pgfplots code) and
the ``figure`` float (``<id>.tex``: caption, label and ``\\includegraphics`` of the picture drawn
into :data:`DRAWINGS` by ``surveybuild paper``, :mod:`surveybuild.build.texfigures`), so the paper's
own passes never load pgfplots. Pure text: no TeX runs at build time, and a figure with nothing
changed is byte-identical.
"""

from __future__ import annotations

from .plot import AXIS_WIDTH_IN, LABEL_GAP_IN, Plot, month_ticks
from ..texlang.escape import escape
from ..renderers.templating import latex_env


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


#: Where ``surveybuild paper`` puts each figure's drawn picture, relative to the paper's folder
#: (below its build folder: made by the build, never committed).
DRAWINGS = "build/figures"


def drawing(figure_id: str) -> str:
    """The drawn picture of a figure, as the paper's ``\\includegraphics`` names it."""
    return f"{DRAWINGS}/{figure_id}.pdf"


def render_tex(plot: Plot, source: str) -> tuple[str, str]:
    """The figure environment and its picture (pgfplots code); raises
    :class:`surveybuild.texlang.escape.UnencodableText` for a label pdflatex cannot set."""
    env = latex_env()
    common = dict(id=plot.id, source=source, drawing=drawing(plot.id))
    figure = env.get_template("figure.tex.j2").render(**common, caption=plot.caption)
    return figure, env.get_template("figure.pgf.j2").render(**{**_picture(plot, source), **common})


def _picture(plot: Plot, source: str) -> dict:
    """What the picture's template draws."""
    common = dict(id=plot.id, kind=plot.kind, source=source, series=plot.series,
                  width=_num(AXIS_WIDTH_IN), height=_num(plot.height_in), gap=_num(LABEL_GAP_IN))
    if plot.kind == "timeline":
        first, last = plot.x_range
        ticks = month_ticks(first, last)
        bottom = plot.lanes[-1][1]
        points = [" ".join(f"({i.x},{_num(i.y)})" for i in plot.items if i.series == s)
                  for s in range(len(plot.series))]
        lanes = [dict(top=_num(top), bottom=_num(low), middle=_num((top + low) / 2), title=escape(s.title))
                 for s, (top, low) in zip(plot.series, plot.lanes)]
        items = [dict(x=i.x, y=_num(i.y), label=escape(i.label)) for i in plot.items]
        return dict(
            **common, xmin=first, xmax=last, ymin=-0.05, ymax=_num(bottom + 0.05),
            xticks=[x for x, _ in ticks], xlabels=[f"\\textbf{{{t}}}" if x % 12 == 0 else t for x, t in ticks],
            lanes=lanes, points=points, items=items)
    totals = [sum(c[i] for c in plot.counts) for i in range(len(plot.years))]
    points = [" ".join(f"({y},{n})" for y, n in zip(plot.years, counts)) for counts in plot.counts]
    return dict(
        **{**common, "series": [s.__class__(s.key, escape(s.title), s.colour) for s in plot.series]},
        xmin=_num(plot.years[0] - 0.6), xmax=_num(plot.years[-1] + 0.6), ymin=0, ymax=_num(max(totals) * 1.15 + 0.5),
        xticks=list(plot.years), xlabels=[str(y) for y in plot.years], points=points,
        totals=list(zip(plot.years, totals)))
