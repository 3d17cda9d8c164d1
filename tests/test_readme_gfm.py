"""README.md as GitHub renders it (cmark-gfm): tables are rectangular, no LaTeX leaks, every link lands.

The HTML is parsed with the standard library's html.parser; heading anchors are
computed here, independently of surveybuild, with GitHub's rule from
/work/shared/reference/latex-and-gfm-facts.md.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import hypothesis
import cmarkgfm
import pytest
import yaml
from cmarkgfm.cmark import Options

from conftest import MINI, SURVEY_PARAMS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, *tags: str):
        for child in self.children:
            if isinstance(child, Node):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def render(markdown: str) -> Node:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lowercase; keep letters, digits, '-', '_' and spaces; each space -> '-'."""
    return "".join("-" if ch == " " else ch for ch in text.lower() if ch.isalnum() or ch in "-_ ")


def heading_anchors(doc: Node) -> list[str]:
    """The anchors of every heading in document order; a repeated anchor gets -1, -2, ..."""
    seen: dict[str, int] = {}
    used: set[str] = set()
    out = []
    for heading in doc.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        base = github_slug(heading.text().strip())
        slug = base
        while slug in used:
            seen[base] = seen.get(base, 0) + 1
            slug = f"{base}-{seen[base]}"
        used.add(slug)
        out.append(slug)
    return out


@pytest.mark.parametrize("markdown, anchors", [
    pytest.param("## 🥳 News\n", ["-news"], id="emoji-dropped-space-kept"),
    pytest.param("## Datasets\n\n## Models\n\n### Datasets\n\n### Models\n",
                 ["datasets", "models", "datasets-1", "models-1"], id="repeats-numbered"),
    pytest.param("# A\n# A\n# A\n", ["a", "a-1", "a-2"], id="third-repeat"),
    pytest.param("## Table of Contents\n", ["table-of-contents"], id="spaces"),
    pytest.param("## GPT-4 & Claude\n", ["gpt-4--claude"], id="runs-not-collapsed"),
    pytest.param("## Close-ended Evaluations (2024)\n", ["close-ended-evaluations-2024"], id="punctuation"),
    pytest.param("## Über_Tables\n", ["über_tables"], id="unicode-letter-underscore"),
    pytest.param("## The `code` *part*\n", ["the-code-part"], id="inline-markup-uses-text"),
])
def test_github_heading_anchor_rule(markdown, anchors):
    assert heading_anchors(render(markdown)) == anchors


# --- the READMEs under test ------------------------------------------------------------------------


def readme_root(request, name: str) -> Path:
    if name == "mini":
        return MINI  # the committed README (test_build checks that it is what the sources generate)
    return request.getfixturevalue("built_survey")(name)


@pytest.fixture(params=SURVEY_PARAMS)
def readme(request):
    root = readme_root(request, request.param)
    return request.param, root, render((root / "README.md").read_text("utf-8"))


def table_shapes(table: Node) -> tuple[int, list[int], int]:
    """(header columns, every row's width, body rows) of one <table>.

    A row's width is its own cells' colspans plus the colspans of cells in rows above
    whose rowspan reaches down into it.
    """
    widths: list[int] = []
    body_rows = 0
    sections = [c for c in table.children if isinstance(c, Node) and c.tag in ("thead", "tbody", "tfoot")] or [table]
    for section in sections:
        carried: list[tuple[int, int]] = []  # (colspan, rows below the current one still covered)
        for row in (c for c in section.children if isinstance(c, Node) and c.tag == "tr"):
            own = [(int(c.attrs.get("colspan") or 1), int(c.attrs.get("rowspan") or 1))
                   for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]
            widths.append(sum(span for span, _ in carried) + sum(span for span, _ in own))
            body_rows += section.tag == "tbody"
            carried = [(span, left - 1) for span, left in carried if left > 1] + \
                      [(span, down - 1) for span, down in own if down > 1]
    return (widths[0] if widths else 0), widths, body_rows


def yaml_tables(root: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text("utf-8")) for p in sorted((root / "tables").glob("*.yaml"))
            if not p.name.startswith("_")]


def test_every_table_row_has_as_many_cells_as_the_header(readme):
    name, _, doc = readme
    tables = list(doc.iter("table"))
    assert tables
    for i, table in enumerate(tables, 1):
        header, widths, _ = table_shapes(table)
        assert header > 0
        bad = [(n, w) for n, w in enumerate(widths, 1) if w != header]
        assert not bad, f"{name} README, table {i}: rows (number, width) differ from the header's {header}: {bad}"


def template_tables(root: Path) -> list[Node]:
    """Tables the README template writes itself (its text with every jinja2 tag removed)."""
    text = (root / "templates/README.md.j2").read_text("utf-8")
    return list(render(re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", text, flags=re.S)).iter("table"))


def test_table_and_body_row_counts_match_the_yaml(readme):
    name, root, doc = readme
    sources, own = yaml_tables(root), template_tables(root)
    tables = list(doc.iter("table"))
    assert len(tables) == len(sources) + len(own)
    expected_rows = sum(max(1, len(row.get("subrows") or [])) for t in sources for row in t["rows"])
    expected_rows += sum(table_shapes(t)[2] for t in own)
    assert sum(table_shapes(t)[2] for t in tables) == expected_rows
    if name == "mini":
        assert (len(tables), expected_rows) == (2, 7)


def test_every_readme_column_title_is_a_header(readme):
    _, root, doc = readme
    headers = {" ".join(th.text().split()) for th in doc.iter("th")}
    for source in yaml_tables(root):
        for column in source["columns"]:
            if column.get("show", "both") in ("both", "readme"):
                assert column["title"] in headers, column["title"]


LATEX = re.compile(r"\\[A-Za-z]+")
MATH = re.compile(r"\$`?[^$]+?`?\$")


def test_no_latex_in_cells(readme):
    _, _, doc = readme
    cells = [" ".join(c.text().split()) for c in doc.iter("td", "th")]
    assert cells
    cells = [MATH.sub("", c) for c in cells]  # $...$ math is kept as its source: GitHub typesets it
    leaks = [c for c in cells if LATEX.search(c) or "\\tnotex" in c or "\\citep" in c or "~\\" in c]
    assert not leaks, leaks


def test_no_latex_cite_or_note_macro_outside_code(readme):
    _, _, doc = readme

    def text(node: Node) -> str:
        return "".join(c if isinstance(c, str) else ("" if c.tag in ("pre", "code") else text(c))
                       for c in node.children)

    body = text(doc)
    for macro in ("\\tnotex", "\\citep", "\\citet", "\\cite{", "\\url{", "\\href{", "\\textbf"):
        assert macro not in body


def local_links(doc: Node) -> list[str]:
    """The targets of ``#x`` links, percent-decoded as a browser does (cmark-gfm encodes non-ASCII)."""
    return [unquote(a.attrs["href"][1:]) for a in doc.iter("a") if a.attrs.get("href", "").startswith("#")]


def missing_targets(doc: Node) -> list[str]:
    """Local links (#x) with no id="x", name="x" or heading anchor x in the document."""
    targets = {n.attrs[a] for n in doc.iter() for a in ("id", "name") if n.attrs.get(a)}
    targets |= set(heading_anchors(doc))
    return sorted({link for link in local_links(doc) if link not in targets})


def test_every_local_link_has_a_target(readme):
    _, _, doc = readme
    assert local_links(doc)
    assert missing_targets(doc) == []


@pytest.mark.parametrize("markdown, missing", [
    pytest.param("- [Overview](#Overview)\n\n## Overview\n", ["Overview"], id="capitalised"),
    pytest.param("[a](#datasets-1)\n\n## Datasets\n", ["datasets-1"], id="no-second-heading"),
    pytest.param("[a](#datasets-1)\n\n## Datasets\n\n## Datasets\n", [], id="second-heading"),
    pytest.param('[a](#ref-x) [b](#ref-y)\n\n<a id="ref-x"></a>x\n', ["ref-y"], id="html-id"),
    pytest.param('[a](#top)\n\n<a name="top"></a>\n', [], id="html-name"),
])
def test_link_checker_finds_dangling_links(markdown, missing):
    assert missing_targets(render(markdown)) == missing


@pytest.mark.parametrize("html, widths", [
    pytest.param("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td></tr></table>", [2, 1], id="short-row"),
    pytest.param('<table><tr><th colspan="2">a</th></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>',
                 [2, 3], id="long-row"),
    pytest.param('<table><tbody><tr><td rowspan="3">g</td><td>1</td></tr><tr><td>2</td></tr>'
                 '<tr><td>3</td></tr><tr><td>4</td></tr></tbody></table>', [2, 2, 2, 1], id="rowspan-ends"),
    pytest.param('<table><thead><tr><th rowspan="2">a</th><th colspan="2">g</th></tr><tr><th>b</th><th>c</th>'
                 '</tr></thead></table>', [3, 3], id="two-level-header"),
])
def test_table_shape_counts_spans(html, widths):
    (table,) = render(html).iter("table")
    assert table_shapes(table)[1] == widths


def test_toc_links_go_to_headings(readme):
    _, _, doc = readme
    anchors = set(heading_anchors(doc))
    toc = [link for link in local_links(doc) if not link.startswith(("ref-", "tn-"))]
    assert toc and set(toc) <= anchors


def citation_links(doc: Node) -> list[tuple[int, str]]:
    """(number, target id) of every [n] citation: GFM's [\\[n\\]](#x) or HTML's [<a href="#x">n</a>]."""
    out = []
    for a in doc.iter("a"):
        href = a.attrs.get("href", "")
        if not href.startswith("#"):
            continue
        text = a.text().strip()
        m = re.fullmatch(r"\[(\d+)\]", text)
        if m is None and text.isdigit():
            siblings = a.parent.children
            i = next(k for k, c in enumerate(siblings) if c is a)
            before = siblings[i - 1] if i else ""
            after = siblings[i + 1] if i + 1 < len(siblings) else ""
            if isinstance(before, str) and before.endswith("[") and isinstance(after, str) and after.startswith("]"):
                m = re.fullmatch(r"(\d+)", text)
        if m:
            out.append((int(m.group(1)), href[1:]))
    return out


def text_after(node: Node) -> str:
    """The text that follows ``node`` inside its parent block."""
    siblings = node.parent.children
    i = next(k for k, c in enumerate(siblings) if c is node)
    return "".join(c if isinstance(c, str) else c.text() for c in siblings[i + 1:])


def test_every_citation_number_matches_its_reference(readme):
    name, root, doc = readme
    cites = citation_links(doc)
    cited_rows = sum(1 for t in yaml_tables(root) for row in t["rows"] if row.get("cite"))
    assert len(cites) >= cited_rows
    by_id = {n.attrs["id"]: n for n in doc.iter() if n.attrs.get("id")}
    numbers: dict[str, int] = {}
    for n, target in cites:
        assert target in by_id, target
        assert text_after(by_id[target]).lstrip().startswith(f"[{n}]"), (n, target, text_after(by_id[target])[:40])
        assert numbers.setdefault(target, n) == n, f"{target} is cited as [{numbers[target]}] and [{n}]"
    if name == "mini":
        assert sorted(set(numbers.values())) == [1, 2, 3, 4, 5, 6]


def test_reference_numbers_are_consecutive(readme):
    _, _, doc = readme
    numbers = []
    for node in doc.iter():
        if node.attrs.get("id", "").startswith("ref-"):
            m = re.match(r"\s*\[(\d+)\]", text_after(node))
            assert m, node.attrs["id"]
            numbers.append(int(m.group(1)))
    assert numbers == list(range(1, len(numbers) + 1))


def test_note_marks_link_to_their_note(readme):
    _, _, doc = readme
    by_id = {n.attrs["id"]: n for n in doc.iter() if n.attrs.get("id")}
    marks = [(a.text().strip(), a.attrs["href"][1:]) for a in doc.iter("a")
             if a.attrs.get("href", "").startswith("#tn-") and a.parent.tag == "sup"]
    for mark, target in marks:
        following = [c for c in by_id[target].parent.children if isinstance(c, Node) and c.tag == "sup"]
        assert following and following[0].text().strip() == mark, (mark, target)


def test_mini_readme_shows_the_special_row_as_text():
    doc = render((MINI / "README.md").read_text("utf-8"))
    cells = [" ".join(c.text().split()) for c in doc.iter("td")]
    assert "50% & R_2 #1 $x$" in cells
    assert "a | b" in cells
    assert "161,443" in cells
    assert any(c.startswith("TÜLU [3]") for c in cells)


def test_headings_are_those_github_renders():
    from surveybuild.renderers.readme import headings

    page = ("# Top *one*\n\nSetext `two`\n------------\n\n```\n## not a heading\n```\n\n"
            "    ## indented code\n\n## A &amp; B <sup>raw</sup>\n\n> ### quoted\n\n- ## in a list\n\n"
            "| a |\n| - |\n| ## cell |\n")
    assert headings(page) == [(1, "Top one"), (2, "Setext two"), (2, "A & B raw"), (3, "quoted"),
                              (2, "in a list")]


@hypothesis.settings(derandomize=True, max_examples=300, deadline=None)
@hypothesis.given(hypothesis.strategies.lists(hypothesis.strategies.text(
    alphabet=hypothesis.strategies.sampled_from([chr(i) for i in range(128)] + list("éÜß漢😀’–")), max_size=12),
    max_size=8))
def test_slugger_equals_github_slugger(headings):
    """renderers.slug.Slugger makes ASCII headings' anchors itself: the same as github-slugger's, repeats numbered."""
    from github_slugger import GithubSlugger

    from surveybuild.renderers.slug import Slugger

    ours, theirs = Slugger(), GithubSlugger()
    for heading in headings + headings[:2] + ["x", "x-1", "x"]:
        assert ours.slug(heading) == theirs.slug(heading)
