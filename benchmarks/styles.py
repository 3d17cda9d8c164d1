"""Time builds of a generated survey whose README's reference list is in a CSL style (docs/performance.md).

    python benchmarks/styles.py --rows 200 --entries 1000 --style apa

Steps: a cold build (every cited entry formatted by citeproc-py), a no-op rebuild, and a one-row edit
(one row's name changed, then the build: the entries come from the cache in .surveybuild-cache/), as a
new process and within a running one (as a watcher would build: no start-up or imports).
``--style none``: the built-in layout, for comparison.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402
from run import run_once, surveybuild  # noqa: E402

from surveybuild.build.pipeline import build  # noqa: E402


def edit_row(folder: Path, mark: str) -> None:
    """Change the name of the first row of the first table."""
    table = sorted((folder / "tables").glob("*.yaml"))[0]
    text = table.read_text(encoding="utf-8")
    start = text.index("- name: '") + len("- name: '")
    table.write_text(text[:start] + mark + text[start:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=200)
    p.add_argument("--entries", type=int, default=1000)
    p.add_argument("--style", default="apa")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    times: dict[str, list[float]] = {"cold build": [], "no-op rebuild": [], "one-row edit": [],
                                     "one-row edit, in-process": []}
    with tempfile.TemporaryDirectory() as work:
        src = Path(work) / "src"
        generate(src, args.rows, args.entries)
        if args.style != "none":
            (src / "surveybuild.yaml").write_text(f"references: {{style: {args.style}}}\n", encoding="utf-8")
        for i in range(args.runs):
            folder = Path(work) / f"run-{i}"
            shutil.copytree(src, folder)
            for step in ("cold build", "no-op rebuild"):
                wall, *_, status, _, err = run_once(surveybuild(folder, "build"))
                if status:
                    raise SystemExit(err)
                times[step].append(wall)
            edit_row(folder, f"Edited{i} ")
            wall, *_, status, _, err = run_once(surveybuild(folder, "build"))
            if status:
                raise SystemExit(err)
            times["one-row edit"].append(wall)
            build(folder)  # imports done and caches warm, as in a watcher
            edit_row(folder, f"Again{i} ")
            start = time.perf_counter()
            if not build(folder).ok:
                raise SystemExit("the in-process build failed")
            times["one-row edit, in-process"].append(time.perf_counter() - start)
            shutil.rmtree(folder)
    print(f"{args.rows} rows / {args.entries} entries, style {args.style}, median of {args.runs}:")
    for step, walls in times.items():
        print(f"  {step:26} {statistics.median(walls) * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
