"""Writing files all or nothing: every output goes to a temporary file first, renamed only when all are written.

:func:`write_all` is how the build writes (``build.py`` decides *what*, this module *how*):

1. **stage**: each text goes to a new temporary file next to its target (``.NAME.XXXX.tmp``), created
   with mode ``0666 & ~umask`` like any new file, or given the existing target's mode; a target that
   will be replaced or removed is hard-linked to a backup beside it.
2. **commit**: each temporary file is renamed over its target (a removed file is renamed aside).

A failure while staging (disk full, read-only folder, permission denied, a folder where a file is
expected) removes the temporary files: no target changed. A failure while committing (rare: the
renames stay in one folder each) puts the backups back. Either way :class:`WriteError` says which
file and why. Nothing here is specific to surveybuild's outputs.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


class WriteError(OSError):
    """A file could not be written; nothing was changed. ``shown`` is how messages name the file."""

    def __init__(self, shown: str, reason: str) -> None:
        super().__init__(reason)
        self.shown = shown
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.shown}: {self.reason}"


def _target(root: Path, rel: str) -> Path:
    """The file ``rel`` names below ``root``: the one place where a written path is made (checks go here)."""
    return root / rel


@dataclass
class _Staged:
    """One file ready to commit: its temporary file (None: remove the target) and its backup."""

    path: Path
    shown: str
    tmp: Path | None
    existed: bool
    backup: Path | None = None


def write_all(root: Path, files: Mapping[str, str | None]) -> None:
    """Write each ``rel: text`` below ``root`` (``None`` removes the file), all of them or none."""
    root = Path(root)
    write_files({_target(root, rel): (rel, text) for rel, text in files.items()})


def write_atomic(path: Path, text: str | bytes | Iterable[bytes]) -> None:
    """Replace one file atomically (the same rules as :func:`write_all`); a text is written as UTF-8, bytes
    as they are, an iterable of bytes part by part."""
    path = Path(path)
    write_files({path: (str(path), text)})


def replace_bytes(path: Path, data: bytes) -> None:
    """Replace one file with ``data`` atomically: a temporary file beside it (its folder made when
    missing), a normal mode (``0666 & ~umask``, not mkstemp's 0600), then a rename over it."""
    path = Path(path)
    import tempfile  # only for the paper's PDF: a build of the README and tables does not import it

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_files(files: Mapping[Path, tuple[str, str | bytes | Iterable[bytes] | None]]) -> None:
    """Write ``{path: (shown, text or None)}`` all or nothing; see the module's docstring."""
    staged: list[_Staged] = []
    made_dirs: list[Path] = []
    try:
        for path, (shown, text) in files.items():
            staged.append(_stage(path, shown, text, made_dirs))
    except BaseException:
        _discard(staged, made_dirs)
        raise
    done: list[_Staged] = []
    try:
        for item in staged:
            try:
                if item.tmp is not None:
                    _replace(item.tmp, item.path)
                elif item.existed:
                    os.unlink(item.path)  # the backup is a hard link: the text stays there for a roll-back
            except OSError as exc:
                raise WriteError(item.shown, f"cannot replace: {_reason(exc)}") from None
            done.append(item)
    except BaseException:
        _roll_back(done)
        _discard(staged[len(done):], made_dirs)
        _discard_backups(done)
        raise
    _discard_backups(staged)


def _stage(path: Path, shown: str, text: str | bytes | Iterable[bytes] | None, made_dirs: list[Path]) -> _Staged:
    try:
        old = path.lstat()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise WriteError(shown, f"cannot write: {_reason(exc)}") from None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise WriteError(shown, "cannot write: it is a folder, where a file is expected")
    if text is None:
        return _Staged(path, shown, None, old is not None, _backup(path, shown) if old is not None else None)
    _make_parents(path.parent, shown, made_dirs)
    tmp = None
    try:
        while tmp is None:
            candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:
                continue
            tmp = candidate
        try:
            if old is not None and stat.S_ISREG(old.st_mode):
                os.fchmod(fd, stat.S_IMODE(old.st_mode))  # an existing file keeps its mode
            for part in [text] if isinstance(text, bytes) else [text.encode("utf-8")] if isinstance(text, str) else text:
                _write_bytes(fd, part)  # parts: made one at a time, so that not all of them are held at once
        finally:
            os.close(fd)
        backup = _backup(path, shown) if old is not None else None
    except BaseException as exc:
        if tmp is not None:
            _unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(shown, f"cannot write: {_reason(exc)}") from None
        raise
    return _Staged(path, shown, tmp, old is not None, backup)


def _write_bytes(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (the one place bytes reach the disk: tests inject failures here)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _replace(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)


def _backup(path: Path, shown: str) -> Path | None:
    """A hard link to the current target, to put it back if a later rename fails (None: links unsupported)."""
    while True:
        backup = path.with_name(f".{path.name}.{secrets.token_hex(4)}.bak.tmp")
        try:
            os.link(path, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
                return None  # a file system without hard links: the rename is still atomic
            raise WriteError(shown, f"cannot write: {_reason(exc)}") from None


def _make_parents(folder: Path, shown: str, made_dirs: list[Path]) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(shown, f"cannot make the folder {path.name!r}: {_reason(exc)}") from None
        made_dirs.append(path)
    if not folder.is_dir():
        raise WriteError(shown, f"cannot write: {folder.name!r} is a file, where a folder is expected")


def _roll_back(done: list[_Staged]) -> None:
    for item in reversed(done):
        try:
            if item.backup is not None:
                os.replace(item.backup, item.path)
            elif not item.existed:
                os.unlink(item.path)
        except OSError:  # pragma: no cover - the folder changed under us; nothing better to do
            pass


def _discard(staged: list[_Staged], made_dirs: list[Path]) -> None:
    for item in staged:
        for extra in (item.tmp, item.backup):
            if extra is not None:
                _unlink(extra)
    for folder in reversed(made_dirs):
        try:
            folder.rmdir()
        except OSError:
            pass


def _discard_backups(staged: list[_Staged]) -> None:
    for item in staged:
        if item.backup is not None:
            _unlink(item.backup)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reason(exc: OSError) -> str:
    """An OSError's reason in words, with the likely fix for the common ones."""
    words = exc.strerror or str(exc)
    fixes = {errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space",
             errno.EROFS: "the file system is read-only", errno.EACCES: "make the folder writable",
             errno.EPERM: "make the folder writable"}
    fix = fixes.get(exc.errno)
    return f"{words} ({fix})" if fix else words


__all__ = ["WriteError", "write_all", "write_atomic", "write_files"]
