"""The jinja2 environments: one for LaTeX (delimiters that do not clash with braces), one for Markdown.

Both are jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`: a template is a file of the
repository, and an untrusted pull request may change it. The sandbox refuses attribute access
to Python internals (``cycler.__init__.__globals__``), so a template can only lay out what
surveybuild hands it. Templates are loaded from surveybuild's own package only; a template's
``include``/``import`` cannot name a file of the survey or outside it (docs/robustness.md).
"""

from __future__ import annotations

import dataclasses
import functools

import jinja2
from jinja2.sandbox import SandboxedEnvironment


@functools.cache
def _data_fields(kind: type) -> frozenset[str]:
    """The fields of one of surveybuild's frozen dataclasses (a reference's text): plain data to read."""
    if dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen and kind.__module__.startswith("surveybuild."):
        return frozenset(f.name for f in dataclasses.fields(kind))
    return frozenset()


class Sandbox(SandboxedEnvironment):
    """jinja2's sandbox, with a short way to the data fields of surveybuild's frozen dataclasses.

    The reference macro reads a dozen fields of each of thousands of references; the sandbox's
    general check of each attribute tripled its cost. A field of such a dataclass is text or a
    tuple of text; every other attribute, of every other object (``str.format`` too), and every
    call take the sandbox's own way.
    """

    def getattr(self, obj, attribute):
        if attribute in _data_fields(type(obj)):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


@functools.cache
def latex_env() -> jinja2.Environment:
    return Sandbox(
        loader=jinja2.PackageLoader("surveybuild", "templates"),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )


_MARKDOWN_OPTIONS = dict(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                         trim_blocks=True, lstrip_blocks=True)


def markdown_env() -> jinja2.Environment:
    return Sandbox(loader=jinja2.PackageLoader("surveybuild", "templates"), **_MARKDOWN_OPTIONS)


@functools.cache
def own_markdown_env() -> jinja2.Environment:
    """jinja2 without the sandbox, for surveybuild's own templates only (the default reference layout,
    ``reference.md.j2``, called once per reference: the sandbox's checks of each call and attribute
    were 15 % of a reference list). Those templates are part of the package, not of the repository; a
    repository's template, and a macro it passes (``references(layout_macro=...)``), always run in
    :func:`markdown_env`'s sandbox. The data given to a template is never run as template code."""
    return jinja2.Environment(loader=jinja2.PackageLoader("surveybuild", "templates"), **_MARKDOWN_OPTIONS)


def template_line(exc: BaseException) -> int:
    """The line of the template being rendered where ``exc`` was raised (0 when unknown).

    jinja2 rewrites a rendering error's traceback so that the template's frames carry its own
    line numbers; a syntax error carries ``lineno`` itself.
    """
    line = getattr(exc, "lineno", None)
    if line:
        return int(line)
    tb, found = exc.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found
