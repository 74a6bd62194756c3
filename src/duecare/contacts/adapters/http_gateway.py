"""SMS through a configurable HTTP gateway API that deduplicates by idempotency key.

Contract (what the sandbox gateway implements and a vendor adapter maps to):
  POST {base}/messages  {"to", "text", "idempotency_key"}  header Idempotency-Key
       200/201/202 {"id", "duplicate"?} · 400/422 invalid number · 429 (Retry-After) · 5xx
  POST {base}/messages/batch  {"messages": [{"to", "text", "idempotency_key", "sender"}, ...]}
       200 {"results": [{"idempotency_key", "status", "id"?, "duplicate"?}, ...]}: each message's own status as
       the one-message call would answer it; 429 / 5xx fail the whole request · 404/405: no bulk API here
  GET  {base}/messages/{idempotency_key}   200 {"id"} if the gateway holds the key, 404 otherwise

Bulk sending (`deliver_many`) is how real gateways take a night's volume (one request for many numbers); a
gateway without the batch endpoint is detected on its first 404/405 and served one message per request over
the client's keep-alive connections. Either way each message carries its own key, so a batch whose answer was
lost is confirmed by key, message by message, never sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.orm import Session

from duecare.contacts.adapters.base import (
    Confirmation,
    Delivered,
    DeliveryError,
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
    bulk_size: int = 500  # messages per batch request (vendors cap a batch; 500 is within the usual limits)

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


def _outcome(code: int, body: dict[str, Any], retry_after: float | None) -> Delivered | DeliveryError:
    """What a gateway status (of one message, or of a whole batch request) means for the message."""
    if code in (200, 201, 202) and body.get("id") is not None:
        return Delivered(provider_ref=str(body["id"]), duplicate=bool(body.get("duplicate")))
    if code in (200, 201, 202):
        return TransientError(f"gateway answered {code} without a message id", ambiguous=True)
    if code == 429:
        return TransientError("gateway rate limit (429)", retry_after=retry_after)
    if code >= 500:
        return TransientError(f"gateway error {code}", retry_after=retry_after, ambiguous=True)
    if code in (400, 404, 422):
        return PermanentError(f"gateway refused the number ({code})", outcome="invalid")
    return PermanentError(f"gateway refused the message ({code})")


class HttpSmsGateway(SmsSender):
    resend_is_safe = True  # the gateway keeps one message per key

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
        self.client = httpx.Client(base_url=config.base_url, timeout=config.timeout, headers=headers)
        self.bulk = True  # until the gateway answers the batch endpoint with 404/405

    def _payload(self, message: OutboundMessage) -> dict[str, Any]:
        return {"to": message.to, "text": message.body, "idempotency_key": message.key,
                "sender": self.config.sender_id}

    def deliver(self, message: OutboundMessage, session: Session) -> Delivered:
        try:
            response = self.client.post("/messages", json=self._payload(message),
                                        headers={"Idempotency-Key": message.key})
        except httpx.TimeoutException:
            raise TransientError("gateway timeout", ambiguous=True) from None
        except httpx.TransportError as exc:
            raise TransientError(f"gateway unreachable ({type(exc).__name__})") from None
        outcome = _outcome(response.status_code, response.json() if response.status_code < 300 else {},
                           _retry_after(response))
        if isinstance(outcome, DeliveryError):
            raise outcome
        return outcome

    def deliver_many(self, messages: list[OutboundMessage]) -> list[Delivered | DeliveryError]:
        """The messages in batch requests of `bulk_size`; one result per message, in order."""
        results: list[Delivered | DeliveryError] = []
        for i in range(0, len(messages), self.config.bulk_size):
            chunk = messages[i:i + self.config.bulk_size]
            taken = self._post_batch(chunk) if self.bulk else None
            results += super().deliver_many(chunk) if taken is None else taken
        return results

    def _post_batch(self, messages: list[OutboundMessage]) -> list[Delivered | DeliveryError] | None:
        """One batch request; None when the gateway has no batch endpoint (then never asked again)."""
        try:
            response = self.client.post("/messages/batch", json={"messages": [self._payload(m) for m in messages]})
        except httpx.TimeoutException:
            return [TransientError("gateway timeout", ambiguous=True) for _ in messages]
        except httpx.TransportError as exc:
            return [TransientError(f"gateway unreachable ({type(exc).__name__})") for _ in messages]
        code = response.status_code
        if code in (404, 405):
            self.bulk = False
            return None
        if code != 200:
            failed: DeliveryError
            if code == 429 or code >= 500:
                failed = TransientError(f"gateway error {code}" if code >= 500 else "gateway rate limit (429)",
                                        retry_after=_retry_after(response), ambiguous=code >= 500)
            elif code < 300:  # taken, but no per-message results to go by: confirm each by key later
                failed = TransientError(f"gateway answered the batch with {code} and no results", ambiguous=True)
            else:  # the request as a whole was refused (authorisation, format): no number is to blame
                failed = PermanentError(f"gateway refused the batch ({code})")
            return [failed for _ in messages]
        try:
            answers = {str(r["idempotency_key"]): r for r in response.json()["results"]}
        except (ValueError, KeyError, TypeError):
            answers = {}
        missing = TransientError("gateway gave no result for the message", ambiguous=True)
        return [_outcome(int(answers[m.key].get("status", 0)), answers[m.key], None) if m.key in answers
                else missing for m in messages]

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
