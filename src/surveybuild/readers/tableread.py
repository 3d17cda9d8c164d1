"""``tables/<id>.yaml`` -> :class:`Table`, with every structural problem found at once.

The JSON Schema (``table.schema.json``) checks the shape; each of its errors is
placed on the YAML node it is about. Meaning (types of values, cite keys, note
ids) is checked later, in :mod:`surveybuild.checks.check`.
"""

from __future__ import annotations

import functools
import json
from pathlib import PurePath

import yaml

from . import yamlread as yr
from .. import values
from .. import package_text
from ..model import Column, Group, Line, Note, Problem, Row, Source, Table, Value

SCHEMA_NAME = "table.schema.json"
ROW_META = ("cite", "group", "notes", "subrows", "comment")
#: A cell's text: line breaks are newlines, no other line separator (the schema's ``$defs/cell``)
CELL_PATTERN = "^[^\r\u000b\u000c\u0085\u2028\u2029]*$"
#: What each pattern of the schema asks for, in words. Ids and labels reach LaTeX as they are
#: (``\\label{...}``, file names): the patterns keep TeX's special characters out of them.
PATTERN_HINTS = {
    "^[A-Za-z][A-Za-z0-9:._-]*$": "a label is a letter, then letters, digits and : . _ -, e.g. tab:models",
    "^[A-Za-z0-9_][A-Za-z0-9_.:-]*$": "an id is made of letters, digits and _ . : -",
    "^[a-z0-9][a-z0-9_-]*$": "a table id is made of a-z, 0-9, _ and -",
    "^[a-z][a-z0-9_]*$": "a column key is a-z, then a-z, 0-9 and _",
    "^-?[a-z][a-z0-9_]*$": "a sort key is a column key, with '-' in front for descending order",
    CELL_PATTERN: "a line break in a cell is a plain newline: write the cell as a | block, one line per line",
}


@functools.cache
def schema(name: str = SCHEMA_NAME) -> dict:
    return json.loads(package_text(name))


def did_you_mean(word: str, choices) -> str:
    import difflib  # only for a word that is not one of the choices

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


@functools.cache
def _fast_validator():
    """jsonschema-rs (compiled, a hundred times faster) answers "valid?"; None when it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a declared dependency; jsonschema alone still works
        return None
    return jsonschema_rs.validator_for(schema())


def schema_problems(root: yaml.Node, data: object, path: str, name: str = SCHEMA_NAME,
                    thing: str = "table") -> list[Problem]:
    """Every way ``data`` breaks the JSON Schema ``name``, each placed on its YAML node."""
    fast = _fast_validator() if name == SCHEMA_NAME else None
    if fast is not None:
        try:
            if fast.is_valid(data):
                return []  # the common clean table; jsonschema gives the messages of the others
        except (ValueError, TypeError):
            pass  # a value that is not plain JSON (a YAML date, a non-string key): jsonschema decides
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    problems = []
    errors = []
    for err in validator.iter_errors(data):
        if err.validator in ("oneOf", "anyOf") and err.context:
            # the alternative that came closest says what is wrong (a note id's pattern, not "no schema fits")
            err = max(err.context, key=lambda e: len(e.absolute_path))
        errors.append(err)
    for err in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        at = tuple(err.absolute_path)
        node = yr.find(root, at)
        where = yr.where(path, node) if node is not None else Source(path, 1, 1)
        if "propertyNames" in err.schema_path and isinstance(node, yaml.MappingNode):
            knode = yr.key_node(node, err.instance)  # the key that breaks the rule, not its mapping
            where = yr.where(path, knode) if knode is not None else where
        what = _describe(at, thing)
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - set(allowed)):
                knode = yr.key_node(node, extra) if isinstance(node, yaml.MappingNode) else None
                hint = did_you_mean(extra, allowed) or f"allowed: {', '.join(allowed)}"
                problems.append(Problem(yr.where(path, knode) if knode else where,
                                        f"{what}: unknown field '{extra}'", hint=hint))
            continue
        if err.validator == "required":
            hint = "add it"
        elif err.validator == "enum":
            hint = f"use one of: {', '.join(map(str, err.validator_value))}"
        elif err.validator == "pattern":
            hint = PATTERN_HINTS.get(err.validator_value, "")
        else:
            hint = ""
        message = err.message
        if err.validator == "enum":
            message = f"{err.instance!r} is not allowed"
        elif err.validator == "pattern" and err.validator_value == CELL_PATTERN:
            bad = next(ch for ch in str(err.instance) if ch in CELL_PATTERN[3:-3])
            message = f"U+{ord(bad):04X} {bad!r} is a line separator the format does not use"
        problems.append(Problem(where, f"{what}: {message}", hint=hint))
    return problems


def _describe(at: tuple, thing: str = "table") -> str:
    if not at:
        return thing
    parts = []
    for step in at:
        parts.append(f"[{step + 1}]" if isinstance(step, int) else f".{step}" if parts else str(step))
    return "".join(parts)


def _line(path: str, items: list[tuple[str, yaml.Node, yaml.Node]], data: dict, skip=ROW_META) -> Line:
    """A row's (or sub-row's) line: each field's plain value from ``data`` (what :func:`yamlread.load` made of the
    mapping ``items`` come from, built once for the whole file), and its place from its node."""
    return Line(tuple([(k, Value(data[k], yr.where(path, v))) for k, _, v in items if k not in skip]))


def _row(path: str, index: int, node: yaml.Node, first_key: str | None, data: dict) -> Row:
    items = yr.items(node)  # once: the row's fields and its line both come from them
    fields = {k: v for k, _, v in items}
    line = _line(path, items, data)
    first = line.get(first_key) if first_key else None
    name = values.one_line(str(first.raw)) if first is not None and first.raw is not None else f"row {index + 1}"
    cite_node = fields.get("cite")
    cites: list[tuple[str, Source]] = []
    if isinstance(cite_node, yaml.ScalarNode):
        for key in str(yr.plain(cite_node) or "").split(","):
            if key.strip():
                cites.append((key.strip(), yr.where(path, cite_node)))
    for el in yr.elements(cite_node):
        cites.append((str(yr.plain(el)), yr.where(path, el)))
    notes: list[tuple[str, str, Source]] = []
    notes_node = fields.get("notes")
    for el in yr.elements(notes_node):
        notes.append((first_key or "", str(yr.plain(el)), yr.where(path, el)))
    for col, _, seq in yr.items(notes_node):
        for el in yr.elements(seq):
            notes.append((col, str(yr.plain(el)), yr.where(path, el)))
    group = fields.get("group")
    return Row(
        index=index,
        name=name,
        line=line,
        sublines=tuple(_line(path, yr.items(sub), sub_data, skip=())
                       for sub, sub_data in zip(yr.elements(fields.get("subrows")), data.get("subrows") or ())),
        cites=tuple(cites),
        group=str(yr.plain(group)) if group is not None else None,
        notes=tuple(notes),
        source=yr.where(path, node),
    )


def read_table(text: str, path: str) -> tuple[Table | None, list[Problem]]:
    """Build a table from a YAML text; ``path`` is how messages name the file."""
    root, data, problems = yr.load(text, path)
    if root is None:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(yr.where(path, root), "a table file must be a mapping with caption, columns and rows")]
    problems += schema_problems(root, data, path)
    if problems:
        return None, problems
    fields = {k: v for k, _, v in yr.items(root)}
    table_id = str(data.get("id") or PurePath(path).stem)
    columns = tuple(
        Column(
            key=c["key"], title=c["title"], type=c.get("type", "text"), align=c.get("align", "l"),
            show=c.get("show", "both"), group=c.get("group"), width=c.get("width"),
            wrap=bool(c.get("wrap", False)), source=yr.where(path, node),
            marks=(str(c["marks"][0]), str(c["marks"][1])) if "marks" in c else None,
        )
        for c, node in zip(data["columns"], yr.elements(fields["columns"]))
    )
    first_key = columns[0].key if columns else None
    groups = tuple(Group(g["id"], g["title"], yr.where(path, node))
                   for g, node in zip(data.get("groups") or [], yr.elements(fields.get("groups"))))
    notes = tuple(Note(str(k), str(yr.plain(v)), yr.where(path, v)) for k, _, v in yr.items(fields.get("notes")))
    rows = tuple(_row(path, i, node, first_key, row_data)
                 for i, (node, row_data) in enumerate(zip(yr.elements(fields["rows"]), data["rows"])))
    table = Table(
        id=table_id,
        caption=data["caption"],
        label=data.get("label") or f"tab:{table_id}",
        columns=columns,
        rows=rows,
        groups=groups,
        notes=notes,
        section=data.get("section"),
        group_title=data.get("group_title", ""),
        layout=data.get("layout", "auto"),
        landscape=data.get("landscape"),
        font=data.get("font", ""),
        fit=data.get("fit", "auto"),
        sort=tuple(data.get("sort") or ()),
        source=Source(path, 1, 1),
    )
    return table, []
