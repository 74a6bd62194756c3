"""Visit notices and the borrower's consent decisions, through the home-visit workflow (`duecare.visits`).

A notice the workflow sent has a visit case: consent and decline go through `service.answer` (state machine,
gate re-check, consent registry), withdrawal through `service.withdraw` (cancels every visit not yet made).
A notice that came in from the core lending system (ingested, no visit case) still gets the same append-only
consent rows, written here, so the borrower's one-step rights never depend on where the notice came from.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import Codes, TransitionError
from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor
from duecare.visits import notice as visit_notice
from duecare.visits import repository as visit_repo
from duecare.visits import service as visit_service
from duecare.visits.models import VisitCase, VisitState

PURPOSE = "home_visit"
DECISIONS = ("granted", "declined", "withdrawn")
_MAIN = re.compile(r"<main>(.*)</main>", re.DOTALL)
_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class NoticeSummary:
    notice_id: str
    loan_id: str | None
    sent_at: datetime
    state: str  # none | granted | declined | withdrawn (derived from the consent rows)


def consents_of(db: Session, borrower_id: str) -> list[m.Consent]:
    """The consent history, newest first."""
    return list(db.scalars(select(m.Consent).where(m.Consent.borrower_id == borrower_id)
                           .order_by(m.Consent.at.desc(), m.Consent.id.desc())))


def state_of(db: Session, borrower_id: str, notice: m.Notice) -> str:
    """The current decision about a notice, derived from the consent records (never stored beside them)."""
    return visit_repo.consent_state(db, borrower_id, notice.id, notice.sent_at - _EPSILON)


def notices_of(db: Session, borrower_id: str) -> list[NoticeSummary]:
    rows = db.scalars(select(m.Notice).where(m.Notice.borrower_id == borrower_id, m.Notice.kind == "visit_notice")
                      .order_by(m.Notice.sent_at.desc()))
    return [NoticeSummary(n.id, n.loan_id, n.sent_at, state_of(db, borrower_id, n)) for n in rows]


def notice_of(db: Session, borrower_id: str, notice_id: str) -> m.Notice | None:
    """The notice only if it is this borrower's (the scope is in the query)."""
    return db.scalars(select(m.Notice).where(m.Notice.id == notice_id, m.Notice.borrower_id == borrower_id)).first()


def visit_of(db: Session, notice: m.Notice) -> VisitCase | None:
    return db.scalars(select(VisitCase).where(VisitCase.notice_id == notice.id)).first()


def rendered_notice(db: Session, notice: m.Notice) -> str | None:
    """The exact text the workflow sent (its hash is on the notice), as HTML; None for ingested notices."""
    doc = visit_repo.notice_document(db, notice.id)
    if doc is None:
        return None
    found = _MAIN.search(visit_notice.to_html(doc.canonical_text, doc.language))
    return found.group(1) if found else None


def allowed_decisions(db: Session, notice: m.Notice, state: str) -> tuple[str, ...]:
    """One step each. With a visit case, its state decides; a closed case takes no more answers."""
    visit = visit_of(db, notice)
    if visit is not None:
        if visit.state == VisitState.NOTICE_SENT:
            return ("granted", "declined")
        if visit.state in (VisitState.CONSENTED, VisitState.APPROVED, VisitState.SCHEDULED, VisitState.IN_PROGRESS,
                           VisitState.ON_HOLD):
            return ("withdrawn",)
        return ()
    return {"none": ("granted", "declined"), "granted": ("withdrawn",),
            "declined": ("granted",), "withdrawn": ("granted",)}[state]


def decide(db: Session, borrower_id: str, notice: m.Notice, decision: str, now: datetime, evidence: str) -> list[str]:
    """Record the borrower's decision. Returns the reasons if the workflow stopped the visit instead."""
    state = state_of(db, borrower_id, notice)
    if decision not in allowed_decisions(db, notice, state):
        raise TransitionError("consent_step_not_allowed", N_("cannot answer {decision} now (current: {state})"),
                              decision=Codes.of("consent", [decision]), state=Codes.of("consent", [state]))
    me = Actor(kind="borrower", id=borrower_id, role="borrower")
    visit = visit_of(db, notice)
    if visit is not None:
        ctx = visit_service.Ctx(session=db, actor=me, at=now)
        if decision == "withdrawn":
            visit_service.withdraw(ctx, borrower_id, channel="portal", evidence=evidence)
            return []
        result = visit_service.answer(ctx, visit.id, decision, channel="portal", evidence=evidence,
                                      notice_version_hash=notice.version_hash or "")
        return list(result.stopped)
    db.add(m.Consent(id=f"C-{uuid.uuid4().hex[:16]}", borrower_id=borrower_id, purpose=PURPOSE,
                     decision=m.ConsentDecision(decision), at=now, notice_id=notice.id,
                     notice_version_hash=notice.version_hash, channel="portal", evidence=evidence))
    db.flush()
    record_audit(db, actor=me, action=f"consent.{decision}", subject=f"borrower:{borrower_id}",
                 rule_id="pipl_basis_consent", legal_basis="PIPL Arts. 14-15; GDPR Art. 7(3)",
                 after={"notice": notice.id, "decision": decision})
    return []

