"""A small portfolio built by hand, in the normalised frames that ageing and risk features read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from duecare.ledger.frames import conform, empty


def portfolio(n_loans: int = 40) -> dict[str, pl.DataFrame]:
    """n_loans monthly loans in Shanghai; loan i pays late by (i mod 5) × 12 days and is called when late."""
    borrowers, loans, installments, payments, contacts = [], [], [], [], []
    start = date(2026, 1, 10)
    for i in range(n_loans):
        lid, bid = f"L{i:03d}", f"B{i:03d}"
        borrowers.append({"borrower_id": bid, "timezone": "Asia/Shanghai", "jurisdiction": "cn", "language": "zh"})
        loans.append({"loan_id": lid, "borrower_id": bid, "currency": "CNY"})
        delay = (i % 5) * 12
        for seq in range(1, 13):
            due = date(2026, seq, 10)
            installments.append({"loan_id": lid, "seq": seq, "due_date": due, "amount": "1000.00"})
            if i % 7 == 6 and seq > 4:  # some loans stop paying in May
                continue
            paid_at = datetime(due.year, due.month, due.day, 4, tzinfo=UTC) + timedelta(days=delay)
            payments.append({"loan_id": lid, "paid_at": paid_at, "amount": "1000.00"})
            if delay:
                for k in (3, 6, 9):
                    contacts.append({"borrower_id": bid, "loan_id": lid, "channel": "call", "direction": "outbound",
                                     "at": datetime(due.year, due.month, due.day, 2, tzinfo=UTC) + timedelta(days=k),
                                     "outcome": "no_answer" if k < 9 else "ptp"})
    del start
    frames = {
        "borrowers": conform("borrowers", pl.DataFrame(borrowers)),
        "loans": conform("loans", pl.DataFrame(loans)),
        "installments": conform("installments", pl.DataFrame(installments)),
        "payments": conform("payments", pl.DataFrame(payments)),
        "contacts": conform("contacts", pl.DataFrame(contacts)),
    }
    for name in ("notices", "consents", "approvals", "promises", "visits"):
        frames[name] = empty(name)
    return frames
