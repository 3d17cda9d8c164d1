"""Safe YAML reading that keeps line numbers.

PyYAML composes the document into nodes (CSafeLoader when the C extension is
there, SafeLoader otherwise: never a loader that can build Python objects);
``located`` values then carry the node's line and column.
"""

from __future__ import annotations

import functools

import yaml

from .model import Problem, Source

try:  # the C loader is about five times faster; both are safe loaders
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """The safe loader, asking its resolver once per distinct scalar.

    The resolver (is a plain scalar an int, a bool, null or a string?) is Python code the C
    parser calls for every scalar, and table keys and cells repeat (``name``, ``true``, ``human``).
    Its answer depends on the scalar alone while no path resolvers are added (none are).
    """

    def __init__(self, stream):
        super().__init__(stream)
        if not self.yaml_path_resolvers:
            self.resolve = _resolve  # on a hit the parser's call stays in C (functools' cache)


@functools.lru_cache(maxsize=16384)
def _resolve(kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
    return _SafeLoader.resolve(_RESOLVER, kind, value, implicit)


_RESOLVER = _SafeLoader("")  # any instance: resolve() reads only the class's resolver tables


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
    return [] if root is None or _plain_tree(root) else _alias_problems(root, path)


def _plain_tree(root: yaml.Node) -> bool:
    """Whether :func:`_alias_problems` finds nothing, asked quickly: no node twice (no alias), known tags only.

    The common table has tens of thousands of nodes: they are gathered a level at a time and
    checked as sets; anything else gets the careful walk, which says what and where.
    """
    nodes: list[yaml.Node] = []
    level = [root]
    while level:
        nodes += level
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below += pair
            elif isinstance(node, yaml.SequenceNode):
                below += node.value
            else:
                continue
            if len(nodes) + len(below) > MAX_NODES:
                return False  # too many, or an alias loop that never ends
        level = below
    return len({id(node) for node in nodes}) == len(nodes) and \
        {node.tag for node in nodes} <= _constructor.yaml_constructors.keys()


def _tag_problem(path: str, node: yaml.Node) -> Problem:
    return Problem(where(path, node), f"YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed",
                   hint="surveybuild reads plain YAML only: remove the '!' tag")


def _alias_problems(root: yaml.Node | None, path: str) -> list[Problem]:
    """The walk that follows aliases: each node keeps the chain of its parents to catch a loop."""
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
            problems.append(_tag_problem(path, node))
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


_STR = "tag:yaml.org,2002:str"
#: Scalar tags whose SafeConstructor function returns the value (those of collections return generators).
_SCALARS = {tag: _constructor.yaml_constructors[tag]
            for tag in (f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp"))}


def plain(node: yaml.Node | None) -> object:
    """The plain Python value of a node (dicts, lists, strings, numbers, booleans, None)."""
    if isinstance(node, yaml.ScalarNode):
        # SafeConstructor's own function for the tag, without construct_object's bookkeeping
        # (tens of thousands of cells); a string is the text as written
        tag = node.tag
        if tag == _STR:
            return node.value
        build = _SCALARS.get(tag)
        return build(_constructor, node) if build is not None else _constructor.construct_object(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return {plain(k): plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain(v) for v in node.value]
    return None


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
