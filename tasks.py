"""Tasks for the embedded survey: `invoke --list` shows them."""

import sys

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
    """Write the LaTeX tables, then build paper/build/main.pdf with latexmk (skipped when no input changed)."""
    _run("-C", directory, "paper")


@task
def arxiv(c: Context, directory: str = ".", name: str = "") -> None:
    """Build the paper, then write dist/<name>-arxiv.tar.gz, which compiles alone with pdflatex."""
    _run("-C", directory, "arxiv", *(["--name", name] if name else []))


@task
def test(c: Context) -> None:
    """Run the test suite."""
    c.run("python -m pytest -q", pty=False)


@task
def bench(c: Context, runs: int = 5, sizes: str = "200:1000,2000:10000") -> None:
    """Time cold build, no-op rebuild and check beside a naive pipeline (see docs/performance.md)."""
    c.run(f"{sys.executable} benchmarks/run.py --runs {runs} --sizes {sizes}", pty=False)
