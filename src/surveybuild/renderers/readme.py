"""Survey -> README.md text, through the survey's jinja2 template.

The template calls ``table(id)``, ``caption(id)``, ``toc()``, ``references()``
and ``bibtex(key)``. ``toc()`` and ``references()`` leave placeholders that are
filled once the whole page is rendered: the table of contents needs every
heading, the reference list every citation.
"""

from __future__ import annotations

import html
import posixpath
import re

from . import markdown
from ..model import Problem, Source, Survey
from .references import bibtex_text, format_references, plainnat_sort_key
from .templating import TEMPLATE_MEMORY, TemplateTimeout, bounded, markdown_env, template_line

TOC = "\x00surveybuild-toc:{}:{}\x00"
REFS = "\x00surveybuild-references:{}\x00"


class TemplateError(Exception):
    """A template called something that does not exist (an unknown table or key)."""


def render_readme(survey: Survey, memo=None) -> tuple[str, list[Problem]]:
    text, problems, _ = render_readme_numbered(survey, memo)
    return text, problems


def _formatter(survey: Survey, memo):
    """The reference formatter: surveybuild's own layout, or the survey's CSL style (:mod:`surveybuild.renderers.csl`);
    ``memo`` (:class:`surveybuild.renderers.references.Memo`): the references formatted before, None for none."""
    style = survey.settings.reference_style
    if not style:
        return lambda entries, *layout: format_references(entries, *layout, memo=None if layout else memo)
    from . import csl

    return lambda entries, *layout: (format_references(entries, *layout) if layout
                                     else csl.format_references(entries, style, memo))


def render_readme_numbered(survey: Survey, memo=None) -> tuple[str, list[Problem], list[str]]:
    """The README, its problems, and the cite keys in the order of their numbers.

    ``reference_order: alphabetical``: the works the README cites, and those the paper's own text
    cites (which would otherwise shift the paper's numbers), are numbered in the order natbib's
    plainnat sorts them (:func:`references.plainnat_sort_key`), which takes a second rendering.
    """
    formatter = _formatter(survey, memo)
    text, problems, citations = _render(survey, formatter=formatter)
    if survey.settings.reference_order == "alphabetical" and not problems:
        entries = {e.key: e for e in survey.bib}
        keys = set(citations.order) | {c.key for c in survey.tex_cites if c.key in entries}
        order = sorted(keys, key=lambda k: plainnat_sort_key(entries[k]) if k in entries else k)
        text, problems, citations = _render(survey, order, formatter)
    return text, problems, list(citations.order)


def _render(survey: Survey, seed: list[str] | None = None, formatter=format_references):
    template_text = survey.readme_template or ""
    template_name = survey.settings.readme_template
    entries = {e.key: e for e in survey.bib}
    citations = markdown.Citations(entries)
    citations.seed(seed or [])
    problems: list[Problem] = []
    where = Source(template_name)

    def get_table(table_id: str):
        table = survey.table(table_id)
        if table is None:
            known = ", ".join(t.id for t in survey.tables)
            raise TemplateError(f"table('{table_id}'): no table with that id (tables: {known})")
        return table

    def table(table_id: str) -> str:
        return markdown.render_table(get_table(table_id), citations)

    def caption(table_id: str) -> str:
        t = get_table(table_id)
        return markdown.Renderer(t, citations, "gfm", in_table=False).latex(t.caption)

    def toc(min_level: int = 2, max_level: int = 3) -> str:
        return TOC.format(min_level, max_level)

    groups_spec: list[list] = []
    layout: list = []

    def references(groups=None, layout_macro=None) -> str:
        """The numbered reference list; ``groups`` = [[heading, [table id or cite key, ...]], ...].

        ``layout_macro``: a macro of the template that lays out one reference (``ref`` ->
        text), in place of surveybuild's ``reference.md.j2``.
        """
        if layout_macro is not None:
            if not callable(layout_macro):
                raise TemplateError("references(layout_macro=...): give a macro, e.g. "
                                    "{% macro my_reference(ref) %}...{% endmacro %}")
            layout[:] = [layout_macro]
        if groups is None:
            return REFS.format("flat")
        for heading, members in groups:
            for member in members:
                if survey.table(member) is None and member not in entries:
                    raise TemplateError(f"references(): '{member}' is neither a table id nor a key in "
                                        f"{survey.settings.bib}")
        groups_spec[:] = [[str(h), list(m)] for h, m in groups]
        return REFS.format("grouped")

    def figure(figure_id: str) -> str:
        """The figure's light SVG, and its dark one where the reader's system is in dark mode."""
        if survey.figure(figure_id) is None:
            known = ", ".join(f.id for f in survey.figures) or f"none: add {survey.settings.figures}/{figure_id}.yaml"
            raise TemplateError(f"figure('{figure_id}'): no figure with that id (figures: {known})")
        return picture(survey, survey.figure(figure_id))

    def bibtex(key: str) -> str:
        if key not in entries:
            raise TemplateError(f"bibtex('{key}'): no entry with that key in {survey.settings.bib}")
        return bibtex_text(entries[key])

    def cite(*keys: str) -> str:
        missing = [k for k in keys if k not in entries]
        if missing:
            raise TemplateError(f"cite({', '.join(missing)}): not in {survey.settings.bib}")
        return " ".join(f"[\\[{citations.number(k)}\\]](#{markdown.ref_anchor(k)})" for k in keys)

    def how_to_add(form: bool | None = None) -> str:  # None: whether the build keeps issue forms
        return how_to_add_text(survey, survey.settings.issue_forms if form is None else bool(form))

    env = markdown_env()
    env.globals.update(table=table, caption=caption, toc=toc, references=references, bibtex=bibtex, cite=cite,
                       figure=figure, how_to_add=how_to_add,
                       tables=[t.id for t in survey.tables])
    try:
        with bounded():  # the sandbox refuses Python's internals, not size
            text = env.from_string(template_text).render()
    except TemplateError as exc:
        return "", [Problem(Source(where.path, template_line(exc) or 1), str(exc),
                            hint="fix the template or add the missing source")], citations
    except Exception as exc:  # jinja2's syntax, undefined and sandbox errors
        return "", [_template_problem(template_name, exc)], citations
    finally:
        # jinja2's environment is a reference cycle (its extensions point back at it): through the functions
        # above, it held the whole survey until a full collection, which only the process's exit made (~80 ms)
        env.globals.clear()
    for _, members in groups_spec:  # works listed by key are numbered after every cited one
        for member in members:
            if survey.table(member) is None:
                citations.number(member, "")
    cited = [entries[k] for k in citations.order if k in entries]
    try:
        if layout:  # the template's own macro runs
            with bounded():
                formatted, found = formatter(cited, *layout)
        else:
            formatted, found = formatter(cited, *layout)
    except Exception as exc:  # jinja2's errors in the template's own reference macro
        if not layout:
            raise
        return "", [_template_problem(template_name, exc, " in the macro given to references(layout_macro=...)")], \
            citations
    problems += found
    outline = _fill_references(text, citations, {}, groups_spec, with_entries=False)
    text = _fill_references(text, citations, formatted, groups_spec)
    text = _fill_toc(text, outline)
    return text, problems, citations


_KIND = {"url": "link", "size": "size, e.g. 7B", "bool": "yes/no", "list": "comma-separated", "latex": "LaTeX"}


def _marks(column) -> str:
    """A bool column's marks, which ``surveybuild add`` takes as answers too (`` or ✅ / ❌``), else ''."""
    return f" or {' / '.join(markdown.escape_gfm(m) for m in column.marks)}" if column.marks else ""


def how_to_add_text(survey: Survey, form: bool = False) -> str:
    """The README's "how to add a work": the ways in, and each table's fields (``{{ how_to_add() }}``;
    ``form=True``: the repository has *Add a work* issue forms, ``init``'s or the build's, ``issue_forms: true``)."""
    first = survey.tables[0] if survey.tables else None
    ask = "open an issue with the *Add a work* form" if form else "open an issue that gives its fields"
    lines = [f"To add a work, {ask}, or add its row to the table's YAML file and open a pull request. "
             "The pull request's check marks any problem on the line that has it and lists the rows it "
             "adds, removes or changes. With surveybuild installed, one command adds a checked row:", "",
             "```sh",
             f"surveybuild add {first.id if first else 'TABLE'} --{first.columns[0].key if first else 'name'} "
             "NAME --cite BIBTEX_KEY ...",
             "surveybuild build", "```", "", "The tables and their fields:", ""]
    for table in survey.tables:
        fields = [f"`{table.columns[0].key}` (required)", "`cite`"]
        if table.groups:
            fields.append("`group` (" + " / ".join(f"`{g.id.replace('`', '')}`" for g in table.groups) + ")")
        fields += [f"`{c.key}`" + (f" ({_KIND[c.type]}{_marks(c)})" if c.type in _KIND else "") for c in table.columns[1:]]
        path = table.source.path.replace("`", "")
        lines.append(f"- `{table.id}` (`{path}`): {', '.join(fields)}")
    return "\n".join(lines)


def picture(survey: Survey, figure) -> str:
    """GitHub's way to show one image in light mode and another in dark mode."""
    base = posixpath.dirname(survey.settings.readme) or "."
    light, dark = (html.escape(posixpath.relpath(f"{survey.settings.figures}/{figure.id}{suffix}.svg", base))
                   for suffix in ("", "-dark"))
    return (f'<picture>\n  <source media="(prefers-color-scheme: dark)" srcset="{dark}">\n'
            f'  <img alt="{html.escape(figure.alt)}" src="{light}">\n</picture>')
def _template_problem(template_name: str, exc: Exception, where: str = "") -> Problem:
    """A rendering error of the README template, placed on its line."""
    from jinja2.exceptions import SecurityError

    if isinstance(exc, TemplateTimeout):
        return Problem(Source(template_name, template_line(exc)), f"template error{where}: {exc}",
                       hint="a template lays out what surveybuild gives it; look for a loop inside a loop")
    if isinstance(exc, MemoryError):
        return Problem(Source(template_name, template_line(exc)), f"template error{where}: it asked for more than "
                       f"{TEMPLATE_MEMORY >> 20} MB of memory", hint="a template lays out what surveybuild gives it; "
                       "look for a text or list multiplied, doubled in a loop or replaced over and over")
    if isinstance(exc, SecurityError):
        return Problem(Source(template_name, template_line(exc)), f"template error{where}: not allowed: {exc}",
                       hint="a template lays out what surveybuild gives it (table(), cite(), ...); "
                       "it cannot reach Python internals")
    return Problem(Source(template_name, template_line(exc)), f"template error{where}: {exc}")


def fill_markdown(survey: Survey, path: str, text: str, regions, memo=None) -> tuple[str, list[Problem]]:
    """A hand-written Markdown file with its marker regions filled: tables, ``references``, ``toc``."""
    from .markers import fill

    entries = {e.key: e for e in survey.bib}
    citations = markdown.Citations(entries)
    content: dict[str, str] = {}
    for region in regions:
        if region.id == "references":
            content[region.id] = "\n" + REFS.format("flat") + "\n"
        elif region.id == "toc":
            content[region.id] = "\n" + TOC.format(2, 3) + "\n"
        else:
            content[region.id] = "\n" + markdown.render_table(survey.table(region.id), citations) + "\n"
    text = fill(text, regions, {k: v.rstrip("\n") + "\n\n" for k, v in content.items()})
    formatted, problems = _formatter(survey, memo)([entries[k] for k in citations.order if k in entries])
    outline = _fill_references(text, citations, {}, [], with_entries=False)
    text = _fill_references(text, citations, formatted, [])
    return _fill_toc(text, outline), problems


def _reference_lines(keys: list[str], citations: markdown.Citations, formatted: dict[str, str],
                     with_entries: bool = True) -> list[str]:
    lines: list[str] = []
    if not with_entries:
        return lines
    for key in keys:
        n = citations.numbers[key]
        lines.append(f'<a id="{markdown.ref_anchor(key)}"></a>\\[{n}\\] {formatted.get(key, key)}')
        lines.append("")
    return lines


def _fill_references(text: str, citations, formatted, groups_spec, with_entries: bool = True) -> str:
    """The page with its reference lists; ``with_entries=False``: their headings only (the outline)."""
    flat = REFS.format("flat")
    if flat in text:
        text = text.replace(flat, "\n".join(_reference_lines(citations.order, citations, formatted, with_entries)).rstrip())
    grouped = REFS.format("grouped")
    if grouped in text:
        placed: set[str] = set()
        lines: list[str] = []
        for heading, members in groups_spec:
            keys = [k for k in citations.order if k not in placed
                    and (citations.first_table.get(k) in members or k in members)]
            placed.update(keys)
            lines += [f"### {heading}", ""] + _reference_lines(keys, citations, formatted, with_entries)
        rest = [k for k in citations.order if k not in placed]
        if rest:
            lines += ["### Other", ""] + _reference_lines(rest, citations, formatted, with_entries)
        text = text.replace(grouped, "\n".join(lines).rstrip())
    return text


#: A heading as cmark-gfm writes it (one element, no attributes), and any tag inside it.
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")


def headings(text: str) -> list[tuple[int, str]]:
    """(level, text) of every heading, as GitHub's own Markdown engine (cmark-gfm) renders the page.

    The text is the heading's text content (what GitHub makes its anchor from); raw HTML is
    left out, as cmark-gfm's safe mode omits it.
    """
    import cmarkgfm

    rendered = cmarkgfm.github_flavored_markdown_to_html(text)
    return [(int(m.group(1)), html.unescape(_TAG.sub("", m.group(2)))) for m in _HEADING.finditer(rendered)]


def _fill_toc(text: str, outline: str) -> str:
    """The page with its tables of contents, made from the headings of ``outline``.

    ``outline`` is the page without the reference lines: each is a one-line paragraph, which
    holds no heading and ends none, and they are half of a long README's text.
    """
    marks = re.findall(TOC.format(r"(\d)", r"(\d)").replace("\x00", "\\x00"), text)
    if not marks:
        return text
    from .slug import Slugger

    slugger = Slugger()
    found = [(level, title, slugger.slug(title)) for level, title in headings(outline.replace("\x00", ""))]
    for lo, hi in set(marks):
        lo_i, hi_i = int(lo), int(hi)
        lines = [f"{'  ' * (level - lo_i)}- [{markdown.escape_gfm(title)}](#{slug})"
                 for level, title, slug in found if lo_i <= level <= hi_i]
        text = text.replace(TOC.format(lo, hi), "\n".join(lines))
    return text
