"""Workflows register how the outbox delivers their messages; contacts names no workflow module."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from duecare.contacts import transactional
from duecare.contacts.models import ContactTask


def _providers_after(code: str) -> list[str]:
    script = (f"{code}\nfrom duecare.contacts import transactional\n"
              "import json; print(json.dumps(sorted(transactional.PROVIDERS)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_contacts_alone_knows_no_workflow() -> None:
    assert _providers_after("") == []


def test_the_worker_command_brings_the_visit_workflow_in() -> None:
    assert _providers_after("from duecare import cli\ncli.load_command('worker')") == ["visit_message:"]


def test_a_workflow_task_without_its_provider_is_an_error_not_a_decided_task(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactional, "PROVIDERS", {})
    task = ContactTask(id=7, action="visit_message:visit_notice")
    with pytest.raises(LookupError, match="no transactional kind serves action 'visit_message:visit_notice'"):
        transactional.kind_of(task)
    assert transactional.kind_of(ContactTask(id=8, action="sms_reminder")) is None


def test_a_prefix_must_end_with_a_colon() -> None:
    with pytest.raises(ValueError, match="must end with ':'"):
        transactional.provide("visit_message", transactional.SIGN_IN)
