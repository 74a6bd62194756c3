"""SMS through a configurable HTTP gateway API that deduplicates by idempotency key.

Contract (what the sandbox gateway implements and a vendor adapter maps to):
  POST {base}/messages  {"to", "text", "idempotency_key"}  header Idempotency-Key
       200/201/202 {"id", "duplicate"?} · 400/422 invalid number · 429 (Retry-After) · 5xx
  GET  {base}/messages/{idempotency_key}   200 {"id"} if the gateway holds the key, 404 otherwise
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from duecare.contacts.adapters.base import (
    Confirmation,
    Delivered,
    OutboundMessage,
    PermanentError,
    SmsSender,
    TransientError,
)
from duecare.kit.settings import get_settings


@dataclass(frozen=True)
class GatewayConfig:
    base_url: str
    token: str | None = None
    timeout: float = 10.0
    sender_id: str = "duecare"

    @classmethod
    def from_env(cls) -> GatewayConfig | None:
        s = get_settings()
        if not s.sms_gateway_url:
            return None
        return cls(base_url=s.sms_gateway_url.rstrip("/"), token=s.sms_gateway_token, timeout=s.sms_gateway_timeout,
                   sender_id=s.sms_sender_id or cls.sender_id)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


class HttpSmsGateway(SmsSender):
    resend_is_safe = True  # the gateway keeps one message per key

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
        self.client = httpx.Client(base_url=config.base_url, timeout=config.timeout, headers=headers)

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        payload = {"to": message.to, "text": message.body, "idempotency_key": message.key,
                   "sender": self.config.sender_id}
        try:
            response = self.client.post("/messages", json=payload, headers={"Idempotency-Key": message.key})
        except httpx.TimeoutException:
            raise TransientError("gateway timeout", ambiguous=True) from None
        except httpx.TransportError as exc:
            raise TransientError(f"gateway unreachable ({type(exc).__name__})") from None
        code = response.status_code
        if code in (200, 201, 202):
            body = response.json()
            return Delivered(provider_ref=str(body["id"]), duplicate=bool(body.get("duplicate")))
        if code == 429:
            raise TransientError("gateway rate limit (429)", retry_after=_retry_after(response))
        if code >= 500:
            raise TransientError(f"gateway error {code}", retry_after=_retry_after(response), ambiguous=True)
        if code in (400, 404, 422):
            raise PermanentError(f"gateway refused the number ({code})", outcome="invalid")
        raise PermanentError(f"gateway refused the message ({code})")

    def confirm(self, message: OutboundMessage, session: Session) -> tuple[Confirmation, str | None]:
        try:
            response = self.client.get(f"/messages/{message.key}")
        except httpx.HTTPError:
            return Confirmation.UNKNOWN, None
        if response.status_code == 200:
            return Confirmation.DELIVERED, str(response.json()["id"])
        if response.status_code == 404:
            return Confirmation.NOT_DELIVERED, None
        return Confirmation.UNKNOWN, None
