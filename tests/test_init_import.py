"""``surveybuild init DIR --import FILE --bib FILE``: a survey moved in with one command, all or nothing."""

from __future__ import annotations

from surveybuild.build import pipeline as build
from surveybuild.cli import main

README = """# Old survey

## Instruction Datasets

| Dataset | Size | Paper |
|---|---|---|
| Alpaca \\cite{taori2023alpaca} | 52K | ✅ |
| Dolly | 15K | ❌ |

## Models {{ config }} 100%

| Model | Params |
|---|---|
| FLAN-T5 \\cite{chung2022scaling} | 11B |
"""
BIB = """@misc{taori2023alpaca, author = {Rohan Taori and others}, title = {Stanford Alpaca}, year = {2023}}
@article{chung2022scaling, author = {Hyung Won Chung and others}, title = {Scaling Instruction-Finetuned Language
Models}, journal = {arXiv preprint arXiv:2210.11416}, year = {2022}}
"""


def test_init_import_moves_a_survey_in_with_its_tables_shown_and_its_bib(tmp_path, capsys):
    (tmp_path / "old.md").write_text(README, "utf-8")
    (tmp_path / "old.bib").write_text(BIB, "utf-8")
    root = tmp_path / "new"
    assert main(["init", str(root), "--import", str(tmp_path / "old.md"), "--bib", str(tmp_path / "old.bib")]) == 0
    out = capsys.readouterr()
    assert "init: 2 table(s) imported from 1 file(s)" in out.out + out.err
    assert ".new-init-" not in out.out + out.err  # paths as they are now, not the staging folder's
    assert sorted(p.name for p in (root / "tables").iterdir()) == ["old-1.yaml", "old-2.yaml"]  # no example
    template = (root / "templates" / "README.md.j2").read_text("utf-8")
    assert '## Instruction Datasets\n\n{{ table("old-1") }}' in template and "example" not in template
    assert '## Models  config  100\n\n{{ table("old-2") }}' in template  # the source's text is not template code
    paper = (root / "paper" / "main.tex").read_text("utf-8")
    assert "\\input{tables/old-1}\n\\input{tables/old-2}\n" in paper and "example" not in paper
    assert paper.index("\\input{tables/old-2}") < paper.index("\\bibliography{refs}")
    assert "taori2023alpaca" in (root / "refs.bib").read_text("utf-8")
    readme = (root / "README.md").read_text("utf-8")
    assert "| Alpaca [\\[1\\]](#ref-taori2023alpaca) | 52K | ✅ |" in readme and "FLAN-T5 [\\[2\\]]" in readme
    assert (root / ".github" / "ISSUE_TEMPLATE").is_dir()
    assert build.check(root).ok  # and it checks clean where it is now
    assert not list(tmp_path.glob(".new-init-*"))  # the staging folder is gone


def test_init_import_writes_nothing_when_a_file_cannot_be_read(tmp_path, capsys):
    (tmp_path / "old.md").write_text(README, "utf-8")
    root = tmp_path / "new"
    code = main(["init", str(root), "--import", str(tmp_path / "old.md"), "--import", str(tmp_path / "missing.tex"),
                 "--bib", str(tmp_path / "old.bib")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{tmp_path / 'old.bib'}: error: cannot be read" in err
    assert not root.exists() and not list(tmp_path.glob(".new-init-*"))
    (tmp_path / "old.bib").write_text(BIB, "utf-8")
    assert main(["init", str(root), "--import", str(tmp_path / "missing.tex"), "--bib", str(tmp_path / "old.bib")]) == 1
    assert "missing.tex: error: no such file" in capsys.readouterr().err
    assert not root.exists() and not list(tmp_path.glob(".new-init-*"))


def test_a_main_file_with_a_table_of_its_own_brings_its_input_files_tables_too(tmp_path):
    """A paper's main file that holds one table and \\input s the others: only its own was imported."""
    paper = tmp_path / "old"
    (paper / "tables").mkdir(parents=True)
    tabular = "\\begin{{table}}\\caption{{{0}}}\\label{{tab:{0}}}\\begin{{tabular}}{{ll}}\nName & Size \\\\\n{0}A & 1 \\\\\n" \
              "\\end{{tabular}}\\end{{table}}\n"
    (paper / "main.tex").write_text("\\documentclass{article}\\begin{document}\n" + tabular.format("Own")
                                    + "\\input{tables/more}\n\\end{document}\n", "utf-8")
    (paper / "tables" / "more.tex").write_text(tabular.format("More"), "utf-8")
    root = tmp_path / "new"
    assert main(["init", str(root), "--import", str(paper / "main.tex")]) == 0
    assert sorted(p.stem for p in (root / "tables").glob("*.yaml")) == ["main", "more"]
    assert "\\input{tables/main}\n\\input{tables/more}\n" in (root / "paper" / "main.tex").read_text("utf-8")
