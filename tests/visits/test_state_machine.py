"""Hypothesis drives random sequences of workflow calls against a real (SQLite) store.

Properties: no sequence reaches `scheduled` without a granted consent to the notice and a later approval; a
withdrawal at any point before the visit leaves no visit open; a report with an out-of-scope field or text
is always refused and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from duecare.kit.db import unit_of_work
from duecare.kit.errors import TransitionError, UserError
from duecare.ledger.models import Approval, Notice, Payment
from duecare.privacy.permissions import Actor
from duecare.visits import repository, service
from duecare.visits.flows import BEFORE_VISIT, OPEN
from duecare.visits.models import VisitCase, VisitReport, VisitState
from duecare.visits.report import ReportRefused

from .factories import AS_OF, assign, eligible_borrower, team

AGENT = Actor("staff", "A1", "agent")
SUPERVISOR = Actor("staff", "S2", "supervisor")
BORROWER = Actor("borrower", "B1", "borrower")

OUT_OF_SCOPE = [
    {"outcome": "met_borrower", "recording_ref": "R", "fields": {"religion": "buddhist"}},
    {"outcome": "met_borrower", "recording_ref": "R", "notes": "身份证号 11010519491231002X"},
    {"outcome": "met_borrower", "recording_ref": "R", "notes": "her sister's mobile is 13912345678"},
    {"outcome": "met_borrower", "recording_ref": "R", "notes": "he was diagnosed with cancer last spring"},
    {"outcome": "met_borrower", "recording_ref": "R", "notes": "他是共产党员，经常谈论政治"},
    {"outcome": "not_home", "recording_ref": "R", "fields": {"family_members": ["wife"]}},
    {"outcome": "met_borrower", "fields": {"willingness": "willing"}},  # no recording (required in cn)
]
IN_SCOPE = {"outcome": "met_borrower", "recording_ref": "REC-9",
            "fields": {"willingness": "willing", "capacity_monthly": "500.00"}, "notes": "本人接待，愿意还款。"}

EXPECTED = (TransitionError, UserError, repository.NotFound)


def make_machine(new_db: Callable[[str], str]) -> type[RuleBasedStateMachine]:
    class VisitWorkflow(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.url = new_db("sqlite")
            self.now = AS_OF
            self.visit: str | None = None
            self.payments = 0
            with unit_of_work(self.url) as s:
                team(s)
                eligible_borrower(s)
                assign(s, "B1", "A1")

        def step(self, actor: Actor, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
            """One request: its own unit of work; refusals the workflow is meant to give are fine."""
            try:
                with unit_of_work(self.url) as s:
                    return fn(service.Ctx(session=s, actor=actor, at=self.now), *args, **kw)
            except EXPECTED:
                return None

        def state(self) -> VisitState | None:
            if self.visit is None:
                return None
            with unit_of_work(self.url) as s:
                v = s.get(VisitCase, self.visit)
                return None if v is None else v.state

        def _advance(self) -> None:
            """The next lawful step for the current state, at a lawful time (random rules interleave)."""
            state = self.state()
            if state is None or state not in OPEN:
                self.propose()
            elif state == VisitState.PROPOSED:
                self.send_notice()
            elif state == VisitState.NOTICE_SENT:
                self.now += timedelta(hours=2)
                self.borrower_answers("granted", True)
            elif state == VisitState.CONSENTED:
                self.now += timedelta(hours=1)
                self.supervisor_decides(True)
            elif state == VisitState.APPROVED:
                self.now += timedelta(days=3)
                self.schedule(None)
            elif state == VisitState.SCHEDULED:
                self.agents_report_after_the_window_opens()
            elif state == VisitState.REPORTED:
                self.review()

        # Three copies weight the forward path, so random sequences reach the later states.
        @rule()
        def advance_a(self) -> None:
            self._advance()

        @rule()
        def advance_b(self) -> None:
            self._advance()

        @rule()
        def advance_c(self) -> None:
            self._advance()

        @rule(hours=st.integers(1, 30))
        def time_passes(self, hours: int) -> None:
            self.now += timedelta(hours=hours)

        @rule(days=st.integers(2, 16))
        def days_pass(self, days: int) -> None:
            self.now += timedelta(days=days)

        @rule()
        def propose(self) -> None:
            res = self.step(AGENT, service.propose, "L1")
            if res is not None:
                self.visit = res.visit.id

        @precondition(lambda self: self.visit is not None)
        @rule()
        def send_notice(self) -> None:
            self.step(AGENT, service.send_notice, self.visit)

        @precondition(lambda self: self.visit is not None)
        @rule(decision=st.sampled_from(["granted", "declined"]), right_text=st.booleans())
        def borrower_answers(self, decision: str, right_text: bool) -> None:
            with unit_of_work(self.url) as s:
                v = s.get(VisitCase, self.visit)
                n = s.get(Notice, v.notice_id) if v and v.notice_id else None
                version = n.version_hash if (n and right_text) else "0" * 64
            self.step(BORROWER, service.answer, self.visit, decision, channel="portal", evidence="portal-session:x",
                      notice_version_hash=version)

        @rule()
        def borrower_withdraws(self) -> None:
            before = self.state()
            self.step(BORROWER, service.withdraw, "B1", channel="portal", evidence="portal-session:x")
            if before in (BEFORE_VISIT & OPEN):
                assert self.state() == VisitState.CANCELLED
            with unit_of_work(self.url) as s:
                pre_open = [v.state.value for v in s.scalars(select(VisitCase))
                            if v.state in (BEFORE_VISIT & OPEN)]
            assert pre_open == []

        @precondition(lambda self: self.visit is not None)
        @rule(approve=st.booleans())
        def supervisor_decides(self, approve: bool) -> None:
            self.step(SUPERVISOR, service.decide_approval, self.visit, approve, "checked the gate")

        @precondition(lambda self: self.visit is not None)
        @rule(pair=st.sampled_from([None, ("F1", "F2"), ("F2", "F3"), ("F1", "F1")]))
        def schedule(self, pair: tuple[str, str] | None) -> None:
            self.step(SUPERVISOR, service.schedule, self.visit, agents=pair)

        @rule(amount=st.integers(1, 2000))
        def a_payment_arrives(self, amount: int) -> None:
            self.payments += 1
            with unit_of_work(self.url) as s:
                p = Payment(id=f"HP{self.payments}", loan_id="L1", paid_at=self.now)
                p.amount = Decimal(amount)
                s.add(p)

        @precondition(lambda self: self.visit is not None)
        @rule(bad=st.sampled_from(OUT_OF_SCOPE), agent=st.sampled_from(["F1", "F2", "F3"]))
        def out_of_scope_report_is_refused(self, bad: dict[str, Any], agent: str) -> None:
            before = self.state()
            try:
                with unit_of_work(self.url) as s:
                    service.file_report(service.Ctx(session=s, actor=Actor("staff", agent, "field_agent"),
                                                    at=self.now), self.visit, bad)
                raise AssertionError("an out-of-scope report was accepted")
            except (ReportRefused, TransitionError, repository.NotFound):
                pass
            assert self.state() == before
            with unit_of_work(self.url) as s:
                assert s.get(VisitReport, self.visit) is None or before in (VisitState.REPORTED,
                                                                            VisitState.REVIEWED)

        @precondition(lambda self: self.visit is not None)
        @rule()
        def agents_report_after_the_window_opens(self) -> None:
            with unit_of_work(self.url) as s:
                v = s.get(VisitCase, self.visit)
                agent, start = (v.agent_a, v.window_start) if v else (None, None)
            if agent and start:
                self.now = max(self.now, start + timedelta(minutes=30))
                self.step(Actor("staff", agent, "field_agent"), service.file_report, self.visit, IN_SCOPE)

        @precondition(lambda self: self.visit is not None)
        @rule()
        def review(self) -> None:
            self.step(SUPERVISOR, service.review, self.visit, "fine")

        @rule()
        def expire_sweep(self) -> None:
            self.step(SUPERVISOR, service.expire_due)

        @invariant()
        def scheduled_only_with_consent_and_approval(self) -> None:
            if self.visit is None:
                return
            with unit_of_work(self.url) as s:
                for v in s.scalars(select(VisitCase)):
                    if v.state not in (VisitState.SCHEDULED, VisitState.REPORTED, VisitState.REVIEWED):
                        continue
                    n = s.get(Notice, v.notice_id)
                    assert n is not None
                    approval = s.get(Approval, v.approval_id)
                    assert approval is not None and approval.decision == "approved" and approval.notice_id == n.id
                    decided = repository.consent_state(s, v.borrower_id, n.id, n.sent_at)
                    if v.state == VisitState.SCHEDULED:
                        assert decided == "granted"
                    assert v.agent_a and v.agent_b and v.agent_a != v.agent_b

    return VisitWorkflow


def test_random_call_sequences_keep_the_workflow_lawful(new_database: Callable[..., str]) -> None:
    machine = make_machine(new_database)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=20, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
