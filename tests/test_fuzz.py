"""Hostile text is shown literally and safely in both outputs (property-based, hypothesis).

- Paper: generated rows of TeX specials, TeX primitives (\\input, \\write18, \\catcode, ^^5c), Markdown and
  HTML (<script>, [x](javascript:...), <!-- surveybuild:end -->), ligature traps (-- '' ,, !`) and the
  Latin-1 letters, combining marks and no-break spaces pdflatex can typeset go into text and list
  columns; every table compiles with real pdflatex (shell escape off), many tables per compile, and
  pdftotext finds each cell's text as written.
- README: the same plus CJK, emoji, the full-width bar and right-to-left marks; each table renders with
  GitHub's engine (cmarkgfm) to exactly the expected rows and cells, with the cell text as written,
  and no HTML element or link beyond the table's own.
- Characters pdflatex cannot typeset are one clear problem per cell (file:line:col), never a crash.
- LaTeX-typed fields accept only the allow-list of macros; every allowed macro compiles and renders.
"""

from __future__ import annotations

import html.parser
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import cmarkgfm
import pytest
import yaml
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import require_tool
from surveybuild import values
from surveybuild.renderers import latex, markdown
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.texlang.latextext import (ALLOWED, CITE_COMMANDS, IMAGE_COMMANDS, LINK_COMMANDS, NOTE_COMMANDS,
                                  LatexFieldError, to_pieces)
from surveybuild.model import Settings
from surveybuild.readers.tableread import read_table

#: Hostile pieces pdflatex can typeset: they must come out exactly as written.
HOSTILE = [
    "&", "%", "$", "#", "_", "{", "}", "~", "^", "\\", "|", "\n", "50% & R_2 #1 $x$",
    "\\input{/etc/passwd}", "\\write18{touch pwned}", "\\immediate", "\\catcode`\\@=11", "^^5cinput", "\\\\",
    "<script>alert(1)</script>", "[x](javascript:alert(1))", "<!-- surveybuild:end -->", "% surveybuild:end",
    "<img src=x onerror=alert(1)>", "&amp;", "&lt;b&gt;", "*a* _b_ ~~c~~ `d`", "![i](https://x.y/i.png)",
    "www.example.com", "https://evil.example/x", "-- --- ''q'' ``q`` ,,q !` ?` << >>", "\"q\"",
    "é", "Ü", "ß", "ø", "ñ", "e\u0301", "\u00a0", "a\u00a0b", "\t", "  ",
]
#: Text pdflatex has no glyph for: fine in the README, one clear problem in the paper.
WIDE = ["中文", "羊驼", "😀", "🦙", "｜", "\u200f", "\u200e", "\u202e", "ש", "\u200b"]
SAFE_CHARS = st.characters(min_codepoint=32, max_codepoint=126)
PIECE = st.one_of(st.sampled_from(HOSTILE), st.text(SAFE_CHARS, min_size=1, max_size=4))
TEXT = st.lists(PIECE, min_size=1, max_size=5).map("".join)
WIDE_TEXT = st.lists(st.one_of(PIECE, st.sampled_from(WIDE)), min_size=1, max_size=5).map("".join)

ROWS_PER_TABLE = 10
def fuzz(n: int, shrink: bool = True) -> settings:
    """Deterministic settings; compiling tests do not shrink (each step is a pdflatex run)."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=n, deadline=None, derandomize=True, database=None, phases=phases,
                    suppress_health_check=list(HealthCheck))

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage[paperwidth=180cm,paperheight=120cm,margin=1cm]{geometry}
\usepackage{booktabs,longtable,multirow,array}
\usepackage[referable]{threeparttablex}
\usepackage{pdflscape}
\usepackage{amssymb}
\usepackage{makecell}
\usepackage{url}
\usepackage[hidelinks]{hyperref}
\begin{document}
"""

FIGURES = {"rows": 0, "tables": 0, "compiles": 0, "compile failures": 0, "readme rows": 0, "readme tables": 0,
           "broken readme tables": 0, "latex fields": 0, "crashes": 0}


def table_yaml(rows: list[tuple[str, str, list[str]]], table_id: str, long: bool, groups: bool = False) -> str:
    data = {
        "caption": f"Fuzz {table_id}.",
        "layout": "long" if long else "float",
        "columns": [{"key": "name", "title": "Name"}, {"key": "desc", "title": "Desc"},
                    {"key": "tags", "title": "Tags", "type": "list"}],
        "rows": [{"name": f"Z{i}Z {name}", "desc": desc, "tags": tags} for i, (name, desc, tags) in enumerate(rows)],
    }
    if groups:
        data["groups"] = [{"id": "g1", "title": "First"}, {"id": "g2", "title": "Second"}]
        for i, row in enumerate(data["rows"]):
            row["group"] = "g1" if i % 2 == 0 else "g2"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def load(text: str, table_id: str):
    table, problems = read_table(text, f"tables/{table_id}.yaml")
    assert table is not None, problems
    return table


def squash(text: str) -> str:
    """Text without whitespace (TeX and HTML collapse it), in NFKC form (the PDF has ligature glyphs)."""
    text = unicodedata.normalize("NFKC", text.replace("\N{NO-BREAK SPACE}", " "))
    return re.sub(r"\s+", "", text)


def compile_pdf(body: str, workdir: Path) -> tuple[int, str, str]:
    """pdflatex (shell escape off, writes only below workdir); its exit status, log and pdftotext text."""
    tex = workdir / "fuzz.tex"
    tex.write_text(PREAMBLE + body + "\n\\end{document}\n", "utf-8")
    env = dict(os.environ, openout_any="p")
    proc = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=workdir, capture_output=True, text=True, errors="replace", env=env, timeout=120)
    log = (workdir / "fuzz.log").read_text("utf-8", errors="replace") if (workdir / "fuzz.log").exists() else ""
    text = ""
    if proc.returncode == 0:
        text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "fuzz.pdf", "-"], cwd=workdir, capture_output=True,
                              text=True, check=True).stdout
    return proc.returncode, log, text


ROW = st.tuples(TEXT, st.one_of(st.just(""), TEXT), st.lists(TEXT, min_size=1, max_size=2))


@pytest.fixture(scope="module")
def texdir(tmp_path_factory):
    require_tool("pdflatex")
    require_tool("pdftotext")
    return tmp_path_factory.mktemp("fuzz-tex")


@fuzz(8, shrink=False)
@given(rows=st.lists(ROW, min_size=20, max_size=30))
def test_fuzzed_rows_compile_and_print_as_written(rows, texdir):
    tables = []
    for n in range(0, len(rows), ROWS_PER_TABLE):
        table_id = f"fuzz{n // ROWS_PER_TABLE}"
        table = load(table_yaml(rows[n:n + ROWS_PER_TABLE], table_id, long=bool(n // ROWS_PER_TABLE % 2)), table_id)
        problems = [p for p in check_table(table, BibIndex([]), set()) if p.severity == "error"]
        assert problems == [], problems
        tables.append(table)
    body = "\n".join(latex.render_table(t, Settings()) for t in tables)
    assert "\\input{/etc" not in body and "\\write18{" not in body and "^^5c" not in body
    FIGURES["rows"] += len(rows)
    FIGURES["tables"] += len(tables)
    FIGURES["compiles"] += 1
    status, log, text = compile_pdf(body, texdir)
    if status:
        FIGURES["compile failures"] += 1
    assert status == 0, "\n".join(line for line in log.splitlines() if line.startswith("!"))[:2000]
    assert not (texdir / "pwned").exists()
    pdf = squash(text)
    for table in tables:
        for row in table.rows:
            for key in ("name", "desc", "tags"):
                raw = row.line.get(key).raw
                if not raw:
                    continue  # shown as '-', which pdftotext may join to the next line as a hyphen
                shown = ", ".join(raw) if isinstance(raw, list) else raw
                assert squash(shown) in pdf, f"{table.id} row {row.index + 1} {key}: {shown!r} not in the PDF"


class HTMLShape(html.parser.HTMLParser):
    """The elements, links and cell texts of rendered HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.comments: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell = []
        if tag == "br" and self.cell is not None:  # a cell's line break (docs/format.md): read as a space
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def shown_readme(raw) -> str:
    if raw is None or raw == "" or raw == []:
        return "-"
    text = ", ".join(raw) if isinstance(raw, list) else str(raw)
    return " ".join(" ".join(text.splitlines()).split())


@fuzz(60)
@given(rows=st.lists(st.tuples(WIDE_TEXT, st.one_of(st.just(""), WIDE_TEXT), st.lists(WIDE_TEXT, min_size=1,
                                                                                     max_size=2)),
                     min_size=1, max_size=6),
       groups=st.booleans())
def test_fuzzed_readme_tables_render_with_the_right_shape_and_nothing_injected(rows, groups):
    table = load(table_yaml(rows, "fuzz", long=False, groups=groups), "fuzz")
    # the paper side: characters pdflatex has no glyph for are one problem per cell, at the cell
    problems = check_table(table, BibIndex([]), set())
    for row in table.rows:
        for key in ("name", "desc", "tags"):
            value = row.line.get(key)
            raw = value.raw
            text = ", ".join(raw) if isinstance(raw, list) else (raw or "")
            at_cell = [p for p in problems if p.source == value.source]
            try:
                latex.escape(text)
            except latex.UnencodableText:
                assert len(at_cell) == 1 and "cannot be typeset by pdflatex" in at_cell[0].message, at_cell
            else:
                assert at_cell == [], at_cell
    # the README side
    text = markdown.render_table(table, markdown.Citations())
    rendered = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    shape = HTMLShape()
    shape.feed(rendered)
    FIGURES["readme tables"] += 1
    FIGURES["readme rows"] += len(rows)
    ok = False
    try:
        assert set(shape.tags) <= {"table", "thead", "tbody", "tr", "th", "td", "br"}, shape.tags
        # a <br> for each line break of a cell, and nowhere else
        breaks = sum(max(0, len(values.lines(", ".join(r) if isinstance(r, list) else r or "")) - 1)
                     for row in table.rows for r in (row.line.get(k).raw for k in ("name", "desc", "tags")))
        assert shape.tags.count("br") == breaks, (shape.tags.count("br"), breaks)
        assert shape.comments == [], shape.comments
        # GitHub links a bare e-mail address whatever the escaping; nothing else may become a link
        assert all(link.startswith("mailto:") for link in shape.links), shape.links
        header, body = shape.rows[0], shape.rows[1:]
        assert header[-3:] == ["Name", "Desc", "Tags"]
        assert len(body) == len(table.rows)
        seen_groups = set()
        for row, cells in zip(_display_order(table), body):
            if groups and row.group not in seen_groups:  # the first row of a group carries its title cell
                seen_groups.add(row.group)
                cells = cells[1:]
            assert cells == [shown_readme(row.line.get(k).raw) for k in ("name", "desc", "tags")]
        ok = True
    finally:
        if not ok:
            FIGURES["broken readme tables"] += 1


def _display_order(table):
    from surveybuild.renderers import layout
    return [row for section in layout.sections(table) for row in section.rows]


MACRO_NAME = st.from_regex(r"[A-Za-z]{1,10}|[^A-Za-z\s]", fullmatch=True)


@fuzz(200)
@given(name=MACRO_NAME, before=TEXT, arg=st.sampled_from(["", "{x}", "{}", "[o]{x}", " x"]))
def test_latex_fields_accept_only_the_allow_list(name, before, arg):
    field = before.replace("\\", "").replace("%", "") + "\\" + name + arg
    FIGURES["latex fields"] += 1
    try:
        to_pieces(field)
    except LatexFieldError as exc:
        assert exc.problems  # rejected, with a message
        if name.isalpha() and name not in ALLOWED and re.fullmatch(r"[A-Za-z0-9 ]*", before):
            assert any(f"macro '\\{name}' is not allowed" in p for p in exc.problems), exc.problems
    else:
        assert name in ALLOWED or not name.isalpha(), f"\\{name} got through"


def allowed_samples() -> list[str]:
    """One field per allowed macro, with the arguments it takes."""
    samples = []
    for name in sorted(ALLOWED):
        if name in CITE_COMMANDS or name in NOTE_COMMANDS or name in LINK_COMMANDS:
            continue  # checked against refs.bib / notes / URLs, covered by the catalogue and the parity test
        if name in IMAGE_COMMANDS:
            continue  # never reaches TeX: latex.latex_field leaves the alt text (test_import_regressions)
        if len(name) == 1 and not name.isalpha() and name not in "'`^\"~=.":
            samples.append(f"a\\{name}b")  # \& \% \{ \, ...
        elif name in ("'", "`", "^", '"', "~", "=", ".", "u", "v", "H", "c", "d", "b", "k", "r", "t"):
            samples.append(f"\\{name}{{o}}")
        elif name.startswith("text") and name not in ("textendash", "textemdash") and not name.startswith("textquote") \
                and name not in ("textasciitilde", "textasciicircum", "textbackslash", "textbar", "textless",
                                 "textgreater", "textbullet", "textdagger", "textdegree", "textregistered",
                                 "texttrademark"):
            samples.append(f"\\{name}{{word}}")
        elif name in ("emph", "underline", "mbox"):
            samples.append(f"\\{name}{{word}}")
        elif name in ("sc", "bf", "it", "em", "tt", "small", "footnotesize"):
            samples.append(f"{{\\{name} word}}")
        elif name in ("times", "pm", "approx", "sim", "leq", "geq"):
            samples.append(f"$1\\{name} 2$")
        else:
            samples.append(f"\\{name}{{}}")
    return samples


def test_every_allowed_macro_compiles_and_renders(texdir):
    samples = allowed_samples()
    for sample in samples:
        to_pieces(sample)  # accepted
    body = "\n".join(f"\\noindent X{i}X {s}\\par" for i, s in enumerate(samples))
    status, log, text = compile_pdf(body, texdir)
    errors = "\n".join(line for line in log.splitlines() if line.startswith("!") or "Undefined" in line)
    assert status == 0, errors


def test_fuzz_figures(capsys):
    """Printed for docs/robustness.md: how many rows were fuzzed, and that nothing failed."""
    with capsys.disabled():
        print("\nfuzz: " + ", ".join(f"{v} {k}" for k, v in FIGURES.items()))
    assert FIGURES["crashes"] == FIGURES["compile failures"] == FIGURES["broken readme tables"] == 0
    if FIGURES["compiles"]:  # the whole module ran (not one test picked with -k)
        assert FIGURES["rows"] >= 150 and FIGURES["readme rows"] >= 150 and FIGURES["latex fields"] == 200
