"""``surveybuild init DIR``: a new survey folder that builds at once."""

from __future__ import annotations

import re
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


def init(root: Path, biblatex: bool = False, sources: tuple[str, ...] = (), bibs: tuple[str, ...] = ()) -> Report:
    """Write the skeleton into ``root`` (never over an existing file), then build it.

    ``sources`` (``init --import FILE``): a survey moved in at once (:func:`adopt`): the files' tables instead of
    the example, each shown in the README template and the paper; ``bibs`` (``--bib FILE``) become refs.bib."""
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
    if sources or bibs:
        return adopt(root, texts, sources, bibs)
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


#: The skeleton's example, which ``init --import`` leaves out: the README template's section, the paper's lines.
EXAMPLE_README = '## Models\n\n{{ table("example") }}\n\n'
EXAMPLE_PAPER = ("\\section{Models}\n", "Table~\\ref{tab:example}", "\\input{tables/example}\n")


def adopt(root: Path, texts: dict[str, str], sources: tuple[str, ...], bibs: tuple[str, ...]) -> Report:
    """``init --import FILE ... --bib FILE ...``: the skeleton without its example, the .bib files as refs.bib,
    each file's tables imported (``surveybuild import``) and shown: a README section and a paper ``\\input`` each,
    in the files' order. All or nothing: it is made in a folder beside ``root`` and moved in only when every import
    and the build succeeded; otherwise nothing is written and every problem is said."""
    import shutil
    import tempfile

    from .build.cache import CACHE_DIR
    from .importer.command import run_import

    report = Report()
    del texts["tables/example.yaml"]
    texts["templates/README.md.j2"] = texts["templates/README.md.j2"].replace(EXAMPLE_README, "{tables}")
    paper = [line for line in texts["paper/main.tex"].splitlines(keepends=True)
             if not line.startswith(EXAMPLE_PAPER)]
    bib_texts = []
    for bib in bibs:
        try:
            bib_texts.append(f"% from {Path(bib).name}\n" + Path(bib).read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            report.problems.append(Problem(Source(bib), f"cannot be read as a UTF-8 .bib file: {exc}",
                                           hint="name a .bib file that exists, saved as UTF-8"))
    if report.problems:
        return report
    texts["refs.bib"] = "\n".join(bib_texts) if bibs else "% The survey's BibTeX entries.\n"
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-init-", dir=root.parent))
    try:
        texts_now = {**texts, "templates/README.md.j2": texts["templates/README.md.j2"].replace("{tables}", ""),
                     "paper/main.tex": "".join(paper)}
        write_all(staging, texts_now)
        ids: list[tuple[str, str]] = []  # (table id, README heading)
        for source in sources:
            found = run_import(staging, str(Path(source).resolve()) if Path(source).exists() else source)
            report.problems += found.problems
            report.info += [line.replace(str(staging), str(root)) for line in found.info
                            if not line.startswith(("to show table", "  "))]  # the folder it will be in
            for written in found.written:
                if written.endswith((".yaml", ".yml")) and Path(written).parent.name == "tables":
                    table, _ = read_table(Path(written).read_text("utf-8"), f"tables/{Path(written).name}")
                    if table is not None:
                        ids.append((table.id, _heading(table)))
        if not report.ok:
            return report
        sections = "".join(f"## {heading}\n\n{{{{ table(\"{tid}\") }}}}\n\n" for tid, heading in ids)
        at = next((i for i, line in enumerate(paper) if line.startswith(("\\bibliographystyle", "\\bibliography",
                                                                          "\\printbibliography"))), len(paper))
        inputs = [f"\\input{{tables/{tid}}}\n" for tid, _ in ids]
        wired = {"templates/README.md.j2": texts["templates/README.md.j2"].replace("{tables}", sections),
                 "paper/main.tex": "".join(paper[:at] + inputs + (["\n"] if inputs else []) + paper[at:])}
        first = read_table((staging / "tables" / f"{ids[0][0]}.yaml").read_text("utf-8"), "t.yaml")[0] if ids else None
        if first is not None:
            wired[ISSUE_FORM] = issue_form(first)
        write_all(staging, wired)
        built = build(staging)
        report.problems += built.problems
        if not report.ok:
            return report
        shutil.rmtree(staging / CACHE_DIR, ignore_errors=True)  # its caches belong to the staging folder's files
        moved = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        clash = [rel for rel in moved if (root / rel).exists()]
        if clash:
            report.problems += [Problem(Source(rel), "already exists: init writes only into a new folder",
                                        hint="choose an empty folder, or move the file away") for rel in clash]
            return report
        for rel in moved:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).replace(root / rel)
        report.written = moved
        report.info.append(f"init: {len(ids)} table(s) imported from {len(sources)} file(s), each shown in "
                           "templates/README.md.j2 and paper/main.tex" + (f"; refs.bib from {len(bibs)} .bib file(s)"
                                                                          if bibs else ""))
        report.info += next_steps(root)[:1] + [f"  cd {root}", "  surveybuild build      # after an edit",
                                              "  surveybuild paper      # paper/build/main.pdf"]
        return report
    except (WriteError, OSError) as exc:
        report.problems.append(Problem(Source(getattr(exc, "shown", str(root))), getattr(exc, "reason", str(exc)),
                                       hint="no file was written"))
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _heading(table) -> str:
    """The README heading above an imported table: its section (the source's heading), else its caption's text
    (LaTeX read by pylatexenc), shortened, escaped for Markdown; without braces or percent signs, which the template
    (jinja2) would read as its own (a caption is the source's text, not code)."""
    from .renderers.markdown import escape_gfm
    from .renderers.references import text_of

    text = " ".join(table.section.split()) if table.section else text_of(table.caption) if table.caption else ""
    text = re.sub(r"[{}%]", "", text or table.id)
    text = text if len(text) <= 80 else text[:77].rstrip() + "..."
    return escape_gfm(text)


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
