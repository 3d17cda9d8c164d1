"""Readers: the only code that opens the survey's input files (YAML, refs.bib, .tex)."""
