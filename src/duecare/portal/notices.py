"""Visit notices and the borrower's consent decisions, through the visit workflow when it is installed.

The visit workflow (`duecare.visits`) owns notices and the consent registry. This module is the portal's port
to it: it calls the workflow's services when they exist and otherwise appends consent rows to the ledger's
append-only `consents` table itself, so the portal keeps working while the workflow is developed.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.ledger import models as m
from duecare.privacy.audit import record_audit

PURPOSE = "home_visit"
DECISIONS = ("granted", "declined", "withdrawn")


def _visits_service() -> Any | None:
    try:
        return importlib.import_module("duecare.visits.service")
    except ImportError:
        return None


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


def state_for(consents: list[m.Consent], notice_id: str) -> str:
    """The current decision about one notice: the latest row wins; never stored beside the rows."""
    rows = [c for c in consents if c.notice_id == notice_id and c.purpose == PURPOSE]
    return rows[0].decision.value if rows else "none"


def notices_of(db: Session, borrower_id: str) -> list[NoticeSummary]:
    consents = consents_of(db, borrower_id)
    rows = db.scalars(select(m.Notice).where(m.Notice.borrower_id == borrower_id, m.Notice.kind == "visit_notice")
                      .order_by(m.Notice.sent_at.desc()))
    return [NoticeSummary(n.id, n.loan_id, n.sent_at, state_for(consents, n.id)) for n in rows]


def notice_of(db: Session, borrower_id: str, notice_id: str) -> m.Notice | None:
    """The notice only if it is this borrower's (the scope is in the query)."""
    return db.scalars(select(m.Notice).where(m.Notice.id == notice_id, m.Notice.borrower_id == borrower_id)).first()


def rendered_notice(db: Session, notice: m.Notice, language: str) -> str | None:
    """The workflow's own rendering of the notice (HTML), when the workflow provides one."""
    svc = _visits_service()
    for name in ("render_notice_html", "notice_html"):
        fn = getattr(svc, name, None) if svc else None
        if fn is not None:
            try:
                return str(fn(db, notice.id, language))
            except TypeError:
                continue
    return None


def allowed_decisions(state: str) -> tuple[str, ...]:
    """One step each: consent or decline when undecided, withdraw when consented, consent again otherwise."""
    return {"none": ("granted", "declined"), "granted": ("withdrawn",),
            "declined": ("granted",), "withdrawn": ("granted",)}[state]


def decide(db: Session, borrower_id: str, notice: m.Notice, decision: str, now: datetime,
           evidence: str) -> str:
    """Record the borrower's decision; returns the new state. Refuses a step that does not apply."""
    from duecare.kit.errors import TransitionError

    current = state_for(consents_of(db, borrower_id), notice.id)
    if decision not in allowed_decisions(current):
        raise TransitionError("consent_step_not_allowed", f"cannot go from {current} to {decision}")
    svc = _visits_service()
    fn = getattr(svc, "record_consent", None) if svc else None
    if fn is not None:
        fn(db, borrower_id=borrower_id, notice_id=notice.id, decision=decision, channel="portal",
           evidence=evidence, at=now)
        return decision
    db.add(m.Consent(id=f"C-{uuid.uuid4().hex[:16]}", borrower_id=borrower_id, purpose=PURPOSE,
                     decision=m.ConsentDecision(decision), at=now, notice_id=notice.id,
                     notice_version_hash=notice.version_hash, channel="portal", evidence=evidence))
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action=f"consent_{decision}",
                 subject=f"borrower:{borrower_id}", rule_id="pipl_basis_consent",
                 legal_basis="PIPL Arts. 14-15", after={"notice": notice.id, "decision": decision})
    return decision
