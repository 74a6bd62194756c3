"""A tiny portfolio directory written as CSV or Parquet, with rows a test can break one at a time."""

from __future__ import annotations

import csv
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

Rows = dict[str, list[dict[str, Any]]]

BASE: Rows = {
    "borrowers": [
        {"borrower_id": "B1", "name": "王芳", "phones": ["13800138000", "+86 139 0013 9000"],
         "email": "wf@example.com", "address": "上海市浦东新区XX路1号", "city": "上海", "lat": 31.2304,
         "lon": 121.4737, "timezone": "Asia/Shanghai", "language": "zh", "jurisdiction": "cn",
         "risk_band": "high", "vulnerable": False, "dispute_open": False, "hardship_open": False,
         "deceased": False, "bankrupt": False, "represented_by_lawyer": False, "do_not_contact": False},
        {"borrower_id": "B2", "name": "John Smith", "phones": [], "email": None, "address": None, "city": None,
         "lat": None, "lon": None, "timezone": "America/New_York", "language": "en", "jurisdiction": "us",
         "risk_band": None, "vulnerable": True, "dispute_open": False, "hardship_open": False,
         "deceased": False, "bankrupt": False, "represented_by_lawyer": False, "do_not_contact": False},
    ],
    "loans": [
        {"loan_id": "L1", "borrower_id": "B1", "currency": "CNY", "principal": Decimal("12000.00"),
         "disbursed_on": date(2025, 12, 15), "interest_rate": Decimal("18.25"), "apr": Decimal("19.60"),
         "fees": Decimal("120.00"), "late_fee": Decimal("0.00"), "penalty_rate": Decimal("27.38"), "grace_days": 3},
        # L2 has no terms on file (every term column empty): an older feed stays valid
        {"loan_id": "L2", "borrower_id": "B2", "currency": "USD", "principal": Decimal("950.50"),
         "disbursed_on": date(2026, 1, 3), "interest_rate": None, "apr": None, "fees": None, "late_fee": None,
         "penalty_rate": None, "grace_days": None},
    ],
    "installments": [
        {"loan_id": "L1", "seq": 1, "due_date": date(2026, 1, 1), "amount": Decimal("1100.00")},
        {"loan_id": "L1", "seq": 2, "due_date": date(2026, 2, 1), "amount": Decimal("1100.00")},
        {"loan_id": "L2", "seq": 1, "due_date": date(2026, 2, 3), "amount": Decimal("475.25")},
    ],
    "payments": [
        {"payment_id": "P1", "loan_id": "L1", "paid_at": "2026-01-01T12:00:00+08:00", "amount": Decimal("1100.00")},
        {"payment_id": "P2", "loan_id": "L2", "paid_at": "2026-02-03T09:30:00-05:00", "amount": Decimal("100.01")},
    ],
    "contacts": [
        {"contact_id": "C1", "borrower_id": "B1", "loan_id": "L1", "at": "2026-02-05T10:00:00+08:00",
         "channel": "call", "direction": "outbound", "outcome": "no_answer", "agent_id": "A7", "duration_s": 0},
        {"contact_id": "C2", "borrower_id": "B1", "loan_id": None, "at": "2026-02-06T10:00:00+08:00",
         "channel": "sms", "direction": "outbound", "outcome": "delivered", "agent_id": None, "duration_s": None},
    ],
    "notices": [
        {"notice_id": "N1", "borrower_id": "B1", "loan_id": "L1", "kind": "visit_notice",
         "sent_at": "2026-02-10T09:00:00+08:00", "version_hash": "f" * 64},
    ],
    "consents": [
        {"consent_id": "K1", "borrower_id": "B1", "purpose": "home_visit", "decision": "granted",
         "at": "2026-02-11T09:00:00+08:00", "notice_id": "N1", "channel": "portal", "evidence": "点击同意"},
    ],
    "approvals": [
        {"approval_id": "A1", "borrower_id": "B1", "notice_id": "N1", "decision": "approved",
         "at": "2026-02-12T09:00:00+08:00", "by": "S1"},
    ],
    "promises": [
        {"promise_id": "PR1", "borrower_id": "B1", "loan_id": "L1", "promised_date": date(2026, 2, 20),
         "amount": Decimal("500.00"), "status": "open"},
    ],
    "visits": [
        {"visit_id": "V1", "borrower_id": "B1", "loan_id": "L1", "status": "proposed",
         "at": "2026-02-15T10:00:00+08:00"},
    ],
    "alternatives": [
        {"alternative_id": "ALT1", "borrower_id": "B1", "loan_id": "L1", "kind": "video", "state": "verified",
         "chosen_at": "2026-02-16T10:00:00+08:00", "completed_at": "2026-02-18T10:00:00+08:00",
         "evidence_ref": "video_report:R1"},
    ],
    "contact_limits": [
        {"limit_id": "CL1", "borrower_id": "B1", "kind": "third_party_objected", "by": "third_party",
         "channel": "call", "at": "2026-02-19T10:00:00+08:00"},
    ],
}

TIMESTAMPS = {"paid_at", "at", "sent_at", "chosen_at", "completed_at", "lifted_at"}


def rows() -> Rows:
    return deepcopy(BASE)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def write_csv(directory: Path, data: Rows) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in data.items():
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows({k: _csv_value(v) for k, v in r.items()} for r in records)
    return directory


def write_parquet(directory: Path, data: Rows) -> Path:
    """Parquet with the documented types: decimal(18,2), timestamp[us, UTC], date, list[str], bool."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in data.items():
        df = pl.DataFrame(records, infer_schema_length=None)
        casts = []
        for col, dtype in df.schema.items():
            if col in TIMESTAMPS:
                casts.append(pl.col(col).str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC", time_unit="us"))
            elif isinstance(dtype, pl.Decimal):
                casts.append(pl.col(col).cast(pl.Decimal(18, 2)))
            elif col == "phones":
                casts.append(pl.col(col).cast(pl.List(pl.String)))
        df.with_columns(casts).write_parquet(directory / f"{name}.parquet")
    return directory


def as_of_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)
