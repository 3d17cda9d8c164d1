"""The command line: ``surveybuild [-C DIR] build|paper|check``. Exit 0 clean, 1 problems, 2 usage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .build import Report, build, check, paper
from .model import Problem


def print_report(report: Report, out=sys.stderr) -> None:
    for problem in sorted(report.problems, key=lambda p: (p.severity != "error", p.source)):
        print(problem, file=out)
    for rel in report.written:
        print(f"wrote {rel}", file=out)
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    if errors:
        done = "" if report.written else ": nothing was written"
        print(f"{errors} error(s), {warnings} warning(s){done}", file=out)
    elif warnings:
        print(f"{warnings} warning(s)", file=out)


COMMANDS = {
    "build": (build, "write the LaTeX tables and README.md (no TeX run)"),
    "paper": (paper, "write the tables, then build the PDF with latexmk"),
    "check": (check, "cross-check sources and refs.bib, and that committed outputs are up to date"),
    "init": (None, "write a new survey skeleton into DIR (tables, refs.bib, paper, README template, tasks, CI)"),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="surveybuild", description=__doc__.split(":")[0])
    p.add_argument("-C", dest="directory", default=".", metavar="DIR", help="the survey folder (default: .)")
    p.add_argument("--version", action="version", version=f"surveybuild {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("-C", dest="sub_directory", default=None, metavar="DIR", help=argparse.SUPPRESS)
        if name == "init":
            sp.add_argument("target", metavar="DIR", help="the new survey folder (created if missing)")
        if name in ("build", "paper"):
            sp.add_argument("--force", action="store_true",
                            help="overwrite generated files even if they were edited by hand")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root = Path(args.sub_directory or args.directory)
    if args.command == "init":
        from .init import init

        report = init(root / args.target)
        print_report(report)
        return 0 if report.ok else 1
    if not root.is_dir():
        print(f"surveybuild: error: {root}: no such folder", file=sys.stderr)
        return 2
    command = COMMANDS[args.command][0]
    report = command(root, force=True) if getattr(args, "force", False) else command(root)
    print_report(report)
    if report.ok and args.command == "check":
        print("check: sources, refs.bib and generated files agree", file=sys.stderr)
    return 0 if report.ok else 1


__all__ = ["main", "Problem"]
