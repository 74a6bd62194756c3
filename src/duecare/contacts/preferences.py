"""The borrower's stated contact preferences: when to be contacted and which channels they refused.

Written from the portal (the borrower's own statement) or by staff recording what the borrower said; read by
`ledger.repository.store_frames`, so every decision, page and send-time re-check honours them. The session
is the caller's: nothing here commits.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from duecare.contacts.models import ContactPreference
from duecare.kit.errors import NotFound
from duecare.kit.i18n import N_
from duecare.ledger.casefile import ContactPreferences
from duecare.ledger.models import Borrower
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import Actor

SOURCES = ("portal", "agent", "ingest")


def get_preferences(session: Session, borrower_id: str) -> ContactPreferences | None:
    """What the borrower stated, in the case file's shape; None if nothing was stated."""
    row = session.get(ContactPreference, borrower_id)
    if row is None:
        return None
    return ContactPreferences.model_validate({"hours": json.loads(row.hours),
                                              "channels_refused": json.loads(row.channels_refused),
                                              "stated_at": row.stated_at})


def set_preferences(session: Session, borrower_id: str, prefs: ContactPreferences, *, actor: Actor,
                    source: str, at: datetime) -> ContactPreferences:
    """Replace the borrower's stated preferences (an empty statement clears them) and audit the change."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    before = get_preferences(session, borrower_id)
    hours = json.dumps([w.model_dump() for w in prefs.hours], ensure_ascii=False)
    refused = json.dumps(list(dict.fromkeys(prefs.channels_refused)))
    row = session.get(ContactPreference, borrower_id)
    if row is None:
        if session.get(Borrower, borrower_id) is None:  # a portal account without a ledger row: nobody to contact
            raise NotFound(N_("no borrower record for this account"), place="borrower")
        row = ContactPreference(borrower_id=borrower_id, hours=hours, channels_refused=refused, stated_at=at,
                                source=source, recorded_by=None if actor.kind == "borrower" else actor.id)
        session.add(row)
    else:
        row.hours, row.channels_refused, row.stated_at, row.source = hours, refused, at, source
        row.recorded_by = None if actor.kind == "borrower" else actor.id
    session.flush()
    after = get_preferences(session, borrower_id)
    assert after is not None
    record_audit(session, actor=actor, action="contact_preferences.set", subject=f"borrower:{borrower_id}",
                 legal_basis="stated by the borrower (CONC 7.9; 12 CFR 1006.6(b)(1), 1006.14(h); PRC Civil Code art. 1033)",
                 before=before.model_dump(mode="json") if before else None, after=after.model_dump(mode="json"),
                 at=at)
    return after
