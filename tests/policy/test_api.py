"""POST /api/v1/decisions:evaluate: the batch's code path behind the API, with its access rule."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duecare.kit.db import session_factory
from duecare.policy import routes
from duecare.policy.loader import load_strategy, strategy_examples
from duecare.privacy.models import AuthSession
from duecare.privacy.security import SecurityMiddleware
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash
from duecare.web import errors

EXAMPLE = next(e for e in strategy_examples(load_strategy("standard")) if e["name"] == "visit_schedule")


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    errors.install(app)
    app.add_middleware(SecurityMiddleware)
    app.include_router(routes.router)
    app.state.session_factory = session_factory(sqlite_url)
    with TestClient(app) as c:
        c.sqlite_url = sqlite_url  # type: ignore[attr-defined]
        yield c


def signed_in(client: TestClient, role: str) -> dict[str, str]:
    with session_factory(client.sqlite_url)() as s:  # type: ignore[attr-defined]
        kind = "borrower" if role == "borrower" else "staff"
        token = create_session(s, kind=kind, subject_id=f"{role}-1", role=role)
        s.commit()
        csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
    client.cookies.set(SESSION_COOKIE, token)
    return {"X-CSRF-Token": csrf}


def test_an_agent_gets_the_same_decision_as_the_cli(client):
    headers = signed_in(client, "agent")
    r = client.post("/api/v1/decisions:evaluate", json=EXAMPLE["case"], headers=headers)
    assert r.status_code == 200, r.text
    d = r.json()["decisions"][0]
    assert d["action"] == "visit_schedule" and d["visit_gate"] == {"eligible": True, "unmet": []}
    assert d["policy"]["pack"] == "cn" and d["not_before"] == "2026-11-12T14:00:00+08:00"


def test_features_endpoint_lists_every_feature(client):
    headers = signed_in(client, "analyst")
    r = client.post("/api/v1/features:evaluate", json=EXAMPLE["case"], headers=headers)
    f = r.json()["features"][0]
    assert f["dpd"] == 94 and f["unreachable"] is True and "first_unsuccessful_30d_at" in f


def test_a_bad_case_is_a_422_naming_the_place(client):
    headers = signed_in(client, "agent")
    case = json.loads(json.dumps(EXAMPLE["case"]))
    case["loans"][0]["installments"][0]["amount"] = -1
    r = client.post("/api/v1/decisions:evaluate", json=case, headers=headers)
    assert r.status_code == 422
    assert r.json()["problems"][0].startswith("loans.0.installments.0.amount: ")


def test_signed_out_is_401_and_a_borrower_is_403(client):
    assert client.post("/api/v1/decisions:evaluate", json=EXAMPLE["case"]).status_code in (401, 403)
    headers = signed_in(client, "borrower")
    assert client.post("/api/v1/decisions:evaluate", json=EXAMPLE["case"], headers=headers).status_code == 403


def test_packs_need_policy_read(client):
    signed_in(client, "agent")
    assert client.get("/api/v1/policy/packs").status_code == 403
    signed_in(client, "compliance")
    packs = client.get("/api/v1/policy/packs").json()
    assert {p["pack"] for p in packs} == {"cn", "us", "uk"}
    assert all(r["source"] for p in packs for r in p["rules"])
    assert client.get("/api/v1/policy/strategies/standard").json()["strategy"] == "standard"
    assert client.get("/api/v1/policy/strategies/..%2Fetc").status_code == 404
