"""The command line and the REST endpoint return the same analysis; bad input is refused with a reason."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.speech.conftest import OPEN, call

from duecare.kit.db import session_factory
from duecare.privacy.models import AuthSession
from duecare.privacy.security import SecurityMiddleware
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash
from duecare.speech import routes
from duecare.web import errors

CALL = call("zh", f"A: {OPEN['zh']}", "B: 我最近被裁员了，下周三我先还一千。")


def _duecare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from duecare.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_cli_analyze_prints_the_analysis_as_json(tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text(json.dumps(CALL, ensure_ascii=False), encoding="utf-8")
    done = _duecare("calls", "analyze", "--transcript", str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["promise"] == {"date": "2026-11-18", "amount": 1000}


def test_cli_analyze_names_the_bad_field_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**CALL, "as_of": "next tuesday"}), encoding="utf-8")
    done = _duecare("calls", "analyze", "--transcript", str(path))
    assert done.returncode == 2 and "as_of" in done.stderr


@pytest.fixture
def client(sqlite_url: str) -> Iterator[tuple[TestClient, str, str]]:
    app = FastAPI()
    app.add_middleware(SecurityMiddleware)  # type: ignore[arg-type]
    app.include_router(routes.router)
    errors.install(app)  # the app's one error handler, as create_app installs it
    app.state.session_factory = session_factory(sqlite_url)
    with session_factory(sqlite_url)() as s:
        token = create_session(s, kind="staff", subject_id="S-agent-1", role="agent")
        s.commit()
        csrf = s.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
    with TestClient(app) as c:
        yield c, token, csrf


def test_api_analyze_needs_a_signed_in_agent(client: tuple[TestClient, str, str]) -> None:
    c, _, _ = client
    assert c.post("/api/v1/calls:analyze", json=CALL).status_code in (401, 403)


def test_api_analyze_returns_analysis_and_events(client: tuple[TestClient, str, str]) -> None:
    c, token, csrf = client
    c.cookies.set(SESSION_COOKIE, token)
    response = c.post("/api/v1/calls:analyze", json=CALL, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["analysis"]["intents"] == ["hardship", "promise_to_pay"]
    assert body["events"][0]["outcome"] == "ptp"


def test_api_analyze_rejects_an_invalid_transcript(client: tuple[TestClient, str, str]) -> None:
    c, token, csrf = client
    c.cookies.set(SESSION_COOKIE, token)
    response = c.post("/api/v1/calls:analyze", json={"lang": "fr", "as_of": "x", "turns": []}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422 and "lang" in response.text
