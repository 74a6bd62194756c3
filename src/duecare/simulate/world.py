"""The simulated world: the synthetic portfolio with each borrower's true segment, and the state that grows day
by day (events appended as frames in the shapes the decision engine reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from duecare.kit import clock
from duecare.kit.errors import UserError
from duecare.ledger.frames import SCHEMAS, Frames, conform, read_portfolio
from duecare.simulate.params import SEGMENTS

US_PER_DAY = 86_400_000_000
GROWING = ("payments", "contacts", "notices", "consents", "approvals", "promises", "visits", "alternatives")


@dataclass(frozen=True)
class Portfolio:
    """The frames of a portfolio directory (borrowers sorted by id: row i is borrower index i), each borrower's
    true segment (from truth.parquet, which only `duecare generate` writes) and the first simulated day."""

    frames: Frames
    segment: np.ndarray
    start: date

    @property
    def size(self) -> int:
        return int(self.segment.shape[0])

    def head(self, accounts: int) -> Portfolio:
        """The first `accounts` borrowers (by id) with all their facts: a quick, smaller run."""
        if accounts >= self.size:
            return self
        ids = self.frames["borrowers"].head(accounts).select("borrower_id")
        loans = self.frames["loans"].join(ids, on="borrower_id", how="semi")
        frames = {name: df.join(ids, on="borrower_id", how="semi") if "borrower_id" in df.columns
                  else df.join(loans.select("loan_id"), on="loan_id", how="semi") for name, df in self.frames.items()}
        return Portfolio(frames=frames, segment=self.segment[:accounts], start=self.start)


def load_portfolio(directory: Path, start: date | None = None) -> Portfolio:
    """Read a generated portfolio; the simulation starts the day after its last recorded event by default."""
    frames = read_portfolio(directory)
    truth_path = directory / "truth.parquet"
    if not truth_path.exists():
        raise UserError("truth.parquet is missing: the simulator needs each borrower's true behaviour segment, "
                        "which only `duecare generate` writes", place=str(directory))
    frames["borrowers"] = frames["borrowers"].sort("borrower_id")
    truth = pl.read_parquet(truth_path).select("borrower_id", "segment")
    seg = frames["borrowers"].select("borrower_id").join(truth, on="borrower_id", how="left")["segment"]
    if seg.null_count():
        raise UserError(f"{seg.null_count()} borrowers have no segment in truth.parquet", place=str(truth_path))
    codes = seg.replace_strict({s: i for i, s in enumerate(SEGMENTS)}, return_dtype=pl.Int8).to_numpy()
    if start is None:
        last = [frames[n][c].max() for n, c in (("payments", "paid_at"), ("contacts", "at")) if frames[n].height]
        moments = [m for m in last if isinstance(m, datetime)]
        start = (max(moments).astimezone(UTC).date() + timedelta(days=1)) if moments else clock.now().date()
    return Portfolio(frames=frames, segment=codes, start=start)


def epoch_us(day: date, hour: float = 0.0) -> int:
    return int((datetime(day.year, day.month, day.day, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC))
               .total_seconds() * 1_000_000 + hour * 3_600_000_000)


def utc(values: np.ndarray | pl.Series) -> pl.Series:
    """Microseconds since the epoch as a UTC timestamp column."""
    return pl.from_epoch(pl.Series(values, dtype=pl.Int64), time_unit="us").dt.replace_time_zone("UTC")


def event_frame(name: str, **cols: object) -> pl.DataFrame:
    """New rows of one entity in its normalised schema."""
    return conform(name, pl.DataFrame(cols, strict=False))


@dataclass
class State:
    """Everything that changes: the growing frames and per-borrower arrays (index = borrower row)."""

    frames: Frames
    n: int
    arrears: np.ndarray = field(init=False)
    arrears_since: np.ndarray = field(init=False)
    ever_arrears: np.ndarray = field(init=False)
    entered_arrears: np.ndarray = field(init=False)  # current at the first decision, in arrears at a later one
    arrears_days: int = 0  # borrowers in arrears summed over the simulated days (each day's decision)
    cured: np.ndarray = field(init=False)
    in_hardship: np.ndarray = field(init=False)
    hardship_end: np.ndarray = field(init=False)
    hardship_open_until: np.ndarray = field(init=False)
    dispute_until: np.ndarray = field(init=False)
    known_remote: np.ndarray = field(init=False)
    visited: np.ndarray = field(init=False)
    reminded_on: np.ndarray = field(init=False)  # day of the last delivered pre-due reminder (-1 000 000: never)
    ring: np.ndarray = field(init=False)
    pending_pay: pl.DataFrame = field(init=False)
    pending_consent: pl.DataFrame = field(init=False)
    new: dict[str, list[pl.DataFrame]] = field(init=False)
    base_flags: dict[str, np.ndarray] = field(init=False)
    cure_days: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.n
        self.arrears = np.zeros(n, dtype=bool)
        self.arrears_since = np.full(n, -1, dtype=np.int64)
        self.ever_arrears = np.zeros(n, dtype=bool)
        self.entered_arrears = np.zeros(n, dtype=bool)
        self.cured = np.zeros(n, dtype=bool)
        self.in_hardship = np.zeros(n, dtype=bool)
        self.hardship_end = np.full(n, -1, dtype=np.int64)
        self.hardship_open_until = np.full(n, -1, dtype=np.int64)
        self.dispute_until = np.full(n, -1, dtype=np.int64)
        self.known_remote = np.zeros(n, dtype=bool)
        self.visited = np.zeros(n, dtype=bool)
        self.reminded_on = np.full(n, -1_000_000, dtype=np.int64)
        self.ring = np.zeros((7, n), dtype=np.int16)
        self.pending_pay = pl.DataFrame(schema={"day": pl.Int64, "loan_id": pl.String, "amount_minor": pl.Int64})
        self.pending_consent = pl.DataFrame(schema={"day": pl.Int64, "borrower_id": pl.String,
                                                    "decision": pl.String, "notice_id": pl.String})
        # remote alternatives chosen on a visit notice: the day chosen and the day verified (-1: it lapses)
        self.pending_alt = pl.DataFrame(schema={"day": pl.Int64, "verify_day": pl.Int64, "bi": pl.Int64,
                                                "borrower_id": pl.String, "loan_id": pl.String, "kind": pl.String})
        self.new = {name: [] for name in GROWING}
        self.base_flags = {f: self.frames["borrowers"][f].to_numpy().copy() for f in ("hardship_open", "dispute_open")}

    def add(self, name: str, frame: pl.DataFrame) -> None:
        if frame.height:
            self.new[name].append(frame)

    def commit_day(self, day: int) -> None:
        """Append the day's events to the frames the next decision reads; flags follow the borrower arrays."""
        for name, parts in self.new.items():
            if parts:
                self.frames[name] = pl.concat([self.frames[name], *parts], how="vertical",
                                              rechunk=day % 10 == 9)
            self.new[name] = []
        b = self.frames["borrowers"]
        self.frames["borrowers"] = b.with_columns(
            hardship_open=pl.Series(self.base_flags["hardship_open"] | (self.hardship_open_until > day)),
            dispute_open=pl.Series(self.base_flags["dispute_open"] | (self.dispute_until > day)),
        )


def installments_by_day(portfolio: Portfolio, days: int) -> pl.DataFrame:
    """Installments falling due inside the horizon: loan, borrower index, day index and amount."""
    bmap = portfolio.frames["borrowers"].select("borrower_id").with_row_index("bi")
    start = pl.lit(portfolio.start)
    return (
        portfolio.frames["installments"]
        .filter(pl.col("due_date").is_between(start, start + pl.duration(days=days - 1)))
        .join(portfolio.frames["loans"].select("loan_id", "borrower_id"), on="loan_id", how="inner")
        .join(bmap, on="borrower_id", how="inner")
        .select("loan_id", pl.col("bi").cast(pl.Int64), "amount_minor",
                day=(pl.col("due_date") - start).dt.total_days())
        .sort("day", "loan_id")
    )


__all__ = ["GROWING", "SCHEMAS", "Portfolio", "State", "epoch_us", "event_frame", "installments_by_day",
           "load_portfolio", "utc"]
