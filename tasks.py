"""Tasks for the embedded survey and the project: `invoke --list` shows them."""

import sys

from invoke import Context, task

from surveybuild.tasks import arxiv, build_paper, build_readme, check  # noqa: F401  (the survey's tasks)


@task
def test(c: Context) -> None:
    """Run the test suite."""
    c.run(f"{sys.executable} -m pytest -q", pty=False)


@task
def bench(c: Context, runs: int = 5, sizes: str = "200:1000,2000:10000") -> None:
    """Time cold build, no-op rebuild and check beside a naive pipeline (see docs/performance.md)."""
    c.run(f"{sys.executable} benchmarks/run.py --runs {runs} --sizes {sizes}", pty=False)
