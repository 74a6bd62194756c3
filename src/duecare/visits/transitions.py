"""The one way a visit changes state, and what each change tells the people involved.

`move` checks the transition table, appends the visit event (with the gate evaluation it was checked
against, the rule and its source) and the audit event. `cancel`, `hold` and `resume` are the three changes the
standing gate makes; they tell the assigned field agents at once (staff inbox) and take the visit off their
route, and tell the borrower who was told before. Services take the session and never commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from duecare.kit.i18n import bilingual, translate
from duecare.ledger.models import Borrower, Visit, VisitStatus
from duecare.policy.evaluator import Scorer
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import SYSTEM, Actor
from duecare.risk.batch import production_scorer
from duecare.visits import messages, notice, scheduling
from duecare.visits.flows import actor_key, check_transition
from duecare.visits.gate import GateEvaluation
from duecare.visits.models import VisitCase, VisitEvent
from duecare.visits.models import VisitState as S
from duecare.visits.scope import RuleRef, VisitPolicy, load_visit_policy

CLOCK_KEY = "duecare.clock"  # session.info: the app's clock, for re-checks triggered by a commit
_STEP_KEY = "duecare.step_moment"  # session.info: the latest moment a workflow step in this session acted at


@dataclass
class Ctx:
    """Who acts, when, on which session, under which visit policy and with which risk scorer."""

    session: Session
    actor: Actor
    at: datetime
    policy: VisitPolicy = field(default_factory=load_visit_policy)
    scorer: Scorer | None = field(default_factory=production_scorer)  # the batch's, as the root hands out

    def __post_init__(self) -> None:
        # A re-check run at commit (visits.recheck) uses the app's clock, else the latest step moment.
        latest = self.session.info.get(_STEP_KEY)
        self.session.info[_STEP_KEY] = self.at if latest is None else max(latest, self.at)


def session_clock(session: Session) -> Callable[[], datetime] | None:
    """The moment a commit's re-check runs at: the app's clock if set (`use_clock`), else the latest moment a
    step of this session acted at; None: real time (visits.clock)."""
    found: Callable[[], datetime] | None = session.info.get(CLOCK_KEY)
    if found is not None:
        return found
    step: datetime | None = session.info.get(_STEP_KEY)
    return None if step is None else (lambda: step)


def use_clock(session: Session, clock: Callable[[], datetime]) -> None:
    """Make `clock` the moment of the re-checks this session's commits trigger (the app's injectable clock)."""
    session.info[CLOCK_KEY] = clock


@dataclass(frozen=True)
class StepResult:
    visit: VisitCase
    gate: GateEvaluation | None
    stopped: list[str] = field(default_factory=list)  # non-empty: the gate closed and the visit was stopped


def gate_rule(ctx: Ctx, visit: VisitCase, reasons: list[str]) -> RuleRef | None:
    """The pack rule behind the first gate code among `reasons` (what a stopped visit names)."""
    for code in reasons:
        rules = ctx.policy.gate_rules(code, visit.pack)
        if rules:
            return rules[0]
    return None


def move(ctx: Ctx, visit: VisitCase, to: S, *, actor: Actor | None = None, reasons: list[str] | None = None,
         gate: GateEvaluation | None = None, comment: str | None = None, rule: RuleRef | None = None) -> None:
    who = actor or ctx.actor
    row = check_transition(visit.state, to, actor_key(who.kind, who.role))
    ref = rule or ctx.policy.step_rule(to.value, visit.pack)
    before = visit.state
    ctx.session.add(VisitEvent(
        visit_id=visit.id, at=ctx.at, actor=who.label, from_state=before.value, to_state=to.value,
        reasons=json.dumps(reasons or []), rule_id=ref.rule, legal_basis=ref.source[:500],
        gate_json=None if gate is None else json.dumps(gate.as_json(), ensure_ascii=False, default=str),
        gate_digest=None if gate is None else gate.digest, comment=comment))
    visit.state, visit.updated_at = to, ctx.at
    record_audit(ctx.session, actor=who, action=f"visit.{row.step}", subject=f"visit:{visit.id}",
                 rule_id=ref.rule, legal_basis=ref.source[:256], trace_id=None if gate is None else gate.digest,
                 before={"state": before.value}, after={"state": to.value, "reasons": reasons or []}, at=ctx.at)
    ctx.session.flush()


def borrower_of(ctx: Ctx, visit: VisitCase) -> Borrower:
    return ctx.session.get_one(Borrower, visit.borrower_id)


def local_window(visit: VisitCase, b: Borrower) -> str:
    """The visit's window at the borrower's home, named with its zone: `2026-12-09 09:00–12:00 (Asia/Shanghai)`."""
    if visit.window_start is None or visit.window_end is None:
        return "-"
    tz = ZoneInfo(b.timezone)
    s, e = visit.window_start.astimezone(tz), visit.window_end.astimezone(tz)
    return f"{s:%Y-%m-%d %H:%M}–{e:%H:%M} ({b.timezone})"


def reroute_pair(ctx: Ctx, visit: VisitCase, b: Borrower) -> None:
    """Re-plan the pair's day route without this visit (it no longer stands)."""
    if not (visit.agent_a and visit.agent_b and visit.window_start):
        return
    tz = ZoneInfo(b.timezone)
    day = visit.window_start.astimezone(tz).date()
    route, others = scheduling.pair_route(ctx.session, (visit.agent_a, visit.agent_b), day, tz, ctx.policy,
                                          exclude=visit.id)
    if route is not None:
        scheduling.apply_route(others, route, day, tz)


def _release_slot(ctx: Ctx, visit: VisitCase) -> None:
    """The ledger's scheduled visit no longer stands (it stops counting against the visit limit)."""
    if visit.ledger_visit_id:
        lv = ctx.session.get(Visit, visit.ledger_visit_id)
        if lv is not None and lv.status == VisitStatus.SCHEDULED:
            lv.status = VisitStatus.CANCELLED


def _occasion(ctx: Ctx, visit: VisitCase) -> str:
    return f"{ctx.at.isoformat()}"


def cancel(ctx: Ctx, visit: VisitCase, reasons: list[str], *, actor: Actor | None = None,
           gate: GateEvaluation | None = None, comment: str | None = None) -> None:
    """Cancel a not-yet-happened visit; tell the agents (if assigned) and the borrower (if told before)."""
    was = visit.state
    move(ctx, visit, S.CANCELLED, actor=actor, reasons=reasons, gate=gate, comment=comment,
         rule=gate_rule(ctx, visit, reasons) if gate is not None else None)
    visit.close_reason = ",".join(reasons)[:500]
    _release_slot(ctx, visit)
    b = borrower_of(ctx, visit)
    if was in (S.SCHEDULED, S.IN_PROGRESS) or (was == S.ON_HOLD and visit.agent_a):
        when = local_window(visit, b)
        messages.to_agents(ctx.session, visit, kind="visit_cancelled", at=ctx.at,
                           subject=bilingual("Visit {visit} cancelled — do not go", visit=visit.id),
                           body=bilingual("Visit {visit} ({when}) is cancelled: {reasons}. Do not go; if you are at "
                                          "the door, leave now.", visit=visit.id, when=when, reasons=", ".join(reasons)))
        reroute_pair(ctx, visit, b)
    if was in (S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS, S.ON_HOLD):
        lang = notice.notice_language(str(b.language))
        subject = translate(lang, "Your home visit is cancelled")
        body = translate(lang, "Nobody will visit you. You do not need to do anything.")
        messages.to_borrower(ctx.session, visit, b, kind="visit_cancelled", subject=subject, body=body,
                             link=notice.notice_link(visit.notice_id), at=ctx.at)
    ctx.session.flush()


def hold(ctx: Ctx, visit: VisitCase, reasons: list[str], gate: GateEvaluation, comment: str) -> None:
    """Pause a visit for a temporary reason (a promise pending, a hardship review): off the route at once."""
    was = visit.state
    visit.held_from = (S.APPROVED if was == S.SCHEDULED else was).value
    move(ctx, visit, S.ON_HOLD, actor=SYSTEM, reasons=reasons, gate=gate, comment=comment,
         rule=gate_rule(ctx, visit, reasons))
    b = borrower_of(ctx, visit)
    if was == S.SCHEDULED:
        when = local_window(visit, b)
        messages.to_agents(ctx.session, visit, kind="visit_on_hold", at=ctx.at, occasion=_occasion(ctx, visit),
                           subject=bilingual("Visit {visit} on hold — do not go", visit=visit.id),
                           body=bilingual("Visit {visit} ({when}) is on hold: {reasons}. Do not go.",
                                          visit=visit.id, when=when, reasons=", ".join(reasons)))
        _release_slot(ctx, visit)
        reroute_pair(ctx, visit, b)
        if was == S.SCHEDULED:
            lang = notice.notice_language(str(b.language))
            messages.to_borrower(
                ctx.session, visit, b, kind="visit_on_hold", at=ctx.at, occasion=_occasion(ctx, visit),
                subject=translate(lang, "Your home visit is paused"),
                body=translate(lang, "Nobody will visit you while your promise to pay or hardship review is open."),
                link=notice.notice_link(visit.notice_id))
    ctx.session.flush()


def resume(ctx: Ctx, visit: VisitCase, gate: GateEvaluation) -> None:
    """The temporary reason is gone and the gate holds again: back to where the visit was (a lost slot is
    scheduled anew, so a visit held while scheduled resumes as `approved`)."""
    target = S(visit.held_from) if visit.held_from else S.APPROVED
    visit.held_from = None
    if target == S.APPROVED:
        visit.agent_a = visit.agent_b = None
        visit.window_start = visit.window_end = visit.planned_arrival = None
        visit.route_order = None
    move(ctx, visit, target, actor=SYSTEM, reasons=["gate_holds_again"], gate=gate)
