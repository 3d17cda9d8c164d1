"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest

INSTALL = ("apt-get install -y --no-install-recommends latexmk texlive-latex-recommended texlive-latex-extra "
           "texlive-fonts-recommended texlive-bibtex-extra lmodern poppler-utils")


def require_tool(name: str) -> None:
    """Skip on a laptop without ``name``; fail in CI, where every tool must be installed."""
    if shutil.which(name):
        return
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing in CI: {INSTALL}")
    pytest.skip(f"{name} is not installed ({INSTALL})")
