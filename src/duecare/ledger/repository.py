"""Ledger queries that other code needs often; the caller owns the session and commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import Enum
from typing import Any

import polars as pl
from sqlalchemy import Select, column, delete, insert, select, table
from sqlalchemy.orm import Session, selectinload

from duecare.kit.fields import keyed_hashes
from duecare.kit.phones import e164_readings, to_e164
from duecare.ledger.models import Borrower, BorrowerPhone, Loan


def phone_hashes(phones: Sequence[str]) -> list[str]:
    """Distinct keyed hashes of phone numbers already in E.164 (`kit.phones.to_e164`), in first-seen order."""
    return list(dict.fromkeys(keyed_hashes([p for p in phones if p.strip()], "phone")))


def set_phones(session: Session, borrower: Borrower, phones: Sequence[str]) -> None:
    """Replace a borrower's phones, in E.164 for their jurisdiction (an invalid one raises `InvalidPhone`):
    the encrypted list and its lookup index change together."""
    borrower.phones = list(dict.fromkeys(to_e164(p, borrower.jurisdiction) for p in phones if p.strip()))
    session.flush()
    session.execute(delete(BorrowerPhone).where(BorrowerPhone.borrower_id == borrower.id))
    hashes = phone_hashes(borrower.phones)
    if hashes:
        session.execute(insert(BorrowerPhone), [{"borrower_id": borrower.id, "phone_hash": h} for h in hashes])


def phone_lookup_hashes(phone: str) -> list[str]:
    """Keyed hashes of every E.164 reading of a number typed by someone not known yet (at most one each
    for cn, us, uk): `+86 139…`, `139…` and `0086 139…` give the same one."""
    return phone_hashes(e164_readings(phone))


def borrowers_by_phone(session: Session, phone: str) -> list[Borrower]:
    """Borrowers who have this phone number, in any national or international form."""
    hashes = phone_lookup_hashes(phone)
    if not hashes:
        return []
    stmt = (select(Borrower).join(BorrowerPhone, BorrowerPhone.borrower_id == Borrower.id)
            .where(BorrowerPhone.phone_hash.in_(hashes)).distinct().order_by(Borrower.id))
    return list(session.scalars(stmt))


def loan_with_schedule(session: Session, loan_id: str) -> Loan | None:
    """A loan with its installments and payments loaded (relationships are lazy="raise")."""
    stmt = (select(Loan).where(Loan.id == loan_id)
            .options(selectinload(Loan.installments), selectinload(Loan.payments)))
    return session.scalars(stmt).one_or_none()


def store_frames(session: Session, ids: Sequence[str] | Select[Any],
                 exclude_visit_ids: Sequence[str] = (), tables: Collection[str] | None = None
                 ) -> dict[str, pl.DataFrame]:
    """The borrowers' current facts from the store as the frames `policy.evaluator.decide` reads.

    The one reader of the store for decisions (pages, the workflow's gate re-check, the outbox's send-time
    re-check): the same frames a case file or the nightly batch give (ledger/frames.py). `ids` is a list of
    borrower ids or a SELECT of them (a scope filter). A flag is also set by an open hold of that kind, so a
    dispute or hardship recorded as a hold stops collection everywhere. Only non-personal columns are read.
    `exclude_visit_ids` leaves out visit rows (a workflow re-checking its own visit). `tables` reads only those
    frames (a page that ages loans needs the ledger's four, not the contact history): the same rows, fewer reads.
    """
    chosen = ids.scalar_subquery() if isinstance(ids, Select) else list(dict.fromkeys(ids))
    return _read(session, chosen, exclude_visit_ids, made_here=False, tables=tables)


def store_records(session: Session) -> dict[str, pl.DataFrame]:
    """Every record made here rather than loaded from the lender's files (no `ingest_digest`), every open hold
    and every stated contact preference, for all borrowers, as the frames `policy.evaluator.decide` reads (the
    same reader as `store_frames`) plus a `holds` frame (`borrower_id`, `kind`). The nightly batch merges them into
    the lender's files with `ledger.frames.merge_store_records`, so its decisions are the store's."""
    return _read(session, None, (), made_here=True)


def _read(session: Session, chosen: Any, exclude_visit_ids: Sequence[str], made_here: bool,
          tables: Collection[str] | None = None) -> dict[str, pl.DataFrame]:
    """`chosen` borrower ids (a list or a scalar subquery), or None for every borrower (with `made_here`);
    `tables`: only these frames (None: all)."""
    from duecare.ledger import models as m
    from duecare.ledger.frames import FLAGS, HOLDS_SCHEMA, SCHEMAS, conform, empty, with_holds

    b, ln = m.Borrower, m.Loan

    def of(stmt: Any, model: Any) -> Any:
        """Narrowed to the chosen borrowers (a payment by its loan), and to the records made here."""
        if chosen is not None:
            stmt = stmt.where(model.loan_id.in_([] if loans_of is None else loans_of) if model is m.Payment else model.borrower_id.in_(chosen))
        if made_here:
            stmt = stmt.where(model.ingest_digest.is_(None))
        return stmt

    loans_of = None if chosen is None else select(ln.id).where(ln.borrower_id.in_(chosen)).scalar_subquery()
    visits = of(select(m.Visit.borrower_id, m.Visit.loan_id, m.Visit.status, m.Visit.at, m.Visit.outcome), m.Visit)
    if exclude_visit_ids:
        visits = visits.where(m.Visit.id.not_in(list(exclude_visit_ids)))
    stmts: dict[str, Any] = {
        "payments": of(select(m.Payment.loan_id, m.Payment.paid_at, m.Payment.amount_minor), m.Payment),
        "contacts": of(select(m.ContactEvent.borrower_id, m.ContactEvent.loan_id, m.ContactEvent.at,
                              m.ContactEvent.channel, m.ContactEvent.direction, m.ContactEvent.outcome,
                              m.ContactEvent.answers_notice_id.label("answers_notice")), m.ContactEvent),
        "notices": of(select(m.Notice.id.label("notice_id"), m.Notice.borrower_id, m.Notice.loan_id, m.Notice.kind,
                             m.Notice.sent_at), m.Notice),
        "consents": of(select(m.Consent.borrower_id, m.Consent.purpose, m.Consent.decision, m.Consent.at,
                              m.Consent.notice_id), m.Consent),
        "approvals": of(select(m.Approval.borrower_id, m.Approval.notice_id, m.Approval.decision, m.Approval.at),
                        m.Approval),
        "promises": of(select(m.Promise.borrower_id, m.Promise.loan_id, m.Promise.promised_date,
                              m.Promise.amount_minor, m.Promise.status, m.Promise.made_at, m.Promise.kept_on),
                       m.Promise),
        "visits": visits,
        "alternatives": of(select(m.Alternative.borrower_id, m.Alternative.loan_id, m.Alternative.kind,
                                  m.Alternative.state, m.Alternative.chosen_at, m.Alternative.completed_at),
                           m.Alternative),
        "contact_limits": of(select(m.ContactLimit.borrower_id, m.ContactLimit.kind, m.ContactLimit.by,
                                    m.ContactLimit.channel, m.ContactLimit.at, m.ContactLimit.lifted_at),
                             m.ContactLimit),
    }
    if not made_here:  # the lender's own facts: only ever the store's whole copy
        assert loans_of is not None
        stmts = {
            "borrowers": select(b.id.label("borrower_id"), b.timezone, b.jurisdiction, b.language, b.risk_band,
                                *[getattr(b, f) for f in FLAGS]).where(b.id.in_(chosen)),
            "loans": select(ln.id.label("loan_id"), ln.borrower_id, ln.currency).where(ln.borrower_id.in_(chosen)),
            "installments": select(m.Installment.loan_id, m.Installment.seq, m.Installment.due_date,
                                   m.Installment.amount_minor).where(m.Installment.loan_id.in_(loans_of)),
            **stmts,
        }

    wanted = set(SCHEMAS) if tables is None else set(tables)
    session.flush()  # what Session.execute does first (autoflush); the reads below go through Core

    def frame(name: str, stmt: Select[Any]) -> pl.DataFrame:
        # The driver's own values, without SQLAlchemy's per-value result processors (instants, dates, enums: a third
        # of reading a whole store went to them): Polars converts each column at once in `conform` (text instants
        # and dates on SQLite, aware datetimes on PostgreSQL; enums are stored as their values).
        # The statement goes through SQLAlchemy's compiled cache (compiling it anew cost half of reading one
        # borrower); only the rows are taken from the driver's cursor.
        result = session.connection().execute(stmt)
        names = list(result.keys())
        rows = result.cursor.fetchall()
        result.close()
        if not rows:
            return empty(name)
        # column by column (a page may read every row of its scope: no dict per row)
        data = {k: _plain(list(values)) for k, values in zip(names, zip(*rows, strict=True), strict=True)}
        schema = SCHEMAS[name]
        return conform(name, pl.DataFrame(data, schema_overrides={
            k: v for k, v in schema.items() if k in data and v in _DRIVER_TYPES}, strict=False))

    frames = {name: frame(name, stmt) for name, stmt in stmts.items() if name in wanted}
    if {"preferred_hours", "refused_channels"} & wanted:
        frames["preferred_hours"], frames["refused_channels"] = _preferences(session, chosen)
    if not made_here and "borrowers" not in wanted:
        return frames
    open_holds = select(m.Hold.borrower_id, m.Hold.kind).where(m.Hold.closed_at.is_(None))
    if chosen is not None:
        open_holds = open_holds.where(m.Hold.borrower_id.in_(chosen))
    rows = session.execute(open_holds).all()
    holds = pl.DataFrame({"borrower_id": [r[0] for r in rows], "kind": _plain([r[1] for r in rows])},
                         schema=HOLDS_SCHEMA)
    if made_here:
        frames["holds"] = holds
    else:
        frames["borrowers"] = with_holds(frames["borrowers"], holds)
    return frames


# Column types a driver's values are read as directly; the others (instants, dates, booleans) are converted by
# `frames.conform` from what the driver gives (on SQLite: text and 0/1).
_DRIVER_TYPES = (pl.String(), pl.Int64(), pl.Int32(), pl.Float64())


def _plain(values: list[Any]) -> list[Any]:
    """A column's values with enum members replaced by their values (what the frames hold). A column has one
    SQL type, so its first non-null value tells whether it is an enum column."""
    first = next((v for v in values if v is not None), None)
    if isinstance(first, Enum):
        return [v.value if isinstance(v, Enum) else v for v in values]
    return values


# The contacts domain's table of stated preferences, named here by its columns (the ledger does not import
# contacts; tests/ledger/test_migrations.py keeps the two in step with the migration).
PREFERENCES = table("contact_preferences", column("borrower_id"), column("hours"), column("channels_refused"))


def _preferences(session: Session, chosen: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The borrowers' stated contact preferences as the `preferred_hours` and `refused_channels` frames."""
    from duecare.ledger.frames import preference_frames

    stmt = select(PREFERENCES.c.borrower_id, PREFERENCES.c.hours, PREFERENCES.c.channels_refused)
    if chosen is not None:  # None: every borrower's (the nightly batch)
        stmt = stmt.where(PREFERENCES.c.borrower_id.in_(chosen))
    rows = session.execute(stmt).all()
    stored = pl.DataFrame([tuple(r) for r in rows], schema={"borrower_id": pl.String(), "hours": pl.String(),
                                                           "channels_refused": pl.String()}, orient="row")
    return preference_frames(stored)


def borrower_frames(session: Session, borrower_id: str,
                    exclude_visit_ids: Sequence[str] = ()) -> dict[str, pl.DataFrame]:
    """One borrower's current facts from the store (see `store_frames`); LookupError if there is none."""
    if session.get(Borrower, borrower_id) is None:
        raise LookupError(f"borrower {borrower_id} not found")
    return store_frames(session, [borrower_id], exclude_visit_ids)
