"""A visit notice sent outside a visit case — the nightly run's letter or one in the lender's file — that the
borrower consented to is taken up by the visit a person then opens, so a supervisor can approve it.

Found walking the demo: the outbox posted the batch's visit-notice letters, a borrower consented in the portal, the
work queue said "Visit approval — supervisor approval required", and the approvals page had nothing to approve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from duecare.kit.db import unit_of_work
from duecare.kit.errors import TransitionError
from duecare.ledger.models import Approval, Notice
from duecare.portal import notices as portal_notices
from duecare.privacy.permissions import Actor
from duecare.visits import service
from duecare.visits.gate import evaluate
from duecare.visits.models import VisitCase, VisitEvent, VisitState
from duecare.visits.scope import load_visit_policy

from .factories import AS_OF, assign, eligible_borrower, team

AGENT = Actor("staff", "A1", "agent")
SUPERVISOR = Actor("staff", "S2", "supervisor")
LETTER = "letter-7"  # contacts.letters.notice_id_of: the notice record of a delivered letter task


def _step(url: str, actor: Actor, at: Any, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with unit_of_work(url) as s:
        return fn(service.Ctx(session=s, actor=actor, at=at), *args, **kw)


def _letter_sent(url: str, answer: str | None) -> Any:
    """B1's loan on the visit track, a visit-notice letter posted by the outbox 4 days ago, and the borrower's
    answer to it in the portal (None: no answer yet). Returns the moment after the answer."""
    with unit_of_work(url) as s:
        team(s)
        eligible_borrower(s)
        assign(s, "B1", "A1")
        s.add(Notice(id=LETTER, borrower_id="B1", loan_id="L1", kind="visit_notice",
                     sent_at=AS_OF - timedelta(days=4), version_hash="f" * 64))
    now = AS_OF
    if answer is not None:
        with unit_of_work(url) as s:
            notice = s.get_one(Notice, LETTER)
            portal_notices.decide(s, "B1", notice, answer, now - timedelta(hours=1), "portal-session:t")
    return now


def _action(url: str, at: Any) -> str:
    with unit_of_work(url) as s:
        return str(evaluate(s, "L1", at, load_visit_policy()).action)


def test_a_consented_letter_is_taken_up_and_a_supervisor_approves_the_visit(db_url: str) -> None:
    now = _letter_sent(db_url, "granted")
    assert _action(db_url, now) == "visit_approval"
    vid = _step(db_url, AGENT, now, service.propose, "L1").visit.id
    with unit_of_work(db_url) as s:
        visit = s.get_one(VisitCase, vid)
        assert (visit.state, visit.notice_id) == (VisitState.CONSENTED, LETTER)
        steps = s.scalars(select(VisitEvent.to_state).where(VisitEvent.visit_id == vid).order_by(VisitEvent.id)).all()
        assert steps == ["proposed", "notice_sent", "consented"]
    _step(db_url, SUPERVISOR, now + timedelta(minutes=5), service.decide_approval, vid, True, "checked the file")
    with unit_of_work(db_url) as s:
        assert s.get_one(VisitCase, vid).state == VisitState.APPROVED
        assert s.scalars(select(Approval.notice_id)).all() == [LETTER]
    assert _action(db_url, now + timedelta(minutes=10)) != "visit_approval"


def test_a_declined_letter_opens_no_visit(db_url: str) -> None:
    now = _letter_sent(db_url, "declined")
    assert _action(db_url, now) not in service.VISIT_TRACK
    with pytest.raises(TransitionError):
        _step(db_url, AGENT, now, service.propose, "L1")
    with unit_of_work(db_url) as s:
        assert s.scalars(select(VisitCase)).all() == []
