"""``surveybuild diff BASE``: the rows a pull request adds, removes or changes, table by table, in Markdown.

The tables at git revision BASE are read out of git's object store (``git ls-tree``, ``git cat-file
blob``: no checkout, no filters, no hooks, nothing of the repository run) and read with the same
reader as the working tree's (:func:`surveybuild.readers.tableread.read_table`). A row is known by its name
(the first column); a changed row lists the fields that changed. For the workflow's job summary
(``>> "$GITHUB_STEP_SUMMARY"``). Proven by tests/test_feedback.py on a real git repository.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

from .. import values
from ..renderers.markdown import escape_gfm
from ..model import Problem, Row, Source, Table
from ..readers.read import TABLE_FILE, read_settings, read_text, table_files
from ..readers.tableread import read_table

#: never read a file the repository's own config asks git to run something for
_GIT = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")


class GitError(Exception):
    pass


def _git(root: Path, *args: str) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise GitError("git is not installed")
    done = subprocess.run([git, *_GIT, "-C", str(root), *args], capture_output=True, timeout=120)
    if done.returncode:
        raise GitError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if done.stderr
                       else f"git {args[0]} failed")
    return done.stdout


def base_tables(root: Path, base: str, folder: str) -> tuple[str, dict[str, str]]:
    """The revision's short name and ``{path: text}`` of the table files in ``folder`` at ``base``."""
    if not base or base.startswith("-") or any(c in base for c in "\0\n"):
        raise GitError(f"'{base}' is not a git revision")
    sha = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{base}^{{commit}}").decode().strip()
    listing = _git(root, "ls-tree", "-z", sha, "--", f"./{folder.strip('/')}/")
    found: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, obj = meta.decode().split()
        path = PurePosixPath(name.decode("utf-8", "replace"))
        if kind != "blob" or mode == "120000" or not TABLE_FILE.fullmatch(path.name) or path.name.startswith("_"):
            continue  # a link, a sub-folder, or a file the build would not read
        found[path.as_posix()] = _git(root, "cat-file", "blob", obj).decode("utf-8-sig", "replace")
    return sha[:12], found


def fields(row: Row) -> dict[str, object]:
    """What a row holds, field by field (cite keys, group and sub-rows included)."""
    out: dict[str, object] = {k: v.raw for k, v in row.line.cells}
    if row.cites:
        out["cite"] = ", ".join(key for key, _ in row.cites)
    if row.group is not None:
        out["group"] = row.group
    if row.sublines:
        out["subrows"] = [{k: v.raw for k, v in sub.cells} for sub in row.sublines]
    if row.notes:
        out["notes"] = [note for _, note, _ in row.notes]
    return out


def _rows(table: Table | None) -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    for row in table.rows if table else ():
        name, n = row.name, 1
        while name in rows:  # two rows of one name: the second is known as 'name (2)'
            n += 1
            name = f"{row.name} ({n})"
        rows[name] = fields(row)
    return rows


def _show(value: object, limit: int = 60) -> str:
    """A value on one line of the summary: a cell's line breaks shown as ``↵`` (a change of breaks alone shows)."""
    text = "–" if value is None else str(value)
    text = " ↵ ".join(" ".join(line.split()) for line in text.split(values.LINE_BREAK)) if values.LINE_BREAK in text \
        else " ".join(text.split())
    return escape_gfm(text if len(text) <= limit else text[: limit - 1] + "…")


def table_changes(old: Table | None, new: Table | None) -> list[str]:
    """Markdown list items: the rows added, removed and changed."""
    before, after = _rows(old), _rows(new)
    lines = [f"- added **{_show(name)}**" for name in after if name not in before]
    lines += [f"- removed **{_show(name)}**" for name in before if name not in after]
    for name in after:
        if name in before and before[name] != after[name]:
            keys = list(after[name]) + [k for k in before[name] if k not in after[name]]
            changed = [f"`{k}` {_show(before[name].get(k))} → {_show(after[name].get(k))}"
                       for k in keys if before[name].get(k) != after[name].get(k)]
            lines.append(f"- changed **{_show(name)}**: " + "; ".join(changed))
    return lines


def diff(root: Path, base: str) -> tuple[str, list[Problem]]:
    """The Markdown summary, and the problems met (an unreadable table is named, not summarised)."""
    root = Path(root)
    settings, problems = read_settings(root)
    try:
        short, old_texts = base_tables(root, base, settings.tables)
    except GitError as exc:
        return "", problems + [Problem(Source(base), f"cannot read the tables at git revision '{base}': {exc}",
                                       hint="fetch it first (actions/checkout with fetch-depth: 0)")]
    new_texts: dict[str, str] = {}
    for path in table_files(root, settings):
        shown = path.relative_to(root).as_posix()
        text, found = read_text(path, shown, root)
        problems += found
        if text is not None and TABLE_FILE.fullmatch(path.name):
            new_texts[shown] = text
    sections: list[str] = []
    for rel in sorted(set(old_texts) | set(new_texts), key=lambda r: PurePosixPath(r).name):
        tables: list[Table | None] = []
        for side, texts in (("at " + short, old_texts), ("in the working tree", new_texts)):
            table = None
            if rel in texts:
                table, found = read_table(texts[rel], rel)
                if table is None:
                    problems.append(Problem(Source(rel), f"the table {side} cannot be read, so it is not "
                                            f"summarised: {found[0].message if found else ''}",
                                            severity="warning"))
            tables.append(table)
        if (rel in old_texts and tables[0] is None) or (rel in new_texts and tables[1] is None):
            sections.append(f"### `{PurePosixPath(rel).stem}`\n\n_{escape_gfm(rel)} cannot be read: see `surveybuild check`._")
            continue
        lines = table_changes(*tables)
        if lines:
            status = " (new table)" if rel not in old_texts else " (table removed)" if rel not in new_texts else ""
            sections.append(f"### `{PurePosixPath(rel).stem}`{status}\n\n" + "\n".join(lines))
    head = f"## Table rows changed since `{short}`\n\n"
    return head + ("\n\n".join(sections) if sections else "No table row was added, removed or changed.") + "\n", problems
