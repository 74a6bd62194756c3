"""The home-visit workflow steps. Services take the session and never commit: the request or command does.

Each step locks the visit row (`SELECT … FOR UPDATE`), checks the transition table before touching anything,
re-evaluates the gate on current facts, and — if the facts no longer allow the visit — cancels it with the
reasons instead of going on. Every transition appends a visit event and an audit event with the pack rule
and its source.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import TransitionError, UserError
from duecare.ledger.models import (
    Approval,
    ApprovalDecision,
    Borrower,
    Consent,
    ConsentDecision,
    Loan,
    Notice,
    Visit,
    VisitStatus,
)
from duecare.privacy.audit import record_audit
from duecare.privacy.models import Assignment, StaffUser
from duecare.privacy.permissions import SYSTEM, Actor
from duecare.privacy.scope import can_read_borrower
from duecare.visits import aftercare, messages, notice, repository, scheduling
from duecare.visits.flows import BEFORE_VISIT, actor_key, check_transition
from duecare.visits.gate import GateEvaluation, evaluate
from duecare.visits.models import NoticeDocument, VisitCase, VisitEvent, VisitPreference, VisitReport
from duecare.visits.models import VisitState as S
from duecare.visits.report import validate_report
from duecare.visits.scope import VisitPolicy, load_visit_policy

CONSENT_CHANNELS = ("portal", "sms_reply", "email_reply", "letter", "in_person_form")
# Gate codes that are expected (not a reason to stop) at each step.
AT_CONSENT = frozenset({"notice_period_running", "approval_missing"})
AT_APPROVAL = AT_CONSENT


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass
class Ctx:
    """Who acts, when, on which session and under which visit policy."""

    session: Session
    actor: Actor
    at: datetime
    policy: VisitPolicy = field(default_factory=load_visit_policy)


@dataclass(frozen=True)
class StepResult:
    visit: VisitCase
    gate: GateEvaluation | None
    stopped: list[str] = field(default_factory=list)  # non-empty: the gate closed and the visit was cancelled


# --- the one way a state changes ---------------------------------------------------------------------------

def _move(ctx: Ctx, visit: VisitCase, to: S, *, actor: Actor | None = None, reasons: list[str] | None = None,
          gate: GateEvaluation | None = None, comment: str | None = None) -> None:
    who = actor or ctx.actor
    row = check_transition(visit.state, to, actor_key(who.kind, who.role))
    ref = ctx.policy.step_rule(to.value, visit.pack)
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


def _gate(ctx: Ctx, visit: VisitCase) -> GateEvaluation:
    exclude = (visit.ledger_visit_id,) if visit.ledger_visit_id else ()
    return evaluate(ctx.session, visit.loan_id, ctx.at, ctx.policy, notice_id=visit.notice_id,
                    exclude_visit_ids=exclude)


def _borrower(ctx: Ctx, visit: VisitCase) -> Borrower:
    b = ctx.session.get(Borrower, visit.borrower_id)
    assert b is not None
    return b


def _cancel(ctx: Ctx, visit: VisitCase, reasons: list[str], *, actor: Actor | None = None,
            gate: GateEvaluation | None = None, comment: str | None = None) -> None:
    """Cancel a not-yet-happened visit; tell the agents (if assigned) and the borrower (if told before)."""
    was = visit.state
    _move(ctx, visit, S.CANCELLED, actor=actor, reasons=reasons, gate=gate, comment=comment)
    visit.close_reason = ",".join(reasons)[:500]
    if visit.ledger_visit_id:
        lv = ctx.session.get(Visit, visit.ledger_visit_id)
        if lv is not None:
            lv.status = VisitStatus.CANCELLED
    b = _borrower(ctx, visit)
    if was == S.SCHEDULED:
        when = _local_window(visit, b)
        messages.to_agents(ctx.session, visit, kind="visit_cancelled", at=ctx.at,
                           subject=f"Visit {visit.id} cancelled — do not go",
                           body=f"Visit {visit.id} ({when}) is cancelled: {', '.join(reasons)}. Do not go.")
        _reroute_pair(ctx, visit, b)
    if was in (S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED):
        zh = notice.notice_language(str(b.language)) == "zh"
        subject = "上门走访已取消" if zh else "Your home visit is cancelled"
        body = ("我们不会上门走访。您无需做任何事情。" if zh else
                "Nobody will visit you. You do not need to do anything.")
        messages.to_borrower(ctx.session, visit, b, kind="visit_cancelled", subject=subject, body=body,
                             link=f"{notice.portal_url()}/{visit.id}", at=ctx.at)
    ctx.session.flush()


def _stop_if_closed(ctx: Ctx, visit: VisitCase, gate: GateEvaluation, allowed: frozenset[str]) -> list[str]:
    reasons = gate.stop_reasons(allowed)
    if reasons:
        _cancel(ctx, visit, reasons, actor=SYSTEM, gate=gate, comment=f"gate closed at a step by {ctx.actor.label}")
    return reasons


def _require(ctx: Ctx, visit: VisitCase, to: S) -> None:
    check_transition(visit.state, to, actor_key(ctx.actor.kind, ctx.actor.role))


# --- steps ---------------------------------------------------------------------------------------------------

def propose(ctx: Ctx, loan_id: str) -> StepResult:
    """Open a visit for a loan whose decision today is `visit_notice` (the gate's preconditions all hold)."""
    loan = ctx.session.get(Loan, loan_id)
    if loan is None or not can_read_borrower(ctx.session, ctx.actor, loan.borrower_id):
        raise repository.NotFound(f"loan {loan_id} not found")
    if repository.open_visit_for_loan(ctx.session, loan_id) is not None:
        raise TransitionError("visit_already_open", f"loan {loan_id} already has an open visit")
    gate = evaluate(ctx.session, loan_id, ctx.at, ctx.policy)
    if gate.action != "visit_notice":
        raise TransitionError("not_in_visit_track",
                              f"today's decision for loan {loan_id} is {gate.action!r}, not 'visit_notice'; "
                              f"unmet: {', '.join(gate.unmet) or 'none'}")
    visit = VisitCase(id=new_id("V"), borrower_id=loan.borrower_id, loan_id=loan_id, state=S.PROPOSED,
                      pack=gate.decision["policy"]["pack"], policy_version=gate.decision["policy"]["version"],
                      proposed_by=ctx.actor.label, proposed_at=ctx.at, updated_at=ctx.at)
    ctx.session.add(visit)
    ctx.session.flush()
    ref = ctx.policy.step_rule("proposed", visit.pack)
    ctx.session.add(VisitEvent(visit_id=visit.id, at=ctx.at, actor=ctx.actor.label, from_state=None,
                               to_state=S.PROPOSED.value, reasons=json.dumps(gate.decision["reasons"]),
                               rule_id=ref.rule, legal_basis=ref.source[:500],
                               gate_json=json.dumps(gate.as_json(), ensure_ascii=False, default=str),
                               gate_digest=gate.digest))
    record_audit(ctx.session, actor=ctx.actor, action="visit.propose", subject=f"visit:{visit.id}",
                 rule_id=ref.rule, legal_basis=ref.source[:256], trace_id=gate.digest,
                 after={"state": S.PROPOSED.value, "loan": loan_id}, at=ctx.at)
    ctx.session.flush()
    return StepResult(visit, gate)


def send_notice(ctx: Ctx, visit_id: str) -> StepResult:
    """Render, hash and record the notice; queue it on the borrower's channels."""
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    _require(ctx, visit, S.NOTICE_SENT)
    gate = _gate(ctx, visit)
    stopped = _stop_if_closed(ctx, visit, gate, frozenset(gate.unmet) - set(gate.preconditions_unmet))
    if stopped:
        return StepResult(visit, gate, stopped)
    b = _borrower(ctx, visit)
    notice_id = new_id("VN")
    sent_on = ctx.at.astimezone(ZoneInfo(b.timezone)).date()
    doc = notice.render(pack=visit.pack, language=str(b.language), policy=ctx.policy, notice_id=notice_id,
                        loan_id=visit.loan_id, borrower_name=b.name, sent_on=sent_on)
    ctx.session.add(Notice(id=notice_id, borrower_id=b.id, loan_id=visit.loan_id, kind="visit_notice",
                           sent_at=ctx.at, version_hash=doc.version_hash))
    ctx.session.flush()
    ctx.session.add(NoticeDocument(notice_id=notice_id, visit_id=visit.id, template_version=doc.template_version,
                                   language=doc.language, version_hash=doc.version_hash,
                                   canonical_text=doc.text, created_at=ctx.at))
    visit.notice_id = notice_id
    subject = "上门走访告知书" if doc.language == "zh" else "Home visit notice"
    messages.to_borrower(ctx.session, visit, b, kind="visit_notice", subject=subject, body=doc.text,
                         link=f"{notice.portal_url()}/{visit.id}", at=ctx.at, letter=True)
    _move(ctx, visit, S.NOTICE_SENT, gate=gate, reasons=[f"notice_version:{doc.version_hash}"])
    return StepResult(visit, gate)


def _notice_of(ctx: Ctx, visit: VisitCase) -> Notice:
    n = ctx.session.get(Notice, visit.notice_id) if visit.notice_id else None
    if n is None:
        raise TransitionError("notice_not_sent", f"visit {visit.id} has no notice")
    return n


def answer(ctx: Ctx, visit_id: str, decision: str, *, channel: str, evidence: str,
           notice_version_hash: str) -> StepResult:
    """The borrower's answer to the notice (granted or declined), appended to the consent registry."""
    if decision not in ("granted", "declined"):
        raise UserError("decision must be 'granted' or 'declined' (to withdraw, use withdraw)", place="decision")
    if channel not in CONSENT_CHANNELS:
        raise UserError(f"unknown consent channel {channel!r}; use one of {', '.join(CONSENT_CHANNELS)}",
                        place="channel")
    if not evidence.strip():
        raise UserError("consent needs evidence (portal session, message id or signed form reference)",
                        place="evidence")
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    target = S.CONSENTED if decision == "granted" else S.DECLINED
    _require(ctx, visit, target)
    n = _notice_of(ctx, visit)
    if notice_version_hash != n.version_hash:
        raise UserError("the answer refers to a different notice text than the one sent; show the current notice "
                        f"(version {n.version_hash}) and answer again", place="notice_version_hash")
    ctx.session.add(Consent(id=new_id("VC"), borrower_id=visit.borrower_id, purpose=repository.HOME_VISIT,
                            decision=ConsentDecision(decision), at=ctx.at, notice_id=n.id,
                            notice_version_hash=n.version_hash, channel=channel, evidence=evidence))
    ctx.session.flush()
    gate = _gate(ctx, visit)
    if target == S.CONSENTED:
        stopped = _stop_if_closed(ctx, visit, gate, AT_CONSENT)
        if stopped:
            return StepResult(visit, gate, stopped)
    _move(ctx, visit, target, gate=gate, reasons=[f"consent_{decision}"])
    return StepResult(visit, gate)


def withdraw(ctx: Ctx, borrower_id: str, *, channel: str, evidence: str) -> list[VisitCase]:
    """Withdraw home-visit consent: one new record, and every visit not yet made is cancelled at once."""
    if channel not in CONSENT_CHANNELS:
        raise UserError(f"unknown consent channel {channel!r}; use one of {', '.join(CONSENT_CHANNELS)}",
                        place="channel")
    if not can_read_borrower(ctx.session, ctx.actor, borrower_id):
        raise repository.NotFound(f"borrower {borrower_id} not found")
    visits = repository.lock_open_visits_of(ctx.session, borrower_id)  # locks first: a scheduler waits or loses
    notices = {v.notice_id for v in visits if v.notice_id}
    only = ctx.session.get(Notice, next(iter(notices))) if len(notices) == 1 else None
    ctx.session.add(Consent(id=new_id("VC"), borrower_id=borrower_id, purpose=repository.HOME_VISIT,
                            decision=ConsentDecision.WITHDRAWN, at=ctx.at, notice_id=only.id if only else None,
                            notice_version_hash=only.version_hash if only else None, channel=channel,
                            evidence=evidence or None))
    ctx.session.flush()
    record_audit(ctx.session, actor=ctx.actor, action="consent.withdraw", subject=f"borrower:{borrower_id}",
                 rule_id="pipl_basis_consent", legal_basis="PIPL Art. 15; GDPR Art. 7(3)",
                 after={"visits_cancelled": [v.id for v in visits]}, at=ctx.at)
    for v in visits:
        _cancel(ctx, v, ["consent_withdrawn"], actor=SYSTEM, comment=f"withdrawn via {channel}")
    return visits


def expire_due(ctx: Ctx) -> list[VisitCase]:
    """Notices left unanswered for the strategy's response period expire (no visit)."""
    days = int(ctx.policy.strategy.params["consent_response_days"])
    due = ctx.session.scalars(select(VisitCase.id).join(Notice, Notice.id == VisitCase.notice_id).where(
        VisitCase.state == S.NOTICE_SENT, Notice.sent_at <= ctx.at - timedelta(days=days))).all()
    out = []
    for vid in due:
        visit = repository.lock_visit(ctx.session, vid, SYSTEM)
        if visit.state == S.NOTICE_SENT:
            _move(ctx, visit, S.EXPIRED, actor=SYSTEM, reasons=["no_consent_after_notice"])
            out.append(visit)
    return out


def decide_approval(ctx: Ctx, visit_id: str, approve: bool, comment: str) -> StepResult:
    """A supervisor other than the proposer approves or rejects, seeing the gate as it stands now."""
    if not comment.strip():
        raise UserError("an approval or rejection needs a comment", place="comment")
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    target = S.APPROVED if approve else S.REJECTED
    _require(ctx, visit, target)
    if ctx.actor.label == visit.proposed_by:
        raise TransitionError("four_eyes", "the person who proposed a visit cannot approve or reject it")
    gate = _gate(ctx, visit)
    if approve:
        stopped = _stop_if_closed(ctx, visit, gate, AT_APPROVAL)
        if stopped:
            return StepResult(visit, gate, stopped)
    n = _notice_of(ctx, visit)
    approval = Approval(id=new_id("VA"), borrower_id=visit.borrower_id, notice_id=n.id,
                        decision=ApprovalDecision.APPROVED if approve else ApprovalDecision.REJECTED,
                        at=ctx.at, decided_by=ctx.actor.id)
    ctx.session.add(approval)
    ctx.session.flush()
    visit.approval_id = approval.id
    _move(ctx, visit, target, gate=gate, comment=comment, reasons=["approved" if approve else "rejected"])
    return StepResult(visit, gate)


def _local_window(visit: VisitCase, b: Borrower) -> str:
    if visit.window_start is None or visit.window_end is None:
        return "-"
    tz = ZoneInfo(b.timezone)
    s, e = visit.window_start.astimezone(tz), visit.window_end.astimezone(tz)
    return f"{s:%Y-%m-%d %H:%M}–{e:%H:%M}"


def _reroute_pair(ctx: Ctx, visit: VisitCase, b: Borrower) -> None:
    if not (visit.agent_a and visit.agent_b and visit.window_start):
        return
    tz = ZoneInfo(b.timezone)
    day = visit.window_start.astimezone(tz).date()
    route, others = scheduling.pair_route(ctx.session, (visit.agent_a, visit.agent_b), day, tz, ctx.policy,
                                          exclude=visit.id)
    if route is not None:
        scheduling.apply_route(others, route, day, tz)


def schedule(ctx: Ctx, visit_id: str, agents: tuple[str, str] | None = None,
             day: date | None = None) -> StepResult:
    """Two field agents, a window the borrower prefers, and the pair's day route re-planned."""
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    _require(ctx, visit, S.SCHEDULED)
    gate = _gate(ctx, visit)
    extra = [] if gate.action == "visit_schedule" else [f"decision_is_{gate.action}"]
    reasons = gate.stop_reasons() + extra
    if reasons:
        _cancel(ctx, visit, reasons, actor=SYSTEM, gate=gate, comment=f"gate closed at scheduling by {ctx.actor.label}")
        return StepResult(visit, gate, reasons)
    b = _borrower(ctx, visit)
    slot = scheduling.find_slot(ctx.session, visit, b, ctx.policy, ctx.at, agents=agents, day=day)
    visit.agent_a, visit.agent_b = slot.agents
    visit.window_start, visit.window_end = slot.start, slot.end
    lv = Visit(id=new_id("VL"), borrower_id=visit.borrower_id, loan_id=visit.loan_id,
               status=VisitStatus.SCHEDULED, at=slot.start)
    ctx.session.add(lv)
    ctx.session.flush()
    visit.ledger_visit_id = lv.id
    tz = ZoneInfo(b.timezone)
    scheduling.apply_route([*slot.pair_visits, visit], slot.route, slot.start.astimezone(tz).date(), tz)
    for agent in slot.agents:
        exists = ctx.session.scalar(select(Assignment.id).where(Assignment.borrower_id == b.id,
                                                                Assignment.agent_id == agent))
        if exists is None:
            ctx.session.add(Assignment(borrower_id=b.id, agent_id=agent, assigned_at=ctx.at))
    names = [ctx.session.get(StaffUser, a) for a in slot.agents]
    who = ", ".join((u.display_name or u.username) for u in names if u is not None)
    when = _local_window(visit, b)
    zh = notice.notice_language(str(b.language)) == "zh"
    messages.to_borrower(
        ctx.session, visit, b, kind="visit_scheduled", at=ctx.at, link=f"{notice.portal_url()}/{visit.id}",
        subject="上门走访时间确认" if zh else "Your home visit time",
        body=(f"到访时间段：{when}（当地时间）。工作人员：{who}。您可随时撤回同意，走访将立即取消。" if zh else
              f"Visit window: {when} (local time). Staff: {who}. You may withdraw consent at any time and the "
              "visit is cancelled at once."))
    messages.to_agents(ctx.session, visit, kind="visit_assigned", at=ctx.at,
                       subject=f"Visit {visit.id} assigned", body=f"Visit {visit.id}: window {when}; "
                       "open the checklist before you go.")
    _move(ctx, visit, S.SCHEDULED, gate=gate, reasons=[f"agents:{slot.agents[0]},{slot.agents[1]}"])
    return StepResult(visit, gate)


def file_report(ctx: Ctx, visit_id: str, raw: dict[str, object]) -> StepResult:
    """One of the two agents files the scoped report; the case is updated and the borrower gets a summary."""
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    _require(ctx, visit, S.REPORTED)
    if ctx.actor.id not in (visit.agent_a, visit.agent_b):
        raise TransitionError("not_assigned_agent", "only the two agents of this visit may file its report")
    if visit.window_start is not None and ctx.at < visit.window_start:
        raise TransitionError("visit_not_yet_due", "the visit window has not started yet")
    b = _borrower(ctx, visit)
    report = validate_report(dict(raw), ctx.policy, visit.pack, b.phones)
    gate = _gate(ctx, visit)
    ctx.session.add(VisitReport(visit_id=visit.id, outcome=report.outcome,
                                fields_json=report.fields.model_dump_json(exclude_none=True),
                                notes=report.notes, recording_ref=report.recording_ref, filed_by=ctx.actor.id,
                                filed_at=ctx.at, scope_version=ctx.policy.version))
    visit.outcome = report.outcome
    made = aftercare.apply(ctx.session, visit, b, report, ctx.at)
    _move(ctx, visit, S.REPORTED, gate=gate, reasons=[f"outcome:{report.outcome.value}"]
          + [f"follow_up:{f.kind}" for f in made])
    return StepResult(visit, gate)


def review(ctx: Ctx, visit_id: str, comment: str) -> StepResult:
    """A reviewer closes the visit after reading the report."""
    if not comment.strip():
        raise UserError("a review needs a comment", place="comment")
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    _require(ctx, visit, S.REVIEWED)
    gate = _gate(ctx, visit)
    _move(ctx, visit, S.REVIEWED, gate=gate, comment=comment, reasons=["reviewed"])
    return StepResult(visit, gate)


def cancel(ctx: Ctx, visit_id: str, reason: str, comment: str | None = None) -> StepResult:
    """Staff cancel a visit that has not happened yet."""
    if not reason.strip():
        raise UserError("say why the visit is cancelled", place="reason")
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    if visit.state not in BEFORE_VISIT:
        raise TransitionError("transition_not_allowed", f"a visit in state {visit.state.value!r} has happened "
                              "and cannot be cancelled")
    _cancel(ctx, visit, [reason.strip()[:80]], comment=comment)
    return StepResult(visit, None)


def gate_now(ctx: Ctx, visit_id: str) -> GateEvaluation:
    """The full gate evaluation as it stands now (what the approving supervisor sees)."""
    return _gate(ctx, repository.get_visit(ctx.session, visit_id, ctx.actor))


def set_preferences(ctx: Ctx, borrower_id: str, slots: list[tuple[int, time, time]], channel: str) -> int:
    """The borrower's preferred visit times (weekday 0 = Monday, local hours); replaces earlier statements."""
    if not can_read_borrower(ctx.session, ctx.actor, borrower_id):
        raise repository.NotFound(f"borrower {borrower_id} not found")
    for i, (weekday, start, end) in enumerate(slots):
        if not 0 <= weekday <= 6 or end <= start:
            raise UserError("each preferred time needs weekday 0–6 and start before end", place=f"slots[{i}]")
    for weekday, start, end in slots:
        ctx.session.add(VisitPreference(borrower_id=borrower_id, stated_at=ctx.at, weekday=weekday,
                                        start_time=start, end_time=end, channel=channel))
    record_audit(ctx.session, actor=ctx.actor, action="visit.preferences", subject=f"borrower:{borrower_id}",
                 after={"slots": len(slots)}, at=ctx.at)
    ctx.session.flush()
    return len(slots)
