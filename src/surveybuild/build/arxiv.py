"""The arXiv bundle: ``dist/<name>-arxiv.tar.gz`` holding exactly what the paper needs.

arXiv compiles a submission with (pdf)latex alone: it never runs BibTeX, so the
bundle carries the ``.bbl`` of the last build instead of the ``.bib``. The
bundle holds the main ``.tex`` and every file it reads (generated tables too),
the figures it uses, local ``.sty``/``.cls``/``.bst`` files and the ``.bbl``;
nothing else. Comments are stripped from the ``.tex`` files with pylatexenc's
walker, so verbatim text and ``%`` inside ``\\url``/``\\href`` are untouched.
The tarball is byte-for-byte reproducible (sorted members, fixed times and owners).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from pathlib import Path

from pylatexenc.latexwalker import LatexCommentNode

from .. import paths
from .pipeline import Report, paper
from ..model import Problem, Source
from ..readers.read import read_settings
from ..readers.texinputs import find_inputs, parse, walk
from .texrun import BUILD_DIR
from .writer import replace_bytes

DIST = "dist"
#: Member times: SOURCE_DATE_EPOCH when set, else 2000-01-01 (tar warns about 1970 dates).
DEFAULT_MTIME = 946684800


def strip_comments(text: str) -> str:
    """``text`` without its LaTeX comments.

    A line holding only a comment goes entirely; a comment after text keeps its
    ``%`` (which also swallows the line end, as before). Verbatim environments,
    ``\\verb`` and the URL of ``\\url``/``\\href`` hold no comments.
    """
    _, nodes = parse(text)
    spans = sorted({(n.pos, n.pos + 1 + len(n.comment)) for n in walk(nodes) if n.isNodeType(LatexCommentNode)})
    out: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        line_start = text.rfind("\n", 0, start) + 1
        if line_start >= last and not text[line_start:start].strip():
            out.append(text[last:line_start])
            last = end + 1 if text[end:end + 1] == "\n" else end
        else:
            out.append(text[last:start] + "%")
            last = end
    out.append(text[last:])
    return "".join(out)


def bundle_members(paper_dir: Path, main_name: str, root: Path) -> tuple[dict[str, bytes], list[Problem]]:
    """The bundle's files (path inside the tarball -> bytes), read from the paper's folder."""
    main_tex = paper_dir / main_name
    inputs = find_inputs(main_tex, root, (root,))
    if inputs.problems:
        return {}, list(inputs.problems)
    members: dict[str, bytes] = {}
    for rel in inputs.tex:
        members[rel] = strip_comments((paper_dir / rel).read_text("utf-8")).encode("utf-8")
    for rel in inputs.graphics + inputs.styles:
        members[rel] = (paper_dir / rel).read_bytes()
    if inputs.bib_names:
        stem = Path(main_name).stem
        bbl = paper_dir / BUILD_DIR / f"{stem}.bbl"
        if not bbl.is_file():
            shown = bbl.relative_to(root).as_posix() if bbl.is_relative_to(root) else str(bbl)
            return {}, [Problem(Source(shown), "no .bbl from a build: arXiv does not run BibTeX",
                                hint="run 'invoke build-paper' (surveybuild paper) first")]
        members[f"{stem}.bbl"] = bbl.read_bytes()
        note = biblatex_note(members[f"{stem}.bbl"], paper_dir / BUILD_DIR / stem)
        if note:
            members[main_name] = note.encode("utf-8") + members[main_name]
    return members, []


_BBL_FORMAT = re.compile(rb"biblatex bbl format version (\S+)")
_BIBER = re.compile(r"This is Biber (\S+)")
_BIBLATEX = re.compile(r"Package: biblatex \S+ v(\S+)")


def _found(pattern: re.Pattern, path: Path) -> str:
    try:
        m = pattern.search(path.read_text("utf-8", errors="replace"))
    except OSError:
        return "?"
    return m.group(1) if m else "?"


def biblatex_note(bbl: bytes, build: Path) -> str:
    """For a biblatex .bbl, the comment heading the bundle's main file: which biber made it, and why it matters.

    arXiv does not run biber: biblatex reads the shipped .bbl only when its format version is the
    one arXiv's own biblatex writes. The versions are read from the build's .blg and .log (no network).
    """
    found = _BBL_FORMAT.search(bbl[:400])
    if found is None:
        return ""  # BibTeX's .bbl: any LaTeX reads it
    biber, biblatex = _found(_BIBER, build.with_suffix(".blg")), _found(_BIBLATEX, build.with_suffix(".log"))
    return (f"% The .bbl was made by biber {biber} for biblatex {biblatex} (.bbl format {found.group(1).decode()}).\n"
            f"% arXiv does not run biber: it reads this .bbl only if its own biblatex uses the same .bbl format,\n"
            f"% i.e. arXiv's TeX Live must carry this biblatex version. If arXiv reports a .bbl version\n"
            f"% mismatch, build with the TeX Live release arXiv uses (see arXiv's help on biblatex).\n")


def tarball(members: dict[str, bytes]) -> bytes:
    """A reproducible .tar.gz of ``members``."""
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_MTIME))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


#: What ``--name`` may be: a plain file name (no folder, no '..', not hidden).
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def name_problem(name: str) -> str:
    """'' when ``name`` can name the tarball; else what is wrong with it."""
    if NAME.fullmatch(name) and ".." not in name:
        return ""
    return (f"--name {name!r} is not a plain file name: use letters, digits, '.', '_' and '-', "
            "no '/' or '..', not starting with '.'")


def default_name(root: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", Path(root).resolve().name).strip("-.") or "paper"


def arxiv(root: Path, name: str | None = None) -> Report:
    """Build the paper (TeX runs only if an input changed), then write ``dist/<name>-arxiv.tar.gz``."""
    root = Path(root)
    if name is not None and name_problem(name):
        return Report(problems=[Problem(Source(DIST), name_problem(name))])
    report = paper(root)
    if not report.ok:
        return report
    settings, _ = read_settings(root)
    if settings.engine != "pdflatex":
        report.problems.append(Problem(Source("surveybuild.yaml"), f"engine '{settings.engine}': arXiv compiles "
                                       "with pdflatex, and its fonts are not Debian's", severity="warning",
                                       hint="check arXiv's help on TeX engines before submitting, or build the "
                                            "arXiv version with engine: pdflatex"))
    main_tex = root / settings.paper
    members, problems = bundle_members(main_tex.parent, main_tex.name, root)
    report.problems += problems
    if problems:
        return report
    rel = f"{DIST}/{name or default_name(root)}-arxiv.tar.gz"
    outside = paths.problem(root, root / rel, rel, "written")
    if outside is not None:
        report.problems.append(outside)
        return report
    data = tarball(members)
    replace_bytes(root / rel, data)
    report.written.append(rel)
    report.info.append(f"{rel}: {len(members)} files, {len(data) / 1024:.1f} KiB: {', '.join(sorted(members))}")
    return report


