"""Email over SMTP (smtplib), with a Message-ID derived from the idempotency key.

SMTP has no idempotency: a crash after the server said 250 and before our commit leaves the outcome unknown.
`confirm` resolves it from the server's received log (a file the MTA writes, one line per accepted message
holding its Message-ID; Postfix/Exim logs and the sandbox server both qualify) when one is configured. Without
a log the outcome stays UNKNOWN and the worker dead-letters the task for a person: at most once, never twice.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from sqlalchemy.orm import Session

from duecare.contacts.adapters.base import (
    Confirmation,
    Delivered,
    EmailSender,
    OutboundMessage,
    PermanentError,
    TransientError,
)
from duecare.kit.settings import get_settings


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "noreply@duecare.invalid"
    domain: str = "outbox.duecare"
    timeout: float = 20.0
    received_log: Path | None = None
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls) -> SmtpConfig | None:
        s = get_settings()
        if not s.smtp_host:
            return None
        return cls(host=s.smtp_host, port=s.smtp_port, sender=s.smtp_from or cls.sender,
                   domain=s.smtp_domain or cls.domain, timeout=s.smtp_timeout, received_log=s.smtp_received_log,
                   starttls=s.smtp_starttls, username=s.smtp_user, password=s.smtp_password)


class SmtpEmail(EmailSender):
    """One SMTP connection per message (simple, and no connection outlives a crashed attempt)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def build(self, message: OutboundMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = self.message_id(message.key, self.config.domain)
        mail["X-Duecare-Key"] = message.key
        if "unsubscribe" in message.meta:
            mail["List-Unsubscribe"] = f"<{message.meta['unsubscribe']}>"
        mail.set_content(message.body)
        return mail

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        mail = self.build(message)
        data_sent = False
        try:
            with smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout) as smtp:
                if self.config.starttls:
                    smtp.starttls()
                if self.config.username:
                    smtp.login(self.config.username, self.config.password or "")
                data_sent = True  # from here on the server may accept the message before we hear back
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentError(f"SMTP recipient refused ({codes})", outcome="invalid") from None
            raise TransientError(f"SMTP recipient deferred ({codes})") from None
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentError(f"SMTP {exc.smtp_code}") from None
            raise TransientError(f"SMTP {exc.smtp_code}") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP {type(exc).__name__}", ambiguous=data_sent) from None
        if refused:
            raise PermanentError("SMTP refused the recipient", outcome="invalid")
        return Delivered(provider_ref=mail["Message-ID"])

    def confirm(self, message: OutboundMessage, session: Session) -> tuple[Confirmation, str | None]:
        log = self.config.received_log
        if log is None:
            return Confirmation.UNKNOWN, None
        needle = self.message_id(message.key, self.config.domain)
        try:
            with log.open(encoding="utf-8", errors="replace") as fh:
                if any(needle in line for line in fh):
                    return Confirmation.DELIVERED, needle
        except FileNotFoundError:
            return Confirmation.UNKNOWN, None
        return Confirmation.NOT_DELIVERED, None
