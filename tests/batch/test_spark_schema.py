"""The Spark engine declares its output columns before any task runs: a scored run's features must list the
model's columns in the order the Polars engine writes them (`batch.engine.feature_table`)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from duecare.batch.engine import feature_table
from duecare.batch.spark import output_schemas
from duecare.ledger.frames import SCHEMAS, empty
from duecare.policy.evaluator import Policy, decide

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)


def test_scored_and_unscored_feature_columns_are_in_the_polars_engines_order() -> None:
    policy = Policy.default()
    decisions = decide({n: empty(n) for n in SCHEMAS}, AS_OF, policy)
    assert list(output_schemas(AS_OF, policy, scored=False)["features"]) == feature_table(decisions).columns
    scored = decisions.with_columns(risk_score=pl.lit(None, pl.Float64), reason_codes=pl.lit(None, pl.List(pl.String)),
                                    risk_model=pl.lit(None, pl.String))
    assert list(output_schemas(AS_OF, policy, scored=True)["features"]) == feature_table(scored).columns
