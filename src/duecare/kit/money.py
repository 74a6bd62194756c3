"""Money as integer minor units on batch paths and Decimal at the edges; never float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl

MINOR = 100  # every supported currency (CNY, USD, GBP) has two decimals


def to_minor(amount: Decimal) -> int:
    return int((amount * MINOR).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_minor(minor: int) -> Decimal:
    return (Decimal(minor) / MINOR).quantize(Decimal("0.01"))


def json_number(minor: int) -> int | float:
    """A JSON number for an amount: whole units print as integers (8000), cents keep two decimals."""
    if minor % MINOR == 0:
        return minor // MINOR
    return float(from_minor(minor))


def minor_expr(col: str) -> pl.Expr:
    """Decimal, integer or string column → Int64 minor units (exact for decimal(18,2) inputs)."""
    return (pl.col(col).cast(pl.Decimal(20, 2)) * MINOR).cast(pl.Int64)
