"""Outbox fixtures: a local SMS gateway and a real SMTP server (aiosmtpd) writing a received log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from duecare.contacts.sandbox import GatewayState, SmtpState, sms_gateway, smtp_server


@pytest.fixture
def gateway() -> Iterator[tuple[str, GatewayState]]:
    with sms_gateway() as running:
        yield running


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[str, int, SmtpState]]:
    with smtp_server(tmp_path / "smtp-received.log") as running:
        yield running
