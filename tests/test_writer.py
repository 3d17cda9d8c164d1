"""Nothing half-written: a build writes all of its outputs or none, and files keep normal modes.

Failures are real where the machine allows (a folder made immutable with ``chattr +i``, which stops
root too, or ``chmod`` when not root) and injected through the writer otherwise, and for a full disk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import edit, snapshot
from surveybuild.build import writer
from surveybuild.cli import main


def _change_every_output(root: Path) -> None:
    """Edit both tables so that every generated file (both .tex, the README) must be replaced."""
    edit(root / "tables/models.yaml", "caption: Instruction-tuned models.", "caption: Models, again.")
    edit(root / "tables/datasets.yaml", "caption: Datasets, grouped by how they were built.", "caption: Data.")
    edit(root / "tables/datasets.yaml", "name: Dolly", "name: Dolly 2")  # the README shows rows, not captions


def _assert_untouched(root: Path, before: dict, capsys, says: str) -> None:
    assert main(["-C", str(root), "build"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert says in err, err
    assert err.splitlines()[-1] == "1 error(s), 0 warning(s): nothing was written"
    assert snapshot(root, skip=(".surveybuild",)) == before  # bytes and modification times
    assert not [p for p in root.rglob("*.tmp")]


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` truly read-only, for root too; yields how ("chattr", "chmod" or "inject")."""
    how = None
    if os.geteuid() != 0:
        folder.chmod(0o555)
        how = "chmod"
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        how = "chattr"
    probe = folder / ".probe"
    try:
        try:
            probe.write_text("x")
            probe.unlink()
            how = None  # the folder still takes files: the failure is injected below
        except OSError:
            pass
        if how is None:
            how = "inject"
            real_open = os.open

            def refuse(path, flags, mode=0o777, *, dir_fd=None):
                if Path(path).parent == folder and flags & os.O_CREAT:
                    raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
                return real_open(path, flags, mode, dir_fd=dir_fd)

            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(writer.os, "open", refuse)
                yield how
        else:
            yield how
    finally:
        if how == "chattr":
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        elif how == "chmod":
            folder.chmod(0o755)


def test_read_only_folder_changes_nothing(built_mini, capsys):
    """The README is staged first, then paper/tables refuses: the README must stay as it was."""
    _change_every_output(built_mini)
    before = snapshot(built_mini, skip=(".surveybuild",))
    with read_only(built_mini / "paper" / "tables") as how:
        _assert_untouched(built_mini, before, capsys, "paper/tables/datasets.tex: error: cannot write: ")
    print(f"read-only folder made by {how}")


@pytest.mark.parametrize("after", [0, 1, 2])
def test_disk_full_after_some_files_changes_nothing(after, built_mini, capsys, monkeypatch):
    _change_every_output(built_mini)
    before = snapshot(built_mini, skip=(".surveybuild",))
    real = writer._write_bytes
    calls = []

    def fill_up(fd, data):
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)

    monkeypatch.setattr(writer, "_write_bytes", fill_up)
    _assert_untouched(built_mini, before, capsys, "error: cannot write: No space left on device (free some disk space)")
    assert len(calls) == after + 1  # README.md, then the two tables: 0, 1 or 2 of them were written


def test_a_failed_rename_puts_back_what_was_replaced(built_mini, capsys, monkeypatch):
    """Renames come after every file is written; if the second fails, the first is put back."""
    _change_every_output(built_mini)
    before = snapshot(built_mini, skip=(".surveybuild",))
    real = writer._replace
    calls = []

    def fail_second(tmp, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(tmp, path)

    monkeypatch.setattr(writer, "_replace", fail_second)
    assert main(["-C", str(built_mini), "build"]) == 1
    err = capsys.readouterr().err
    assert "cannot replace: Input/output error" in err and "Traceback" not in err
    assert len(calls) == 2
    assert {rel: data for rel, (data, _) in snapshot(built_mini, skip=(".surveybuild",)).items()} == \
        {rel: data for rel, (data, _) in before.items()}
    assert not [p for p in built_mini.rglob("*.tmp")]


def test_a_folder_where_an_output_goes_is_a_clear_error(built_mini, capsys):
    _change_every_output(built_mini)
    (built_mini / "paper/tables/models.tex").unlink()
    (built_mini / "paper/tables/models.tex").mkdir()
    before = snapshot(built_mini, skip=(".surveybuild",))
    _assert_untouched(built_mini, before, capsys,
                      "paper/tables/models.tex: error: cannot read the generated file: it is a folder")


def test_write_all_refuses_a_folder_and_a_file_as_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "f").write_text("x")
    with pytest.raises(writer.WriteError, match="a: cannot write: it is a folder"):
        writer.write_all(tmp_path, {"new.txt": "n", "a": "x"})
    with pytest.raises(writer.WriteError, match="f/sub/x.txt: cannot write: Not a directory"):
        writer.write_all(tmp_path, {"new.txt": "n", "f/sub/x.txt": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "f"]  # no new.txt, no temporary file


def test_new_files_respect_the_umask_and_existing_files_keep_their_mode(tmp_path):
    (tmp_path / "kept.txt").write_text("old")
    (tmp_path / "kept.txt").chmod(0o640)
    (tmp_path / "run.sh").write_text("old")
    (tmp_path / "run.sh").chmod(0o755)
    old = os.umask(0o027)
    try:
        writer.write_all(tmp_path, {"new.txt": "n", "sub/new2.txt": "m", "kept.txt": "k", "run.sh": "r"})
    finally:
        os.umask(old)
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in tmp_path.rglob("*") if p.is_file()}
    assert modes == {"new.txt": 0o640, "sub/new2.txt": 0o640, "kept.txt": 0o640, "run.sh": 0o755}
    os.umask(0o022)
    try:
        writer.write_all(tmp_path, {"other.txt": "o"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "other.txt").stat().st_mode) == 0o644
    assert (tmp_path / "kept.txt").read_text() == "k"


def test_a_build_writes_files_with_normal_modes(mini):
    from surveybuild.build import pipeline as build

    (mini / "README.md").chmod(0o664)
    (mini / "paper/tables/models.tex").unlink()
    old = os.umask(0o022)
    try:
        _change_every_output(mini)
        assert build.build(mini).ok
    finally:
        os.umask(old)
    assert stat.S_IMODE((mini / "README.md").stat().st_mode) == 0o664
    assert stat.S_IMODE((mini / "paper/tables/models.tex").stat().st_mode) == 0o644


def test_removal_is_part_of_the_all_or_nothing(tmp_path, monkeypatch):
    (tmp_path / "gone.txt").write_text("g")
    (tmp_path / "kept.txt").write_text("k")
    real = writer._write_bytes
    monkeypatch.setattr(writer, "_write_bytes",
                        lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")) if data == b"2"
                        else real(fd, data))
    with pytest.raises(writer.WriteError):
        writer.write_all(tmp_path, {"gone.txt": None, "kept.txt": "1", "new.txt": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone.txt", "kept.txt"]
    assert (tmp_path / "kept.txt").read_text() == "k"
    monkeypatch.setattr(writer, "_write_bytes", real)
    writer.write_all(tmp_path, {"gone.txt": None, "kept.txt": "1", "new.txt": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]


def test_build_still_exports_write_atomic():
    """Other modules (texrun) import it from build until they move to the writer."""
    from surveybuild.build import pipeline as build

    assert build.write_atomic is writer.write_atomic
