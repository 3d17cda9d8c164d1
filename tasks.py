"""Tasks for the embedded survey: `invoke --list` shows them."""

from invoke import Context, Exit, task

from surveybuild.cli import main as surveybuild


def _run(*args: str) -> None:
    status = surveybuild(list(args))
    if status:
        raise Exit(f"surveybuild {' '.join(args)} failed (exit {status})", code=status)


@task
def check(c: Context, directory: str = ".") -> None:
    """Cross-check tables, refs.bib and paper cites, and that committed outputs are up to date."""
    _run("-C", directory, "check")


@task
def build_readme(c: Context, directory: str = ".") -> None:
    """Write README.md and the LaTeX tables from tables/*.yaml (no TeX run)."""
    _run("-C", directory, "build")


@task
def build_paper(c: Context, directory: str = ".") -> None:
    """Write the LaTeX tables, then build paper/build/main.pdf with latexmk."""
    _run("-C", directory, "paper")


@task
def test(c: Context) -> None:
    """Run the test suite."""
    c.run("python -m pytest -q", pty=False)
