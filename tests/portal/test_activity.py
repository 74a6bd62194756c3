"""Portal activity is contact (issue 13): a questionnaire, a plan or a promise in the portal is an inbound
right-party contact of channel `portal` (a sign-in alone is not: it is only audited); a questionnaire naming a
hardship category opens a hold until a person reviews it. Through the same gate the batch uses, the borrower is then no visit candidate."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.visits.factories import AS_OF, eligible_borrower

from duecare.kit.db import unit_of_work
from duecare.ledger.models import ContactEvent, Hold
from duecare.portal import activity
from duecare.privacy.models import AuditEvent
from duecare.visits.gate import evaluate
from duecare.visits.scope import load_visit_policy


def test_a_portal_sign_in_is_no_contact_so_the_borrower_stays_unreachable(sqlite_url: str) -> None:
    """Reading notices is not a conversation: a sign-in alone is audited, never a contact event (a sign-in to
    answer a visit notice must not make the borrower "reachable" and cancel the visit)."""
    with unit_of_work(sqlite_url) as s:
        eligible_borrower(s)
    with unit_of_work(sqlite_url) as s:
        activity.record_sign_in(s, "B1", AS_OF)
    with unit_of_work(sqlite_url) as s:
        assert s.scalars(select(ContactEvent).where(ContactEvent.channel == "portal")).all() == []
        assert s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "portal.sign_in")).all() == ["borrower:B1"]
        assert evaluate(s, "L1", AS_OF, load_visit_policy()).action == "visit_notice"


def test_a_questionnaire_answer_makes_the_borrower_reachable_so_no_visit_is_proposed(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as s:
        eligible_borrower(s)
    with unit_of_work(sqlite_url) as s:
        assert evaluate(s, "L1", AS_OF, load_visit_policy()).action == "visit_notice"
        activity.record_contact(s, "B1", AS_OF, "hardship_questionnaire")
    with unit_of_work(sqlite_url) as s:
        event = s.scalars(select(ContactEvent).where(ContactEvent.channel == "portal")).one()
        assert (event.direction, event.outcome) == ("inbound", "rpc")
        gate = evaluate(s, "L1", AS_OF, load_visit_policy())
        assert gate.action != "visit_notice" and "reachable" in gate.unmet
    with unit_of_work(sqlite_url) as s, pytest.raises(ValueError, match="sign_in"):
        activity.record_contact(s, "B1", AS_OF, "sign_in")


def test_a_questionnaire_with_a_hardship_category_opens_a_review_hold_once(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as s:
        eligible_borrower(s)
    with unit_of_work(sqlite_url) as s:
        assert activity.open_hardship_review(s, "B1", AS_OF, "job_loss") is not None
        assert activity.open_hardship_review(s, "B1", AS_OF, "unable_to_work") is None  # one open review at a time
    with unit_of_work(sqlite_url) as s:
        hold = s.scalars(select(Hold)).one()
        assert hold.kind == "hardship_open" and hold.closed_at is None
        gate = evaluate(s, "L1", AS_OF, load_visit_policy())
        assert "hold_active" in gate.unmet


def test_prefer_not_to_say_is_no_hardship_category(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as s:
        eligible_borrower(s)
        assert activity.open_hardship_review(s, "B1", AS_OF, "prefer_not_to_say") is None
    with unit_of_work(sqlite_url) as s:
        assert s.scalars(select(Hold)).all() == []
