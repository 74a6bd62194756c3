"""Columnar snapshots: the frames every batch function reads, from a portfolio directory or a case file."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from duecare.kit.errors import UserError
from duecare.kit.money import minor_expr, to_minor
from duecare.ledger.casefile import CaseFile, ContactPreferences

UTC_TS = pl.Datetime("us", "UTC")
FLAGS = ("vulnerable", "dispute_open", "hardship_open", "deceased", "bankrupt",
         "represented_by_lawyer", "do_not_contact")

# The normalised frames (money in Int64 minor units) that ageing, features and policy read.
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "borrowers": {"borrower_id": pl.String(), "timezone": pl.String(), "jurisdiction": pl.String(),
                  "language": pl.String(), "risk_band": pl.String(),
                  **{f: pl.Boolean() for f in FLAGS}},
    "loans": {"loan_id": pl.String(), "borrower_id": pl.String(), "currency": pl.String()},
    "installments": {"loan_id": pl.String(), "seq": pl.Int32(), "due_date": pl.Date(),
                     "amount_minor": pl.Int64()},
    "payments": {"loan_id": pl.String(), "paid_at": UTC_TS, "amount_minor": pl.Int64()},
    "contacts": {"borrower_id": pl.String(), "loan_id": pl.String(), "at": UTC_TS, "channel": pl.String(),
                 "direction": pl.String(), "outcome": pl.String(), "answers_notice": pl.String()},
    "notices": {"notice_id": pl.String(), "borrower_id": pl.String(), "loan_id": pl.String(),
                "kind": pl.String(), "sent_at": UTC_TS},
    "consents": {"borrower_id": pl.String(), "purpose": pl.String(), "decision": pl.String(),
                 "at": UTC_TS, "notice_id": pl.String()},
    "approvals": {"borrower_id": pl.String(), "notice_id": pl.String(), "decision": pl.String(),
                  "at": UTC_TS},
    # `made_at` and `kept_on` (the store's promises made here, settled by policy/promises.py): null for the
    # lender's promises, whose status is the lender's.
    "promises": {"borrower_id": pl.String(), "loan_id": pl.String(), "promised_date": pl.Date(),
                 "amount_minor": pl.Int64(), "status": pl.String(), "made_at": UTC_TS, "kept_on": pl.Date()},
    "visits": {"borrower_id": pl.String(), "loan_id": pl.String(), "status": pl.String(), "at": UTC_TS,
               "outcome": pl.String()},
    # Remote alternatives to a visit the borrower chose (state chosen|completed|verified|cancelled).
    "alternatives": {"borrower_id": pl.String(), "loan_id": pl.String(), "kind": pl.String(),
                     "state": pl.String(), "chosen_at": UTC_TS, "completed_at": UTC_TS},
    # Known limits on reaching the borrower (kind workplace|third_party_objected, by employer|borrower|third_party,
    # channel call|sms|email), active from `at` until `lifted_at`.
    "contact_limits": {"borrower_id": pl.String(), "kind": pl.String(), "by": pl.String(),
                       "channel": pl.String(), "at": UTC_TS, "lifted_at": UTC_TS},
    # The borrower's stated contact preferences (case file `borrower.contact_preferences`, the store's
    # `contact_preferences`): windows in local seconds after midnight (weekday 1 = Monday, null = every day)
    # and the remote channels they refused.
    "preferred_hours": {"borrower_id": pl.String(), "weekday": pl.Int8(), "start_s": pl.Int32(),
                        "end_s": pl.Int32()},
    "refused_channels": {"borrower_id": pl.String(), "channel": pl.String()},
}
WEEKDAY_NUMBER = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
REQUIRED = ("borrowers", "loans", "installments")
MONEY = {"installments": "amount", "payments": "amount", "promises": "amount"}

Frames = dict[str, pl.DataFrame]


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Select and cast a frame to its normalised schema; absent optional columns become null."""
    schema = SCHEMAS[name]
    money = MONEY.get(name)
    exprs: list[pl.Expr] = []
    for col, dtype in schema.items():
        if col == "amount_minor" and money and money in df.columns and col not in df.columns:
            exprs.append(minor_expr(money).alias(col))
        elif col in df.columns:
            src = pl.col(col)
            if isinstance(dtype, pl.Datetime):
                src = _as_utc(df, col)
            elif dtype == pl.Date and df.schema[col] == pl.String:  # ISO dates as text (SQLite's driver)
                src = src.str.to_date("%Y-%m-%d")
            exprs.append(src.cast(dtype).alias(col))
        elif col in FLAGS:
            exprs.append(pl.lit(False).alias(col))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
    return df.select(exprs)


def _as_utc(df: pl.DataFrame, col: str) -> pl.Expr:
    dtype = df.schema[col]
    if dtype == pl.Null:  # an optional instant that no row has
        return pl.col(col).cast(UTC_TS)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return pl.col(col).dt.replace_time_zone("UTC")
        return pl.col(col).dt.convert_time_zone("UTC")
    # ISO 8601 strings with an offset (CSV input)
    return pl.col(col).str.to_datetime(time_zone="UTC", time_unit="us")


_EMPTY: dict[str, pl.DataFrame] = {}


def empty(name: str) -> pl.DataFrame:
    """A frame of the normalised schema with no rows (built once per name: a schema's dtypes cost more to parse
    than the rows of one borrower to read)."""
    if name not in _EMPTY:
        _EMPTY[name] = pl.DataFrame(schema=SCHEMAS[name])
    return _EMPTY[name].clone()


def read_portfolio(directory: Path | str) -> Frames:
    """Read a portfolio directory (docs/data-format.md) into normalised frames."""
    root = Path(directory)
    if not root.is_dir():
        raise UserError("input directory not found (create it with `duecare generate --out DIR`)",
                        place=str(root))
    frames: Frames = {}
    for name in SCHEMAS:
        parquet, csv = root / f"{name}.parquet", root / f"{name}.csv"
        if parquet.exists():
            raw = pl.read_parquet(parquet)
        elif csv.exists():
            raw = pl.read_csv(csv, infer_schema_length=0)
        elif name in REQUIRED:
            raise UserError(f"missing {name}.parquet (or {name}.csv)", place=str(root))
        else:
            frames[name] = empty(name)
            continue
        try:
            frames[name] = conform(name, raw)
        except pl.exceptions.PolarsError as exc:
            raise UserError(f"cannot read columns ({exc}); see docs/data-format.md",
                            place=str(parquet if parquet.exists() else csv)) from None
    return frames


HOLDS_SCHEMA: dict[str, pl.DataType] = {"borrower_id": pl.String(), "kind": pl.String()}

# The records the store holds besides the lender's files: what was recorded here (a promise in the console or the
# portal, a contact limit, a consent, a notice, an approval, a visit, an alternative, a logged call or a delivered
# message, a portal payment), read by `ledger.repository.store_records`. Stated contact preferences and open holds
# come only from the store.
STORE_RECORDS = ("payments", "contacts", "notices", "consents", "approvals", "promises", "visits", "alternatives",
                 "contact_limits")
PREFERENCES_FRAMES = ("preferred_hours", "refused_channels")


def subset(frames: Frames, ids: pl.DataFrame) -> Frames:
    """The frames of some borrowers (semi-joins on borrower id, loan-keyed frames through their loans)."""
    out: Frames = {}
    loans = frames["loans"].join(ids, on="borrower_id", how="semi")
    for name, df in frames.items():
        if "borrower_id" in df.columns:
            out[name] = df.join(ids, on="borrower_id", how="semi")
        elif "loan_id" in df.columns:
            out[name] = df.join(loans.select("loan_id"), on="loan_id", how="semi")
        else:
            out[name] = df
    out["loans"] = loans
    return out


def with_holds(borrowers: pl.DataFrame, holds: pl.DataFrame) -> pl.DataFrame:
    """A flag is also set by an open hold of that kind (`holds`: borrower_id, kind), so a dispute or hardship
    recorded as a hold stops collection everywhere: the store's pages and the nightly batch alike."""
    present = set(holds.get_column("kind").to_list()) if holds.height else set()
    kinds = [f for f in FLAGS if f in present]
    if not kinds:
        return borrowers
    return borrowers.with_columns([
        (pl.col(f) | pl.col("borrower_id").is_in(holds.filter(pl.col("kind") == f).get_column("borrower_id")
                                                 .unique().implode())).alias(f) for f in kinds])


def merge_store_records(files: Frames, store: Frames) -> Frames:
    """The lender's files of some borrowers (one partition of the nightly batch) with what the store holds for
    those borrowers besides them (`ledger.repository.store_records`: records made here, open holds, stated
    preferences), so the batch decides on the facts every decision read from the store sees. A store row equal
    in every column to a file row is the file's own (e.g. a portal payment the lender's file also carries) and
    is not counted twice; the files' own repeated rows stay as they are."""
    out = dict(files)
    borrowers = files["borrowers"].select("borrower_id")
    loans = files["loans"].select("loan_id")
    for name in (*STORE_RECORDS, *PREFERENCES_FRAMES):
        extra = store.get(name)
        if extra is None or extra.height == 0:
            continue
        base = files.get(name, empty(name))
        extra = extra.join(loans, on="loan_id", how="semi") if name == "payments" else \
            extra.join(borrowers, on="borrower_id", how="semi")
        if base.height and extra.height:
            extra = extra.join(base.unique(), on=list(SCHEMAS[name]), how="anti", nulls_equal=True)
        if extra.height:
            out[name] = pl.concat([base, extra.select(base.columns)])
    holds = store.get("holds")
    if holds is not None and holds.height:
        out["borrowers"] = with_holds(files["borrowers"], holds.join(borrowers, on="borrower_id", how="semi"))
    return out


def _hhmm_seconds(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def preference_rows(borrower_id: str, prefs: ContactPreferences | None
                    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Stated contact preferences as rows of `preferred_hours` and `refused_channels` (one reading for the
    case file and the store)."""
    if prefs is None:
        return [], []
    hours: list[dict[str, object]] = []
    for window in prefs.hours:
        days: list[int | None] = [WEEKDAY_NUMBER[d] for d in dict.fromkeys(window.days)] or [None]
        hours += [{"borrower_id": borrower_id, "weekday": day, "start_s": _hhmm_seconds(window.start),
                   "end_s": _hhmm_seconds(window.end)} for day in days]
    refused: list[dict[str, object]] = [{"borrower_id": borrower_id, "channel": c}
                                        for c in dict.fromkeys(prefs.channels_refused)]
    return hours, refused


WINDOW_JSON = pl.List(pl.Struct({"days": pl.List(pl.String()), "start": pl.String(), "end": pl.String()}))


def _hhmm_expr(col: pl.Expr) -> pl.Expr:
    parts = col.str.split(":")
    return (parts.list.get(0).cast(pl.Int32) * 3600 + parts.list.get(1).cast(pl.Int32) * 60).cast(pl.Int32)


def preference_frames(stored: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stored preferences (`borrower_id`, `hours` JSON, `channels_refused` JSON, as the store keeps them) →
    the `preferred_hours` and `refused_channels` frames, without a loop over rows."""
    if stored.height == 0:
        return empty("preferred_hours"), empty("refused_channels")
    windows = (
        stored.select("borrower_id", pl.col("hours").str.json_decode(WINDOW_JSON))
        .explode("hours").drop_nulls("hours").unnest("hours")
        .with_columns(days=pl.when(pl.col("days").list.len() > 0).then(pl.col("days"))
                      .otherwise(pl.lit([None], pl.List(pl.String()))))
        .explode("days")
        .select("borrower_id",
                weekday=pl.col("days").replace_strict(WEEKDAY_NUMBER, default=None, return_dtype=pl.Int8()),
                start_s=_hhmm_expr(pl.col("start")), end_s=_hhmm_expr(pl.col("end")))
        .unique(maintain_order=True)
    )
    refused = (
        stored.select("borrower_id", channel=pl.col("channels_refused").str.json_decode(pl.List(pl.String())))
        .explode("channel").drop_nulls("channel").unique(maintain_order=True)
    )
    return conform("preferred_hours", windows), conform("refused_channels", refused)


def case_to_frames(case: CaseFile) -> Frames:
    """One case file → the same frames the nightly batch reads."""
    b = case.borrower
    bid = b.id
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in SCHEMAS}
    rows["borrowers"].append({"borrower_id": bid, "timezone": b.timezone, "jurisdiction": b.jurisdiction,
                              "language": b.language, "risk_band": b.risk_band,
                              **{f: getattr(b.flags, f) for f in FLAGS}})
    rows["preferred_hours"], rows["refused_channels"] = preference_rows(bid, b.contact_preferences)
    for loan in case.loans:
        rows["loans"].append({"loan_id": loan.id, "borrower_id": bid, "currency": loan.currency})
        for inst in loan.installments:
            rows["installments"].append({"loan_id": loan.id, "seq": inst.seq, "due_date": inst.due_date,
                                         "amount_minor": to_minor(inst.amount)})
        for pay in loan.payments:
            rows["payments"].append({"loan_id": loan.id, "paid_at": pay.paid_at,
                                     "amount_minor": to_minor(pay.amount)})
    for c in case.contacts:
        rows["contacts"].append({"borrower_id": bid, "loan_id": c.loan_id, "at": c.at, "channel": c.channel,
                                 "direction": c.direction, "outcome": c.outcome,
                                 "answers_notice": c.answers_notice})
    for n in case.notices:
        rows["notices"].append({"notice_id": n.id, "borrower_id": bid, "loan_id": n.loan_id, "kind": n.kind,
                                "sent_at": n.sent_at})
    for s in case.consents:
        rows["consents"].append({"borrower_id": bid, "purpose": s.purpose, "decision": s.decision,
                                 "at": s.at, "notice_id": s.notice_id})
    for a in case.approvals:
        rows["approvals"].append({"borrower_id": bid, "notice_id": a.notice_id, "decision": a.decision,
                                  "at": a.at})
    for p in case.promises:
        rows["promises"].append({"borrower_id": bid, "loan_id": p.loan_id, "promised_date": p.promised_date,
                                 "amount_minor": to_minor(p.amount) if p.amount is not None else None,
                                 "status": p.status})
    for v in case.visits:
        rows["visits"].append({"borrower_id": bid, "loan_id": v.loan_id, "status": v.status, "at": v.at,
                               "outcome": v.outcome})
    for alt in case.alternatives:
        rows["alternatives"].append({"borrower_id": bid, "loan_id": alt.loan_id, "kind": alt.kind,
                                     "state": alt.state, "chosen_at": alt.chosen_at,
                                     "completed_at": alt.completed_at})
    for lim in case.contact_limits:
        rows["contact_limits"].append({"borrower_id": bid, "kind": lim.kind, "by": lim.by, "channel": lim.channel,
                                       "at": lim.at, "lifted_at": lim.lifted_at})
    frames: Frames = {}
    for name, schema in SCHEMAS.items():
        data = rows[name]
        if not data:
            frames[name] = empty(name)
            continue
        df = pl.DataFrame(data, schema_overrides={k: v for k, v in schema.items()
                                                  if not isinstance(v, pl.Datetime)}, strict=False)
        frames[name] = conform(name, df)
    return frames
