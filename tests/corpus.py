"""Where the shared corpus of real survey files is (``../shared/corpus`` from the repository root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The corpus is never copied into the project: tests read it in place.
CORPUS = ROOT.parent / "shared" / "corpus"
REQUIRE = "SURVEYBUILD_REQUIRE_CORPUS"


def _shared(folder: Path, marker: str, what: str) -> Path:
    """``folder`` when it holds ``marker``; else skip the test, or fail it when ``SURVEYBUILD_REQUIRE_CORPUS`` is set (CI)."""
    if (folder / marker).is_file():
        return folder
    reason = f"{what} not at {folder} (expected ../shared beside the repository)"
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason}, and {REQUIRE} is set")
    pytest.skip(reason)


def corpus_path() -> Path:
    """The corpus of real survey files."""
    return _shared(CORPUS, "MANIFEST.tsv", "the shared corpus is")


#: Reference files beside the corpus (the upstream README two years on, the early README).
REFERENCE = ROOT.parent / "shared" / "reference"


def reference_path() -> Path:
    """The reference folder (the early and upstream READMEs)."""
    return _shared(REFERENCE, "upstream-README-2025-08.md", "the shared reference files are")
