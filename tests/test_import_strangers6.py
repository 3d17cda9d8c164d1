"""Regression tests from a seventh round of public survey repositories tried as a stranger would: small inputs of
our own that reproduce what broke. Each table goes the whole way (YAML -> schema -> checks -> both renderers)."""

from __future__ import annotations

from test_import_regressions import through

ABLATION_GROUPS = """<table>
  <tr><td>Factor</td><td>Model</td><td>Data</td><td>Score</td></tr>
  <tr><td rowspan="2">Vocabulary</td><td>Base-EXT</td><td>mix a</td><td>0.67</td></tr>
  <tr><td>Base</td><td>mix a</td><td>0.65</td></tr>
  <tr><td rowspan="2">Quality</td><td>Base-EXT</td><td>mix b</td><td>0.64</td></tr>
  <tr><td>Base-EXT</td><td>mix c</td><td>0.69</td></tr>
  <tr><td rowspan="2">Scale</td><td>Base-EXT</td><td>mix d</td><td>0.70</td></tr>
  <tr><td>Base-EXT</td><td>mix e</td><td>0.76</td></tr>
  <tr><td>-</td><td>Teacher</td><td>-</td><td>0.82</td></tr>
</table>
"""


def test_lines_repeating_a_name_stay_in_their_own_row_group():
    """BELLE's ablation table: the same base model opens the rows of three groups of a group column; the lines that
    repeat it were made sub-rows of the first group's row across the groups below, which were left empty (their
    titles shown over nothing, their rows in the wrong group). A row never runs into the next group."""
    [(data, paper, readme)], _ = through(ABLATION_GROUPS, "README.md")
    by_group = {}
    for row in data["rows"]:
        by_group.setdefault(row["group"], []).append(row)
    titles = {g["id"]: g["title"] for g in data["groups"]}
    assert [titles[g] for g in by_group] == ["Vocabulary", "Quality", "Scale", ""]
    quality = by_group[next(g for g, t in titles.items() if t == "Quality")]
    assert [[s["data"] for s in r["subrows"]] for r in quality] == [["mix b", "mix c"]]
    assert "mix d" in paper and "mix e" in readme


def test_a_missing_value_mark_in_the_group_column_is_no_group_title():
    """The `-` in the group column of the baseline row (BELLE's ChatGPT row) made a row group titled '-', printed
    as a group title row in the paper. It is a row of no named group: a group with an empty title, which the paper
    sets off by its rule with no title row, and the README shows with an empty group cell (warning)."""
    [(data, paper, readme)], problems = through(ABLATION_GROUPS.replace("<td>-</td><td>Teacher", "<td>N/A</td><td>Teacher"),
                                                "README.md")
    assert all(g["title"] != "N/A" for g in data["groups"])
    teacher = next(r for r in data["rows"] if r["model"] == "Teacher")
    assert next(g for g in data["groups"] if g["id"] == teacher["group"])["title"] == ""
    assert "\\textit{}" not in paper and "\\textit{Scale}" in paper
    assert '<td rowspan="1"></td><td align="left">Teacher' in readme
    assert any("missing-value mark" in p.message and p.source.line == 9 for p in problems)
    [(dashed, _, _)], _ = through(ABLATION_GROUPS, "README.md")
    assert "-" not in [g["title"] for g in dashed["groups"]]


NOTES_UNDER_THE_RULE = r"""\begin{table}
\caption{Gains.}
\begin{tabular}{lc}
\toprule
Approach & Gain \\
\midrule
BPR & +12\% \\
WRMF & +14\% \\
\bottomrule
\multicolumn{2}{l}{\textit{Note: gains over the MF baseline.}} \\
\multicolumn{2}{l}{\textit{Combined = mean of the metrics.}} \\
\end{tabular}
\end{table}
"""


def test_notes_read_from_rows_under_the_table_keep_the_source_s_order():
    """Two note rows under `\\bottomrule` (a recommender survey's meta-analysis table): the last was numbered first,
    so the caption's marks read `ba` and the paper listed the second note first. The notes and their marks keep
    the order the author wrote them in."""
    [(data, paper, readme)], _ = through(NOTES_UNDER_THE_RULE, "t.tex")
    ids = list(data["notes"])
    assert data["notes"][ids[0]].startswith("Note: gains") and data["notes"][ids[1]].startswith("Combined")
    assert data["caption"].index(f"\\tnotex{{{ids[0]}}}") < data["caption"].index(f"\\tnotex{{{ids[1]}}}")
    assert paper.index("Note: gains") < paper.index("Combined")
    assert readme.index("Note: gains") < readme.index("Combined")


BARE_SPECIALS = r"""@misc{uring, title = {{io_uring}}, author = {Axboe, Jens}, year = {2026},
  howpublished = {\url{https://docs.kernel.org/io_uring/index.html}}}
@article{fine, title = {Gains in $O(n^2)$ and \_ and R\&D, \^{o}}, author = {A, B}, journal = {J}, year = {2020},
  url = {https://example.org/a_b#c}}
@article{amp, title = {Search & Rescue #1}, author = {C, D}, journal = {J}, year = {2021}}
@article{uncited, title = {x_y}, author = {E, F}, journal = {J}, year = {2021}}
@string{SV = {Springer}}
@book{joined, title = {T}, author = {G, H}, publisher = SV # { Verlag}, note = "a" # {b_c}, year = {2021}}
"""


def test_a_cited_entry_with_a_bare_underscore_is_an_error_check_reports():
    """A GPU-storage survey's .bib titles an entry `{{io_uring}}`: `check` passed, then `paper` stopped in main.bbl
    ('Missing $ inserted'). `_ ^ & #` written bare in a printed field of a cited entry are errors at the entry, with
    the escape to write; math, escaped characters, accents and addresses are fine, uncited entries are not read,
    and the `underscore` package makes `_` text."""
    from surveybuild.checks.bibcheck import special_characters
    from surveybuild.readers.bibread import read_bib

    entries, _ = read_bib(BARE_SPECIALS, "refs.bib")
    problems = special_characters(entries, {"uring", "fine", "amp", "joined"})
    said = {p.message.split("'")[1]: p for p in problems}
    assert set(said) == {"uring", "amp", "joined"}  # a concatenation's `#` is BibTeX's; its parts' text is read
    assert "field 'note'" in said["joined"].message
    assert said["uring"].source.line == 1 and "'_'" in said["uring"].message and "\\_" in said["uring"].hint
    assert "'&', '#'" in said["amp"].message and "\\&" in said["amp"].hint and "\\#" in said["amp"].hint
    assert not special_characters(entries, {"uring"}, packages=("underscore",))


def test_a_cell_too_wide_in_a_table_part_set_later_is_reported_at_its_row(tmp_path):
    """A GPU-storage survey's `Disaggregated/Distributed` in a 2 cm column ran into the next column, and `paper`
    said nothing: the table's later part was set while the bibliography was read, so TeX named main.bbl (and its
    line numbers) for the overfull box, and boxes of hand-written files are not reported. The one generated line
    holding every word the box shows places it."""
    from surveybuild.build.texlog import read_log
    from surveybuild.build.textrace import trace
    from surveybuild.init import init
    from surveybuild.readers.read import read_survey

    init(tmp_path)
    survey = read_survey(tmp_path)
    texts = {"paper/tables/example.tex": (tmp_path / "paper/tables/example.tex").read_text("utf-8")}
    log = ("(./main.tex (./tables/example.tex) (build/work/main.bbl [1]\n"
           "Overfull \\hbox (12.5pt too wide) in paragraph at lines 3--3\n"
           "[]|\\T1/lmr/m/n/9 FLAN-T5|\n\n"
           "Overfull \\hbox (30.0pt too wide) in paragraph at lines 7--7\n"
           "[]\\T1/lmr/m/n/10 An author's own sentence of prose here|\n\n))")
    problems = trace(read_log(log), survey, texts)
    assert len(problems) == 1, problems
    assert problems[0].source.path.endswith("tables/example.yaml") and "12.5pt too wide" in problems[0].message
    assert "FLAN-T5" in problems[0].message


def test_an_em_dash_is_no_group_and_na_stays_a_name():
    """`—` marks a missing value as `-` does; `NA` may name a group (North America), so it stays its title."""
    [(dashed, _, _)], _ = through(ABLATION_GROUPS.replace("<td>-</td><td>Teacher", "<td>\u2014</td><td>Teacher"),
                                  "README.md")
    assert [g["title"] for g in dashed["groups"]][-1] == ""
    [(named, _, _)], _ = through(ABLATION_GROUPS.replace("<td>-</td><td>Teacher", "<td>NA</td><td>Teacher"),
                                 "README.md")
    assert [g["title"] for g in named["groups"]][-1] == "NA"
