"""The real credit data sets (Parquet, made once by scripts/prepare-risk-data.py): targets and leak removal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from duecare.kit.errors import UserError
from duecare.kit.settings import get_settings


@dataclass(frozen=True)
class Dataset:
    """One modelling table: features, a 0/1 `bad` target and the columns that were removed as leaking."""

    name: str
    frame: pl.DataFrame
    target: str
    dropped: tuple[str, ...]

    @property
    def features(self) -> list[str]:
        return [c for c in self.frame.columns if c != self.target]


# loans_full_schema (openintro, Lending Club loans issued Jan–Mar 2018, observed later): `loan_status` is the
# only outcome. Bad = any real delinquency state at observation: in grace period, late 16–30 days, late 31–120
# days, charged off. Good = current or fully paid. Columns measured after origination leak the outcome and are
# dropped: balance and every paid_* amount (paid_late_fees is non-zero almost only for late loans).
# `emp_title` is free text (4,742 distinct values), not a usable feature.
LOANS_FULL_SCHEMA_BAD = ("In Grace Period", "Late (16-30 days)", "Late (31-120 days)", "Charged Off")
LOANS_FULL_SCHEMA_LEAKS = ("loan_status", "balance", "paid_total", "paid_principal", "paid_interest",
                           "paid_late_fees", "emp_title")

SOURCES = {
    "lending_club": ("Class", "bad", ()),
    "credit_data": ("Status", "bad", ()),
    "germancredit": ("creditability", "bad", ()),
}
# credit_data gets the affordability ratios an underwriter reads off the application (interpretable, derived
# only from the row's own application fields).
_INSTALLMENT = pl.col("Amount") / pl.col("Time")
CREDIT_DATA_DERIVED = {
    "loan_to_value": pl.col("Amount") / pl.col("Price"),
    "installment_to_income": _INSTALLMENT / pl.col("Income"),
    "free_income": pl.col("Income") - pl.col("Expenses") - pl.col("Debt") / pl.col("Time"),
    "net_assets": pl.col("Assets") - pl.col("Debt"),
    "amount_to_assets": pl.col("Amount") / (pl.col("Assets") + 1),
    "expenses_to_income": pl.col("Expenses") / pl.col("Income"),
    "installment_to_free_income": _INSTALLMENT / (pl.col("Income") - pl.col("Expenses")),
    "debt_to_income": pl.col("Debt") / pl.col("Income"),
}
NAMES = ("lending_club", "credit_data", "loans_full_schema", "germancredit")


def data_dir() -> Path:
    """Where the prepared Parquet files live (DUECARE_RISK_DATA, else <data dir>/risk-datasets)."""
    s = get_settings()
    return s.risk_data or s.data_dir / "risk-datasets"


def load(name: str, directory: Path | None = None) -> Dataset:
    """Read one prepared data set and define its 0/1 target `bad`."""
    if name not in NAMES:
        raise UserError(f"unknown data set {name!r}; choose one of {', '.join(NAMES)}")
    path = (directory or data_dir()) / f"{name}.parquet"
    if not path.exists():
        raise UserError(f"{path} is missing: run `make risk-data` (scripts/prepare-risk-data.py) first")
    raw = pl.read_parquet(path)
    if name == "loans_full_schema":
        frame = raw.with_columns(bad=pl.col("loan_status").is_in(LOANS_FULL_SCHEMA_BAD).cast(pl.Int8))
        dropped: tuple[str, ...] = LOANS_FULL_SCHEMA_LEAKS
    else:
        column, bad_label, extra = SOURCES[name]
        frame = raw.with_columns(bad=(pl.col(column) == bad_label).cast(pl.Int8))
        dropped = (column, *extra)
    if name == "credit_data":
        frame = frame.with_columns(**CREDIT_DATA_DERIVED)
    return Dataset(name=name, frame=frame.drop(dropped), target="bad", dropped=tuple(dropped))
