"""The home-visit workflow steps. Services take the session and never commit: the request or command does.

Each step locks the borrower row and then the visit (`SELECT … FOR UPDATE`), checks the transition table
before touching anything and checks the gate for this step (`steps.check_gate`): a step is refused while the
gate is closed for it — a standing condition that no longer holds stops the visit at once (cancelled, or
`on_hold` for a temporary reason) and the step says so; a later step's condition that is not met yet (the
notice period still running at approval) refuses the step and changes nothing. Every transition appends a
visit event and an audit event with the pack rule and its source. Any fact written in the same transaction
re-checks every open visit of the borrower before commit (`visits.recheck`).

The consent steps live in `consent.py`, the steps at the door in `fieldwork.py`; both are re-exported here.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from duecare.kit.errors import Codes, Message, TransitionError, UserError
from duecare.kit.i18n import N_, translate
from duecare.ledger.models import Approval, ApprovalDecision, Loan, Notice, Visit, VisitStatus
from duecare.policy.consent import live_notice
from duecare.privacy.audit import record_audit
from duecare.privacy.models import Assignment, StaffUser
from duecare.privacy.permissions import SYSTEM, guarded
from duecare.privacy.scope import can_read_borrower
from duecare.visits import messages, notice, recheck, repository, scheduling, transitions
from duecare.visits.consent import (  # noqa: F401 - the consent steps are part of the service's API
    CONSENT_CHANNELS,
    answer,
    new_id,
    upload_form,
    verify_form,
    withdraw,
)
from duecare.visits.fieldwork import check_in, check_out, checklist, file_report  # noqa: F401 - same
from duecare.visits.flows import BEFORE_VISIT
from duecare.visits.gate import GateEvaluation, evaluate
from duecare.visits.models import NoticeDocument, VisitCase, VisitEvent, VisitPreference
from duecare.visits.models import VisitState as S
from duecare.visits.steps import GateClosed, check_gate, lock
from duecare.visits.transitions import Ctx, StepResult  # noqa: F401 - re-exported for callers

__all__ = [
    "CONSENT_CHANNELS", "Ctx", "GateClosed", "StepResult", "answer", "cancel", "check_in", "check_out", "checklist",
    "decide_approval", "expire_due", "file_report", "gate_now", "propose", "refused_recently", "review", "schedule",
    "send_notice", "set_preferences", "upload_form", "verify_form", "withdraw",
]

# Gate codes a later step is still to satisfy (not a reason to refuse) at each step.
AT_NOTICE = frozenset({"notice_not_sent", "notice_period_running", "consent_missing", "approval_missing"})
AT_APPROVAL = frozenset({"approval_missing"})
AT_SCHEDULE = frozenset[str]()
# Decisions on the visit track: `visit_notice`, or a consent/approval of an earlier notice whose visit staff
# cancelled (the loan is not left on `visit_schedule` with no visit behind it: a new notice is sent).
VISIT_TRACK = ("visit_notice", "visit_approval", "visit_schedule")


def refused_recently(ctx: Ctx, borrower_id: str) -> bool:
    """A do-not-return mark inside the strategy's period (default 180 days)."""
    days = ctx.policy.strategy.params.visit_refused_block_days
    return bool(ctx.session.scalar(select(Visit.id).where(
        Visit.borrower_id == borrower_id, Visit.outcome == "refused", Visit.at <= ctx.at,
        Visit.at > ctx.at - timedelta(days=days)).limit(1)))


@guarded("visits.propose")
def propose(ctx: Ctx, loan_id: str) -> StepResult:
    """Open a visit for a loan on the visit track today (every precondition of the gate holds)."""
    loan = ctx.session.get(Loan, loan_id)
    if loan is None or not can_read_borrower(ctx.session, ctx.actor, loan.borrower_id):
        raise repository.NotFound(N_("loan {loan_id} not found"), loan_id=loan_id)
    repository.lock_borrower(ctx.session, loan.borrower_id)
    if repository.open_visit_for_loan(ctx.session, loan_id) is not None:
        raise TransitionError("visit_already_open", N_("loan {loan_id} already has an open visit"),
                              loan_id=loan_id)
    if refused_recently(ctx, loan.borrower_id):
        raise GateClosed(["visit_refused_recently"],
                         Message(N_("a new proposal (the borrower asked not to be visited again)")))
    gate = evaluate(ctx.session, loan_id, ctx.at, ctx.policy, scorer=ctx.scorer)
    if gate.action not in VISIT_TRACK or gate.preconditions_unmet:
        raise TransitionError("not_in_visit_track",
                              N_("today's decision for loan {loan_id} is {action!r}, not 'visit_notice'; unmet: {unmet}"),
loan_id=loan_id, action=gate.action, unmet=Codes.of("unmet", gate.unmet or ["none"]))
    visit = VisitCase(id=new_id("V"), borrower_id=loan.borrower_id, loan_id=loan_id, state=S.PROPOSED,
                      pack=gate.decision.policy.pack, policy_version=gate.decision.policy.version,
                      proposed_by=ctx.actor.label, proposed_at=ctx.at, updated_at=ctx.at)
    ctx.session.add(visit)
    ctx.session.flush()
    ref = ctx.policy.step_rule("proposed", visit.pack)
    ctx.session.add(VisitEvent(visit_id=visit.id, at=ctx.at, actor=ctx.actor.label, from_state=None,
                               to_state=S.PROPOSED.value, reasons=json.dumps(gate.decision.reasons),
                               rule_id=ref.rule, legal_basis=ref.source[:500],
                               gate_json=json.dumps(gate.as_json(), ensure_ascii=False, default=str),
                               gate_digest=gate.digest))
    record_audit(ctx.session, actor=ctx.actor, action="visit.propose", subject=f"visit:{visit.id}",
                 rule_id=ref.rule, legal_basis=ref.source[:256], trace_id=gate.digest,
                 after={"state": S.PROPOSED.value, "loan": loan_id}, at=ctx.at)
    ctx.session.flush()
    _take_up_notice(ctx, visit, gate)
    return StepResult(visit, gate)


def _take_up_notice(ctx: Ctx, visit: VisitCase, gate: GateEvaluation) -> None:
    """A live visit notice that no visit case holds — the nightly run's letter, or one in the lender's file — is
    this visit's notice: the borrower was told already, so the case moves on to `notice_sent`, and to `consented`
    when the borrower's consent to that notice is on file. Without this, a borrower who consented to such a
    notice sat on the visit-approval step with no case a supervisor could approve.

    A notice that was declined or withdrawn is not taken up (the gate keeps that loan off the visit track)."""
    live = live_notice(ctx.session.scalars(select(Notice).where(
        Notice.borrower_id == visit.borrower_id, Notice.kind == "visit_notice")).all(),
        ctx.at, visit.loan_id, ctx.policy.strategy.params.notice_valid_days)
    if live is None or ctx.session.scalar(select(VisitCase.id).where(VisitCase.notice_id == live.id)) is not None:
        return
    state = repository.consent_state(ctx.session, visit.borrower_id, live.id, live.sent_at, ctx.at)
    if state not in ("none", "granted"):
        return
    visit.notice_id = live.id
    transitions.move(ctx, visit, S.NOTICE_SENT, gate=gate, reasons=[f"notice_taken_up:{live.id}"])
    if state == "granted":
        transitions.move(ctx, visit, S.CONSENTED, actor=SYSTEM, gate=gate, reasons=["consent_on_file"])


@guarded("visits.notice")
def send_notice(ctx: Ctx, visit_id: str) -> StepResult:
    """Render, hash and record the notice; queue it on the borrower's channels."""
    visit = lock(ctx, visit_id, S.NOTICE_SENT)
    gate, stopped = check_gate(ctx, visit, AT_NOTICE, Message(N_("the notice")))
    if stopped is not None:
        return stopped
    b = transitions.borrower_of(ctx, visit)
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
    subject = translate(doc.language, "Home visit notice")
    messages.to_borrower(ctx.session, visit, b, kind="visit_notice", subject=subject, body=doc.text,
                         link=notice.notice_link(notice_id), at=ctx.at, letter=True)
    transitions.move(ctx, visit, S.NOTICE_SENT, gate=gate, reasons=[f"notice_version:{doc.version_hash}"])
    return StepResult(visit, gate)


@guarded("visits.schedule")
def expire_due(ctx: Ctx) -> list[VisitCase]:
    """Notices left unanswered for the strategy's response period expire (no visit)."""
    days = ctx.policy.strategy.params.consent_response_days
    due = ctx.session.scalars(select(VisitCase.id).join(Notice, Notice.id == VisitCase.notice_id).where(
        VisitCase.state == S.NOTICE_SENT, Notice.sent_at <= ctx.at - timedelta(days=days))).all()
    out = []
    for vid in due:
        visit = repository.lock_visit(ctx.session, vid, SYSTEM)
        if visit.state == S.NOTICE_SENT:
            transitions.move(ctx, visit, S.EXPIRED, actor=SYSTEM, reasons=["no_consent_after_notice"])
            out.append(visit)
    return out


@guarded("visits.approve")
def decide_approval(ctx: Ctx, visit_id: str, approve: bool, comment: str) -> StepResult:
    """A supervisor other than the proposer approves or rejects, seeing the gate as it stands now."""
    if not comment.strip():
        raise UserError(N_("an approval or rejection needs a comment"), place="comment")
    target = S.APPROVED if approve else S.REJECTED
    visit = lock(ctx, visit_id, target)
    if ctx.actor.label == visit.proposed_by:
        raise TransitionError("four_eyes", N_("the person who proposed a visit cannot approve or reject it"))
    if approve:
        gate, stopped = check_gate(ctx, visit, AT_APPROVAL, Message(N_("approval")))
        if stopped is not None:
            return stopped
    else:
        gate = recheck.gate_of(ctx, visit)
    n = ctx.session.get_one(Notice, visit.notice_id)
    approval = Approval(id=new_id("VA"), borrower_id=visit.borrower_id, notice_id=n.id,
                        decision=ApprovalDecision.APPROVED if approve else ApprovalDecision.REJECTED,
                        at=ctx.at, decided_by=ctx.actor.id)
    ctx.session.add(approval)
    ctx.session.flush()
    visit.approval_id = approval.id
    transitions.move(ctx, visit, target, gate=gate, comment=comment, reasons=["approved" if approve else "rejected"])
    return StepResult(visit, gate)


@guarded("visits.schedule")
def schedule(ctx: Ctx, visit_id: str, agents: tuple[str, str] | None = None,
             day: date | None = None) -> StepResult:
    """Two field agents, a window the borrower prefers, and the pair's day route re-planned."""
    visit = lock(ctx, visit_id, S.SCHEDULED)
    gate, stopped = check_gate(ctx, visit, AT_SCHEDULE, Message(N_("scheduling")))
    if stopped is not None:
        return stopped
    if gate.action != "visit_schedule":
        raise TransitionError(f"decision_is_{gate.action}", N_("today's decision for loan {loan_id} is {action!r}, not 'visit_schedule'; nothing was changed"),
                              loan_id=visit.loan_id, action=gate.action)
    b = transitions.borrower_of(ctx, visit)
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
    when = transitions.local_window(visit, b)
    lang = notice.notice_language(str(b.language))
    messages.to_borrower(
        ctx.session, visit, b, kind="visit_scheduled", at=ctx.at, link=notice.notice_link(visit.notice_id),
        subject=translate(lang, "Your home visit time"),
        body=translate(lang, "Visit window: {when}. Staff: {who}. You may withdraw consent at any "
                             "time and the visit is cancelled at once.", when=when, who=who))
    messages.to_agents(ctx.session, visit, kind="visit_assigned", at=ctx.at,
                       subject=f"Visit {visit.id} assigned", body=f"Visit {visit.id}: window {when}; "
                       "open the checklist before you go.")
    transitions.move(ctx, visit, S.SCHEDULED, gate=gate, reasons=[f"agents:{slot.agents[0]},{slot.agents[1]}"])
    return StepResult(visit, gate)


@guarded("visits.review")
def review(ctx: Ctx, visit_id: str, comment: str) -> StepResult:
    """A reviewer closes the visit after reading the report."""
    if not comment.strip():
        raise UserError(N_("a review needs a comment"), place="comment")
    visit = lock(ctx, visit_id, S.REVIEWED)
    gate = recheck.gate_of(ctx, visit)
    transitions.move(ctx, visit, S.REVIEWED, gate=gate, comment=comment, reasons=["reviewed"])
    return StepResult(visit, gate)


@guarded("visits.cancel")
def cancel(ctx: Ctx, visit_id: str, reason: str, comment: str | None = None) -> StepResult:
    """Staff cancel a visit that has not happened yet."""
    if not reason.strip():
        raise UserError(N_("say why the visit is cancelled"), place="reason")
    visit = lock(ctx, visit_id)
    if visit.state not in BEFORE_VISIT:
        raise TransitionError("transition_not_allowed", N_("a visit in state '{state}' has happened and cannot be cancelled"),
                              state=Codes.of("visit_state", [visit.state.value]))
    transitions.cancel(ctx, visit, [reason.strip()[:80]], comment=comment)
    return StepResult(visit, None)


def gate_now(ctx: Ctx, visit_id: str) -> GateEvaluation:
    """The full gate evaluation as it stands now (what the approving supervisor sees)."""
    return recheck.gate_of(ctx, repository.get_visit(ctx.session, visit_id, ctx.actor))


@guarded("portal.write", "visits.consent.record")
def set_preferences(ctx: Ctx, borrower_id: str, slots: list[tuple[int, time, time]], channel: str) -> int:
    """The borrower's preferred visit times (weekday 0 = Monday, local hours); replaces earlier statements."""
    if not can_read_borrower(ctx.session, ctx.actor, borrower_id):
        raise repository.NotFound(N_("borrower {borrower_id} not found"), borrower_id=borrower_id)
    for i, (weekday, start, end) in enumerate(slots):
        if not 0 <= weekday <= 6 or end <= start:
            raise UserError(N_("each preferred time needs weekday 0–6 and start before end"),
                            place=f"slots[{i}]")
    for weekday, start, end in slots:
        ctx.session.add(VisitPreference(borrower_id=borrower_id, stated_at=ctx.at, weekday=weekday,
                                        start_time=start, end_time=end, channel=channel))
    record_audit(ctx.session, actor=ctx.actor, action="visit.preferences", subject=f"borrower:{borrower_id}",
                 after={"slots": len(slots)}, at=ctx.at)
    ctx.session.flush()
    return len(slots)
