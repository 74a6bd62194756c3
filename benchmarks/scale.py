"""How `duecare run` scales: wall time, loans/s and peak RSS per portfolio size (and per engine), with scoring.

    .venv/bin/python benchmarks/scale.py --accounts 100000,1000000,3000000,10000000
    .venv/bin/python benchmarks/scale.py --accounts 1000000 --engines polars,spark

Each size is a portfolio made by `duecare generate` (cached under duecare-data/bench) and decided by a real
`duecare run` subprocess, as a lender runs it. With `--score` (the default) an early-warning model (LightGBM) is
trained once on the 100k-account portfolio and registered in the benchmark's own data directory, so every run
scores every loan before the strategy reads it. Peak RSS is the whole process tree's resident memory sampled
every 0.2 s (for Spark: the driver, its JVM and the Python workers), and for the Polars engine also the kernel's
figure for the run process (`ru_maxrss`). Loans/s per size shows whether the cost per loan stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _portfolio import portfolio

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "duecare-data" / "bench"


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "duecare.cli", *args]


def ensure_model(env: dict[str, str], as_of: str) -> None:
    """An early-warning model in the benchmark's registry, trained on the 100k portfolio two months earlier."""
    models = Path(env["DUECARE_DATA_DIR"]) / "models" / "early_warning"
    if models.exists() and any(models.iterdir()):
        return
    train_on = portfolio(100_000, 1, as_of, BENCH)
    print("training the early-warning model (LightGBM) on the 100k portfolio ...", file=sys.stderr)
    subprocess.run(_cli("risk", "train", "--name", "early_warning", "--model", "lightgbm", "--portfolio",
                        str(train_on), "--as-of", "2026-09-30T00:00:00+00:00"), check=True, env=env,
                   stdout=subprocess.DEVNULL)


def run_once(accounts: int, engine: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    root = portfolio(accounts, args.seed, args.as_of, BENCH)
    out = BENCH / "out" / f"{engine}-{accounts}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = _cli("run", "--as-of", args.as_of, "--input", str(root), "--out", str(out), "--no-recheck-visits",
               "--engine", engine)
    cmd += ["--score"] if args.score else ["--no-score"]
    if args.partitions:
        cmd += ["--partitions", str(args.partitions)]
    elif args.memory_limit:
        cmd += ["--memory-limit", args.memory_limit]
    start = time.perf_counter()
    log = BENCH / "out" / f"{engine}-{accounts}.log"  # the run's stderr, kept for a failure's cause
    log.parent.mkdir(parents=True, exist_ok=True)
    errors = open(log, "w")  # noqa: SIM115 - closed after the run below
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors.close()
    if proc.returncode:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise SystemExit(f"duecare run failed ({engine}, {accounts:,} accounts): exit {proc.returncode}; "
                         f"the end of its log ({log}):\n{tail}")
    result = json.loads(stdout.strip().splitlines()[-1])
    loans = int(result["loans"])
    return {"accounts": accounts, "engine": engine, "loans": loans, "partitions": result["partitions"],
            "scored": result["scored"], "wall_s": round(wall, 1), "run_s": result["seconds"],
            "loans_per_s": round(loans / wall), "peak_rss_mb": round(peak[0] / 2**20),
            "ru_maxrss_mb": round(usage.ru_maxrss / 1024), "load_avg_1m": round(os.getloadavg()[0], 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", default="100000,1000000", help="comma-separated portfolio sizes (borrowers)")
    ap.add_argument("--engines", default="polars", help="polars, spark or polars,spark")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-11-28")
    ap.add_argument("--score", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--partitions", type=int, default=0, help="0: duecare run's default (one per 200k borrowers)")
    ap.add_argument("--memory-limit", default=None, help="passed to duecare run (e.g. 4GB)")
    args = ap.parse_args()
    env = {**os.environ, "DUECARE_DATA_DIR": str(BENCH / "data"), "PYTHONPATH": str(ROOT / "src")}
    if args.score:
        ensure_model(env, args.as_of)
    rows = []
    header = (f"{'accounts':>11} {'engine':>7} {'loans':>11} {'parts':>5} {'wall s':>8} {'loans/s':>9} "
              f"{'peak RSS MB':>11} {'maxrss MB':>9} {'load':>5}")
    print(header)
    for engine in args.engines.split(","):
        for accounts in (int(a) for a in args.accounts.split(",")):
            row = run_once(accounts, engine, args, env)
            rows.append(row)
            print(f"{row['accounts']:>11,} {row['engine']:>7} {row['loans']:>11,} {row['partitions']:>5} "
                  f"{row['wall_s']:>8} {row['loans_per_s']:>9,} {row['peak_rss_mb']:>11,} "
                  f"{row['ru_maxrss_mb']:>9,} {row['load_avg_1m']:>5}", flush=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
