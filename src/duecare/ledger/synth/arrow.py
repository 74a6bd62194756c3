"""Arrow schemas of docs/data-format.md and the exact conversions (money, instants, ids) into them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MONEY = pa.decimal128(18, 2)
TS = pa.timestamp("us", tz="UTC")
S = pa.string()
FLAG_NAMES = ("vulnerable", "dispute_open", "hardship_open", "deceased", "bankrupt", "represented_by_lawyer",
              "do_not_contact")


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, typ, nullable=nullable) for name, typ, nullable in fields])


SCHEMAS: dict[str, pa.Schema] = {
    "borrowers": _schema(
        ("borrower_id", S, False), ("name", S, False), ("phones", pa.list_(S), False), ("email", S, True),
        ("address", S, True), ("city", S, True), ("lat", pa.float64(), True), ("lon", pa.float64(), True),
        ("timezone", S, False), ("language", S, False), ("jurisdiction", S, False), ("risk_band", S, True),
        *((f, pa.bool_(), False) for f in FLAG_NAMES)),
    "loans": _schema(("loan_id", S, False), ("borrower_id", S, False), ("currency", S, False),
                     ("principal", MONEY, False), ("disbursed_on", pa.date32(), False),
                     # contract terms: rates in percent a year (two decimals), charges in money
                     ("interest_rate", MONEY, True), ("apr", MONEY, True), ("fees", MONEY, True),
                     ("late_fee", MONEY, True), ("penalty_rate", MONEY, True), ("grace_days", pa.int32(), True)),
    "installments": _schema(("loan_id", S, False), ("seq", pa.int32(), False), ("due_date", pa.date32(), False),
                            ("amount", MONEY, False)),
    "payments": _schema(("payment_id", S, False), ("loan_id", S, False), ("paid_at", TS, False),
                        ("amount", MONEY, False)),
    "contacts": _schema(("contact_id", S, False), ("borrower_id", S, False), ("loan_id", S, True),
                        ("at", TS, False), ("channel", S, False), ("direction", S, False), ("outcome", S, False),
                        ("agent_id", S, True), ("duration_s", pa.int32(), True), ("answers_notice", S, True)),
    "notices": _schema(("notice_id", S, False), ("borrower_id", S, False), ("loan_id", S, True),
                       ("kind", S, False), ("sent_at", TS, False), ("version_hash", S, True)),
    "consents": _schema(("consent_id", S, False), ("borrower_id", S, False), ("purpose", S, False),
                        ("decision", S, False), ("at", TS, False), ("notice_id", S, True), ("channel", S, True),
                        ("evidence", S, True)),
    "approvals": _schema(("approval_id", S, False), ("borrower_id", S, False), ("notice_id", S, False),
                         ("decision", S, False), ("at", TS, False), ("by", S, False)),
    "promises": _schema(("promise_id", S, False), ("borrower_id", S, False), ("loan_id", S, True),
                        ("promised_date", pa.date32(), False), ("amount", MONEY, False), ("status", S, False)),
    "visits": _schema(("visit_id", S, False), ("borrower_id", S, False), ("loan_id", S, True),
                      ("status", S, False), ("at", TS, False), ("outcome", S, True)),
    "truth": _schema(("borrower_id", S, False), ("segment", S, False), ("group", S, False)),
}
ENTITIES = tuple(SCHEMAS)


def money(cents: np.ndarray) -> pa.Array:
    """Exact decimal(18,2) from integer cents: the 128-bit unscaled values are the cents themselves."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(c), 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = c >> 63          # sign extension into the high word
    return pa.Array.from_buffers(MONEY, len(c), [None, pa.py_buffer(words.tobytes())])


def instants(utc_seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(utc_seconds, dtype=np.int64) * 1_000_000, type=TS)


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32())


def ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    """Sequential ids such as B000000042, numbered from `start`."""
    digits = pa.array(np.arange(start, start + n, dtype=np.int64)).cast(S)
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits, width, padding="0"), "")


def codes(labels: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Labels for small integer codes."""
    return pa.array(labels, type=S).take(pa.array(np.asarray(index, dtype=np.int64)))


def nullable(values: pa.Array, valid: np.ndarray) -> pa.Array:
    """`values` where `valid`, null elsewhere."""
    return pc.if_else(pa.array(valid), values, pa.nulls(len(values), values.type))


def table(entity: str, columns: dict[str, pa.Array]) -> pa.Table:
    schema = SCHEMAS[entity]
    arrays = [columns[f.name].cast(f.type) if columns[f.name].type != f.type else columns[f.name]
              for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)
