"""``surveybuild add``: a row added to a table's YAML, checked like any other, the file's text kept.

The row comes from ``--KEY VALUE`` options or from the body of an issue opened with the "Add a work"
issue form that ``init`` writes (:func:`issue_form`; GitHub renders each answer as ``### Label``, a
blank line and the value, ``_No response_`` when empty). The new row is written in the file's own
style by ruamel.yaml (imported only here) and spliced in after the last row, so the file's comments,
order and quoting stay as they were: the diff is the new row's lines. Before anything is written the
whole file is read again with the project's reader and the whole survey checked; a bad row gets the
usual placed errors, each naming its field, and nothing is written. Proven by tests/test_contribute.py.
"""

from __future__ import annotations

import dataclasses
import io
import re
import sys
from pathlib import Path

import yaml as pyyaml

from .. import paths
from ..readers import yamlread as yr
from ..build.pipeline import Report
from ..checks.check import check_survey
from ..model import Problem, Source, Table
from ..readers.read import TABLE_FILE, read_settings, read_survey, read_text
from ..readers.tableread import did_you_mean, read_table
from ..build.writer import WriteError, write_atomic

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/:+()~%=&?@-]*(?<![ :])")
ISSUE_FORM = ".github/ISSUE_TEMPLATE/add-work.yml"
#: The forms the build keeps with ``issue_forms: true``, one per table: ``ISSUE_FORMS.format(table id)``.
ISSUE_FORMS = ".github/ISSUE_TEMPLATE/add-{}.yml"
NO_RESPONSE = "_No response_"
TRUE, FALSE = ("yes", "true", "y", "1", "✓"), ("no", "false", "n", "0", "✗")
_HELP = {
    "text": "plain text", "latex": "LaTeX text (e.g. LLaMA~\\citep{touvron2023llama})",
    "url": "an http(s) link", "size": "a size such as 7B, 52K, 1.4T or 7B-65B",
    "list": "comma-separated", "bool": "yes or no",
}


def labels(table: Table) -> dict[str, str]:
    """``{field key: label}``: what the issue form asks, and what ``add`` says when a value is wrong."""
    out: dict[str, str] = {}
    wanted = [(c.key, c.title) for c in table.columns[:1]] + [("cite", "Cite key")]
    if table.groups:
        wanted.append(("group", table.group_title or "Group"))
    wanted += [(c.key, c.title) for c in table.columns[1:]]
    for key, title in wanted:
        label = " ".join(str(title).split()) or key
        out[key] = f"{label} ({key})" if label in out.values() or label == "Table" else label
    return out


def issue_form(table: Table, by_build: bool = False) -> str:
    """The GitHub issue form (YAML) that asks for one row of ``table``: a field per column.

    ``by_build``: the form the build keeps (``issue_forms: true``), which says so; else ``init``'s starter."""
    names = labels(table)
    types = {c.key: c.type for c in table.columns}
    body: list[dict] = [
        {"type": "markdown", "attributes": {"value": (
            f"Thank you! Each answer becomes one field of a new row of `{table.source.path}`. A maintainer "
            "adds it with `surveybuild add --issue-form BODY` (the body of this issue), which checks it "
            "like any other row.")}},
        {"type": "dropdown", "id": "table", "attributes": {"label": "Table", "options": [table.id], "default": 0},
         "validations": {"required": True}},
    ]
    for key, label in names.items():
        attributes: dict = {"label": label}
        if key == "cite":
            attributes["description"] = "The work's key in refs.bib (add its BibTeX entry in the pull request)."
        elif key == "group":
            attributes["options"] = [g.title for g in table.groups]
        elif types[key] == "bool":
            attributes["options"] = ["yes", "no"]
        else:
            attributes["description"] = f"`{key}`: {_HELP.get(types[key], 'text')}"
        kind = "dropdown" if "options" in attributes else "input"
        field: dict = {"type": kind, "id": key, "attributes": attributes}
        if key == table.columns[0].key:
            field["validations"] = {"required": True}
        body.append(field)
    form = {"name": f"Add a work to {table.id}", "description": f"Propose a new row for the table '{table.id}'.",
            "title": f"[{table.id}] ", "labels": ["add-work"], "body": body}
    head = (f"# Written by 'surveybuild build' from the columns of {table.source.path} (issue_forms: true in "
            "surveybuild.yaml):\n# a hand edit is refused without --force; set issue_forms: false to keep your own.\n"
            if by_build else "# Written by surveybuild init from the table's columns; edit freely.\n")
    return head + pyyaml.safe_dump(
        form, sort_keys=False, allow_unicode=True, width=100)


def parse_issue_body(text: str, shown: str) -> tuple[dict[str, tuple[str, Source]], list[Problem]]:
    """``{label: (value, where)}`` from an issue form's rendered body; empty answers are left out."""
    answers: dict[str, tuple[str, Source]] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    heads = [i for i, line in enumerate(lines) if line.startswith("### ")]
    if not heads:
        return {}, [Problem(Source(shown, 1, 1), "no '### Field' sections: this is not the body of an issue "
                            "opened with the 'Add a work' form", hint="copy the issue's whole body into the file")]
    for n, i in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(lines)
        value_lines = lines[i + 1:end]
        first = next((j for j, v in enumerate(value_lines) if v.strip()), None)
        value = "\n".join(value_lines).strip()
        if value and value != NO_RESPONSE:
            answers[lines[i][4:].strip()] = (value, Source(shown, i + 2 + (first or 0), 1))
    return answers, []


def _row_values(table: Table, given: dict[str, tuple[str, Source]], by_label: bool, shown: str
                ) -> tuple[dict[str, object], list[Problem]]:
    names = labels(table)
    key_of = {(label if by_label else key): key for key, label in names.items()}
    types = {c.key: c.type for c in table.columns}
    row: dict[str, object] = {}
    problems: list[Problem] = []
    for name, (text, where) in given.items():
        key = key_of.get(name)
        if key is None:
            shown_name = name if by_label else f"--{name}"
            problems.append(Problem(where, f"field '{shown_name}' is not a column of table '{table.id}'",
                                    hint=did_you_mean(name, key_of) or f"known: {', '.join(key_of)}"))
            continue
        if key == "group":
            ids = {g.title: g.id for g in table.groups} | {g.id: g.id for g in table.groups}
            if text.strip() not in ids:
                problems.append(Problem(where, f"field '{names[key]}': '{text}' is not one of its groups",
                                        hint=f"one of: {', '.join(g.id for g in table.groups)}"))
                continue
            row[key] = ids[text.strip()]
            continue
        if key == "cite":
            keys = [k.strip() for k in text.split(",") if k.strip()]
            row[key] = keys[0] if len(keys) == 1 else keys
            continue
        kind = types[key]
        if kind == "bool":
            answer = text.strip().lower()
            column = table.column(key)
            marks = [m.replace("\ufe0f", "") for m in (column.marks or () if column is not None else ())]
            if answer not in TRUE + FALSE and answer.replace("\ufe0f", "") not in marks:
                problems.append(Problem(where, f"field '{names[key]}': '{text}' is not yes or no",
                                        hint="answer yes or no" + (f" ({' or '.join(marks)})" if marks else "")))
                continue
            row[key] = answer in TRUE or bool(marks) and answer.replace("\ufe0f", "") == marks[0]
        elif kind == "list":
            row[key] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            row[key] = " ".join(text.split())
    first = table.columns[0].key
    if first not in row and not any(p for p in problems):
        problems.append(Problem(Source(shown), f"field '{names[first]}' is missing: every row needs it",
                                hint=f"give it with --{first} VALUE" if not by_label else "answer it in the issue"))
    ordered = {k: row[k] for k in names if k in row}  # the table's column order, name and cite first
    return ordered, problems


def _rendered_row(values: dict[str, object], flow: bool, prefix: str) -> str:
    """The new row as YAML lines in the file's style (block or flow), the first with ``prefix`` (``  - ``)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def kept(value: object) -> object:
        """Text plain only where every YAML reader reads it so (ruamel.yaml speaks YAML 1.2, the project's
        reader 1.1): simple words, sizes, URLs; anything else double-quoted."""
        if isinstance(value, str) and (not _PLAIN.fullmatch(value) or ": " in value or " #" in value
                                       or yr._RESOLVER.resolve(pyyaml.ScalarNode, value, (True, False)) != yr._STR):
            return DoubleQuotedScalarString(value)
        return value

    row = CommentedMap()
    for key, value in values.items():
        if isinstance(value, list):
            value = CommentedSeq([kept(v) for v in value])
            value.fa.set_flow_style()
        row[key] = kept(value)
    if flow:
        row.fa.set_flow_style()
    emitter = YAML(typ="rt")
    emitter.width = 4096
    emitter.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    emitter.dump(row, out)
    lines = out.getvalue().rstrip("\n").split("\n")
    pad = " " * len(prefix)
    return "".join((prefix if i == 0 else pad) + line + "\n" for i, line in enumerate(lines))


def splice(text: str, path: str, values: dict[str, object]) -> tuple[str | None, list[Problem]]:
    """``text`` with the new row inserted after the last row: its other lines stay as they were."""
    root, problems = yr.compose(text, path)
    if root is None:
        return None, problems
    rows = dict((k, v) for k, _, v in yr.items(root)).get("rows")
    if not isinstance(rows, pyyaml.SequenceNode) or not rows.value or rows.flow_style:
        where = yr.where(path, rows if rows is not None else root)
        return None, [Problem(where, "cannot add a row here: 'rows' is empty or written inline ([...])",
                              hint="write the first row by hand as a block list ('- name: ...'), then add")]
    last = rows.value[-1]
    start = last.start_mark
    line_text = text.split("\n")[start.line] if "\n" in text else text
    prefix = line_text[:start.column]
    if prefix.strip() not in ("-", ""):
        prefix = " " * start.column
    if prefix.strip() == "":  # the row's first key is on the line after its dash
        prefix = " " * max(0, start.column - 2) + "- "
    end = last.end_mark
    for node in _last_nodes(last):  # the deepest last value: a mapping's own end lies past what follows it
        end = node.end_mark
    lines = text.split("\n")
    at = end.line + 1 if end.column else end.line

    def trails(line: str) -> bool:  # blank, or a comment less indented than the row's keys: not the row's
        return not line.strip() or (line.lstrip().startswith("#") and len(line) - len(line.lstrip()) < start.column)

    while at > start.line + 1 and at <= len(lines) and trails(lines[at - 1]):
        at -= 1
    flow = isinstance(last, pyyaml.MappingNode) and bool(last.flow_style)
    new = _rendered_row(values, flow, prefix)
    if "\r\n" in text:
        new = new.replace("\n", "\r\n")  # the file's own line ends
    head = "\n".join(lines[:at])
    tail = "\n".join(lines[at:])
    glue = "\n" if head and not head.endswith("\n") else ""
    return head + glue + new + tail, []


def _last_nodes(node):
    """The last value node of ``node`` and of its last children: where the row really ends."""
    while isinstance(node, (pyyaml.MappingNode, pyyaml.SequenceNode)) and node.value:
        node = node.value[-1][1] if isinstance(node, pyyaml.MappingNode) else node.value[-1]
        yield node


def add(root: Path, table_id: str, given: dict[str, tuple[str, Source]], by_label: bool = False,
        shown: str = "") -> Report:
    """Add one row to the table ``table_id``; write only when the whole survey still checks."""
    root = Path(root)
    settings, _ = read_settings(root)
    rel = f"{settings.tables.rstrip('/')}/{table_id}.yaml"
    where = Source(shown or "add")
    if not TABLE_FILE.fullmatch(f"{table_id}.yaml") or not (root / rel).is_file():
        known = sorted(p.stem for p in (root / settings.tables).glob("*.yaml")) if (root / settings.tables).is_dir() else []
        return Report(problems=[Problem(where, f"no table '{table_id}' (no file {rel})",
                                        hint=did_you_mean(table_id, known) or f"tables: {', '.join(known) or 'none'}")])
    text, problems = read_text(root / rel, rel, root)
    if text is None:
        return Report(problems=problems)
    table, problems = read_table(text, rel)
    if table is None:
        return Report(problems=problems + [Problem(Source(rel), "the table cannot be read as it is",
                                                   hint="fix it first (surveybuild check)")])
    values, problems = _row_values(table, given, by_label, shown or "add")
    if problems:
        return Report(problems=problems)
    new_text, problems = splice(text, rel, values)
    if new_text is None:
        return Report(problems=problems)
    new_table, problems = read_table(new_text, rel)
    if new_table is None:  # the schema refused the row: each problem is already placed and named
        return Report(problems=_name_fields(problems, table, None, text, new_text))
    survey = read_survey(root)
    before = set(check_survey(survey))
    after = check_survey(dataclasses.replace(survey, tables=tuple(new_table if t.id == table.id else t
                                                                  for t in survey.tables)))
    new = [p for p in after if p not in before and p.severity == "error"]
    if new:
        return Report(problems=_name_fields(new, table, new_table, text, new_text))
    if paths.problem(root, root / rel, rel, "written") is not None:
        return Report(problems=[paths.problem(root, root / rel, rel, "written")])
    try:
        write_atomic(root / rel, new_text)
    except WriteError as exc:
        return Report(problems=[Problem(Source(exc.shown), exc.reason, hint="nothing was written")])
    return Report(written=[rel], info=[f"added row '{values[table.columns[0].key]}' to {rel}; "
                                       "run 'surveybuild build' to update the README and the paper's tables"])


def _name_fields(problems: list[Problem], table: Table, new_table: Table | None, old: str, new: str
                 ) -> list[Problem]:
    """Each problem on the new row's lines, its message starting with the field's label."""
    names = labels(table)
    import difflib

    inserted = {j + 1 for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"),
                                                                       autojunk=False).get_opcodes()
                if tag != "equal" for j in range(j1, j2)}  # the new row's lines
    at_key: dict[tuple[int, int], str] = {}  # (line, column) of each new value -> its field
    if new_table is not None and new_table.rows:
        row = new_table.rows[-1]
        at_key = {(v.source.line, v.source.col): k for k, v in row.line.cells}
        at_key.update({(src.line, src.col): "cite" for _, src in row.cites})
    else:  # the schema refused it: its problems are placed on the value (or the key) of a line
        for i, line in enumerate(new.split("\n"), 1):
            m = re.match(r"(\s*(?:-\s+)?)([a-z][a-z0-9_]*):\s*", line)
            if m and i in inserted:
                at_key[(i, len(m.group(1)) + 1)] = at_key[(i, m.end() + 1)] = m.group(2)
    out = []
    for p in problems:
        key = at_key.get((p.source.line, p.source.col)) if p.source.path == table.source.path else None
        if key is not None:
            p = dataclasses.replace(p, message=f"field '{names.get(key, key)}': {p.message}")
        out.append(p)
    return out + [Problem(Source(table.source.path), "the row was not added: nothing was written", severity="warning")]


def parse_options(words: list[str]) -> tuple[dict[str, tuple[str, Source]], list[Problem]]:
    """``--key value`` pairs (``--key=value`` too) from the command line."""
    given: dict[str, tuple[str, Source]] = {}
    problems: list[Problem] = []
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("--") or len(word) < 3:
            problems.append(Problem(Source("add"), f"'{word}': expected --KEY VALUE", hint="e.g. --name Alpaca"))
            i += 1
            continue
        key, eq, value = word[2:].partition("=")
        if not eq:
            if i + 1 >= len(words):
                problems.append(Problem(Source("add"), f"'--{key}' has no value", hint=f"--{key} VALUE"))
                break
            value = words[i + 1]
            i += 1
        given[key] = (value, Source(f"--{key}"))
        i += 1
    return given, problems


def run(command: str, root: Path, args) -> int:
    """The ``add`` and ``diff`` commands (the CLI stays thin)."""
    from ..cli import print_report

    if not root.is_dir():
        print(f"surveybuild: error: {root}: no such folder", file=sys.stderr)
        return 2
    if command == "diff":
        from .prdiff import diff

        text, problems = diff(root, args.base)
        sys.stdout.write(text)
        print_report(Report(problems=problems))
        return 0 if not any(p.severity == "error" for p in problems) else 1
    table_id = args.table
    if args.issue_form is not None:
        body, problems = read_text(Path(args.issue_form), args.issue_form)
        given, found = parse_issue_body(body or "", args.issue_form) if body is not None else ({}, [])
        problems += found
        form_table = given.pop("Table", (None, None))[0]
        table_id = table_id or form_table
        if args.fields:
            problems.append(Problem(Source("add"), "give the row either as --KEY VALUE or as --issue-form, not both"))
        by_label = True
    else:
        given, problems = parse_options(args.fields)
        by_label = False
    if not table_id and not problems:
        problems.append(Problem(Source("add"), "which table? name it: surveybuild add TABLE --KEY VALUE ..."))
    report = Report(problems=problems) if problems else add(root, table_id, given, by_label,
                                                            args.issue_form or "")
    print_report(report)
    return 0 if report.ok else 1
