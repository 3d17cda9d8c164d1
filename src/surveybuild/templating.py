"""The jinja2 environments: one for LaTeX (delimiters that do not clash with braces), one for Markdown."""

from __future__ import annotations

import functools

import jinja2


@functools.cache
def latex_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("surveybuild", "templates"),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def markdown_env(search_path: str | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if search_path:
        loaders.append(jinja2.FileSystemLoader(search_path))
    loaders.append(jinja2.PackageLoader("surveybuild", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
