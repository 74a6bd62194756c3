"""Portfolio dashboards, computed from the store with the batch's own functions (aggregates only: no
personal data leaves this module, so every dashboard reader sees the same figures).

- loans and overdue amounts per bucket, today;
- roll rates month over month: of the loans in bucket b at one month end, the share in a worse bucket at the
  next month end; cure rate: of the loans overdue at one month end, the share current at the next;
- contacts per channel and month; promise-kept rate per month (kept / (kept + broken), by promised date);
- visits proposed / approved / done, and avoided: loans today that are overdue enough and often enough for
  the visit gate but are blocked by `reachable` or `hold_active` (remote contact or a promise is working);
- actions blocked per rule today (guardrails that moved or stopped a step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duecare.ageing.ageing import BUCKETS, loan_ageing
from duecare.ledger import models as m
from duecare.ledger.frames import Frames
from duecare.policy.evaluator import Policy, decide
from duecare.privacy.permissions import SYSTEM
from duecare.visits.models import VisitCase
from duecare.web.snapshot import load_frames

ORDER = {b: i for i, b in enumerate(BUCKETS)}


def N_(text: str) -> str:
    return text


VISIT_LABELS = {"proposed": N_("Proposed"), "approved": N_("Approved"), "done": N_("Done"), "avoided": N_("Avoided")}


@dataclass(frozen=True)
class Dashboard:
    buckets: list[dict[str, Any]]
    roll_rates: list[dict[str, Any]]  # {month, from_bucket, rate, loans}
    cure_rates: list[dict[str, Any]]  # {month, rate, loans}
    contacts: list[dict[str, Any]]  # {month, channel, contacts}
    visits: dict[str, int]
    blocked: list[dict[str, Any]]  # {rule, loans}
    promises: list[dict[str, Any]]  # {month, kept, broken, rate}
    promise_rate: float | None


def month_ends(at: datetime, months: int) -> list[datetime]:
    """The first instant of each of the last `months` months, oldest first, then `at` itself."""
    points = []
    y, mo = at.year, at.month
    for _ in range(months):
        points.append(datetime(y, mo, 1, tzinfo=UTC))
        y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
    return sorted(points) + [at]


def bucket_table(ageing: pl.DataFrame) -> list[dict[str, Any]]:
    counts = ageing.group_by("bucket").agg(loans=pl.len(), overdue_minor=pl.col("overdue_minor").sum())
    by = {r["bucket"]: r for r in counts.to_dicts()}
    return [{"bucket": b, "loans": by.get(b, {}).get("loans", 0), "overdue_minor": by.get(b, {}).get("overdue_minor", 0)}
            for b in BUCKETS]


def roll_and_cure(frames: Frames, points: list[datetime]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    snaps = [loan_ageing(frames, p).select("loan_id", pl.col("bucket").replace_strict(ORDER, return_dtype=pl.Int8)
                                           .alias("b")) for p in points]
    rolls, cures = [], []
    for (p0, s0), s1 in zip(zip(points, snaps, strict=False), snaps[1:], strict=False):
        label = p0.strftime("%Y-%m")
        pair = s0.join(s1, on="loan_id", suffix="_next")
        for b in BUCKETS[:-1]:
            part = pair.filter(pl.col("b") == ORDER[b])
            if part.height:
                rolled = part.filter(pl.col("b_next") > pl.col("b")).height
                rolls.append({"month": label, "from_bucket": b, "rate": rolled / part.height, "loans": part.height})
        overdue = pair.filter(pl.col("b") > 0)
        if overdue.height:
            cures.append({"month": label, "rate": overdue.filter(pl.col("b_next") == 0).height / overdue.height,
                          "loans": overdue.height})
    return rolls, cures


def contacts_per_channel(frames: Frames, since: datetime) -> list[dict[str, Any]]:
    c = frames["contacts"].filter(pl.col("at") >= since)
    if c.height == 0:
        return []
    return (c.with_columns(month=pl.col("at").dt.strftime("%Y-%m")).group_by("month", "channel")
            .agg(contacts=pl.len()).sort("month", "channel").to_dicts())


def promise_rates(frames: Frames, since: date) -> tuple[list[dict[str, Any]], float | None]:
    p = frames["promises"].filter(pl.col("status").is_in(["kept", "broken"]) & (pl.col("promised_date") >= since))
    if p.height == 0:
        return [], None
    per = (p.with_columns(month=pl.col("promised_date").dt.strftime("%Y-%m"))
           .group_by("month").agg(kept=(pl.col("status") == "kept").sum(), broken=(pl.col("status") == "broken").sum())
           .with_columns(rate=pl.col("kept") / (pl.col("kept") + pl.col("broken"))).sort("month"))
    kept = int(per["kept"].sum())
    return per.to_dicts(), kept / (kept + int(per["broken"].sum()))


def visit_counts(db: Session, decided: pl.DataFrame) -> dict[str, int]:
    counts = {"proposed": 0, "approved": 0, "done": 0, "avoided": 0}
    states: dict[Any, int] = dict(db.execute(select(VisitCase.state, func.count()).group_by(VisitCase.state)).all())
    total = sum(states.values())
    counts["proposed"] = total
    reached_approval = ("approved", "scheduled", "reported", "reviewed")
    counts["approved"] = sum(n for s, n in states.items() if getattr(s, "value", s) in reached_approval)
    counts["done"] = sum(n for s, n in states.items() if getattr(s, "value", s) in ("reported", "reviewed"))
    ledger = dict(db.execute(select(m.Visit.status, func.count()).group_by(m.Visit.status)).all())
    counts["done"] += ledger.get(m.VisitStatus.COMPLETED, 0)
    counts["proposed"] += ledger.get(m.VisitStatus.PROPOSED, 0)
    if decided.height:
        severe = ~(pl.col("visit_unmet").list.contains("dpd_below_threshold")
                   | pl.col("visit_unmet").list.contains("too_few_episodes"))
        remote_works = (pl.col("visit_unmet").list.contains("reachable")
                        | pl.col("visit_unmet").list.contains("hold_active"))
        counts["avoided"] = decided.filter(severe & remote_works).height
    return counts


def blocked_per_rule(decided: pl.DataFrame) -> list[dict[str, Any]]:
    if decided.height == 0:
        return []
    b = decided.select(pl.col("blocked_rules").explode().alias("rule")).drop_nulls()
    return b.group_by("rule").agg(loans=pl.len()).sort("loans", descending=True).to_dicts()


def build(db: Session, at: datetime, months: int = 6) -> Dashboard:
    frames = load_frames(db, SYSTEM)  # aggregates only
    if frames["loans"].height == 0:
        return Dashboard([{"bucket": b, "loans": 0, "overdue_minor": 0} for b in BUCKETS], [], [], [],
                         {"proposed": 0, "approved": 0, "done": 0, "avoided": 0}, [], [], None)
    decided = decide(frames, at, Policy.default())
    points = month_ends(at, months)
    rolls, cures = roll_and_cure(frames, points)
    promises, rate = promise_rates(frames, points[0].date())
    return Dashboard(
        buckets=bucket_table(decided), roll_rates=rolls, cure_rates=cures,
        contacts=contacts_per_channel(frames, points[0]), visits=visit_counts(db, decided),
        blocked=blocked_per_rule(decided), promises=promises, promise_rate=rate,
    )


def figures(d: Dashboard, tr: Any) -> dict[str, str]:
    """Plotly figure JSON per chart (drawn by the bundled plotly.min.js); `tr` translates titles."""
    import plotly.graph_objects as go

    def dump(fig: Any) -> str:
        fig.update_layout(template="simple_white", height=320, legend={"orientation": "h", "y": -0.2})
        return str(fig.to_json()).replace("</", "<\\/")

    out: dict[str, str] = {}
    out["buckets"] = dump(go.Figure(
        [go.Bar(x=[r["bucket"] for r in d.buckets], y=[r["loans"] for r in d.buckets], name=tr("Loans")),
         go.Bar(x=[r["bucket"] for r in d.buckets], y=[r["overdue_minor"] / 100 for r in d.buckets],
                name=tr("Overdue amount"), yaxis="y2")],
        layout={"title": tr("Loans and overdue amount per bucket"), "barmode": "group",
                "yaxis2": {"overlaying": "y", "side": "right"}}))
    roll = go.Figure(layout={"title": tr("Roll rates month over month"), "yaxis": {"tickformat": ".0%"}})
    for b in BUCKETS[:-1]:
        pts = [r for r in d.roll_rates if r["from_bucket"] == b]
        if pts:
            roll.add_trace(go.Scatter(x=[r["month"] for r in pts], y=[r["rate"] for r in pts], mode="lines+markers",
                                      name=b))
    if d.cure_rates:
        roll.add_trace(go.Scatter(x=[r["month"] for r in d.cure_rates], y=[r["rate"] for r in d.cure_rates],
                                  mode="lines+markers", name=tr("Cure rate"), line={"dash": "dash"}))
    out["rolls"] = dump(roll)
    ch = go.Figure(layout={"title": tr("Contacts per channel"), "barmode": "stack"})
    for channel in sorted({r["channel"] for r in d.contacts}):
        pts = [r for r in d.contacts if r["channel"] == channel]
        ch.add_trace(go.Bar(x=[r["month"] for r in pts], y=[r["contacts"] for r in pts], name=channel))
    out["contacts"] = dump(ch)
    out["visits"] = dump(go.Figure([go.Bar(x=[tr(VISIT_LABELS[k]) for k in d.visits], y=list(d.visits.values()))],
                                   layout={"title": tr("Home visits")}))
    out["blocked"] = dump(go.Figure([go.Bar(y=[r["rule"] for r in d.blocked], x=[r["loans"] for r in d.blocked],
                                            orientation="h")], layout={"title": tr("Actions blocked per rule")}))
    out["promises"] = dump(go.Figure([go.Scatter(x=[r["month"] for r in d.promises], y=[r["rate"] for r in d.promises],
                                                 mode="lines+markers")],
                                     layout={"title": tr("Promise-kept rate"), "yaxis": {"tickformat": ".0%"}}))
    return out
