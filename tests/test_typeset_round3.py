"""Table shapes of a stranger's survey (docs/paper.md, "How a table is set"): a table across both columns of half a
page or more, twenty columns of scores, web addresses written as text. One TeX build (a two-column survey); the
rest is the fitting and the rendering, without TeX.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import require_tool
from typeset_checks import (PAPER_SETUP, bad_breaks, log_defects, outside_text_block, overlapping_words, pdf_text,
                            trace_layout)

from surveybuild.build import pipeline as build
from surveybuild.model import Column, Line, Row, Settings, Source, Table, Value
from surveybuild.renderers import fit, latex

MAIN = r"""\documentclass[twocolumn]{article}
""" + PAPER_SETUP + r"""\begin{document}
BODY
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""
SENTENCE = "Body text of the survey about the works in its tables. "


def _survey(root: Path) -> None:
    """A table across both columns of some 60% of the page (ten rows of six columns of text), then twenty columns of
    scores, then links written as text, each mentioned in the text before it."""
    (root / "tables").mkdir(parents=True)
    (root / "paper").mkdir()
    (root / "surveybuild.yaml").write_text("paper_text_width: 469pt\npaper_text_height: 550pt\npaper_columns: 2\n",
                                           "utf-8")
    (root / "refs.bib").write_text("", "utf-8")
    (root / "tables" / "wide.yaml").write_text(
        "caption: Wide.\ncolumns:\n  - {key: name, title: Name}\n"
        + "".join(f"  - {{key: c{i}, title: Attribute {i}}}\n" for i in range(6)) + "rows:\n"
        + "".join(f"  - {{name: Wide{r}, " + ", ".join(f"c{i}: '{'word ' * 6}{r}'" for i in range(6)) + "}\n"
                  for r in range(10)), "utf-8")
    (root / "tables" / "scores.yaml").write_text(
        "caption: Scores.\ncolumns:\n  - {key: name, title: Model}\n"
        + "".join(f"  - {{key: b{i}, title: Benchmark{i}, align: r}}\n" for i in range(20)) + "rows:\n"
        + "".join(f"  - {{name: LLM-{r}, " + ", ".join(f"b{i}: '{(r * 7 + i * 3) % 90 + 10}.{r}'" for i in range(20))
                  + "}\n" for r in range(6)), "utf-8")
    (root / "tables" / "links.yaml").write_text(
        "caption: Links.\ncolumns:\n  - {key: name, title: Name}\n  - {key: doi, title: DOI}\n"
        "  - {key: code, title: Entry point, type: latex}\n  - {key: link, title: Mirror}\nrows:\n"
        + "".join(f"  - {{name: Tool{r}, doi: '10.1145/3571730.{3571999 + r}', code: '\\texttt{{torch.nn.functional."
                  f"scaled\\_dot\\_product\\_attention\\_{r}}}', link: 'https://huggingface.co/datasets/organisation/"
                  f"extremely-long-dataset-name-v{r}'}}\n" for r in range(6)), "utf-8")
    (root / "tables" / "busy.yaml").write_text(
        "caption: Busy.\nnotes:\n" + "".join(f"  n{i}: Caveat {i}.\n" for i in range(4)) + "columns:\n"
        "  - {key: name, title: Method}\n  - {key: v, title: Value, align: r}\n  - {key: w, title: Remark}\nrows:\n"
        "  - {name: Busy, notes: {v: [n0, n1, n2]}, v: '12.5', w: 'a remark'}\n"
        "  - {name: Calm, notes: {v: [n3]}, v: '13.0', w: 'another remark'}\n", "utf-8")
    body = "".join(f"\\section{{Part {t}}}\n{SENTENCE * 25}\nTable~\\ref{{tab:{t}}} shows it.\n\\input{{tables/{t}}}\n"
                   f"{SENTENCE * 90}\n\n" for t in ("wide", "scores", "links", "busy"))
    (root / "paper" / "main.tex").write_text(MAIN.replace("BODY", body), "utf-8")


def test_tables_across_both_columns_share_their_page_with_text(tmp_path):
    """LaTeX makes a page of floats of a deferred float that fills half a page (``\\dblfloatpagefraction`` .5)
    before it tries the top of a page of text (``\\dbltopfraction`` .7): a ``table*`` of 60% of the page was alone
    on its page, 40% of it blank, with the text that mentions it going on after it. The preamble gives a float up to
    85% of a page of text, and a page of floats alone only from 80%. Twenty columns of scores (titles turned) and a
    mirror link written as text, which breaks as a URL (before: one 60-character word sent the table to a landscape
    page of its own), are floats across both columns too. Three note marks after a number no longer run over the
    next column's first word (``overlapping_words``)."""
    require_tool("latexmk")
    require_tool("pdftotext")
    _survey(tmp_path)
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    tex = {t: (tmp_path / "paper" / "tables" / f"{t}.tex").read_text("utf-8") for t in ("wide", "scores", "links")}
    assert all("\\begin{table*}" in tex[t] and "\\begin{landscape}" not in tex[t] for t in tex)
    busy = (tmp_path / "paper" / "tables" / "busy.tex").read_text("utf-8")
    # marks in a right-aligned column hang after the number, into room the column keeps for its widest ("g,h,i" ran
    # over "a remark"; taking their width moved 12.5 left of 13.0)
    assert "12.5\\tnote{" in busy and "13.0\\tnotex{tn:busy:n3}" in busy
    assert "r<{\\phantom{\\let\\TPToverlap\\relax\\tnote{\\ref{tn:busy:n0},\\ref{tn:busy:n1},\\ref{tn:busy:n2}}}}" in busy
    assert "\\begin{tablenotes}[para]" in busy  # four short caveats run on: two lines, not four
    assert "\\rotatebox{90}{Benchmark19}" in tex["scores"] and "\\url{https://huggingface.co/" in tex["links"]
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(pdf, log) == [] and overlapping_words(pdf) == []
    assert bad_breaks(log) == []
    html = pdf_text(pdf, "-bbox")
    right = {w: float(x) for x, w in re.findall(r'xMax="([\d.]+)"[^>]*>(12\.5|13\.0)<', html)}
    assert abs(right["12.5"] - right["13.0"]) < 0.1  # the numbers stay aligned
    pages = pdf_text(pdf).split("\f")
    for caption, row in (("Table 1: Wide.", "Wide9"), ("Table 2: Scores.", "LLM-5"), ("Table 3: Links.", "Tool5")):
        n, page = next((n, p) for n, p in enumerate(pages) if caption in p)
        assert row in page  # the whole table on that page
        assert page.count("Body text of the survey") > 10, f"{caption} alone on page {n + 1}"  # before: 0
        mention = next(i for i, p in enumerate(pages) if f"Table {caption[6]} shows it" in p)
        assert mention <= n <= mention + 1  # on the page after its mention (a table* never comes sooner)


def _row(index: int, cells: dict[str, str]) -> Row:
    return Row(index, f"r{index}", Line(tuple((k, Value(v, Source("t.yaml"))) for k, v in cells.items())))


def test_a_small_table_only_landscape_fits_is_portrait_scaled_and_a_large_one_stays_landscape():
    """A float whose scaled text stays at least 90% of the smallest font (``fit.PORTRAIT_SCALE_FLOOR``) is scaled
    rather than turned onto a landscape page of its own; one that would shrink more, or a long table, keeps the
    landscape page."""
    settings = Settings(paper_text_width="397pt", paper_text_height="578pt")
    columns = (Column("name", "Model"),) + tuple(Column(f"b{i}", f"Benchmark{i}", align="r") for i in range(20))
    scores = {f"b{i}": f"{10 + i}.5" for i in range(20)}
    table = Table("s", "Scores.", "tab:s", columns, tuple(_row(r, {"name": f"LLM-{r}", **scores}) for r in range(6)))
    tex = latex.render_table(table, settings)
    assert "\\begin{landscape}" not in tex and "\\surveybuildfit" in tex and "\\begin{table*}" in tex
    wider = Table("w", "W.", "tab:w", columns + tuple(Column(f"x{i}", f"Extra{i}", align="r") for i in range(12)),
                  tuple(_row(r, {"name": f"LLM-{r}", **scores, **{f"x{i}": "100.25" for i in range(12)}})
                        for r in range(6)))
    assert "\\begin{landscape}" in latex.render_table(wider, settings)  # scaled by 0.7: landscape
    long = Table("s", "Scores.", "tab:s", columns, table.rows, layout="long")
    assert "\\begin{landscape}" in latex.render_table(long, settings)


def test_a_web_address_in_a_text_cell_is_a_url_that_breaks():
    """A link written as text was one word TeX cannot break: the fitting gave its column the whole address (60
    characters) and the table went landscape. Each ``http(s)://`` word of a text cell is now a ``\\url`` (its
    sentence's punctuation outside it), and its column is given at most ``fit.URL_WORD`` em for it."""
    assert latex.text_with_urls("see https://x.org/a_b?c=1#d. Or (https://y.org/e), 100%") == (
        "see \\url{https://x.org/a_b?c=1\\#d}. Or (\\url{https://y.org/e}), 100\\%")
    assert latex.text_with_urls("http:// alone, ftp://x.org, https://x.org/ü") == \
        latex.escape("http:// alone, ftp://x.org, https://x.org/ü")
    link = "https://huggingface.co/datasets/organisation/extremely-long-dataset-name-v0"
    column = Column("link", "Mirror")
    assert latex.cell_value(Table("t", "T", "tab:t", (column,), ()), column, link) == f"\\url{{{link}}}"
    measured = fit.measure(column, (_row(0, {"link": link}), _row(1, {"link": "plain words"})), False, "Mirror")
    assert measured.word == fit.URL_WORD < fit.text_width(link) and measured.wraps
    assert re.search(r"\\url", latex.cell_value(Table("t", "T", "tab:t", (Column("n", "N", type="latex"),), ()),
                                                Column("n", "N", type="latex"), link)) is None  # LaTeX as written


def test_a_long_table_of_a_two_column_paper_is_cut_into_floats_where_a_page_may_break():
    """A long table of a two-column paper is a run of ``table*`` floats (docs/paper.md, "Two columns"): each part at
    most ``latex.PART_SHARE`` of the page as estimated, cut only where a long table may break (a row group of up to
    8 lines stays whole), beginning with no rule; every row once, in order; the notes under the last part only; the
    next parts' caption says "(continued)" without a second number or label. A one-column paper keeps the longtable."""
    from surveybuild.model import Group, Note

    columns = (Column("name", "Method"), Column("idea", "Idea"), Column("year", "Year", align="r"))
    rows = tuple(Row(r, f"M{r}", Line((("name", Value(f"Method{r}", Source("t.yaml"))),
                                       ("idea", Value("an idea in a few words " * (1 + r % 3), Source("t.yaml"))),
                                       ("year", Value(str(2000 + r % 20), Source("t.yaml"))))),
                     group=f"g{r // 7}", notes=(("name", "a", Source("t.yaml")),) if r == 3 else ())
                 for r in range(140))
    table = Table("m", "Methods.", "tab:m", columns, rows, groups=tuple(Group(f"g{g}", f"Family {g}") for g in range(20)),
                  notes=(Note("a", "A note."),), layout="long")
    two = Settings(paper_text_width="469pt", paper_text_height="550pt", paper_columns=2)
    renderer = latex.TableRenderer(table, two)
    tex = renderer.render()
    floats = tex.split("\\begin{table*}")[1:]
    assert len(floats) >= 3 and "longtable" not in tex
    assert tex.count("\\label{tab:m}") == 1 and tex.count("\\surveybuildcontinued{Methods. (continued)}") == len(
        floats) - 1
    assert [f.count("\\begin{tablenotes}") for f in floats] == [0] * (len(floats) - 1) + [1]
    shown = [int(n) for f in floats for n in re.findall(r"Method(\d+)", f)]
    assert shown == list(range(140))
    for part in floats:
        body = part.split("\\midrule\n", 1)[1]
        assert not body.startswith(("\\midrule", "\\cmidrule"))
        # a group (7 rows, at most 8 lines) is never cut: a part begins with a group's title
        assert body.startswith("\\multicolumn{3}{l}{\\textit{Family ")
    one = latex.render_table(table, Settings(paper_text_width="469pt", paper_text_height="550pt"))
    assert "\\begin{longtable}" in one and "table*" not in one


def test_a_float_waiting_when_a_landscape_table_starts_shares_its_page_with_text(tmp_path):
    """A landscape table waits for the end of its page of text (afterpage), then ``landscape`` clears the page: a
    float that waited for that next page (mentioned with the landscape table, at the foot of the page before) was
    set alone on a page of floats, 70% of it blank. The landscape table now also waits while a float waits for the
    page: the float takes the top of the next page, the text goes on under it, then come the table's pages."""
    require_tool("latexmk")
    require_tool("pdftotext")
    (tmp_path / "tables").mkdir()
    (tmp_path / "paper").mkdir()
    (tmp_path / "surveybuild.yaml").write_text("paper_text_width: 345pt\npaper_text_height: 550pt\n", "utf-8")
    (tmp_path / "refs.bib").write_text("", "utf-8")
    (tmp_path / "tables" / "pending.yaml").write_text(
        "caption: Pending.\nlayout: float\ncolumns:\n  - {key: a, title: Name}\n  - {key: b, title: Text}\nrows:\n"
        + "".join(f"  - {{a: P{r}, b: 'a short text of the row'}}\n" for r in range(12)), "utf-8")
    (tmp_path / "tables" / "wide.yaml").write_text(
        "caption: Wide.\nlandscape: true\ncolumns:\n  - {key: a, title: Name}\n  - {key: b, title: Text}\nrows:\n"
        + "".join(f"  - {{a: W{r}, b: '{'a landscape row ' * 8}'}}\n" for r in range(4)), "utf-8")
    body = (("Before the tables. " * 12 + "\n\n") * 15 + "Table~\\ref{tab:pending} and Table~\\ref{tab:wide}.\n"
            "\\input{tables/pending}\n\\input{tables/wide}\n" + ("After the tables. " * 12 + "\n\n") * 40)
    main = MAIN.replace("[twocolumn]", "").replace("BODY", body)
    (tmp_path / "paper" / "main.tex").write_text(main, "utf-8")
    trace_layout(tmp_path / "paper" / "main.tex")
    report = build.paper(tmp_path)
    assert report.ok, "\n".join(map(str, report.problems))
    pdf = tmp_path / "paper" / "build" / "main.pdf"
    log = (tmp_path / "paper" / "build" / "main.log").read_text("utf-8", errors="replace")
    assert log_defects(log) == [] and outside_text_block(pdf, log) == [] and bad_breaks(log) == []
    pages = pdf_text(pdf).split("\f")
    n = next(i for i, p in enumerate(pages) if "Table 1: Pending." in p)
    assert "Table~" not in pages[n] and pages[n].count("After the tables.") > 100, f"Table 1 alone on page {n + 1}"
    assert "Table 2: Wide." in pages[n + 1]  # the landscape page right after it


def test_many_short_notes_run_on_and_long_ones_stay_a_list():
    """Twelve one-line caveats under a two-row table took twelve lines: at least ``latex.RUN_IN_NOTES`` notes of at
    most ``latex.RUN_IN_EM`` em each run on as a paragraph (threeparttable's ``para``); fewer, or one long note among
    them, keep the list."""
    from surveybuild.model import Note

    columns = (Column("name", "Method"), Column("v", "Value", align="r"))
    rows = (Row(0, "r0", Line((("name", Value("Busy", Source("t.yaml"))), ("v", Value("12.5", Source("t.yaml"))))),
                notes=tuple(("name", f"n{i}", Source("t.yaml")) for i in range(12))),)

    def notes_of(texts: list[str]) -> str:
        table = Table("t", "T.", "tab:t", columns, rows[:1] if len(texts) == 12 else (
            replace_notes(rows[0], len(texts)),), notes=tuple(Note(f"n{i}", t) for i, t in enumerate(texts)))
        return latex.render_table(table, Settings()).split("\\begin{tablenotes}", 1)[1][:6]

    def replace_notes(row: Row, count: int) -> Row:
        return Row(row.index, row.name, row.line, notes=row.notes[:count])
    assert notes_of([f"Caveat {i}." for i in range(12)]) == "[para]"
    assert notes_of([f"Caveat {i}." for i in range(3)]) != "[para]"
    assert notes_of([f"Caveat {i}." for i in range(11)] + ["A caveat long enough to take a line of its own."]) \
        != "[para]"
