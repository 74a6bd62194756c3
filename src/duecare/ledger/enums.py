"""The closed vocabularies of the ledger (DESIGN.md), stored as their string values."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class Jurisdiction(StrEnum):
    CN = "cn"
    US = "us"
    UK = "uk"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class RiskBand(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    PORTAL = "portal"  # the signed-in borrower acting in the portal (an inbound right-party contact)


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Outcome(StrEnum):
    RPC = "rpc"
    PTP = "ptp"
    REFUSED = "refused"
    DISPUTE = "dispute"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    INVALID = "invalid"
    THIRD_PARTY = "third_party"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


class ConsentDecision(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ApprovalDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class VisitStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AlternativeKind(StrEnum):
    """A remote way to learn the borrower's situation, offered before any home visit."""

    QUESTIONNAIRE = "questionnaire"
    DOCUMENTS = "documents"
    VIDEO = "video"
    PHONE_APPOINTMENT = "phone_appointment"
    PLAN = "plan"


class AlternativeState(StrEnum):
    """chosen (the visit waits) → completed (the borrower did their part) → verified (staff confirmed the
    situation is established: no visit is needed) or cancelled."""

    CHOSEN = "chosen"
    COMPLETED = "completed"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


class LimitKind(StrEnum):
    """A known limit on reaching the borrower: the channel reaches them at work and work contact is barred, a
    third party reached on it objected to being contacted, or the number reaches a third party the borrower named
    (an emergency contact or a reference), not the borrower."""

    WORKPLACE = "workplace"
    THIRD_PARTY_OBJECTED = "third_party_objected"
    THIRD_PARTY_CONTACT = "third_party_contact"


class LimitBy(StrEnum):
    """Who set the limit: the employer (known to the lender), the borrower (also: who named an emergency contact or
    reference), or the third party who objected."""

    EMPLOYER = "employer"
    BORROWER = "borrower"
    THIRD_PARTY = "third_party"


class LimitChannel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"


class HoldKind(StrEnum):
    DECEASED = "deceased"
    BANKRUPT = "bankrupt"
    DISPUTE_OPEN = "dispute_open"
    DO_NOT_CONTACT = "do_not_contact"
    REPRESENTED_BY_LAWYER = "represented_by_lawyer"
    HARDSHIP_OPEN = "hardship_open"


FLAGS = ("vulnerable", "dispute_open", "hardship_open", "deceased", "bankrupt",
         "represented_by_lawyer", "do_not_contact")


def enum_type(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint holding the enum *values* (portable, no native PG enum)."""
    return Enum(enum, name=name, native_enum=False, create_constraint=True, validate_strings=True,
                length=max(len(m.value) for m in enum), values_callable=lambda e: [m.value for m in e])
