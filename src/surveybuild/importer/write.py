"""An imported :class:`Table` -> the text of ``tables/<id>.yaml`` (docs/format.md).

Deterministic: keys in the documented order, one row after another. Every scalar
goes through ``yaml.safe_dump`` so quoting is PyYAML's, never ours; the text is
read back with the safe loader before it is returned.
"""

from __future__ import annotations

import yaml

from ..model import Table

SCHEMA_LINE = "# yaml-language-server: $schema=../schema/table.schema.json"


class WriteError(ValueError):
    """Raised when the YAML written does not read back as the same data (a bug)."""


def scalar(value: object) -> str:
    """One scalar as YAML (quoted by PyYAML when needed), on one line."""
    text = yaml.safe_dump(value, allow_unicode=True, width=1 << 30, default_flow_style=True)
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    text = text.rstrip("\n")
    if "\n" in text:  # a string with line breaks: a double-quoted scalar keeps them on one line
        text = yaml.safe_dump(value, allow_unicode=True, width=1 << 30, default_style='"').rstrip("\n")
        if text.endswith("\n..."):
            text = text[: -len("\n...")]
    return text


def literal_block(text: str, indent: str) -> list[str] | None:
    """A string with line breaks as a YAML literal block (``|-`` and its lines, each after ``indent``), as an
    author writes a cell of several lines by hand (docs/format.md); None when PyYAML would not write it so
    (a character a block cannot hold, trailing spaces): then it is a double-quoted scalar."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30, default_style="|")
    if not dumped.startswith("|"):
        return None
    head, *body = dumped.rstrip("\n").split("\n")
    if body and body[-1] == "...":
        body.pop()
    if not body or any(line and not line.startswith("  ") for line in body):
        return None
    return [head] + [indent + line[2:] if line else "" for line in body]


def flow_scalar(value: object) -> str:
    """A scalar as it may stand inside ``[...]`` or ``{...}`` (PyYAML quotes ``,`` ``[`` ``]`` ``{`` ``}`` there)."""
    text = yaml.safe_dump([value], allow_unicode=True, width=1 << 30, default_flow_style=True).strip()
    if text.startswith("[") and text.endswith("]") and "\n" not in text:
        return text[1:-1]
    return scalar(value)


def flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{flow_scalar(k)}: {flow_value(v, True)}" for k, v in mapping.items()) + "}"


def flow_value(value: object, inside: bool = False) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(flow_value(v, True) for v in value) + "]"
    if isinstance(value, dict):
        return flow(value)
    return flow_scalar(value) if inside else scalar(value)


def _comment_block(text: str) -> list[str]:
    return ["comment: |-"] + ["  " + line if line else "" for line in text.splitlines()]


def table_data(table: Table, comment: str = "", table_id: str | None = None) -> dict:
    """The YAML document as plain data (what the text must read back as); ``table_id``: the file's stem."""
    data: dict = {"caption": table.caption}
    if table.label and table.label != f"tab:{table_id or table.id}":
        data["label"] = table.label
    if table.section:
        data["section"] = table.section
    if table.group_title:
        data["group_title"] = table.group_title
    if table.layout != "auto":
        data["layout"] = table.layout
    if table.landscape:
        data["landscape"] = True
    if table.font:
        data["font"] = table.font
    if comment:
        data["comment"] = comment
    columns = []
    for c in table.columns:
        col = {"key": c.key, "title": c.title, "type": c.type}
        if c.align != "l":
            col["align"] = c.align
        if c.show != "both":
            col["show"] = c.show
        if c.group:
            col["group"] = c.group
        if c.width:
            col["width"] = c.width
        if c.wrap:
            col["wrap"] = True
        if c.marks:
            col["marks"] = list(c.marks)
        columns.append(col)
    data["columns"] = columns
    if table.groups:
        data["groups"] = [{"id": g.id, "title": g.title} for g in table.groups]
    if table.notes:
        data["notes"] = {n.id: n.text for n in table.notes}
    first = table.columns[0].key
    rows = []
    for row in table.rows:
        out: dict = {}
        values = dict(row.line.cells)
        if first in values:
            out[first] = values.pop(first).raw
        if row.cites:
            keys = [k for k, _ in row.cites]
            out["cite"] = keys[0] if len(keys) == 1 else keys
        if row.group is not None:
            out["group"] = row.group
        for key, value in values.items():
            out[key] = value.raw
        if row.notes:
            if all(col == first for col, _, _ in row.notes):
                out["notes"] = [n for _, n, _ in row.notes]
            else:
                by_col: dict = {}
                for col, n, _ in row.notes:
                    by_col.setdefault(col, []).append(n)
                out["notes"] = by_col
        if row.sublines:
            out["subrows"] = [{k: v.raw for k, v in sub.cells} for sub in row.sublines]
        rows.append(out)
    data["rows"] = rows
    return data


def to_yaml(table: Table, comment: str = "", table_id: str | None = None) -> str:
    """The file's text; ``table_id`` is the stem of the file it goes to (the label defaults to tab:<it>)."""
    data = table_data(table, comment, table_id)
    lines = [SCHEMA_LINE]
    for key, value in data.items():
        if key == "comment":
            lines += _comment_block(value)
        elif key == "columns":
            lines.append("columns:")
            lines += [f"  - {flow(c)}" for c in value]
        elif key == "groups":
            lines.append("groups:")
            lines += [f"  - {flow(g)}" for g in value]
        elif key == "notes":
            lines.append("notes:")
            lines += [f"  {scalar(k)}: {scalar(v)}" for k, v in value.items()]
        elif key == "rows":
            lines.append("rows:")
            for row in value:
                prefix = "  - "
                for k, v in row.items():
                    if k == "subrows":
                        lines.append(f"{prefix}subrows:")
                        lines += [f"      - {flow(sub)}" for sub in v]
                    elif isinstance(v, str) and "\n" in v and (block := literal_block(v, "      ")):
                        lines.append(f"{prefix}{scalar(k)}: {block[0]}")  # a cell's line breaks: one line a line
                        lines += block[1:]
                    else:
                        lines.append(f"{prefix}{scalar(k)}: {flow_value(v)}")
                    prefix = "    "
        else:
            lines.append(f"{key}: {scalar(value)}")
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != data:
        raise WriteError(f"the YAML for table '{table.id}' does not read back as written")
    return text
