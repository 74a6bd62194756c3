"""Remote alternatives to a visit (issue 17): a chosen one pauses the visit, a verified one closes its need.

Read from the store the way every other visit-chain fact is (`store_frames` → `decide`), and re-checked at
commit like any other fact: an open visit goes on hold while the alternative runs and is cancelled with
`verified_remotely` once a person verified the borrower's situation.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from duecare.kit.db import unit_of_work
from duecare.ledger.models import Alternative, AlternativeKind, AlternativeState
from duecare.ledger.repository import borrower_frames
from duecare.policy.evaluator import decide

from .conftest import Clients, FakeClock
from .factories import AS_OF
from .test_standing_gate import state, write


def _alternative(state_: AlternativeState, chosen_days_ago: float, completed_days_ago: float | None = None,
                 at=AS_OF) -> Alternative:
    return Alternative(id=f"ALT-{state_.value}", borrower_id="B1", loan_id="L1", kind=AlternativeKind.VIDEO,
                       state=state_, chosen_at=at - timedelta(days=chosen_days_ago),
                       completed_at=None if completed_days_ago is None else at - timedelta(days=completed_days_ago),
                       evidence_ref="video_report:R1" if state_ == AlternativeState.VERIFIED else None)


def _unmet(session: Session) -> list[str]:
    row = decide(borrower_frames(session, "B1"), AS_OF).row(0, named=True)
    return list(row["visit_unmet"])


class TestTheGateReadsAlternativesFromTheStore:
    def test_a_chosen_alternative_is_alternative_in_progress(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            s.add(_alternative(AlternativeState.CHOSEN, 3))
            s.flush()
            unmet = _unmet(s)
        assert "alternative_in_progress" in unmet and "verified_remotely" not in unmet

    def test_the_pause_ends_after_the_strategys_days(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            s.add(_alternative(AlternativeState.CHOSEN, 15))
            s.flush()
            assert "alternative_in_progress" not in _unmet(s)

    def test_a_verified_alternative_is_verified_remotely(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            s.add(_alternative(AlternativeState.VERIFIED, 5, 1))
            s.flush()
            unmet = _unmet(s)
        assert "verified_remotely" in unmet and "alternative_in_progress" not in unmet

    def test_an_alternative_chosen_after_as_of_is_ignored(self, seeded: str) -> None:
        with unit_of_work(seeded) as s:
            s.add(_alternative(AlternativeState.CHOSEN, -1))
            s.flush()
            assert "alternative_in_progress" not in _unmet(s)


class TestAnOpenVisitFollowsTheAlternative:
    def test_choosing_an_alternative_puts_the_visit_on_hold_and_verifying_it_cancels_the_visit(
        self, api: Clients, clock: FakeClock, seeded: str
    ) -> None:
        agent = api.staff("A1", "agent")
        vid = agent.post("/visits", json={"loan_id": "L1"}).json()["id"]
        assert agent.post(f"/visits/{vid}/notice").json()["state"] == "notice_sent"
        clock.advance(hours=2)
        write(seeded, clock, lambda s: s.add(_alternative(AlternativeState.CHOSEN, 0, at=clock.now)))
        now = state(api, vid)
        assert now["state"] == "on_hold"
        assert "alternative_in_progress" in str(now["timeline"][-1]["reasons"])
        clock.advance(hours=2)

        def verified(s: Session) -> None:
            alt = s.get_one(Alternative, "ALT-chosen")
            alt.state = AlternativeState.VERIFIED
            alt.completed_at = clock.now
            alt.evidence_ref = "video_report:R1"
        write(seeded, clock, verified)
        now = state(api, vid)
        assert now["state"] == "cancelled"
        assert "verified_remotely" in (now["close_reason"] or "") + str(now["timeline"][-1]["reasons"])
