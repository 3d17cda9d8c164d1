"""Tasks for the embedded survey and the project: `invoke --list` shows them."""

import sys

from invoke import Context, task

from surveybuild.tasks import arxiv, build_paper, build_readme, check  # noqa: F401  (the survey's tasks)


@task
def test(c: Context) -> None:
    """Run the test suite."""
    c.run(f"{sys.executable} -m pytest -q", pty=False)


@task
def bench(c: Context, runs: int = 5, sizes: str = "200:1000,2000:10000", styles: str = "apa,none",
          paper: bool = False) -> None:
    """Time cold build, no-op rebuild and check beside a naive pipeline, then one-row edits with a
    CSL style at 200 rows / 1,000 entries (``--styles ''`` skips them); ``--paper``: also build-paper
    on the embedded survey, cold and no-op, with its TeX CPU (see docs/performance.md)."""
    c.run(f"{sys.executable} benchmarks/run.py --runs {runs} --sizes {sizes}", pty=False)
    if paper:
        c.run(f"{sys.executable} benchmarks/paper.py --runs {min(runs, 3)}", pty=False)
    if styles:
        c.run(f"{sys.executable} benchmarks/styles.py --runs {runs} --rows 200 --entries 1000 --styles {styles}",
              pty=False)


@task(name="compile-templates")
def compile_templates(c: Context) -> None:
    """Compile surveybuild's own templates ahead of time (src/surveybuild/renderers/compiled/): after editing one."""
    from surveybuild.renderers.templating import write_compiled

    for path in write_compiled():
        print(f"wrote {path}")
