"""Safe YAML reading that keeps line numbers.

PyYAML composes the document into nodes (CSafeLoader when the C extension is
there, SafeLoader otherwise: never a loader that can build Python objects);
``located`` values then carry the node's line and column.
"""

from __future__ import annotations

import functools

import yaml

from ..model import Problem, Source

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
    """Parse ``text`` into a node tree; a syntax error becomes a problem with its place.

    The tree is checked too: tags, aliases, nesting, mapping keys (see :func:`_careful`).
    """
    if not text.strip():
        return None, [Problem(Source(path, 1, 1), "the file is empty",
                              hint="write the table's caption, columns and rows, or delete the file")]
    _constructor.constructed_objects.clear()  # the memo of plain(): the previous document's nodes can go
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, path)]
    except yaml.reader.ReaderError as exc:  # a control character such as NUL, or a bad encoding
        return None, [_reader_problem(exc, text, path)]
    except RecursionError:  # the pure-Python composer on deep nesting (libyaml stops at its own limit)
        return None, [Problem(Source(path, 1, 1), f"the YAML is nested more than {MAX_DEPTH} levels deep",
                              hint="a table needs a few levels: flatten the structure")]
    except yaml.YAMLError as exc:  # pragma: no cover - other reader errors
        return None, [Problem(Source(path, 1, 1), f"YAML error: {' '.join(str(exc).split())}")]
    if node is None:
        return None, [Problem(Source(path, 1, 1), "the file is empty: it holds only comments",
                              hint="write the table's caption, columns and rows, or delete the file")]
    problems = [] if _plain_tree(node) else _careful(node, path)
    return (None, problems) if problems else (node, [])


def load(text: str, path: str) -> tuple[yaml.Node | None, object, list[Problem]]:
    """:func:`compose`, then the plain value (:func:`plain`) of the whole document.

    A scalar its tag cannot build (``!!int x``, ``2020-13-45``), a key that is a list or mapping,
    or a duplicate key are found while the value is built; the careful walk then names them all.
    """
    root, problems = compose(text, path)
    if root is None:
        return None, None, problems
    try:
        return root, plain(root), []
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, yaml.YAMLError, _Irregular):
        return None, None, _careful(root, path) or [
            Problem(where(path, root), "the YAML cannot be read as plain values")]  # pragma: no cover


#: More values than this added by aliases (``*name`` repeating ``&name``) is an alias bomb, not a table.
MAX_ALIAS_VALUES = 200_000
#: Deeper nesting than this is no table (a table file needs about 6 levels); deeper would exhaust the stack.
MAX_DEPTH = 100


class _Irregular(Exception):
    """Raised by :func:`plain` for a duplicate key; :func:`load` then asks :func:`_careful` for the messages."""


def _plain_tree(root: yaml.Node) -> bool:
    """Whether :func:`_careful` finds nothing, asked quickly: no node twice (no alias), known tags, not too deep.

    The common table has tens of thousands of nodes: they are gathered a level at a time and
    checked as sets; anything else gets the careful walk, which says what and where.
    """
    nodes: list[yaml.Node] = []
    seen: set[int] = set()
    level = [root]
    depth = 0
    while level:
        depth += 1
        ids = set(map(id, level))
        if depth > MAX_DEPTH or len(ids) != len(level) or not seen.isdisjoint(ids):
            return False  # too deep, or a node reached twice: an alias
        seen |= ids
        nodes += level
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.MappingNode):
                for pair in node.value:
                    below += pair
            elif isinstance(node, yaml.SequenceNode):
                below += node.value
        level = below
    return {node.tag for node in nodes} <= _ALLOWED_TAGS


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _tag_problem(path: str, node: yaml.Node) -> Problem:
    if node.tag == _MERGE:
        return Problem(where(path, node), "the YAML merge key '<<' is not supported",
                       hint="write the fields out in each mapping")
    return Problem(where(path, node), f"YAML tag '{_short(node.tag)}' is not allowed",
                   hint="surveybuild reads plain YAML only: remove the '!' tag")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _node_kind(node: yaml.Node) -> str:
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping" if isinstance(node, yaml.MappingNode) \
        else "text"


def _own_problems(node: yaml.Node, path: str) -> list[Problem]:
    """What is wrong with one node by itself: its tag, its keys, its scalar value."""
    if node.tag not in _ALLOWED_TAGS:
        return [_tag_problem(path, node)]
    problems = []
    if isinstance(node, yaml.ScalarNode):
        if node.tag in _COLLECTION_TAGS:
            return [Problem(where(path, node), f"YAML tag '{_short(node.tag)}' is for a list or mapping, not for "
                            f"text", hint="remove the tag")]
        build = _SCALARS.get(node.tag)
        if build is not None:
            try:
                build(_constructor, node)
            except Exception as exc:  # noqa: BLE001 - any failure of PyYAML's constructor is the value's fault
                what = {"!!null": "a null", "!!bool": "a yes/no value", "!!int": "an integer",
                        "!!float": "a number", "!!binary": "base64 data", "!!timestamp": "a date"}[_short(node.tag)]
                detail = " ".join(str(exc).split())[:80]
                problems.append(Problem(where(path, node), f"{node.value[:60]!r} is not {what} ({_short(node.tag)}"
                                        + (f": {detail})" if detail else ")"),
                                        hint="quote the value to keep it as text, or correct it"))
        return problems
    if node.tag in _SCALARS or node.tag == _STR:
        problems.append(Problem(where(path, node), f"YAML tag '{_short(node.tag)}' is for a single value, not for "
                                f"{_node_kind(node)}", hint="remove the tag"))
    elif node.tag != (_SEQ if isinstance(node, yaml.SequenceNode) else _MAP):
        problems.append(Problem(where(path, node), f"YAML tag '{_short(node.tag)}' does not fit {_node_kind(node)}",
                                hint="remove the tag"))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, yaml.Node] = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                problems.append(Problem(where(path, key), f"a mapping key must be a name, not {_node_kind(key)}",
                                        hint="remove the '?' or the brackets around the key"))
                continue
            if key.value in first:
                line = first[key.value].start_mark.line + 1
                problems.append(Problem(where(path, key), f"duplicate key '{key.value[:60]}' (first on line {line})",
                                        hint="keep one of the two: YAML readers disagree about which one wins"))
            else:
                first[key.value] = key
    return problems


def _careful(root: yaml.Node, path: str) -> list[Problem]:
    """Every problem of the node graph, walked once per node (aliases make a graph of a tree).

    A loop (an alias inside the value it names) stops the walk. Besides each node's own problems
    (:func:`_own_problems`), the graph's size once aliases are expanded and its depth are measured
    bottom-up, so an alias bomb costs no more than its text.
    """
    problems: list[Problem] = []
    size: dict[int, int] = {}  # id -> values below and including it, aliases expanded
    height: dict[int, int] = {}  # id -> levels below and including it, aliases expanded
    state: dict[int, int] = {}  # id -> 1 while its children are walked, 2 when done
    first_alias: yaml.Node | None = None
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            total, tallest = 1, 0
            for kid in _children(node):
                total += size[id(kid)]
                tallest = max(tallest, height[id(kid)])
            size[key], height[key], state[key] = total, tallest + 1, 2
            continue
        if key in state:
            if state[key] == 1:
                return [Problem(where(path, node), "a YAML alias refers to a value that contains it",
                                hint="remove the '*alias'")]
            first_alias = first_alias or node
            continue
        state[key] = 1
        own = _own_problems(node, path)
        problems += own
        if own and node.tag not in _ALLOWED_TAGS:  # an unknown tag: what lies below is not looked at
            size[key], height[key], state[key] = 1, 1, 2
            continue
        stack.append((node, True))
        for kid in reversed(_children(node)):
            if id(kid) in state and state[id(kid)] == 1:
                return [Problem(where(path, kid), "a YAML alias refers to a value that contains it",
                                hint="remove the '*alias'")]
            stack.append((kid, False))
    added = size[id(root)] - len(state)
    if added > MAX_ALIAS_VALUES:
        at = first_alias or root
        problems.append(Problem(where(path, at), f"the file expands to more than {MAX_ALIAS_VALUES:,} values "
                                f"through YAML aliases ({added:,} added by '*alias' repeats)",
                                hint="write the values out instead of repeating '*alias'"))
    if height[id(root)] > MAX_DEPTH:
        node, depth = root, 1
        while depth <= MAX_DEPTH:
            node = max(_children(node), key=lambda k: height[id(k)])
            depth += 1
        problems.append(Problem(where(path, node), f"the YAML is nested more than {MAX_DEPTH} levels deep",
                                hint="a table needs a few levels: flatten the structure"))
    return problems


def _reader_problem(exc: yaml.reader.ReaderError, text: str, path: str) -> Problem:
    pos = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character) if isinstance(
        exc.character, int) else "?"
    return Problem(Source(path, line, col), f"character U+{ord(char[:1] or '?'):04X} is not allowed in YAML "
                   f"({exc.reason})", hint="remove it, or write it as an escape inside double quotes (\\x..)")


def _syntax_problem(exc: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
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
        # a key is the name as written (YAML 1.1 would read 'on', 'yes' or '1' as a boolean or number)
        mapping = {k.value: plain(v) for k, v in node.value}  # a list as a key: TypeError, unhashable
        if len(mapping) != len(node.value) or node.tag != _MAP:
            raise _Irregular("duplicate key or a tag that does not fit")
        return mapping
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise _Irregular("a tag that does not fit")
        return [plain(v) for v in node.value]
    return None


def find(node: yaml.Node | None, path: tuple) -> yaml.Node | None:
    """The node at a jsonschema-style path of keys and indices (the deepest that exists)."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == step:
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
        if k.value == key:
            return k
    return None


def items(node: yaml.Node | None) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping node, in file order; a key is its text as written."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(k.value if isinstance(k.value, str) else "", k, v) for k, v in node.value]


def elements(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


_MERGE = "tag:yaml.org,2002:merge"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_COLLECTION_TAGS = {_SEQ, _MAP}
#: The tags a document may carry: the plain values' (not the merge key, nor !!set, !!omap, !!pairs,
#: which build values a table has no use for and which other YAML readers read differently).
_ALLOWED_TAGS = frozenset(_SCALARS.keys() | {_STR} | _COLLECTION_TAGS)
