"""The jinja2 environments: one for LaTeX (delimiters that do not clash with braces), one for Markdown.

Both are jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`: a template is a file of the
repository, and an untrusted pull request may change it. The sandbox refuses attribute access
to Python internals (``cycler.__init__.__globals__``), so a template can only lay out what
surveybuild hands it. Templates are loaded from surveybuild's own package only; a template's
``include``/``import`` cannot name a file of the survey or outside it (docs/robustness.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.util
import os

import jinja2
from jinja2.sandbox import SandboxedEnvironment

#: The package's own templates compiled ahead of time (``invoke compile-templates``), by the environment that
#: renders each; a build loads them as Python modules (~0.2 ms each) instead of compiling them (5-8 ms each).
COMPILED_PACKAGE = "surveybuild.renderers.compiled"


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

    #: ``**``: one C call that neither limit of :func:`bounded` can stop (``2 ** 10**10`` computes for minutes)
    intercepted_binops = frozenset({"**"})

    def getattr(self, obj, attribute):
        if attribute in _data_fields(type(obj)):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
                and abs(left).bit_length() * right > 1 << 24:
            from jinja2.exceptions import SecurityError

            raise SecurityError(f"{left} ** {right} is a number of more than {1 << 24} bits")
        return super().call_binop(context, operator, left, right)


#: How much more memory (address space) a repository's template may take while it runs: a README is a few MB,
#: while one expression (``'a' * 10**10``, a string doubled in a loop, ``replace`` chained) asks for any amount.
TEMPLATE_MEMORY = 1 << 30
#: How long a repository's template may run (seconds; a 10,000-entry README takes about one): its loops
#: (``range`` nested, ``lipsum(10**8)``) can take any time.
TEMPLATE_SECONDS = 120


class TemplateTimeout(Exception):
    """The template ran longer than :data:`TEMPLATE_SECONDS`."""


def _timed_out(signum, frame):
    raise TemplateTimeout(f"it ran longer than {TEMPLATE_SECONDS} s")


@contextlib.contextmanager
def bounded(extra: int = TEMPLATE_MEMORY):
    """Run a repository's template (the block) within bounds that jinja2's sandbox does not set (it refuses
    Python's internals, not size or time): the address space limited to what the process uses now plus ``extra``
    (Linux's ``RLIMIT_AS``; a template that asks for more gets a ``MemoryError``), and, in the main thread,
    :data:`TEMPLATE_SECONDS` of time (``SIGALRM``: :class:`TemplateTimeout`) unless a timer is set already.
    Where the system has neither, the block runs unbounded. Both are put back after."""
    import signal
    import threading

    timer = (threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
             and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
             and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None))
    if timer:
        signal.signal(signal.SIGALRM, _timed_out)
        signal.setitimer(signal.ITIMER_REAL, TEMPLATE_SECONDS)
    try:
        with _bounded_memory(extra):
            yield
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)


@contextlib.contextmanager
def _bounded_memory(extra: int):
    try:
        import resource

        before = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm", "rb") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = used + extra
        for bound in before:
            if bound != resource.RLIM_INFINITY:
                limit = min(limit, bound)
        resource.setrlimit(resource.RLIMIT_AS, (limit, before[1]))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)


def signature(env: jinja2.Environment) -> str:
    """What of an environment the code jinja2 compiles a template to depends on: its class (a sandbox's code
    calls through it), its delimiters and whitespace rules, its undefined and autoescaping."""
    return repr((type(env).__name__, env.sandboxed, env.block_start_string, env.block_end_string,
                 env.variable_start_string, env.variable_end_string, env.comment_start_string,
                 env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
                 env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.autoescape,
                 env.undefined.__name__, env.optimized, sorted(env.extensions)))


def module_name(template: str) -> str:
    """The module holding a package template compiled ahead of time (``table.tex.j2`` -> ``table_tex``)."""
    return template.removesuffix(".j2").replace(".", "_").replace("-", "_")


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def compiled_module(env: jinja2.Environment, name: str) -> str:
    """The Python module that holds template ``name`` of the package, compiled by ``env`` (what
    ``invoke compile-templates`` writes): jinja2's own code for it, after what it was compiled from."""
    source, _, _ = env.loader.get_source(env, name)
    code = env.compile(source, name, None, raw=True, defer_init=True)
    return (f"# Generated by `invoke compile-templates` from templates/{name}: do not edit. Used only while the\n"
            "# three lines below are what the template, jinja2 and the environment that renders it are now.\n"
            f"SOURCE = {source_digest(source)!r}\nJINJA2 = {jinja2.__version__!r}\nENVIRONMENT = {signature(env)!r}\n"
            + code + ("" if code.endswith("\n") else "\n"))


class PackageTemplates(jinja2.PackageLoader):
    """surveybuild's own templates (``surveybuild/templates``). One compiled ahead of time (:data:`COMPILED_PACKAGE`)
    is loaded from its module while that module was made from the template's text as it is, by this jinja2
    and an environment like this one; any other is compiled from its text, as jinja2 does."""

    def __init__(self):
        super().__init__("surveybuild", "templates")

    @jinja2.utils.internalcode
    def load(self, environment: jinja2.Environment, name: str, globals=None) -> jinja2.Template:
        namespace = _compiled(name)
        if namespace is not None and namespace.get("JINJA2") == jinja2.__version__ \
                and namespace.get("ENVIRONMENT") == signature(environment):
            source, _, _ = self.get_source(environment, name)
            if namespace.get("SOURCE") == source_digest(source):
                return environment.template_class.from_module_dict(environment, namespace, globals or {})
        return super().load(environment, name, globals)


def _compiled(name: str) -> dict | None:
    """A fresh namespace of the module holding package template ``name`` compiled ahead of time (its code from
    Python's bytecode cache; each environment gets its own: jinja2 puts the environment into it), or None."""
    try:
        spec = importlib.util.find_spec(f"{COMPILED_PACKAGE}.{module_name(name)}")
    except ImportError:
        return None
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        return None
    namespace = {"__name__": spec.name, "__file__": spec.origin}
    exec(spec.loader.get_code(spec.name), namespace)  # noqa: S102 - the package's own module, not a survey's file
    return namespace


@functools.cache
def latex_env() -> jinja2.Environment:
    return Sandbox(
        loader=PackageTemplates(),
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
    return Sandbox(loader=PackageTemplates(), **_MARKDOWN_OPTIONS)


@functools.cache
def own_markdown_env() -> jinja2.Environment:
    """jinja2 without the sandbox, for surveybuild's own templates only (the default reference layout,
    ``reference.md.j2``, called once per reference: the sandbox's checks of each call and attribute
    were 15 % of a reference list). Those templates are part of the package, not of the repository; a
    repository's template, and a macro it passes (``references(layout_macro=...)``), always run in
    :func:`markdown_env`'s sandbox. The data given to a template is never run as template code."""
    return jinja2.Environment(loader=PackageTemplates(), **_MARKDOWN_OPTIONS)


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


#: The package's templates compiled ahead of time, each by the environment that renders it.
PRECOMPILED = {"table.tex.j2": latex_env, "setup.tex.j2": latex_env, "figure.tex.j2": latex_env,
               "figure.pgf.j2": latex_env, "reference.md.j2": own_markdown_env}


def write_compiled() -> list[str]:
    """Write the modules of :data:`PRECOMPILED` into the package's source (``invoke compile-templates``, a developer's
    step after editing a template; tests/test_templates_compiled.py fails while one is stale)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "compiled"
    written = []
    for name, env in PRECOMPILED.items():
        path = folder / f"{module_name(name)}.py"
        path.write_text(compiled_module(env(), name), encoding="utf-8")
        written.append(str(path))
    return written
