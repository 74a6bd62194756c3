"""Column helpers shared by the evaluator and the guardrails."""

from __future__ import annotations

import polars as pl

EMPTY = pl.lit([], dtype=pl.List(pl.String))


def codes_list(pairs: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """A list column of the codes whose condition holds, in the given order.

    Built by joining the codes into one string and splitting it: an order of magnitude faster than
    `concat_list` of nullable literals on this Polars version. Codes must not contain commas.
    """
    if not pairs:
        return EMPTY
    if any("," in code for code, _ in pairs):
        raise ValueError("codes must not contain commas")
    joined = pl.concat_str([pl.when(cond).then(pl.lit(code)) for code, cond in pairs], separator=",",
                           ignore_nulls=True)
    return pl.when(joined == "").then(EMPTY).otherwise(joined.str.split(","))
