"""Every query of the visit workflow. Who may see which visit is a filter in the query (privacy.scope)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.kit import errors as kit_errors
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower, Consent
from duecare.policy.consent import consent_state as consent_rule
from duecare.privacy.permissions import Actor
from duecare.privacy.scope import readable_borrowers
from duecare.visits.flows import BEFORE_VISIT, GATED, OPEN
from duecare.visits.models import (
    FollowUp,
    NoticeDocument,
    VisitCase,
    VisitEvent,
    VisitMessage,
    VisitPreference,
    VisitReport,
    VisitState,
)

HOME_VISIT = "home_visit"


class NotFound(kit_errors.NotFound):
    """A visit the actor may not see is reported exactly like one that does not exist."""


def readable(actor: Actor) -> Select[VisitCase]:
    stmt: Select[VisitCase] = readable_borrowers(select(VisitCase), actor, VisitCase.borrower_id)
    return stmt


def get_visit(session: Session, visit_id: str, actor: Actor) -> VisitCase:
    row = session.scalars(readable(actor).where(VisitCase.id == visit_id)).one_or_none()
    if row is None:
        raise NotFound(N_("visit {visit_id} not found"), visit_id=visit_id)
    return row


def lock_borrower(session: Session, borrower_id: str) -> None:
    """The borrower row under `SELECT … FOR NO KEY UPDATE`: one mutex for everything that re-checks or moves
    a visit of this borrower (taken before any visit row; `NO KEY` leaves inserts that reference the borrower
    free, so a fact write never deadlocks on its own foreign key)."""
    session.execute(select(Borrower.id).where(Borrower.id == borrower_id).with_for_update(key_share=True))


def lock_visit(session: Session, visit_id: str, actor: Actor) -> VisitCase:
    """The visit row under `SELECT … FOR UPDATE` (PostgreSQL row lock), refreshed from the database, after
    its borrower's row (the lock order of every step and re-check: borrower, then visits by id)."""
    owner = session.scalar(readable(actor).with_only_columns(VisitCase.borrower_id).where(VisitCase.id == visit_id))
    if owner is None:
        raise NotFound(N_("visit {visit_id} not found"), visit_id=visit_id)
    lock_borrower(session, owner)
    stmt = readable(actor).where(VisitCase.id == visit_id).with_for_update().execution_options(
        populate_existing=True)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(N_("visit {visit_id} not found"), visit_id=visit_id)
    return row


def lock_open_visits_of(session: Session, borrower_id: str) -> list[VisitCase]:
    """Every not-yet-happened, not-closed visit of a borrower, locked in id order after the borrower."""
    lock_borrower(session, borrower_id)
    pre = sorted(s.value for s in BEFORE_VISIT & OPEN)
    stmt = (select(VisitCase).where(VisitCase.borrower_id == borrower_id, VisitCase.state.in_(pre))
            .order_by(VisitCase.id).with_for_update().execution_options(populate_existing=True))
    return list(session.scalars(stmt))


def lock_gated_visits_of(session: Session, borrower_id: str) -> list[VisitCase]:
    """Every visit of a borrower whose gate is a standing condition (GATED), locked in id order."""
    stmt = (select(VisitCase).where(VisitCase.borrower_id == borrower_id,
                                    VisitCase.state.in_(sorted(s.value for s in GATED)))
            .order_by(VisitCase.id).with_for_update().execution_options(populate_existing=True))
    return list(session.scalars(stmt))


def open_visit_for_loan(session: Session, loan_id: str) -> VisitCase | None:
    states = sorted(s.value for s in OPEN)
    return session.scalars(select(VisitCase).where(VisitCase.loan_id == loan_id, VisitCase.state.in_(states))
                           .limit(1)).one_or_none()


def list_visits(session: Session, actor: Actor, state: str | None = None, limit: int = 200) -> list[VisitCase]:
    stmt = readable(actor).order_by(VisitCase.proposed_at.desc(), VisitCase.id).limit(limit)
    if state:
        stmt = stmt.where(VisitCase.state == state)
    return list(session.scalars(stmt))


def all_visits(session: Session) -> list[VisitCase]:
    return list(session.scalars(select(VisitCase).order_by(VisitCase.proposed_at, VisitCase.id)))


def events(session: Session, visit_id: str) -> list[VisitEvent]:
    return list(session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit_id).order_by(VisitEvent.id)))


def consents_of(session: Session, borrower_id: str, purpose: str = HOME_VISIT) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.borrower_id == borrower_id, Consent.purpose == purpose)
                                .order_by(Consent.at, Consent.id)))


def consent_state(session: Session, borrower_id: str, notice_id: str, since: datetime,
                  as_of: datetime | None = None) -> str:
    """The current decision for a notice sent at `since`, derived from the records by the one rule
    (`policy.consent.consent_state`: latest wins, a no beats a yes at the same instant, a withdrawal counts
    whatever notice it names). `as_of` None: every record so far."""
    records = consents_of(session, borrower_id)
    moment = as_of or max([c.at for c in records], default=since)
    return consent_rule(records, notice_id, since, moment).state


def notice_document(session: Session, notice_id: str) -> NoticeDocument | None:
    return session.get(NoticeDocument, notice_id)


def report_of(session: Session, visit_id: str) -> VisitReport | None:
    return session.get(VisitReport, visit_id)


def follow_ups(session: Session, visit_id: str) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.visit_id == visit_id).order_by(FollowUp.id)))


def messages(session: Session, visit_id: str | None = None, recipient_id: str | None = None) -> list[VisitMessage]:
    stmt = select(VisitMessage).order_by(VisitMessage.id)
    if visit_id:
        stmt = stmt.where(VisitMessage.visit_id == visit_id)
    if recipient_id:
        stmt = stmt.where(VisitMessage.recipient_id == recipient_id)
    return list(session.scalars(stmt))


def inbox(session: Session, recipient_kind: str, recipient_id: str, limit: int = 100) -> list[VisitMessage]:
    """What was delivered to one reader in place (portal for a borrower, staff inbox for staff), newest first;
    the reader is the filter of the query."""
    channel = "portal" if recipient_kind == "borrower" else "staff_inbox"
    return list(session.scalars(select(VisitMessage).where(
        VisitMessage.recipient_kind == recipient_kind, VisitMessage.recipient_id == recipient_id,
        VisitMessage.channel == channel, VisitMessage.status == "sent")
        .order_by(VisitMessage.created_at.desc(), VisitMessage.id.desc()).limit(limit)))


def preferences(session: Session, borrower_id: str) -> list[VisitPreference]:
    """The borrower's latest statement of preferred times (all rows stated at that moment)."""
    latest = session.scalar(select(VisitPreference.stated_at).where(VisitPreference.borrower_id == borrower_id)
                            .order_by(VisitPreference.stated_at.desc()).limit(1))
    if latest is None:
        return []
    return list(session.scalars(select(VisitPreference).where(
        VisitPreference.borrower_id == borrower_id, VisitPreference.stated_at == latest)
        .order_by(VisitPreference.weekday, VisitPreference.start_time)))


def booked(session: Session, agent_ids: Sequence[str], start: datetime, end: datetime,
           states: Sequence[VisitState] = (VisitState.SCHEDULED, VisitState.IN_PROGRESS)) -> list[VisitCase]:
    """Visits (scheduled by default) of any of these agents with a window overlapping [start, end)."""
    ids = list(agent_ids)
    stmt = select(VisitCase).where(
        VisitCase.state.in_([s.value for s in states]),
        VisitCase.agent_a.in_(ids) | VisitCase.agent_b.in_(ids),
        VisitCase.window_start < end, VisitCase.window_end > start,
    ).order_by(VisitCase.window_start, VisitCase.id)
    return list(session.scalars(stmt))


def visits_of_borrower_between(session: Session, borrower_id: str, start: datetime, end: datetime,
                               exclude: str) -> list[VisitCase]:
    """Visits of a borrower (scheduled or done) whose window starts in [start, end): the 30-day limit."""
    done = [VisitState.SCHEDULED.value, VisitState.REPORTED.value, VisitState.REVIEWED.value]
    return list(session.scalars(select(VisitCase).where(
        VisitCase.borrower_id == borrower_id, VisitCase.id != exclude, VisitCase.state.in_(done),
        VisitCase.window_start >= start, VisitCase.window_start < end)))


def gate_of(event: VisitEvent) -> dict[str, Any] | None:
    if event.gate_json is None:
        return None
    gate: dict[str, Any] = json.loads(event.gate_json)
    return gate
