"""The attack suite: an untrusted pull request controls every file of the survey (docs/robustness.md).

Each test is one vector. The project lives in ``tmp_path/proj``; a secret file with a random token
lies OUTSIDE it (``tmp_path/secret.txt``), and a sentinel file (``tmp_path/sentinel``) appears only
if code ran. Every test asserts: nothing leaks (the token is in no file of the project, no PDF's
text, no message), nothing runs (no sentinel), and the attack gets a clear placed message or a
harmless output. No traceback, ever.
"""

from __future__ import annotations

import html.parser
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from conftest import MINI, copy_survey, edit, require_tool
from surveybuild.build import texrun
from surveybuild.cli import main


@dataclass
class Scene:
    root: Path  # the project
    secret: Path  # outside the project
    token: str
    sentinel: Path  # appears only if code ran
    outside: Path  # a folder outside the project, for links and writes

    def run(self, capfd, *args: str) -> tuple[int, str]:
        """The CLI's exit code and everything it printed."""
        code = main(["-C", str(self.root), *args])
        out = capfd.readouterr()
        return code, out.out + out.err

    def assert_safe(self, printed: str = "") -> None:
        """Nothing ran, nothing leaked into the project, the PDFs, the messages, or outside folder."""
        assert not self.sentinel.exists(), "code ran"
        assert "Traceback" not in printed
        assert self.token not in printed
        for path in self.root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert self.token.encode() not in path.read_bytes(), f"the secret leaked into {path}"
                if path.suffix == ".pdf":
                    assert self.token not in pdf_text(path), f"the secret is in {path}'s text"
        assert sorted(p.name for p in self.outside.iterdir()) == [], "something was written outside"


@pytest.fixture
def scene(tmp_path) -> Scene:
    token = "SECRET-" + secrets.token_hex(8)
    secret = tmp_path / "secret.txt"
    secret.write_text(token + "\n", "utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    root = copy_survey(MINI, tmp_path / "proj")
    return Scene(root, secret, token, tmp_path / "sentinel", outside)


def pdf_text(pdf: Path) -> str:
    require_tool("pdftotext")
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_links(pdf: Path) -> list[str]:
    require_tool("pdfinfo")
    out = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split(None, 2)[2] for line in out.splitlines()[1:] if line.strip()]


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def line_of(path: Path, needle: str) -> int:
    text = path.read_text("utf-8")
    return text[: text.index(needle)].count("\n") + 1


# -- templates: jinja2's sandbox -----------------------------------------------------------------------------

@pytest.mark.parametrize("command, payload", [
    ("check", 'cycler.__init__.__globals__.os.popen("touch SENTINEL").read()'),
    ("build", 'cycler.__init__.__globals__.os.popen("touch SENTINEL").read()'),
    ("build", '"{0.__init__.__globals__[os].popen}".format(cycler)'),
    ("build", '"".__class__.__mro__[1].__subclasses__()'),
    ("build", 'table.__globals__'),
    ("build", 'tables.__class__.__init__.__globals__'),
])
def test_readme_template_cannot_run_python(scene, capfd, command, payload):
    template = scene.root / "templates" / "README.md.j2"
    append(template, "{{ " + payload.replace("SENTINEL", str(scene.sentinel)) + " }}\n")
    line = len(template.read_text("utf-8").splitlines())
    code, printed = scene.run(capfd, command)
    assert code == 1
    assert f"templates/README.md.j2:{line}: error: template error: not allowed: access to attribute" in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("name", ["../../secret.txt", "SECRET_ABS", "../secret.txt"])
def test_readme_template_cannot_include_a_file_outside(scene, capfd, name):
    name = str(scene.secret) if name == "SECRET_ABS" else name
    template = scene.root / "templates" / "README.md.j2"
    append(template, f"{{% include '{name}' %}}\n")
    code, printed = scene.run(capfd, "build")
    assert code == 1
    line = len(template.read_text("utf-8").splitlines())
    assert f"templates/README.md.j2:{line}: error: template error: {name}" in printed
    scene.assert_safe(printed)


def test_readme_template_symlinked_outside_is_not_read(scene, capfd):
    template = scene.root / "templates" / "README.md.j2"
    (scene.outside.parent / "evil.j2").write_text("{{ 7 * 7 }}\n", "utf-8")
    template.unlink()
    template.symlink_to(scene.outside.parent / "evil.j2")
    code, printed = scene.run(capfd, "build")
    assert code == 1
    assert "templates/README.md.j2: error: not read: templates/README.md.j2 is a symbolic link to" in printed
    assert "49" not in (scene.root / "README.md").read_text("utf-8")
    scene.assert_safe(printed)


# -- YAML strings that reach LaTeX ---------------------------------------------------------------------------

def test_table_label_cannot_inject_latex(scene, capfd):
    table = scene.root / "tables" / "models.yaml"
    edit(table, "caption: Instruction-tuned models.\n", "caption: Instruction-tuned models.\n"
         f'label: "tab:x}}\\\\InputIfFileExists{{{scene.secret}}}{{}}{{}}\\\\def\\\\x{{"\n')
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"tables/models.yaml:{line_of(table, 'label:')}:8: error: label: " in printed
    assert "a label is a letter, then letters, digits and : . _ -" in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("where", ["definition", "row"])
def test_note_id_cannot_inject_latex(scene, capfd, where):
    table = scene.root / "tables" / "models.yaml"
    evil = "x}\\\\openout1=pwned.tex\\\\def\\\\y{"
    if where == "definition":
        edit(table, "  tokens: Size counted in tokens.", f'  tokens: Size counted in tokens.\n  "{evil}": z')
    else:
        edit(table, "notes: [tokens]", f'notes: [tokens, "{evil}"]')
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"tables/models.yaml:{line_of(table, 'openout')}:" in printed
    assert "an id is made of letters, digits and _ . : -" in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("name", ["a\nb.yaml", "a b.yaml", "x}\\input{y.yaml", ".hidden.yaml", "a%b.yaml"])
def test_table_file_name_cannot_inject_latex(scene, capfd, name):
    (scene.root / "tables" / name).write_text((scene.root / "tables" / "models.yaml").read_text("utf-8")
                                             .replace("caption:", "label: tab:other\ncaption:"), "utf-8")
    before = sorted(p.name for p in (scene.root / "paper" / "tables").iterdir())
    code, printed = scene.run(capfd, "build")
    assert code == 1
    assert "error: table file name" in printed and "is not allowed: it becomes the table's id" in printed
    assert "\\x0a" in printed if "\n" in name else True
    assert sorted(p.name for p in (scene.root / "paper" / "tables").iterdir()) == before
    scene.assert_safe(printed)


def test_caption_and_group_title_are_held_to_the_cell_rules(scene, capfd):
    table = scene.root / "tables" / "models.yaml"
    edit(table, "caption: Instruction-tuned models.", f"caption: 'x \\InputIfFileExists{{{scene.secret}}}{{}}{{}}'")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert "tables/models.yaml:1:1: error: table 'models': caption: macro '\\InputIfFileExists' is not allowed" \
        in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("value", ["'input{SECRET}\\\\citep'", "immediate", "'citep}\\\\def\\\\x{'"])
def test_cite_command_setting_cannot_inject_latex(scene, capfd, value):
    (scene.root / "surveybuild.yaml").write_text(f"cite_command: {value.replace('SECRET', str(scene.secret))}\n",
                                                 "utf-8")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert "surveybuild.yaml:1:15: error: setting 'cite_command': " in printed and "is not a cite command" in printed
    scene.assert_safe(printed)


# -- refs.bib ------------------------------------------------------------------------------------------------

def test_bib_preamble_is_refused_unless_opted_in(scene, capfd):
    bib = scene.root / "refs.bib"
    append(bib, f'\n@preamble{{"\\InputIfFileExists{{{scene.secret}}}{{}}{{}}"}}\n')
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"refs.bib:{line_of(bib, '@preamble')}:1: error: @preamble is TeX code" in printed
    assert "bib_preamble: true" in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("field", [
    "\\InputIfFileExists{SECRET}{}{}", "\\input{SECRET}", "\\makeatletter\\@@input SECRET ",
    "\\immediate\\openout1=pwned.tex", "\\immediate\\write18{touch SENTINEL}", "\\catcode`\\^^5c=12",
    "\\def\\x{y}", "\\csname input\\endcsname{SECRET}", "\\expandafter\\x", "^^5cinput{SECRET}",
    "\\pdffiledump length 99 {SECRET}", "\\newcommand{\\x}{y}", "\\lstinputlisting{SECRET}",
])
def test_bib_field_cannot_reach_tex_primitives(scene, capfd, field):
    field = field.replace("SECRET", str(scene.secret)).replace("SENTINEL", str(scene.sentinel))
    bib = scene.root / "refs.bib"
    edit(bib, "  year = {2023},\n  howpublished", f"  year = {{2023}},\n  note = {{{field}}},\n  howpublished")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"refs.bib:{line_of(bib, 'note = ')}:" in printed
    assert "is not allowed in a .bib file" in printed or "'^^' is TeX's character-code notation" in printed
    scene.assert_safe(printed)


def test_ordinary_bib_latex_passes(scene, capfd):
    """Accents, styles, math, \\url, \\& and a paper's own macros are what real .bib files hold: no error."""
    bib = scene.root / "refs.bib"
    edit(bib, "  year = {2023},\n  howpublished", "  year = {2023},\n  note = {G{\\\"o}del \\v{c} \\emph{x} "
         "\\textsc{y} $\\alpha \\leq \\mathcal{O}(n)$ \\& Co.\\@ \\proglang{R} \\url{https://x.org}},\n  howpublished")
    # a macro of the paper's own (a cited entry's unknown macro is an error: bibcheck), defined in its preamble
    edit(scene.root / "paper/main.tex", "\\begin{document}", "\\providecommand{\\proglang}[1]{#1}\n\\begin{document}")
    code, printed = scene.run(capfd, "check")
    assert "refs.bib" not in printed.replace("refs.bib and generated", ""), printed
    scene.assert_safe(printed)


def test_bib_key_cannot_inject_latex(scene, capfd):
    append(scene.root / "refs.bib", "\n@misc{k\\input/etc/hostname,\n  title = {T},\n  year = {2023}\n}\n")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert "error: entry key 'k\\input/etc/hostname' holds a space or one of" in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("field, says", [
    ("url = {javascript:alert(1)}",
     "error: entry 'taori2023alpaca': url 'javascript:alert(1)' is not an http(s) address"),
    ('url = "java" # "script:alert(1)"', "error: entry 'taori2023alpaca': url '\"java\" # \"script:alert(1)\"' is not"),
    ("note = {\\href{https://ok.org}{\\url{javascript:x}}}", "error: a 'javascript:' link is not allowed"),
    ("note = {\\url{file:///etc/passwd}}", "error: a 'file:' link is not allowed"),
])
def test_bib_links_are_http_only(scene, capfd, field, says):
    bib = scene.root / "refs.bib"
    edit(bib, "  year = {2023},\n  howpublished", f"  year = {{2023}},\n  {field},\n  howpublished")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert "refs.bib:" in printed and says in printed, printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("text", [
    '@string{a = "\\inp"}\n@misc{x, title = a # "ut{SECRET}", year = 2023}',
    '@misc{x, title = "\\inp" # "ut{SECRET}", year = 2023}',
    '@misc{x, title = "^" # "^5cinput{SECRET}", year = 2023}',
])
def test_bib_concatenation_cannot_spell_a_command(scene, capfd, text):
    append(scene.root / "refs.bib", "\n" + text.replace("SECRET", str(scene.secret)) + "\n")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert "a '#' concatenation could continue it" in printed or "a '#' concatenation that continues" in printed
    scene.assert_safe(printed)


# -- symbolic links out of the project -----------------------------------------------------------------------

@pytest.mark.parametrize("rel", ["tables/x.yaml", "README.md", "refs.bib", "tables/models.yaml"])
def test_symlinked_input_outside_is_not_read(scene, capfd, rel):
    link = scene.root / rel
    link.unlink(missing_ok=True)
    link.symlink_to(scene.secret)
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"{rel}: error: not read: {rel} is a symbolic link to {scene.secret}, outside the survey folder" \
        in printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("rel", ["README.md", "paper/tables"])
def test_symlinked_output_outside_is_not_written(scene, capfd, rel):
    link = scene.root / rel
    if link.is_dir():
        for child in link.iterdir():
            child.unlink()
        link.rmdir()
    else:
        link.unlink()
    link.symlink_to(scene.outside / "target" if rel == "README.md" else scene.outside)
    code, printed = scene.run(capfd, "build")
    assert code == 1
    assert f"error: not written: {rel} is a symbolic link to {scene.outside}" in printed
    scene.assert_safe(printed)


def test_symlink_inside_the_project_is_followed(scene, capfd):
    real = scene.root / "tables" / "_models.yaml"  # '_': not a table of its own
    (scene.root / "tables" / "models.yaml").rename(real)
    (scene.root / "tables" / "models.yaml").symlink_to("_models.yaml")
    code, printed = scene.run(capfd, "build")
    assert code == 0, printed
    scene.assert_safe(printed)


@pytest.mark.parametrize("rel", ["paper/intro.tex", "paper/figure.png", "paper/build/main.log", "paper/extra"])
def test_symlink_out_of_the_paper_folder_stops_tex(scene, capfd, rel):
    """TeX follows links (openin_any guards names, not targets): no link in the paper's folder may leave."""
    link = scene.root / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(scene.outside if rel == "paper/extra" else scene.secret)
    if rel == "paper/intro.tex":
        edit(scene.root / "paper" / "main.tex", "\\section{Mini}", "\\section{Mini}\n\\input{intro}")
    code, printed = scene.run(capfd, "paper")
    assert code == 1
    if rel.endswith(".tex"):  # a .tex file of the paper is read (for its citations) before TeX could run
        assert f"{rel}: error: not read: {rel} is a symbolic link to {scene.secret}" in printed
    else:
        assert f"{rel}: error: symbolic link to" in printed and "TeX would read or write through it" in printed
    assert not (scene.root / "paper" / "build" / "main.pdf").exists()
    scene.assert_safe(printed)


def test_arxiv_bundles_nothing_through_a_link(scene, capfd):
    (scene.root / "paper" / "figure.png").symlink_to(scene.secret)
    edit(scene.root / "paper" / "main.tex", "\\section{Mini}", "\\section{Mini}\n\\includegraphics{figure}")
    code, printed = scene.run(capfd, "arxiv")
    assert code == 1
    assert "paper/figure.png: error: symbolic link to" in printed
    assert not (scene.root / "dist").exists()
    scene.assert_safe(printed)


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "..", "/tmp/x"])
def test_arxiv_name_is_a_plain_file_name(scene, capfd, name):
    code, printed = scene.run(capfd, "arxiv", "--name", name)
    assert code == 2
    assert f"surveybuild: error: --name {name!r} is not a plain file name" in printed
    assert not (scene.root / "dist").exists()
    scene.assert_safe(printed)


# -- the README cannot be broken out of ----------------------------------------------------------------------

class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]


def readme_links(readme: str) -> _Links:
    """What GitHub's engine makes of the README (raw HTML kept, as on github.com before sanitizing)."""
    rendered = cmarkgfm.github_flavored_markdown_to_html(readme, options=Options.CMARK_OPT_UNSAFE)
    parser = _Links()
    parser.feed(rendered)
    return parser


def assert_http_links_only(parser: _Links) -> None:
    for href in parser.hrefs:
        assert href.startswith(("https://", "http://", "#")), href
    assert not parser.tags & {"img", "script", "iframe"}


def test_bibtex_block_cannot_close_its_fence(scene, capfd):
    bib = scene.root / "refs.bib"
    hostile = "x\n```\n<img src=x onerror=alert(1)>\n[a](javascript:alert(1))\n~~~\n</pre><script>alert(1)</script>"
    text = bib.read_text("utf-8")
    start = text.index("@inproceedings{zhang2023instruction") if "@inproceedings{zhang2023instruction" in text \
        else text.index("zhang2023instruction")
    brace = text.index("title = {", start)
    bib.write_text(text[:brace] + f"abstract = {{{hostile}}},\n  " + text[brace:], "utf-8")
    code, printed = scene.run(capfd, "build")
    assert code == 0, printed
    readme = (scene.root / "README.md").read_text("utf-8")
    assert "<img src=x onerror=alert(1)>" in readme  # shown, as code
    assert_http_links_only(readme_links(readme))
    scene.assert_safe(printed)


def test_nested_link_in_a_cell_is_refused(scene, capfd):
    table = scene.root / "tables" / "models.yaml"
    edit(table, "base: OPT", "base: '\\href{https://ok.org}{\\url{javascript:alert(1)}}'")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"tables/models.yaml:{line_of(table, 'javascript')}:11: error: table 'models' row 'T\\\"{{U}}LU' " \
           "column 'base': \\url inside the text of a link is not allowed" in printed
    scene.assert_safe(printed)


def test_caret_in_a_url_column_is_refused_at_check(scene, capfd):
    table = scene.root / "tables" / "models.yaml"
    edit(table, "project: https://github.com/allenai/open-instruct", "project: https://x.org/^^5cinput")
    code, printed = scene.run(capfd, "check")
    assert code == 1
    assert f"tables/models.yaml:{line_of(table, '^^5c')}:14: error:" in printed and "write ^ as %5E" in printed
    scene.assert_safe(printed)


def test_readme_gets_only_http_links_from_hostile_cells(scene, capfd):
    table = scene.root / "tables" / "models.yaml"
    edit(table, "base: OPT", "base: '\\href{https://ok.org/a)c]d(}{x](javascript:alert(1)) \"><img src=x>}'")
    edit(table, "name: Claude", "name: '[c](javascript:alert(1)) <a href=\"javascript:x\">y</a> ```'")
    code, printed = scene.run(capfd, "build")
    assert code == 0, printed
    parser = readme_links((scene.root / "README.md").read_text("utf-8"))
    assert any(h.startswith("https://ok.org/a") for h in parser.hrefs), parser.hrefs
    assert_http_links_only(parser)
    scene.assert_safe(printed)


# -- TeX: no rc file, no reads or writes outside, only http(s) links ----------------------------------------

@pytest.fixture(scope="module")
def hostile_paper(tmp_path_factory):
    """One compile of a paper that tries every read TeX could make, with a latexmkrc and @preamble."""
    require_tool("latexmk")
    base = tmp_path_factory.mktemp("hostile-paper")
    token = "SECRET-" + secrets.token_hex(8)
    (base / "secret.txt").write_text(token + "\n", "utf-8")
    outside = base / "outside"
    outside.mkdir()
    scene = Scene(copy_survey(MINI, base / "proj"), base / "secret.txt", token, base / "sentinel", outside)
    paper = scene.root / "paper"
    for rc in ("latexmkrc", ".latexmkrc"):
        (paper / rc).write_text(f'system("touch {scene.sentinel}");\n$pdflatex = "touch {scene.sentinel}; %O %S";\n',
                                "utf-8")
    (scene.root / "latexmkrc").write_text(f'system("touch {scene.sentinel}");\n', "utf-8")
    (paper / ".dotfile.tex").write_text("DOTFILE-CONTENT\n", "utf-8")
    reads = (
        f"ABS[\\InputIfFileExists{{{scene.secret}}}{{}}{{refused}}]\n"
        "DOTDOT[\\InputIfFileExists{../../secret.txt}{}{refused}]\n"
        "DOTFILE[\\InputIfFileExists{.dotfile.tex}{}{refused}]\n"
        f"\\newread\\r \\immediate\\openin\\r={scene.secret} \\ifeof\\r OPENIN[refused]\\else"
        " \\read\\r to\\x OPENIN[\\x]\\fi\n"
        "\\href{https://ok.org}{fine link}\n"
    )
    edit(paper / "main.tex", "\\section{Mini}", "\\section{Mini}\n" + reads)
    (scene.root / "surveybuild.yaml").write_text("bib_preamble: true\n", "utf-8")
    with open(scene.root / "refs.bib", "a", encoding="utf-8") as bib:
        bib.write(f'\n@preamble{{"\\InputIfFileExists{{{scene.secret}}}{{}}{{}}"}}\n')
    code = main(["-C", str(scene.root), "paper"])
    pdf = paper / "build" / "main.pdf"
    return scene, code, pdf


def test_latexmk_reads_no_rc_file_of_the_project(hostile_paper):
    scene, code, pdf = hostile_paper
    assert "-norc" in texrun.latexmk_command("main.tex")
    assert code == 0 and pdf.is_file()
    assert not scene.sentinel.exists(), "a latexmkrc of the project ran"


@pytest.mark.parametrize("kind", ["ABS", "DOTDOT", "DOTFILE", "OPENIN"])
def test_tex_reads_no_file_outside_and_no_dotfile(hostile_paper, kind):
    scene, code, pdf = hostile_paper
    text = " ".join(pdf_text(pdf).split())
    assert f"{kind}[refused]" in text
    assert "DOTFILE-CONTENT" not in text
    scene.assert_safe()


def test_bib_preamble_opted_in_still_reads_nothing_outside(hostile_paper):
    scene, code, pdf = hostile_paper
    assert "\\InputIfFileExists" in (scene.root / "paper" / "build" / "main.bbl").read_text("utf-8")
    assert scene.token not in pdf_text(pdf)


def test_pdf_gets_only_http_links(hostile_paper):
    scene, code, pdf = hostile_paper
    links = pdf_links(pdf)
    assert "https://ok.org" in links
    assert all(link.startswith(("https://", "http://")) for link in links), links


def tiny_compile(tmp_path: Path, body: str) -> tuple[subprocess.CompletedProcess, Path]:
    """A one-page document compiled as surveybuild compiles (our latexmk options and TeX environment)."""
    require_tool("latexmk")
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    (proj / "main.tex").write_text("\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n",
                                   "utf-8")
    proc = subprocess.run(texrun.latexmk_command("main.tex"), cwd=proj, capture_output=True, text=True,
                          env=texrun.tex_env([proj]), timeout=120)
    return proc, proj


@pytest.mark.parametrize("body", ["\\makeatletter\\@@input SECRET\n", "\\input{SECRET}"])
def test_tex_input_primitive_of_an_absolute_path_is_refused(tmp_path, body):
    token = secrets.token_hex(8)
    (tmp_path / "secret.txt").write_text(token + "\n", "utf-8")
    proc, proj = tiny_compile(tmp_path, body.replace("SECRET", str(tmp_path / "secret.txt")))
    assert proc.returncode != 0
    for path in proj.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes()


@pytest.mark.parametrize("target", ["../written.tex", "/ABS/written.tex", ".written.tex"])
def test_tex_writes_nothing_outside_or_hidden(tmp_path, target):
    target = target.replace("/ABS", str(tmp_path))
    proc, proj = tiny_compile(tmp_path, f"\\immediate\\openout5={target} \\immediate\\write5{{x}}"
                                        "\\immediate\\closeout5 x")
    assert proc.returncode != 0
    assert not (tmp_path / "written.tex").exists()
    assert not list(proj.rglob(".written.tex"))


def test_tex_env_overrides_a_permissive_environment(monkeypatch):
    for name in ("openin_any", "openout_any", "shell_escape"):
        monkeypatch.setenv(name, "a" if name != "shell_escape" else "t")
    env = texrun.tex_env([])
    assert (env["openin_any"], env["openout_any"], env["shell_escape"]) == ("p", "p", "f")
    assert os.environ["openin_any"] == "a"  # the caller's environment is left alone


def test_real_bib_files_pass_the_bib_rule():
    """The rule refuses only dangerous commands: over the corpus's real .bib files (accents, math, \\url,
    macros a paper defines), it flags nothing but @preamble blocks and one \\renewcommand in a comment line."""
    from corpus import corpus_path
    from surveybuild.readers.bibread import read_bib, tex_hazards, url_problems

    bibs = sorted(corpus_path().rglob("*.bib"))
    assert len(bibs) >= 10
    flagged = []
    for bib in bibs:
        text = bib.read_text("utf-8", errors="replace")
        found = tex_hazards(text, bib.name, allow_preamble=True) + url_problems(read_bib(text, bib.name)[0])
        flagged += [p for p in found if p.severity == "error"]
    assert [p.message.split(" is not")[0] for p in flagged] == ["'\\renewcommand'"], flagged
