"""A long typewriter identifier in a table cell (docs/paper.md, "How a table is set"): ``\\texttt{...}`` breaks after
its ``/ . - _`` as a URL does, and the fitting counts its pieces, not the whole word. One TeX build."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import require_tool
from typeset_checks import log_defects, outside_text_block

from surveybuild.build import pipeline as build
from surveybuild.model import Column
from surveybuild.renderers import fit

MAIN = r"""\documentclass{article}
\input{tables/preamble}
\usepackage{url}
\usepackage{hyperref}
\input{tables/_surveybuild}
\begin{document}
Table~\ref{tab:code} names entry points.
\input{tables/code}
\end{document}
"""
IDS = ("meta-llama/Llama-2-70b-chat-hf", "torch.nn.functional.scaled_dot_product_attention",
       "mistralai/Mixtral-8x7B-Instruct-v0.1", "transformers.models.llama.modeling_llama.LlamaAttention")


def _survey(root: Path) -> None:
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "surveybuild.yaml").write_text("paper_text_width: 345pt\npaper_text_height: 550pt\n", "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    rows = "".join(f"  - {{name: Method{r}, api: '\\texttt{{{IDS[r % 4].replace('_', chr(92) + '_')}}}', "
                   f"what: '{'fuses attention kernels for long inputs on one device ' * 2}', how: half precision "
                   "with paged caches}\n" for r in range(6))
    (root / "tables" / "code.yaml").write_text(
        "caption: Code.\ncolumns:\n  - {key: name, title: Method}\n  - {key: api, title: Entry point, type: latex}\n"
        "  - {key: what, title: Summary}\n  - {key: how, title: Setting}\nrows:\n" + rows, "utf-8")
    (root / "paper" / "main.tex").write_text(MAIN, "utf-8")


def test_a_long_typewriter_identifier_breaks_after_its_punctuation(tmp_path):
    """``\\texttt{torch.nn.functional.scaled\\_dot\\_product\\_attention}`` was one word TeX could not break (a
    typewriter font has no hyphenation, and no break after its ``-``): the fitting gave its column 60% of the line
    at scriptsize with tight separations. Each ``/ . - \\_`` before a letter or digit gets ``\\allowbreak{}``, the
    fitting counts the pieces between them, and the table is set at footnotesize, in the text block, with no
    overfull box; the PDF shows the identifiers split over lines."""
    require_tool("latexmk")
    require_tool("pdftotext")
    column = Column("api", "API", type="latex")
    assert fit.words(fit.shown_text(column, "\\texttt{meta-llama/Llama-2 Pre-fix} and x.y")) == [
        "meta-", "llama/", "Llama-", "2", "Pre-fix", "and", "x.y"]  # only a long typewriter word breaks
    assert fit.tt_breaks("\\texttt{abc\\.def\\-ghi.\\_jkl/-.x} \\texttt{{x}/yyyyyyyyyyyyyyyyy}", "|") == (
        "\\texttt{abc\\.def\\-ghi.\\_|jkl/-.|x} \\texttt{{x}/yyyyyyyyyyyyyyyyy}")  # not an accent, \-, nor in braces
    _survey(tmp_path)
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    tex = (tmp_path / "paper" / "tables" / "code.tex").read_text("utf-8")
    assert "\\texttt{torch.\\allowbreak{}nn.\\allowbreak{}functional." in tex
    assert "\\footnotesize" in tex and "landscape" not in tex and "\\tabcolsep" not in tex.split("\\begin{")[0]
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(pdf, log) == []
    words = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split()
    assert "Method5" in words and not set(IDS) & set(words)  # every identifier split over lines
    assert "torch.nn." in words or "torch.nn.functional." in words
