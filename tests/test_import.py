"""``surveybuild import``: existing tables -> YAML sources -> the same cells, cites and notes back.

Round trip = import -> YAML text -> ``tableread.read_table`` -> ``latex.render_table`` and
``markdown.render_table``; every word of the original table, every cite key and every
note text must be in both outputs. The expectations are taken from the original file
by other means than the importer's (pylatexenc's ``LatexNodes2Text`` over the whole
tabular, the raw Markdown lines, a small HTML text collector), so a cell the importer
lost shows up as a missing word.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from pylatexenc import latex2text, latexwalker, macrospec

from conftest import MINI, copy_survey, edit
from corpus import corpus_path, reference_path
from surveybuild.renderers import latex, markdown
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.cli import main
from surveybuild.importer import import_file, import_text, scripts, to_yaml
from surveybuild.importer.markdown_tables import split_row
from surveybuild.importer.write import scalar
from surveybuild.model import Settings
from surveybuild.readers.tableread import read_table

PHONE = "lgy0404__Phone_Agent_Survey_Overleaf_TPAMI_250418"
CORPUS_FILES = [
    (f"{PHONE}/4_models.tex", 4),
    (f"{PHONE}/5_datasets.tex", 2),
    ("PhoneLLM__Awesome-LLM-Powered-Phone-GUI-Agents/README.md", 10),
    ("ToviTu__Multimodal-LLM-Short-Survey/tables/VQA_table.tex", 1),
    ("ToviTu__Multimodal-LLM-Short-Survey/tables/citation-table.tex", 1),
    ("ToviTu__Multimodal-LLM-Short-Survey/tables/datasets.tex", 1),
    ("ToviTu__Multimodal-LLM-Short-Survey/tables/image_classification_table.tex", 1),
]
CITE = re.compile(r"\\(?:cite[a-z]*|citep|citet)\*?(?:\[[^\]]*\])*\{([^}]*)\}")


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


# ---- what the original files hold, found without the importer ------------------------------------------

def latex_tabulars(text: str) -> list[str]:
    """The verbatim text of every tabular-like environment, in file order."""
    walker = latexwalker.LatexWalker(text, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes()
    out: list[str] = []

    def walk(nodes):
        for node in nodes or ():
            if node is None:
                continue
            if node.isNodeType(latexwalker.LatexEnvironmentNode):
                if node.environmentname in ("tabular", "tabularx", "longtable", "tabular*"):
                    out.append(node.latex_verbatim())
                    continue
                walk(node.nodelist)
            elif node.isNodeType(latexwalker.LatexGroupNode):
                walk(node.nodelist)
            elif node.isNodeType(latexwalker.LatexMacroNode) and node.nodeargd:
                walk([a for a in node.nodeargd.argnlist if a is not None])

    walk(nodes)
    return out


def latex_expectation(tabular: str) -> tuple[list[str], list[str]]:
    walk_db = latexwalker.get_default_latex_context_db()
    walk_db.add_context_category("test", prepend=True, macros=[macrospec.MacroSpec("href", "{{")])
    text_db = latex2text.get_default_latex_context_db()
    text_db.add_context_category("test", prepend=True,
                                 macros=[latex2text.MacroTextSpec("href", simplify_repl="%(2)s %(1)s")])
    nodes, _, _ = latexwalker.LatexWalker(tabular, latex_context=walk_db, tolerant_parsing=True).get_latex_nodes()
    text = latex2text.LatexNodes2Text(latex_context=text_db, math_mode="text").nodelist_to_text(nodes)
    uncommented = re.sub(r"(?<!\\)%.*", "", tabular)
    return [w for w in words(text) if w != "cit"], [k.strip() for m in CITE.findall(uncommented) for k in m.split(",") if k.strip()]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[list[str]] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.depth += 1
            self.tables.append([])
        elif self.depth and tag == "a" and not (dict(attrs).get("href") or "").startswith("#"):
            self.tables[-1].append(dict(attrs).get("href", ""))  # links to the reference list are cites

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.tables[-1].append(data)


def markdown_expectations(text: str) -> list[list[str]]:
    """Words of each pipe table (its lines) and each HTML table (its text and links), in file order."""
    found: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?\s*:?-+", lines[i + 1]):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            found.append((i, words(re.sub(r"\\[A-Za-z]+", " ", " ".join(lines[i:j])))))
            i = j
        else:
            i += 1
    collector = _Text()
    collector.feed(text)
    starts = [n for n, line in enumerate(lines) if "<table" in line]
    for start, table in zip(starts, collector.tables):
        found.append((start, words(" ".join(table))))
    return [w for _, w in sorted(found, key=lambda x: x[0])]


# ---- the round trip -------------------------------------------------------------------------------------

def round_trip(result, stub_keys=True):
    """Each imported table through YAML and both renderers: [(table, yaml, paper or None, readme)]."""
    out = []
    # the engine and symbols `import` would set for these tables (importer/scripts.py): check holds under them
    decision = scripts.decide([t.table for t in result.tables], [], Settings())
    settings = Settings(engine=decision.engine, symbols=decision.symbols)
    for imported in result.tables:
        text = to_yaml(imported.table, imported.comment, imported.name)
        assert text.startswith("# yaml-language-server: $schema=../schema/table.schema.json\n")
        table, problems = read_table(text, f"tables/{imported.name}.yaml")
        assert table is not None and not problems, "\n".join(map(str, problems))
        keys = {k for row in table.rows for k, _ in row.cites} | set(CITE_KEYS.findall(text))
        reported = " ".join(p.message for p in result.problems if p.severity == "error")
        errors = [p for p in check_table(table, BibIndex(keys), set(), settings) if p.severity == "error"
                  and not _reported(p.message, reported)]
        assert not errors, "\n".join(map(str, errors))
        try:
            paper = latex.render_table(table, settings)
        except latex.UnencodableText:
            paper = None
        readme = markdown.render_table(table, markdown.Citations())
        out.append((table, text, paper, readme))
    return out


def _reported(message: str, reported: str) -> bool:
    """A check error about a bad link or character the importer reported already."""
    found = re.search(r"URL '[^']*'|U\+[0-9A-F]{4,}", message)
    return bool(found) and found.group(0) in reported


CITE_KEYS = re.compile(r"\\cite[a-z]*\{([^}]*)\}")


def assert_round_trip(original_words, original_cites, table, paper, readme, where):
    readme_text = squash(readme)
    missing = [w for w in original_words if squash(w) not in readme_text]
    assert not missing, f"{where}: README lost {missing[:10]}"
    for key in original_cites:
        assert markdown.ref_anchor(key) in readme, f"{where}: README lost cite {key}"
    for note in table.notes:
        assert squash(note.text.replace("\\url", "")) in readme_text or note.text.startswith("\\url")
    if paper is not None:
        paper_text = squash(paper)
        missing = [w for w in original_words if squash(w) not in paper_text]
        assert not missing, f"{where}: paper lost {missing[:10]}"
        for key in original_cites:
            assert key in paper, f"{where}: paper lost cite {key}"
        for note in table.notes:
            assert note.text.split("}")[0] in paper


def _check_file(path: Path, expected_tables: int, cite_map=None):
    result = import_file(path, cite_map=cite_map)
    assert len(result.tables) == expected_tables, "\n".join(map(str, result.problems))
    trips = round_trip(result)
    text = path.read_text("utf-8")
    if path.suffix == ".tex":
        expectations = [latex_expectation(t) for t in latex_tabulars(text)]
    else:
        expectations = [(w, []) for w in markdown_expectations(text)]
    assert len(expectations) == expected_tables
    totals = {"tables": 0, "rows": 0, "cells": 0, "cites": 0, "notes": 0}
    # a group column's title has no place in the format: reported, so not expected back
    dropped = set(re.findall(r"the first column \('([^']*)'\) spans rows", " ".join(p.message for p in result.problems)))
    for (table, _, paper, readme), (want_words, want_cites) in zip(trips, expectations):
        want_words = [w for w in want_words if w not in dropped]
        assert_round_trip(want_words, want_cites, table, paper, readme, f"{path.name}:{table.source.line}")
        totals["tables"] += 1
        totals["rows"] += len(table.rows)
        totals["cites"] += len(want_cites)
        totals["notes"] += len(table.notes)
    totals["cells"] = sum(t.stats.get("cells", 0) for t in result.tables)
    return result, trips, totals


@pytest.mark.parametrize("rel, count", [pytest.param(r, n, id=Path(r).name if "README" not in r else r.split("/")[0])
                                        for r, n in CORPUS_FILES])
def test_corpus_round_trip(rel, count):
    path = corpus_path() / rel
    result, trips, totals = _check_file(path, count)
    assert totals["rows"] > 0
    # nothing reported as an error in these files except cite keys (checked here without refs.bib)
    assert not [p for p in result.problems if p.severity == "error"], "\n".join(map(str, result.problems))


def test_phone_survey_cites_and_links_come_back():
    path = corpus_path() / PHONE / "4_models.tex"
    result, trips, totals = _check_file(path, 4)
    imported = sum(len(r.cites) for t, *_ in trips for r in t.rows)
    imported += sum(len(CITE_KEYS.findall(text)) for _, text, _, _ in trips)
    assert imported == totals["cites"] == 52  # as the corpus manifest counts (a commented-out row is not a row)
    table, text, paper, readme = trips[0]
    assert [c.key for c in table.columns][:2] == ["method", "code"]
    assert table.column("screenshot").type == "bool"
    assert "https://github.com/MobileLLM/AutoDroid" in readme and "\\url{https://github.com/MobileLLM/AutoDroid}" in paper
    messages = " ".join(p.message for p in result.problems)
    assert "\\githubicon" in messages and "check/cross" in messages
    # \makecell's line breaks: kept in body cells, joined (and said) in the header's 'Icon \\ \& OCR'
    assert "line breaks where the format has one line" in messages and "Icon & OCR" in [c.title for c in table.columns]
    assert any(v.raw == "GUI Video\nCaptioning" for r in table.rows for _, v in r.line.cells)


def test_upstream_readme_round_trip_with_cite_map():
    path = reference_path() / "upstream-README-2025-08.md"
    numbers = sorted(set(re.findall(r'href="#ref(\d+)"', path.read_text("utf-8"))), key=int)
    cite_map = {f"ref{n}": f"upstream{n}" for n in numbers}
    result, trips, totals = _check_file(path, 8, cite_map=cite_map)
    keys = {k for table, *_ in trips for row in table.rows for k, _ in row.cites}
    keys |= {k for _, text, _, _ in trips for k in CITE_KEYS.findall(text)}
    assert keys == set(cite_map.values()) - {"upstream" + n for n in numbers if not re.search(
        rf'href="#ref{n}"[^>]*>\s*{n}\s*</a>', path.read_text("utf-8"))}
    readme = "".join(r for *_, r in trips)
    for key in keys:
        assert markdown.ref_anchor(key) in readme
    messages = [str(p) for p in result.problems]
    assert any("cells for 7 of 8 columns" in m for m in messages)  # the LIMA row
    assert any("read as row groups" in m for m in messages)
    lamm = next(r for t, *_ in trips for r in t.rows if r.name.startswith("LAMM"))
    assert len(lamm.sublines) == 2
    # pdflatex has no '～' (U+FF5E): import chooses lualatex for it (check holds under it: round_trip)
    decision = scripts.decide([t.table for t in result.tables], [], Settings())
    assert decision.engine == "lualatex" and decision.switched_for[0] == "\uff5e" and not decision.left_out


def test_upstream_readme_citations_kept_as_text_without_a_map():
    path = reference_path() / "upstream-README-2025-08.md"
    result = import_file(path)
    assert any("kept as text" in p.message for p in result.problems)
    trips = round_trip(result)
    assert "UnifiedQA [1]" in trips[0][1]


def test_early_readme_broken_table_is_repaired_and_reported():
    path = reference_path() / "early-README.md"
    result, trips, totals = _check_file(path, 1)
    table, text, paper, readme = trips[0]
    assert [c.title for c in table.columns] == ["Instruction tuned LLMs", "Params", "Github", "Base Model",
                                                "Self-build Train", "Trainset", "Trainset Size"]
    assert any("U+FF5C" in p.message and "split" in p.message for p in result.problems)
    claude = next(r for r in table.rows if r.name == "Claude")
    assert [k for k, _ in claude.cites] == ["bai2022constitutional"]
    flan = next(r for r in table.rows if r.name == "FLAN-T5")
    assert [n for _, n, _ in flan.notes] == ["id:2"]
    assert len(table.notes) == 17  # id:2 ... id:18, texts missing from the README: reported
    assert any(p.severity == "error" and "no text" in p.message for p in result.problems)
    assert "1.1 Tokens" in readme


def test_own_generated_tables_come_back(tmp_path):
    """The fixture's generated LaTeX imports to the data of its YAML sources."""
    for name in ("models", "datasets"):
        source, _ = read_table((MINI / "tables" / f"{name}.yaml").read_text("utf-8"), f"tables/{name}.yaml")
        result = import_file(MINI / "paper" / "tables" / f"{name}.tex")
        assert not [p for p in result.problems if p.severity == "error"], result.problems
        (back, *_), = round_trip(result)
        assert len(back.rows) == len(source.rows)
        assert sorted(k for r in back.rows for k, _ in r.cites) == sorted(k for r in source.rows for k, _ in r.cites)
        assert [g.title for g in back.groups] == [g.title for g in source.groups]
        for note in source.notes:
            assert any(n.text == note.text for n in back.notes)
        assert [c.group for c in back.columns] == [c.group for c in source.columns if c.type != "url"]


# ---- the CLI on small inline tables ---------------------------------------------------------------------

INLINE_TEX = r"""
\begin{table}[htbp]
\centering
\begin{threeparttable}
\caption{Multi-modal data~\citep{taori2023alpaca}.}\label{tab:mm}
\begin{tabular}{lll}
\toprule
Dataset & Modality Pair & Languages \\
\midrule
\multirow{2}{*}{LAMM~\citep{yin2023lamm}} & Image-Text\tnote{c} & \multirow{2}{*}{En} \\
 & Point Cloud-Text & \\
Dolly~\citep{conover2023dolly} & Text & En \\
\bottomrule
\end{tabular}
\begin{tablenotes}
\item[c] Pairs from COCO.
\end{tablenotes}
\end{threeparttable}
\end{table}

\begin{ThreePartTable}
\begin{TableNotes}
\footnotesize
\item[a]\label{tn:a} Counted in tokens.
\item[b]\label{tn:b} See the project page \url{https://example.org/x}.
\end{TableNotes}
\begin{longtable}{lrl}
\caption{Instruction-tuned models}\label{tab:imported}\\
\toprule
Type & Model & Base Model \\
\midrule
\endfirsthead
\caption[]{Instruction-tuned models (continued)}\\
\toprule
Type & Model & Base Model \\
\midrule
\endhead
\bottomrule
\insertTableNotes\\
\endlastfoot
\multirow{2}{*}{Human} & Dolly~\citep{conover2023dolly} & Pythia \\
 & Alpaca\tnote{a} & LLaMA~\citep{touvron2023llama} \\
\multirow{1}{*}{Distilled} & T\"{U}LU~\citep{wang2023far}\tnotex{tn:b} & OPT \\
\end{longtable}
\end{ThreePartTable}
"""


INLINE_MD = r"""# Tools

## Pipe tools

| Tool | Syntax | Note |
| --- | :-: | --- |
| grep | `a\|b` | alternation with \| |
| awk | $1 \| $2 | **fields** |
| sed | s/a/b/ | [manual](https://www.gnu.org/software/sed/manual/) |
"""


@pytest.fixture
def survey(tmp_path) -> Path:
    root = copy_survey(MINI, tmp_path / "mini")
    edit(root / "templates" / "README.md.j2", "## References",
         '## Imported\n\n{% for t in tables %}{% if t not in ("models", "datasets") %}{{ caption(t) }}\n\n'
         '{{ table(t) }}\n{% endif %}{% endfor %}\n## References')
    return root


def stub_bib(root: Path, keys) -> None:
    bib = root / "refs.bib"
    have = bib.read_text("utf-8")
    extra = "".join(f"\n@misc{{{k},\n  title = {{Stub {k}}},\n  author = {{Someone}},\n  year = {{2024}}\n}}\n"
                    for k in sorted(keys) if f"{{{k}," not in have)
    bib.write_text(have + extra, "utf-8")


def test_cli_imports_latex_with_notes_groups_and_cites_then_builds(survey, tmp_path, capsys):
    src = tmp_path / "trained.tex"
    src.write_text(INLINE_TEX, "utf-8")
    status = main(["-C", str(survey), "import", str(src)])
    err = capsys.readouterr().err
    assert status == 0, err
    written = sorted(p.name for p in (survey / "tables").glob("trained-*.yaml"))
    assert written == ["trained-1.yaml", "trained-2.yaml"]
    first = yaml.safe_load((survey / "tables" / "trained-1.yaml").read_text("utf-8"))
    assert first["label"] == "tab:mm" and first["notes"] == {"c": "Pairs from COCO."}
    assert first["rows"][0] == {"dataset": "LAMM", "cite": "yin2023lamm", "languages": "En", "subrows": [
        {"modality_pair": "Image-Text\\tnotex{c}"}, {"modality_pair": "Point Cloud-Text"}]}
    data = yaml.safe_load((survey / "tables" / "trained-2.yaml").read_text("utf-8"))
    assert [g["title"] for g in data["groups"]] == ["Human", "Distilled"]
    assert data["layout"] == "long" and data["label"] == "tab:imported"
    assert data["notes"] == {"a": "Counted in tokens.", "b": "See the project page \\url{https://example.org/x}."}
    assert data["rows"][1] == {"model": "Alpaca", "group": "human", "base_model": "LLaMA~\\citep{touvron2023llama}",
                               "notes": ["a"]}
    assert data["rows"][2]["cite"] == "wang2023far" and data["rows"][2]["notes"] == ["b"]
    status = main(["-C", str(survey), "build"])
    err = capsys.readouterr().err
    assert status == 0, err
    readme = (survey / "README.md").read_text("utf-8")
    paper = (survey / "paper" / "tables" / "trained-2.tex").read_text("utf-8")
    paper1 = (survey / "paper" / "tables" / "trained-1.tex").read_text("utf-8")
    for text in ("Dolly", "Alpaca", "Pythia", "LLaMA", "OPT", "Human", "Distilled", "Counted in tokens.",
                 "https://example.org/x"):
        assert text in readme and text in paper, text
    for text in ("LAMM", "Image-Text", "Point Cloud-Text", "Pairs from COCO.", "\\multirow[t]{2}{*}{En}"):
        assert text in paper1, text
        assert text.replace("\\multirow[t]{2}{*}{En}", 'rowspan="2" align="left">En') in readme, text
    assert "T\\\"{U}LU" in paper and "TÜLU" in readme
    for key in ("conover2023dolly", "touvron2023llama", "wang2023far", "taori2023alpaca"):
        assert markdown.ref_anchor(key) in readme
        assert key in paper or key in (survey / "paper" / "tables" / "trained-1.tex").read_text("utf-8")
    assert "\\tnotex{tn:trained-2:a}" in paper and "\\tnotex{tn:trained-2:b}" in paper


def test_cli_imports_markdown_with_escaped_pipes_then_builds(survey, tmp_path, capsys):
    src = tmp_path / "tools.md"
    src.write_text(INLINE_MD, "utf-8")
    status = main(["-C", str(survey), "import", str(src), "-o", str(survey / "tables" / "tools.yaml")])
    err = capsys.readouterr().err
    assert status == 0, err
    data = yaml.safe_load((survey / "tables" / "tools.yaml").read_text("utf-8"))
    assert data["caption"] == "Pipe tools"
    assert data["rows"][0]["syntax"] == "\\texttt{a|b}"
    assert data["rows"][0]["note"] == "alternation with |"
    assert data["rows"][1]["syntax"] == "\\$1 | \\$2"
    assert main(["-C", str(survey), "build"]) == 0, capsys.readouterr().err
    readme = (survey / "README.md").read_text("utf-8")
    assert "alternation with \\|" in readme and "a\\|b" in readme and "**fields**" in readme
    assert "](https://www.gnu.org/software/sed/manual/)" in readme
    paper = (survey / "paper" / "tables" / "tools.tex").read_text("utf-8")
    assert "\\texttt{a|b}" in paper and "\\textbf{fields}" in paper


def test_cli_missing_bib_keys_are_reported_and_the_file_is_still_written(survey, tmp_path, capsys):
    src = tmp_path / "one.tex"
    src.write_text(r"\begin{tabular}{ll} A & B \\ \hline x~\citep{nobody2024} & y \\ \end{tabular}", "utf-8")
    assert main(["-C", str(survey), "import", str(src)]) == 1
    err = capsys.readouterr().err
    assert "cite key 'nobody2024' is not in refs.bib" in err and "one.tex:1:" in err
    assert (survey / "tables" / "one.yaml").is_file()
    stub_bib(survey, ["nobody2024"])
    assert main(["-C", str(survey), "build"]) == 0, capsys.readouterr().err


def test_cli_usage_and_existing_files(survey, tmp_path, capsys):
    assert main(["-C", str(survey), "import", str(tmp_path / "absent.tex")]) == 2
    src = tmp_path / "models.tex"
    shutil.copy(MINI / "paper" / "tables" / "models.tex", src)
    assert main(["-C", str(survey), "import", str(src)]) == 1  # tables/models.yaml exists
    assert "pass --force" in capsys.readouterr().err
    assert main(["-C", str(survey), "import", str(src), "--force"]) == 0
    src_txt = tmp_path / "table.txt"
    src_txt.write_text("| a |\n|---|\n| b |\n", "utf-8")
    assert main(["-C", str(survey), "import", str(src_txt)]) == 1
    assert "expected .tex, .md or .html" in capsys.readouterr().err


# ---- small pieces ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["a: b", "- x", "#1", "{x}", "[3]", "yes", "null", "1.10", "'q'", '"dq"',
                                   "a | b", "tab\there", "ü ✓", "@at", "%pct", "line\nbreak", "", " lead"])
def test_scalars_read_back(value):
    assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}
    assert yaml.safe_load(f"k: [{scalar(value) if ',' not in value else repr(value)}]") is not None


def test_split_row_keeps_escaped_pipes():
    assert split_row(r"| a \| b | c |") == [r" a \| b ", " c "]


def test_body_row_with_more_cells_than_the_header_gets_extra_columns():
    result = import_text("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n", "x.md")
    (table, *_), = round_trip(result)
    assert [c.title for c in table.columns] == ["a", "b", "Column 3"]
    assert any("GitHub drops the extra cells" in p.message for p in result.problems)


def test_multirow_in_a_later_column_is_copied_and_reported():
    tex = r"""\begin{tabular}{lll} A & B & C \\ \midrule x & \multirow{2}{*}{shared} & 1 \\ y & & 2 \\ \end{tabular}"""
    result = import_text(tex, "t.tex")
    (table, *_), = round_trip(result)
    assert [r.line.get("b").raw for r in table.rows] == ["shared", "shared"]
    assert any("copied to each" in p.message for p in result.problems)


def test_unknown_macro_is_kept_and_reported():
    tex = r"\begin{tabular}{ll} A & B \\ \hline x & \foo{y} \\ \end{tabular}"
    result = import_text(tex, "t.tex")
    assert "\\foo{y}" in to_yaml(result.tables[0].table)
    assert any(p.severity == "error" and "\\foo" in p.message and p.source.line == 1 for p in result.problems)
