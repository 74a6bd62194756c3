"""`duecare generate`: the contract of docs/data-format.md, determinism and the behaviour of each segment."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from duecare.kit.errors import UserError
from duecare.ledger.generate import generate
from duecare.ledger.generate_cli import register
from duecare.ledger.synth.arrow import ENTITIES

AS_OF = dt.date(2026, 11, 28)
CUTOFF = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
DOC = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"
TYPES = {"str": pa.string(), "list[str]": pa.list_(pa.string()), "date": pa.date32(),
         "timestamp": pa.timestamp("us", tz="UTC"), "money": pa.decimal128(18, 2), "bool": pa.bool_(),
         "float": pa.float64(), "int": pa.int32()}


@pytest.fixture(scope="module")
def cn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cn")
    generate(2000, 7, out, "cn", AS_OF)
    return out


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several partitions, three jurisdictions, DST timezones."""
    out = tmp_path_factory.mktemp("mixed")
    generate(1500, 11, out, "mixed", AS_OF, partition_size=400)
    return out


def read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / f"{name}.parquet")


def documented_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """(column, type word, nullable) per file, parsed from the table in docs/data-format.md.

    Files the table marks "optional file" (a lender may send them; the generator writes none) are left out.
    """
    files: dict[str, list[tuple[str, str, bool]]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (\w+) \| (.+) \|$", line)
        if not m or m.group(1) == "file" or "optional file" in m.group(2):
            continue
        cell = re.sub(r"(`\w+`)\s*\([^)]*\)", r"\1 str", m.group(2))   # enumerations are strings
        cell = re.sub(r"\([^)]*\)", "", cell)
        cols: list[tuple[str, str | None, bool]] = []
        for name, typ in re.findall(r"`(\w+)`\s*(list\[str\]\??|[a-z]+\??)?", cell):
            cols.append((name, typ.rstrip("?") or None, typ.endswith("?")))
        resolved: list[tuple[str, str, bool]] = []
        for i, (name, typ, null) in enumerate(cols):
            later = next((t for _, t, _ in cols[i:] if t), "str")
            resolved.append((name, typ or later, null))
        files[m.group(1)] = resolved
    files["truth"] = [("borrower_id", "str", False), ("segment", "str", False), ("group", "str", False)]
    return files


class TestContract:
    def test_every_documented_file_is_written_with_exactly_its_columns_and_types(self, cn: Path) -> None:
        documented = documented_columns()
        assert set(documented) == set(ENTITIES)
        for name, cols in documented.items():
            schema = pq.read_schema(cn / f"{name}.parquet")
            assert schema.names == [c for c, _, _ in cols], name
            for col, typ, nullable in cols:
                assert schema.field(col).type == TYPES[typ], (name, col)
                if not nullable:
                    assert read(cn, name)[col].null_count() == 0, (name, col)

    def test_ids_are_unique_and_references_resolve(self, mixed: Path) -> None:
        ids = {"borrowers": "borrower_id", "loans": "loan_id", "payments": "payment_id",
               "contacts": "contact_id", "notices": "notice_id", "consents": "consent_id",
               "approvals": "approval_id", "promises": "promise_id", "visits": "visit_id"}
        for name, col in ids.items():
            assert read(mixed, name)[col].is_unique().all(), name
        assert read(mixed, "installments").select("loan_id", "seq").is_unique().all()
        borrowers = set(read(mixed, "borrowers")["borrower_id"])
        loans = set(read(mixed, "loans")["loan_id"])
        notices = set(read(mixed, "notices")["notice_id"])
        assert set(read(mixed, "truth")["borrower_id"]) == borrowers
        assert set(read(mixed, "loans")["borrower_id"]) == borrowers   # every borrower has a loan
        for name in ("installments", "payments", "promises", "visits", "notices"):
            assert set(read(mixed, name)["loan_id"]) <= loans, name
        for name in ("contacts", "promises", "notices", "consents", "approvals", "visits"):
            assert set(read(mixed, name)["borrower_id"]) <= borrowers, name
        assert set(read(mixed, "consents")["notice_id"]) <= notices
        assert set(read(mixed, "approvals")["notice_id"]) <= notices

    def test_nothing_is_dated_after_as_of(self, mixed: Path) -> None:
        for name, col in (("payments", "paid_at"), ("contacts", "at"), ("notices", "sent_at"),
                          ("consents", "at"), ("approvals", "at"), ("visits", "at")):
            latest = read(mixed, name)[col].max()
            assert latest is None or latest < CUTOFF, name
        assert read(mixed, "loans")["disbursed_on"].max() < AS_OF

    def test_the_instalments_repay_the_principal_with_interest_at_the_stated_rate(self, mixed: Path) -> None:
        inst = read(mixed, "installments").join(read(mixed, "loans"), on="loan_id")
        discounted = inst.with_columns(
            pv=pl.col("amount").cast(pl.Float64)
            * (1 + pl.col("interest_rate").cast(pl.Float64) / 1200) ** -pl.col("seq").cast(pl.Float64))
        per_loan = discounted.group_by("loan_id").agg(
            pl.col("pv").sum(), pl.col("principal").first().cast(pl.Float64), pl.col("amount").sum(), pl.len())
        assert ((per_loan["pv"] - per_loan["principal"]).abs() <= 0.01).all()
        assert (per_loan["amount"].cast(pl.Float64) >= per_loan["principal"]).all()
        assert per_loan["len"].is_in([3, 6, 9, 12, 18, 24]).all()
        assert (read(mixed, "installments")["amount"] > 0).all()
        assert (read(mixed, "payments")["amount"] > 0).all()

    def test_the_apr_is_never_below_the_rate_and_is_above_it_when_fees_are_charged(self, mixed: Path) -> None:
        loans = read(mixed, "loans").with_columns(pl.col("apr", "interest_rate", "fees").cast(pl.Float64))
        assert (loans["apr"] >= loans["interest_rate"] - 0.01).all()
        with_fees = loans.filter(pl.col("fees") > 0)
        assert with_fees.height > 0 and (with_fees["apr"] > with_fees["interest_rate"]).all()

    def test_cn_amounts_repaid_lie_between_1k_and_50k_cny(self, cn: Path) -> None:
        loans = read(cn, "loans")
        assert set(loans["currency"]) == {"CNY"}
        repaid = read(cn, "installments").group_by("loan_id").agg(pl.col("amount").sum().cast(pl.Float64))
        assert repaid["amount"].min() >= 1000 and repaid["amount"].max() <= 50000
        assert loans["grace_days"].to_list() == [3] * loans.height
        assert loans["late_fee"].cast(pl.Float64).max() == 0 and loans["penalty_rate"].null_count() == 0


class TestDeterminism:
    def test_the_same_seed_writes_the_same_bytes(self, tmp_path: Path) -> None:
        a, b = tmp_path / "a", tmp_path / "b"
        generate(300, 3, a, "mixed", AS_OF, partition_size=100)
        generate(300, 3, b, "mixed", AS_OF, partition_size=100)
        for name in ENTITIES:
            assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name

    def test_another_seed_gives_another_portfolio(self, tmp_path: Path) -> None:
        generate(300, 3, tmp_path / "a", "cn", AS_OF)
        generate(300, 4, tmp_path / "b", "cn", AS_OF)
        assert not read(tmp_path / "a", "borrowers").equals(read(tmp_path / "b", "borrowers"))


def _covered_by_due_date(out: Path) -> pl.DataFrame:
    """Per installment due before as_of: were cumulative payments by the end of its local due date enough?"""
    b = read(out, "borrowers").select("borrower_id", "timezone")
    loans = read(out, "loans").select("loan_id", "borrower_id").join(b, on="borrower_id")
    pays = read(out, "payments").join(loans, on="loan_id")
    local = pl.concat([
        g.with_columns(paid_on=pl.col("paid_at").dt.convert_time_zone(str(tz[0])).dt.date())
        for tz, g in pays.group_by("timezone")])
    inst = (read(out, "installments").filter(pl.col("due_date") < AS_OF).sort("loan_id", "seq")
            .with_columns(cum_due=pl.col("amount").cum_sum().over("loan_id")))
    paid = (inst.join(local.select("loan_id", "paid_on", "amount"), on="loan_id", how="left")
            .filter(pl.col("paid_on") <= pl.col("due_date"))
            .group_by("loan_id", "seq").agg(paid_by_due=pl.col("amount_right").sum()))
    return (inst.join(paid, on=["loan_id", "seq"], how="left").join(loans, on="loan_id")
            .join(read(out, "truth"), on="borrower_id")
            .with_columns(on_time=pl.col("paid_by_due").fill_null(0) >= pl.col("cum_due")))


class TestSegments:
    def test_always_on_time_borrowers_pay_every_installment_by_its_due_date(self, mixed: Path) -> None:
        aot = _covered_by_due_date(mixed).filter(pl.col("segment") == "always_on_time")
        assert aot.height > 1000
        assert aot["on_time"].all()

    def test_defaulters_owe_installments_that_fell_due(self, mixed: Path) -> None:
        due = (read(mixed, "installments").filter(pl.col("due_date") < AS_OF)
               .group_by("loan_id").agg(due=pl.col("amount").sum()))
        paid = read(mixed, "payments").group_by("loan_id").agg(paid=pl.col("amount").sum())
        per_borrower = (read(mixed, "loans").join(due, on="loan_id").join(paid, on="loan_id", how="left")
                        .with_columns(owes=pl.col("paid").fill_null(0) < pl.col("due"))
                        .group_by("borrower_id").agg(pl.col("owes").all())
                        .join(read(mixed, "truth"), on="borrower_id"))
        for segment in ("default", "unreachable"):
            rows = per_borrower.filter(pl.col("segment") == segment)
            assert rows.height > 30 and rows["owes"].all(), segment

    def test_late_segments_are_late_more_often_than_occasional_ones(self, cn: Path) -> None:
        late = _covered_by_due_date(cn).group_by("segment").agg(late=(~pl.col("on_time")).mean())
        rate = dict(zip(late["segment"], late["late"], strict=True))
        assert rate["always_on_time"] == 0
        assert 0 < rate["occasionally_late"] < rate["chronic_late"]

    def test_unreachable_borrowers_almost_never_give_a_right_party_contact(self, cn: Path) -> None:
        contacts = read(cn, "contacts").join(read(cn, "truth"), on="borrower_id")
        rpc = contacts.with_columns(rpc=pl.col("outcome").is_in(["rpc", "ptp", "refused", "dispute"]))
        share = rpc.group_by("segment").agg(pl.col("rpc").mean(), pl.len())
        by = {s: (r, n) for s, r, n in share.iter_rows()}
        assert by["unreachable"][1] > 1000 and by["unreachable"][0] < 0.02
        assert by["default"][0] > 0.1 and by["chronic_late"][0] > 0.2

    def test_outbound_attempts_follow_a_missed_due_date_and_stay_in_allowed_hours(self, mixed: Path) -> None:
        c = read(mixed, "contacts").join(read(mixed, "borrowers").select("borrower_id", "timezone"),
                                         on="borrower_id")
        hours = pl.concat([g.with_columns(h=pl.col("at").dt.convert_time_zone(str(tz[0])).dt.hour())
                           for tz, g in c.group_by("timezone")])
        assert hours.filter(pl.col("channel").is_in(["call", "sms", "email"]))["h"].is_between(8, 20).all()
        aot = c.join(read(mixed, "truth"), on="borrower_id").filter(pl.col("segment") == "always_on_time")
        assert (aot["direction"] == "inbound").all()

    def test_visit_workflow_exists_only_for_unreachable_borrowers_in_order(self, cn: Path) -> None:
        tmp_path = cn
        truth = read(tmp_path, "truth")
        notices = read(tmp_path, "notices")
        assert notices.height > 0
        for name in ("notices", "consents", "approvals", "visits"):
            segs = set(read(tmp_path, name).join(truth, on="borrower_id")["segment"])
            assert segs <= {"unreachable"}, name
        granted = read(tmp_path, "consents").filter(pl.col("decision") == "granted").select(
            "notice_id", consented_at="at")
        steps = (read(tmp_path, "approvals").select("notice_id", approved_at="at")
                 .join(notices.select("notice_id", "sent_at"), on="notice_id").join(granted, on="notice_id"))
        assert steps.height > 0
        assert (steps["sent_at"] < steps["consented_at"]).all()
        assert (steps["consented_at"] < steps["approved_at"]).all()

    def test_group_is_a_b_and_risk_band_is_left_to_the_models(self, cn: Path) -> None:
        assert set(read(cn, "truth")["group"]) == {"A", "B"}
        assert read(cn, "borrowers")["risk_band"].null_count() == 2000


class TestJurisdictions:
    def test_cn_borrowers_have_chinese_names_mobiles_and_shanghai_time(self, cn: Path) -> None:
        b = read(cn, "borrowers")
        assert b["name"].str.contains(r"^[\u4e00-\u9fff]{2,4}$").all()
        phones = b["phones"].explode()
        assert phones.str.contains(r"^1[358]\d{9}$").all()
        assert set(b["timezone"]) == {"Asia/Shanghai"} and set(b["language"]) == {"zh"}
        assert b["lat"].drop_nulls().is_between(18, 54).all()

    def test_mixed_mixes_cn_us_uk_with_american_dst_zones(self, mixed: Path) -> None:
        b = read(mixed, "borrowers")
        share = dict(zip(*b["jurisdiction"].value_counts(normalize=True).to_dict().values(), strict=True))
        assert 0.6 < share["cn"] < 0.8 and 0.1 < share["us"] < 0.3 and 0.05 < share["uk"] < 0.15
        us = b.filter(pl.col("jurisdiction") == "us")
        assert us["timezone"].str.starts_with("America/").all() and "America/New_York" in set(us["timezone"])
        assert set(b.filter(pl.col("jurisdiction") == "uk")["timezone"]) == {"Europe/London"}
        assert set(read(mixed, "loans")["currency"]) == {"CNY", "USD", "GBP"}


class TestCommand:
    def _app(self) -> typer.Typer:
        app = typer.Typer()
        register(app)

        @app.command("noop")
        def noop() -> None:
            """Keeps `generate` a named sub-command."""

        return app

    def test_prints_a_json_summary_with_rows_per_file(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(self._app(), ["generate", "--accounts", "50", "--seed", "1", "--out",
                                                  str(tmp_path), "--jurisdiction", "uk", "--as-of", "2026-03-29"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        assert summary["rows"]["borrowers"] == 50 and summary["as_of"] == "2026-03-29"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.parquet" for n in ENTITIES)

    @pytest.mark.parametrize("args", [["--jurisdiction", "fr"], ["--as-of", "28/11/2026"], ["--accounts", "0"]])
    def test_bad_input_is_a_user_error(self, tmp_path: Path, args: list[str]) -> None:
        base = {"--accounts": "5", "--seed": "1", "--out": str(tmp_path)}
        base.update(dict(zip(args[::2], args[1::2], strict=True)))
        result = CliRunner().invoke(self._app(), ["generate", *[x for kv in base.items() for x in kv]])
        assert isinstance(result.exception, UserError)
