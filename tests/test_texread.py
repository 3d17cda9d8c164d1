"""texread.read_cites: cite commands in the paper's .tex files, with exact line:col of each key."""

from __future__ import annotations

import pytest

from surveybuild.readers.texread import read_cites


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
    pytest.param(r"\nocite{*}", [("*", "nocite", 1, 9)], id="nocite-star"),  # every entry: check marks all used
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


# The fast scan (surveybuild.readers.citescan) must find exactly what the walker finds, or step aside.

from surveybuild.readers import citescan, texread  # noqa: E402
from surveybuild.readers.texread import walk_cites  # noqa: E402


def _fast(tex: str):
    walker = texread.latexwalker.LatexWalker(tex, latex_context=texread._CONTEXT, tolerant_parsing=True)
    return citescan.scan(tex, "paper/main.tex", texread._COMMANDS, walker.pos_to_lineno_colno)


def _as_tuples(found):
    return [(c.key, c.command, c.source.line, c.source.col) for c in found]


TRICKY = [
    r"\end{y} \cite{a}", r"} \cite{a}", r"\begin{x} \cite{a}", r"$ \cite{a}", r"\item[\cite[p]{x}] \cite{b}",
    r"\footnote\cite{x}", r"\textbf \cite{x}", "\\textbf %c\n\\cite{x}", r"a]\cite{b}",
    r"\section[\cite{a}]{\cite{b}}", "\\cite{a}\n\n\\cite{b}", "\\cite{a\n\nb}", r"\(\cite{a}\]", r"\)\cite{z}",
    r"\begin{equation}\cite{a}\end{itemize}\cite{b}", r"\cite {k}", "\\cite\n{k}", r"\citeé{k}", r"\cite*",
    r"\cite{a{b}}", r"\cite{a\_b}", r"\cite{a%b}", r"\newcommand{\mc}[1]{\cite{#1}}", r"\\\cite{a}", r"\\ \cite{a}",
    r"\verb+\cite{v}+ \cite{w}", "\\begin{verbatim}\n\\cite{v}\n\\end{verbatim}\n\\cite{w}", "\\cite{a}\r\n\\cite{b}",
    r"\cite[{x}]{a}", r"\cite[a][b][c]{d}", r"$x$ \cite{a} $y", r"\cite{a}{b}", r"\nocite{*} \cite{*,a}",
    "~\\citep{a}.", r"(\citealp{a}; \citealt{b})", r"\emph{\citep{w}}",
]


@pytest.mark.parametrize("tex", TRICKY)
def test_fast_scan_agrees_with_the_walker_or_steps_aside(tex):
    fast = _fast(tex)
    walked, _ = walk_cites(tex, "paper/main.tex")
    if fast is not None:
        assert _as_tuples(fast) == _as_tuples(walked)
    assert _as_tuples(read_cites(tex, "paper/main.tex")[0]) == _as_tuples(walked)


def test_fast_scan_agrees_with_the_walker_on_random_text():
    import random

    pieces = [r"\cite{a}", r"\citep{a,b}", r"\citet*[see][p.~3]{c}", r"\cite[x]{d}", " ", "\n", "\n\n", "%",
              "% \\cite{z}\n", "{", "}", "$", r"\foo", r"\foo{x}", "\\\\", r"\%", r"\{", r"\}", "[", "]", "text",
              "~", r"\begin{itemize}", r"\end{itemize}", r"\item", r"\item[\cite{q}]", r"\(", r"\)", r"\[", r"\]",
              "#", r"\textbf", r"\footnote{", "é", r"\citeé", r"\nocite{*}", r"\cite {k}", r"\cite", "{a,\n b}",
              r"\begin{x}", r"\end{y}", r"\cite{a}{b}", r"\cite*", r"\ ", r"\,", "^", "_", "''", "--",
              r"\cite{ e ,f}", r"\cite{a,,b}"]
    rng = random.Random(6)
    compared = 0
    for _ in range(3000):
        tex = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        fast = _fast(tex)
        if fast is not None:
            compared += 1
            assert _as_tuples(fast) == _as_tuples(walk_cites(tex, "paper/main.tex")[0]), tex
    assert compared > 500


def test_fast_scan_reads_the_generated_paper_and_the_corpus_like_the_walker(tmp_path):
    import sys

    from conftest import ROOT
    from corpus import CORPUS

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(tmp_path / "s", rows=60, entries=300)
    generated = sorted((tmp_path / "s" / "paper").rglob("*.tex"))
    files = generated + sorted(CORPUS.rglob("*.tex")) + sorted(ROOT.glob("paper/**/*.tex"))
    for path in files:
        tex = path.read_text("utf-8", "replace")
        fast = _fast(tex)
        if path in generated:
            assert fast is not None, f"{path}: the generated paper should take the fast path"
        if fast is not None:
            assert _as_tuples(fast) == _as_tuples(walk_cites(tex, "paper/main.tex")[0]), path
