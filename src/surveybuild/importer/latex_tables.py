"""LaTeX tables (tabular, tabularx, longtable; in table, threeparttable, ThreePartTable) -> :class:`RawTable`.

The file is parsed with pylatexenc's LaTeX walker. Rows end at ``\\\\`` and cells at
``&`` at the top level of the environment body; ``\\multicolumn`` and ``\\multirow``
give the spans; rules (``\\toprule``, ``\\midrule``, ``\\hline`` ...) separate the header
from the body; in a longtable, the rows before ``\\endfirsthead`` (or ``\\endhead``)
are the header and the foot rows are skipped. ``\\caption``, ``\\label`` and the notes
of ``tablenotes`` / ``TableNotes`` (``\\item[mark]\\label{lbl} text``) are read from
the table's float or threeparttable.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from pylatexenc import latexwalker

from ..model import Problem, Source
from . import cells, macros
from .assemble import INDENT, RawCell, RawTable

TABULARS = frozenset({"tabular", "tabular*", "tabularx", "tabulary", "xltabular", "longtable", "longtable*",
                      "supertabular", "tabu", "longtabu", "tblr", "longtblr", "talltblr"})
#: tabularray's tables: ``\begin{longtblr}[caption={..},label={..}]{colspec={lX[c]},row{1}={..}}``
TBLRS = frozenset({"tblr", "longtblr", "talltblr"})
# a tabular's caption and label are the first of the outermost of these around it: a table set in a `figure` float
# (as some papers do) or a `wraptable` has the float's caption
CONTAINERS = frozenset({"table", "table*", "sidewaystable", "sidewaystable*", "threeparttable", "ThreePartTable",
                        "landscape", "center", "adjustbox", "minipage", "small", "footnotesize", "figure", "figure*",
                        "sidewaysfigure", "sidewaysfigure*", "wraptable", "wrapfigure", "SCtable", "SCfigure"})
NOTE_ENVS = frozenset({"tablenotes", "TableNotes"})
FLOATS = frozenset({"table", "table*", "sidewaystable", "sidewaystable*", "threeparttable", "ThreePartTable"})
RULES = frozenset({"toprule", "midrule", "bottomrule", "hline", "cline", "cmidrule", "specialrule", "addlinespace",
                   "hhline", "Xhline", "morecmidrules", "cdashline", "hdashline", "arrayrulecolor", "noalign",
                   "shline", "thickhline", "tabucline", "firsthline", "lasthline", "rowcolor"})
#: What a row that only draws a rule holds after its ``\multispan{n}``: TeX's rule and spacing primitives and
#: booktabs' lengths (the rule between row groups surveybuild writes: latex.kept_rule).
RULE_ROW_PRIMITIVES = frozenset({"hskip", "leaders", "hrule", "hfill", "hss", "cmidrulekern", "cmidrulewidth",
                                 "heavyrulewidth", "lightrulewidth", "arrayrulewidth", "kern"})
RULE_ROW_CHARS = re.compile(r"[\s\d.+-]*(?:height|width|depth|pt|em|ex|bp|\s)*[\s\d.+-]*")
PARTIAL_RULES = frozenset({"cmidrule", "cline", "addlinespace", "cdashline", "rowcolor", "arrayrulecolor",
                           "morecmidrules"})
IGNORED = frozenset({"insertTableNotes", "centering", "footnotesize", "scriptsize", "small", "normalsize",
                     "tiny", "relax", "bigskip", "medskip", "smallskip", "vspace", "pagebreak", "nopagebreak"})
LONG_MARKS = ("endfirsthead", "endhead", "endfoot", "endlastfoot")
SIZES = ("normalsize", "small", "footnotesize", "scriptsize", "tiny")
WIDTH = re.compile(r"^([0-9]+(\.[0-9]+)?(cm|mm|in|pt|em)|(0?\.[0-9]+|1(\.0*)?)?\\(textwidth|linewidth|columnwidth))$")
#: a share of the line less the columns' padding, as pandoc writes its p{} columns
#: (``(\linewidth - 8\tabcolsep) * \real{0.25}``) and as authors do with ``\dimexpr 0.25\linewidth-2\tabcolsep\relax``:
#: the share is the width the format keeps (the padding is the renderer's)
_SHARE_LESS_PADDING = re.compile(
    r"^\(\s*\\(?P<a>textwidth|linewidth|columnwidth)\s*-\s*[0-9.]*\s*\\tabcolsep\s*\)\s*\*\s*\\real\s*"
    r"\{\s*(?P<f>0?\.[0-9]+|1(?:\.0*)?)\s*\}$"
    r"|^\\dimexpr\s*(?P<g>0?\.[0-9]+|1(?:\.0*)?)\s*\\(?P<b>textwidth|linewidth|columnwidth)\s*-\s*[0-9.]*\s*"
    r"\\tabcolsep\s*(?:\\relax)?$")


def plain_width(width: str | None) -> str | None:
    """A column width as the format writes it: a share of the line less padding is the share (see above)."""
    m = _SHARE_LESS_PADDING.match(width.strip()) if width else None
    if m is None:
        return width
    return f"{m.group('f') or m.group('g')}\\{m.group('a') or m.group('b')}"


def _meaningful(nodes) -> list:
    return [n for n in nodes or () if n is not None and not n.isNodeType(latexwalker.LatexCommentNode)
            and not (n.isNodeType(latexwalker.LatexCharsNode) and not n.chars.strip())]


def _is_macro(node, *names) -> bool:
    return node is not None and node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in names


#: tabu's width before its column spec, ``\\begin{tabu} to \\textwidth {X[l] X[c]}`` (``spread 2cm``): a width,
#: not the spec, which is the brace group after it; blanked in place (the line numbers stay)
_TABU_WIDTH = re.compile(r"(\\begin\{(?:long)?tabu\*?\})\s*(?:to|spread)\s*(?:[-+0-9.]*\s*\\[A-Za-z]+|[-+0-9.]+\s*[a-z]{2})\s*"
                         r"(?=\{)")
#: Our own generated tables' layout marks (latex.TableRenderer.mark): nothing to import, blanked in place.
_LAYOUT_MARK = re.compile(r"\\surveybuildmark\{[^{}\n]*\}\{[^{}\n]*\}")
#: Our own generated tables' note marks that take their width (latex.WIDE_MARKS): the marks kept, the group
#: around them blanked in place.
_WIDE_MARKS = re.compile(r"\{\\let\\TPToverlap\\relax(\\tnotex?\*?\{(?:[^{}\n]|\{[^{}\n]*\})*\})\}")


#: biblatex's multicite commands: ``\\cites(pre)(post)[pre][post]{a}[post]{b}`` (also \\parencites, \\textcites,
#: \\autocites, \\footcites, \\smartcites, \\supercites): a variable number of keys, each with its notes
_MULTICITE = re.compile(r"\\(paren|text|auto|foot|smart|super)?cites\*?((?:\s*\([^()]*\)){0,2})"
                        r"((?:(?:\s*\[[^\[\]]*\]){0,2}\s*\{[^{}]*\})+)")
_MULTICITE_KEY = re.compile(r"((?:\s*\[[^\[\]]*\]){0,2})\s*\{([^{}]*)\}")


def _multicites(text: str, path: str, problems: list[Problem]) -> str:
    """biblatex's ``\\parencites{a}{b}`` as the one-key-list cite it reads as (``\\parencite{a,b}``), so the keys
    are cited as any cite's; its notes (``[p.~3]``, ``(see)``) are left out, said at the command."""
    if "cites" not in text:
        return text

    def one(m: re.Match) -> str:
        keys, notes = [], [n.strip()[1:-1].strip() for n in re.findall(r"\([^()]*\)", m.group(2))]
        for k in _MULTICITE_KEY.finditer(m.group(3)):
            keys += [key.strip() for key in k.group(2).split(",") if key.strip()]
            notes += [n[1:-1].strip() for n in re.findall(r"\[[^\[\]]*\]", k.group(1))]
        notes = [n for n in notes if n]
        base = f"\\{m.group(1) or ''}cite"
        if notes:
            line = text.count("\n", 0, m.start()) + 1
            problems.append(Problem(
                Source(path, line, m.start() - text.rfind("\n", 0, m.start())),
                f"{m.group(0).split('{')[0].split('[')[0].split('(')[0].strip()}: its keys are cited together as "
                f"{base}{{{','.join(keys)}}}; its notes ({', '.join(repr(n) for n in notes)}) are left out",
                severity="warning", hint="write the notes into the cell's text, or cite each key on its own"))
        return f"{base}{{{','.join(keys)}}}" + "\n" * m.group(0).count("\n")

    return _MULTICITE.sub(one, text)


def read_latex(text: str, path: str, known: frozenset[str] | None = None, project: dict | None = None
               ) -> list[RawTable]:
    """Every table of a ``.tex`` text, in file order. ``known``: the control words the source knows (any other
    in a cell is undefined: left out, its text kept, listed); ``None``: every one is taken as known. The
    author's macros (the text's own definitions, after ``project``'s: :func:`.macros.project_macros`) are
    expanded first."""
    text = _LAYOUT_MARK.sub(lambda m: " " * len(m.group(0)), text)
    text = _TABU_WIDTH.sub(lambda m: m.group(1) + " " * (m.end() - m.end(1)), text)
    if "\\TPToverlap" in text:
        text = _WIDE_MARKS.sub(lambda m: " " * (m.start(1) - m.start(0)) + m.group(1) + " ", text)
    defined, spans = macros.collect(text, path, project)
    text, expand_problems = macros.expand(text, defined, path, spans)
    text, halves = _unpaired(text)
    for m in _BARE_VERB.finditer(text):  # TeX stops there ("\verb ended by end of line"); pylatexenc ran off the end
        line = text.count("\n", 0, m.start()) + 1
        expand_problems.append(Problem(Source(path, line, m.start() - text.rfind("\n", 0, m.start())),
                                       "'\\verb' without a delimiter after it: left out", severity="warning",
                                       hint="write \\verb|text| or \\texttt{text}"))
    text = _BARE_VERB.sub(lambda m: " " * len(m.group()), text)
    text = _multicites(text, path, expand_problems)
    walker = cells.walker(text)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except Exception as exc:  # pylatexenc's own failure on input it cannot read: a message, never a traceback
        from . import ImportError_
        raise ImportError_(f"the LaTeX parser (pylatexenc) stopped on this file ({type(exc).__name__}: "
                           f"{exc}): no table was read") from exc

    def where(node) -> Source:
        line, col = walker.pos_to_lineno_colno(node.pos)
        return Source(path, line, col + 1)

    found: list[tuple] = []

    def walk(nodes, stack: list, font: str | None) -> None:
        for node in nodes or ():
            if node is None:
                continue
            if node.isNodeType(latexwalker.LatexMacroNode):
                if node.macroname in SIZES:
                    font = node.macroname
                for arg in cells.args(node):
                    if arg is not None and arg.isNodeType(latexwalker.LatexGroupNode):
                        walk(arg.nodelist, stack, font)
            elif node.isNodeType(latexwalker.LatexEnvironmentNode):
                if node.environmentname in TABULARS:
                    found.append((node, list(stack), font))
                else:
                    walk(node.nodelist, stack + [node], font)
            elif node.isNodeType(latexwalker.LatexGroupNode):
                walk(node.nodelist, stack, font)

    walk(nodes, [], None)
    # unnumbered \footnotetext{...} outside any float: they follow the \footnotemarks of the table before them
    pending = [n for n in _find(nodes, {"footnotetext"}) if n.isNodeType(latexwalker.LatexMacroNode)
               and not (cells.args(n) and cells.args(n)[0] is not None)]
    tables = []
    per_container: dict[int, int] = {}
    for env, stack, font in found:
        containers = [e for e in stack if e.environmentname in CONTAINERS]
        if containers:
            per_container[id(containers[0])] = per_container.get(id(containers[0]), 0) + 1
    for env, stack, font in found:
        containers = [e for e in stack if e.environmentname in CONTAINERS]
        container = containers[0] if containers else None
        alone = container is None or per_container[id(container)] == 1
        tables.append(_table(env, container, stack, font, where, path, known, alone, pending))
    seen: dict[int, int] = {}
    for (env, stack, _), table in zip(found, tables):
        containers = [e for e in stack if e.environmentname in CONTAINERS]
        if containers and per_container[id(containers[0])] > 1:
            n = seen[id(containers[0])] = seen.get(id(containers[0]), 0) + 1
            relabel = ""
            if n > 1 and table.label:  # a label names one table of the paper: the float's first keeps it
                table.label = f"{table.label}-{n}"
                relabel = f" (this one labelled '{table.label}')"
            table.problems.append(Problem(table.source, f"{per_container[id(containers[0])]} tabulars share one "
                                          "float: each became its own table with the float's caption, the first "
                                          f"with its label{relabel}", severity="warning"))
    for at, name in halves:  # inside a table: said there (elsewhere it is no table's content)
        line = text.count("\n", 0, at) + 1
        inside = [t for (env, _, _), t in zip(found, tables) if env.pos <= at < env.pos + env.len]
        if inside:
            inside[-1].problems.append(Problem(
                Source(path, line, at - text.rfind("\n", 0, at)), f"'\\{name}' is inside a brace group that "
                "ends before the environment does: not read as an environment (its text is kept)", severity="warning",
                hint="check the cell in the YAML"))
    for problem in expand_problems:  # with the table the use is in (the last one starting before it)
        before = [t for t in tables if t.source.line <= problem.source.line]
        if tables:
            (before or tables)[-1].problems.append(problem)
    return tables


_BARE_VERB = re.compile(r"\\verb\*?(?=\s|$)(?![A-Za-z])")
_ENV_TOKEN = re.compile(r"\\verb\*?(?P<delim>[^\sA-Za-z*])(?:(?!(?P=delim)).)*(?P=delim)"  # \verb|{|: no brace
                        r"|\\(begin|end)\s*\{([^{}\\]*)\}|\\[A-Za-z@]+|\\.|%[^\n]*|[{}]", re.S)
_VERBATIM = frozenset({"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment"})


def _unpaired(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` with each ``\\begin{x}`` / ``\\end{x}`` that is not paired inside one brace group blanked (same
    length, lines kept), and where each was. Such a half is code kept for later, not an environment in place
    (adjustbox's ``addcode={\\begin{minipage}{\\width}}{...\\end{minipage}}``); the LaTeX walker would
    otherwise read the rest of the file into it and find no table after it."""
    if "\\begin" not in text:
        return text, []
    open_: list[tuple[str, int, int, int]] = []  # (name, depth, start, end) of each \begin not yet ended
    blank: list[tuple[int, int, str]] = []
    depth = 0
    pos = 0
    while (m := _ENV_TOKEN.search(text, pos)) is not None:
        pos = m.end()
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            while open_ and open_[-1][1] == depth:  # begun inside the group that closes here
                name, _, start, end = open_.pop()
                blank.append((start, end, "begin{" + name + "}"))
            depth = max(depth - 1, 0)
        elif m.group(2) == "begin":
            name = m.group(3).strip()
            if name in _VERBATIM:  # its body is text: braces in it count for nothing
                close = re.compile(r"\\end\s*\{" + re.escape(name) + r"\}").search(text, pos)
                pos = close.end() if close else len(text)
                continue
            open_.append((name, depth, m.start(), m.end()))
        elif m.group(2) == "end":
            name = m.group(3).strip()
            if open_ and open_[-1][0] == name and open_[-1][1] == depth:
                open_.pop()
            elif not any(n == name and d == depth for n, d, _, _ in open_):  # its \begin is in another group
                blank.append((m.start(), m.end(), "end{" + name + "}"))
    if not blank:
        return text, []
    out, last = [], 0
    for start, end, _ in sorted(blank):
        out += [text[last:start], " " * (end - start)]
        last = end
    out.append(text[last:])
    return "".join(out), [(start, name) for start, _, name in sorted(blank)]


def _find(nodes, want, skip=TABULARS | NOTE_ENVS):
    """Macro nodes named in ``want`` (and environments named in it), outside tabulars and notes."""
    for node in nodes or ():
        if node is None:
            continue
        if node.isNodeType(latexwalker.LatexMacroNode):
            if node.macroname in want:
                yield node
            for arg in cells.args(node):
                if arg is not None and arg.isNodeType(latexwalker.LatexGroupNode):
                    yield from _find(arg.nodelist, want, skip)
        elif node.isNodeType(latexwalker.LatexEnvironmentNode):
            if node.environmentname in want:
                yield node
            if node.environmentname not in skip:
                yield from _find(node.nodelist, want, skip)
        elif node.isNodeType(latexwalker.LatexGroupNode):
            yield from _find(node.nodelist, want, skip)


def _keyvals(text: str) -> dict[str, str]:
    """``key={value}, key = value`` at the top level (tabularray's specs) -> {key: value}."""
    out: dict[str, str] = {}
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(text):
        depth += (ch == "{") - (ch == "}")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    for part in parts:
        key, eq, value = part.partition("=")
        value = value.strip()
        if eq and value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        out[key.strip()] = value if eq else ""
    return out


def _footnotes_after(env, outer, raw: RawTable, where, pending: list) -> None:
    """Unnumbered ``\\footnotemark``s in the cells and the unnumbered ``\\footnotetext{...}``s after the float,
    paired in order (the usual way to footnote a table cell): notes ``fn1``, ``fn2``... marked in those cells.
    The texts are taken from ``pending`` (each one pairs once)."""
    marks = [n for n in _find(env.nodelist, {"footnotemark"}, skip=NOTE_ENVS)
             if n.isNodeType(latexwalker.LatexMacroNode) and not (cells.args(n) and cells.args(n)[0] is not None)]
    end = outer.pos + outer.len
    for mark in marks:
        text_node = next((n for n in pending if n.pos >= end), None)
        if text_node is None:
            return
        pending.remove(text_node)
        a = cells.args(text_node)
        text = cells.convert_nodes(cells.arg_nodes(a[-1] if a else None), raw.notices, raw.note_ids).latex.strip()
        n = 1
        while f"fn{n}" in raw.notes:
            n += 1
        raw.notes[f"fn{n}"] = (text, where(text_node))
        raw.note_ids[cells.footnote_at(mark.pos)] = f"fn{n}"


def _tblr_notes(outer: dict[str, str], raw: RawTable, source) -> list[str]:
    """A long or tall tabularray table's ``note{a}={text}`` (marked ``\\TblrNote{a}`` in its cells) and
    ``remark{Source}={text}`` (marked nowhere: a note of the whole table, its id returned for the caption)."""
    unmarked = []
    for key, value in outer.items():
        found = re.fullmatch(r"(note|remark)\{([^{}]*)\}", key)
        if not found or not value.strip():
            continue
        mark = found.group(2).strip()
        text = cells.convert_nodes(cells.parse(value), raw.notices, raw.note_ids).latex.strip()
        if found.group(1) == "remark":
            text = f"{mark}: {text}" if mark else text
        note_id = re.sub(r"[^A-Za-z0-9_-]+", "", mark) or f"n{len(raw.notes) + 1}"
        while note_id in raw.notes:
            note_id += "x"
        raw.notes[note_id] = (text, source)
        if found.group(1) == "note":
            raw.note_ids.setdefault(mark, note_id)
        else:
            unmarked.append(note_id)
    return unmarked


_TBLR_COLUMN = re.compile(r"([XQlcrj])\[([^\]]*)\]")


def tblr_colspec(inner: str) -> str:
    """tabularray's column spec as array's: ``colspec={lX[2,c]Q[r,wd=2cm]}`` (or the bare ``lcr``) ->
    ``l>{\\centering}X>{\\raggedleft}p{2cm}``; an inner spec of keys without colspec has no columns ("")."""
    values = _keyvals(inner)
    spec = values.get("colspec", values.get("columns", "")) if "=" in inner else inner

    def column(m: re.Match) -> str:
        options = [o.strip() for o in m.group(2).split(",")]
        align = next((o for o in options if o in ("l", "c", "r", "j")), "l" if m.group(1) in "XQ" else m.group(1))
        width = next((o.split("=", 1)[1].strip() for o in options if o.replace(" ", "").startswith("wd=")), "")
        kind = "X" if m.group(1) == "X" else f"p{{{width}}}" if width else "l"
        before = {"c": ">{\\centering}", "r": ">{\\raggedleft}"}.get(align, "")
        return f"{before}{kind}" if kind != "l" else {"j": "l"}.get(align, align)

    return _TBLR_COLUMN.sub(column, spec).replace("Q", "l")


def colspec(spec: str) -> list[tuple[str, str | None]]:
    """(align, width) of each column of a tabular preamble such as ``l c >{\\centering}p{2cm} *{3}{c}``."""
    out: list[tuple[str, str | None]] = []
    i = 0
    pending = None

    def group(at: int) -> tuple[str, int]:
        while at < len(spec) and spec[at].isspace():
            at += 1
        if at >= len(spec) or spec[at] != "{":
            return "", at
        depth, start = 0, at
        while at < len(spec):
            if spec[at] == "{":
                depth += 1
            elif spec[at] == "}":
                depth -= 1
                if depth == 0:
                    return spec[start + 1:at], at + 1
            at += 1
        return spec[start + 1:], at

    def options(at: int) -> int:
        """After a column's letter: past its ``[...]`` options (siunitx's ``S[table-format=2.1]``), if any."""
        j = at
        while j < len(spec) and spec[j].isspace():
            j += 1
        if j < len(spec) and spec[j] == "[":
            depth = 0
            while j < len(spec):
                depth += {"[": 1, "]": -1}.get(spec[j], 0)
                j += 1
                if depth == 0:
                    return j
        return at

    while i < len(spec):
        ch = spec[i]
        i += 1
        if ch in "lcrLCRXJSs":
            i = options(i)
        if ch == "s":  # siunitx's unit column
            out.append((pending or "c", None))
            pending = None
        elif ch in "lcr":
            out.append((pending or ch, None))
            pending = None
        elif ch in "LCR":
            out.append((ch.lower(), None))
        elif ch in "pmbw":
            if ch == "w":
                _, i = group(i)
            width, i = group(i)
            out.append((pending or "l", width.strip()))
            pending = None
        elif ch in "XJS":
            out.append((pending or ("r" if ch == "S" else "l"), "X" if ch in "XJ" else None))
            pending = None
        elif ch == ">":
            inner, i = group(i)
            inner = inner.lower()
            pending = "c" if "centering" in inner else "r" if "raggedleft" in inner else \
                "l" if "raggedright" in inner else None
        elif ch in "<@!":
            _, i = group(i)
        elif ch == "*":
            count, i = group(i)
            inner, i = group(i)
            try:
                out += colspec(inner) * int(count)
            except ValueError:
                pass
    return out


def _table(env, container, stack, font, where, path, known=None, alone: bool = True, pending=None) -> RawTable:
    name = env.environmentname
    source = where(env)
    raw = RawTable("latex", source, [], [], explicit_spans=True)
    raw.notices.known = known
    raw.layout = "long" if name.startswith("longtable") or name in ("xltabular", "supertabular", "longtabu",
                                                                    "longtblr") \
        else "float"
    raw.landscape = any(e.environmentname in ("landscape", "sidewaystable", "sidewaystable*") for e in stack)
    raw.font = font if font in SIZES else None
    env_args = cells.args(env)
    spec_arg = next((a for a in reversed(env_args) if a is not None and a.isNodeType(latexwalker.LatexGroupNode)),
                    None)
    spec_text = cells.arg_text(spec_arg)
    outer = {}
    if name in TBLRS:  # tabularray: the columns are its colspec key; a long or tall one has its caption outside
        spec_text = tblr_colspec(spec_text)
        first = env_args[0] if env_args and env_args[0] is not None and env_args[0] is not spec_arg else None
        outer = _keyvals(cells.arg_text(first)) if first is not None else {}
    spec = colspec(spec_text)
    raw.aligns = [a for a, _ in spec]
    raw.wraps = [w == "X" for _, w in spec]  # tabularx X columns: they wrap
    spec = [(a, None if w == "X" else plain_width(w)) for a, w in spec]
    dropped_widths = [w for _, w in spec if w and not WIDTH.match(w)]
    raw.widths = [w if w and WIDTH.match(w) else None for _, w in spec]
    if dropped_widths:
        raw.problems.append(Problem(source, f"column widths such as '{dropped_widths[0]}' are not kept (the format "
                                    "takes widths in cm, mm, in, pt or em, or a share of \\textwidth)",
                                    severity="warning",
                                    hint="set 'width' on the column in the YAML"))
    scope = container.nodelist if container is not None else []
    # notes first: cells refer to them by mark or label
    for notes_env in _find(scope, NOTE_ENVS, skip=TABULARS):
        if notes_env.isNodeType(latexwalker.LatexEnvironmentNode):
            _notes(notes_env, raw, where)
    footnotes = [n for n in _find(scope, {"footnotetext"}) if n.isNodeType(latexwalker.LatexMacroNode)]
    table_notes = _footnotes(footnotes, raw, where)
    table_notes += _tblr_notes(outer, raw, source)
    _footnotes_after(env, container or env, raw, where, pending if pending is not None else [])
    if alone and container is not None and container.environmentname in FLOATS:  # text set in the float beside
        # the tabular: a note of the whole table
        table_notes += _float_text(container, raw, where)
    rows, header_count, captions, labels = _rows(env, raw, where)
    for node in _find(scope, {"caption", "label"}):
        (captions if node.macroname == "caption" else labels).append(node)
    if not captions and outer.get("caption"):  # longtblr's caption={...}: read as \caption{...} would be
        captions = [n for n in cells.parse("\\caption{" + outer["caption"] + "}") if _is_macro(n, "caption")]
    if not labels and outer.get("label"):
        labels = [n for n in cells.parse("\\label{" + outer["label"] + "}") if _is_macro(n, "label")]
    if captions:
        caption_nodes = list(cells.arg_nodes(cells.args(captions[0])[-1]))
        for node in caption_nodes:
            if _is_macro(node, "label"):
                labels.insert(0, node)
        caption_nodes = [n for n in caption_nodes if not _is_macro(n, "label")]
        raw.caption = cells.convert_nodes(caption_nodes, raw.notices, raw.note_ids).latex
    else:
        raw.caption = "(no caption)"
        raw.problems.append(Problem(source, "the table has no \\caption: captioned '(no caption)'",
                                    severity="warning", hint="write the caption in the YAML"))
    if table_notes:  # \footnotetext{...} without a number: a note of the whole table, marked in the caption
        raw.caption = raw.caption.rstrip() + "".join(f"\\tnotex{{{n}}}" for n in table_notes)
    if labels:
        label = cells.arg_text(cells.args(labels[0])[-1]).strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9:._-]*", label):  # the schema's pattern; else the default tab:<id>
            raw.label = label
        else:
            raw.problems.append(Problem(source, f"label {label!r} has characters a label may not have: "
                                        "the table gets the default label tab:<id>", severity="warning",
                                        hint="update the paper's \\ref to it"))
    raw.header = rows[:header_count]
    raw.body = rows[header_count:]
    raw.problems += cells.dropped_problems(raw.notices, lambda pos: where(SimpleNamespace(pos=pos)))
    return raw


def _notes(env, raw: RawTable, where) -> None:
    items: list[tuple[object, list]] = []
    for node in env.nodelist:
        if _is_macro(node, "item"):
            items.append((node, []))
        elif items:
            items[-1][1].append(node)
    for n, (item, body) in enumerate(items):
        mark_arg = cells.args(item)[0] if cells.args(item) else None
        mark = cells.arg_text(mark_arg).strip() if mark_arg is not None else ""
        labels = [cells.arg_text(cells.args(x)[-1]).strip() for x in body if _is_macro(x, "label")]
        body = [x for x in body if not _is_macro(x, "label")]
        note_id = ""
        if labels:
            note_id = re.sub(r"[^A-Za-z0-9_-]+", "-", labels[0].split(":")[-1]).strip("-")
        if not note_id or note_id in raw.notes:
            note_id = re.sub(r"[^A-Za-z0-9_-]+", "", mark) or f"n{n + 1}"
        while note_id in raw.notes:
            note_id += "x"
        for label in labels:
            raw.note_ids[label] = note_id
        if mark:
            raw.note_ids.setdefault(mark, note_id)
        text = cells.convert_nodes(body, raw.notices, raw.note_ids).latex
        raw.notes[note_id] = (text, where(item))


def _footnotes(nodes, raw: RawTable, where) -> list[str]:
    """``\\footnotetext[n]{text}`` beside a tabular: the note its cells' ``\\footnotemark[n]`` mark. Without a
    number: a note of the whole table (its id returned, for the caption's mark)."""
    unmarked = []
    for node in nodes:
        a = cells.args(node)
        number = cells.arg_text(a[0]).strip() if a and a[0] is not None else ""
        text = cells.convert_nodes(cells.arg_nodes(a[-1] if a else None), raw.notices, raw.note_ids).latex
        if not text.strip():
            continue
        base = f"fn{number}" if cells.FOOTNOTE_NUMBER.fullmatch(number) else "fn"
        note_id, k = base, 2
        while note_id in raw.notes:
            note_id, k = f"{base}x{k}", k + 1
        raw.notes[note_id] = (text, where(node))
        if cells.FOOTNOTE_NUMBER.fullmatch(number):
            raw.note_ids.setdefault(cells.footnote_mark(number), note_id)
        else:
            unmarked.append(note_id)
    return unmarked


#: what a float holds beside its tabular that is no text of the table: setup, spacing, placement
_FLOAT_SETUP = frozenset({"caption", "label", "footnotetext", "setlength", "addtolength", "renewcommand", "newcommand",
                          "providecommand", "def", "let", "setcounter", "rowcolors", "definecolor", "captionsetup",
                          "newcolumntype", "arraystretch", "extrarowheight", "tabcolsep", "par", "newline",
                          "includegraphics", "input", "include", "subfloat", "subfigure", "ContinuedFloat",
                          "phantomsection", "addcontentsline", "FloatBarrier", "centerline", "resizebox", "scalebox",
                          "adjustbox", "makebox", "rotatebox", "sisetup", "hypersetup", "belowrulesep", "aboverulesep",
                          "\\"}) | IGNORED | RULES | cells.LAYOUT | frozenset(SIZES)
_TEXT_ENVS = frozenset({"flushleft", "flushright", "center", "minipage", "small", "footnotesize", "scriptsize", "tiny",
                        "raggedright", "justify", "quote"})


_DIMEN = re.compile(r"[-+]?\d*\.?\d+\s*(?:pt|em|ex|cm|mm|in|bp|sp|pc|dd|cc|mu)\b")


def _float_text(container, raw: RawTable, where) -> list[str]:
    """Text a float holds beside its one tabular, its caption and notes (``\\begin{flushleft}\\footnotesize
    \\textbf{Agents:} RES (Research) ...\\end{flushleft}`` under the tabular): kept as a note of the whole table
    (its id returned, for the caption's mark), never dropped unsaid."""
    runs: list[list] = [[]]

    def collect(nodes) -> None:
        for node in nodes or ():
            if node is None or node.isNodeType(latexwalker.LatexCommentNode):
                continue
            if node.isNodeType(latexwalker.LatexEnvironmentNode):
                if node.environmentname in _TEXT_ENVS:
                    runs.append([])
                    collect(node.nodelist)
                    runs.append([])
                elif runs[-1]:
                    runs.append([])  # a tabular, notes, a figure: not text, and the end of a run
            elif node.isNodeType(latexwalker.LatexGroupNode) and not any(True for _ in _find(node.nodelist, TABULARS)):
                runs[-1].append(node)
            elif node.isNodeType(latexwalker.LatexMacroNode) and (
                    node.macroname in _FLOAT_SETUP or node.macroname.startswith(("end", "begin"))
                    or any(a is not None and any(True for _ in _find(cells.arg_nodes(a), TABULARS))
                           for a in cells.args(node))):
                if node.macroname not in SIZES and runs[-1]:
                    runs.append([])
            elif not node.isNodeType(latexwalker.LatexGroupNode):
                runs[-1].append(node)

    collect(container.nodelist)
    ids = []
    for run in runs:
        if not any(n.isNodeType(latexwalker.LatexCharsNode) and re.search(r"[^\W\d_]{2}", _DIMEN.sub("", n.chars))
                   or n.isNodeType(latexwalker.LatexMacroNode) and cells.args(n) for n in run):
            continue  # spacing, a stray '%' line, \\hfill: no text
        text = " ".join(cells.convert_nodes(run, raw.notices, raw.note_ids).latex.split())
        if not re.search(r"[^\W\d_]{2}", _DIMEN.sub("", text)):
            continue
        note_id, n = "floatnote", 2
        while note_id in raw.notes:
            note_id, n = f"floatnote{n}", n + 1
        raw.notes[note_id] = (text, where(run[0]))
        raw.problems.append(Problem(where(run[0]), "text beside the tabular in its float became a note of the "
                                    f"whole table ('{note_id}'), marked in the caption", severity="warning",
                                    hint="move the mark in the YAML if it belongs elsewhere"))
        ids.append(note_id)
    return ids


def _rows(env, raw: RawTable, where):
    """Rows of cells (node lists) and how many of them are the header."""
    rows: list[tuple[list[list], str, int]] = []  # (cells, segment, rules before)
    cell: list = []
    row: list[list] = []
    rules_at: list[int] = []
    segments: list[tuple[int, str]] = []  # (row count when the mark came, mark)
    captions, labels = [], []
    skip_paren = skip_group = False
    rule_row = False  # inside a row that only draws a rule: \multispan{n}\leaders\hrule...\cr (plain TeX, booktabs' way)

    def row_empty() -> bool:
        return not row and not _meaningful(cell)

    lines = 0  # every row the source ends with \\, empty ones too: what a \multirow's count counts
    kept_at: list[int] = []  # the line each row of ``rows`` was
    empty_at: set[int] = set()  # lines without a cell's text: no row, but a \multirow above counted them

    def flush() -> None:
        nonlocal cell, row, lines
        row.append(cell)
        if any(_meaningful(c) for c in row):
            rows.append(row)
            kept_at.append(lines)
        else:
            empty_at.add(lines)
        lines += 1
        cell, row = [], []

    for at, node in enumerate(env.nodelist):
        if node is not None and node.isNodeType(latexwalker.LatexCommentNode):
            _percent_sign(node, raw, where)
            continue
        if node is None:
            continue
        if rule_row:
            if node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in ("cr", "\\", "tabularnewline"):
                rule_row = False
            elif not (node.isNodeType(latexwalker.LatexMacroNode) and node.macroname in RULE_ROW_PRIMITIVES
                      or node.isNodeType(latexwalker.LatexCharsNode) and RULE_ROW_CHARS.fullmatch(node.chars)
                      or node.isNodeType(latexwalker.LatexGroupNode)):
                rule_row = False  # not a rule after all: the row's text is read as ever
                cell.append(node)
            continue
        if skip_paren and node.isNodeType(latexwalker.LatexCharsNode) and node.chars.lstrip().startswith("("):
            skip_paren = False
            rest = node.chars.split(")", 1)[1] if ")" in node.chars else ""
            if rest.strip():
                cell.append(latexwalker.LatexCharsNode(parsing_state=node.parsing_state, chars=rest,
                                                       pos=node.pos, len=len(rest)))
            continue
        if skip_group and node.isNodeType(latexwalker.LatexGroupNode):
            skip_paren = skip_group = False
            continue
        if not (node.isNodeType(latexwalker.LatexCharsNode) and not node.chars.strip()):
            skip_paren = skip_group = False
        if node.isNodeType(latexwalker.LatexSpecialsNode) and node.specials_chars == "&":
            row.append(cell)
            cell = []
            continue
        if node.isNodeType(latexwalker.LatexMacroNode):
            name = node.macroname
            if name in ("\\", "tabularnewline"):
                flush()
                continue
            if name in LONG_MARKS:
                if not row_empty():
                    flush()
                segments.append((len(rows), name))
                continue
            if row_empty():
                if name == "caption":
                    captions.append(node)
                    continue
                if name == "label" and (captions or _ends_row(env.nodelist[at + 1:])):
                    labels.append(node)  # a long table's \caption{..}\label{..}\\ (else a row's own: a cell's)
                    continue
                if name == "multispan":  # a rule drawn across columns, as booktabs draws \cmidrule (partial)
                    rule_row = skip_group = True
                    continue
                if name in RULES or (name.endswith(("rule", "line")) and not cells.args(node)):
                    partial = name == "hhline" and "~" in cells.arg_text((cells.args(node) or [None])[0])
                    if name not in PARTIAL_RULES and not partial:  # \hhline{~|-}: '~' skips a column
                        rules_at.append(len(rows))
                    if name in ("cmidrule", "cline") and not cells.args(node) or name == "cmidrule":
                        skip_paren = skip_group = True
                    if name == "noalign":
                        skip_group = True
                    continue
                if name in IGNORED:
                    continue
        cell.append(node)
    if not row_empty():
        flush()

    # the header: a longtable's first head, else the rows before the first rule after a row
    header_count = 0
    body_start = 0
    if segments:
        marks = dict((m, n) for n, m in segments)
        if "endfirsthead" in marks:
            header_count = marks["endfirsthead"]
        elif "endhead" in marks:
            header_count = marks["endhead"]
        last = max(n for n, _ in segments)
        body_start = last
    else:
        after = [n for n in rules_at if n > 0]
        header_count = after[0] if after and after[0] < len(rows) else (1 if len(rows) > 1 else 0)
        body_start = header_count
    out_rows = [_cells(r, raw, where) for r in rows]
    if empty_at:  # `\multirow{2}{*}{Model} & ... \\ & & \\`: the span's empty second line is no row; it spans the rest
        for line, out_row in zip(kept_at, out_rows):
            for c in out_row:
                if c.rowspan > 1:
                    c.rowspan = max(1, c.rowspan - sum(1 for n in range(line + 1, line + c.rowspan) if n in empty_at))
    if not segments:
        header_count = body_start = header_rows(out_rows, rules_at, header_count)
    body = out_rows[body_start:]  # a longtable's continued head and foot repeat the header: skipped
    raw.body_rules = sorted({n - body_start for n in rules_at if body_start < n < len(out_rows)})
    return out_rows[:header_count] + body, header_count, captions, labels


def _ends_row(nodes) -> bool:
    """Nothing but a row end (or a caption, or the table's end) follows: the nodes after a row's first command."""
    following = next(iter(_meaningful(nodes)), None)
    return following is None or _is_macro(following, "\\", "tabularnewline", "caption", "endfirsthead", "endhead")


def _percent_sign(comment, raw: RawTable, where) -> None:
    """``73.6% [73.5%, ...] \\\\`` in a row: '%' after a number is a percent sign the author (or the script that
    wrote the table) did not escape; to TeX it starts a comment, which takes the rest of the line, its cells and row
    end with it. Read as TeX reads it, and said at the '%'."""
    text = comment.parsing_state.s if comment.parsing_state is not None else ""
    before = text[comment.pos - 1:comment.pos] if comment.pos else ""
    if before.isdigit() and ("&" in comment.comment or "\\\\" in comment.comment):
        raw.problems.append(Problem(where(comment), "'%' after a number starts a LaTeX comment: the rest of the "
                                    "line (its cells, its row end) is not part of the table, as TeX reads it",
                                    severity="warning", hint="write \\% for a percent sign, then import again"))


def header_rows(rows: list[list[RawCell]], rules_at: list[int], count: int) -> int:
    """How many rows are the header, by structure: the rows before the first full rule, except that
    title rows (one cell across every column) at the top do not end the header: it then runs to the
    next rule (or one row further). A first row whose cells span rows takes those rows with it."""
    width = max((sum(max(1, c.colspan) for c in row) for row in rows), default=0)

    def title_row(row: list[RawCell]) -> bool:
        cells_ = [c for c in row if not c.empty]
        return width > 1 and len(cells_) == 1 and cells_[0].colspan >= width

    while 0 < count < len(rows) and all(title_row(r) for r in rows[:count]):
        later = [n for n in rules_at if n > count]
        count = later[0] if later and later[0] < len(rows) else count + 1
    if 0 < count < len(rows):
        reach = max((c.rowspan for c in rows[count - 1] if c.rowspan > 1), default=1)
        count = min(len(rows) - 1, max(count, count - 1 + reach))
    return count


def _span(node, index: int) -> int:
    text = cells.arg_text(cells.args(node)[index]).strip()
    try:
        return int(text)
    except ValueError:
        return 1


_TBLR_COLSPAN = re.compile(r"(?:^|,)\s*c\s*=\s*([0-9]+)\s*(?:,|$)")


def _tblr_colspan(nodes) -> int:
    """The columns a tabularray cell spans: ``\\SetCell[c=2]{c} text`` (1 without one). Unlike ``\\multicolumn``,
    the row still writes the cells it covers (empty)."""
    meaningful = _meaningful(nodes)
    if not meaningful or not _is_macro(meaningful[0], "SetCell"):
        return 1
    option = cells.args(meaningful[0])[0] if cells.args(meaningful[0]) else None
    m = _TBLR_COLSPAN.search(cells.arg_text(option)) if option is not None else None
    return int(m.group(1)) if m else 1


def _cells(row: list[list], raw: RawTable, where) -> list[RawCell]:
    out = []
    spanned: list[tuple[int, list]] = []  # (tabularray's column span, the cell's nodes)
    i = 0
    while i < len(row):
        span = _tblr_colspan(row[i]) if row[i] else 1
        covered = row[i + 1:i + span]
        if span > 1 and len(covered) == span - 1 and not any(_meaningful(c) for c in covered):
            spanned.append((span, row[i]))  # read as \\multicolumn's: the empty cells it covers go
            i += span
        else:
            spanned.append((1, row[i]))
            i += 1
    for tblr_span, nodes in spanned:
        colspan, rowspan = tblr_span, 1
        content = list(nodes)
        first = next(iter(_meaningful(content)), None)
        if first is not None and first.isNodeType(latexwalker.LatexCharsNode):  # the cell's first character
            first = SimpleNamespace(pos=first.pos + len(first.chars) - len(first.chars.lstrip()))
        src = where(first) if first is not None else (where(nodes[0]) if nodes else raw.source)
        for _ in range(3):
            meaningful = _meaningful(content)
            if meaningful and _is_macro(meaningful[0], "multicolumn") and len(meaningful) == 1:
                colspan = _span(meaningful[0], 0)
                content = cells.arg_nodes(cells.args(meaningful[0])[2])
            elif meaningful and _is_macro(meaningful[0], "multirow"):
                rowspan = _span(meaningful[0], 1)
                rest = content[content.index(meaningful[0]) + 1:]
                content = cells.arg_nodes(cells.args(meaningful[0])[5]) + rest
            else:
                break
        text = cells.convert_nodes(content, raw.notices, raw.note_ids)
        indent = bool(INDENT.match("".join(n.latex_verbatim() for n in content if n is not None)))
        out.append(RawCell(text.latex, src, rowspan=rowspan or 1, colspan=max(1, colspan), flag=text.flag,
                           links=tuple(text.links), indent=indent))
    return out
