"""Composition root of the contacts domain: which channel adapters this process delivers through.

SMTP and the SMS gateway come from the environment (`DUECARE_SMTP_*`, `DUECARE_SMS_GATEWAY_*`); the call
queue and letter files are local and always present. A channel that is not configured is not a crash: its
tasks wait with backoff and are dead-lettered after the last attempt, with the reason shown to staff.
"""

from __future__ import annotations

from pathlib import Path

from duecare.contacts.adapters.agent_queue import AgentCallQueue
from duecare.contacts.adapters.base import Channel
from duecare.contacts.adapters.http_gateway import GatewayConfig, HttpSmsGateway
from duecare.contacts.adapters.pdf_letters import PdfLetters
from duecare.contacts.adapters.smtp import SmtpConfig, SmtpEmail


def channels_from_env(letter_dir: Path | None = None) -> dict[str, Channel]:
    channels: dict[str, Channel] = {"call": AgentCallQueue(), "letter": PdfLetters(letter_dir)}
    smtp = SmtpConfig.from_env()
    if smtp is not None:
        channels["email"] = SmtpEmail(smtp)
    gateway = GatewayConfig.from_env()
    if gateway is not None:
        channels["sms"] = HttpSmsGateway(gateway)
    return channels
