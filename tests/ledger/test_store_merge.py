"""`ledger.frames.merge_store_records`: the lender's files of a partition plus the store's own records.

The merged frames decide as the store's pages decide (tests/e2e/test_batch_store_parity.py checks it on the demo);
here the merge itself: only the partition's borrowers and loans, a store row equal to a file row counted once,
an open hold sets its flag, stated preferences come in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from duecare.ledger.casefile import load_case
from duecare.ledger.frames import HOLDS_SCHEMA, SCHEMAS, case_to_frames, conform, empty, merge_store_records
from duecare.policy.evaluator import Policy, decide

CASE = Path(__file__).resolve().parents[2] / "examples" / "case-reached-at-night.json"


def _files() -> tuple[dict[str, pl.DataFrame], str, str, datetime]:
    case = load_case(CASE)
    frames = case_to_frames(case)
    return frames, case.borrower.id, case.loans[0].id, case.as_of


def _store(**rows: list[dict[str, object]]) -> dict[str, pl.DataFrame]:
    out = {name: empty(name) for name in SCHEMAS}
    for name, data in rows.items():
        if name == "holds":
            out[name] = pl.DataFrame(data, schema=HOLDS_SCHEMA)
        else:
            out[name] = conform(name, pl.DataFrame(data, schema_overrides={
                k: v for k, v in SCHEMAS[name].items() if not isinstance(v, pl.Datetime)}, strict=False))
    out.setdefault("holds", pl.DataFrame(schema=HOLDS_SCHEMA))
    return out


def test_a_promise_made_here_holds_the_loan_in_the_merged_frames_and_not_in_the_files() -> None:
    files, borrower, loan, as_of = _files()
    before = decide(files, as_of, Policy.default()).row(0, named=True)
    assert before["action"] != "hold"
    promise = {"borrower_id": borrower, "loan_id": loan, "promised_date": date(2099, 1, 1), "amount_minor": 100,
               "status": "open", "made_at": as_of}
    other = {**promise, "borrower_id": "SOMEONE-ELSE", "loan_id": "L-ELSEWHERE"}
    merged = merge_store_records(files, _store(promises=[promise, other]))
    assert merged["promises"].height == files["promises"].height + 1  # the other borrower's stays out
    after = decide(merged, as_of, Policy.default()).row(0, named=True)
    assert (after["action"], after["reasons"]) == ("hold", ["ptp_pending"])
    assert decide(files, as_of, Policy.default()).row(0, named=True)["action"] == before["action"]


def test_a_store_row_equal_to_a_file_row_is_counted_once_and_other_loans_payments_stay_out() -> None:
    files, _borrower, loan, _as_of = _files()
    paid = {"loan_id": loan, "paid_at": datetime(2026, 11, 30, 4, tzinfo=UTC), "amount_minor": 12_345}
    files = {**files, "payments": pl.concat([files["payments"], conform("payments", pl.DataFrame([paid]))])}
    new = {**paid, "amount_minor": 500}
    merged = merge_store_records(files, _store(payments=[paid, new, {**new, "loan_id": "L-ELSEWHERE"}]))
    assert merged["payments"].height == files["payments"].height + 1
    assert merged["payments"].filter(pl.col("amount_minor") == 500).height == 1


def test_an_open_hold_sets_its_flag_and_stated_hours_come_in() -> None:
    files, borrower, _loan, as_of = _files()
    store = _store(holds=[{"borrower_id": borrower, "kind": "dispute_open"},
                          {"borrower_id": "SOMEONE-ELSE", "kind": "deceased"}],
                   preferred_hours=[{"borrower_id": borrower, "weekday": None, "start_s": 18 * 3600,
                                     "end_s": 20 * 3600}])
    merged = merge_store_records(files, store)
    row = merged["borrowers"].row(0, named=True)
    assert row["dispute_open"] and not row["deceased"]
    assert merged["preferred_hours"].height == files["preferred_hours"].height + 1
    assert decide(merged, as_of, Policy.default()).row(0, named=True)["action"] == "hold"
