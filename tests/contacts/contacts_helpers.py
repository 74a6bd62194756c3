"""Builders for outbox tests: borrowers in a zone where it is mid-day now, decisions from the real evaluator."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import yaml

from duecare.contacts.outbox import enqueue_decisions
from duecare.contacts.recheck import store_frames
from duecare.kit.db import unit_of_work
from duecare.ledger.models import Borrower, Installment, Jurisdiction, Language, Loan
from duecare.ledger.repository import set_phones
from duecare.policy.evaluator import Policy, decide
from duecare.policy.loader import load_strategy

DUECARE = str(Path(sys.executable).parent / "duecare")


def zone_at_local_hour(hour: int, now: datetime | None = None) -> str:
    """An Etc/GMT zone whose local time now is `hour`:xx (tests must not depend on the wall clock)."""
    now = now or datetime.now(UTC)
    offset = (hour - now.hour + 36) % 24 - 12  # within -12..+11
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def local_today(zone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def add_borrower(s, bid: str, zone: str, *, dpd: int = 2, jurisdiction: str = "cn", language: str = "zh",
                 phone: str | None = "+86 138 0013 8000", email: str | None = "borrower@example.com",
                 risk_band: str | None = None, loans: int = 1) -> list[str]:
    """A borrower whose loans are `dpd` days past due today (local), with one phone and one email (the default
    phone carries its country code, so it is valid whatever the borrower's jurisdiction)."""
    b = Borrower(id=bid, name="王芳" if language == "zh" else "Jane Doe", timezone=zone,
                 language=Language(language), jurisdiction=Jurisdiction(jurisdiction), email=email,
                 address="上海市浦东新区XX路1号", risk_band=risk_band)
    b.phones = []
    s.add(b)
    s.flush()
    set_phones(s, b, [phone] if phone else [])
    ids = []
    for i in range(loans):
        lid = f"{bid}-L{i + 1}"
        ln = Loan(id=lid, borrower_id=bid, currency="CNY", disbursed_on=local_today(zone) - timedelta(days=90))
        ln.principal = Decimal(3000)
        s.add(ln)
        inst = Installment(loan_id=lid, seq=1, due_date=local_today(zone) - timedelta(days=dpd))
        inst.amount = Decimal(1000)
        s.add(inst)
        ids.append(lid)
    s.flush()
    return ids


def email_strategy(tmp: Path) -> str:
    """The standard strategy with one line more: low-risk borrowers in early arrears get an email."""
    raw = dict(load_strategy("standard").definition())
    raw["ladder"] = list(raw["ladder"])
    at = next(i for i, line in enumerate(raw["ladder"]) if line["id"] == "S11")
    raw["ladder"].insert(at, {"id": "T11", "when": "dpd BETWEEN 1 AND {sms_max_dpd} AND risk_band = 'low'",
                              "action": "email_notice", "reason": "early_arrears_email"})
    raw["strategy"] = "test-email"
    raw.pop("examples_file", None)
    path = tmp / "test-email.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def decisions_for(url: str, borrower_ids: list[str], policy: Policy, now: datetime | None = None) -> pl.DataFrame:
    """The real evaluator's decisions over the store's current facts (what the nightly batch would write)."""
    now = now or datetime.now(UTC)
    with unit_of_work(url) as s:
        per = [store_frames(s, bid) for bid in borrower_ids]
    frames = {name: pl.concat([f[name] for f in per], how="vertical") for name in per[0]}
    return decide(frames, now, policy)


def enqueue(url: str, decisions: pl.DataFrame, run_id: str = "run-1") -> dict[str, int]:
    with unit_of_work(url) as s:
        return enqueue_decisions(s, decisions, run_id).as_dict()


def worker_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DUECARE_DATABASE_URL"] = url
    env.update(extra)
    return env


def start_worker(url: str, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([DUECARE, "worker", "--no-score", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
