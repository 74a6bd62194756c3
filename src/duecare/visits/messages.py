"""Message requests for the contact channels (portal, email/SMS link, letter, staff inbox).

The workflow never delivers anything itself: it writes one `visit_messages` row per idempotency key, in the
same transaction as the step that caused it, and hands it to `delivery.enqueue` in that transaction (an outbox
task for SMS, email and letters, which the contacts worker delivers after commit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.i18n import N_, translate
from duecare.ledger.models import Borrower
from duecare.visits import delivery
from duecare.visits.models import VisitCase, VisitMessage


def request(session: Session, visit: VisitCase, *, recipient_kind: str, recipient_id: str, channel: str,
            kind: str, subject: str, body: str, at: datetime, occasion: str = "",
            send_at: datetime | None = None) -> VisitMessage:
    """Queue one message; asking twice for the same (visit, kind, recipient, channel, occasion) queues it once.
    `occasion` tells apart repeated events of one kind (a visit put on hold a second time)."""
    key = f"{visit.id}:{kind}:{recipient_kind}:{recipient_id}:{channel}" + (f":{occasion}" if occasion else "")
    existing = session.scalars(select(VisitMessage).where(VisitMessage.idempotency_key == key)).one_or_none()
    if existing is not None:
        return existing
    msg = VisitMessage(idempotency_key=key, visit_id=visit.id, recipient_kind=recipient_kind,
                       recipient_id=recipient_id, channel=channel, kind=kind, subject=subject[:200], body=body,
                       status="pending", created_at=at)
    session.add(msg)
    session.flush()
    delivery.enqueue(session, msg, visit, at, send_at)
    return msg


# What an SMS or an email about the visit workflow says before it is opened (subject, preview): anyone who sees
# the phone or the inbox learns nothing of a debt or a visit. The text itself waits behind the portal sign-in.
NEUTRAL_SUBJECT = N_("You have a new message; please sign in to read it")


def neutral_subject(language: str) -> str:
    return translate(language, NEUTRAL_SUBJECT)


def borrower_channels(borrower: Borrower) -> list[str]:
    """The portal always; then a link by email if there is an address, else by SMS if there is a phone."""
    out = ["portal"]
    if borrower.email:
        out.append("email")
    elif borrower.phones:
        out.append("sms")
    return out


def to_borrower(session: Session, visit: VisitCase, borrower: Borrower, *, kind: str, subject: str, body: str,
                link: str, at: datetime, letter: bool = False, occasion: str = "",
                send_at: datetime | None = None) -> list[VisitMessage]:
    """The full text in the portal (and by post if `letter`); a short neutral message with the link on the
    borrower's remote channel (`NEUTRAL_SUBJECT`: never the subject, which may name the visit), sent no earlier
    than `send_at` when given (the portal copy is there at once)."""
    out = []
    channels = borrower_channels(borrower) + (["letter"] if letter and borrower.address else [])
    neutral = neutral_subject("zh" if str(borrower.language).startswith("zh") else "en")
    for channel in channels:
        remote = channel in ("sms", "email")  # read on a lock screen or an inbox list: say nothing of it
        text = f"{neutral}: {link}" if remote else body
        out.append(request(session, visit, recipient_kind="borrower", recipient_id=borrower.id, channel=channel,
                           kind=kind, subject=neutral if remote else subject, body=text, at=at, occasion=occasion,
                           send_at=send_at if remote else None))
    return out


def to_agents(session: Session, visit: VisitCase, *, kind: str, subject: str, body: str,
              at: datetime, occasion: str = "") -> list[VisitMessage]:
    agents = [a for a in (visit.agent_a, visit.agent_b) if a]
    return [request(session, visit, recipient_kind="staff", recipient_id=a, channel="staff_inbox", kind=kind,
                    subject=subject, body=body, at=at, occasion=occasion) for a in agents]
