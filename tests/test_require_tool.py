"""conftest.require_tool: a missing TeX tool skips on a laptop and fails in CI."""

from __future__ import annotations

import shutil

import pytest

import conftest


def test_present_tool_passes():
    conftest.require_tool("python3" if shutil.which("python3") else "sh")


def test_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-xyz"):
        conftest.require_tool("no-such-tool-xyz")


def test_missing_tool_fails_in_ci_with_the_install_line(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as info:
        conftest.require_tool("no-such-tool-xyz")
    assert "no-such-tool-xyz" in str(info.value)
    assert "apt-get install" in str(info.value) and "latexmk" in str(info.value)
