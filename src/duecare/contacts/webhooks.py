"""HMAC-signed provider webhooks: the signature is the caller's authentication.

A provider signs `"{timestamp}.{raw body}"` with HMAC-SHA256 under the shared secret `DUECARE_WEBHOOK_SECRET`
and sends `X-Duecare-Timestamp: <unix seconds>` and `X-Duecare-Signature: v1=<hex>`. Requests older or newer
than five minutes are refused (replay window); a replay inside it is absorbed by the event id's uniqueness.
The dependency is a `Requirement` for the permission `contacts.webhook`, so the route's access rule is listed
with every other route's (privacy/permissions.py declares that no role holds it).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import HTTPException, Request

from duecare.kit.settings import get_settings
from duecare.privacy.deps import Requirement
from duecare.privacy.permissions import Actor

SECRET_ENV = "DUECARE_WEBHOOK_SECRET"
TOLERANCE_S = 300
PERMISSION = "contacts.webhook"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a provider sends (used by the sandbox gateway and the tests)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Duecare-Timestamp": str(ts), "X-Duecare-Signature": f"v1={mac}"}


def verify(secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> str:
    """'' if the signature holds, else why not."""
    if not timestamp or not signature:
        return "signature headers missing"
    try:
        ts = int(timestamp)
    except ValueError:
        return "bad timestamp"
    if abs((now if now is not None else time.time()) - ts) > TOLERANCE_S:
        return "timestamp outside the 5-minute window"
    expected = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    given = signature.removeprefix("v1=")
    return "" if hmac.compare_digest(expected, given) else "signature does not match"


class SignedWebhook(Requirement):
    """`Depends(signed_webhook)`: 503 when no secret is configured, 401 on a bad signature; no session, no CSRF."""

    def __init__(self) -> None:
        super().__init__(PERMISSION)

    def __repr__(self) -> str:
        return f"signed_webhook({self.permission!r})"

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        secret = get_settings().webhook_secret
        if not secret:
            raise HTTPException(status_code=503, detail=f"webhooks are off: set {SECRET_ENV}")
        body = await request.body()
        problem = verify(secret, body, request.headers.get("x-duecare-timestamp"),
                         request.headers.get("x-duecare-signature"))
        if problem:
            raise HTTPException(status_code=401, detail=problem)
        provider = request.path_params.get("provider", "provider")
        actor = Actor(kind="system", id=f"webhook:{provider}", role="provider")
        request.state.actor = actor
        request.state.permission = self.permission
        return actor


signed_webhook = SignedWebhook()
