"""The one rule that settles a promise made here (policy/promises.py `settle_frame`): kept when the payments on
its loan from the moment it was made cover its amount by the end of its day in the borrower's zone, broken when
that day has passed uncovered, open until then; each payment's money serves the earliest promise once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from duecare.policy.promises import PAYMENT_SCHEMA, PROMISE_SCHEMA, settle_frame

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 on 4 December in Shanghai


def _local(d: date, hour: int, minute: int = 0, zone: ZoneInfo = SH) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=zone).astimezone(UTC)


def _frames(promises: list[tuple], payments: list[tuple]) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (pl.DataFrame(promises, schema=PROMISE_SCHEMA, orient="row"),
            pl.DataFrame(payments, schema=PAYMENT_SCHEMA, orient="row"))


def _settled(promises: list[tuple], payments: list[tuple], at: datetime = AT) -> dict[str, tuple]:
    out = settle_frame(*_frames(promises, payments), at)
    return {pid: (status, paid, kept) for pid, status, paid, kept in out.iter_rows()}


D = date(2026, 12, 4)


def test_the_money_by_the_end_of_the_local_day_keeps_it_and_the_next_morning_is_too_late() -> None:
    made = _local(D - timedelta(days=5), 10)
    promises = [("P-in-time", "B1", "L1", D - timedelta(days=2), 50000, made, "Asia/Shanghai"),
                ("P-late", "B2", "L2", D - timedelta(days=2), 50000, made, "Asia/Shanghai")]
    payments = [("Y1", "B1", "L1", _local(D - timedelta(days=2), 23, 59), 50000),  # 15:59 UTC, same local day
                ("Y2", "B2", "L2", _local(D - timedelta(days=1), 0, 1), 50000)]  # the next local day
    out = _settled(promises, payments)
    assert out["P-in-time"] == ("kept", 50000, D - timedelta(days=2))
    assert out["P-late"] == ("broken", 0, None)


def test_open_until_its_day_has_passed_with_what_was_paid_so_far() -> None:
    made = _local(D - timedelta(days=3), 9)
    promises = [("P-today", "B1", "L1", D, 80000, made, "Asia/Shanghai"),
                ("P-yesterday", "B1", "L1", D - timedelta(days=1), None, made, "Asia/Shanghai")]
    payments = [("Y0", "B1", "L1", made - timedelta(hours=1), 99999),  # before either was made: counts for none
                ("Y1", "B1", "L1", _local(D - timedelta(days=2), 9), 30000),  # keeps P-yesterday (no amount)
                ("Y2", "B1", "L1", _local(D, 8), 20000),  # towards P-today
                ("Y3", "B1", "L1", AT + timedelta(minutes=5), 99999)]  # after `at`: has not happened yet
    out = _settled(promises, payments)
    assert out["P-yesterday"] == ("kept", 30000, D - timedelta(days=2))
    assert out["P-today"] == ("open", 20000, None)


def test_a_promise_naming_a_loan_counts_only_that_loan_and_one_naming_none_counts_any() -> None:
    made = _local(D - timedelta(days=4), 9)
    promises = [("P-L1", "B1", "L1", D - timedelta(days=1), 10000, made, "Asia/Shanghai"),
                ("P-any", "B1", None, D + timedelta(days=1), 10000, made, "Asia/Shanghai")]
    payments = [("Y1", "B1", "L2", _local(D - timedelta(days=2), 9), 10000)]
    out = _settled(promises, payments)
    assert out["P-L1"] == ("broken", 0, None)
    assert out["P-any"] == ("kept", 10000, D - timedelta(days=2))


def test_a_lenders_promise_is_not_settled_here() -> None:
    promises = [("LENDER-1", "B1", "L1", D - timedelta(days=9), 10000, None, "Asia/Shanghai")]
    assert settle_frame(*_frames(promises, []), AT).is_empty()


# --- the vectorised rule against a plain reading of it, on random borrowers -------------------------------------

@dataclass
class _Money:
    pid: str
    loan: str
    at: datetime
    left: int


def _reference(promises: list[tuple], payments: list[tuple], at: datetime) -> dict[str, tuple]:
    """The rule read literally, one borrower at a time (what ledger/promises.py did row by row before)."""
    out: dict[str, tuple] = {}
    for bid in {p[1] for p in promises}:
        mine = sorted((p for p in promises if p[1] == bid), key=lambda p: (p[3], p[5], p[0]))
        zone = ZoneInfo(mine[0][6])
        money = [_Money(y[0], y[2], y[3], y[4]) for y in sorted(payments, key=lambda y: (y[3], y[0]))
                 if y[1] == bid and y[3] <= at]
        today = at.astimezone(zone).date()
        for pid, _b, loan, due, want, made, _z in mine:
            paid, kept_on = 0, None
            for y in money:
                if y.left <= 0 or y.at < made or y.at.astimezone(zone).date() > due:
                    continue
                if loan is not None and y.loan != loan:
                    continue
                take = y.left if want is None else min(y.left, want - paid)
                y.left -= take
                paid += take
                if want is None or paid >= want:
                    kept_on = y.at.astimezone(zone).date()
                    break
            status = "kept" if kept_on else ("broken" if due < today else "open")
            out[pid] = (status, paid, kept_on)
    return out


ZONES = ("Asia/Shanghai", "America/New_York", "UTC")
START = datetime(2026, 11, 1, tzinfo=UTC)


@st.composite
def _portfolio(draw: st.DrawFn) -> tuple[list[tuple], list[tuple]]:
    promises, payments = [], []
    for b in range(draw(st.integers(1, 4))):
        bid, zone = f"B{b}", draw(st.sampled_from(ZONES))
        loans = [f"L{b}-{k}" for k in range(draw(st.integers(1, 2)))]
        for k in range(draw(st.integers(1, 4))):
            made = START + timedelta(hours=draw(st.integers(0, 24 * 30)))
            due = made.astimezone(ZoneInfo(zone)).date() + timedelta(days=draw(st.integers(0, 10)))
            promises.append((f"P{b}-{k}", bid, draw(st.sampled_from([None, *loans])), due,
                             draw(st.one_of(st.none(), st.integers(1, 5000))), made, zone))
        for k in range(draw(st.integers(0, 6))):
            payments.append((f"Y{b}-{k}", bid, draw(st.sampled_from(loans)),
                             START + timedelta(hours=draw(st.integers(0, 24 * 45))), draw(st.integers(1, 4000))))
    return promises, payments


@settings(max_examples=150, deadline=None)
@given(_portfolio(), st.integers(0, 24 * 45))
def test_the_vectorised_rule_agrees_with_the_rule_read_one_promise_at_a_time(
    portfolio: tuple[list[tuple], list[tuple]], hours: int
) -> None:
    promises, payments = portfolio
    at = START + timedelta(hours=hours)
    assert _settled(promises, payments, at) == _reference(promises, payments, at)
