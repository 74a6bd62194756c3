"""Start-up cost of the `duecare` command: CPU seconds of a child process (user + system, resource.getrusage).

    .venv/bin/python benchmarks/startup.py [--repeats 5] [--transcripts 10]

Measures `duecare --help`, `duecare decide --case` on a policy example case and on the worked example of
examples/ (also with an empty validation cache: the first run after a pack changes validates it against its JSON
Schema), and `duecare calls analyze` on one transcript and on a folder of N transcripts (its models load once).
Each figure is the median of the repeats. Targets (issue #12): --help <= 0.3 s, decide --case <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "cases" / "consent-tie-decline.json"
WORKED = ROOT / "examples" / "case-visit-schedule.json"
TRANSCRIPTS = ROOT / "data" / "calls" / "dev"


def child_cpu(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child run of the duecare entry point; a failing run stops the bench."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from duecare.cli import main; main()", *args],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
                          env={**os.environ, "COLUMNS": "120", **(env or {})})
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"duecare {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def measure(label: str, args: list[str], repeats: int, target: float | None = None, *,
            cold_cache: bool = False) -> None:
    """`cold_cache`: each run with its own empty XDG_CACHE_HOME (no pack remembered as validated)."""
    runs = []
    for _ in range(repeats):
        if cold_cache:
            with tempfile.TemporaryDirectory(prefix="duecare-startup-cache-") as cache:
                runs.append(child_cpu(args, {"XDG_CACHE_HOME": cache}))
        else:
            runs.append(child_cpu(args))
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    verdict = "" if target is None else (f"  (target <= {target:g} s: {'ok' if cpu <= target else 'OVER'})")
    print(f"{label:<50} cpu {cpu:6.2f} s   wall {wall:6.2f} s{verdict}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--transcripts", type=int, default=10, help="transcripts in the folder run (0 skips calls)")
    args = ap.parse_args()
    print(f"duecare start-up, median of {args.repeats} runs, CPU = user + system of the child process")
    measure("duecare --help", ["--help"], args.repeats, 0.3)
    measure(f"duecare decide --case {CASE.name}", ["decide", "--case", str(CASE)], args.repeats, 1.0)
    measure(f"duecare decide --case {WORKED.name}", ["decide", "--case", str(WORKED)], args.repeats, 1.0)
    measure("  the same, validation cache empty", ["decide", "--case", str(WORKED)], args.repeats, 1.0,
            cold_cache=True)
    if args.transcripts <= 0:
        return
    files = sorted(p for p in TRANSCRIPTS.glob("*.json") if not p.name.endswith(".expected.json"))
    files = files[:args.transcripts]
    with tempfile.TemporaryDirectory(prefix="duecare-startup-") as tmp:
        for f in files:
            shutil.copy(f, Path(tmp) / f.name)
        repeats = max(1, args.repeats // 2)
        measure("duecare calls analyze (1 transcript)", ["calls", "analyze", "--transcript", str(files[0])],
                repeats)
        measure(f"duecare calls analyze (folder of {len(files)})", ["calls", "analyze", "--transcript", tmp],
                repeats)


if __name__ == "__main__":
    main()
