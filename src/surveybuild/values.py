"""Typed cell values: sizes (7B, 52K, 1.4T), yes/no, lists, URLs. Pure functions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SUFFIX = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}
_NUMBER = r"(\d+(?:\.\d+)?)([KMBT]?)"
SIZE = re.compile(rf"^(~)?{_NUMBER}(\+)?(?:\s*-\s*{_NUMBER}(\+)?)?$")
MISSING = "-"
#: What no URL may hold: whitespace (``\s`` is exactly ``str.isspace``) or one of these characters.
_URL_UNSAFE = re.compile(r'[\s<>"{}\\`^]')


def parse_size(raw: object) -> float | None:
    """The value a size stands for, or ``None`` if it is not a size."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return float(raw) if raw >= 0 else None
    if not isinstance(raw, str):
        return None
    m = SIZE.match(raw.strip())
    if not m:
        return None
    return float(m.group(2)) * SUFFIX[m.group(3)]


def format_size(raw: object) -> str:
    """How a size is shown: integers with thousands separators, the rest as written."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return f"{raw:,}"
    text = str(raw).strip()
    return _DASH.sub("–", text) if "-" in text else text


_DASH = re.compile(r"\s*-\s*")


def check_url(raw: object) -> str:
    """'' when ``raw`` is an http(s) URL, else what is wrong with it."""
    if not isinstance(raw, str):
        return f"a URL must be text, not {raw!r}"
    if _URL_UNSAFE.search(raw):
        return f"URL {raw!r} holds a space or one of < > \" {{ }} \\ ` ^ (write ^ as %5E)"
    try:
        parts = urlsplit(raw)
        if ":" in parts.netloc:  # a port (or an IPv6 host): no colon, no port to be wrong
            parts.port  # noqa: B018 - raises for a port that is no number or out of range
    except ValueError as exc:  # e.g. 'https://[x': "Invalid IPv6 URL"
        return f"URL {raw!r} cannot be read: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"URL {raw!r} has scheme '{parts.scheme or 'none'}': only http and https links are allowed"
    if not parts.netloc:
        return f"URL {raw!r} has no host"
    return ""


#: A line break inside a text, latex or list cell: a newline in its YAML string (a ``|`` block, or ``\\n`` in
#: double quotes). The README shows ``<br>``, the paper a line break that suits the column (docs/format.md).
def value_key(raw: object) -> tuple | None:
    """A cell value as a dict key that tells apart what prints apart: each value with its type (``True`` is not
    ``1``, nor ``[True]`` ``[1]``), a list as the keys of its items; None for a value that cannot be a key. The
    renderers and the checks work out each distinct value of a column once by it."""
    if type(raw) is str:  # the common value, always hashable
        return (str, raw)
    key = (list, tuple(map(value_key, raw))) if type(raw) is list else (type(raw), raw)
    try:
        hash(key)
    except TypeError:
        return None
    return key


LINE_BREAK = "\n"


def lines(text: str) -> list[str]:
    """A cell's lines: the text split at its line breaks, each stripped, blank lines left out."""
    if LINE_BREAK not in text:
        stripped = text.strip()
        return [stripped] if stripped else []
    return [line for line in (part.strip() for part in text.split(LINE_BREAK)) if line]


def one_line(text: str) -> str:
    """A cell's text where one line is needed (names in messages, sorting, labels): its lines joined by a space."""
    return " ".join(lines(text)) if LINE_BREAK in text else text


def sort_key(column_type: str, raw: object):
    """A key that sorts missing values last and sizes by value."""
    if raw is None:
        return (1, 0, "")
    if column_type == "size":
        value = parse_size(raw)
        return (0, value if value is not None else 0.0, "")
    if isinstance(raw, bool):
        return (0, 0 if raw else 1, "")
    return (0, 0, one_line(str(raw)).casefold())
