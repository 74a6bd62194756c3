"""Remote alternatives to a home visit (issue 17): the borrower chooses one before any consent to a visit is
asked; while it runs the visit waits (`alternative_in_progress`), and once a person verified the situation it
established the visit need is closed (`verified_remotely`, evidence linked).

States pass through one table (`TRANSITIONS`); every change is audited. The row is a ledger fact
(`ledger.models.Alternative`), so writing it re-checks the borrower's open visits in the same transaction
(`visits.recheck`). Services take the session and never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from duecare.kit.bounds import MAX_DOCUMENT_BYTES
from duecare.kit.errors import Codes, NotFound, TransitionError, UserError
from duecare.kit.i18n import N_
from duecare.ledger.models import Alternative, AlternativeKind, AlternativeState
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor, check
from duecare.privacy.scope import readable_borrowers

St = AlternativeState
# (from, to) -> who may take the step: the borrower (their own act), staff with a permission, or the system.
TRANSITIONS: dict[tuple[AlternativeState, AlternativeState], frozenset[str]] = {
    (St.CHOSEN, St.COMPLETED): frozenset({"borrower", "system"}),
    (St.CHOSEN, St.VERIFIED): frozenset({"alternatives.verify", "video.call"}),
    (St.COMPLETED, St.VERIFIED): frozenset({"alternatives.verify", "video.call"}),
    (St.CHOSEN, St.CANCELLED): frozenset({"borrower", "alternatives.verify"}),
    (St.COMPLETED, St.CANCELLED): frozenset({"borrower", "alternatives.verify"}),
}
OPEN = (St.CHOSEN, St.COMPLETED)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Appointments(_Strict):
    slot_minutes: int
    horizon_days: int
    max_slots_shown: int
    token_minutes_after_slot: int
    join_early_minutes: int
    reminder_minutes_before: Annotated[int, Field(ge=0)]


class Keep(_Strict):
    days: int
    source: str
    confidence: str


class Documents(_Strict):
    max_bytes: Annotated[int, Field(gt=0, le=MAX_DOCUMENT_BYTES)]  # the upload route bounds bodies at this
    max_pixels: int
    max_pdf_pages: int
    max_files_per_alternative: int
    keep_days: dict[Literal["cn", "us", "uk"], Keep]


class AlternativesPolicy(_Strict):
    strategy: str
    offered: list[AlternativeKind]
    appointments: Appointments
    documents: Documents


@cache
def policy(strategy: str = "standard") -> AlternativesPolicy:
    """The strategy's alternatives file, validated on load (an unknown key is an error, not a default)."""
    text = (resources.files("duecare.visits") / f"{strategy}.alternatives.yaml").read_text(encoding="utf-8")
    return AlternativesPolicy.model_validate(yaml.safe_load(text))


def _may(actor: Actor, frm: AlternativeState, to: AlternativeState) -> None:
    allowed = TRANSITIONS.get((frm, to))
    if allowed is None:
        raise TransitionError("transition_not_allowed", N_("an alternative that is {frm} cannot become {to}"),
                              frm=Codes.of("alternative_state", [frm.value]), to=Codes.of("alternative_state", [to.value]))
    if actor.kind == "system" and "system" in allowed:
        return
    if actor.kind == "borrower":
        if "borrower" not in allowed:
            raise TransitionError("actor_not_allowed", N_("the borrower may not make an alternative {to}"),
                                  to=Codes.of("alternative_state", [to.value]))
        return
    check(actor, *(p for p in allowed if "." in p))


def _move(db: Session, actor: Actor, alt: Alternative, to: AlternativeState, at: datetime, evidence_ref: str | None = None) -> None:
    before = alt.state.value
    _may(actor, alt.state, to)
    alt.state = to
    if to == St.COMPLETED or (to == St.VERIFIED and alt.completed_at is None):
        alt.completed_at = at
    if evidence_ref:
        alt.evidence_ref = evidence_ref
    db.flush()
    record_audit(db, actor=actor, action=f"alternative.{to.value}", subject=f"borrower:{alt.borrower_id}",
                 rule_id="visit_verified_remotely" if to == St.VERIFIED else "visit_alternatives_first",
                 before={"state": before}, after={"alternative": alt.id, "kind": alt.kind.value,
                                                  "state": to.value, "evidence": alt.evidence_ref}, at=at)


def open_of(db: Session, borrower_id: str, kind: AlternativeKind | None = None) -> list[Alternative]:
    stmt = select(Alternative).where(Alternative.borrower_id == borrower_id, Alternative.state.in_(OPEN))
    if kind is not None:
        stmt = stmt.where(Alternative.kind == kind)
    return list(db.scalars(stmt.order_by(Alternative.chosen_at.desc(), Alternative.id)))


def of_borrower(db: Session, borrower_id: str) -> list[Alternative]:
    return list(db.scalars(select(Alternative).where(Alternative.borrower_id == borrower_id)
                           .order_by(Alternative.chosen_at.desc(), Alternative.id)))


def choose(db: Session, borrower_id: str, kind: str, at: datetime, notice_id: str | None = None,
           loan_id: str | None = None, strategy: str = "standard") -> Alternative:
    """The borrower chose a remote alternative (their own act): the visit waits while it runs. Choosing the same
    kind again while one is open returns that one."""
    try:
        chosen = AlternativeKind(kind)
    except ValueError:
        raise UserError(N_("unknown alternative {kind!r}"), place="kind", kind=kind) from None
    if chosen not in policy(strategy).offered:
        raise UserError(N_("the strategy does not offer {kind!r}"), place="kind", kind=kind)
    running = open_of(db, borrower_id, chosen)
    if running:
        return running[0]
    alt = Alternative(id=f"ALT-{uuid.uuid4().hex[:16]}", borrower_id=borrower_id, loan_id=loan_id, kind=chosen,
                      state=St.CHOSEN, chosen_at=at, notice_id=notice_id)
    db.add(alt)
    db.flush()
    record_audit(db, actor=f"borrower:{borrower_id}", action="alternative.chosen", subject=f"borrower:{borrower_id}",
                 rule_id="visit_alternatives_first",
                 after={"alternative": alt.id, "kind": chosen.value, "notice": notice_id}, at=at)
    return alt


def complete_open(db: Session, borrower_id: str, kind: AlternativeKind, at: datetime, evidence_ref: str) -> None:
    """The borrower did their part of an open alternative of this kind (questionnaire answered, plan proposed,
    documents uploaded): it waits for a person to verify it."""
    me = Actor(kind="borrower", id=borrower_id, role="borrower")
    for alt in open_of(db, borrower_id, kind):
        if alt.state == St.CHOSEN:
            _move(db, me, alt, St.COMPLETED, at, evidence_ref)


def verify(db: Session, actor: Actor, alternative_id: str, at: datetime, evidence_ref: str | None = None
           ) -> Alternative:
    """A person confirmed the borrower's situation from this alternative: the visit need is closed."""
    alt = readable(db, actor, alternative_id)
    _move(db, actor, alt, St.VERIFIED, at, evidence_ref or alt.evidence_ref or f"confirmed_by:{actor.id}")
    return alt


def cancel(db: Session, actor: Actor, alternative_id: str, at: datetime) -> Alternative:
    alt = readable(db, actor, alternative_id)
    _move(db, actor, alt, St.CANCELLED, at)
    return alt


def readable_statement(actor: Actor) -> Select[Any]:
    """Alternatives of the borrowers the actor may read (the borrower: their own; agents: assigned only)."""
    return readable_borrowers(select(Alternative), actor, Alternative.borrower_id)


def readable(db: Session, actor: Actor, alternative_id: str) -> Alternative:
    found: Alternative | None = db.scalars(readable_statement(actor).where(Alternative.id == alternative_id)).first()
    if found is None:
        raise NotFound(N_("no such alternative in your scope"))
    return found


def awaiting_review(db: Session, actor: Actor) -> list[Alternative]:
    """Open alternatives in the actor's scope, completed ones first (they wait for a person)."""
    rows: list[Alternative] = list(db.scalars(readable_statement(actor).where(Alternative.state.in_(OPEN))
                                              .order_by(Alternative.state.desc(), Alternative.chosen_at)))
    return rows
