"""Problems as GitHub Actions workflow commands, so they show on a pull request's diff lines.

``::error file=PATH,line=L,col=C,title=TITLE::MESSAGE`` (``::warning`` for warnings), escaped as GitHub
documents: in the message ``%`` ``\\r`` ``\\n`` become ``%25`` ``%0D`` ``%0A``; in a property value
``:`` and ``,`` also become ``%3A`` and ``%2C``. A problem without a line gets ``file`` only.
Proven by tests/test_feedback.py, which parses the output back.
"""

from __future__ import annotations

import posixpath

from ..model import Problem

_DATA = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY = _DATA + ((":", "%3A"), (",", "%2C"))


def escape_data(text: str) -> str:
    for raw, escaped in _DATA:  # '%' first, so the escapes' own '%' is not escaped again
        text = text.replace(raw, escaped)
    return text


def escape_property(text: str) -> str:
    for raw, escaped in _PROPERTY:
        text = text.replace(raw, escaped)
    return text


def annotation(problem: Problem, folder: str = ".") -> str:
    """One problem as one workflow command line; ``folder``: the survey's folder (paths are relative to it)."""
    where = problem.source
    path = where.path if folder in ("", ".") else posixpath.normpath(posixpath.join(folder, where.path))
    props = [("file", path)] if where.path else []
    if where.path and where.line:
        props.append(("line", str(where.line)))
        if where.col:
            props.append(("col", str(where.col)))
    props.append(("title", f"surveybuild {problem.severity}"))
    message = problem.message + (f" ({problem.hint})" if problem.hint else "")
    return (f"::{problem.severity} " + ",".join(f"{k}={escape_property(v)}" for k, v in props)
            + f"::{escape_data(message)}")
