"""A bool column's ``marks``: an awesome list's '✅ / ❌' (or a paper's \\checkmark / \\xmark) come back as written,
in the README and the paper, instead of becoming 'Yes' and 'No'."""

from __future__ import annotations

import yaml

from conftest import require_tool
from typeset_checks import pdf_text
from surveybuild.build import pipeline as build
from surveybuild.importer import import_text, to_yaml
from surveybuild.importer.assemble import marks_of
from surveybuild.importer.command import run_import
from surveybuild.init import init

MARKED = ("## Models\n\n| Model | Open | Chat | Multi | Words |\n|---|:-:|:-:|:-:|:-:|\n"
          "| Alpaca | ✅ | ❌ | \u2714\uFE0F | Yes |\n| Vicuna | ✅ | ✅ | | No |\n"
          "| Dolly | ❌ | ✅ | \u2714\uFE0F | Yes |\n")


def _survey(tmp_path, source_name: str, text: str):
    root = tmp_path / "s"
    assert init(root).ok
    source = tmp_path / source_name
    source.write_text(text, "utf-8")
    report = run_import(root, str(source), None)
    assert report.errors == [], report.errors
    stem = source_name.rsplit(".", 1)[0]
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + f'\n{{{{ table("{stem}") }}}}\n', "utf-8")
    main = root / "paper" / "main.tex"
    main.write_text(main.read_text("utf-8").replace("\\end{document}", f"\\input{{tables/{stem}}}\n\\end{{document}}"),
                    "utf-8")
    return root, yaml.safe_load((root / "tables" / f"{stem}.yaml").read_text("utf-8"))


def test_a_readme_s_marks_are_kept_and_shown_again_where_yes_and_no_were(tmp_path):
    root, data = _survey(tmp_path, "models.md", MARKED)
    assert [(c["key"], c.get("marks")) for c in data["columns"]] == [
        ("model", None), ("open", ["✅", "❌"]), ("chat", ["✅", "❌"]),
        ("multi", ["\u2714\uFE0F", "\u2716\uFE0F"]),  # only the true mark was seen: its pair for false
        ("words", None)]  # a column of words shows its words
    report = build.build(root)
    assert report.ok, "\n".join(map(str, report.problems))
    readme = (root / "README.md").read_text("utf-8")
    assert "| Alpaca | ✅ | ❌ | \u2714\uFE0F | Yes |" in readme and "| Vicuna | ✅ | ✅ | - | No |" in readme
    assert "`open` (yes/no or ✅ / ❌), `chat`" in readme and "`words` (yes/no)" in readme  # how to add a work: answers
    paper = (root / "paper" / "tables" / "models.tex").read_text("utf-8")
    assert "Alpaca & \\checkmark{} & \\ding{55} & \\checkmark{} & Yes" in paper
    require_tool("latexmk")
    made = build.paper(root)
    assert made.ok, "\n".join(map(str, made.problems))
    text = " ".join(pdf_text(root / "paper" / "build" / "main.pdf", "-layout").split())
    assert "Alpaca ✓ ✗ ✓ Yes" in text and "Dolly ✗ ✓ ✓ Yes" in text  # amssymb's and pifont's marks


def test_a_paper_s_check_marks_come_back_as_marks():
    text = ("\\begin{tabular}{lcc}\n\\toprule\nMethod & Code & Data \\\\\n\\midrule\n"
            "A & \\checkmark & \\xmark \\\\\nB & \\ding{51} & \\checkmark \\\\\n\\bottomrule\n\\end{tabular}\n")
    result = import_text("\\newcommand{\\xmark}{\\ding{55}}\n" + text, "t.tex")
    data = yaml.safe_load(to_yaml(result.tables[0].table, "", "t"))
    assert [c.get("marks") for c in data["columns"]] == [None, ["✓", "✗"], ["✓", "✗"]]
    assert [(r["code"], r["data"]) for r in data["rows"]] == [(True, False), (True, True)]


def test_marks_of_reads_the_most_common_mark_and_pairs_a_missing_one():
    from surveybuild.importer.assemble import RawCell
    from surveybuild.model import Source

    def cell(mark, flag):
        return RawCell("x", Source("r.md", 1), plain=None, flag=flag, mark=mark)
    assert marks_of([cell("❌", False), None, cell("❌", False)]) == ("✅", "❌")
    assert marks_of([cell("✓", True), cell("✔", True), cell("✓", True), cell("✘", False)]) == ("✓", "✘")
    assert marks_of([cell(None, True), cell(None, False)]) == ("✓", "✗")  # LaTeX's marks
    assert marks_of([RawCell("Yes", Source("r.md", 1), plain="Yes"), cell("✅", True)]) is None


def _marks_table(tmp_path, columns: str, row: str):
    """A new survey with tables/marks.yaml: a name column, then ``columns`` (YAML lines), and one row."""
    root = tmp_path / "s"
    assert init(root).ok
    (root / "tables" / "marks.yaml").write_text(
        f"caption: Marks\ncolumns:\n  - {{key: name, title: Name}}\n{columns}rows:\n  - {{name: A, {row}}}\n", "utf-8")
    return root


def test_marks_a_column_cannot_show_are_said_at_the_column_with_the_fix(tmp_path):
    root = _marks_table(tmp_path, "  - {key: open, title: Open, type: bool, marks: ['✅', '✅']}\n"
                                  "  - {key: note, title: Note, marks: ['a', 'b']}\n"
                                  "  - {key: face, title: Face, type: bool, marks: ['🙂', '🙁']}\n",
                        "open: true, note: x, face: false")
    template = root / "templates" / "README.md.j2"
    template.write_text(template.read_text("utf-8") + '\n{{ table("marks") }}\n', "utf-8")
    report = build.check(root)
    said = [str(p) for p in report.problems if "marks" in p.message]
    assert any(s.startswith("tables/marks.yaml:4:") and "does not tell true from false" in s and "marks: ['✅', '❌']"
               in s for s in said), said
    assert any(s.startswith("tables/marks.yaml:5:") and "this column is 'text'" in s and "type: bool" in s
               for s in said), said
    assert any(s.startswith("tables/marks.yaml:6:") and "pdflatex has no glyph" in s for s in said), said
    assert not (root / "README.md").read_text("utf-8").count("Marks")  # nothing written


def test_marks_must_be_two_short_one_line_texts(tmp_path):
    root = _marks_table(tmp_path, "  - {key: open, title: Open, type: bool, marks: ['✅']}\n", "open: true")
    report = build.check(root)
    assert any(str(p).startswith("tables/marks.yaml:4:") and "marks" in str(p) for p in report.errors), report.problems


def test_add_takes_a_column_s_own_marks_as_yes_and_no(tmp_path, capsys):
    from surveybuild.cli import main

    root = _marks_table(tmp_path, "  - {key: open, title: Open, type: bool, marks: ['\u2714\uFE0F', '\u2716\uFE0F']}\n",
                        "open: true")
    assert main(["-C", str(root), "add", "marks", "--name", "B", "--open", "\u2716\uFE0F"]) == 0
    assert main(["-C", str(root), "add", "marks", "--name", "C", "--open", "\u2714"]) == 0  # without the selector
    assert main(["-C", str(root), "add", "marks", "--name", "D", "--open", "✅"]) == 1
    assert "is not yes or no (answer yes or no (\u2714 or \u2716))" in capsys.readouterr().err
    rows = yaml.safe_load((root / "tables" / "marks.yaml").read_text("utf-8"))["rows"]
    assert [(r["name"], r["open"]) for r in rows] == [("A", True), ("B", False), ("C", True)]
