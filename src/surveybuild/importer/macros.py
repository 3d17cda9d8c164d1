"""An author's own macros (``\\newcommand``, ``\\def``, ``\\DeclareMathOperator``) expanded at import.

A survey's tables use the macros its preamble defines (``\\msr{F}``, ``\\argmax``). The table format
has no preamble, so the importer writes what they stand for, as TeX would:

- :func:`collect` reads the simple definition forms from a text: ``\\newcommand``, ``\\renewcommand``,
  ``\\providecommand`` (with ``[n]`` arguments and an optional first argument's default), ``\\def``
  with undelimited parameters (``\\def\\x#1#2{...}``), and ``\\DeclareMathOperator`` (``\\argmax`` ->
  ``\\operatorname{arg\\,max}``). Other forms are left alone: their uses stay, and the importer lists them.
- :func:`expand` replaces every use in a text by the body with its arguments, and expands the result
  again. It keeps every line where it was (a use that spans lines is followed by ``%`` + newline as
  often), so the importer's ``file:line`` stay true. Expansion is bounded: a macro that calls
  itself, or grows past :data:`LIMIT` characters, is an error naming it, and its use stays as written.
- :func:`project_macros` reads the definitions of the project beside the imported file: the main file
  (the ``.tex`` with ``\\documentclass``, in the file's folder or up to two above, never above a
  ``.git`` folder) up to ``\\begin{document}``, and the files its preamble and the imported file
  ``\\input``. Only ``.tex`` files inside the main file's folder are read.

Nothing here runs anything: a body is text, and what it expands to goes through the same allow-list
as any cell (``\\def``, ``\\input``, ``\\csname`` in a body are refused there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..model import Problem, Source
from ..readers.texread import CITE_COMMANDS

#: characters one use may expand to, and how deep macros may call macros
LIMIT = 20_000
DEPTH = 32
#: files and bytes :func:`project_macros` reads at most
MAX_FILES = 40
MAX_BYTES = 4_000_000


@dataclass(frozen=True)
class Macro:
    name: str
    nargs: int
    default: str | None  # the optional first argument's default; None: no optional argument
    body: str
    source: Source


class _Runaway(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


_TOKEN = re.compile(r"%[^\n]*|\\(?:[A-Za-z@]+|.)", re.S)
_DEFINER = re.compile(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|def)(?![A-Za-z@])(\*?)")
_NAME = re.compile(r"\\([A-Za-z]+)(?![A-Za-z@])")


def _interpreted(name: str) -> bool:
    """Names the importer reads itself (cite commands, check marks, link icons): not expanded."""
    from .cells import LINK_ICONS, OWN_CITE, REFS, is_check, is_cross

    return (name in CITE_COMMANDS or bool(OWN_CITE.fullmatch("\\" + name)) or is_check(name) or is_cross(name)
            or name in LINK_ICONS or name in REFS or name in ("tnote", "tnotex", "ding"))


def _skip_space(text: str, i: int) -> int:
    """After spaces and one line end (not a blank line: that is a paragraph)."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if i < len(text) and text[i] == "\n":
        j = i + 1
        while j < len(text) and text[j] in " \t":
            j += 1
        if j < len(text) and text[j] != "\n":
            return j
    return i


def brace_group(text: str, i: int, open_: str = "{", close: str = "}") -> tuple[str, int] | None:
    """The text inside the group opening at ``i`` and the index after it; braces balanced, ``\\{`` escaped."""
    if i >= len(text) or text[i] != open_:
        return None
    depth, j = 0, i
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "%":
            end = text.find("\n", j)
            j = len(text) if end < 0 else end + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return None
        if ch == close and depth == 0:
            return text[i + 1:j], j + 1
        j += 1
    return None


def _definition(text: str, start: int, kind: str, star: str, path: str, line: int):
    """One definition at ``start`` (after its command): (Macro, end) or None for a form not read."""
    i = _skip_space(text, start)
    braced = brace_group(text, i)
    if braced is not None:
        name_m = _NAME.fullmatch(braced[0].strip())
        i = braced[1]
    else:
        name_m = _NAME.match(text, i)
        i = name_m.end() if name_m else i
    if name_m is None:
        return None
    name = name_m.group(1)
    where = Source(path, line)
    if kind == "def":
        params = re.match(r"(?:#[1-9])*", text[i:])
        digits = params.group()[1::2]
        if digits != "123456789"[:len(digits)]:
            return None
        i += params.end()
        body = brace_group(text, i)
        if body is None:
            return None
        return Macro(name, len(digits), None, body[0], where), body[1]
    if kind == "DeclareMathOperator":
        body = brace_group(text, _skip_space(text, i))
        if body is None:
            return None
        return Macro(name, 0, None, f"\\operatorname{star}{{{body[0]}}}", where), body[1]
    nargs, default = 0, None
    i = _skip_space(text, i)
    count = re.match(r"\[\s*([0-9])\s*\]", text[i:])
    if count:
        nargs = int(count.group(1))
        i = _skip_space(text, i + count.end())
        optional = brace_group(text, i, "[", "]")
        if optional is not None:
            default, i = optional[0], _skip_space(text, optional[1])
    body = brace_group(text, i)
    if body is None:
        return None
    return Macro(name, nargs, default, body[0], where), body[1]


#: an acronym's definition: glossaries' ``\\newacronym[opts]{key}{short}{long}``, the acronym package's
#: ``\\acro{key}[short]{long}`` / ``\\acrodef`` (short defaults to the key)
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
_ACRONYM = re.compile(r"(?<!%)\\(?:newacronym(?:\[[^\]]*\])?\s*\{([^{}]+)\}\s*" + _GROUP + r"\s*" + _GROUP
                      + r"|acro(?:def)?\s*\{([^{}]+)\}\s*(?:\[([^\]]*)\])?\s*" + _GROUP + ")")
#: the commands that print an acronym (glossaries', acronym's, acro's) -> what they print: "short", "long", "full"
#: (long (short)); a trailing "s": the plural
ACRONYM_USES = {"acrshort": "short", "acs": "short", "ac": "short", "gls": "short", "glsentryshort": "short",
                "Acrshort": "short", "Ac": "short", "Gls": "short", "acp": "shorts", "acsp": "shorts",
                "acrshortpl": "shorts", "glspl": "shorts", "Glspl": "shorts", "acrlong": "long", "acl": "long",
                "Acrlong": "long", "Acl": "long", "glsentrylong": "long", "aclp": "longs", "acrlongpl": "longs",
                "acrfull": "full", "acf": "full", "Acrfull": "full", "Acf": "full", "acfp": "fulls",
                "acrfullpl": "fulls"}
_ACRONYM_USE = re.compile(r"\\(%s)\*?\s*(?:\[[^\]]*\])?\s*\{([^{}]+)\}"
                          % "|".join(sorted(ACRONYM_USES, key=len, reverse=True)))


def acronym_key(key: str) -> str:
    """The name an acronym's :class:`Macro` is kept under: a blank in it, so no control word is ever it."""
    return f"acronym {key.strip()}"


def _acronyms(text: str, path: str, macros: dict[str, Macro]) -> None:
    """The acronyms ``text`` defines, kept as macros named by :func:`acronym_key`: body the short form, default the
    long one (the first definition of a key wins, as glossaries refuses a second)."""
    for m in _ACRONYM.finditer(text):
        if m.group(1) is not None:
            key, short, long_ = m.group(1), m.group(2), m.group(3)
        else:
            key, short, long_ = m.group(4), m.group(5) if m.group(5) is not None else m.group(4), m.group(6)
        name = acronym_key(key)
        if name not in macros:
            macros[name] = Macro(name, 0, long_.strip(), short.strip(),
                                 Source(path, text.count("\n", 0, m.start()) + 1))


def expand_acronyms(text: str, macros: dict[str, Macro]) -> str:
    """``\\acrshort{llm}``, ``\\ac{llm}``, ``\\gls{llm}``, ``\\acrfull{llm}`` ... as the text they print, from the
    project's ``\\newacronym``/``\\acro`` definitions (a key none defines stays as written)."""
    def one(m: re.Match) -> str:
        macro = macros.get(acronym_key(m.group(2)))
        if macro is None:
            return m.group(0)
        form = ACRONYM_USES[m.group(1)]
        plural = "s" if form.endswith("s") else ""
        short, long_ = macro.body + plural, (macro.default or "") + plural
        text = {"short": short, "long": long_, "full": f"{long_} ({short})"}[form.rstrip("s")]
        return text[:1].upper() + text[1:] if m.group(1)[0].isupper() else text

    return _ACRONYM_USE.sub(one, text) if any(n.startswith("acronym ") for n in macros) else text


def collect(text: str, path: str, into: dict[str, Macro] | None = None) -> tuple[dict[str, Macro], list[tuple[int, int]]]:
    """The definitions in ``text`` added to ``into`` in file order (``\\newcommand`` and ``\\providecommand``
    keep an earlier one, ``\\renewcommand`` and ``\\def`` replace it); and the spans the definitions take. Acronym
    definitions too (:func:`_acronyms`)."""
    macros = dict(into or {})
    spans: list[tuple[int, int]] = []
    if "acro" in text:
        _acronyms(text, path, macros)
    if not _DEFINER.search(text):
        return macros, spans
    pos = 0
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        found = _DEFINER.match(m.group())
        if m.group().startswith("%") or not found or len(found.group()) != len(m.group()):
            continue
        star = "*" if text.startswith("*", pos) else ""
        after = pos + len(star)
        line = text.count("\n", 0, m.start()) + 1
        got = _definition(text, after, found.group(1), star, path, line)
        if got is None:
            continue
        macro, end = got
        spans.append((m.start(), end))
        pos = end
        if "@" in macro.name or _interpreted(macro.name):
            continue
        if found.group(1) in ("newcommand", "providecommand") and macro.name in macros:
            continue
        macros[macro.name] = macro
    return macros, spans


def _args(text: str, i: int, macro: Macro) -> tuple[list[str], int] | None:
    """A use's arguments from ``i`` (just after the name) and the index after them; None when incomplete."""
    args: list[str] = []
    required = macro.nargs
    if macro.default is not None:
        j = _skip_space(text, i)
        optional = brace_group(text, j, "[", "]")
        if optional is not None:
            args.append(optional[0])
            i = optional[1]
        else:
            args.append(macro.default)
        required -= 1
    if macro.nargs == 0:
        return args, _skip_space(text, i)  # TeX skips the spaces after a control word
    for _ in range(required):
        i = _skip_space(text, i)
        group = brace_group(text, i)
        if group is not None:
            args.append(group[0])
            i = group[1]
            continue
        token = _TOKEN.match(text, i)
        if token is not None and not token.group().startswith("%"):
            args.append(token.group())
            i = token.end()
        elif i < len(text) and text[i] not in "}%":
            args.append(text[i])
            i += 1
        else:
            return None
    return args, i


_PARAM = re.compile(r"#(#|[1-9])")


def _substitute(body: str, args: list[str]) -> str:
    """The body with its parameters replaced. TeX read the body into tokens when it was defined, so a control word
    before a parameter (``\\bfseries#1``) ends there: a space keeps it apart from an argument's first letter."""
    def arg(m: re.Match) -> str:
        if m.group(1) == "#":
            return "#"
        value = args[int(m.group(1)) - 1] if int(m.group(1)) <= len(args) else ""
        if value[:1].isalpha() and _ENDS_IN_WORD.search(body, 0, m.start()):
            return " " + value
        return value
    return _PARAM.sub(arg, body)


_ENDS_IN_WORD = re.compile(r"(?<!\\)(?:\\\\)*\\[A-Za-z@]+$")


def _expand(text: str, macros: dict[str, Macro], depth: int, budget: list[int]) -> str:
    """``text`` with every use expanded (no line keeping: a body's text)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        name = m.group()[1:]
        macro = macros.get(name)
        if macro is None or m.group().startswith("%"):
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        got = _args(text, m.end(), macro)
        if got is None:
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        args, end = got
        out.append(text[pos:m.start()])
        out.append(_use(macro, args, macros, depth + 1, budget, text[end:end + 1]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


_ASSIGNMENT = re.compile(r"\\global(?![A-Za-z@])\s*|\\let\s*\\(?:[A-Za-z@]+|.)\s*=?\s*\\(?:[A-Za-z@]+|.)"
                         r"|\\[gxe]?def\s*\\(?:[A-Za-z@]+|.)(?:#\d)*\s*(?=\{)")


def _without_assignments(body: str) -> str:
    """A body without the definitions it makes (``\\gdef\\rowfonttype{#1}``, ``\\let\\a\\b``, ``\\global``):
    they print nothing where the macro is used, and a cell has no state to keep."""
    if "def" not in body and "let" not in body and "global" not in body:
        return body
    out, pos = [], 0
    for m in _ASSIGNMENT.finditer(body):
        if m.start() < pos:
            continue
        out.append(body[pos:m.start()])
        pos = m.end()
        if m.group().lstrip("\\")[:1] in "gxed" and not m.group().startswith("\\global"):
            group = brace_group(body, pos)  # the definition's body: skipped with it
            if group is not None:
                pos = group[1]
    out.append(body[pos:])
    return "".join(out)


def _use(macro: Macro, args: list[str], macros, depth: int, budget: list[int], following: str) -> str:
    if depth > DEPTH:
        raise _Runaway(macro.name)
    body = _without_assignments(_substitute(macro.body, args))
    budget[0] -= len(body)
    if budget[0] < 0:
        raise _Runaway(macro.name)
    result = _expand(body, macros, depth, budget)
    if following[:1].isalpha() and re.search(r"\\[A-Za-z@]+$", result):
        result += " "  # the body ends with a control word: it must not run into the next letter
    return result


_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%[^\n]*\n?[ \t]*")


def _one_line(text: str) -> str:
    """An expansion on one line, as TeX reads it: comments out, a blank line a \\par, a line end a space."""
    text = _COMMENT.sub(r"\1", text)
    text = re.sub(r"\n[ \t]*\n\s*", " \\\\par ", text)
    return text.replace("\n", " ")


def _uses(macros: dict[str, Macro]) -> re.Pattern:
    names = sorted((n for n in macros if " " not in n), key=len, reverse=True)  # not the acronyms
    return re.compile(r"\\(?:%s)(?![A-Za-z@])" % "|".join(re.escape(n) for n in names)) if names else re.compile("(?!)")


def expand(text: str, macros: dict[str, Macro], path: str,
           skip: list[tuple[int, int]] = ()) -> tuple[str, list[Problem]]:
    """``text`` with the uses of ``macros`` expanded and the definitions (the ``skip`` spans) left out, every
    line kept where it was. A runaway macro is an error, and its use stays as written."""
    text = expand_acronyms(text, macros)
    if not skip and (not macros or not _uses(macros).search(text)):
        return text, []
    problems: list[Problem] = []
    reported: set[str] = set()
    out: list[str] = []
    pos = 0
    spans = sorted(skip)
    k = 0
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        while k < len(spans) and spans[k][1] <= m.start():
            k += 1
        if k < len(spans) and spans[k][0] <= m.start() < spans[k][1]:
            # a definition is no content (a tabular in its body is a template, with #1 in it): only its lines stay
            out.append(text[pos:m.start()] + "%\n" * text.count("\n", m.start(), spans[k][1]))
            pos = spans[k][1]
            continue
        macro = macros.get(m.group()[1:]) if not m.group().startswith("%") else None
        got = _args(text, m.end(), macro) if macro is not None else None
        if got is None:
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        args, end = got
        try:
            result = _use(macro, args, macros, 1, [LIMIT], text[end:end + 1])
        except _Runaway as exc:
            if exc.name not in reported:
                reported.add(exc.name)
                line = text.count("\n", 0, m.start()) + 1
                problems.append(Problem(
                    Source(path, line, m.start() - text.rfind("\n", 0, m.start())),
                    f"macro '\\{macro.name}' (defined at {macro.source}) does not expand to an end: it calls "
                    f"\\{exc.name} more than {DEPTH} deep, or past {LIMIT} characters: kept as written",
                    hint="write what it stands for in the table"))
            out.append(text[pos:m.end()])
            pos = m.end()
            continue
        out.append(text[pos:m.start()])
        out.append(_one_line(result) + "%\n" * text.count("\n", m.start(), end))
        pos = end
    out.append(text[pos:])
    return "".join(out), problems


_INPUT = re.compile(r"\\(?:input|include|subfile|loadglsentries(?:\[[^\]]*\])?)\s*\{([^{}\n]+)\}")
_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")


def _read(path: Path, root: Path, budget: list[int]) -> str | None:
    try:
        resolved = paths.real(path)
        if resolved is None or not resolved.is_relative_to(root) or not resolved.is_file() \
                or resolved.suffix != ".tex":
            return None
        size = resolved.stat().st_size
        if size > budget[0] or budget[1] <= 0:
            return None
        budget[0] -= size
        budget[1] -= 1
        return resolved.read_text("utf-8", errors="replace")
    except OSError:
        return None


def _inputs(text: str, base: Path, root: Path, budget: list[int], seen: set[Path], macros: dict[str, Macro],
            depth: int = 0) -> dict[str, Macro]:
    """The definitions of the files ``text`` inputs (and of the files they input), relative to ``base``."""
    for m in _INPUT.finditer(_COMMENT.sub(r"\1", text)):
        name = m.group(1).strip()
        path = base / (name if name.endswith(".tex") else name + ".tex")
        resolved = paths.real(path)
        if resolved is None or resolved in seen or depth > 4:  # a loop of links, or read already
            continue
        seen.add(resolved)
        inner = _read(path, root, budget)
        if inner is None:
            continue
        macros, _ = collect(inner, str(path), macros)
        macros = _inputs(inner, base, root, budget, seen, macros, depth + 1)
    return macros


def _main_file(file: Path) -> Path | None:
    """The project's main file: the imported file if it has \\documentclass, else one in its folder or up to
    two above (never above a folder holding .git)."""
    folder = file.parent
    for _ in range(3):
        for candidate in sorted(folder.glob("*.tex")):
            try:  # a link out of its folder (or a loop of links) is not the project's
                if paths.outside(folder, candidate) or not candidate.is_file():
                    continue
                with candidate.open(encoding="utf-8", errors="replace") as handle:
                    if "\\documentclass" in handle.read(20000):
                        return candidate
            except OSError:
                continue
        if (folder / ".git").exists() or folder.parent == folder:
            break
        folder = folder.parent
    return None


def project_macros(file: Path) -> dict[str, Macro]:
    """The macros the project beside ``file`` defines: the main file's preamble and what it inputs, then what
    ``file`` inputs. ``file``'s own definitions are read with its text (:func:`collect`)."""
    file = Path(file)
    main = _main_file(file)
    root = (main or file).parent.resolve()
    budget = [MAX_BYTES, MAX_FILES]
    seen: set[Path] = {file.resolve()}
    macros: dict[str, Macro] = {}
    if main is not None and main.resolve() != file.resolve():
        seen.add(main.resolve())
        text = _read(main, root, budget) or ""
        begin = _BEGIN_DOCUMENT.search(text)
        preamble = text[:begin.start()] if begin else text
        macros, _ = collect(preamble, str(main), macros)
        macros = _inputs(preamble, main.parent, root, budget, seen, macros)
    try:
        own = file.read_text("utf-8", errors="replace")
    except OSError:
        return macros
    return _inputs(own, root, root, budget, seen, macros)
