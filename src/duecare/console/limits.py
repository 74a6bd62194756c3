"""Known limits on a channel, recorded and lifted by staff (issue 15): the channel reaches the borrower at work and
work contact is barred (by the employer, or the borrower asked), a third party reached on it objected, or the
number on file reaches a third party the borrower named (an emergency contact, a reference).

The decision reads them from the store (`ledger.repository.store_frames`); whether a limit bars anything is the
pack's call (`honours` in the pack), shown beside each limit. Services take the session, never commit; each change
is audited with the rule that honours it. Nothing identifying is stored or audited: kind, who set it, channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import Conflict, NotFound, UserError
from duecare.kit.i18n import N_
from duecare.ledger import models as m
from duecare.policy.guardrails import honouring
from duecare.policy.loader import all_packs
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor, guarded

# kind -> who may have set it (as the case file's ContactLimit checks), and what the pack's rule honours
BY_OF_KIND: dict[str, tuple[str, ...]] = {"workplace": ("employer", "borrower"),
                                          "third_party_objected": ("third_party",),
                                          "third_party_contact": ("borrower",)}
HONOURS = {"workplace": "workplace_limits", "third_party_objected": "third_party_objections",
           "third_party_contact": "third_party_contacts"}
CHANNELS = tuple(c.value for c in m.LimitChannel)


@dataclass(frozen=True)
class Honoured:
    """The pack rule that makes a limit bar its channel, or None where the borrower's pack has none."""

    rule: str | None
    source: str | None


def honoured_by(pack: str, kind: str) -> Honoured:
    """The rule of the borrower's pack that honours this kind of limit (cn workplace limits: none)."""
    packs = all_packs()
    if pack not in packs:
        return Honoured(None, None)
    rule = honouring(packs[pack], HONOURS[kind])
    return Honoured(rule, packs[pack].rule(rule).source[:256] if rule else None)  # the audit column's width


def limits_of(db: Session, borrower_id: str) -> list[m.ContactLimit]:
    """The borrower's limits, active ones first, newest first within each."""
    rows = db.scalars(select(m.ContactLimit).where(m.ContactLimit.borrower_id == borrower_id)
                      .order_by(m.ContactLimit.at.desc(), m.ContactLimit.id))
    return sorted(rows, key=lambda r: r.lifted_at is not None)


def _pack_of(db: Session, borrower_id: str) -> str:
    b = db.get(m.Borrower, borrower_id)
    if b is None:
        raise NotFound(N_("no such case"))
    return b.jurisdiction.value


@guarded("contact_limits.write")
def record_limit(db: Session, actor: Actor, borrower_id: str, kind: str, by: str, channel: str,
                 at: datetime) -> str:
    """A limit known from now on; the same active limit twice is refused (lift it first)."""
    if kind not in BY_OF_KIND:
        raise UserError(N_("kind: one of {by_of_kind}"), place="kind", by_of_kind=', '.join(BY_OF_KIND))
    if by not in BY_OF_KIND[kind]:
        raise UserError(N_("by: a {kind} limit is set by {setters}, not {by!r}"),
                        place="by", kind=kind, setters=' or '.join(BY_OF_KIND[kind]), by=by)
    if channel not in CHANNELS:
        raise UserError(N_("channel: one of {channels}"), place="channel", channels=', '.join(CHANNELS))
    if kind == "third_party_contact" and channel != "call":
        raise UserError(N_("channel: a third party the borrower named is reached by a person's call only (a message "
                        "would tell them of the debt)"), place="channel")
    pack = _pack_of(db, borrower_id)
    same = db.scalars(select(m.ContactLimit.id).where(
        m.ContactLimit.borrower_id == borrower_id, m.ContactLimit.kind == m.LimitKind(kind),
        m.ContactLimit.channel == m.LimitChannel(channel), m.ContactLimit.lifted_at.is_(None))).first()
    if same is not None:
        raise Conflict(N_("a {kind} limit on {channel} is already recorded ({same}); lift it first to change it"),
                       kind=kind, channel=channel, same=same)
    limit_id = f"CL-{uuid.uuid4().hex[:16]}"
    db.add(m.ContactLimit(id=limit_id, borrower_id=borrower_id, kind=m.LimitKind(kind), by=m.LimitBy(by),
                          channel=m.LimitChannel(channel), at=at))
    db.flush()
    rule = honoured_by(pack, kind)
    record_audit(db, actor=actor, action="contact_limit_recorded", subject=f"borrower:{borrower_id}",
                 rule_id=rule.rule, legal_basis=rule.source,
                 after={"limit": limit_id, "kind": kind, "by": by, "channel": channel, "at": at.isoformat()},
                 at=at)
    return limit_id


@guarded("contact_limits.write")
def lift_limit(db: Session, actor: Actor, borrower_id: str, limit_id: str, at: datetime) -> None:
    """The limit no longer holds from now on (the borrower gave a number of their own, changed jobs, ...)."""
    row = db.get(m.ContactLimit, limit_id)
    if row is None or row.borrower_id != borrower_id:
        raise NotFound(N_("no such limit for this borrower"))
    if row.lifted_at is not None:
        raise Conflict(N_("limit {limit_id} was already lifted"), limit_id=limit_id)
    row.lifted_at = max(at, row.at)
    db.flush()
    rule = honoured_by(_pack_of(db, borrower_id), row.kind.value)
    record_audit(db, actor=actor, action="contact_limit_lifted", subject=f"borrower:{borrower_id}",
                 rule_id=rule.rule, legal_basis=rule.source, before={"limit": limit_id, "lifted_at": None},
                 after={"limit": limit_id, "kind": row.kind.value, "channel": row.channel.value,
                        "lifted_at": row.lifted_at.isoformat()}, at=at)
