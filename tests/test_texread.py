"""texread.read_cites: cite commands in the paper's .tex files, with exact line:col of each key."""

from __future__ import annotations

import pytest

from surveybuild.texread import read_cites


def cites(tex: str) -> list[tuple[str, str, int, int]]:
    found, problems = read_cites(tex, "paper/main.tex")
    assert problems == []
    assert all(c.source.path == "paper/main.tex" for c in found)
    return [(c.key, c.command, c.source.line, c.source.col) for c in found]


@pytest.mark.parametrize("tex, expected", [
    pytest.param(r"\citep{a}", [("a", "citep", 1, 8)], id="simple"),
    pytest.param("Text \\citep{a} and more", [("a", "citep", 1, 13)], id="mid-line"),
    pytest.param("\n\n  \\cite{k}", [("k", "cite", 3, 9)], id="third-line"),
    pytest.param(r"\citet*{a}", [("a", "citet", 1, 9)], id="starred"),
    pytest.param(r"\cite[p.~1]{a}", [("a", "cite", 1, 13)], id="optional-arg"),
    pytest.param(r"\citet*[see][p.~3]{b, c}", [("b", "citet", 1, 20), ("c", "citet", 1, 23)],
                 id="starred-two-optional-args-comma-list"),
    pytest.param(r"\cite{ e ,f}", [("e", "cite", 1, 8), ("f", "cite", 1, 11)], id="spaces-in-list"),
    pytest.param(r"\citep{a,,b}", [("a", "citep", 1, 8), ("b", "citep", 1, 11)], id="empty-item"),
    pytest.param(r"\citep{a}\citep{b}", [("a", "citep", 1, 8), ("b", "citep", 1, 17)], id="two-on-a-line"),
    pytest.param("% \\cite{gone}\n\\cite{kept}", [("kept", "cite", 2, 7)], id="commented-line"),
    pytest.param("\\cite{a} % \\cite{b}", [("a", "cite", 1, 7)], id="trailing-comment"),
    pytest.param("50\\% \\cite{h}", [("h", "cite", 1, 12)], id="escaped-percent-is-not-a-comment"),
    pytest.param("TÜLU \\cite{a}", [("a", "cite", 1, 12)], id="columns-count-characters"),
    pytest.param(r"\footnote{see \citet{k}}", [("k", "citet", 1, 22)], id="inside-argument"),
    pytest.param("\\begin{table}\n\\caption{x \\citep{g}}\n\\end{table}", [("g", "citep", 2, 19)],
                 id="inside-environment"),
    pytest.param(r"\nocite{*}", [], id="nocite-star"),
    pytest.param(r"\nocite{d}", [("d", "nocite", 1, 9)], id="nocite"),
    pytest.param(r"\citealp{a} \parencite{b} \textcite{c}",
                 [("a", "citealp", 1, 10), ("b", "parencite", 1, 24), ("c", "textcite", 1, 37)], id="other-commands"),
    pytest.param(r"\verb|\cite{v}| \cite{w}", [("w", "cite", 1, 23)], id="verbatim-ignored"),
    pytest.param(r"\citation{x} \citeA", [], id="not-cite-commands"),
    pytest.param("\\citep{a,\n  b}", [("a", "citep", 1, 8), ("b", "citep", 2, 3)], id="list-over-two-lines"),
    pytest.param("\\citep{\n  a,\n  b\n}", [("a", "citep", 2, 3), ("b", "citep", 3, 3)], id="one-key-per-line"),
])
def test_read_cites(tex, expected):
    assert cites(tex) == expected


def test_positions_point_at_the_key():
    tex = "Intro.\nAs shown~\\citep[e.g.][]{alpha, beta}, and \\citet{gamma}.\n"
    lines = tex.splitlines()
    for key, _, line, col in cites(tex):
        assert lines[line - 1][col - 1:].startswith(key), (key, line, col)
