"""What the standing visit gate costs: a fact write (one contact event) committed for a borrower without an
open visit, and for one with an open visit (re-checked before commit through store_frames -> decide).

    PYTHONPATH=src:tests python benchmarks/visit_recheck.py [--writes 30] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("DUECARE_DATA_DIR", tempfile.mkdtemp(prefix="duecare-bench-"))

from duecare.kit.db import migrate, unit_of_work  # noqa: E402
from duecare.ledger.models import ContactEvent  # noqa: E402
from duecare.privacy.permissions import Actor  # noqa: E402
from duecare.visits import service  # noqa: E402
from duecare.visits.transitions import use_clock  # noqa: E402
from visits.factories import AS_OF, assign, eligible_borrower, team  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writes", type=int, default=30)
    ap.add_argument("--url", default=f"sqlite:///{tempfile.mkdtemp(prefix='duecare-bench-')}/bench.db")
    args = ap.parse_args()
    url = args.url
    migrate(url)
    with unit_of_work(url) as s:
        team(s)
        eligible_borrower(s)
        eligible_borrower(s, bid="B2", lid="L2")
        assign(s, "B1", "A1")
    with unit_of_work(url) as s:
        service.propose(service.Ctx(session=s, actor=Actor("staff", "A1", "agent"), at=AS_OF), "L1")

    def per_commit_ms(bid: str, n: int, tag: str) -> float:
        start = time.perf_counter()
        for i in range(n):
            with unit_of_work(url) as s:
                use_clock(s, lambda: AS_OF)
                s.add(ContactEvent(id=f"{bid}-{tag}{i}", borrower_id=bid, loan_id=None, at=AS_OF - timedelta(days=1),
                                   channel="sms", direction="outbound", outcome="undelivered"))
        return (time.perf_counter() - start) / n * 1000

    per_commit_ms("B2", 3, "warm")
    per_commit_ms("B1", 3, "warm")
    print(json.dumps({"writes": args.writes,
                      "ms_per_commit_no_open_visit": round(per_commit_ms("B2", args.writes, "x"), 1),
                      "ms_per_commit_open_visit_rechecked": round(per_commit_ms("B1", args.writes, "x"), 1)}))


if __name__ == "__main__":
    main()
