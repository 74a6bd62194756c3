"""Column helpers shared by the evaluator and the guardrails."""

from __future__ import annotations

from typing import Final

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


# The engine the decision's queries run on: the one Polars' eager methods use. The default ("auto") costs about as
# much again per query on a single case (measured: decision facts of one loan, 16 -> 8 ms CPU).
ENGINE: Final = "in-memory"
# Polars' query optimiser pays off on a portfolio but not on one borrower's rows: planning the decision's handful
# of large lazy queries cost more than running them on a case of a few loans (the worked example decided in
# 22.4 -> 18.5 ms CPU with the optimiser off for these queries, identical output). Optimisations never change a
# result, so the flags depend only on the size of the query's largest input.
SMALL_QUERY_ROWS: Final = 5_000
_UNOPTIMISED: Final = pl.QueryOptFlags.none()
_OPTIMISED: Final = pl.QueryOptFlags()


def run(query: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """Collect one of the decision's lazy queries; `rows` is the height of its largest input."""
    return query.collect(engine=ENGINE, optimizations=_UNOPTIMISED if rows <= SMALL_QUERY_ROWS else _OPTIMISED)
