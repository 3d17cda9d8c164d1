"""Compare versions of surveybuild on one generated survey, interleaved (docs/performance.md, "Stop 14").

    python benchmarks/compare.py --rows 2000 --entries 10000 --runs 7 \\
        old=/tmp/old/.venv/bin/python now=.venv/bin/python base=.venv/bin/python:/tmp/base/src

Each NAME=PYTHON[:PYTHONPATH] is a Python that runs ``python -m surveybuild`` of one version (its
own virtual environment, or a checkout's ``src`` on PYTHONPATH). Each round builds a fresh copy of
the survey with every version in turn (the order reversed every other round, so a busy moment hits
all alike): a cold build, a no-op rebuild, then a one-row edit (as benchmarks/styles.py makes it).
Prints the medians of whole-process wall time and of CPU time (user + system), which moves less
when other processes share the machine. Byte-compile each version first (``python -m compileall``),
as an installed package is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402
from styles import edit_row  # noqa: E402

STEPS = ("cold build", "no-op rebuild", "one-row edit")


def build(python: str, pythonpath: str | None, folder: Path) -> tuple[float, float]:
    """Wall and CPU milliseconds of one ``build``."""
    env = dict(os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {}))
    start = time.perf_counter()
    proc = subprocess.Popen([python, "-m", "surveybuild", "-C", str(folder), "build"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{python}: the build failed:\n{proc.stderr.read().decode('utf-8', 'replace')[-2000:]}")
    proc.stderr.close()
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--entries", type=int, default=10000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("versions", nargs="+", help="NAME=PYTHON[:PYTHONPATH]")
    args = p.parse_args(argv)
    versions = []
    for spec in args.versions:
        name, _, rest = spec.partition("=")
        python, _, path = rest.partition(":")
        versions.append((name, python, path or None))
    times = {name: {step: ([], []) for step in STEPS} for name, _, _ in versions}
    with tempfile.TemporaryDirectory(prefix="surveybuild-compare-") as work:
        src = Path(work) / "src"
        generate(src, args.rows, args.entries)
        for i in range(args.runs):
            for name, python, path in versions if i % 2 == 0 else versions[::-1]:
                folder = Path(work) / f"{name}-{i}"
                shutil.copytree(src, folder)
                for step in STEPS:
                    if step == "one-row edit":
                        edit_row(folder, f"Edited{i} ")
                    wall, cpu = build(python, path, folder)
                    times[name][step][0].append(wall)
                    times[name][step][1].append(cpu)
                shutil.rmtree(folder)
    print(f"{args.rows} rows / {args.entries} entries: medians of {args.runs} interleaved rounds, wall ms / CPU ms "
          f"(load average {os.getloadavg()[0]:.1f})")
    for name, steps in times.items():
        print(f"  {name:10}" + "".join(f"  {step} {statistics.median(w):6.0f} / {statistics.median(c):5.0f}"
                                      for step, (w, c) in steps.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
