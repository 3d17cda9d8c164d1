"""Renderers: model -> text (README, LaTeX tables, references). Pure; templates hold layout only."""
