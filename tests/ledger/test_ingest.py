"""`duecare ingest`: every row checked, nothing half-written, and a second run adds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select, text

from duecare.kit.db import get_engine, unit_of_work
from duecare.kit.errors import UserError
from duecare.ledger import repository
from duecare.ledger.ingest import TABLES, Summary, ingest_directory
from duecare.ledger.models import Borrower, Consent, ContactEvent, Loan, Payment

from .portfolio import rows, write_csv, write_parquet


def run(url: str, directory: Path) -> Summary:
    with unit_of_work(url) as session:
        return ingest_directory(session, directory)


def counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(t)).scalar_one() for name, t in TABLES.items()}


def by_name(summary: Summary) -> dict[str, dict[str, int]]:
    return {f.name: {"read": f.read, "inserted": f.inserted, "updated": f.updated, "unchanged": f.unchanged}
            for f in summary.files}


EXPECTED = {"borrowers": 2, "loans": 2, "installments": 3, "payments": 2, "contacts": 2, "notices": 1,
            "consents": 1, "approvals": 1, "promises": 1, "visits": 1, "alternatives": 1,
            "contact_limits": 1}


class TestIngestLoadsEveryFile:
    @pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
    def test_every_row_lands_in_the_store(self, db_url: str, tmp_path: Path, writer: object) -> None:
        summary = run(db_url, writer(tmp_path / "in", rows()))  # type: ignore[operator]
        assert counts(db_url) == EXPECTED
        assert {k: v["inserted"] for k, v in by_name(summary).items()} == EXPECTED

    @pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
    def test_a_reply_answering_a_notice_keeps_its_notice(self, db_url: str, tmp_path: Path, writer: object) -> None:
        data = rows()
        for c in data["contacts"]:
            c["answers_notice"] = None
        data["contacts"].append({"contact_id": "C3", "borrower_id": "B1", "loan_id": None, "agent_id": None,
                                 "at": "2026-02-11T09:00:00+08:00", "channel": "sms", "direction": "inbound",
                                 "outcome": "rpc", "duration_s": None, "answers_notice": "N1"})
        run(db_url, writer(tmp_path / "in", data))  # type: ignore[operator]
        with unit_of_work(db_url) as s:
            got = dict(s.execute(select(ContactEvent.id, ContactEvent.answers_notice_id)).tuples().all())
        assert got == {"C1": None, "C2": None, "C3": "N1"}

    @pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
    def test_values_survive_exactly(self, db_url: str, tmp_path: Path, writer: object) -> None:
        run(db_url, writer(tmp_path / "in", rows()))  # type: ignore[operator]
        with unit_of_work(db_url) as s:
            b1 = s.get(Borrower, "B1")
            b2 = s.get(Borrower, "B2")
            p1 = s.get(Payment, "P1")
            k1 = s.get(Consent, "K1")
            assert b1 is not None and b2 is not None and p1 is not None and k1 is not None
            assert (b1.name, b1.phones, b1.geo, b1.timezone) == (
                "王芳", ["+8613800138000", "+8613900139000"], (31.2304, 121.4737), "Asia/Shanghai")
            assert (b2.phones, b2.email, b2.geo, b2.risk_band, b2.vulnerable) == ([], None, None, None, True)
            assert p1.paid_at == datetime(2026, 1, 1, 4, tzinfo=UTC)
            assert p1.amount == Decimal("1100.00")
            assert k1.notice_version_hash == "f" * 64 and k1.evidence == "点击同意"
            assert [b.id for b in repository.borrowers_by_phone(s, "+86 13900139000")] == ["B1"]
            assert [b.id for b in repository.borrowers_by_phone(s, "0086 138 0013 8000")] == ["B1"]

    @pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
    def test_loan_terms_are_stored_in_basis_points_and_minor_units_and_absent_terms_stay_unknown(
            self, db_url: str, tmp_path: Path, writer: object) -> None:
        run(db_url, writer(tmp_path / "in", rows()))  # type: ignore[operator]
        with unit_of_work(db_url) as s:
            l1, l2 = s.get(Loan, "L1"), s.get(Loan, "L2")
            assert l1 is not None and l2 is not None
            assert (l1.interest_rate_bp, l1.apr_bp, l1.fees_minor, l1.late_fee_minor, l1.penalty_rate_bp,
                    l1.grace_days) == (1825, 1960, 12000, 0, 2738, 3)
            assert (l2.interest_rate_bp, l2.apr_bp, l2.fees_minor, l2.late_fee_minor, l2.penalty_rate_bp,
                    l2.grace_days) == (None,) * 6

    def test_a_file_without_the_term_columns_is_still_accepted(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        data["loans"] = [{k: v for k, v in loan.items() if k in ("loan_id", "borrower_id", "currency", "principal",
                                                                   "disbursed_on")} for loan in data["loans"]]
        run(sqlite_url, write_csv(tmp_path / "in", data))
        with unit_of_work(sqlite_url) as s:
            l1 = s.get(Loan, "L1")
            assert l1 is not None and l1.apr_bp is None and l1.principal == Decimal("12000.00")

    def test_csv_and_parquet_give_the_same_store(self, new_database: object, tmp_path: Path) -> None:
        a, b = new_database("sqlite"), new_database("sqlite")  # type: ignore[operator]
        run(a, write_csv(tmp_path / "csv", rows()))
        run(b, write_parquet(tmp_path / "pq", rows()))
        query = "SELECT id, ingest_digest FROM payments UNION ALL SELECT loan_id, ingest_digest FROM installments"
        with get_engine(a).connect() as ca, get_engine(b).connect() as cb:
            assert sorted(ca.execute(text(query)).all()) == sorted(cb.execute(text(query)).all())


class TestIngestIsIdempotent:
    def test_running_twice_adds_nothing_twice(self, db_url: str, tmp_path: Path) -> None:
        directory = write_csv(tmp_path / "in", rows())
        run(db_url, directory)
        before = counts(db_url)
        second = by_name(run(db_url, directory))
        assert counts(db_url) == before == EXPECTED
        assert all(v["inserted"] == 0 and v["updated"] == 0 for v in second.values())
        assert {k: v["unchanged"] for k, v in second.items()} == EXPECTED

    def test_a_changed_row_is_updated_in_place(self, db_url: str, tmp_path: Path) -> None:
        run(db_url, write_csv(tmp_path / "a", rows()))
        data = rows()
        data["payments"][1]["amount"] = Decimal("200.00")
        data["borrowers"][0]["phones"] = ["13700137000"]
        summary = by_name(run(db_url, write_csv(tmp_path / "b", data)))
        assert summary["payments"] == {"read": 2, "inserted": 0, "updated": 1, "unchanged": 1}
        assert summary["borrowers"]["updated"] == 1
        with unit_of_work(db_url) as s:
            p2 = s.get(Payment, "P2")
            assert p2 is not None and p2.amount == Decimal("200.00")
            assert repository.borrowers_by_phone(s, "13800138000") == []
            assert [b.id for b in repository.borrowers_by_phone(s, "13700137000")] == ["B1"]
        assert counts(db_url) == EXPECTED

    def test_a_delta_drop_of_new_payments_only_lands_beside_the_store(self, db_url: str, tmp_path: Path) -> None:
        run(db_url, write_csv(tmp_path / "a", rows()))
        delta = {"payments": [{"payment_id": "P3", "loan_id": "L1", "paid_at": "2026-02-01T12:00:00+08:00",
                               "amount": Decimal("1100.00")}]}
        summary = by_name(run(db_url, write_csv(tmp_path / "b", delta)))
        assert summary == {"payments": {"read": 1, "inserted": 1, "updated": 0, "unchanged": 0}}
        assert counts(db_url) == {**EXPECTED, "payments": 3}
        with unit_of_work(db_url) as s:
            p3 = s.get(Payment, "P3")
            assert p3 is not None and p3.paid_at == datetime(2026, 2, 1, 4, tzinfo=UTC) and p3.source == "ledger"

    @pytest.mark.parametrize("ratio", [0, 10**9], ids=["index-lookups", "hash-join"])
    def test_a_delta_is_classified_alike_by_index_lookups_and_by_a_join(self, db_url: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       ratio: int) -> None:
        """On PostgreSQL a delta much smaller than its table looks each key up in the primary key index
        (bulk.PROBE_RATIO); ratio 0 takes that path for every table, 10**9 never: the same rows either way."""
        run(db_url, write_csv(tmp_path / "a", rows()))
        if db_url.startswith("postgresql"):  # the first load left planner statistics behind it
            with get_engine(db_url).connect() as conn:
                assert conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'payments'")).scalar() == 2
        monkeypatch.setattr("duecare.ledger.bulk.PROBE_RATIO", ratio)
        data = rows()
        payments = data["payments"]
        payments[1]["amount"] = Decimal("200.00")
        payments.append({**payments[0], "payment_id": "P3", "amount": Decimal("1100.00")})
        summary = by_name(run(db_url, write_csv(tmp_path / "b", {"payments": payments})))
        assert summary == {"payments": {"read": 3, "inserted": 1, "updated": 1, "unchanged": 1}}
        with unit_of_work(db_url) as s:
            assert {p.id: p.amount for p in s.scalars(select(Payment))} == {
                "P1": payments[0]["amount"], "P2": Decimal("200.00"), "P3": Decimal("1100.00")}

    def test_rows_missing_from_a_later_run_are_kept(self, db_url: str, tmp_path: Path) -> None:
        run(db_url, write_csv(tmp_path / "a", rows()))
        data = rows()
        data["payments"] = data["payments"][:1]
        run(db_url, write_csv(tmp_path / "b", data))
        assert counts(db_url)["payments"] == 2

    def test_a_changed_consent_is_refused_because_consents_are_append_only(
            self, db_url: str, tmp_path: Path) -> None:
        run(db_url, write_csv(tmp_path / "a", rows()))
        data = rows()
        data["consents"][0]["decision"] = "withdrawn"
        data["payments"][0]["amount"] = Decimal("1.00")
        with pytest.raises(UserError, match=r"consents.csv row 1: consent_id: consent 'K1' is already recorded"):
            run(db_url, write_csv(tmp_path / "b", data))
        with unit_of_work(db_url) as s:
            k1, p1 = s.get(Consent, "K1"), s.get(Payment, "P1")
            assert k1 is not None and k1.decision == "granted"
            assert p1 is not None and p1.amount == Decimal("1100.00")  # the whole run rolled back


class TestABadRowRejectsTheRun:
    def _reject(self, url: str, directory: Path) -> str:
        with pytest.raises(UserError) as info:
            run(url, directory)
        assert counts(url) == dict.fromkeys(EXPECTED, 0), "a rejected run must leave nothing written"
        return str(info.value)

    def test_a_negative_or_absurd_rate_is_named(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        data["loans"][0]["apr"] = Decimal("-1.00")
        data["loans"][1]["interest_rate"] = Decimal("1500.00")
        message = self._reject(sqlite_url, write_csv(tmp_path / "in", data))
        assert "loans.csv row 1: apr: must be >= 0" in message
        assert "loans.csv row 2: interest_rate: must be <= 1000" in message

    def test_a_zero_payment_names_file_row_column_and_reason(self, db_url: str, tmp_path: Path) -> None:
        data = rows()
        data["payments"][1]["amount"] = Decimal(0)
        message = self._reject(db_url, write_csv(tmp_path / "in", data))
        assert "payments.csv row 2: amount: must be > 0" in message
        assert "nothing was written" in message

    def test_every_bad_row_of_a_file_is_listed(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        data["contacts"][0]["channel"] = "fax"
        data["contacts"][1]["at"] = "2026-02-06T10:00:00"
        data["contacts"][1]["duration_s"] = -5
        data["borrowers"][1]["timezone"] = "Mars/Olympus"
        data["borrowers"][1]["language"] = ""
        data["installments"][1]["seq"] = 1
        data["loans"][1]["principal"] = "12.345"
        message = self._reject(sqlite_url, write_csv(tmp_path / "in", data))
        for expected in (
            "contacts.csv row 1: channel: 'fax' is not one of call, sms, email, letter, visit",
            "contacts.csv row 2: at: has no UTC offset",
            "contacts.csv row 2: duration_s: must be >= 0",
            "borrowers.csv row 2: timezone: 'Mars/Olympus' is not an IANA timezone",
            "borrowers.csv row 2: language: is required",
            "installments.csv row 2: (loan_id, seq): duplicate",
            "loans.csv row 2: principal: must be a decimal amount with at most 2 decimals",
        ):
            assert expected in message

    def test_an_unknown_borrower_is_named(self, db_url: str, tmp_path: Path) -> None:
        data = rows()
        data["contacts"][1]["borrower_id"] = "B404"
        data["contacts"][1]["loan_id"] = "L404"
        message = self._reject(db_url, write_csv(tmp_path / "in", data))
        assert "contacts.csv row 2: borrower_id: 'B404' is not a known borrower" in message
        assert "contacts.csv row 2: loan_id: 'L404' is not a known loan" in message

    def test_a_loan_of_another_borrower_is_refused(self, db_url: str, tmp_path: Path) -> None:
        data = rows()
        data["contacts"][0]["loan_id"] = "L2"  # L2 belongs to B2; the contact is B1's
        message = self._reject(db_url, write_csv(tmp_path / "in", data))
        assert "contacts.csv row 1: loan_id: names a loan of another borrower" in message

    def test_a_stored_notice_of_another_borrower_is_refused(self, sqlite_url: str, tmp_path: Path) -> None:
        run(sqlite_url, write_csv(tmp_path / "a", rows()))
        later = {k: v for k, v in rows().items() if k in ("borrowers", "loans", "installments", "consents")}
        later["consents"][0].update(consent_id="K2", borrower_id="B2")  # N1 (in the store) is B1's notice
        with pytest.raises(UserError, match="consents.csv row 1: notice_id: names a notice of another borrower"):
            run(sqlite_url, write_csv(tmp_path / "b", later))

    def test_a_reference_to_a_row_already_in_the_store_is_accepted(self, db_url: str, tmp_path: Path) -> None:
        run(db_url, write_csv(tmp_path / "a", rows()))
        later = {k: v for k, v in rows().items() if k in ("borrowers", "loans", "installments")}
        later["borrowers"] = later["borrowers"][:1]
        later["loans"] = later["loans"][:1]
        later["installments"] = [{"loan_id": "L2", "seq": 2, "due_date": "2026-03-03", "amount": "475.25"}]
        summary = by_name(run(db_url, write_csv(tmp_path / "b", later)))
        assert summary["installments"]["inserted"] == 1

    def test_a_missing_column_rejects_the_file(self, db_url: str, tmp_path: Path) -> None:
        data = rows()
        for r in data["payments"]:
            del r["amount"]
        message = self._reject(db_url, write_csv(tmp_path / "in", data))
        assert "payments.csv: missing column(s) amount" in message

    def test_float_money_in_parquet_is_refused(self, db_url: str, tmp_path: Path) -> None:
        directory = write_parquet(tmp_path / "in", rows())
        pl.read_parquet(directory / "payments.parquet").with_columns(pl.col("amount").cast(pl.Float64)) \
            .write_parquet(directory / "payments.parquet")
        message = self._reject(db_url, directory)
        assert "payments.parquet: amount: must be decimal(18,2)" in message

    def test_personal_values_are_not_echoed_in_errors(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        data["borrowers"][0]["phones"] = ["call me maybe 13800138000"]
        data["borrowers"][0]["email"] = "王芳 at home"
        message = self._reject(sqlite_url, write_csv(tmp_path / "in", data))
        assert "borrowers.csv row 1: phones: each phone must be" in message
        assert "borrowers.csv row 1: email: must look like name@example.com" in message
        assert "13800138000" not in message and "王芳" not in message

    def test_an_invalid_phone_for_the_jurisdiction_names_file_row_and_reason(self, db_url: str,
                                                                             tmp_path: Path) -> None:
        data = rows()
        data["borrowers"][0]["phones"] = ["13800138000", "1380013800"]  # one digit short
        message = self._reject(db_url, write_csv(tmp_path / "in", data))
        assert "borrowers.csv row 1: phones: phone 2 is not a valid number for jurisdiction cn (CN)" in message
        assert "1380013800" not in message

    def test_a_missing_required_file_is_named(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        del data["installments"]
        with pytest.raises(UserError, match=r"missing installments.parquet \(or installments.csv\)"):
            run(sqlite_url, write_csv(tmp_path / "in", data))


class TestCommand:
    def _main(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              *args: str) -> tuple[int, str, str]:
        """The real entry point, in process (a subprocess would re-import every domain: seconds each)."""
        from duecare.cli import main

        monkeypatch.setattr(sys, "argv", ["duecare", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    def test_prints_a_json_summary_and_is_idempotent(self, db_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        directory = write_parquet(tmp_path / "in", rows())
        code, _out, err = self._main(capsys, monkeypatch, "ingest", str(directory), "--database-url", db_url)
        assert code == 0, err
        code, out, err = self._main(capsys, monkeypatch, "ingest", str(directory), "--database-url", db_url)
        assert code == 0, err
        files = {f["name"]: f for f in json.loads(out)["files"]}
        assert files["installments"] == {"name": "installments", "file": "installments.parquet", "read": 3,
                                         "inserted": 0, "updated": 0, "unchanged": 3}
        assert counts(db_url) == EXPECTED

    def test_migrates_an_empty_database_first(self, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        code, _out, err = self._main(capsys, monkeypatch, "ingest", str(write_csv(tmp_path / "in", rows())),
                                     "--database-url", url)
        assert code == 0, err
        assert counts(url) == EXPECTED

    def test_a_bad_row_exits_2_with_the_reason_on_stderr(self, sqlite_url: str, tmp_path: Path) -> None:
        data = rows()
        data["payments"][0]["amount"] = Decimal(-3)
        result = subprocess.run([sys.executable, "-c", "from duecare.cli import main; main()", "ingest",
                                 str(write_csv(tmp_path / "in", data)), "--database-url", sqlite_url],
                                check=False, capture_output=True, text=True, timeout=300)
        assert result.returncode == 2
        assert "payments.csv row 1: amount: must be > 0" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


class TestGeneratedPortfolio:
    def test_a_generated_portfolio_ingests_cleanly_and_only_once(self, db_url: str, tmp_path: Path) -> None:
        from duecare.ledger.generate import generate

        generate(40, seed=7, out=tmp_path / "gen", jurisdiction="mixed", as_of=date(2026, 11, 25))
        first = run(db_url, tmp_path / "gen")
        read = {f.name: f.read for f in first.files}
        assert all(f.inserted == f.read for f in first.files)
        assert counts(db_url) == {name: read.get(name, 0) for name in TABLES}
        second = run(db_url, tmp_path / "gen")
        assert all(f.unchanged == f.read and f.inserted == f.updated == 0 for f in second.files)
        assert counts(db_url) == {name: read.get(name, 0) for name in TABLES}


class TestAKilledIngestLeavesNothingHalfWritten:
    def _writing(self, url: str) -> bool:
        """The killed process has begun writing rows (its transaction is open and not yet committed)."""
        if url.startswith("sqlite"):
            wal = Path(url.removeprefix("sqlite:///") + "-wal")
            return wal.exists() and wal.stat().st_size > 1_000_000
        with get_engine(url).connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %' "
                                          "AND pid <> pg_backend_pid()")).scalar_one())

    def test_sigkill_mid_write_leaves_an_empty_store_and_a_rerun_loads_it_whole(self, db_url: str,
                                                                                tmp_path: Path) -> None:
        import signal
        import time

        from duecare.ledger.generate import generate

        generate(3000, seed=3, out=tmp_path / "gen", as_of=date(2026, 11, 25))
        proc = subprocess.Popen([sys.executable, "-c", "from duecare.cli import main; main()", "ingest",
                                 str(tmp_path / "gen"), "--database-url", db_url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 240
            while not self._writing(db_url) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proc.poll() is None, "the ingest ended before it could be killed mid-write"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert counts(db_url) == dict.fromkeys(TABLES, 0), "a killed drop must leave nothing written"
        summary = run(db_url, tmp_path / "gen")
        assert counts(db_url) == {name: next((f.read for f in summary.files if f.name == name), 0)
                                  for name in TABLES}



def _bad_rows() -> dict[str, list[dict[str, object]]]:
    data = rows()
    data["contacts"][0]["channel"] = "fax"
    data["contacts"][1]["at"] = "2026-02-06T10:00:00"
    data["borrowers"][1]["timezone"] = "Mars/Olympus"
    data["installments"][2].update(loan_id="L1", seq=1)  # repeats row 1's key: in a later batch
    data["loans"][1]["principal"] = "12.345"
    return data


def _bad_references() -> dict[str, list[dict[str, object]]]:
    data = rows()
    data["contacts"][1]["borrower_id"] = "B404"
    data["contacts"][0]["loan_id"] = "L2"  # L2 belongs to B2; the contact is B1's
    data["payments"][1]["loan_id"] = "L404"
    return data


class TestABatchedIngestIsTheWholeFileIngest:
    """Files are read, checked and written BATCH rows at a time; one row a batch must change nothing."""

    def test_the_same_store_and_an_idempotent_rerun(self, db_url: str, new_database: object, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        whole = new_database("sqlite")  # type: ignore[operator]
        run(whole, write_csv(tmp_path / "in", rows()))
        monkeypatch.setattr("duecare.ledger.ingest.BATCH", 1)
        summary = by_name(run(db_url, write_csv(tmp_path / "in", rows())))
        assert counts(db_url) == EXPECTED
        assert {k: (v["read"], v["inserted"]) for k, v in summary.items()} == {k: (n, n) for k, n in EXPECTED.items()}
        query = "SELECT id, ingest_digest FROM payments UNION ALL SELECT loan_id, ingest_digest FROM installments"
        with get_engine(whole).connect() as a, get_engine(db_url).connect() as b:
            assert sorted(a.execute(text(query)).all()) == sorted(b.execute(text(query)).all())
        second = by_name(run(db_url, write_csv(tmp_path / "in", rows())))
        assert {k: v["unchanged"] for k, v in second.items()} == EXPECTED

    @pytest.mark.parametrize("data", [_bad_rows, _bad_references], ids=["values", "references"])
    def test_a_refusal_names_the_same_rows_as_a_whole_file_check(self, sqlite_url: str, new_database: object,
                                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 data: object) -> None:
        directory = write_csv(tmp_path / "in", data())  # type: ignore[operator]
        with pytest.raises(UserError) as whole:
            run(new_database("sqlite"), directory)  # type: ignore[operator]
        monkeypatch.setattr("duecare.ledger.ingest.BATCH", 1)
        with pytest.raises(UserError) as batched:
            run(sqlite_url, directory)
        assert str(batched.value) == str(whole.value)
        assert counts(sqlite_url) == dict.fromkeys(EXPECTED, 0), "a refused drop must leave nothing written"
        if data is _bad_rows:
            assert "installments.csv row 3: (loan_id, seq): duplicate" in str(batched.value)
        else:
            assert "payments.csv row 2: loan_id: 'L404' is not a known loan" in str(batched.value)

    def test_a_hash_match_that_is_no_repeat_is_not_called_a_duplicate(self, tmp_path: Path) -> None:
        from duecare.ledger.ingest import _SPEC, _SeenKeys

        directory = write_csv(tmp_path / "in", rows())
        seen = _SeenKeys(_SPEC["installments"], directory / "installments.csv")
        first = pl.DataFrame({"loan_id": ["L1"], "seq": [1]})
        assert not seen.earlier(first).any()
        later = pl.DataFrame({"loan_id": ["L1", "L2"], "seq": [1, 1]})
        # As if both keys had matched a hash of the first row: only the true repeat is confirmed.
        assert seen._confirm(later, pl.Series([True, True])).to_list() == [True, False]


@pytest.mark.postgres
class TestAFirstLoadOnPostgresqlKeepsTheSchema:
    """A first load drops the foreign keys and secondary indexes for its COPY and makes them again."""

    def _schema(self, url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        with get_engine(url).connect() as conn:
            keys = conn.execute(text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                     "WHERE connamespace = current_schema()::regnamespace ORDER BY 1")).all()
            indexes = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                        "WHERE schemaname = current_schema() ORDER BY 1")).all()
        return [tuple(r) for r in keys], [tuple(r) for r in indexes]  # type: ignore[misc]

    def test_every_key_and_index_is_back_and_enforced_after_the_load(self, new_database: object,
                                                                     tmp_path: Path) -> None:
        url = new_database("postgresql")  # type: ignore[operator]
        before = self._schema(url)
        assert any(name.startswith("fk_payments") for name, _ in before[0])
        run(url, write_parquet(tmp_path / "in", rows()))
        assert self._schema(url) == before
        assert counts(url) == EXPECTED
        with pytest.raises(Exception, match="foreign key"), unit_of_work(url) as session:
            session.execute(text("INSERT INTO payments (id, loan_id, paid_at, amount_minor, source) "
                                 "VALUES ('PX', 'no-such-loan', now(), 100, 'ingest')"))

    def test_a_drop_refused_after_writing_began_leaves_no_rows_and_the_same_schema(
            self, new_database: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        url = new_database("postgresql")  # type: ignore[operator]
        before = self._schema(url)
        monkeypatch.setattr("duecare.ledger.ingest.BATCH", 1)
        data = rows()
        data["promises"][0]["status"] = "maybe"  # a late file: borrowers .. contacts are written by then
        with pytest.raises(UserError, match="promises.csv row 1: status: 'maybe' is not one of"):
            run(url, write_csv(tmp_path / "in", data))
        assert counts(url) == dict.fromkeys(EXPECTED, 0)
        assert self._schema(url) == before
