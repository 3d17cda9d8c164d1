""":class:`~surveybuild.figures.plot.Plot` -> SVG text, drawn by matplotlib, in a light and a dark theme.

matplotlib is imported here only, and this module only when a figure is drawn (not on a no-op,
not when the drawing cache holds the plot). The output is deterministic: no date, a fixed id
salt, glyphs as paths from matplotlib's own DejaVu Sans (no font of the machine is used), and
a fixed geometry (no tight bounding box).
"""

from __future__ import annotations

from .plot import AXIS_WIDTH_IN, FONT_PT, LABEL_GAP_IN, Plot, month_text, month_ticks

#: GitHub's text and muted colours (Primer), light and dark: the figure's background stays transparent.
THEMES = {
    "light": {"text": "#1f2328", "muted": "#59636e", "band": "#000000", "band_alpha": 0.045},
    "dark": {"text": "#e6edf3", "muted": "#9198a1", "band": "#ffffff", "band_alpha": 0.07},
}
LEFT_IN, RIGHT_IN, TOP_IN, BOTTOM_IN = 1.3, 0.1, 0.1, 0.3
RC = {
    "svg.hashsalt": "surveybuild",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": FONT_PT,
    "text.parse_math": False,  # a '$' in a name is a dollar sign
    "axes.unicode_minus": False,
    "path.simplify": False,
    "hatch.linewidth": 0.8,
}


def render_svg(plot: Plot, theme: str) -> str:
    import io

    import matplotlib
    from matplotlib.figure import Figure

    colours = THEMES[theme]
    with matplotlib.rc_context(RC):
        height = plot.height_in
        fig = Figure(figsize=(LEFT_IN + AXIS_WIDTH_IN + RIGHT_IN, TOP_IN + height + BOTTOM_IN), dpi=72)
        fig.patch.set_alpha(0.0)
        w, h = fig.get_size_inches()
        ax = fig.add_axes((LEFT_IN / w, BOTTOM_IN / h, AXIS_WIDTH_IN / w, height / h))
        ax.patch.set_alpha(0.0)
        for spine in ("top", "right", "left"):
            ax.spines[spine].set_visible(False)
        ax.spines["bottom"].set_color(colours["muted"])
        ax.tick_params(colors=colours["muted"], labelcolor=colours["text"], labelsize=FONT_PT)
        (_timeline if plot.kind == "timeline" else _count)(ax, plot, colours)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": "surveybuild (matplotlib)",
                                                 "Title": plot.alt})
    return out.getvalue()


def _timeline(ax, plot: Plot, colours: dict) -> None:
    first, last = plot.x_range
    bottom = plot.lanes[-1][1]
    ax.set_xlim(first, last)
    ax.set_ylim(bottom + 0.05, -0.05)
    ticks = month_ticks(first, last)
    ax.set_xticks([x for x, _ in ticks], [text for _, text in ticks])
    for tick, (x, _) in zip(ax.get_xticklabels(), ticks):
        if x % 12 == 0:
            tick.set_fontweight("bold")
    ticks, names = [], []
    for i, (s, (top, low)) in enumerate(zip(plot.series, plot.lanes)):
        ax.axhspan(top, low, color=colours["band"], alpha=colours["band_alpha"] if i % 2 == 0 else 0.0,
                   linewidth=0, zorder=0)
        ticks.append((top + low) / 2)
        names.append(s.title)
    ax.set_yticks(ticks, names)
    ax.tick_params(axis="y", length=0)
    for tick, s in zip(ax.get_yticklabels(), plot.series):
        tick.set_color(s.colour)
        tick.set_fontweight("bold")
    for item in plot.items:
        colour = plot.series[item.series].colour
        ax.plot([item.x], [item.y], marker="o", markersize=4, color=colour, linestyle="none", zorder=3)
        ax.annotate(item.label, (item.x, item.y), xytext=(LABEL_GAP_IN * 72, 0), textcoords="offset points",
                    ha="left", va="center", color=colours["text"], fontsize=FONT_PT, gid=month_text(item.x))


def _count(ax, plot: Plot, colours: dict) -> None:
    below = [0] * len(plot.years)
    for s, counts in zip(plot.series, plot.counts):
        ax.bar(plot.years, counts, bottom=below, color=s.colour, width=0.65, label=s.title, zorder=2)
        below = [a + b for a, b in zip(below, counts)]
    for year, total in zip(plot.years, below):
        ax.annotate(str(total), (year, total), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    color=colours["text"], fontsize=FONT_PT)
    ax.set_xticks(list(plot.years), [str(y) for y in plot.years])
    ax.set_xlim(plot.years[0] - 0.6, plot.years[-1] + 0.6)
    ax.set_ylim(0, max(below) * 1.15 + 0.5)
    ax.set_yticks([])
    legend = ax.legend(loc="upper left", frameon=False, fontsize=FONT_PT, labelcolor=colours["text"])
    legend.set_zorder(3)


__all__ = ["render_svg", "THEMES"]
