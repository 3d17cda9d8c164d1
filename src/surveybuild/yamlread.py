"""Safe YAML reading that keeps line numbers.

PyYAML composes the document into nodes (CSafeLoader when the C extension is
there, SafeLoader otherwise: never a loader that can build Python objects);
``located`` values then carry the node's line and column.
"""

from __future__ import annotations

import yaml

from .model import Problem, Source

try:  # the C loader is about five times faster; both are safe loaders
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def where(path: str, node: yaml.Node) -> Source:
    mark = node.start_mark
    return Source(path, mark.line + 1, mark.column + 1)


def compose(text: str, path: str) -> tuple[yaml.Node | None, list[Problem]]:
    """Parse ``text`` into a node tree; a syntax error becomes a problem with its place."""
    if not text.strip():
        return None, [Problem(Source(path, 1, 1), "the file is empty",
                              hint="write the table's caption, columns and rows, or delete the file")]
    _constructor.constructed_objects.clear()  # the memo of plain(): the previous document's nodes can go
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path)]
    except yaml.YAMLError as exc:  # pragma: no cover - other reader errors
        return None, [Problem(Source(path), f"YAML error: {exc}")]
    problems = _node_problems(node, path)
    return (None, problems) if problems else (node, [])


#: More nodes than this once aliases are expanded is an alias bomb, not a table.
MAX_NODES = 200_000


def _node_problems(root: yaml.Node | None, path: str) -> list[Problem]:
    """Tags the safe loader cannot build (``!!python/...``, ``!custom``) and self-referring or exploding aliases."""
    problems: list[Problem] = []
    count = 0
    stack: list[tuple[yaml.Node, tuple[int, ...]]] = [(root, ())] if root is not None else []
    while stack:
        node, parents = stack.pop()
        count += 1
        if count > MAX_NODES:
            return [Problem(where(path, root), f"the file expands to more than {MAX_NODES} values through YAML "
                            "aliases", hint="write the values out instead of repeating '*alias'")]
        if node.tag not in _constructor.yaml_constructors:
            problems.append(Problem(where(path, node), f"YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed",
                                    hint="surveybuild reads plain YAML only: remove the '!' tag"))
            continue
        if id(node) in parents:
            return [Problem(where(path, node), "a YAML alias refers to a value that contains it",
                            hint="remove the '*alias'")]
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
        stack.extend((child, parents + (id(node),)) for child in children)
    return problems


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    what = exc.problem or "syntax error"
    context = f" {exc.context}" if exc.context else ""
    return Problem(Source(path, line, col), f"YAML syntax error: {what}{context}",
                   hint="check the indentation and quote values holding ': ' or a leading '#', '&', '*'")


_constructor = yaml.constructor.SafeConstructor()


def plain(node: yaml.Node | None) -> object:
    """The plain Python value of a node (dicts, lists, strings, numbers, booleans, None)."""
    if node is None:
        return None
    if isinstance(node, yaml.MappingNode):
        return {plain(k): plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain(v) for v in node.value]
    return _constructor.construct_object(node, deep=True)


def find(node: yaml.Node | None, path: tuple) -> yaml.Node | None:
    """The node at a jsonschema-style path of keys and indices (the deepest that exists)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if plain(k) == step:
                    nxt = v
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return node
    return node


def key_node(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, _ in node.value:
        if plain(k) == key:
            return k
    return None


def items(node: yaml.Node | None) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping node, in file order."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(plain(k)), k, v) for k, v in node.value]


def elements(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
