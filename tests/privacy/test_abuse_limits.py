"""Abuse limits: codes per phone across addresses, a held code never voided by another request, TOTP changes
only after signing in again."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duecare.kit.db import session_factory
from duecare.privacy import auth
from duecare.privacy.models import StaffUser

from .factories import PHONES, add_borrower

PASSWORD = "correct horse battery"


@pytest.fixture
def demo_codes() -> Iterator[None]:
    auth.set_code_sender(auth.demo_code_sender)
    yield
    auth.set_code_sender(None)


@pytest.fixture(autouse=True)
def _people(sqlite_url: str) -> None:
    with session_factory(sqlite_url)() as db:
        add_borrower(db, "B1")
        auth.create_staff(db, id="S1", username="wang", password=PASSWORD, role="agent")
        db.commit()


def _from(app: FastAPI, ip: str) -> TestClient:
    return TestClient(app, client=(ip, 40000))


def _csrf(client: TestClient) -> str:
    return str(client.get("/auth/csrf").json()["csrf_token"])


def _ask(client: TestClient, phone: str = PHONES["B1"]) -> int:
    return client.post("/auth/borrower/code", data={"phone": phone, "csrf_token": _csrf(client)}).status_code


def _verify(client: TestClient, code: str) -> int:
    form = {"phone": PHONES["B1"], "code": code, "csrf_token": _csrf(client)}
    return client.post("/auth/borrower/verify", data=form).status_code


class TestCodesPerPhone:
    def test_five_addresses_cannot_send_more_than_three_codes_to_one_phone(self, app: FastAPI,
                                                                           demo_codes: None) -> None:
        answers = [_ask(_from(app, f"198.51.100.{i}")) for i in range(5)]
        assert answers == [200, 200, 200, 429, 429]

    def test_other_spellings_of_the_number_count_as_the_same_phone(self, app: FastAPI, demo_codes: None) -> None:
        spellings = ["13800138000", "+86 138 0013 8000", "138-0013-8000", "8613800138000"]
        answers = [_ask(_from(app, f"198.51.100.{i}"), phone) for i, phone in enumerate(spellings)]
        assert answers == [200, 200, 200, 429]

    def test_an_unknown_number_is_limited_the_same_way(self, app: FastAPI) -> None:
        answers = [_ask(_from(app, f"198.51.100.{i}"), "13000000000") for i in range(4)]
        assert answers == [200, 200, 200, 429]


class TestAHeldCodeStaysValid:
    def test_someone_elses_request_does_not_void_the_borrowers_code(self, app: FastAPI, demo_codes: None) -> None:
        borrower = _from(app, "203.0.113.7")
        first = borrower.post("/auth/borrower/code",
                              data={"phone": PHONES["B1"], "csrf_token": _csrf(borrower)}).json()["demo_code"]
        assert _ask(_from(app, "198.51.100.1")) == 200  # an attacker asks for another code for the same phone
        assert _verify(borrower, first) == 200

    def test_wrong_tries_count_against_all_live_codes_together(self, app: FastAPI, demo_codes: None) -> None:
        client = _from(app, "203.0.113.7")
        codes = [client.post("/auth/borrower/code", data={"phone": PHONES["B1"], "csrf_token": _csrf(client)}
                             ).json()["demo_code"] for _ in range(2)]
        wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in codes)
        attacker = _from(app, "198.51.100.9")
        for _ in range(5):
            assert _verify(attacker, wrong) == 401
        assert all(_verify(client, code) == 401 for code in codes)

    def test_signing_in_with_one_code_spends_the_others(self, app: FastAPI, demo_codes: None) -> None:
        client = _from(app, "203.0.113.7")
        codes = [client.post("/auth/borrower/code", data={"phone": PHONES["B1"], "csrf_token": _csrf(client)}
                             ).json()["demo_code"] for _ in range(2)]
        assert _verify(client, codes[1]) == 200
        client.cookies.clear()
        assert _verify(client, codes[0]) == 401


class TestTotpChangesNeedReauthentication:
    def _signed_in(self, app: FastAPI) -> TestClient:
        client = _from(app, "203.0.113.7")
        r = client.post("/auth/login", data={"username": "wang", "password": PASSWORD, "csrf_token": _csrf(client)})
        assert r.status_code == 200, r.text
        return client

    def test_a_session_alone_cannot_turn_totp_on(self, app: FastAPI) -> None:
        client = self._signed_in(app)
        assert client.post("/auth/totp/setup", data={"csrf_token": _csrf(client)}).status_code == 422
        wrong = client.post("/auth/totp/setup", data={"password": "guess", "csrf_token": _csrf(client)})
        assert wrong.status_code == 403

    def test_the_password_turns_it_on_and_then_the_current_code_is_needed_too(self, app: FastAPI,
                                                                              sqlite_url: str) -> None:
        client = self._signed_in(app)
        ok = client.post("/auth/totp/setup", data={"password": PASSWORD, "csrf_token": _csrf(client)})
        assert ok.status_code == 200 and ok.json()["otpauth_uri"].startswith("otpauth://")
        secret = pyotp.parse_uri(ok.json()["otpauth_uri"]).secret
        again = client.post("/auth/totp/setup", data={"password": PASSWORD, "csrf_token": _csrf(client)})
        assert again.status_code == 403  # TOTP is on: the password alone no longer changes it
        code = pyotp.TOTP(secret).now()
        replaced = client.post("/auth/totp/setup",
                               data={"password": PASSWORD, "code": code, "csrf_token": _csrf(client)})
        assert replaced.status_code == 200
        with session_factory(sqlite_url)() as db:
            user = db.get(StaffUser, "S1")
            assert user is not None and user.totp_secret != secret

    def test_wrong_passwords_lock_the_account_like_a_sign_in(self, app: FastAPI, sqlite_url: str) -> None:
        client = self._signed_in(app)
        for _ in range(5):
            client.post("/auth/totp/setup", data={"password": "guess", "csrf_token": _csrf(client)})
        with session_factory(sqlite_url)() as db:
            user = db.get(StaffUser, "S1")
            assert user is not None and user.locked_until is not None


class TestNothingTellsWhoExists:
    def test_known_and_unknown_numbers_take_the_same_padded_time(self, app: FastAPI, demo_codes: None) -> None:
        import time

        def timed(phone: str, ip: str) -> float:
            client = _from(app, ip)
            csrf = _csrf(client)
            started = time.perf_counter()
            assert client.post("/auth/borrower/code", data={"phone": phone, "csrf_token": csrf}).status_code == 200
            return time.perf_counter() - started

        assert timed(PHONES["B1"], "203.0.113.1") >= auth.CODE_ANSWER_FLOOR_S
        assert timed("13000000000", "203.0.113.2") >= auth.CODE_ANSWER_FLOOR_S

    def test_an_unknown_username_locks_like_a_real_one(self, app: FastAPI) -> None:
        def answers(username: str, ip: str) -> list[int]:
            client = _from(app, ip)
            return [client.post("/auth/login", data={"username": username, "password": "guess",
                                                     "csrf_token": _csrf(client)}).status_code for _ in range(6)]

        assert answers("wang", "203.0.113.3") == answers("nobody", "203.0.113.4") == [401, 401, 401, 401, 423, 423]
