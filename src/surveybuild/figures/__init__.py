"""Figures drawn from the tables' data: the plot (pure), then SVG for the README and pgfplots for the paper."""
