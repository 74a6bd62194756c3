"""Portfolio dashboards, computed from the store with the batch's own functions (aggregates only: no
personal data leaves this module, so every dashboard reader sees the same figures).

- loans and overdue amounts per bucket, today;
- roll rates month over month: of the loans in bucket b at one month end, the share in a worse bucket at the
  next month end; cure rate: of the loans overdue at one month end, the share current at the next;
- contacts per channel and month; promise-kept rate per month (kept / (kept + broken), by promised date);
- visits proposed / approved / done, and avoided: loans today that are overdue enough and often enough for
  the visit gate but are blocked by `reachable` or `hold_active` (remote contact or a promise is working);
- actions blocked per rule today (guardrails that moved or stopped a step);
- right-party-contact rate per month (outbound calls that reached the borrower / outbound calls);
- promise-kept rate per agent (a promise counts for the agent who logged the promise-to-pay call on that loan
  last before its date);
- recovery per month (of the amount overdue at a month's start, the share paid during the month);
- visits avoided by reason (the gate code that kept a severe-enough case remote);
- investigation cycle time (features/cycletime.py): from the moment a borrower became unreachable to the moment
  their situation was known, per route (a right-party call, the hardship questionnaire, a remote report from
  documents / a video or phone appointment / a plan, a home visit), and the share known without a visit.

The month in progress is partial: every series marks it (`partial`), the charts draw it hollow and dashed and
name it "month so far", so a half month is never read as a crash. Each chart has one measure on its one axis,
and every title, axis, legend and category is translated (`figures(d, tr)` with the request's catalog).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duecare.ageing.ageing import BUCKETS, loan_ageing
from duecare.ledger import models as m
from duecare.ledger.frames import Frames
from duecare.policy.evaluator import Policy
from duecare.visits.models import VisitCase
from duecare.web.snapshot import page_policy
from duecare.web.standing import standing_store

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
    promises: list[dict[str, Any]]  # {month, kept, broken, rate, partial}
    promise_rate: float | None
    rpc: list[dict[str, Any]] = field(default_factory=list)  # {month, calls, reached, rate, partial}
    promise_by_agent: list[dict[str, Any]] = field(default_factory=list)  # {agent, kept, broken, rate}
    recovery: list[dict[str, Any]] = field(default_factory=list)  # {month, overdue_minor, paid_minor, rate, partial}
    avoided_by_reason: list[dict[str, Any]] = field(default_factory=list)  # {reason, loans}
    partial_month: str | None = None  # the month in progress ("2026-12"), None when `at` is a month start
    cycle: dict[str, Any] = field(default_factory=lambda: {  # features.cycletime.summary
        "per_route": [], "known": 0, "open": 0, "without_visit_share": None, "median_days": None})


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


def ageing_at(frames: Frames, points: list[datetime]) -> list[pl.DataFrame]:
    """Every loan aged at each point (`loan_id`, `bucket`, `overdue_minor`): the month-by-month figures' input."""
    return [loan_ageing(frames, p).select("loan_id", "bucket", "overdue_minor") for p in points]


def roll_and_cure(aged: list[pl.DataFrame], points: list[datetime]
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    snaps = [a.select("loan_id", pl.col("bucket").replace_strict(ORDER, return_dtype=pl.Int8).alias("b"))
             for a in aged]
    rolls, cures = [], []
    last = len(points) - 2
    for i, ((p0, s0), s1) in enumerate(zip(zip(points, snaps, strict=False), snaps[1:], strict=False)):
        label, partial = p0.strftime("%Y-%m"), i == last and _is_partial(points[-1])
        pair = s0.join(s1, on="loan_id", suffix="_next")
        for b in BUCKETS[:-1]:
            part = pair.filter(pl.col("b") == ORDER[b])
            if part.height:
                rolled = part.filter(pl.col("b_next") > pl.col("b")).height
                rolls.append({"month": label, "from_bucket": b, "rate": rolled / part.height, "loans": part.height,
                              "partial": partial})
        overdue = pair.filter(pl.col("b") > 0)
        if overdue.height:
            cures.append({"month": label, "rate": overdue.filter(pl.col("b_next") == 0).height / overdue.height,
                          "loans": overdue.height, "partial": partial})
    return rolls, cures


def _is_partial(at: datetime) -> bool:
    """`at` lies inside a month (not on its first instant): the last month of every series is partial."""
    return (at.day, at.hour, at.minute, at.second, at.microsecond) != (1, 0, 0, 0, 0)


def _mark_partial(rows: list[dict[str, Any]], partial_month: str | None) -> list[dict[str, Any]]:
    return [{**r, "partial": r["month"] == partial_month} for r in rows]


def recovery(frames: Frames, aged: list[pl.DataFrame], points: list[datetime]) -> list[dict[str, Any]]:
    """Per month: the amount overdue at its start, and how much of it was paid before the next point (each loan's
    payments count up to its overdue amount)."""
    pays = frames["payments"]
    out = []
    for i, (p0, p1) in enumerate(zip(points, points[1:], strict=False)):
        owed = aged[i].filter(pl.col("overdue_minor") > 0).select("loan_id", "overdue_minor")
        if owed.height == 0:
            continue
        paid = (pays.filter((pl.col("paid_at") >= p0) & (pl.col("paid_at") < p1)).group_by("loan_id")
                .agg(paid=pl.col("amount_minor").sum()))
        got = owed.join(paid, on="loan_id", how="left").select(
            pl.col("overdue_minor").sum().alias("overdue"),
            pl.min_horizontal(pl.col("paid").fill_null(0), pl.col("overdue_minor")).sum().alias("paid"))
        overdue, recovered = int(got["overdue"][0]), int(got["paid"][0])
        out.append({"month": p0.strftime("%Y-%m"), "overdue_minor": overdue, "paid_minor": recovered,
                    "rate": recovered / overdue, "partial": i == len(points) - 2 and _is_partial(points[-1])})
    return out


def rpc_rates(frames: Frames, since: datetime) -> list[dict[str, Any]]:
    """Right-party-contact rate per month: outbound calls answered by the borrower (rpc, ptp, refused,
    dispute) over all outbound calls."""
    c = frames["contacts"].filter((pl.col("at") >= since) & (pl.col("channel") == "call")
                                  & (pl.col("direction") == "outbound"))
    if c.height == 0:
        return []
    return (c.with_columns(month=pl.col("at").dt.strftime("%Y-%m"),
                           reached=pl.col("outcome").is_in(list(RIGHT_PARTY)))
            .group_by("month").agg(calls=pl.len(), reached=pl.col("reached").sum())
            .with_columns(rate=pl.col("reached") / pl.col("calls")).sort("month").to_dicts())


RIGHT_PARTY = ("rpc", "ptp", "refused", "dispute")


def promise_rate_by_agent(db: Session, since: date) -> list[dict[str, Any]]:
    """Kept / (kept + broken) per agent: each settled promise goes to the agent who last logged a
    promise-to-pay call on that loan on or before its date (promises with no such call are not counted)."""
    promises = pl.DataFrame(db.execute(
        select(m.Promise.loan_id, m.Promise.promised_date, m.Promise.status)
        .where(m.Promise.status.in_([m.PromiseStatus.KEPT, m.PromiseStatus.BROKEN]), m.Promise.promised_date >= since,
               m.Promise.loan_id.is_not(None))).all(),
        schema={"loan_id": pl.String, "promised_date": pl.Date, "status": pl.String}, orient="row")
    calls = pl.DataFrame(db.execute(
        select(m.ContactEvent.loan_id, m.ContactEvent.at, m.ContactEvent.agent_id)
        .where(m.ContactEvent.outcome == m.Outcome.PTP, m.ContactEvent.agent_id.is_not(None),
               m.ContactEvent.loan_id.is_not(None))).all(),
        schema={"loan_id": pl.String, "at": pl.Datetime("us", "UTC"), "agent_id": pl.String}, orient="row")
    if promises.height == 0 or calls.height == 0:
        return []
    joined = (promises.sort("promised_date")
              .join_asof(calls.with_columns(day=pl.col("at").dt.date()).sort("day"), left_on="promised_date",
                         right_on="day", by="loan_id", strategy="backward", check_sortedness=False)
              .drop_nulls("agent_id"))
    if joined.height == 0:
        return []
    return (joined.group_by("agent_id").agg(kept=(pl.col("status") == "kept").sum(),
                                            broken=(pl.col("status") == "broken").sum())
            .with_columns(rate=pl.col("kept") / (pl.col("kept") + pl.col("broken")))
            .rename({"agent_id": "agent"}).sort("agent").to_dicts())


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


SEVERITY = ("dpd_below_threshold", "too_few_episodes")
# Steps of the visit workflow still to come: they do not avoid a visit, they precede one.
PROCESS = ("notice_not_sent", "notice_period_running", "consent_missing", "approval_missing")


def avoided_by_reason(decided: pl.DataFrame) -> list[dict[str, Any]]:
    """Loans overdue enough and often enough for a visit, by the gate code that keeps them remote."""
    if decided.height == 0:
        return []
    severe = decided.filter(~pl.col("visit_unmet").list.eval(pl.element().is_in(list(SEVERITY))).list.any()
                            & (pl.col("visit_unmet").list.len() > 0))
    if severe.height == 0:
        return []
    return (severe.select(pl.col("visit_unmet").explode().alias("reason")).drop_nulls()
            .filter(~pl.col("reason").is_in(list(PROCESS)))
            .group_by("reason").agg(loans=pl.len()).sort(["loans", "reason"], descending=[True, False]).to_dicts())


def blocked_per_rule(decided: pl.DataFrame) -> list[dict[str, Any]]:
    if decided.height == 0:
        return []
    b = decided.select(pl.col("blocked_rules").explode().alias("rule")).drop_nulls()
    return b.group_by("rule").agg(loans=pl.len()).sort("loans", descending=True).to_dicts()


# An alternative verified by a person without a filed remote report: the route is the alternative's kind.
ALTERNATIVE_ROUTE = {"questionnaire": "questionnaire", "documents": "documents", "video": "video",
                     "phone_appointment": "phone", "plan": "plan"}


def known_events(db: Session, frames: Frames, at: datetime) -> pl.DataFrame:
    """(borrower_id, at, route): every moment a borrower's situation became known, up to `at`. A right-party
    call (either direction; an answer to a visit notice is no conversation), the borrower's own hardship
    questionnaire, a remote report (its source names the route), an alternative a person verified without a
    report (its kind), a visit report filed or a completed visit of the ledger."""
    from duecare.portal.models import HardshipAnswers
    from duecare.visits.models import RemoteReport, VisitReport

    c = frames["contacts"]
    calls = c.filter((pl.col("channel") == "call") & pl.col("outcome").is_in(list(RIGHT_PARTY))
                     & pl.col("answers_notice").is_null()).select("borrower_id", "at", route=pl.lit("call"))
    rows: list[tuple[str, datetime, str]] = []
    rows += [(b, t, "questionnaire") for b, t in db.execute(select(HardshipAnswers.borrower_id,
                                                                   HardshipAnswers.created_at))]
    reported = set()
    for alt, b, t, source in db.execute(select(RemoteReport.alternative_id, RemoteReport.borrower_id,
                                               RemoteReport.filed_at, RemoteReport.source)):
        reported.add(alt)
        rows.append((b, t, source))
    for alt_id, b, done, kind in db.execute(select(m.Alternative.id, m.Alternative.borrower_id,
                                                   m.Alternative.completed_at, m.Alternative.kind)
                                            .where(m.Alternative.state == m.AlternativeState.VERIFIED)):
        if alt_id not in reported and done is not None:
            rows.append((b, done, ALTERNATIVE_ROUTE[getattr(kind, "value", kind)]))
    rows += [(b, t, "visit") for b, t in db.execute(select(VisitCase.borrower_id, VisitReport.filed_at)
                                                    .join(VisitReport, VisitReport.visit_id == VisitCase.id))]
    visits = frames["visits"].filter(pl.col("status") == "completed").select("borrower_id", "at",
                                                                             route=pl.lit("visit"))
    stored = pl.DataFrame(rows, schema=["borrower_id", "at", "route"], orient="row").cast(
        {"borrower_id": pl.String, "at": pl.Datetime("us", "UTC"), "route": pl.String})
    events = pl.concat([calls.cast(stored.schema), visits.cast(stored.schema), stored])
    return events.filter(pl.col("at") <= at)


def cycle_time(db: Session, frames: Frames, at: datetime, policy: Policy) -> dict[str, Any]:
    from duecare.features.contacts import Reachability
    from duecare.features.cycletime import cycle_times, summary, unreachable_onsets

    reach = Reachability(**policy.strategy.reachability.model_dump())
    closed, still_open = cycle_times(unreachable_onsets(frames["contacts"], reach, until=at),
                                     known_events(db, frames, at))
    return summary(closed, still_open)


def build(db: Session, at: datetime, months: int = 6) -> Dashboard:
    # aggregates only: the store's frames and standing decisions the work queue reads (web/standing.py: the
    # batch's policy and scorer, every write seen, decisions at most a minute old), kept between views
    frames, decided = standing_store(db, at)
    partial_month = at.strftime("%Y-%m") if _is_partial(at) else None
    if frames["loans"].height == 0:
        return Dashboard([{"bucket": b, "loans": 0, "overdue_minor": 0} for b in BUCKETS], [], [], [],
                         {"proposed": 0, "approved": 0, "done": 0, "avoided": 0}, [], [], None,
                         partial_month=partial_month)
    policy = page_policy()
    points = month_ends(at, months)
    aged = ageing_at(frames, points)
    rolls, cures = roll_and_cure(aged, points)
    promises, rate = promise_rates(frames, points[0].date())
    return Dashboard(
        buckets=bucket_table(decided), roll_rates=rolls, cure_rates=cures,
        contacts=_mark_partial(contacts_per_channel(frames, points[0]), partial_month),
        visits=visit_counts(db, decided), blocked=blocked_per_rule(decided),
        promises=_mark_partial(promises, partial_month), promise_rate=rate,
        rpc=_mark_partial(rpc_rates(frames, points[0]), partial_month),
        promise_by_agent=promise_rate_by_agent(db, points[0].date()),
        recovery=recovery(frames, aged, points), avoided_by_reason=avoided_by_reason(decided), partial_month=partial_month,
        cycle=cycle_time(db, frames, at, policy),
    )


@functools.cache
def _template() -> dict[str, Any]:
    """Plotly's "simple_white" template as the JSON the browser's plotly.js reads (built once per process)."""
    import plotly.io as pio

    template: dict[str, Any] = json.loads(pio.json.to_json_plotly(pio.templates["simple_white"].to_plotly_json()))
    return template


def _scatter(x: list[Any], y: list[Any], **more: Any) -> dict[str, Any]:
    return {"type": "scatter", "x": x, "y": y, "mode": "lines+markers", **more}


def _bar(x: list[Any], y: list[Any], **more: Any) -> dict[str, Any]:
    return {"type": "bar", "x": x, "y": y, **more}


def figures(d: Dashboard, tr: Any) -> dict[str, str]:
    """Plotly figure JSON per chart (drawn by the bundled plotly.min.js). One measure per chart and axis;
    `tr` translates every title, axis, legend and category; the month in progress is drawn hollow and dashed
    and named "month so far (partial)". The figures are written as plotly.js's JSON directly (traces and layout as
    plain dicts, the template's JSON built once): plotly's Python figure objects validated every property on
    each view and cost more than computing the figures."""
    from duecare.web.labels import label

    def lab(kind: str, code: str) -> str:
        return str(tr(label(kind, code)))

    def month(r: dict[str, Any]) -> str:
        return f"{r['month']} ({tr('month so far, partial')})" if r.get("partial") else str(r["month"])

    def dump(data: list[dict[str, Any]], title: str, y_title: str, x_title: str = "", percent: bool = False,
             **layout: Any) -> str:
        for trace in data:  # a rate of nothing is no point (null), as plotly's own encoder writes NaN
            for axis in ("x", "y") if trace["type"] != "box" else ():
                trace[axis] = [None if isinstance(v, float) and not math.isfinite(v) else v for v in trace[axis]]
        fig = {"data": data, "layout": {
            "title": {"text": title}, **layout, "template": _template(), "height": 320,
            "legend": {"orientation": "h", "y": -0.25},
            "yaxis": {"title": {"text": y_title}, **({"tickformat": ".0%", "rangemode": "tozero"}
                                                    if percent else {"rangemode": "tozero"})},
            "xaxis": {"title": {"text": x_title}}}}
        return json.dumps(fig, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")

    def series(rows: list[dict[str, Any]], key: str, name: str, dash: str = "solid") -> list[dict[str, Any]]:
        """A line of whole months, and the month so far as a hollow point joined by a dotted segment."""
        whole = [r for r in rows if not r.get("partial")]
        out = [_scatter([month(r) for r in whole], [r[key] for r in whole], name=name, line={"dash": dash})]
        part = [r for r in rows if r.get("partial")]
        if part:
            tail = whole[-1:] + part
            out.append(_scatter([month(r) for r in tail], [r[key] for r in tail],
                                name=f"{name} · {tr('month so far, partial')}", line={"dash": "dot"},
                                marker={"symbol": ["circle"] * (len(tail) - 1) + ["circle-open"], "size": 9},
                                showlegend=True))
        return out

    months_t = tr("Month")
    out: dict[str, str] = {}
    buckets = [lab("bucket", r["bucket"]) for r in d.buckets]
    out["buckets"] = dump([_bar(buckets, [r["loans"] for r in d.buckets], name=tr("Loans"))],
                          tr("Loans per bucket"), tr("Loans"), tr("Bucket"))
    out["overdue"] = dump([_bar(buckets, [r["overdue_minor"] / 100 for r in d.buckets], name=tr("Overdue amount"))],
                          tr("Overdue amount per bucket"), tr("Overdue amount"), tr("Bucket"))
    rolls = [trace for b in BUCKETS[:-1] if (pts := [r for r in d.roll_rates if r["from_bucket"] == b])
             for trace in series(pts, "rate", lab("bucket", b))]
    out["rolls"] = dump(rolls, tr("Roll rates month over month"), tr("Share of loans that rolled to a worse bucket"),
                        months_t, percent=True)
    out["cures"] = dump(series(d.cure_rates, "rate", tr("Cure rate")) if d.cure_rates else [], tr("Cure rate"),
                        tr("Share of overdue loans that became current"), months_t, percent=True)
    channels = []
    for channel in sorted({r["channel"] for r in d.contacts}):
        pts = [r for r in d.contacts if r["channel"] == channel]
        channels.append(_bar([month(r) for r in pts], [r["contacts"] for r in pts], name=lab("channel", channel),
                             marker={"opacity": [0.45 if r.get("partial") else 1.0 for r in pts],
                                     "pattern": {"shape": ["/" if r.get("partial") else "" for r in pts]}}))
    out["contacts"] = dump(channels, tr("Contacts per channel"), tr("Contacts"), months_t, barmode="stack")
    out["rpc"] = dump(series(d.rpc, "rate", tr("Right-party-contact rate")) if d.rpc else [],
                      tr("Right-party-contact rate"), tr("Share of outbound calls that reached the borrower"),
                      months_t, percent=True)
    out["visits"] = dump([_bar([tr(VISIT_LABELS[k]) for k in d.visits], list(d.visits.values()),
                               name=tr("Home visits"))], tr("Home visits"), tr("Cases"), tr("Step"))
    out["avoided"] = dump([_bar([r["loans"] for r in d.avoided_by_reason],
                                [lab("unmet", r["reason"]) for r in d.avoided_by_reason], orientation="h",
                                name=tr("Visits avoided"))],
                          tr("Visits avoided, by reason"), tr("Reason"), tr("Loans"))
    out["blocked"] = dump([_bar([r["loans"] for r in d.blocked], [r["rule"] for r in d.blocked], orientation="h",
                                name=tr("Loans"))], tr("Actions blocked per rule"), tr("Rule"), tr("Loans"))
    out["promises"] = dump(series(d.promises, "rate", tr("Promise-kept rate")) if d.promises else [],
                           tr("Promise-kept rate"), tr("Share of promises kept"), tr("Month of the promised date"),
                           percent=True)
    out["agents"] = dump([_bar([r["agent"] for r in d.promise_by_agent], [r["rate"] for r in d.promise_by_agent],
                               name=tr("Promise-kept rate"))],
                         tr("Promise-kept rate by agent"), tr("Share of promises kept"), tr("Agent"), percent=True)
    out["recovery"] = dump(series(d.recovery, "rate", tr("Recovery")) if d.recovery else [], tr("Recovery"),
                           tr("Share of the overdue amount paid in the month"), months_t, percent=True)
    boxes = [{"type": "box", "name": lab("route", r["route"]), "q1": [r["q1"]], "median": [r["median"]],
              "q3": [r["q3"]], "lowerfence": [r["min"]], "upperfence": [r["max"]], "x": [lab("route", r["route"])],
              "boxpoints": False}
             for r in d.cycle.get("per_route", [])]  # quartiles only: no borrower's own figure leaves the module
    out["cycle"] = dump(boxes, tr("Investigation cycle time, by route"), tr("Days from unreachable to situation known"),
                        tr("Route"), showlegend=False)
    return out
