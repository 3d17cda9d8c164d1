"""The build benchmark: whole-process wall time and peak memory of surveybuild, beside a naive pipeline.

    python benchmarks/run.py [--runs 5] [--sizes 200:1000,2000:10000] [--json results.json]

For each size it generates a synthetic survey (benchmarks/generate.py), then times,
each in a fresh ``python -m surveybuild`` process:

- cold build: a fresh copy of the sources (no generated files, no cache);
- no-op rebuild: ``build`` again on the built folder;
- check: ``check`` on the built folder with its cache removed (what CI does on a fresh clone);
- the naive pipeline (benchmarks/naive.py): bibtexparser over every entry, PyYAML's
  pure-Python loader, latex_to_text on every cell; its own parse time is reported too.

Medians over ``--runs`` runs; peak memory is the child's maximum resident set size.
surveybuild's modules are byte-compiled first, as an installed package's are.
Wall time is what the targets are about; CPU time (user + system) is shown beside it
because it moves less when other processes share the machine.
No assertion fails here: the table says which targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402  (benchmarks/ is not a package)

CACHE_DIR = ".surveybuild-cache"
#: (rows, entries) -> {step: (max median ms, max peak MiB or None)}; see docs/performance.md.
TARGETS = {
    (200, 1000): {"cold build": (200, None), "no-op rebuild": (50, None)},
    (2000, 10000): {"cold build": (700, 100)},
}


@dataclass
class Step:
    name: str
    wall: list[float] = field(default_factory=list)  # seconds
    peak: list[float] = field(default_factory=list)  # MiB
    parse: list[float] = field(default_factory=list)  # seconds, naive pipeline only
    cpu: list[float] = field(default_factory=list)  # seconds of user + system time

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000

    @property
    def median_ms(self) -> float:
        return statistics.median(self.wall) * 1000

    @property
    def peak_mib(self) -> float:
        return max(self.peak)


def run_once(cmd: list[str]) -> tuple[float, float, float, int, str, str]:
    """Wall seconds, CPU seconds, peak RSS in MiB, exit status, stdout, stderr of one child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, out.read().decode("utf-8", "replace"),
                err.read().decode("utf-8", "replace"))


def surveybuild(folder: Path, command: str) -> list[str]:
    return [sys.executable, "-m", "surveybuild", "-C", str(folder), command]


def timed(step: Step, cmd: list[str]) -> str:
    wall, cpu, peak, status, out, err = run_once(cmd)
    if status:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {status}):\n{err[-2000:]}")
    step.wall.append(wall)
    step.cpu.append(cpu)
    step.peak.append(peak)
    return out


def bench_size(work: Path, rows: int, entries: int, runs: int) -> dict[str, Step]:
    src = work / f"src-{rows}"
    if src.exists():
        shutil.rmtree(src)
    generate(src, rows, entries)
    steps = {name: Step(name) for name in ("cold build", "no-op rebuild", "check", "naive pipeline")}
    built = None
    for i in range(runs):  # interleaved, so a busy moment hits every step alike
        fresh = work / f"cold-{rows}-{i}"
        if fresh.exists():
            shutil.rmtree(fresh)
        shutil.copytree(src, fresh)
        timed(steps["cold build"], surveybuild(fresh, "build"))
        if built is not None:
            shutil.rmtree(built)
        built = fresh
        timed(steps["no-op rebuild"], surveybuild(built, "build"))
        shutil.rmtree(built / CACHE_DIR, ignore_errors=True)
        timed(steps["check"], surveybuild(built, "check"))
        timed(steps["no-op rebuild"], surveybuild(built, "build"))  # re-creates nothing: no cache yet
        out = timed(steps["naive pipeline"], [sys.executable, str(HERE / "naive.py"), str(src)])
        steps["naive pipeline"].parse.append(json.loads(out.strip().splitlines()[-1])["parse_s"])
    # the second no-op of each round ran without a cache: keep only the cached no-ops
    steps["no-op rebuild"].wall = steps["no-op rebuild"].wall[0::2]
    steps["no-op rebuild"].peak = steps["no-op rebuild"].peak[0::2]
    steps["no-op rebuild"].cpu = steps["no-op rebuild"].cpu[0::2]
    if built is not None:
        shutil.rmtree(built)
    shutil.rmtree(src)
    return steps


def report(results: dict[tuple[int, int], dict[str, Step]], runs: int) -> str:
    lines = [f"surveybuild benchmark: medians of {runs} runs, whole process "
             f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs)", ""]
    lines.append(f"| {'rows / entries':<15} | {'step':<15} | {'median ms':>9} | {'min ms':>7} | {'CPU ms':>7} "
                 f"| {'peak MiB':>8} | {'target':<18} | met |")
    lines.append(f"|{'-' * 17}|{'-' * 17}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|{'-' * 9}:|{'-' * 20}|-----|")
    for (rows, entries), steps in results.items():
        targets = TARGETS.get((rows, entries), {})
        cold = steps["cold build"].median_ms
        for name, step in steps.items():
            limit_ms, limit_mib = targets.get(name, (None, None))
            if name == "check":
                limit_ms = cold  # no slower than the cold build
            target, met = "", ""
            if limit_ms is not None:
                target = f"<= {limit_ms:.0f} ms" + (f", {limit_mib} MiB" if limit_mib else "")
                ok = step.median_ms <= limit_ms and (limit_mib is None or step.peak_mib <= limit_mib)
                met = "yes" if ok else "no"
            if name == "no-op rebuild" and limit_ms is None:
                target, met = "< cold / 10", "yes" if step.median_ms < cold / 10 else "no"
            lines.append(f"| {f'{rows} / {entries}':<15} | {name:<15} | {step.median_ms:>9.0f} | "
                         f"{min(step.wall) * 1000:>7.0f} | {step.cpu_ms:>7.0f} | {step.peak_mib:>8.1f} | {target:<18} | {met:<3} |")
    lines += ["", "Ratios (medians):", ""]
    for (rows, entries), steps in results.items():
        cold = steps["cold build"].median_ms
        naive = steps["naive pipeline"]
        parse_ms = statistics.median(naive.parse) * 1000
        lines.append(f"- {rows} rows / {entries} entries: cold build / naive parse time = "
                     f"{cold:.0f} / {parse_ms:.0f} ms = {cold / parse_ms:.2f}; "
                     f"cold / naive whole process = {cold / naive.median_ms:.2f}; "
                     f"no-op / cold = {steps['no-op rebuild'].median_ms / cold:.3f}; "
                     f"check / cold = {steps['check'].median_ms / cold:.2f}")
    return "\n".join(lines)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    return [tuple(int(x) for x in part.split(":")) for part in text.split(",")]  # type: ignore[misc]


def compile_package() -> None:
    """Byte-compile surveybuild's modules, as a regular (non-editable) ``pip install`` does.

    An editable install leaves that to the first run, and with PYTHONDONTWRITEBYTECODE set (as
    on some CI machines) every run would compile them again: about 30 ms that no installed
    tool pays. The libraries are compiled already: pip did it when it installed them.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("surveybuild")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="runs per step (default 5; the median is shown)")
    p.add_argument("--sizes", type=parse_sizes, default=parse_sizes("200:1000,2000:10000"),
                   help="ROWS:ENTRIES,... (default 200:1000,2000:10000)")
    p.add_argument("--json", type=Path, help="also write the raw timings here")
    args = p.parse_args(argv)
    compile_package()
    results = {}
    with tempfile.TemporaryDirectory(prefix="surveybuild-bench-") as tmp:
        for rows, entries in args.sizes:
            print(f"benchmarking {rows} rows / {entries} entries ...", file=sys.stderr, flush=True)
            results[(rows, entries)] = bench_size(Path(tmp), rows, entries, args.runs)
    print(report(results, args.runs))
    if args.json:
        args.json.write_text(json.dumps({f"{r}/{e}": {name: {"wall_s": s.wall, "cpu_s": s.cpu, "peak_mib": s.peak,
                                                             "parse_s": s.parse}
                                                      for name, s in steps.items()}
                                         for (r, e), steps in results.items()}, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
