"""The paper benchmark: `surveybuild paper` (invoke build-paper) on the embedded survey, cold and no-op.

    python benchmarks/paper.py [--runs 3]

Cold: a fresh copy of the repository's survey (its committed files, no ``paper/build``, no cache), as a
fresh clone has it. No-op: ``paper`` again on the built copy. Each run is a fresh process that times
itself: its wall time, its CPU (user + system) and the CPU of the processes it started (TeX:
latexmk, pdflatex, BibTeX, and the figure drawings), and what it ran (from its report). Medians over
``--runs`` runs. No assertion fails here; docs/performance.md holds the numbers and the targets
(under 4 s of TeX CPU cold; no TeX on a no-op).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ("tables", "figures", "paper", "templates", "refs.bib", "surveybuild.yaml", "schema", "README.md")

#: Run in the child: build the paper of argv[1], print its times as JSON.
CHILD = r"""
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from surveybuild.build import pipeline
report = pipeline.paper(sys.argv[1])
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"ok": report.ok, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "tex_cpu": kids.ru_utime + kids.ru_stime, "info": report.info}))
"""


def copy_survey(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ITEMS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("build", ".surveybuild-cache"))
        elif src.is_file():
            shutil.copy2(src, dest / name)
    return dest


def run(root: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(root)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    cold, noop = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            root = copy_survey(Path(tmp) / f"run{i}")
            cold.append(run(root))
            noop.append(run(root))
    print(f"surveybuild paper on the embedded survey, medians of {args.runs} run(s)")
    print(f"{'':8} {'wall s':>8} {'CPU s':>8} {'TeX CPU s':>10}  what ran")
    for name, results in (("cold", cold), ("no-op", noop)):
        assert all(r["ok"] for r in results), results
        med = {k: statistics.median(r[k] for r in results) for k in ("wall", "cpu", "tex_cpu")}
        ran = "; ".join(i for i in results[-1]["info"] if i.startswith(("running", "drew", "measured", "paper/")))
        print(f"{name:8} {med['wall']:8.2f} {med['cpu']:8.2f} {med['tex_cpu']:10.2f}  {ran[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
