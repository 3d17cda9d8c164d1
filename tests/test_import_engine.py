"""``import`` chooses the paper's engine for the characters it writes (importer/scripts.py, docs/import.md).

pdflatex cannot typeset CJK or most emoji: the import switches ``engine:`` in surveybuild.yaml to lualatex
(comments kept) and says why; a character no installed font has is left out of the paper only
(``symbols:`` maps it to ''), listed at its file:line. Several imports into one survey never switch back.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import require_tool

from surveybuild.build import pipeline as build
from surveybuild.checks.check import BibIndex, check_table
from surveybuild.importer import import_text, scripts
from surveybuild.importer.command import run_import
from surveybuild.init import init
from surveybuild.model import Settings
from surveybuild.readers.read import read_settings, read_survey
from surveybuild.readers.tableread import read_table
from surveybuild.texlang import fonts

CJK, EMOJI, NO_FONT = "流", "\N{SPARKLES}", "\N{JAVANESE LETTER A}"  # NO_FONT: in no font of the chain

CJK_TABLE = f"""# Models

| Model | What |
| --- | --- |
| Alpha | 中文{CJK} {EMOJI} |
| Beta | {NO_FONT} plain |
| Gamma | {"春雨，想象自己是春雨，和古代诗人交流。" * 6} |
"""


@pytest.fixture(autouse=True)
def _fonts():
    missing = fonts.missing_fonts("lualatex")
    if missing:  # the decision depends on them: CI installs them (scripts/install.sh)
        require_tool("fc-match")
        pytest.fail(f"fonts missing: {missing} (apt-get install {fonts.FONT_PACKAGES})")
    assert not any(fonts.has_glyph(e, NO_FONT) for e in fonts.ENGINES)


def _survey(tmp_path, settings: str | None = None):
    root = tmp_path / "s"
    assert init(root).ok
    if settings is not None:
        (root / "surveybuild.yaml").write_text(settings, "utf-8")
    return root


def _import(root, tmp_path, name: str, text: str):
    source = tmp_path / name
    source.write_text(text, "utf-8")
    return run_import(root, str(source), str(root / "tables") + "/"), source


def _warnings(report) -> list[str]:
    return [str(p) for p in report.problems if p.severity == "warning"]


def test_cjk_and_emoji_switch_the_engine_and_what_no_font_has_is_left_out_of_the_paper_only(tmp_path):
    root = _survey(tmp_path, "# my settings\ntitle: A survey  # shown in the PDF\nengine: pdflatex  # default\n")
    report, source = _import(root, tmp_path, "old.md", CJK_TABLE)
    assert report.ok, report.errors
    said = _warnings(report)
    assert any(f"{source}:5:1: warning: pdflatex cannot typeset '中'" in m and "engine is now lualatex" in m
               and "SURVEYBUILD_TRUSTED_ENGINES=lualatex" in m for m in said), said  # what 'paper' will need
    assert any(f"{source}:6:1: warning: no installed font of lualatex has '{NO_FONT}'" in m
               and "left out of the paper" in m and "README keeps it" in m for m in said), said
    text = (root / "surveybuild.yaml").read_text("utf-8")
    assert text.startswith("# my settings\ntitle: A survey  # shown in the PDF\nengine: lualatex  # default\n")
    settings, problems = read_settings(root)
    assert not problems and settings.engine == "lualatex" and settings.symbols == ((NO_FONT, ""),)
    # wired in: check passes (it predicts what lualatex typesets), the README keeps every character
    (root / "templates/README.md.j2").write_text('{{ table("old") }}\n', "utf-8")
    main = root / "paper/main.tex"
    main.write_text(main.read_text("utf-8").replace("\\bibliographystyle", "\\input{tables/old}\n\\bibliographystyle"),
                    "utf-8")
    assert build.build(root).ok
    readme = (root / "README.md").read_text("utf-8")
    assert f"中文{CJK} {EMOJI}" in readme and f"{NO_FONT} plain" in readme
    paper = (root / "paper/tables/old.tex").read_text("utf-8")
    assert CJK in paper and EMOJI in paper and NO_FONT not in paper
    # TeX agrees: lualatex typesets the table (\tracinglostchars=3: a character without a glyph is an error)
    require_tool("lualatex")
    report = build.paper(root)
    assert report.ok, report.errors
    pdf = subprocess.run(["pdftotext", str(root / "paper/build/main.pdf"), "-"], capture_output=True, text=True).stdout
    assert f"中文{CJK}" in pdf and EMOJI in pdf and "Beta" in pdf
    # a long Chinese cell wraps between its characters (fonts.CJK_BREAKS; fit.words): nothing overfull
    log = (root / "paper/build/main.log").read_text("utf-8", errors="replace")
    assert "Overfull" not in log and pdf.replace("\n", "").count("春雨") == 12


def test_several_imports_keep_the_engine_and_a_latin_survey_is_left_alone(tmp_path):
    root = _survey(tmp_path)
    report, _ = _import(root, tmp_path, "first.md", CJK_TABLE)
    assert report.ok and read_settings(root)[0].engine == "lualatex"
    before = (root / "surveybuild.yaml").read_text("utf-8")
    # the next import has only what pdflatex typesets too: lualatex stays, nothing is rewritten
    report, _ = _import(root, tmp_path, "second.md", "| Model | Year |\n| --- | --- |\n| Café | 2023 |\n")
    assert report.ok and not _warnings(report), _warnings(report)
    assert (root / "surveybuild.yaml").read_text("utf-8") == before
    assert build.build(root).errors == []
    # a survey whose tables pdflatex typesets gets no settings file
    other = tmp_path / "other"
    assert init(other).ok
    assert run_import(other, str(tmp_path / "second.md"), str(other / "tables") + "/").ok
    assert not (other / "surveybuild.yaml").exists()


def test_the_decision_weighs_the_survey_s_tables_and_the_engines_fonts():
    table = import_text(CJK_TABLE, "old.md").tables[0].table
    # xelatex has no fallback chain: CJK needs lualatex there too
    decision = scripts.decide([table], [], Settings(engine="xelatex"))
    assert decision.engine == "lualatex" and decision.switched_for[0] == "中"
    assert decision.left_out == {NO_FONT: [table.rows[1].line.get("what").source]}
    # a character already in the survey's tables only is not the import's to leave out
    decision = scripts.decide([], [table], Settings(engine="lualatex"))
    assert decision.engine == "lualatex" and not decision.changed
    # plain text is tested as a whole (a combining accent on its letter), a LaTeX field's characters one by one
    assert scripts.untypeset("e\u0301 中", False, "pdflatex") == ["中"]
    assert scripts.untypeset("\\textbf{中} é", True, "pdflatex") == ["中"]
    assert scripts.untypeset("中", True, "lualatex") == []


def test_a_cjk_run_breaks_between_its_characters_but_not_before_closing_punctuation():
    from surveybuild.renderers import fit
    assert fit.words("写诗，主题（春雨） a mixed 中文 text") == ["写", "诗，", "主", "题", "（", "春", "雨）", "a",
                                                             "mixed", "中", "文", "text"]
    assert fit.text_width("中文") == 2.0 and fit.text_width("ab") == 1.0


def test_settings_edits_keep_the_file_s_lines(tmp_path):
    decision = scripts.Decision("lualatex", (("✓", "\\checkmark"), (NO_FONT, "")), ("中", None), {NO_FONT: []})
    old = Settings(engine="pdflatex", symbols=(("✓", "\\checkmark"),))
    decision.left_out = {NO_FONT: [scripts.Source("a.md", 3, 1)]}
    text = "title: T\nsymbols:\n  '✓': '\\checkmark'  # mine\n# the end\n"
    edited = scripts.edit_settings(text, decision, old)
    assert edited.startswith("title: T\nsymbols:\n  '✓': '\\checkmark'  # mine\n  'ꦄ': ''  # no installed font")
    assert "# the end\nengine: lualatex  # set by surveybuild import" in edited
    (tmp_path / "surveybuild.yaml").write_text(edited, "utf-8")
    settings, problems = read_settings(tmp_path)
    assert not problems and settings.engine == "lualatex" and dict(settings.symbols) == {"✓": "\\checkmark", NO_FONT: ""}
    with pytest.raises(scripts.SettingsEditError):
        scripts.edit_settings("{title: T}\n", decision, old)
    # a flow mapping the import cannot edit: a clear error, the tables are written, the settings are not
    root = _survey(tmp_path, "{title: T}\n")
    report, _ = _import(root, tmp_path, "x.md", CJK_TABLE)
    assert any("surveybuild.yaml: error: cannot set the engine to lualatex" in str(p) for p in report.errors)
    assert (root / "surveybuild.yaml").read_text("utf-8") == "{title: T}\n"


def test_a_readme_only_latex_column_may_hold_what_the_engine_cannot_typeset(tmp_path):
    text = ("caption: T\ncolumns:\n  - {key: name, title: Name, type: text}\n"
            "  - {key: what, title: What, type: latex, show: readme}\nrows:\n  - {name: A, what: '\\textbf{中}'}\n")
    table, problems = read_table(text, "tables/t.yaml")
    assert not problems
    assert [p for p in check_table(table, BibIndex([]), set()) if "typeset" in p.message] == []
    shown = read_table(text.replace(", show: readme", ""), "tables/t.yaml")[0]
    assert [p for p in check_table(shown, BibIndex([]), set()) if "cannot be typeset by pdflatex" in p.message]


def test_the_survey_read_after_import_is_what_the_import_decided(tmp_path):
    root = _survey(tmp_path)
    _import(root, tmp_path, "a.md", CJK_TABLE)
    survey = read_survey(root)
    assert survey.settings.engine == "lualatex" and survey.settings.symbols == ((NO_FONT, ""),)


def test_a_url_column_s_title_labels_the_paper_s_notes_and_is_checked(tmp_path):
    """A URL column becomes notes 'Title: \\url{...}' in the paper: its title must be typesettable, as check says."""
    text = ("caption: T\ncolumns:\n  - {key: name, title: Name, type: text}\n"
            "  - {key: paper, title: 论文, type: url}\nrows:\n  - {name: A, paper: 'https://example.org'}\n")
    table, problems = read_table(text, "tables/t.yaml")
    assert not problems
    found = [p for p in check_table(table, BibIndex([]), set()) if "cannot be typeset by pdflatex" in p.message]
    assert found and found[0].source.line == 4
    assert [t for t, _, _ in scripts.paper_texts(table)].count("论文") == 1
    assert scripts.decide([table], [], Settings()).engine == "lualatex"


def test_invisible_format_characters_print_nothing_and_never_choose_the_engine(tmp_path):
    """'⭐️' is a star and U+FE0F (emoji presentation): the import named the invisible selector as what needed
    lualatex, and a pasted byte-order mark (U+FEFF) was 'left out of the paper' with a warning. Such default-ignorable
    characters print nothing under any engine; the README keeps them."""
    root = _survey(tmp_path)
    report, source = _import(root, tmp_path, "stars.md",
                             "| Model | Stars |\n|---|---|\n| A | \u2b50\ufe0f |\n| B | x\ufeffy |\n")
    warnings = _warnings(report)
    assert any("'\u2b50' (U+2B50 WHITE MEDIUM STAR)" in w for w in warnings), warnings
    assert not any("U+FE0F" in w or "U+FEFF" in w for w in warnings), warnings
    assert "\u2b50\ufe0f" in (root / "tables" / "stars.yaml").read_text("utf-8")
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("stars") }}\n', "utf-8")
    assert build.build(root).ok
    assert "\u2b50\ufe0f" in (root / "README.md").read_text("utf-8")
