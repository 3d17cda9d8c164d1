"""A checksum line at the end of each generated file, so a hand edit is noticed before it is overwritten."""

from __future__ import annotations

import hashlib
import re

_LINE = re.compile(r"^(?:% surveybuild-sha256: ([0-9a-f]{16})|<!-- surveybuild-sha256: ([0-9a-f]{16}) -->"
                   r"|# surveybuild-sha256: ([0-9a-f]{16}))$", re.M)


def digest(body: str) -> str:
    """The short checksum written into generated files and marker regions."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


_digest = digest
_JSON_LINE = re.compile(r'^  "\$comment": "[^"\n]*surveybuild-sha256: ([0-9a-f]{16})[^"\n]*",\n', re.M)


def stamp_json(text: str) -> str:
    """A JSON object's text with a ``$comment`` member holding its checksum, first after the opening brace."""
    assert text.startswith("{\n"), "stamp_json expects an object written one member a line"
    note = ("Written by 'surveybuild build' from its own table schema: a hand edit is refused without --force "
            f"(surveybuild-sha256: {digest(text)})")
    return '{\n  "$comment": "' + note + '",\n' + text[2:]


def unedited_json(text: str) -> bool | None:
    """:func:`unedited` for a text made by :func:`stamp_json`."""
    m = _JSON_LINE.search(text)
    if m is None:
        return None
    return digest(text[: m.start()] + text[m.end():]) == m.group(1)


def stamp(text: str, flavour: str) -> str:
    """``text`` with its checksum line appended (a LaTeX, HTML or YAML comment: ``flavour`` latex, markdown, yaml)."""
    body = text if text.endswith("\n") else text + "\n"
    digest = _digest(body)
    line = {"latex": f"% surveybuild-sha256: {digest}\n",
            "yaml": f"# surveybuild-sha256: {digest}\n"}.get(flavour, f"<!-- surveybuild-sha256: {digest} -->\n")
    return body + line


def unedited(text: str) -> bool | None:
    """True when ``text`` is exactly as generated, False when edited since, None when it carries no stamp."""
    found = list(_LINE.finditer(text))
    if not found:
        return None
    m = found[-1]
    return text[m.end():].strip() == "" and _digest(text[: m.start()]) == (m.group(1) or m.group(2) or m.group(3))
