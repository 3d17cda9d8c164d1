"""The command line: ``surveybuild [-C DIR] build|paper|check|preview|watch``. Exit 0 clean, 1 problems, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (~2.5 ms of a no-op build); type checkers read any name so spelt
TYPE_CHECKING = False

from . import __version__

if TYPE_CHECKING:
    from .build.pipeline import Report


def _lazy(module: str, name: str):
    """The command ``module.name``, imported on first call: a no-op build imports nothing heavy."""
    def command(*args, **kwargs):
        import gc
        from importlib import import_module

        # importing makes tens of thousands of objects that live as long as the process, and no garbage:
        # the cyclic collector need not go through them again and again meanwhile (~5 % of the imports)
        collecting = gc.isenabled()
        gc.disable()
        try:
            target = getattr(import_module(module, __package__), name)
        finally:
            gc.freeze()  # and straight into the oldest generation: the first collection after the import
            gc.unfreeze()  # went through all of them (~6 ms), and the next older one again
            if collecting:
                gc.enable()
        return target(*args, **kwargs)
    command.__name__ = command.__qualname__ = name
    return command


arxiv = _lazy(".build.arxiv", "arxiv")
build, check, paper = _lazy(".build.pipeline", "build"), _lazy(".build.pipeline", "check"), _lazy(".build.pipeline", "paper")


def _line(text: str) -> str:
    """``text`` as one printed line (:func:`surveybuild.model.one_line`: what a file put in a message cannot start
    a line of its own, such as a GitHub Actions workflow command); the model is imported only when needed."""
    if text.isprintable():  # the usual case, the no-op's included: nothing to import
        return text
    from .model import one_line

    return one_line(text)


def print_report(report: Report, out=None, github: str | None = None) -> None:
    """The report on stderr; ``github``: the survey folder, to print problems as annotations on stdout.
    Every line printed is one line (:func:`_line`), whatever the input files put in a message."""
    out = out or sys.stderr  # looked up at call time, so redirecting sys.stderr works
    counts = Counter(map(str, report.problems))  # an identical message is said once, with its count
    for problem in sorted(report.problems, key=lambda p: (p.severity != "error", p.source)):
        if github is not None:
            from .contrib.annotate import annotation

            print(annotation(problem, github), file=sys.stdout)
            continue
        text = str(problem)
        if counts.get(text):
            print(_line(f"{text} [{counts[text]} times]" if counts[text] > 1 else text), file=out)
            counts[text] = 0
    for rel in report.written:
        print(_line(f"wrote {rel}"), file=out)
    for line in report.info:  # after the files: what to do next stays on screen
        print(_line(line), file=out)
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    if errors:
        done = "" if report.written else ": nothing was written"
        print(f"{errors} error(s), {warnings} warning(s){done}", file=out)
    elif warnings:
        print(f"{warnings} warning(s)", file=out)


COMMANDS = {
    "build": (build, "write the LaTeX tables and README.md (no TeX run)"),
    "paper": (paper, "write the tables, then build the PDF with latexmk"),
    "arxiv": (arxiv, "build the paper, then write dist/<name>-arxiv.tar.gz that compiles alone with pdflatex"),
    "check": (check, "cross-check sources and refs.bib, and that committed outputs are up to date"),
    "init": (None, "write a new survey skeleton into DIR (tables, refs.bib, paper, README template, tasks, CI)"),
    "preview": (None, "serve the README as GitHub shows it beside the PDF on 127.0.0.1, re-rendered in memory on save"),
    "watch": (None, "build on every save (as build; --paper also runs the paper) and serve the preview page"),
    "import": (None, "turn existing tables (LaTeX, Markdown pipe tables, HTML) into tables/*.yaml sources"),
    "add": (None, "add a row to a table, checked like any other, keeping the YAML file's comments and layout"),
    "diff": (None, "summarise in Markdown the rows added, removed and changed since git revision BASE"),
}


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` says it (``COLUMNS``, else the terminal, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with the width found without ``shutil``: argparse makes a formatter for every
    argument it adds, and its own imports shutil (and with it bz2 and lzma, ~2 ms of every command)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="surveybuild", description=__doc__.split(":")[0], formatter_class=_Formatter)
    p.add_argument("-C", dest="directory", default=".", metavar="DIR", help="the survey folder (default: .)")
    p.add_argument("--version", action="version", version=f"surveybuild {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, allow_abbrev=name != "add",
                            formatter_class=_Formatter)  # add: --KEY may be any column
        sp.add_argument("-C", dest="sub_directory", default=None, metavar="DIR", help=argparse.SUPPRESS)
        if name == "init":
            sp.add_argument("target", metavar="DIR", help="the new survey folder (created if missing)")
            sp.add_argument("--biblatex", action="store_true",
                            help="cite with biblatex and biber (\\parencite, \\textcite) instead of natbib and BibTeX")
            sp.add_argument("--import", dest="sources", action="append", default=[], metavar="FILE",
                            help="move a survey in at once: this .tex, .md or .html file's tables instead of the "
                                 "example, each shown in the README and the paper (repeat for more files)")
            sp.add_argument("--bib", dest="bibs", action="append", default=[], metavar="FILE",
                            help="a .bib file whose entries go into refs.bib (repeat for more files)")
        if name in ("build", "paper"):
            sp.add_argument("--force", action="store_true",
                            help="overwrite generated files even if they were edited by hand")
        if name == "import":
            sp.add_argument("file", metavar="FILE", help="a .tex, .md or .html file holding tables")
            sp.add_argument("-o", dest="output", default=None, metavar="OUT",
                            help="the YAML file, or a folder; a relative path is in the survey folder (-C), as the build reads it "
                                 "(default: the survey's tables/<file stem>.yaml)")
            sp.add_argument("--cite-map", default=None, metavar="MAP",
                            help="YAML mapping of reference anchors or numbers (ref12 or 12) to cite keys")
            sp.add_argument("--force", action="store_true", help="replace existing YAML files")
        if name in ("preview", "watch"):  # no --host: the preview listens on the loopback address only
            sp.add_argument("--port", type=int, default=8765, help="the port on 127.0.0.1 (0: any free one)")
        if name == "watch":
            sp.add_argument("--paper", action="store_true", help="also build the PDF after each clean build")
        if name == "check":
            sp.add_argument("--format", choices=("text", "github"), default=None,
                            help="github: GitHub Actions annotations (the default when GITHUB_ACTIONS=true)")
        if name == "add":
            sp.add_argument("table", nargs="?", default=None, help="the table's id (its file name without .yaml)")
            sp.add_argument("--issue-form", default=None, metavar="FILE",
                            help="take the row from the body of an issue opened with the 'add a work' form")
            sp.epilog = "the row's values follow as --KEY VALUE, by column key: --name Alpaca --cite taori2023alpaca"
        if name == "diff":
            sp.add_argument("base", metavar="BASE", help="the git revision to compare with (e.g. origin/main)")
        if name == "arxiv":
            sp.add_argument("--name", default=None, help="the tarball's name (default: the survey folder's name)")
    return p


def _skip_exit_collection() -> None:
    """At the process's exit, leave its objects to the system: Python's last collection would go through
    them all (~20 ms after a build) only to free memory the system takes back. Registered with atexit, so
    a caller that runs :func:`main` in its own process (the tests) keeps collecting until it exits."""
    import gc

    gc.freeze()


def entry() -> None:
    """The ``surveybuild`` command and ``python -m surveybuild``: :func:`main`, then the process ends at once.

    Every file is written and closed by then (the writer's files, the caches, the lock); what Python would still
    do is take its modules and objects apart one by one (~16 ms after a 10,000-entry build) for memory the
    system takes back anyway. So after :func:`main` returns, the output streams are flushed and the process
    exits with ``os._exit``, as mypy's ``--fast-exit`` does. An error leaving :func:`main` (argparse's usage
    error is a ``SystemExit``) ends the process the usual way. Tests call :func:`main`, which returns."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``surveybuild check | head``): nothing more to say there
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    import atexit

    atexit.unregister(_skip_exit_collection)  # once, however often main runs in one process
    atexit.register(_skip_exit_collection)
    p = parser()
    args, rest = p.parse_known_args(argv)
    if rest and args.command != "add":
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    args.fields = rest
    try:
        return _run(args)
    except OSError as exc:  # the machine said no (a folder vanished, a device failed): a message, not a traceback
        place = f"{exc.filename}: " if exc.filename else ""
        print(_line(f"surveybuild: error: {place}{exc.strerror or exc}"), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: say so in one line (SURVEYBUILD_TRACEBACK=1 shows the traceback)
        import os

        if os.environ.get("SURVEYBUILD_TRACEBACK"):
            raise
        print(_line(f"surveybuild: internal error: {type(exc).__name__}: {exc} (please report it with the input that "
                    "caused it; SURVEYBUILD_TRACEBACK=1 shows where)"), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    root = Path(args.sub_directory or args.directory)
    if args.command == "import":
        from .importer.command import run_import

        if not root.is_dir():
            print(f"surveybuild: error: {root}: no such folder", file=sys.stderr)
            return 2
        if not Path(args.file).is_file():
            print(f"surveybuild: error: {args.file}: no such file", file=sys.stderr)
            return 2
        report = run_import(root, args.file, args.output, args.cite_map, args.force)
        print_report(report)
        return 0 if report.ok else 1
    if args.command == "init":
        from .init import init

        report = init(root / args.target, biblatex=args.biblatex, sources=tuple(args.sources), bibs=tuple(args.bibs))
        print_report(report)
        return 0 if report.ok else 1
    if not root.is_dir():
        print(f"surveybuild: error: {root}: no such folder", file=sys.stderr)
        return 2
    if args.command in ("preview", "watch"):
        from .preview.server import run

        if not 0 <= args.port <= 65535:
            print(f"surveybuild: error: --port {args.port}: not a port (0 to 65535)", file=sys.stderr)
            return 2
        return run(root, write=args.command == "watch", with_paper=getattr(args, "paper", False), port=args.port)
    if args.command in ("add", "diff"):
        from .contrib.add import run as contribute

        return contribute(args.command, root, args)
    github = None
    if args.command == "check" and (args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true"
                                                    else "text")) == "github":
        github = str(root)
    if args.command in ("build", "check") and not getattr(args, "force", False):
        from .build.cache import lookup

        hit = lookup(root)  # nothing changed since the last build: say what it said, write nothing
        if hit is not None:
            print_report(hit, github=github)
            if args.command == "check":
                print("check: sources, refs.bib and generated files agree", file=sys.stderr)
            return 0
    if args.command == "arxiv" and args.name is not None:
        from .build.arxiv import name_problem

        if name_problem(args.name):
            print(f"surveybuild: error: {name_problem(args.name)}", file=sys.stderr)
            return 2
    command = COMMANDS[args.command][0]
    if args.command == "arxiv":
        report = command(root, name=args.name)
    else:
        report = command(root, force=True) if getattr(args, "force", False) else command(root)
    print_report(report, github=github)
    if report.ok and args.command == "check":
        print("check: sources, refs.bib and generated files agree", file=sys.stderr)
    return 0 if report.ok else 1


__all__ = ["main"]
