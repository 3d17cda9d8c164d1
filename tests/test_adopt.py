"""Issue 12, moving a real survey in: one regression test for each failure seen (docs/adopt.md).

One TeX compile in all (the imported table with symbols, wired in as ``import`` says).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool

from surveybuild.build import pipeline as build
from surveybuild.readers.bibread import read_bibs
from surveybuild.build.pipeline import Report
from surveybuild.checks.check import check_survey
from surveybuild.cli import print_report
from surveybuild.init import init
from surveybuild.renderers.latex import table_preamble
from surveybuild.model import Problem, Source
from surveybuild.readers.read import read_survey
from surveybuild.build.texlog import read_blg

TABLE = r"""\begin{table}
\caption{Models.}
\begin{tabular}{lll}
\toprule
Model & Open & Chat \\
\midrule
Alpaca \cite{taori2023alpaca} & \checkmark{} v2 & \ding{55} partly \\
Edited \cite{both2020} & \ding{51} & \checkmark \\
\bottomrule
\end{tabular}
\end{table}
"""

BOTH = """
@book{both2020,
  author = {Writer, Ann},
  editor = {Editor, Ed},
  title = {A Book},
  publisher = {P},
  year = {2020}
}
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveybuild", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def survey(tmp_path) -> Path:
    root = tmp_path / "s"
    assert init(root).ok
    return root


def test_imported_symbols_compile_without_editing_the_preamble(survey, tmp_path):
    """✓/\\ding cells needed amssymb/pifont in main.tex, else the paper failed (and 115 false undefined refs)."""
    require_tool("latexmk")
    (survey / "refs.bib").write_text((survey / "refs.bib").read_text("utf-8") + BOTH, "utf-8")
    both_line = (survey / "refs.bib").read_text("utf-8").splitlines().index("@book{both2020,") + 1
    source = tmp_path / "old.tex"
    source.write_text(TABLE, "utf-8")
    imported = run("-C", str(survey), "import", str(source))
    assert imported.returncode == 0, imported.stderr
    # import says how to show the table; check warns while it is shown nowhere
    lines = re.findall(r"^  (\S+): (.*?)(?:  \(writes .*\))?$", imported.stderr, re.M)
    assert lines == [("templates/README.md.j2", '{{ table("old") }}'), ("paper/main.tex", r"\input{tables/old}")]
    checked = run("-C", str(survey), "build")
    assert "tables/old.yaml:1:1: warning: table 'old' is shown neither in the README nor in the paper" in checked.stderr
    template = survey / "templates/README.md.j2"
    template.write_text(template.read_text("utf-8").replace("## References", lines[0][1] + "\n\n## References"))
    main = survey / "paper/main.tex"
    head, _, tail = main.read_text("utf-8").rpartition("\n\\bibliographystyle")  # the line, not a comment
    main.write_text(head + "\n" + lines[1][1] + "\n\\bibliographystyle" + tail)
    paper = run("-C", str(survey), "paper")
    assert paper.returncode == 0, paper.stderr
    assert "shown neither" not in paper.stderr and "undefined" not in paper.stderr
    preamble = (survey / "paper/tables/preamble.tex").read_text("utf-8")
    assert "\\usepackage{amssymb}" in preamble  # for \\checkmark
    # BibTeX's own warning, at the entry it names
    assert (f"refs.bib:{both_line}: warning: BibTeX: can't use both author and editor fields in both2020"
            in paper.stderr), paper.stderr


def test_the_preamble_loads_only_what_the_tables_use():
    # (under pdflatex amssymb is always loaded: the characters escape() writes as math symbols need it)
    assert "amssymb" not in table_preamble(["plain \\textbf{x}"], "lualatex")
    assert "graphicx" not in table_preamble(["plain \\textbf{x}"]) and "pifont" not in table_preamble(["x"])
    text = table_preamble([r"\checkmark", r"\xmark \rotatebox{90}{a}"])
    assert "\\usepackage{amssymb}" in text and "\\usepackage{graphicx}" in text
    assert "\\providecommand\\xmark{\\ding{55}}" in text and "\\usepackage{pifont}" in text


def test_a_table_may_not_take_the_preamble_s_name(survey):
    (survey / "tables/example.yaml").rename(survey / "tables/preamble.yaml")
    problems = [str(p) for p in build.build(survey).errors]
    assert any("table id 'preamble' is reserved" in p for p in problems), problems


def test_bibliography_in_several_files_with_strings_defined_in_another(survey):
    """\\bibliography{abbrev,refs}: @string names of abbrev.bib used in refs.bib; a strings-only file is legal."""
    (survey / "abbrev.bib").write_text("@string{SV = {Springer}}\n@string{NIPS = {NeurIPS}}\n", "utf-8")
    refs = survey / "refs.bib"
    refs.write_text(refs.read_text("utf-8") + "\n@book{sv2020,\n  author = {A, B},\n  title = {T},\n"
                    "  publisher = SV # { Verlag},\n  series = NIPS,\n  month = July,\n  year = {2020}\n}\n", "utf-8")
    july = refs.read_text("utf-8").splitlines().index("  month = July,") + 1
    main = survey / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\bibliography{refs}", "\\bibliography{abbrev,refs}")
                    .replace("\\section{Models}", "\\section{Models}\\nocite{sv2020}"), "utf-8")
    report = build.build(survey)
    assert [str(p) for p in report.errors] == [
        f"refs.bib:{july}: error: entry 'sv2020', field 'month': 'July' is not a defined @string name: BibTeX "
        "leaves the field empty (write month = jul (BibTeX defines jan ... dec, not 'July'), or month = {July})"]
    refs.write_text(refs.read_text("utf-8").replace("month = July", "month = jul"), "utf-8")
    report = build.build(survey)
    assert report.ok, "\n".join(map(str, report.problems))
    entry = next(e for e in read_survey(survey).bib if e.key == "sv2020")
    assert entry.source == Source("refs.bib", july - 5) and entry.get("series") == "NeurIPS"


def test_duplicate_keys_name_both_lines_in_their_own_files():
    _, problems = read_bibs([("a.bib", "@misc{k, title={A}}\n"), ("b.bib", "\n@misc{x, title={X}}\n@misc{k, title={B}}\n")])
    assert [str(p) for p in problems] == [
        "b.bib:3: error: duplicate entry key 'k' (first defined at a.bib:1) "
        "(keep one entry under this key and rename or delete the other)"]


def test_a_crossref_target_is_used(survey):
    refs = survey / "refs.bib"
    refs.write_text(refs.read_text("utf-8") + "\n@inproceedings{part2020,\n  author = {A, B},\n  title = {Part},\n"
                    "  crossref = {proc2020}\n}\n\n@proceedings{proc2020,\n  editor = {E, F},\n  title = {Proc},\n"
                    "  year = {2020}\n}\n\n@misc{alone2020,\n  author = {A, B},\n  title = {Alone},\n"
                    "  year = {2020}\n}\n", "utf-8")
    main = survey / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\section{Models}", "\\section{Models}\\nocite{part2020}"))
    never = [p.message for p in check_survey(read_survey(survey)) if "never cited" in p.message]
    assert never == ["entry 'alone2020' is never cited"]


def test_bibtex_warnings_are_read_from_the_blg():
    blg = ("Database file #1: refs.bib\nWarning--can't use both author and editor fields in k1\n"
           "Warning--I didn't find a database entry for \"gone\"\nWarning--string name \"july\" is undefined\n"
           "--line 22 of file refs.bib\nI was expecting a `,' or a `}'---line 12 of file ./refs.bib\n")
    found = [(e.name, e.file, e.line, e.text) for e in read_blg(blg)]
    assert found == [("k1", "", 0, "can't use both author and editor fields in k1"),
                     ("", "refs.bib", 22, 'string name "july" is undefined'),
                     ("", "refs.bib", 12, "error: I was expecting a `,' or a `}'")]


def test_an_identical_message_is_printed_once_with_a_count(capsys):
    same = Problem(Source("t.tex", 3), "header misread", "warning")
    print_report(Report(problems=[same, same, same, Problem(Source("u.tex", 1), "other", "warning")]),
                 sys.stdout)
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["t.tex:3: warning: header misread [3 times]", "u.tex:1: warning: other"]


def test_a_cited_entry_with_a_macro_pdflatex_does_not_know_fails_before_tex(survey):
    """An author S\\vasa broke main.bbl, then 322 'is X in refs.bib?' errors followed."""
    require_tool("kpsewhich")
    refs = survey / "refs.bib"
    refs.write_text(refs.read_text("utf-8") + "\n@article{vasa2019,\n  author = {S\\vasa, Jan and M\\\"uller, K. and "
                    "\\noopsort{a}Zed and \\myname},\n  title = {On $\\alpha$ and {\\v{C}}ech},\n  journal = {J},\n"
                    "  year = {2019}\n}\n", "utf-8")
    line = refs.read_text("utf-8").splitlines().index("@article{vasa2019,") + 1
    (survey / "strings.bib").write_text('@preamble{"\\providecommand{\\noopsort}[1]{}"}\n', "utf-8")
    settings = survey / "surveybuild.yaml"  # a survey that reviews its @preamble lets it through (docs/robustness.md)
    settings.write_text((settings.read_text("utf-8") if settings.exists() else "") + "bib_preamble: true\n", "utf-8")
    main = survey / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\bibliography{refs}", "\\bibliography{strings,refs}")
                    .replace("\\title{", "\\newcommand{\\myname}{Me}\n\\title{")
                    .replace("\\section{Models}", "\\section{Models}\\nocite{vasa2019}"), "utf-8")
    assert [str(p) for p in build.build(survey).errors] == [
        f"refs.bib:{line}: error: entry 'vasa2019', field 'author': \\vasa is not a command pdflatex knows with "
        "the paper's class and packages: TeX would stop in main.bbl (an accent needs braces: write \\v{a}sa, not "
        "\\vasa; or define \\vasa in the paper's preamble)"]
    refs.write_text(refs.read_text("utf-8").replace("S\\vasa", "S\\v{a}sa"), "utf-8")
    assert build.build(survey).ok


def test_an_edit_to_a_bib_file_the_paper_names_is_not_missed_by_the_no_op_cache(survey):
    (survey / "bibs").mkdir()
    (survey / "bibs/abbrev.bib").write_text("@string{NIPS = {NeurIPS}}\n", "utf-8")
    refs = survey / "refs.bib"
    refs.write_text(refs.read_text("utf-8") + "\n@inproceedings{n2020,\n  author = {A, B},\n  title = {T},\n"
                    "  booktitle = NIPS,\n  year = {2020}\n}\n", "utf-8")
    main = survey / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\bibliography{refs}", "\\bibliography{../bibs/abbrev,refs}")
                    .replace("\\section{Models}", "\\section{Models}\\nocite{n2020}"), "utf-8")
    assert run("-C", str(survey), "build").returncode == 0
    assert run("-C", str(survey), "build").returncode == 0  # a no-op now
    (survey / "bibs/abbrev.bib").write_text("@string{NEURIPS = {NeurIPS}}\n", "utf-8")
    again = run("-C", str(survey), "build")
    assert again.returncode == 1 and "'NIPS' is not a defined @string name" in again.stderr, again.stderr
