"""Containment: every file surveybuild reads or writes (and TeX reads) stays inside the survey folder.

A pull request can commit a symbolic link (``tables/x.yaml -> /etc/passwd``, ``paper/tables ->
/home/user/.ssh``). A link that stays inside the survey folder is followed; one whose real path
leaves it is refused, with a message naming the link and where it points. Readers call
:func:`outside` before they open a file, the writers before they write one, and the paper's
build refuses any link in the paper's folder that leaves the survey folder (TeX follows links).
"""

from __future__ import annotations

import os
from pathlib import Path

from .model import Problem, Source


def real(path: Path) -> Path | None:
    """``path`` with every symbolic link followed; None for a loop of links (which ``Path.resolve`` raises for:
    RuntimeError up to Python 3.12, OSError after)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the name
        return None


def _inside(real: Path, real_root: Path) -> bool:
    return real == real_root or real_root in real.parents


def outside(root: Path, path: Path) -> str:
    """'' when ``path`` (below ``root``) really is inside ``root``; else why not, naming the link."""
    root = Path(root)
    real_root = root.resolve()
    if "\0" in str(path):  # no file has such a name (a URL's %00, a name from a crafted record)
        return f"{_shown(root, path)!r} holds a NUL byte, which no file name can"
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links
        return f"{_shown(root, path)} is a loop of symbolic links"
    if _inside(real, real_root):
        return ""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return f"{path} is outside the survey folder"
    for i in range(1, len(parts) + 1):  # the first link on the way that leads out
        step = root.joinpath(*parts[:i])
        if step.is_symlink() and not _inside(step.resolve(), real_root):
            return (f"{Path(*parts[:i]).as_posix()} is a symbolic link to {os.readlink(step)}, "
                    f"outside the survey folder")
    return f"{_shown(root, path)} resolves to {real}, outside the survey folder"


def _shown(root: Path, path: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def problem(root: Path, path: Path, shown: str, doing: str = "read") -> Problem | None:
    """A placed problem when ``path`` leads outside ``root``; None when it is inside."""
    why = outside(root, path)
    if not why:
        return None
    hint = ("delete the link: surveybuild writes the file itself" if doing == "written"
            else "commit the file itself, or a link to a file inside the survey folder")
    return Problem(Source(shown), f"not {doing}: {why}", hint=hint)


def escaping_links(folder: Path, root: Path) -> list[Problem]:
    """Every symbolic link below ``folder`` whose real path leaves ``root`` (links are not followed down)."""
    problems = []
    real_root = Path(root).resolve()
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            if path.is_symlink():
                try:
                    leaves = not _inside(path.resolve(), real_root)
                except (OSError, RuntimeError):
                    leaves = True
                if leaves:
                    problems.append(Problem(Source(_shown(Path(root), path)),
                                            f"symbolic link to {os.readlink(path)}, outside the survey folder: "
                                            "TeX would read or write through it",
                                            hint="delete the link, or commit the file itself"))
    return problems
