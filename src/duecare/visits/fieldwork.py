"""At the door: the checklist, check-in, check-out and the report — each re-checks the gate first.

Evidence of the visit itself: both agents check in (time, both names) when they arrive and out when they
leave; the report carries the actual times, and a report whose times fall outside the scheduled slot, the
strategy's visit window or the check-in/check-out is refused. A report is never accepted for a visit whose
gate was closed at check-in: check-in is refused then, and a visit cannot be reported without it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from duecare.kit.errors import Message, TransitionError
from duecare.kit.i18n import N_
from duecare.ledger.models import Visit, VisitStatus
from duecare.policy.model import VisitWindow
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import guarded
from duecare.visits import aftercare, steps, transitions
from duecare.visits.models import FollowUp, Outcome, VisitCase, VisitReport
from duecare.visits.models import VisitState as S
from duecare.visits.report import ReportIn, ReportRefused, validate_report
from duecare.visits.scheduling import WEEKDAYS
from duecare.visits.transitions import Ctx, StepResult

AT_THE_DOOR = frozenset[str]()  # nothing may be missing once the agents go: the whole gate must hold


def _agents(visit: VisitCase) -> tuple[str, str]:
    if not (visit.agent_a and visit.agent_b):
        raise TransitionError("not_scheduled", N_("visit {visit_id} has no agents assigned"),
                              visit_id=visit.id)
    return visit.agent_a, visit.agent_b


def _assigned(ctx: Ctx, visit: VisitCase) -> tuple[str, str]:
    pair = _agents(visit)
    if ctx.actor.id not in pair:
        raise TransitionError("not_assigned_agent", N_("only the two agents of this visit may do this"))
    return pair


@guarded("visits.read")
def checklist(ctx: Ctx, visit_id: str, language: str) -> tuple[StepResult, dict[str, Any]]:
    """The scoped checklist. For a visit about to happen (scheduled or in progress) the gate is re-checked
    first: a closed gate stops the visit and the checklist is not shown (the caller answers 409)."""
    visit = steps.lock(ctx, visit_id)
    gate = None
    if visit.state in (S.SCHEDULED, S.IN_PROGRESS):
        gate, stopped = steps.check_gate(ctx, visit, AT_THE_DOOR, Message(N_("the checklist")))
        if stopped is not None:
            return stopped, {}
    rec = ctx.policy.recording_required(visit.pack)
    body = {**ctx.policy.checklist(language), "outcomes": [o.value for o in Outcome],
            "recording_required": None if rec is None else rec.model_dump()}
    return StepResult(visit, gate), body


@guarded("visits.report")
def check_in(ctx: Ctx, visit_id: str, partner_id: str) -> StepResult:
    """Both agents at the door, inside the slot the borrower was told, with the gate holding right now."""
    visit = steps.lock(ctx, visit_id, S.IN_PROGRESS)
    pair = _assigned(ctx, visit)
    if {ctx.actor.id, partner_id} != set(pair):
        raise TransitionError("both_agents_required", N_("check in together: name your partner on this visit"))
    assert visit.window_start is not None and visit.window_end is not None
    if not visit.window_start <= ctx.at < visit.window_end:
        raise TransitionError("outside_slot", N_("check-in is possible only inside the visit's scheduled slot"))
    gate, stopped = steps.check_gate(ctx, visit, AT_THE_DOOR, Message(N_("check-in")))
    if stopped is not None:
        return stopped
    visit.checked_in_at, visit.checked_in_by = ctx.at, ",".join(sorted(pair))
    transitions.move(ctx, visit, S.IN_PROGRESS, gate=gate, reasons=[f"checked_in:{','.join(sorted(pair))}"])
    return StepResult(visit, gate)


@guarded("visits.report")
def check_out(ctx: Ctx, visit_id: str, partner_id: str) -> StepResult:
    """Both agents leave; the time is the end of the visit's evidence (no state change: the report follows)."""
    visit = steps.lock(ctx, visit_id)
    if visit.state != S.IN_PROGRESS:
        raise TransitionError("not_in_progress", N_("check out after checking in"))
    pair = _assigned(ctx, visit)
    if {ctx.actor.id, partner_id} != set(pair):
        raise TransitionError("both_agents_required", N_("check out together: name your partner on this visit"))
    if visit.checked_out_at is not None:
        raise TransitionError("already_checked_out", N_("this visit is already checked out"))
    visit.checked_out_at, visit.checked_out_by = ctx.at, ",".join(sorted(pair))
    visit.updated_at = ctx.at
    record_audit(ctx.session, actor=ctx.actor, action="visit.check_out", subject=f"visit:{visit.id}",
                             after={"at": ctx.at.isoformat(), "agents": sorted(pair)}, at=ctx.at)
    ctx.session.flush()
    return StepResult(visit, None)


def _hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def time_problems(visit: VisitCase, report: ReportIn, window: VisitWindow, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Why the report's times cannot be true of this visit (empty: they fit)."""
    out: list[dict[str, Any]] = []
    arrived, left = report.arrived_at, report.left_at
    assert arrived is not None and left is not None  # file_report fills them from check-in/check-out

    def bad(code: str, field: str, message: str) -> None:
        out.append({"code": code, "field": field, "message": message})

    if left <= arrived:
        bad("times_not_ordered", "left_at", "the agents left after they arrived")
    assert visit.window_start is not None and visit.window_end is not None
    for name, moment in (("arrived_at", arrived), ("left_at", left)):
        if not visit.window_start <= moment <= visit.window_end:
            bad("time_outside_slot", name, "outside the slot the borrower was told")
        local = moment.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        if WEEKDAYS[local.weekday()] not in window.weekdays or not \
                _hm(window.start) <= minutes <= _hm(window.end):
            bad("time_outside_visit_window", name, "outside the strategy's visit window")
    if visit.checked_in_at is not None and arrived < visit.checked_in_at:
        bad("time_before_check_in", "arrived_at", "before the agents checked in")
    if visit.checked_out_at is not None and left > visit.checked_out_at:
        bad("time_after_check_out", "left_at", "after the agents checked out")
    return out


@guarded("visits.report")
def file_report(ctx: Ctx, visit_id: str, raw: dict[str, object]) -> StepResult:
    """One of the two agents files the scoped report after checking out; the gate must still hold."""
    visit = steps.lock(ctx, visit_id, S.REPORTED)
    _assigned(ctx, visit)
    if visit.checked_in_at is None or visit.checked_out_at is None:
        raise TransitionError("not_checked_out", N_("check in at the door and out when you leave, then report"))
    b = transitions.borrower_of(ctx, visit)
    report = validate_report(dict(raw), ctx.policy, visit.pack, b.phones)
    report = report.model_copy(update={"arrived_at": report.arrived_at or visit.checked_in_at,
                                       "left_at": report.left_at or visit.checked_out_at})
    problems = time_problems(visit, report, ctx.policy.strategy.visit_window, ZoneInfo(b.timezone))
    if report.outcome == Outcome.REFUSED and report.refused_by is None:
        problems.append({"code": "refused_by_missing", "field": "refused_by",
                         "message": "say who asked you not to come back (borrower or household_member)"})
    if problems:
        raise ReportRefused(problems)
    gate, stopped = steps.check_gate(ctx, visit, AT_THE_DOOR, Message(N_("the report")))
    if stopped is not None:
        return stopped
    ctx.session.add(VisitReport(visit_id=visit.id, outcome=report.outcome,
                                fields_json=report.fields.model_dump_json(exclude_none=True),
                                notes=report.notes, recording_ref=report.recording_ref, filed_by=ctx.actor.id,
                                filed_at=ctx.at, scope_version=ctx.policy.version))
    visit.outcome = report.outcome
    made = aftercare.apply(ctx.session, visit, b, report, ctx.at)
    if visit.ledger_visit_id:
        lv = ctx.session.get(Visit, visit.ledger_visit_id)
        if lv is not None:
            lv.status, lv.outcome = VisitStatus.COMPLETED, report.outcome.value
            lv.at = report.arrived_at or lv.at
    if report.outcome == Outcome.REFUSED:
        made.append(aftercare.do_not_return(ctx.session, visit, report, ctx.at))
    transitions.move(ctx, visit, S.REPORTED, gate=gate, reasons=[f"outcome:{report.outcome.value}"]
                     + [f"follow_up:{f.kind}" for f in made])
    return StepResult(visit, gate)


def refused_marks(ctx: Ctx, borrower_id: str, since: datetime) -> list[dict[str, Any]]:
    """The borrower's do-not-return marks since `since` (date and who asked), newest first."""
    rows = ctx.session.execute(select(FollowUp.details, FollowUp.created_at).join(
        VisitCase, VisitCase.id == FollowUp.visit_id).where(
        VisitCase.borrower_id == borrower_id, FollowUp.kind == "do_not_return", FollowUp.created_at > since)
        .order_by(FollowUp.created_at.desc())).all()
    return [json.loads(d or "{}") | {"recorded_at": at.isoformat()} for d, at in rows]
