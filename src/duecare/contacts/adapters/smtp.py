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
    DeliveryError,
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


def _quit(smtp: smtplib.SMTP) -> None:
    """QUIT and close; a connection that is already gone changes nothing about what was delivered."""
    try:
        smtp.quit()
    except (TimeoutError, smtplib.SMTPException, OSError):
        smtp.close()


class SmtpEmail(EmailSender):
    """One SMTP connection per message (`deliver`) or per batch of messages (`deliver_many`, the worker's batch
    path, taken only when a received log lets a successor settle an interrupted batch message by message)."""

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

    @property
    def confirms_by_key(self) -> bool:
        """With a received log, an interrupted attempt is settled exactly by Message-ID (delivered or not); a
        log that is configured but not there (yet) settles nothing, so email then goes one task at a time."""
        return self.config.received_log is not None and self.config.received_log.is_file()

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout)
        try:
            if self.config.starttls:
                smtp.starttls()
            if self.config.username:
                smtp.login(self.config.username, self.config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send(self, smtp: smtplib.SMTP, message: OutboundMessage) -> Delivered:
        """One message on an open connection; from the DATA command on the server may take it before we hear
        back, so a lost connection here is ambiguous."""
        mail = self.build(message)
        try:
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
            raise TransientError(f"SMTP {type(exc).__name__}", ambiguous=True) from None
        if refused:
            raise PermanentError("SMTP refused the recipient", outcome="invalid")
        return Delivered(provider_ref=mail["Message-ID"])

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        try:
            smtp = self._connect()
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP {type(exc).__name__}") from None
        try:
            return self._send(smtp, message)
        finally:
            _quit(smtp)

    def deliver_many(self, messages: list[OutboundMessage]) -> list[Delivered | DeliveryError]:
        """The messages over one SMTP connection, one transaction each. A refused recipient or message leaves
        the connection usable; a lost connection is ambiguous for the message in flight and leaves the rest
        untried (they are retried later, never guessed at)."""
        try:
            smtp = self._connect()
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return [TransientError(f"SMTP {type(exc).__name__}") for _ in messages]
        results: list[Delivered | DeliveryError] = []
        lost = False
        try:
            for message in messages:
                if lost:
                    results.append(TransientError("SMTP connection lost before this message"))
                    continue
                try:
                    results.append(self._send(smtp, message))
                except (TransientError, PermanentError) as exc:
                    results.append(exc)
                    lost = smtp.sock is None or (isinstance(exc, TransientError) and exc.ambiguous)
        finally:
            _quit(smtp)
        return results

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
