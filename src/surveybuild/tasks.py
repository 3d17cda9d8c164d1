"""invoke tasks for any survey folder; a survey's tasks.py imports them (see `surveybuild init`)."""

from invoke import Context, Exit, task

from .cli import main as surveybuild


def run(*args: str) -> None:
    """Run a surveybuild command; a failure becomes invoke's Exit with the same status."""
    status = surveybuild(list(args))
    if status:
        raise Exit(f"surveybuild {' '.join(args)} failed (exit {status})", code=status)


@task
def check(c: Context, directory: str = ".") -> None:
    """Cross-check tables, refs.bib and paper cites, and that committed outputs are up to date."""
    run("-C", directory, "check")


@task
def build_readme(c: Context, directory: str = ".", force: bool = False) -> None:
    """Write README.md and the LaTeX tables from tables/*.yaml (no TeX run)."""
    run("-C", directory, "build", *(["--force"] if force else []))


@task
def build_paper(c: Context, directory: str = ".", force: bool = False) -> None:
    """Write the LaTeX tables, then build paper/build/main.pdf with latexmk (skipped when no input changed)."""
    run("-C", directory, "paper", *(["--force"] if force else []))


@task
def arxiv(c: Context, directory: str = ".", name: str = "") -> None:
    """Build the paper, then write dist/<name>-arxiv.tar.gz, which compiles alone with pdflatex."""
    run("-C", directory, "arxiv", *(["--name", name] if name else []))
