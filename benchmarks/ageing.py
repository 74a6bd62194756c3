"""Ageing and contact-feature throughput: loans/s and peak memory on a generated portfolio.

    .venv/bin/python benchmarks/ageing.py --accounts 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _portfolio import peak_rss_mb, portfolio, rows

from duecare.ledger.partitions import partition_bounds, read_partition
from duecare.policy.evaluator import Policy, features_and_contacts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-11-28")
    ap.add_argument("--partition-size", type=int, default=200_000, help="borrowers per partition")
    args = ap.parse_args()
    root = portfolio(args.accounts, args.seed, args.as_of)
    as_of = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    strategy = Policy.default().strategy
    bounds = partition_bounds(root, max(1, -(-args.accounts // args.partition_size)))
    read_s = compute_s = 0.0
    loans = 0
    for lo, hi in bounds:
        t0 = time.perf_counter()
        frames = read_partition(root, lo, hi)
        t1 = time.perf_counter()
        features, _ = features_and_contacts(frames, as_of, strategy)
        t2 = time.perf_counter()
        read_s += t1 - t0
        compute_s += t2 - t1
        loans += features.height
    print(f"portfolio      {args.accounts:,} borrowers, {loans:,} loans, {rows(root, 'installments'):,} installments, "
          f"{rows(root, 'payments'):,} payments, {rows(root, 'contacts'):,} contacts")
    print(f"partitions     {len(bounds)}")
    print(f"read           {read_s:8.1f} s")
    print(f"ageing+contact {compute_s:8.1f} s   {loans / compute_s:>12,.0f} loans/s")
    print(f"end to end     {read_s + compute_s:8.1f} s   {loans / (read_s + compute_s):>12,.0f} loans/s")
    print(f"peak memory    {peak_rss_mb():8.0f} MB")


if __name__ == "__main__":
    main()
