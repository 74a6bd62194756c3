"""WOE scorecard: optimal monotonic binning and points scaling with optbinning, served from plain JSON.

Training uses optbinning's `BinningProcess` + `Scorecard` (PDO / base-odds scaling). The fitted card is
exported to a JSON spec (splits or category groups and points per bin); serving reads only that spec and
scores with vectorised numpy/polars, so no pickle and no optbinning object is ever loaded to score.
Points are "higher = safer": score = offset − factor·logit(p_bad), factor = PDO / ln 2.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

Kind = Literal["numerical", "categorical"]


@dataclass(frozen=True)
class Variable:
    """One characteristic of the card: its bins and the points each bin earns."""

    name: str
    kind: Kind
    points: list[float]
    missing_points: float
    splits: list[float] = field(default_factory=list)  # numerical: bin i is [splits[i-1], splits[i])
    groups: list[list[str]] = field(default_factory=list)  # categorical: categories of bin i
    woe: list[float] = field(default_factory=list)
    event_rate: list[float] = field(default_factory=list)
    count: list[int] = field(default_factory=list)

    @property
    def max_points(self) -> float:
        return max([*self.points, self.missing_points])


@dataclass(frozen=True)
class ScorecardSpec:
    """A complete, JSON-serialisable scorecard with its scaling and probability calibration."""

    variables: list[Variable]
    pdo: float
    base_odds: float
    base_points: float
    calibration: tuple[float, float] = (0.0, 1.0)  # Platt: logit(p) = a + b · raw_logit

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    @property
    def features(self) -> list[str]:
        return [v.name for v in self.variables]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "scorecard", "pdo": self.pdo, "base_odds": self.base_odds,
                "base_points": self.base_points, "calibration": list(self.calibration),
                "variables": [asdict(v) for v in self.variables]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScorecardSpec:
        variables = [Variable(**v) for v in data["variables"]]
        a, b = data.get("calibration", (0.0, 1.0))
        return cls(variables=variables, pdo=float(data["pdo"]), base_odds=float(data["base_odds"]),
                   base_points=float(data["base_points"]), calibration=(float(a), float(b)))


def categorical_columns(frame: pl.DataFrame) -> list[str]:
    """String, categorical and boolean columns are binned as categories."""
    return [c for c, t in frame.schema.items() if t in (pl.String, pl.Categorical, pl.Boolean) or t == pl.Enum]


def finite(expr: pl.Expr) -> pl.Expr:
    """Float values with ±inf and NaN turned into nulls (they are scored as Missing)."""
    as_float = expr.cast(pl.Float64)
    return pl.when(as_float.is_finite()).then(as_float).otherwise(None)


def to_pandas(frame: pl.DataFrame, categorical: list[str]) -> Any:
    cast = [pl.col(c).cast(pl.String) for c in categorical]
    numeric = [finite(pl.col(c)) for c in frame.columns if c not in categorical]
    return frame.select(*cast, *numeric).select(frame.columns).to_pandas()


def fit_scorecard(features: pl.DataFrame, target: np.ndarray, *, pdo: float = 20.0, base_odds: float = 50.0,
                  base_points: float = 600.0, min_iv: float = 0.0, c: float = 1.0) -> ScorecardSpec:
    """Fit binning + logistic regression + PDO scaling with optbinning and export the card to a spec."""
    card = fit_optbinning(features, target, pdo=pdo, base_odds=base_odds, base_points=base_points,
                          min_iv=min_iv, c=c)
    spec = export(card, categorical_columns(features), pdo=pdo, base_odds=base_odds, base_points=base_points)
    return calibrate(spec, features, target)


def fit_optbinning(features: pl.DataFrame, target: np.ndarray, *, pdo: float, base_odds: float,
                   base_points: float, min_iv: float = 0.0, c: float = 1.0) -> Any:
    """The optbinning `Scorecard` (training time only; never stored).

    A characteristic whose coefficient has the wrong sign (more points for a riskier bin, a symptom of
    collinearity) is dropped and the card refitted, so every card reads "a better bin earns more points".
    """
    names = list(features.columns)
    while True:
        card = _fit_once(features.select(names), target, pdo=pdo, base_odds=base_odds,
                         base_points=base_points, min_iv=min_iv, c=c)
        support = list(card.binning_process_.get_support(names=True))
        wrong = {n for n, coef in zip(support, card.estimator_.coef_[0], strict=True) if coef > 0}
        if not wrong:
            return card
        names = [n for n in names if n not in wrong]


def _fit_once(features: pl.DataFrame, target: np.ndarray, *, pdo: float, base_odds: float,
              base_points: float, min_iv: float, c: float) -> Any:
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    names = features.columns
    categorical = categorical_columns(features)
    fit_params = {n: {"monotonic_trend": "auto_asc_desc"} for n in names if n not in categorical}
    selection = {"iv": {"min": min_iv}} if min_iv > 0 else None
    process = BinningProcess(names, categorical_variables=categorical, binning_fit_params=fit_params,
                             selection_criteria=selection)
    card = Scorecard(process, LogisticRegression(C=c, max_iter=2000), scaling_method="pdo_odds",
                     scaling_method_params={"pdo": pdo, "odds": base_odds, "scorecard_points": base_points})
    card.fit(to_pandas(features, categorical), target)
    return card


def export(card: Any, categorical: list[str], *, pdo: float, base_odds: float, base_points: float) -> ScorecardSpec:
    """The fitted optbinning card as a plain spec: splits or category groups and points per bin."""
    table = card.table(style="detailed")
    fitted = card.binning_process_
    variables = []
    for name in fitted.get_support(names=True):
        rows = table[table["Variable"] == name]
        regular = rows.iloc[:-2]  # optbinning lists the regular bins, then "Special", then "Missing"
        missing = float(rows["Points"].iloc[-1])
        binned = fitted.get_binned_variable(name)
        common = {"name": name, "points": [float(p) for p in regular["Points"]], "missing_points": missing,
                  "woe": [float(w) for w in regular["WoE"]], "event_rate": [float(r) for r in regular["Event rate"]],
                  "count": [int(n) for n in regular["Count"]]}
        if name in categorical:
            groups = [[str(x) for x in group] for group in binned.splits]
            variables.append(Variable(kind="categorical", groups=groups, **common))
        else:
            variables.append(Variable(kind="numerical", splits=[float(s) for s in binned.splits], **common))
    return ScorecardSpec(variables=variables, pdo=pdo, base_odds=base_odds, base_points=base_points)


def points_matrix(frame: pl.DataFrame, spec: ScorecardSpec) -> np.ndarray:
    """Points per (row, variable), vectorised; nulls and unseen categories earn the Missing bin's points. The
    frame is read in one query (a query per variable cost more than the scoring itself on a page's few rows)."""
    if not spec.variables:
        return np.zeros((frame.height, 0))
    exprs = []
    for j, var in enumerate(spec.variables):
        if var.kind == "numerical":
            exprs.append(finite(pl.col(var.name)).fill_null(float("nan")).alias(f"v{j}"))
        else:
            mapping = {cat: var.points[i] for i, group in enumerate(var.groups) for cat in group}
            exprs.append(pl.col(var.name).cast(pl.String).replace_strict(
                mapping, default=var.missing_points, return_dtype=pl.Float64).fill_null(var.missing_points)
                .alias(f"v{j}"))
    values = frame.select(exprs).to_numpy().astype(float, copy=False).reshape(frame.height, len(exprs))
    columns = []
    for j, var in enumerate(spec.variables):
        x = values[:, j]
        if var.kind == "numerical":
            index = np.searchsorted(np.asarray(var.splits, dtype=float), x, side="right")
            table = np.asarray(var.points, dtype=float)
            columns.append(np.where(np.isnan(x), var.missing_points, table[np.minimum(index, len(table) - 1)]))
        else:
            columns.append(x)
    return np.column_stack(columns)


def raw_logit(points: np.ndarray, spec: ScorecardSpec) -> np.ndarray:
    """logit(p_bad) implied by the card's scaling: (offset − score) / factor."""
    return np.asarray((spec.offset - points.sum(axis=1)) / spec.factor, dtype=float)


def probability(points: np.ndarray, spec: ScorecardSpec) -> np.ndarray:
    """Calibrated probability of the bad outcome."""
    a, b = spec.calibration
    return np.asarray(1.0 / (1.0 + np.exp(-(a + b * raw_logit(points, spec)))), dtype=float)


def calibrate(spec: ScorecardSpec, features: pl.DataFrame, target: np.ndarray) -> ScorecardSpec:
    """Platt-scale the card's implied logit on the given data (2 parameters, nearly identity for LR on WoE)."""
    from sklearn.linear_model import LogisticRegression

    z = raw_logit(points_matrix(features, spec), spec).reshape(-1, 1)
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(z, target)
    calibrated = (float(platt.intercept_[0]), float(platt.coef_[0, 0]))
    return ScorecardSpec(variables=spec.variables, pdo=spec.pdo, base_odds=spec.base_odds,
                         base_points=spec.base_points, calibration=calibrated)


def top_reasons(names: list[str], weight: np.ndarray, top: int = 3) -> pl.Series:
    """Per row, the names of the `top` largest positive weights, largest first (ties: column order)."""
    if weight.shape[1] == 0:
        return pl.Series([[] for _ in range(weight.shape[0])], dtype=pl.List(pl.String))
    order = np.argsort(-weight, axis=1, kind="stable")[:, :top]
    chosen = np.take_along_axis(weight, order, axis=1)
    labels = np.asarray(names)
    frame = pl.DataFrame({**{f"r{j}": labels[order[:, j]] for j in range(order.shape[1])},
                          **{f"k{j}": chosen[:, j] > 1e-9 for j in range(order.shape[1])}})
    picked = [pl.when(pl.col(f"k{j}")).then(pl.col(f"r{j}")) for j in range(order.shape[1])]
    return frame.select(pl.concat_list(picked).list.drop_nulls().alias("reason_codes")).to_series()


def reason_codes(points: np.ndarray, spec: ScorecardSpec, top: int = 3) -> pl.Series:
    """Adverse-action reasons: the variables whose points fall furthest below their maximum (ties: card order)."""
    loss = np.asarray([v.max_points for v in spec.variables]) - points
    return top_reasons(spec.features, loss, top)
