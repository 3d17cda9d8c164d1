"""``surveybuild init DIR``: a new survey folder that builds at once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .build.pipeline import Report, build
from .contrib.add import ISSUE_FORM, issue_form
from .model import Problem, Source
from .readers.tableread import read_table
from .build.writer import WriteError, write_all

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
    skeleton = resources.files("surveybuild").joinpath("skeleton")
    texts = {}
    for src, dest in files.items():
        text = skeleton.joinpath(src).read_text("utf-8")
        if dest == "requirements.txt":
            spec, how = install_spec()
            text = text.replace("{spec}", spec).replace("{how}", how)
        texts[dest] = text
    texts[ISSUE_FORM] = issue_form(read_table(texts["tables/example.yaml"], "tables/example.yaml")[0])
    try:
        write_all(root, texts)
    except WriteError as exc:
        return Report(problems=[Problem(Source(exc.shown), exc.reason, hint="no file was written")])
    report = build(root)
    report.written = list(texts) + report.written
    if report.ok:
        report.info += next_steps(root)
    return report


def install_spec() -> tuple[str, str]:
    """How a survey's CI installs this surveybuild: the pip requirement, and a comment saying why.

    Installed from a git repository (``pip install git+https://...``): that repository at that commit.
    Otherwise (a local checkout, an editable install): a wheel committed under ``vendor/``, which pip
    installs offline; docs/adopt.md says how to make it.
    """
    import json
    from importlib import metadata

    try:
        direct = json.loads(metadata.distribution("surveybuild").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        direct = {}
    vcs = direct.get("vcs_info", {})
    url = direct.get("url", "")
    if vcs.get("vcs") == "git" and url.startswith("https://"):
        return (f"surveybuild @ git+{url}@{vcs.get('commit_id') or vcs.get('requested_revision') or 'HEAD'}",
                "Installed from surveybuild's git repository, at the commit this survey was made with.")
    from . import __version__

    return (f"./vendor/surveybuild-{__version__}-py3-none-any.whl",
            "From the wheel committed under vendor/: make it with 'pip wheel --no-deps -w vendor "
            "PATH/TO/surveybuild' (or replace the line below by\n# surveybuild @ git+https://github.com/OWNER/"
            "surveybuild@TAG to install from its repository).")


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
        "  requirements.txt says how CI installs surveybuild (a wheel under vendor/: pip wheel --no-deps -w vendor "
        "PATH/TO/surveybuild, or a git URL)",
        "  git init && git add -A && git commit -m 'survey'   # .github/workflows/survey.yml checks every push",
    ]
