"""Where the shared corpus of real survey files is (``../shared/corpus`` from the repository root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The corpus is never copied into the project: tests read it in place.
CORPUS = ROOT.parent / "shared" / "corpus"
REQUIRE = "SURVEYBUILD_REQUIRE_CORPUS"


def corpus_path() -> Path:
    """The corpus folder; skips the test when it is absent, or fails when ``SURVEYBUILD_REQUIRE_CORPUS`` is set (CI)."""
    if (CORPUS / "MANIFEST.tsv").is_file():
        return CORPUS
    reason = f"the shared corpus is not at {CORPUS} (expected ../shared/corpus beside the repository)"
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason}, and {REQUIRE} is set")
    pytest.skip(reason)


#: Reference files beside the corpus (the upstream README two years on, the early README).
REFERENCE = ROOT.parent / "shared" / "reference"


def reference_path() -> Path:
    """The reference folder, with the same skip / fail rule as :func:`corpus_path`."""
    if (REFERENCE / "upstream-README-2025-08.md").is_file():
        return REFERENCE
    reason = f"the shared reference files are not at {REFERENCE} (expected ../shared/reference)"
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason}, and {REQUIRE} is set")
    pytest.skip(reason)
