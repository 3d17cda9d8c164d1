"""``surveybuild init DIR``: a new survey folder that builds at once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .build import Report, build
from .contribute import ISSUE_FORM, issue_form
from .model import Problem, Source
from .tableread import read_table
from .writer import WriteError, write_all

#: skeleton file (in the package) -> where it goes in the new survey
FILES = {
    "tables/example.yaml": "tables/example.yaml",
    "refs.bib": "refs.bib",
    "paper/main.tex": "paper/main.tex",
    "templates/README.md.j2": "templates/README.md.j2",
    "tasks.py": "tasks.py",
    "requirements.txt": "requirements.txt",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github-workflow.yml": ".github/workflows/survey.yml",
}


#: ``init --biblatex``: biblatex + biber instead of natbib + BibTeX
BIBLATEX_FILES = {**FILES, "paper/main-biblatex.tex": "paper/main.tex", "surveybuild-biblatex.yaml": "surveybuild.yaml"}
del BIBLATEX_FILES["paper/main.tex"]


def init(root: Path, biblatex: bool = False) -> Report:
    """Write the skeleton into ``root`` (never over an existing file), then build it."""
    root = Path(root)
    files = BIBLATEX_FILES if biblatex else FILES
    existing = [dest for dest in [*files.values(), ISSUE_FORM] if (root / dest).exists()]
    if existing:
        return Report(problems=[Problem(Source(dest), "already exists: init writes only into a new folder",
                                        hint="choose an empty folder, or move the file away")
                                for dest in existing])
    skeleton = resources.files(__package__).joinpath("skeleton")
    texts = {dest: skeleton.joinpath(src).read_text("utf-8") for src, dest in files.items()}
    texts[ISSUE_FORM] = issue_form(read_table(texts["tables/example.yaml"], "tables/example.yaml")[0])
    try:
        write_all(root, texts)
    except WriteError as exc:
        return Report(problems=[Problem(Source(exc.shown), exc.reason, hint="no file was written")])
    report = build(root)
    report.written = list(texts) + report.written
    return report
