"""The payment provider's signed callback: the HMAC signature is the caller's authentication.

The provider signs `"{timestamp}.{raw body}"` with HMAC-SHA256 under `DUECARE_PAYMENT_WEBHOOK_SECRET` (the same
scheme as the contact providers' webhooks, contacts/webhooks.py). A stale or future timestamp (outside five
minutes) or a wrong signature is refused with 401; a replay inside the window is absorbed by the service (the
intent is applied once). No session and no CSRF token: the route's access rule is the permission
`payments.callback`, which no role holds.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from duecare.contacts.webhooks import sign, verify
from duecare.kit.settings import get_settings
from duecare.privacy.deps import Requirement
from duecare.privacy.permissions import Actor

PERMISSION = "payments.callback"
__all__ = ["PERMISSION", "SignedPaymentCallback", "sign", "signed_payment_callback", "verify"]


class SignedPaymentCallback(Requirement):
    """`Depends(signed_payment_callback)`: 503 without a secret, 401 on a bad or stale signature."""

    def __init__(self) -> None:
        super().__init__(PERMISSION)

    def __repr__(self) -> str:
        return f"signed_payment_callback({self.permission!r})"

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        secret = get_settings().payment_webhook_secret
        if not secret:
            raise HTTPException(status_code=503, detail="payment callbacks are off: set DUECARE_PAYMENT_WEBHOOK_SECRET")
        body = await request.body()
        problem = verify(secret, body, request.headers.get("x-duecare-timestamp"),
                         request.headers.get("x-duecare-signature"))
        if problem:
            raise HTTPException(status_code=401, detail=problem)
        actor = Actor(kind="system", id="payment-provider", role="provider")
        request.state.actor = actor
        request.state.permission = self.permission
        return actor


signed_payment_callback = SignedPaymentCallback()
