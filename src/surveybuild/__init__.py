"""surveybuild: one YAML source for a survey's LaTeX tables and its README."""

__version__ = "0.1.0"
