"""The one transition table: what it allows, and that everything else is refused with a code."""

from __future__ import annotations

import itertools

import pytest

from duecare.kit.errors import TransitionError
from duecare.visits.flows import BEFORE_VISIT, TABLE, check_transition
from duecare.visits.models import VisitState as S

HAPPY = [S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS, S.REPORTED, S.REVIEWED]
WHO = {S.NOTICE_SENT: "staff:agent", S.CONSENTED: "borrower", S.APPROVED: "staff:supervisor",
       S.SCHEDULED: "staff:supervisor", S.IN_PROGRESS: "staff:field_agent", S.REPORTED: "staff:field_agent",
       S.REVIEWED: "staff:compliance"}


class TestTheTable:
    def test_the_happy_path_is_listed_step_by_step(self) -> None:
        for a, b in itertools.pairwise(HAPPY):
            assert check_transition(a, b, WHO[b]).step

    def test_every_state_before_the_visit_can_be_cancelled_and_no_later_one(self) -> None:
        for state in S:
            listed = (state, S.CANCELLED) in TABLE
            assert listed == (state in BEFORE_VISIT), state

    @pytest.mark.parametrize("current,target", [
        (S.PROPOSED, S.SCHEDULED), (S.NOTICE_SENT, S.APPROVED), (S.DECLINED, S.CONSENTED),
        (S.REJECTED, S.SCHEDULED), (S.CANCELLED, S.SCHEDULED), (S.REPORTED, S.CANCELLED), (S.REVIEWED, S.REPORTED),
        (S.SCHEDULED, S.REPORTED), (S.ON_HOLD, S.SCHEDULED), (S.IN_PROGRESS, S.ON_HOLD),
    ])
    def test_a_pair_not_in_the_table_is_refused_with_its_code(self, current: S, target: S) -> None:
        with pytest.raises(TransitionError) as info:
            check_transition(current, target, "staff:supervisor")
        assert info.value.code == "transition_not_allowed"

    def test_only_a_field_agent_files_a_report_and_a_borrower_cannot_approve(self) -> None:
        with pytest.raises(TransitionError) as info:
            check_transition(S.IN_PROGRESS, S.REPORTED, "staff:supervisor")
        assert info.value.code == "actor_not_allowed"
        with pytest.raises(TransitionError):
            check_transition(S.CONSENTED, S.APPROVED, "borrower")

    def test_scheduled_is_reachable_only_from_approved(self) -> None:
        assert [a for (a, b) in TABLE if b == S.SCHEDULED] == [S.APPROVED]
        assert [a for (a, b) in TABLE if b == S.IN_PROGRESS] == [S.SCHEDULED]
        # an on_hold visit resumes where it was, and only the system (the re-check) resumes it
        assert {a for (a, b) in TABLE if b == S.APPROVED} == {S.CONSENTED, S.ON_HOLD}
        assert {a for (a, b) in TABLE if b == S.CONSENTED} == {S.NOTICE_SENT, S.ON_HOLD}
        assert TABLE[(S.ON_HOLD, S.APPROVED)].by == frozenset({"system"})

    def test_only_the_system_puts_a_visit_on_hold(self) -> None:
        for state in (S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED):
            assert TABLE[(state, S.ON_HOLD)].by == frozenset({"system"})
        with pytest.raises(TransitionError):
            check_transition(S.SCHEDULED, S.ON_HOLD, "staff:supervisor")
