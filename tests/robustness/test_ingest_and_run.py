"""Ingest refuses a bad row naming file, row and reason; the nightly run sets such a row aside and goes on."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from tests.ledger.portfolio import rows, write_csv, write_parquet

from .helpers import run_main

AS_OF = "2026-03-01T02:00:00+00:00"


def _ingest(monkeypatch: pytest.MonkeyPatch, url: str, directory: Path) -> int:
    return run_main(monkeypatch, "ingest", str(directory), "--database-url", url)


def _run(monkeypatch: pytest.MonkeyPatch, directory: Path, out: Path) -> int:
    return run_main(monkeypatch, "run", "--as-of", AS_OF, "--input", str(directory), "--out", str(out), "--no-score")


BAD_ROWS = {
    "zone_factory": ("borrowers", 1, "timezone", "Factory"),
    "zone_localtime": ("borrowers", 1, "timezone", "localtime"),
    "amount_too_large": ("installments", 2, "amount", "99999999999999999"),
    "due_date_year_1": ("installments", 2, "due_date", "0001-01-01"),
    "paid_at_year_9999": ("payments", 1, "paid_at", "9999-12-31T23:00:00-23:00"),
    "seq_huge": ("installments", 2, "seq", "1000000000000000000000000000000"),
    "id_a_path": ("contacts", 1, "loan_id", "../L1"),
}


@pytest.mark.parametrize("name", sorted(BAD_ROWS))
def test_ingest_refuses_one_bad_row_naming_file_row_and_column(name: str, tmp_path: Path, sqlite_url: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    file, index, column, value = BAD_ROWS[name]
    data = rows()
    data[file][index - 1][column] = value
    directory = write_csv(tmp_path / "in", data)
    assert _ingest(monkeypatch, sqlite_url, directory) == 2
    err = capsys.readouterr().err
    assert f"{file}.csv row {index}: {column}:" in err and "nothing was written" in err


class TestTheNightlyRun:
    def test_one_bad_row_sets_its_borrower_aside_and_the_night_goes_on(self, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
        data = rows()
        data["borrowers"][1]["timezone"] = "Factory"  # B2, who holds L2
        out = tmp_path / "out"
        assert _run(monkeypatch, write_csv(tmp_path / "in", data), out) == 0
        captured = capsys.readouterr()
        summary = json.loads(captured.out.strip().splitlines()[-1])
        assert summary["loans"] == 1 and summary["rejected_rows"] == 1 and summary["rejected_borrowers"] == 1
        assert pl.read_parquet(out / "decisions.parquet")["loan_id"].to_list() == ["L1"]
        rejected = pl.read_parquet(out / "rejected.parquet").to_dicts()
        assert rejected == [{"file": "borrowers.csv", "row": 2, "borrower_id": "B2",
                             "reason": "timezone: is not an IANA timezone of a real place (e.g. Asia/Shanghai)"}]
        assert "borrowers.csv row 2: timezone" in captured.err

    def test_a_bad_installment_sets_aside_the_borrower_of_its_loan(self, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        data = rows()
        data["installments"][2]["amount"] = "99999999999999999"  # L2 of B2
        out = tmp_path / "out"
        assert _run(monkeypatch, write_parquet(tmp_path / "in", {**data, "installments": rows()["installments"]}),
                    out) == 0  # a sound parquet portfolio: nothing set aside
        assert pl.read_parquet(out / "rejected.parquet").height == 0
        assert _run(monkeypatch, write_csv(tmp_path / "csv", data), out) == 0
        rejected = pl.read_parquet(out / "rejected.parquet")
        assert rejected.select("file", "row", "borrower_id").row(0) == ("installments.csv", 3, "B2")
        assert pl.read_parquet(out / "decisions.parquet")["loan_id"].to_list() == ["L1"]

    @pytest.mark.parametrize("partitions", ["1", "2"])
    def test_a_repeated_key_sets_aside_the_later_row_s_borrower(self, partitions: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
        """One partition reads the input directly, two stage it first: the same refusal either way."""
        data = rows()
        data["installments"].append(dict(data["installments"][2]))  # L2's installment again (B2)
        out = tmp_path / "out"
        assert run_main(monkeypatch, "run", "--as-of", AS_OF, "--input", str(write_parquet(tmp_path / "in", data)),
                        "--out", str(out), "--no-score", "--partitions", partitions) == 0
        rejected = pl.read_parquet(out / "rejected.parquet").to_dicts()
        assert rejected == [{"file": "installments.parquet", "row": len(data["installments"]), "borrower_id": "B2",
                             "reason": "duplicate loan_id, seq: it already appears in an earlier row"}]
        assert pl.read_parquet(out / "decisions.parquet")["loan_id"].to_list() == ["L1"]

    def test_a_csv_portfolio_that_ingest_accepts_runs_like_its_parquet_twin(self, tmp_path: Path, sqlite_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        data = rows()
        csv_dir, parquet_dir = write_csv(tmp_path / "csv", data), write_parquet(tmp_path / "parquet", data)
        assert _ingest(monkeypatch, sqlite_url, csv_dir) == 0
        assert _run(monkeypatch, csv_dir, tmp_path / "a") == 0
        assert _run(monkeypatch, parquet_dir, tmp_path / "b") == 0
        a = pl.read_parquet(tmp_path / "a" / "decisions.parquet").sort("loan_id")
        b = pl.read_parquet(tmp_path / "b" / "decisions.parquet").sort("loan_id")
        assert a.height == 2 and a.equals(b)
        fa = pl.read_parquet(tmp_path / "a" / "features.parquet").sort("loan_id")
        assert fa.equals(pl.read_parquet(tmp_path / "b" / "features.parquet").sort("loan_id"))


class TestVisitOutcomes:
    def test_the_run_reads_a_visit_outcome_and_ingest_refuses_an_unknown_one(self, tmp_path: Path, sqlite_url: str,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
        from duecare.ledger.partitions import partition_bounds, screen_partition

        data = rows()
        data["visits"][0].update(status="completed", outcome="refused")
        directory = write_csv(tmp_path / "in", data)
        (lo, hi), = partition_bounds(directory, 1)
        frames, rejected = screen_partition(directory, lo, hi)
        assert rejected.height == 0 and frames["visits"]["outcome"].to_list() == ["refused"]
        assert _ingest(monkeypatch, sqlite_url, directory) == 0
        data["visits"][0]["outcome"] = "shouted"
        assert _ingest(monkeypatch, sqlite_url, write_csv(tmp_path / "bad", data)) == 2
