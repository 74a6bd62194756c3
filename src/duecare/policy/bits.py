"""Sets of codes as integer bitmasks: how the evaluator carries unmet gate codes and reasons through its plan.

Bit i stands for the i-th code of a fixed vocabulary (gate codes in gate order; ladder lines in ladder order, then
the reasons the guardrails add, in the order they add them). A mask is one UInt64 per row, so collecting a code is
an OR and a test is an AND; the list of codes is decoded once, at output, in bit order, which is the order the
codes were collected in.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from functools import reduce

import polars as pl

from duecare.kit.columns import codes_list

MASK = pl.UInt64
BITS = 64


def bit(i: int) -> pl.Expr:
    if not 0 <= i < BITS:
        raise ValueError(f"bit {i} does not fit a {BITS}-bit mask")
    return pl.lit(1 << i, MASK)


def mask_of(conditions: Sequence[pl.Expr], first: int = 0) -> pl.Expr:
    """Bit `first + i` set where the i-th condition holds (a null condition sets nothing)."""
    if not conditions:
        return pl.lit(0, MASK)
    terms = [pl.when(c).then(bit(first + i)).otherwise(pl.lit(0, MASK)) for i, c in enumerate(conditions)]
    return reduce(operator.or_, terms)


def has(mask: pl.Expr, i: int) -> pl.Expr:
    """Whether bit i is set."""
    return (mask & bit(i)) != 0


def decode(mask: pl.Expr, codes: Sequence[str | None]) -> pl.Expr:
    """The list of codes whose bit is set, in bit order (None: a bit no code uses)."""
    return codes_list([(code, has(mask, i)) for i, code in enumerate(codes) if code is not None])
