"""The capabilities a channel offers the worker: deliver a message, and say whether a key was delivered.

`confirm` is what makes crash recovery exact: a task found in `sending` (its worker died, or the reply was
lost) is first confirmed by key. An adapter that cannot confirm returns UNKNOWN; if re-sending under the same
key is also unsafe for it, the worker dead-letters the task for a person rather than risk a second message.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OutboundMessage:
    """A rendered message for one task; `to` and the texts are personal data (kept in memory only)."""

    task_id: int
    key: str                 # the idempotency key
    channel: str
    to: str
    body: str
    subject: str = ""
    language: str = "zh"
    borrower_id: str = ""
    loan_id: str = ""
    attachment: bytes | None = None   # a rendered letter
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivered:
    provider_ref: str
    duplicate: bool = False  # the provider had this key already (a retry of a delivered message)


class Confirmation(StrEnum):
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    UNKNOWN = "unknown"


class DeliveryError(Exception):
    """The channel did not take the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:400]


class TransientError(DeliveryError):
    """Try again later (5xx, 429, timeout, connection refused); `ambiguous` if it may have been delivered."""

    def __init__(self, reason: str, retry_after: float | None = None, ambiguous: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class PermanentError(DeliveryError):
    """Never retry (invalid address, rejected content); `outcome` is the contact outcome to record."""

    def __init__(self, reason: str, outcome: str = "undelivered") -> None:
        super().__init__(reason)
        self.outcome = outcome


class Channel(ABC):
    """What every channel offers the worker."""

    name: str
    #: True when delivering the same key twice reaches the borrower once (the provider dedupes).
    resend_is_safe: bool = False
    #: True when delivery writes to the store (it must share the worker's closing transaction).
    transactional: bool = False

    @property
    def confirms_by_key(self) -> bool:
        """True when `confirm` settles an interrupted attempt exactly (delivered or not, never UNKNOWN for a
        reachable provider): a successor can then finish a batch marked `sending` at once, message by message."""
        return self.resend_is_safe

    @abstractmethod
    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        """Hand the message over; raise TransientError or PermanentError when it was not taken."""

    @abstractmethod
    def confirm(self, message: OutboundMessage, session: Session) -> tuple[Confirmation, str | None]:
        """Whether this key was already delivered (and the provider reference if so)."""

    def deliver_many(self, messages: list[OutboundMessage]) -> list[Delivered | DeliveryError]:
        """Hand several messages over (a channel that writes to the store never comes here); one result per
        message, in order: what `deliver` returned, or the TransientError / PermanentError it raised. This
        default delivers one by one; a channel with a bulk API (an SMS gateway's batch endpoint, one SMTP
        connection for many messages) overrides it."""
        results: list[Delivered | DeliveryError] = []
        for message in messages:
            try:
                results.append(self.deliver(message, None))  # type: ignore[arg-type]
            except (TransientError, PermanentError) as exc:
                results.append(exc)
        return results


class EmailSender(Channel, ABC):
    """Email: subject and body to the borrower's own address; the Message-ID derives from the key."""

    name = "email"

    @staticmethod
    def message_id(key: str, domain: str) -> str:
        return f"<{key}@{domain}>"


class SmsSender(Channel, ABC):
    """SMS through a provider that accepts an idempotency key."""

    name = "sms"


class CallQueue(Channel, ABC):
    """Voice: a call for a person (agent queue) or a dialer."""

    name = "call"


class LetterPrinter(Channel, ABC):
    """Letters: a rendered document handed to print and post."""

    name = "letter"
