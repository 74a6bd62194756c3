"""Page forms on records that exist: what a form's OpenAPI body allows, its handler takes.

The whole-API run (tests/robustness/test_schemathesis.py) meets an empty store, where most forms answer 404 before
their handler reads the body. Here the same generated schema-valid bodies are sent to a seeded borrower, visit and
account, so the handler's own checks run: each answer must be a success or an answer about the world (404 a thing
named that is not there, 409 a date, slot or state the world does not allow now), never 400/422 (the request
refused as malformed) and never a server error. `SHOW_FIGURES=1` prints the answers per form (`pytest -s`).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from duecare.kit.db import session_factory, unit_of_work
from duecare.payments.sandbox import payment_provider
from duecare.portal import rights
from duecare.privacy.models import AuthSession
from duecare.privacy.security import reset_limits
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash

EXAMPLES = 12
# (method, path) -> who sends it (session kind, subject, role) and the records its path names.
FORMS: dict[tuple[str, str], tuple[tuple[str, str, str], dict[str, str]]] = {
    ("POST", "/console/cases/{borrower_id}/calls"): (("staff", "web-agent", "agent"), {"borrower_id": "B2"}),
    ("POST", "/console/cases/{borrower_id}/notes"): (("staff", "web-agent", "agent"), {"borrower_id": "B2"}),
    ("POST", "/console/cases/{borrower_id}/promises"): (("staff", "web-agent", "agent"), {"borrower_id": "B2"}),
    ("POST", "/console/cases/{borrower_id}/callbacks"): (("staff", "web-agent", "agent"), {"borrower_id": "B2"}),
    ("POST", "/console/cases/{borrower_id}/limits"): (("staff", "web-agent", "agent"), {"borrower_id": "B2"}),
    ("POST", "/console/visits/{visit_id}/approval"): (("staff", "web-supervisor", "supervisor"), {}),
    ("POST", "/console/visits/{visit_id}/schedule"): (("staff", "web-supervisor", "supervisor"), {}),
    ("POST", "/console/inbox/complaints/{complaint_id}/answer"): (("staff", "web-compliance", "compliance"), {}),
    ("POST", "/console/inbox/reviews/{review_id}"): (("staff", "web-compliance", "compliance"), {}),
    ("POST", "/portal/pay"): (("borrower", "B2", "borrower"), {}),
    ("POST", "/portal/promise"): (("borrower", "B2", "borrower"), {}),
    ("POST", "/portal/data/request"): (("borrower", "B2", "borrower"), {}),
    ("POST", "/portal/hardship"): (("borrower", "B2", "borrower"), {}),
    ("POST", "/portal/video/book"): (("borrower", "B2", "borrower"), {}),
}
SAME = {"loan_id": "L-B2"}  # a form naming a loan names B2's own (a generated id would only find a 404)
ABOUT_THE_WORLD = {200, 201, 303, 404, 409}


def _records(world: Any) -> dict[str, str]:
    """The seeded visit waiting for approval, and a complaint and a review request of B2 made on the portal."""
    with unit_of_work(world.url) as db:
        complaint = rights.complain(db, "B2", "contact_frequency", "Too many calls at work", datetime.now(UTC))
        review = rights.ask_review(db, "B2", "R1:L-B2", "call", "I paid last week")
    return {"visit_id": world.approval_visit, "complaint_id": str(complaint), "review_id": str(review)}


def _auth(url: str, kind: str, subject: str, role: str) -> dict[str, str]:
    with session_factory(url)() as s:
        token = create_session(s, kind=kind, subject_id=subject, role=role)
        s.commit()
        csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
    return {"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": csrf}


@pytest.mark.parametrize(("method", "path"), sorted(FORMS))
def test_a_schema_valid_form_sent_to_a_real_record_is_never_refused_as_malformed(
        method: str, path: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with payment_provider("form-schemas-secret") as (provider_url, _):  # /portal/pay goes on to the sandbox provider
        monkeypatch.setenv("DUECARE_PAYMENT_PROVIDER_URL", provider_url)
        monkeypatch.setenv("DUECARE_PAYMENT_WEBHOOK_SECRET", "form-schemas-secret")
        _send_generated_bodies(method, path, world)


def _send_generated_bodies(method: str, path: str, world: Any) -> None:
    from duecare.app.factory import create_app

    app = create_app(world.url)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    (kind, subject, role), records = FORMS[(method, path)]
    records = records or {k: v for k, v in _records(world).items() if "{" + k + "}" in path}
    auth = _auth(world.url, kind, subject, role)
    answers: Counter[int] = Counter()
    refused: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def send(case: Any) -> None:
        reset_limits()
        case.path_parameters = records
        if isinstance(case.body, dict):
            case.body.update({k: v for k, v in SAME.items() if k in case.body})
        response = case.call(headers={**(case.headers or {}), **auth, "accept": "text/html"})
        answers[response.status_code] += 1
        if response.status_code in (400, 422) or response.status_code >= 500:
            refused.append(f"{case.body!r:.200} -> {response.status_code}")

    send()
    if os.environ.get("SHOW_FIGURES"):
        print(f"\n{method} {path}: answers {dict(sorted(answers.items()))}")
    assert refused == []
    assert sum(answers.values()) >= EXAMPLES // 2
    assert set(answers) - ABOUT_THE_WORLD == set()
