"""The paper typesets every table as a careful author would (issue 13): one test per defect.

The embedded survey is compiled once (module fixture); a small synthetic survey with a wide table
and a 271-row table is compiled once more. Everything else renders text without TeX.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import SURVEYS, require_tool
from typeset_checks import (PAPER_SETUP, bad_breaks, log_defects, outside_text_block, pdf_text, rules_outside,
                            rules_outside_tables, svg_rules, trace_layout)
from surveybuild.build import pipeline as build
from surveybuild.renderers import fit, latex
from surveybuild.texlang import latextext
from surveybuild.checks.check import check_survey
from surveybuild.build import texlog
from surveybuild.model import Column, Row, Line, Settings, Source, Table, Value
from surveybuild.readers.read import read_survey

ROOT = Path(__file__).resolve().parents[1]


def _squash(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("ﬁ", "fi").replace("ﬂ", "fl")
    return re.sub(r"[\W_]+", "", text).casefold()


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    """The embedded survey, its paper built once: (root, survey, pdf, log)."""
    require_tool("latexmk")
    require_tool("pdftotext")
    work = tmp_path_factory.mktemp("typeset") / "survey"
    work.mkdir()
    for name in ("tables", "figures", "paper", "templates", "refs.bib", "surveybuild.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    shutil.rmtree(work / "paper" / "build", ignore_errors=True)
    trace_layout(work / "paper" / "main.tex")
    report = build.paper(work)
    assert report.ok, "\n".join(map(str, report.problems))
    log = (work / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    return work, read_survey(work), work / "paper" / "build" / "main.pdf", log


# -- clean typesetting, checked ------------------------------------------------------

def test_log_has_no_overfull_box_nor_float_too_large(paper):
    _, _, _, log = paper
    assert log_defects(log) == []


def test_no_text_box_outside_the_text_block(paper):
    """pdftotext -bbox-layout: every word of every page lies within the text block the log gives."""
    _, _, pdf, log = paper
    assert outside_text_block(pdf, log) == []


def test_rules_between_rows_stay_within_their_table(paper):
    """A rule between row groups of a long table once ran from the margin to the table's edge (a bare
    ``\\noalign{\\hrule}`` spans the alignment with its centring glue)."""
    _, _, pdf, _ = paper
    assert rules_outside_tables(pdf) == []


def test_the_rule_check_sees_a_rule_wider_than_its_table():
    def line(width: float, x: float, length: float, y: float) -> str:
        return (f'<path style="fill:none;stroke-width:{width};stroke:rgb(0%,0%,0%);" d="M 0 0 L {length} 0 "'
                f' transform="matrix(1,0,0,-1,{x},{y})"/>')
    svg = "\n".join([line(0.873, 172.2, 267.5, 386.7), line(0.327, 56.7, 498.6, 435.8),
                     line(0.327, 177.7, 256.6, 452.1), line(0.873, 172.2, 267.5, 528.2)])
    rules = svg_rules(svg)
    assert [r[0] for r in rules] == [386.7, 435.8, 452.1, 528.2]
    assert rules_outside(rules) == ["a rule at y=435.8bp spans 56.7-555.3bp, outside its table's 172.2-439.7bp"]
    assert rules_outside(rules[:1] + rules[2:]) == []


def test_the_checks_see_what_they_look_for(paper):
    """The same PDF against a text block 10pt narrower, a log with a box 2pt overfull, and a table's rows
    moved to another page one by one: each check reports it."""
    _, _, pdf, log = paper
    block = re.search(r"surveybuild: text block ([\d.]+)pt", log)
    narrower = log.replace(block.group(0), f"surveybuild: text block {float(block.group(1)) - 10}pt")
    assert outside_text_block(pdf, narrower)
    assert log_defects(log + "\nOverfull \\hbox (2.0pt too wide) in paragraph at lines 3--4\n\n")
    assert not log_defects(log + "\nOverfull \\hbox (0.5pt too wide) in paragraph at lines 3--4\n\n")
    assert log_defects(log + "\nLaTeX Warning: Float too large for page by 12.0pt on input line 7.\n")
    stranded = "\n".join(["surveybuild layout: tab:x head page 1 y 40000000",
                          *(f"surveybuild layout: tab:x row {n}.0 page 1 y {39000000 - n * 600000}" for n in range(1, 9)),
                          "surveybuild layout: tab:x foot page 1 y 3000000",
                          "surveybuild layout: tab:x head page 2 y 40000000",
                          "surveybuild layout: tab:x row 9.0 page 2 y 39000000",
                          "surveybuild layout: tab:x head page 3 y 40000000",
                          "surveybuild layout: tab:x note page 3 y 39000000"])
    assert bad_breaks(stranded) == ["tab:x: 1 printed line(s) of its rows (1 row line(s)) on page 2",
                                    "tab:x: its header over none of its rows on page 3",
                                    "tab:x: its notes begin on page 3, without its rows"]
    # the notes go on over a page: a figure above their second part, or below their first, is between
    # the table's last row and its last note; one after the last note is not
    split = "\n".join(["surveybuild layout: tab:x head page 1 y 40000000",
                        *(f"surveybuild layout: tab:x row {n}.0 page 1 y {39000000 - n * 600000}" for n in range(1, 9)),
                        "surveybuild layout: tab:x note page 1 y 30000000",
                        "surveybuild layout: fig:top figure page 2 y 30000000",
                        "surveybuild layout: tab:x note page 2 y 20000000",
                        "surveybuild layout: fig:after figure page 2 y 10000000"])
    assert bad_breaks(split) == ["tab:x: figure fig:top lands between its last row and its last note (page 2)"]
    assert bad_breaks(split.replace("fig:top figure page 2 y 30000000", "fig:top figure page 1 y 25000000")) == [
        "tab:x: figure fig:top lands between its last row and its last note (page 1)"]
    early = split.replace("fig:top figure page 2", "fig:top figure page 3")
    for n in (6, 7, 8):
        early = early.replace(f"row {n}.0 page 1", f"row {n}.0 page 2")
    assert bad_breaks(early) == ["tab:x: its notes begin on page 1, not with its last row on page 2"]


def test_by_the_logs_layout_marks_no_page_break_leaves_fewer_than_three_rows_or_a_header_over_no_rows(paper):
    """The log's layout marks: every page of a broken table holds at least 3 printed lines of its rows, every
    header and the notes' start stand over rows of their table; and some table does break."""
    _, _, _, log = paper
    assert bad_breaks(log) == []
    pages = {}
    for m in texlog.layout_marks(log):
        if m.what == "row":
            pages.setdefault(m.label, set()).add(m.page)
    assert any(len(p) > 1 for p in pages.values())


def _pages(pdf: Path) -> list[list[str]]:
    return [page.splitlines() for page in pdf_text(pdf, "-layout").split("\f")]


def _first_cells(survey) -> dict[int, list[str]]:
    """Table number (in the paper's order) -> the first cells of its rows, as printed."""
    order = re.findall(r"\\input\{tables/([^}]+)\}", (Path(survey.root) / survey.settings.paper).read_text("utf-8"))
    names = {}
    for n, table_id in enumerate([t for t in order if survey.table(t) is not None], start=1):
        table = survey.table(table_id)
        first = table.columns[0]
        names[n] = [latextext.plain_text(latextext.to_pieces(str(r.line.get(first.key).raw)))
                    if first.type == "latex" else str(r.line.get(first.key).raw) for r in table.rows]
    return names


def test_no_page_break_leaves_fewer_than_three_rows_or_a_header_over_no_rows(paper):
    """Every chunk of a long table (caption or "(continued)" header down to "Continued on next page" or the
    page's end) holds at least 3 of its rows."""
    _, survey, pdf, _ = paper
    names = _first_cells(survey)
    chunks = []
    for page_no, lines in enumerate(_pages(pdf), start=1):
        for i, line in enumerate(lines):
            m = re.search(r"Table (\d+): .*", line)
            if not m:
                continue
            continued = "(continued)" in line
            end = next((j for j in range(i + 1, len(lines)) if "Continued on next page" in lines[j]), None)
            if end is None and not continued:
                continue  # a table that does not break here: nothing to count
            region = lines[i + 1:end if end is not None else len(lines)]
            rows = sum(1 for text in region for name in names[int(m.group(1))]
                       if _squash(text.strip()).startswith(_squash(name)) and _squash(name))
            chunks.append((page_no, int(m.group(1)), rows))
    assert chunks, "the embedded survey has long tables that break"
    assert [c for c in chunks if c[2] < 3] == []


def test_long_table_notes_follow_its_last_row(paper):
    """Table 2 (models): all 21 rows on one page and its first note right under it (no lone UltraLM)."""
    _, _, pdf, _ = paper
    for lines in _pages(pdf):
        text = "\n".join(lines)
        if "Table 2: Instruction-tuned large language models." in text:
            assert "UltraLM" in text and "Airoboros" in text
            after = text[text.index("UltraLM"):]
            assert re.search(r"GitHub: https://github.com/lm-sys/FastChat", after)
            break
    else:
        pytest.fail("Table 2 not found")



def _unmarked(tex: str) -> str:
    """A generated table without its layout marks (``\\surveybuildmark{label}{what}``: nothing unless traced)."""
    return re.sub(r"\\surveybuildmark\{[^{}]*\}\{[^{}]*\}", "", tex)


def _fits_one_page(table, settings) -> bool:
    renderer = latex.TableRenderer(table, settings)
    renderer.body()
    share = fit.height_share(renderer.plan, table, [n.text for n in renderer.notes()], settings)
    return share <= latex.ONE_PAGE_SHARE


def test_no_table_that_fits_on_one_page_is_split(paper):
    """Every table whose estimated height (caption, header, rows, notes) fits on one page is printed on one
    page: its caption once, no "(continued)" part, no "Continued on next page", and all its rows there.
    Tables 2 and 8 (long tables: more than 30% of a page) broke 4 + 4 rows over pages 7-8 before."""
    _, survey, pdf, _ = paper
    order = re.findall(r"\\input\{tables/([^}]+)\}", (Path(survey.root) / survey.settings.paper).read_text("utf-8"))
    tables = [survey.table(t) for t in order if survey.table(t) is not None]
    fitting = {n for n, table in enumerate(tables, start=1) if _fits_one_page(table, survey.settings)}
    assert {2, 8} <= fitting and 1 not in fitting  # Table 1 (45 rows) must break
    names = _first_cells(survey)
    parts: dict[int, list[tuple[int, list[str]]]] = {}
    for page_no, lines in enumerate(_pages(pdf), start=1):
        for i, line in enumerate(lines):
            m = re.search(r"Table (\d+): ", line)
            if m:
                end = next((j for j in range(i + 1, len(lines)) if re.search(r"Table \d+: ", lines[j])), len(lines))
                parts.setdefault(int(m.group(1)), []).append((page_no, lines[i:end]))
    split = []
    for n in sorted(fitting):
        assert n in parts, f"Table {n} not found"
        below = parts[n][0][1]
        missing = [name for name in names[n] if _squash(name) and not any(
            _squash(text.strip()).startswith(_squash(name)[:8]) for text in below)]
        if len(parts[n]) > 1 or any("Continued on next page" in text for text in below) or missing:
            split.append((n, [p for p, _ in parts[n]], missing))
    assert split == []


def test_every_tables_caption_is_set_at_one_size(paper):
    """LaTeX sets a float's caption ``\\normalsize``, longtable its caption in the table's font: "Table 1:" over the
    long Table 1 was footnotesize, "Table 3:" over a float normal size. Every caption of the paper, a long table's
    first and continued ones too, now has its "Table" word as wide as every other's (the same font and size)."""
    _, _, pdf, _ = paper
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>\s*'
                       r'<word [^>]*>(\d+):</word>', pdf_text(pdf, "-bbox"))
    widths = [(int(n), round(float(b) - float(a), 1)) for a, b, word, n in words if word == "Table"]
    assert len({n for n, _ in widths}) >= 8 and len({w for _, w in widths}) == 1, widths


def test_a_long_table_that_fits_is_kept_whole_and_a_taller_one_still_breaks():
    """Every line of a long table that fits on one page ends in ``\\\\*`` (no break); one that does not
    fit keeps its breakpoints (and its ``\\\\*`` within 3 lines of either end)."""
    def ends(table: Table) -> list[str]:
        body = latex.render_table(table, Settings()).split("\\endlastfoot")[1].split("\\end{longtable}")[0]
        return [line.rsplit(" ", 1)[-1] for line in body.strip().splitlines() if line.endswith(("\\\\", "\\\\*"))]
    fits = ends(_table(3, 12, "short", layout="long"))
    assert fits == ["\\\\*"] * 11 + ["\\\\"]
    tall = ends(_table(3, 80, "short", layout="long"))
    assert tall[:2] == tall[-3:-1] == ["\\\\*"] * 2 and tall.count("\\\\") > 60


# -- notes never lost ------------------------------------------------------------------

def _marks_outside_notes(tex: str) -> str:
    return re.sub(r"\\begin\{(TableNotes|tablenotes)\}.*?\\end\{\1\}", "", tex, flags=re.S)


def test_every_note_has_its_mark_in_the_paper(built_survey):
    """Each defined note (and each row's URL note) is referenced by a mark in the table's body."""
    root = built_survey("root") if "root" in SURVEYS else built_survey("mini")
    survey = read_survey(root)
    for table in survey.tables:
        body = _marks_outside_notes(latex.render_table(table, survey.settings))
        for note in table.notes:
            label = latex.note_label(table, note.id)
            assert f"{{{label}}}" in body, f"{table.id}: note {note.id} has no mark"


def test_a_note_on_a_url_column_keeps_its_mark(built_survey):
    """Table 2's note on the Vicuna row's project link (a URL column, a note in the paper) is marked."""
    survey = read_survey(built_survey("root"))
    table = survey.table("models")
    vicuna = next(line for line in _unmarked(latex.render_table(table, survey.settings)).splitlines()
                  if line.startswith("Vicuna"))
    assert "\\ref{tn:models:vicuna_code}" in vicuna


def test_check_fails_when_a_note_would_have_no_mark(mini):
    """A note on a column the paper does not show would be listed without a mark: check says so."""
    survey = read_survey(mini)
    table = next(t for t in survey.tables if t.notes and any(r.notes for r in t.rows))
    col_key = table.rows[[bool(r.notes) for r in table.rows].index(True)].notes[0][0]
    path = mini / "tables" / f"{table.id}.yaml"
    text = path.read_text("utf-8")
    text = re.sub(rf"(\{{key: {col_key}, [^}}]*)\}}", r"\1, show: readme}", text, count=1)
    path.write_text(text, "utf-8")
    problems = [str(p) for p in check_survey(read_survey(mini))]
    assert any("would have no mark in the paper" in p for p in problems), problems


def test_one_link_notes_carry_their_label():
    columns = (Column("name", "Name"), Column("size", "Size"), Column("paper", "Paper", type="url"),
               Column("project", "Project", type="url"))
    row = Row(0, "A", Line((("name", Value("A", Source("t"))), ("project", Value("https://x.org", Source("t"))))))
    table = Table("t", "T", "tab:t", columns, (row,))
    assert latex.url_note_text(table, row) == "Project: \\url{https://x.org}"


def test_a_table_of_names_and_links_keeps_its_links_as_columns(built_survey):
    """Tables 6 and 7 (name + links) are not reduced to one column: the links stay columns."""
    survey = read_survey(built_survey("root"))
    for table_id in ("efficient", "eval_gpt"):
        table = survey.table(table_id)
        assert len(latex.paper_columns(table)) >= 2
        assert "\\url{" in latex.render_table(table, survey.settings).split("\\endlastfoot")[-1]


# -- row groups ---------------------------------------------------------------------------

def test_rows_of_several_lines_are_ruled_apart_and_top_aligned(built_survey):
    survey = read_survey(built_survey("root"))
    tex = latex.render_table(survey.table("mm_models"), survey.settings).split("\\endlastfoot")[-1]
    lines = tex.splitlines()
    at = next(i for i, line in enumerate(lines) if "{LLaVA~" in line)
    first, second, before = lines[at], lines[at + 1], lines[at - 1]
    assert "\\multirow[t]{3}{*}{158K}" in first  # Yes 158K on LLaVA's first line, not its middle
    assert before.startswith(("\\cmidrule", latex.kept_rule(7)))  # InstructPix2Pix's CLIP line is ruled off from LLaVA
    assert second.rstrip().endswith("\\\\*")  # a row's lines are never broken across pages


# -- one numbering, names, metadata ---------------------------------------------------------

def _numbers_disagree(root: Path, survey, pdf: Path) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The README's number of every work it cites, and those the PDF's bibliography numbers otherwise."""
    readme = (root / "README.md").read_text("utf-8")
    numbers = {k: int(n) for k, n in re.findall(r'<a id="ref-([^"]+)"></a>\\\[(\d+)\\\]', readme)}
    text = pdf_text(pdf, "-raw")
    bib = text[text.rindex("References"):].replace("\f", "\n")
    entries = {int(n): _squash(body) for n, body in re.findall(r"^\[(\d+)\] (.*?)(?=^\[\d+\] |\Z)", bib, re.S | re.M)}
    titles = {e.key: _squash(latextext.plain_text(latextext.to_pieces(e.get("title").replace("{", "").replace("}", ""))))
              for e in survey.bib}
    firsts = {e.key: _squash(re.split(r"\s+and\s+", e.get("author"))[0].split(",")[0].split()[-1])
              for e in survey.bib if e.get("author")}
    wrong = [(k, n) for k, n in numbers.items()
             if titles[k][:15] not in entries.get(n, "") and firsts.get(k, "-") not in entries.get(n, "")]
    return numbers, wrong


def test_readme_and_pdf_number_every_reference_alike(paper):
    """reference_order: citation (the embedded survey): UnifiedQA is [1] in both, and so on for every work."""
    root, survey, pdf, _ = paper
    numbers, wrong = _numbers_disagree(root, survey, pdf)
    assert numbers.get("khashabi2020unifiedqa") == 1
    assert len(numbers) > 100 and wrong == []


def test_alphabetical_order_numbers_alike_too(paper, tmp_path):
    """reference_order: alphabetical: plainnat in the paper, the same sort in the README."""
    root = tmp_path / "survey"
    shutil.copytree(paper[0], root, ignore=shutil.ignore_patterns("build"))
    settings = root / "surveybuild.yaml"
    settings.write_text(settings.read_text("utf-8").replace("reference_order: citation", "reference_order: alphabetical"),
                        "utf-8")
    report = build.paper(root)
    assert report.ok, "\n".join(map(str, report.problems))
    survey = read_survey(root)
    numbers, wrong = _numbers_disagree(root, survey, root / "paper" / "build" / "main.pdf")
    assert min(numbers, key=numbers.get) == "almazrouei2023falcon"  # Almazrouei is first alphabetically
    assert len(numbers) > 100 and wrong == []


def test_others_is_et_al_and_the_pdf_has_metadata(paper):
    root, survey, pdf, _ = paper
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(re.findall(r"^(\w+):[ \t]*(.*)$", info, re.M))
    assert fields["Title"] == survey.settings.title
    assert fields["Author"].startswith("Shengyu Zhang, Linfeng Dong") and "others" not in fields["Author"]
    assert fields["Keywords"] == ", ".join(survey.settings.keywords)
    first_page = pdf_text(pdf, "-l", "1")
    assert "et al." in first_page and "others" not in first_page.split("Abstract")[0]
    readme = (root / "README.md").read_text("utf-8")
    assert not re.search(r"\band others\b|, others\b", readme.split("## References")[-1])


def test_tex_time_and_no_op(paper, monkeypatch):
    """The paper's passes never load pgfplots: each figure is drawn once into its own PDF, in the paper's fonts
    (build/texfigures.py). A second `surveybuild paper` with nothing changed runs no TeX."""
    root, survey, pdf, log = paper
    assert "pgfplots.sty" not in log and "tikz.sty" not in log
    drawn = root / "paper" / "build" / "figures"
    assert sorted(p.name for p in drawn.glob("*.pdf")) == sorted(f"{f.id}.pdf" for f in survey.figures)
    fonts = subprocess.run(["pdffonts", str(drawn / "timeline.pdf")], capture_output=True, text=True).stdout
    assert "LMRoman8-Regular" in fonts  # \scriptsize of the paper's 11 pt Latin Modern
    from surveybuild.build import texrun

    monkeypatch.setattr(texrun.subprocess, "run", lambda *a, **k: pytest.fail("TeX ran on a no-op build"))
    assert build.paper(root).ok


# -- fitting ---------------------------------------------------------------------------------

def _table(ncols: int, nrows: int, cell: str, **kw) -> Table:
    columns = tuple(Column(f"c{i}", f"Column {i}") for i in range(ncols))
    rows = tuple(Row(r, f"r{r}", Line(tuple((c.key, Value(f"{cell} {r}", Source("t.yaml"))) for c in columns)))
                 for r in range(nrows))
    return Table("t", "T", "tab:t", columns, rows, **kw)


def _plan(table: Table, settings: Settings = Settings()) -> fit.Plan:
    return fit.plan(table, list(table.columns), [c.title for c in table.columns], settings)


def test_fitting_order_natural_wrap_font_landscape():
    narrow = _plan(_table(3, 5, "short"))
    assert narrow.reason == "natural" and narrow.widths == (None,) * 3  # a short table is not stretched
    words = "long words of text " * 4
    assert _plan(_table(4, 5, words)).reason == "wrap"
    many = _plan(_table(6, 5, "Transformer-based architectures"))
    assert (many.reason, many.landscape) in (("font", False), ("landscape", True))
    assert _plan(_table(14, 5, "Transformer-based", landscape=False)).landscape is False  # the survey decides
    assert _plan(_table(4, 5, words, fit="natural")).widths == (None,) * 4
    assert _plan(_table(4, 5, words, font="small")).font == "small"


def _shares(plan: fit.Plan) -> list[float]:
    """The columns' shares of the line a wrapping plan gives (``*k/1000``)."""
    return [int(w.rsplit("*", 1)[1].split("/")[0]) / 1000 for w in plan.widths]


def test_a_column_width_too_narrow_for_its_longest_word_is_not_kept():
    """A ``width:`` (here imported with the source's table) narrower than the column's longest word put that
    word into the margin (4 overfull boxes, 3-17pt, in a corpus survey's "Section" column): the width is
    kept where the word fits (TeX may break a word after its hyphens), and planned like any other column
    where it does not."""
    def table(width: str) -> Table:
        columns = (Column("a", "Area", width="0.28\\textwidth"), Column("b", "What", width="0.48\\textwidth"),
                   Column("c", "Section", width=width))
        rows = tuple(Row(r, f"r{r}", Line((("a", Value("Surveys and roadmaps", Source("t.yaml"))),
                                           ("b", Value("High-level surveys and position papers", Source("t.yaml"))),
                                           ("c", Value(f"sec:specification-requirements-{r}", Source("t.yaml"))))))
                     for r in range(4))
        return Table("t", "T", "tab:t", columns, rows)
    # the third width set aside, the author's two shares and what the third needs exceed the line: the shares
    # are scaled together (28:48 kept), in portrait (test_shares_of_the_line_are_proportions_scaled_to_fit)
    narrow = _plan(table("0.14\\textwidth"))
    assert narrow.reason == "wrap" and not narrow.landscape and "0.14" not in str(narrow.widths)
    assert abs(_shares(narrow)[0] / _shares(narrow)[1] - 28 / 48) < 0.01
    wide = _plan(table("0.5\\textwidth"))  # kept, with the others: 1.26 of the line, scaled to fit, 28:48:50
    assert [round(x * 126) for x in _shares(wide)] == [28, 48, 50]
    pinned = table("0.14\\textwidth")  # fit: natural, the survey's override, keeps the widths as written
    pinned = Table("t", "T", "tab:t", pinned.columns, pinned.rows, fit="natural")
    assert _plan(pinned).widths == ("0.28\\textwidth", "0.48\\textwidth", "0.14\\textwidth")
    # the embedded survey's Construction column (width: 3.5cm) holds "Generated/DeepSeek-" of
    # "GPT-Generated/DeepSeek-Generated": it keeps its width
    survey = read_survey(ROOT)
    datasets = survey.table("datasets")
    columns = latex.paper_columns(datasets)
    assert "3.5cm" in fit.plan(datasets, columns, [c.title for c in columns], survey.settings).widths


SYNTHETIC_MAIN = r"""\documentclass{article}
""" + PAPER_SETUP + r"""\begin{document}
Wide and long tables.
\input{tables/wide}
\input{tables/long}
\end{document}
"""


def _synthetic(root: Path) -> None:
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "paper" / "main.tex").write_text(SYNTHETIC_MAIN, "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    cols = "\n".join(f"  - {{key: c{i}, title: Description {i}}}" for i in range(8))
    rows = "\n".join("  - {" + ", ".join(f"c{i}: 'a rather long description of method {r} in column {i}'"
                                          for i in range(8)) + "}" for r in range(6))
    (root / "tables" / "wide.yaml").write_text(f"caption: Wide.\ncolumns:\n{cols}\nrows:\n{rows}\n", "utf-8")
    cols = "\n".join(f"  - {{key: c{i}, title: Attribute number {i}}}" for i in range(12))
    rows = "\n".join("  - {c0: row" + str(r) + ", " + ", ".join(f"c{i}: 'value{r}x{i} text'"
                                                             for i in range(1, 12)) + "}" for r in range(271))
    (root / "tables" / "long.yaml").write_text(f"caption: Long.\nlayout: long\ncolumns:\n{cols}\nrows:\n{rows}\n",
                                               "utf-8")


def test_wide_and_long_synthetic_tables_fit(tmp_path):
    """Eight columns of long text wrap; a 271-row, 12-column table goes landscape at the landscape width."""
    require_tool("latexmk")
    require_tool("pdftotext")
    _synthetic(tmp_path)
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    assert not [p for p in report.problems if "too wide" in p.message or "too large" in p.message]
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == []
    assert outside_text_block(tmp_path / "paper" / "build" / "main.pdf", log) == []  # landscape pages too
    assert bad_breaks(log) == []
    long_tex = (tmp_path / "paper" / "tables" / "long.tex").read_text("utf-8")
    assert "\\begin{landscape}" in long_tex
    pages = pdf_text(tmp_path / "paper" / "build" / "main.pdf", "-layout").split("\f")
    per_page = [len(re.findall(r"\brow\d+\b", p)) for p in pages]
    rows_pages = [n for n in per_page if n]
    assert sum(rows_pages) == 271
    assert min(rows_pages[:-1]) >= 15 and rows_pages[-1] >= 3  # not 7-9 rows a page


def test_shares_of_the_line_are_proportions_scaled_to_fit():
    """``p{0.29\\linewidth}p{0.49\\linewidth}p{0.18\\linewidth}`` (a corpus survey's) sums to 0.96 of the line
    and leaves out the column separations: 14-20pt into the margin. The shares are the author's proportions:
    scaled together to the line, in portrait, not set as written in landscape (where a share of \\linewidth
    is of the landscape line: 140pt over)."""
    def table(*shares: str, landscape=None) -> Table:
        columns = tuple(Column(f"c{i}", f"C{i}", type="latex", width=w) for i, w in enumerate(shares))
        rows = tuple(Row(r, f"r{r}", Line(tuple((c.key, Value("engagement per session (proxy)", Source("t.yaml")))
                                                for c in columns))) for r in range(3))
        return Table("t", "T", "tab:t", columns, rows, font="footnotesize", landscape=landscape)
    plan = _plan(table("0.29\\linewidth", "0.49\\linewidth", "0.18\\linewidth"))
    assert plan.reason == "wrap" and not plan.landscape
    assert [round(x * 96) for x in _shares(plan)] == [29, 49, 18]
    fits = _plan(table("0.3\\linewidth", "0.5\\linewidth"))  # 0.8 of the line and the separations fit: as written
    assert fits.widths == ("0.3\\linewidth", "0.5\\linewidth")
    # in landscape a share of \textwidth is one of the landscape line too (pdflscape keeps \textwidth portrait)
    land = _plan(table("0.3\\textwidth", "0.5\\textwidth", landscape=True))
    assert land.landscape and land.widths == ("0.3\\linewidth", "0.5\\linewidth")


def _tall_tables(root: Path) -> None:
    """Author-pinned floats as an import writes them: a 4-row table taller than the page, a 40-row one, 30
    columns of numbers that only scaling fits, and shares of the line that overflow it."""
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "paper" / "main.tex").write_text(SYNTHETIC_MAIN.replace("\\input{tables/wide}\n\\input{tables/long}",
                                             "".join(f"\\input{{tables/{t}}}\n\\clearpage\n" for t in (
                                                 "tall", "many", "numbers", "shares"))), "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    cols = lambda n, **kw: "\n".join(f"  - {{key: c{i}, title: Column {i}, type: latex"  # noqa: E731
                                      + "".join(f", {k}: {v[i] if isinstance(v, list) else v}" for k, v in kw.items())
                                      + "}" for i in range(n))
    text = lambda words, r: " ".join(f"word{r}x{w}" for w in range(words))  # noqa: E731
    rows = lambda n, c, words: "\n".join(  # noqa: E731
        "  - {" + ", ".join(f"c{i}: '{text(words, r)}'" for i in range(c)) + "}" for r in range(n))
    head = "caption: {}.\nlayout: float\nfont: footnotesize\ncolumns:\n"
    (root / "tables" / "tall.yaml").write_text(head.format("Tall") + cols(3) + "\nrows:\n" + rows(4, 3, 130), "utf-8")
    (root / "tables" / "many.yaml").write_text(head.format("Many") + cols(3) + "\nrows:\n" + rows(40, 3, 12), "utf-8")
    numbers = "\n".join("  - {" + ", ".join(f"c{i}: '{r}{i}.25 [1{i}.5;2{r}.75]'" for i in range(30)) + "}"
                        for r in range(6))
    (root / "tables" / "numbers.yaml").write_text(head.format("Numbers\\tnotex{src}").replace(
        "columns:", "notes: {src: Measured.}\ncolumns:") + cols(30) + "\nrows:\n" + numbers, "utf-8")
    (root / "tables" / "shares.yaml").write_text(
        head.format("Shares") + cols(3, width=["0.29\\linewidth", "0.49\\linewidth", "0.18\\linewidth"])
        + "\nrows:\n" + rows(6, 3, 5), "utf-8")


def test_tall_floats_and_tables_only_scaling_fits_stay_in_the_text_block(tmp_path):
    """A float taller than the page is not cut (no 'Float too large'): with 40 rows it becomes a long table
    broken over pages; with rows too few to break (4) it stays a float that TeX scales to the page
    (\\surveybuildfit, measured by TeX, not estimated); 30 columns that no wrapping, font or landscape fits are
    scaled to the line, the last resort; overflowing shares are scaled to the line. One TeX build."""
    require_tool("latexmk")
    require_tool("pdftotext")
    _tall_tables(tmp_path)
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    tex = {t: (tmp_path / "paper" / "tables" / f"{t}.tex").read_text("utf-8")
           for t in ("tall", "many", "numbers", "shares")}
    assert "\\surveybuildfit{\\caption{Tall.}" in tex["tall"] and "longtable" not in tex["tall"]
    assert "\\begin{longtable}" in tex["many"]
    assert "\\surveybuildfit" in tex["numbers"] and "\\begin{landscape}" in tex["numbers"]
    assert "landscape" not in tex["shares"] and "0.29\\linewidth" not in tex["shares"]
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == []
    assert outside_text_block(tmp_path / "paper" / "build" / "main.pdf", log) == []
    assert bad_breaks(log) == []
    pages = pdf_text(tmp_path / "paper" / "build" / "main.pdf", "-layout").split("\f")
    tall = [n for n, p in enumerate(pages) if "Tall." in p]
    assert len(tall) == 1 and "word0x0 " in pages[tall[0]] and "word3x129" in pages[tall[0]]  # whole, on one page
    assert sum("Many. (continued)" in p for p in pages) >= 1  # the 40 rows broken over pages, the header repeated
    # a note marked in the caption of a table scaled to the page keeps its mark (the caption is set before the
    # threeparttable, where threeparttable drops a \tnote: seen on a public survey's note under its tabular)
    numbers = [p for p in pages if "Measured." in p]
    assert len(numbers) == 1 and re.search(r"Numbers\s?a\s?\.", numbers[0]), numbers


# -- the log: floats too large, the text block --------------------------------------------------

def test_float_too_large_is_a_placed_problem_anywhere(mini):
    from surveybuild.build.texlog import read_log
    from surveybuild.build.textrace import trace

    log = "(./main.tex\nLaTeX Warning: Float too large for page by 123.4pt on input line 17.\n)"
    problem, = trace(read_log(log), read_survey(mini), {})
    assert str(problem).startswith("paper/main.tex:17: warning: a float is too large for the page (by 123.4pt)")


def test_a_text_block_other_than_the_declared_one_is_reported(mini):
    from surveybuild.build.texlog import read_log
    from surveybuild.build.textrace import trace

    survey = read_survey(mini)
    same = f"surveybuild: text block {survey.settings.paper_text_width} x {survey.settings.paper_text_height}, font 10pt\n"
    assert trace(read_log("(./main.tex\n" + same + ")"), survey, {}) == []
    problem, = trace(read_log("(./main.tex\nsurveybuild: text block 500.484pt x 681.15898pt, font 10.95pt\n)"),
                     survey, {})
    assert problem.source.path == "surveybuild.yaml" and problem.severity == "warning"
    assert "paper_text_width: 500pt, paper_text_height: 681pt, paper_font_size: 11" in problem.hint


@pytest.mark.parametrize("text, message", [
    pytest.param("paper_text_width: wide\n", "setting 'paper_text_width' must be a length", id="width"),
    pytest.param("reference_order: random\n", "setting 'reference_order' must be one of citation, alphabetical",
                 id="order"),
    pytest.param("authors: {a: 1}\n", "setting 'authors' must be a list of names", id="authors"),
])
def test_bad_paper_settings_are_errors(mini, text, message):
    (mini / "surveybuild.yaml").write_text(text, "utf-8")
    problems = [str(p) for p in read_survey(mini).problems]
    assert any(message in p and p.startswith("surveybuild.yaml:1:") for p in problems), problems


def test_a_long_tables_foot_stays_in_the_text_block_whatever_its_last_rows_depth(tmp_path):
    """longtable's "continued" foot goes under the page's last row: a row with depth (here 4.5pt, under LaTeX's
    5pt \\maxdepth) must not push it below the text block, on a table's first page (begun mid-page) nor on a
    continuation page. Rows of 14 pitches, one table each, make some page end within the depth of its room."""
    require_tool("pdflatex")
    tables = []
    for k in range(20):
        rows = "\n".join(f"r{k}.{i}\\rule[-4.5pt]{{0pt}}{{{13.5 + k * 0.3:g}pt}}\\\\" for i in range(60))
        tables.append(f"Text before table {k}.\n\n\\begin{{longtable}}{{l}}\n\\toprule\nHead\\\\\n\\midrule\n\\endhead\n"
                      f"\\midrule\n\\multicolumn{{1}}{{r}}{{\\surveybuildmark{{t{k}}}{{foot}}\\textit{{Continued}}}}\\\\\n"
                      f"\\endfoot\n\\bottomrule\n\\endlastfoot\n{rows}\n\\end{{longtable}}\n")
    (tmp_path / "setup.tex").write_text(latex.render_setup(Settings(), []), "utf-8")
    (tmp_path / "main.tex").write_text(
        "\\def\\surveybuildtracelayout{}\n\\documentclass{article}\n" + latex.TABLE_PACKAGES
        + "\\usepackage{hyperref}\n\\input{setup}\n\\begin{document}\n" + "\n".join(tables) + "\\end{document}\n",
        "utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "main.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=120, env={**os.environ, "max_print_line": "10000"})
    log = (tmp_path / "main.log").read_text("utf-8", errors="replace")
    block = texlog.text_block(log)
    bottom = (block.paper_height - block.top - block.height) * 65536  # the block's last baseline, sp from below
    feet = [m.y for m in texlog.layout_marks(log) if m.what == "foot"]
    assert len(feet) >= 30  # every table breaks, most twice
    assert [round((bottom - y) / 65536, 2) for y in feet if y < bottom - 0.01 * 65536] == []


def test_a_url_breaks_only_after_punctuation(paper):
    """A URL of a table (a URL column or its note) that goes on over a line break ends the line with one of
    / . - _ ? & = # : (before, xurl broke them after any letter: 'allen-eric/radiol' + 'ogy-gpt')."""
    import html

    _, survey, pdf, _ = paper
    urls = {str(value.raw) for table in survey.tables for column in table.columns if column.type == "url"
            for row in table.rows for value in [row.line.get(column.key)] if value is not None and value.raw}
    words = []  # the words above the reference list, which is BibTeX's (its URLs break as the paper's style has it)
    for page in pdf_text(pdf, "-bbox").split("<page ")[1:]:
        found = [(float(y), html.unescape(w)) for y, w in re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]
        below = next((y for y, w in found if w == "References"), None)
        words += [w for y, w in found if below is None or y < below]
        if below is not None:
            break
    broken = [w for w in words if w.startswith("http") and w not in urls and any(u.startswith(w) for u in urls)]
    assert len(broken) >= 5, broken  # the embedded survey's URL columns and notes break many of them
    assert [w for w in broken if w[-1] not in "/.-_?&=#:"] == []
