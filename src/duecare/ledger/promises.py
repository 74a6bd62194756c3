"""Each promise to pay of a borrower as the pages show it: kept, broken or open, read from the store.

The status of a promise made here (it has `made_at`) is decided by one rule from the payments and the
borrower-local day (policy/promises.py `settle_frame`) and written back with the money that went to it
(`paid_minor`) and the day it was kept (`kept_on`): whenever a payment or a promise is recorded, and by the
nightly run. The pages read that stored answer, the same one the decisions read (`ptp_pending`).

A promise learnt from the lender's promises file has no `made_at`: its status is the one the lender states
(`source` = `lender`). An open promise whose day has passed is shown `unsettled`: the lender has not said, or
(for one made here) the nightly run has not settled it yet; it is never guessed on a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m

STATUSES = ("kept", "broken", "open", "unsettled", "cancelled")
# session.info: set by a bulk write of payments or promises (ingest) that the ORM's flush does not see; the
# settlement (policy/promises.py) then settles every borrower with a promise made here before the commit.
SETTLE_ALL = "duecare.promises.settle_all"


@dataclass(frozen=True)
class PromiseOutcome:
    promise_id: str
    loan_id: str | None
    promised_date: date
    amount_minor: int | None
    made_at: datetime | None
    status: str  # one of STATUSES
    source: str  # payments (settled here from the ledger's payments) | lender (the status in the lender's file)
    paid_minor: int | None = None  # money that went to it (None: the lender's status, no payments read)
    kept_on: date | None = None  # the local day the money reached its amount

    @property
    def in_plan(self) -> bool:
        return self.promise_id.startswith("PTP-P")


def outcomes(db: Session, borrower_id: str, today: date) -> list[PromiseOutcome]:
    """Every promise of the borrower with its stored outcome, newest promised date first (`today`: the
    borrower's local date, to tell an open promise whose day has passed)."""
    out = []
    for p in db.scalars(select(m.Promise).where(m.Promise.borrower_id == borrower_id)):
        status = p.status.value
        if status == "open" and p.promised_date < today:
            status = "unsettled"
        own = p.made_at is not None
        out.append(PromiseOutcome(p.id, p.loan_id, p.promised_date, p.amount_minor, p.made_at, status,
                                  "payments" if own else "lender", p.paid_minor if own else None,
                                  p.kept_on if own else None))
    return sorted(out, key=lambda o: (o.promised_date, o.promise_id), reverse=True)
