"""Build tasks of this survey (`invoke --list`); they call surveybuild."""

from surveybuild.tasks import arxiv, build_paper, build_readme, check  # noqa: F401
