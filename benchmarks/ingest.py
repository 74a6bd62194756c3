"""Ingest throughput: generate a portfolio, ingest it twice (first load, then the no-op re-run), print rows/s.

    .venv/bin/python benchmarks/ingest.py --accounts 5000 [--database-url URL] [--dir DIR]

Without --database-url a fresh SQLite file in a temporary directory is used. With a PostgreSQL URL the
database should be empty (e.g. the one from scripts/with-services.sh:
`bash scripts/with-services.sh sh -c '.venv/bin/python benchmarks/ingest.py --database-url "$DUECARE_TEST_PG_URL"'`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--dir", type=Path, default=None, help="an existing portfolio directory to ingest")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="duecare-bench-ingest-"))
    os.environ.setdefault("DUECARE_DATA_DIR", str(work / "data"))  # keys for this run only
    from duecare.kit.db import migrate, unit_of_work
    from duecare.ledger.generate import generate
    from duecare.ledger.ingest import ingest_directory

    directory = args.dir
    if directory is None:
        directory = work / "portfolio"
        generate(args.accounts, seed=args.seed, out=directory, as_of=dt.date(2026, 11, 25))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    migrate(url)
    for label in ("first load", "re-run (no changes)"):
        started = time.perf_counter()
        with unit_of_work(url) as session:
            summary = ingest_directory(session, directory)
        seconds = time.perf_counter() - started
        rows = sum(f.read for f in summary.files)
        per_file = {f.name: f.read for f in summary.files}
        print(json.dumps({"run": label, "database": summary.dialect, "rows": rows, "seconds": round(seconds, 2),
                          "rows_per_s": round(rows / seconds), "files": per_file}))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
