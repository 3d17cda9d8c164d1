"""The naive pipeline the benchmark compares against: parse everything, the obvious way.

    python benchmarks/naive.py DIR

bibtexparser v2 over every entry of refs.bib, PyYAML's pure-Python SafeLoader on
every table, and pylatexenc's latex_to_text on every text cell. Prints one JSON
line: the time of each step and their sum (``parse_s``), imports excluded.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:])[0])
    start = time.perf_counter()
    import bibtexparser
    import yaml
    from pylatexenc.latex2text import LatexNodes2Text

    imported = time.perf_counter()
    library = bibtexparser.parse_string((root / "refs.bib").read_text("utf-8"))
    bib_done = time.perf_counter()
    tables = [yaml.load(p.read_text("utf-8"), Loader=yaml.SafeLoader)  # noqa: S506 - the safe loader
              for p in sorted((root / "tables").glob("*.yaml"))]
    yaml_done = time.perf_counter()
    to_text = LatexNodes2Text()
    cells = 0
    for table in tables:
        for row in table.get("rows") or []:
            for value in row.values():
                if isinstance(value, str):
                    to_text.latex_to_text(value)
                    cells += 1
    latex_done = time.perf_counter()
    print(json.dumps({
        "imports_s": imported - start,
        "bib_s": bib_done - imported,
        "yaml_s": yaml_done - bib_done,
        "latex_s": latex_done - yaml_done,
        "parse_s": latex_done - imported,
        "entries": len(library.entries),
        "rows": sum(len(t.get("rows") or []) for t in tables),
        "cells": cells,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
