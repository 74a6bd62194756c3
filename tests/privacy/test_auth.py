"""Staff and borrower sign-in: passwords, lockout, TOTP, one-time codes and links, CSRF, headers, rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from duecare.kit.db import session_factory
from duecare.privacy import auth
from duecare.privacy.models import AuditEvent, BorrowerCode, StaffUser
from duecare.privacy.sessions import SESSION_COOKIE

from .factories import PHONES, add_borrower

PASSWORD = "correct horse battery"


@pytest.fixture
def staff(sqlite_url: str) -> None:
    with session_factory(sqlite_url)() as db:
        auth.create_staff(db, id="S1", username="wang", password=PASSWORD, role="agent", display_name="王经理")
        db.commit()


@pytest.fixture
def demo_codes() -> Iterator[None]:
    auth.set_code_sender(auth.demo_code_sender)
    yield
    auth.set_code_sender(None)


def _csrf(client: TestClient) -> str:
    return client.get("/auth/csrf").json()["csrf_token"]


def _login(client: TestClient, password: str = PASSWORD, username: str = "wang") -> object:
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": _csrf(client)})  # fmt: skip


def _user(url: str) -> StaffUser:
    with session_factory(url)() as db:
        return db.execute(select(StaffUser).where(StaffUser.id == "S1")).scalar_one()


class TestStaffPasswords:
    def test_passwords_are_stored_as_argon2_hashes(self, staff: None, sqlite_url: str) -> None:
        assert _user(sqlite_url).password_hash.startswith("$argon2id$")

    def test_a_right_password_starts_a_session_in_a_safe_cookie(self, staff: None, client: TestClient) -> None:
        r = _login(client)
        assert r.status_code == 200 and r.json()["role"] == "agent"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        assert "Secure" not in cookie  # plain http in tests; set on https

    def test_the_cookie_is_secure_over_https(self, staff: None, app: object) -> None:
        with TestClient(app, base_url="https://testserver") as c:  # type: ignore[arg-type]
            r = _login(c)
        assert "Secure" in r.headers["set-cookie"]
        assert "Strict-Transport-Security" in r.headers

    def test_a_wrong_password_is_refused_and_audited(self, staff: None, client: TestClient, sqlite_url: str) -> None:
        assert _login(client, "wrong password!!").status_code == 401
        with session_factory(sqlite_url)() as db:
            actions = db.execute(select(AuditEvent.action)).scalars().all()
        assert "login_failed" in actions

    def test_five_failures_lock_the_account_even_for_the_right_password(
        self, staff: None, client: TestClient, sqlite_url: str
    ) -> None:
        codes = [_login(client, f"wrong password {i}").status_code for i in range(5)]
        assert codes == [401, 401, 401, 401, 423]
        assert _login(client).status_code == 423
        locked = _user(sqlite_url).locked_until
        assert locked is not None and timedelta(minutes=14) < locked - datetime.now(UTC) <= timedelta(minutes=15)

    def test_the_lock_ends_after_fifteen_minutes(self, staff: None, client: TestClient, sqlite_url: str) -> None:
        with session_factory(sqlite_url)() as db:
            user = db.get(StaffUser, "S1")
            assert user is not None
            user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
            db.commit()
        assert _login(client).status_code == 200

    def test_sign_in_is_rate_limited_per_ip_and_account(self, staff: None, client: TestClient) -> None:
        codes = [_login(client, f"wrong password {i}", username="nobody").status_code for i in range(11)]
        # an unknown name locks after 5 like a real one (no enumeration), and the 11th try is rate-limited
        assert codes[:4] == [401] * 4 and codes[4:10] == [423] * 6 and codes[10] == 429

    def test_sign_out_ends_the_session(self, staff: None, client: TestClient) -> None:
        _login(client)
        token = client.get("/auth/csrf").json()["csrf_token"]
        assert client.post("/auth/logout", headers={"X-CSRF-Token": token}).status_code == 200
        assert client.post("/auth/logout", headers={"X-CSRF-Token": token}).status_code in (401, 403)

    def test_a_new_session_token_is_issued_at_sign_in(self, staff: None, client: TestClient) -> None:
        client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker")
        r = _login(client)
        issued = r.headers["set-cookie"].split(";")[0]  # type: ignore[attr-defined]
        assert issued.startswith(f"{SESSION_COOKIE}=") and "planted-by-an-attacker" not in issued


class TestTotp:
    def test_totp_is_asked_after_the_password_and_a_code_cannot_be_replayed(
        self, staff: None, client: TestClient, sqlite_url: str
    ) -> None:
        with session_factory(sqlite_url)() as db:
            user = db.get(StaffUser, "S1")
            assert user is not None
            uri = auth.enable_totp(db, user)
            db.commit()
        secret = pyotp.parse_uri(uri).secret
        r = _login(client)
        assert r.json()["stage"] == "totp"
        csrf = _csrf(client)
        assert client.get("/privacy/borrowers/B1").status_code == 401  # half signed-in is not signed in
        assert client.post("/auth/totp", data={"code": "000000", "csrf_token": csrf}).status_code == 401
        code = pyotp.TOTP(secret).now()
        ok = client.post("/auth/totp", data={"code": code, "csrf_token": csrf})
        assert ok.status_code == 200 and ok.json()["stage"] == "full"
        # the same code again, in a new password session, is refused
        client.cookies.clear()
        _login(client)
        again = client.post("/auth/totp", data={"code": code, "csrf_token": _csrf(client)})
        assert again.status_code == 401

    def test_the_totp_secret_is_encrypted_at_rest(self, staff: None, sqlite_url: str) -> None:
        with session_factory(sqlite_url)() as db:
            user = db.get(StaffUser, "S1")
            assert user is not None
            auth.enable_totp(db, user)
            db.commit()
            raw = db.connection().exec_driver_sql("SELECT totp_secret FROM staff_users").scalar_one()
        assert raw.startswith("v1:")


class TestCsrfAndHeaders:
    def test_a_post_without_the_csrf_token_is_refused(self, staff: None, client: TestClient) -> None:
        r = client.post("/auth/login", data={"username": "wang", "password": PASSWORD})
        assert r.status_code == 403 and "CSRF" in r.text

    def test_a_post_with_a_wrong_csrf_token_is_refused(self, staff: None, client: TestClient) -> None:
        _csrf(client)
        r = client.post("/auth/login", data={"username": "wang", "password": PASSWORD, "csrf_token": "forged"})
        assert r.status_code == 403

    def test_forms_carry_the_token(self, client: TestClient) -> None:
        page = client.get("/auth/login")
        token = client.cookies.get("duecare_csrf")
        assert token and f'name="csrf_token" value="{token}"' in page.text

    def test_security_headers_are_set(self, client: TestClient) -> None:
        h = client.get("/auth/login").headers
        assert "default-src 'self'" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"

    def test_next_cannot_redirect_off_site(self, staff: None, client: TestClient) -> None:
        r = client.post("/auth/login", headers={"accept": "text/html"}, follow_redirects=False,
                        data={"username": "wang", "password": PASSWORD, "next": "//evil.example/",
                              "csrf_token": _csrf(client)})  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == "/"


class TestBorrowerCodes:
    @pytest.fixture(autouse=True)
    def _borrower(self, sqlite_url: str) -> None:
        with session_factory(sqlite_url)() as db:
            add_borrower(db, "B1")
            db.commit()

    def _ask(self, client: TestClient, phone: str = PHONES["B1"]) -> object:
        return client.post("/auth/borrower/code", data={"phone": phone, "csrf_token": _csrf(client)})

    def test_a_code_signs_the_borrower_in_once(self, client: TestClient, demo_codes: None) -> None:
        code = self._ask(client, "138 0013 8000").json()["demo_code"]  # type: ignore[attr-defined]
        csrf = _csrf(client)
        form = {"phone": PHONES["B1"], "code": code, "csrf_token": csrf}
        assert client.post("/auth/borrower/verify", data=form).json()["role"] == "borrower"
        assert client.get("/privacy/me/requests").status_code == 200
        client.cookies.clear()
        form["csrf_token"] = _csrf(client)
        assert client.post("/auth/borrower/verify", data=form).status_code == 401  # single use

    def test_unknown_and_known_numbers_get_the_same_answer(self, client: TestClient) -> None:
        auth.set_code_sender(lambda db, bid, code, link: None)  # a real channel: nothing shown
        try:
            known, unknown = self._ask(client).json(), self._ask(client, "13000000000").json()  # type: ignore[attr-defined]
        finally:
            auth.set_code_sender(None)
        assert known == unknown

    def test_only_hashes_of_codes_are_stored(self, client: TestClient, demo_codes: None, sqlite_url: str) -> None:
        code = self._ask(client).json()["demo_code"]  # type: ignore[attr-defined]
        with session_factory(sqlite_url)() as db:
            row = db.execute(select(BorrowerCode)).scalar_one()
        assert code not in (row.code_hash, row.link_hash) and len(row.code_hash) == 64

    def test_an_expired_code_is_refused(self, client: TestClient, demo_codes: None, sqlite_url: str) -> None:
        code = self._ask(client).json()["demo_code"]  # type: ignore[attr-defined]
        with session_factory(sqlite_url)() as db:
            row = db.execute(select(BorrowerCode)).scalar_one()
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
            db.commit()
        form = {"phone": PHONES["B1"], "code": code, "csrf_token": _csrf(client)}
        assert client.post("/auth/borrower/verify", data=form).status_code == 401

    def test_five_wrong_codes_void_the_code(self, client: TestClient, demo_codes: None) -> None:
        code = self._ask(client).json()["demo_code"]  # type: ignore[attr-defined]
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        csrf = _csrf(client)
        for _ in range(5):
            client.post("/auth/borrower/verify", data={"phone": PHONES["B1"], "code": wrong, "csrf_token": csrf})
        form = {"phone": PHONES["B1"], "code": code, "csrf_token": csrf}
        assert client.post("/auth/borrower/verify", data=form).status_code == 401

    def test_a_one_time_link_signs_in_once(self, client: TestClient, sqlite_url: str) -> None:
        links: list[str] = []
        auth.set_code_sender(lambda db, bid, code, link: links.append(link))  # type: ignore[func-returns-value]
        try:
            self._ask(client)
        finally:
            auth.set_code_sender(None)
        page = client.get("/auth/borrower/link", params={"token": links[0]})
        assert page.status_code == 200 and 'method="post"' in page.text  # GET alone does not spend the link
        form = {"token": links[0], "csrf_token": _csrf(client)}
        assert client.post("/auth/borrower/verify", data=form).status_code == 200
        client.cookies.clear()
        form["csrf_token"] = _csrf(client)
        assert client.post("/auth/borrower/verify", data=form).status_code == 401

    def test_code_requests_are_rate_limited(self, client: TestClient, demo_codes: None) -> None:
        codes = [self._ask(client).status_code for _ in range(4)]  # type: ignore[attr-defined]
        assert codes == [200, 200, 200, 429]


def test_the_sign_in_pages_are_templates_in_the_requests_language(sqlite_url: str) -> None:
    """The staff sign-in, two-step and link pages come from privacy/templates in the chosen language, with the
    CSRF token and the (escaped) hidden fields; errors answer in that language too."""
    from fastapi.testclient import TestClient

    from duecare.app.factory import create_app

    client = TestClient(create_app(sqlite_url))
    zh = client.get("/auth/login?next=/console", headers={"accept-language": "zh-CN"}).text
    assert '<html lang="zh-CN">' in zh and "<title>登录</title>" in zh and "用户名" in zh
    assert 'name="csrf_token"' in zh and 'name="next" value="/console"' in zh
    en = client.get("/auth/totp", headers={"accept-language": "en"}).text
    assert '<html lang="en">' in en and "Two-step check" in en and "Authenticator code" in en
    link = client.get('/auth/borrower/link?token="><script>', headers={"accept-language": "en"}).text
    assert "<script>" not in link and "&#34;&gt;&lt;script&gt;" in link
    wrong = client.post("/auth/login", data={"username": "nobody", "password": "x",
                                             "csrf_token": client.get("/auth/csrf").json()["csrf_token"]},
                        headers={"accept-language": "en"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "Wrong username or password."}
