"""Sign-in services: staff passwords (argon2) with lockout and optional TOTP; borrower one-time codes.

Services take the session and never commit. Every outcome that matters is appended to the audit chain.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

# Lockouts and sign-in codes expire on real time, as sessions do (privacy/sessions.py).
from duecare.kit.clock import SYSTEM
from duecare.kit.errors import UserError
from duecare.kit.fields import keyed_hash
from duecare.kit.i18n import N_
from duecare.privacy.audit import record_audit
from duecare.privacy.models import BorrowerCode, StaffUser
from duecare.privacy.permissions import STAFF_ROLES
from duecare.privacy.security import CODE_PER_ACCOUNT, CODE_PER_IP, CODE_PER_PHONE, GHOST_LOCKS
from duecare.privacy.sessions import aware

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
LIVE_CODES = 3  # at most as many as CODE_PER_PHONE lets one number ask for in CODE_TTL
MIN_PASSWORD = 12

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(N_("password too short: use at least {min_password} characters"),
                        min_password=MIN_PASSWORD)
    return _hasher.hash(password)


def create_staff(
    db: Session, *, id: str, username: str, password: str, role: str, display_name: str | None = None
) -> StaffUser:
    if role not in STAFF_ROLES:
        raise UserError(N_("unknown staff role {role!r}; use one of {roles}"),
                        role=role, roles=", ".join(STAFF_ROLES))
    user = StaffUser(
        id=id, username=username, role=role, password_hash=hash_password(password),
        display_name=display_name, failed_logins=0, active=True, created_at=SYSTEM.now(),
    )  # fmt: skip
    db.add(user)
    db.flush()
    record_audit(
        db, actor="system:duecare", action="staff_created", subject=f"staff:{id}", after={"role": role}
    )
    return user


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    outcome: str  # ok | needs_totp | bad_credentials | locked
    locked_until: datetime | None = None


# Unknown usernames lock like real ones (in this process), so the lockout answer does not reveal who exists.
CODE_ANSWER_FLOOR_S = 0.06  # a code request takes at least this long, known number or not (6.3 vs 2.7 ms seen)


def _ghost_attempt(username: str) -> LoginResult:
    until = GHOST_LOCKS.failure(username.casefold()[:128])
    if until is None:
        return LoginResult(None, "bad_credentials")
    return LoginResult(None, "locked", datetime.fromtimestamp(until, UTC))


@contextlib.contextmanager
def answer_no_sooner_than(seconds: float = CODE_ANSWER_FLOOR_S) -> Iterator[None]:
    """Pad the work inside to a fixed duration, so whether a number is registered is not told by time."""
    started = time.perf_counter()
    try:
        yield
    finally:
        left = seconds - (time.perf_counter() - started)
        if left > 0:
            time.sleep(left)


def authenticate_staff(db: Session, username: str, password: str) -> LoginResult:
    """Check a password; 5 failures in a row lock the account for 15 minutes (even for the right password)."""
    user = db.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        # spend the same time as a real check, so timing does not reveal which usernames exist
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        record_audit(db, actor="anonymous", action="login_failed", subject="staff:unknown")
        return _ghost_attempt(username)
    t = SYSTEM.now()
    if user.locked_until is not None and aware(user.locked_until) > t:
        record_audit(db, actor="anonymous", action="login_refused_locked", subject=f"staff:{user.id}")
        return LoginResult(None, "locked", aware(user.locked_until))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = t + LOCKOUT, 0
            record_audit(db, actor="anonymous", action="account_locked", subject=f"staff:{user.id}")
            return LoginResult(None, "locked", user.locked_until)
        record_audit(db, actor="anonymous", action="login_failed", subject=f"staff:{user.id}")
        return LoginResult(None, "bad_credentials")
    user.failed_logins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    if user.totp_secret:
        return LoginResult(user, "needs_totp")
    record_audit(db, actor=f"staff:{user.id}", action="login", subject=f"staff:{user.id}")
    return LoginResult(user, "ok")


def reauthenticate(db: Session, user: StaffUser, password: str, code: str | None) -> bool:
    """A signed-in staff member proves again who they are (password, and TOTP when on) before changing TOTP;
    failures count towards the lockout like a sign-in."""
    t = SYSTEM.now()
    if user.locked_until is not None and aware(user.locked_until) > t:
        return False
    try:
        _hasher.verify(user.password_hash, password)
        ok = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and user.totp_secret:
        ok = verify_totp(db, user, (code or "").strip())
    if not ok:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = t + LOCKOUT, 0
        record_audit(db, actor=f"staff:{user.id}", action="reauth_failed", subject=f"staff:{user.id}")
        return False
    user.failed_logins = 0
    return True


def enable_totp(db: Session, user: StaffUser) -> str:
    """Give the user a TOTP secret (stored encrypted); returns the otpauth:// URI for an authenticator app."""
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_last_step = secret, None
    record_audit(db, actor=f"staff:{user.id}", action="totp_enabled", subject=f"staff:{user.id}")
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="duecare")


def verify_totp(db: Session, user: StaffUser, code: str, at: datetime | None = None) -> bool:
    """A 6-digit code for this or the neighbouring 30-second step, never the same step twice (replay)."""
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    t = at or SYSTEM.now()
    step_now = int(t.timestamp()) // 30
    for step in (step_now - 1, step_now, step_now + 1):
        if hmac.compare_digest(totp.at(step * 30), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            record_audit(
                db, actor=f"staff:{user.id}", action="login", subject=f"staff:{user.id}", rule_id="totp"
            )
            return True
    record_audit(db, actor="anonymous", action="totp_failed", subject=f"staff:{user.id}")
    return False


# --- borrowers: one-time codes and links ---------------------------------------------------------------------

# The port through which a code reaches the borrower. Returns the code if it must be shown on screen (demo only).
CodeSender = Callable[[Session, str, str, str], "str | None"]


def demo_code_sender(db: Session, borrower_id: str, code: str, link_token: str) -> str | None:
    """Shows the code on the page: only for `duecare demo`, where no message channel exists."""
    return code


# Wired by the app that serves sign-in (app/factory.py: the contacts outbox, `contacts.signin.outbox_code_sender`;
# the demo shows codes on screen): privacy sits below contacts and never imports it.
_sender: CodeSender | None = None


def set_code_sender(sender: CodeSender | None) -> None:
    """Use this port for codes (None: none wired, so `issue_code` refuses)."""
    global _sender
    _sender = sender


def use_code_sender_unless_set(sender: CodeSender) -> None:
    """The app's default port, unless one was chosen already (the demo's on-screen codes)."""
    if _sender is None:
        set_code_sender(sender)


def _code_digest(borrower_id: str, code: str) -> str:
    return keyed_hash(f"signin-code:{borrower_id}:{code}", "text")


def find_borrower_by_phone(db: Session, phone: str) -> str | None:
    """The borrower with this number in any national or international form (E.164 readings, kit.phones)."""
    from duecare.ledger.models import BorrowerPhone
    from duecare.ledger.repository import phone_lookup_hashes

    hashes = phone_lookup_hashes(phone)
    if not hashes:
        return None
    return db.execute(
        select(BorrowerPhone.borrower_id)
        .where(BorrowerPhone.phone_hash.in_(hashes))
        .order_by(BorrowerPhone.borrower_id)
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class IssuedCode:
    borrower_id: str
    shown_code: str | None  # only when the sender is the demo one


def code_request_allowed(ip: str, phone: str, borrower_id: str | None) -> bool:
    """Codes per address, per (address, number) and per number across all addresses (the borrower when known,
    so every written form of one number counts once); an unknown number is limited exactly like a known one."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return (CODE_PER_IP.hit(ip) and CODE_PER_ACCOUNT.hit(f"{ip}|{digits}")
            and CODE_PER_PHONE.hit(f"borrower:{borrower_id}" if borrower_id else f"number:{digits}"))


def issue_code(db: Session, borrower_id: str) -> IssuedCode:
    """A fresh code sent through the port; only hashes are stored. Codes already sent stay valid until they
    expire or one is used: a request by someone else never voids the code the borrower holds."""
    t = SYSTEM.now()
    code = f"{secrets.randbelow(10**6):06d}"
    link = secrets.token_urlsafe(32)
    db.add(
        BorrowerCode(
            borrower_id=borrower_id, code_hash=_code_digest(borrower_id, code),
            link_hash=keyed_hash(f"signin-link:{link}", "text"), created_at=t, expires_at=t + CODE_TTL, attempts=0,
        )
    )  # fmt: skip
    db.flush()
    if _sender is None:
        raise UserError(N_("no channel can deliver sign-in codes: the app must wire one (app/factory.py wires the outbox)"))
    shown = _sender(db, borrower_id, code, link)
    record_audit(db, actor="anonymous", action="signin_code_issued", subject=f"borrower:{borrower_id}")
    return IssuedCode(borrower_id, shown)


def verify_code(db: Session, borrower_id: str, code: str) -> bool:
    """True once for a right, fresh code. Wrong tries count against every live code of the borrower together,
    so holding several live codes never buys more guesses: after 5 wrong tries they all die."""
    t = SYSTEM.now()
    live = [row for row in db.execute(
        select(BorrowerCode)
        .where(BorrowerCode.borrower_id == borrower_id, BorrowerCode.used_at.is_(None))
        .order_by(BorrowerCode.id.desc())
        .limit(LIVE_CODES)
    ).scalars() if aware(row.expires_at) > t]
    if not live:
        return False
    digest = _code_digest(borrower_id, code.strip())
    matched = [row for row in live if hmac.compare_digest(row.code_hash, digest)]
    if matched:
        for row in live:  # signed in: the other codes are of no more use
            row.used_at = t
        record_audit(db, actor=f"borrower:{borrower_id}", action="login", subject=f"borrower:{borrower_id}")
        return True
    tries = max(row.attempts for row in live) + 1
    for row in live:
        row.attempts = tries
        if tries >= CODE_MAX_ATTEMPTS:
            row.used_at = t
    record_audit(db, actor="anonymous", action="signin_code_failed", subject=f"borrower:{borrower_id}")
    return False


def code_tries_left(db: Session, borrower_id: str) -> int:
    """How many more wrong tries the borrower's live codes allow (0: none is live; ask for a new one)."""
    t = SYSTEM.now()
    live = [row for row in db.execute(
        select(BorrowerCode)
        .where(BorrowerCode.borrower_id == borrower_id, BorrowerCode.used_at.is_(None))
        .order_by(BorrowerCode.id.desc())
        .limit(LIVE_CODES)
    ).scalars() if aware(row.expires_at) > t]
    return max(CODE_MAX_ATTEMPTS - max(row.attempts for row in live), 0) if live else 0


def verify_link(db: Session, link_token: str) -> str | None:
    """The borrower id for a fresh, unused sign-in link (then the link is spent), else None."""
    if not link_token or len(link_token) > 128:
        return None
    row = db.execute(
        select(BorrowerCode).where(BorrowerCode.link_hash == keyed_hash(f"signin-link:{link_token}", "text"))
    ).scalar_one_or_none()
    t = SYSTEM.now()
    if row is None or row.used_at is not None or aware(row.expires_at) <= t:
        return None
    row.used_at = t
    record_audit(
        db, actor=f"borrower:{row.borrower_id}", action="login", subject=f"borrower:{row.borrower_id}"
    )
    return row.borrower_id
