"""``surveybuild init DIR``: a new survey folder that builds at once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .build import Report, build, write_atomic
from .model import Problem, Source

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


def init(root: Path) -> Report:
    """Write the skeleton into ``root`` (never over an existing file), then build it."""
    root = Path(root)
    existing = [dest for dest in FILES.values() if (root / dest).exists()]
    if existing:
        return Report(problems=[Problem(Source(dest), "already exists: init writes only into a new folder",
                                        hint="choose an empty folder, or move the file away")
                                for dest in existing])
    skeleton = resources.files(__package__).joinpath("skeleton")
    for src, dest in FILES.items():
        write_atomic(root / dest, skeleton.joinpath(src).read_text("utf-8"))
    report = build(root)
    report.written = list(FILES.values()) + report.written
    if report.ok:
        report.info += next_steps(root)
    return report


def next_steps(root: Path) -> list[str]:
    """What a new survey's author does next (printed after the files written)."""
    return [
        "next steps (docs/adopt.md in surveybuild's repository walks through them):",
        f"  cd {root}",
        "  surveybuild import path/to/old/README.md   # or a .tex/.html file: its tables become tables/*.yaml",
        "  (import prints the two lines that show each table: one in templates/README.md.j2, one in paper/main.tex)",
        "  put your .bib entries into refs.bib, or name your .bib files in paper/main.tex's \\bibliography{...}",
        "  surveybuild build      # README.md and paper/tables/*.tex",
        "  surveybuild paper      # paper/build/main.pdf",
        "  git init && git add -A && git commit -m 'survey'   # .github/workflows/survey.yml checks every push",
    ]
