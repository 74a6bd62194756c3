"""The adapter between duecare and the lender's payment provider (the external border).

duecare never touches card or bank details: the portal creates a payment intent, asks the provider for a
checkout (`start_checkout`), sends the borrower's browser there, and records the money only when the provider
confirms it through the signed callback (payments/callback.py, payments/service.py).

Contract of `HttpCheckoutProvider` (what the sandbox provider implements and a vendor adapter maps to):

    POST {base}/checkouts   Idempotency-Key: <intent id>
         {"reference", "amount_minor", "currency", "return_url", "callback_url", "description"}
      -> 201 (or 200 for a repeated key) {"id": "<checkout id>", "url": "<page the borrower is sent to>"}

    callback: POST <callback_url>  X-Duecare-Timestamp, X-Duecare-Signature: v1=<HMAC-SHA256 of "ts.body">
         {"event_id", "reference", "checkout_id", "status": "succeeded" | "failed" | "cancelled",
          "amount_minor", "currency"}
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from duecare.kit.errors import Unavailable
from duecare.kit.settings import get_settings


class ProviderUnavailable(Unavailable):
    """The provider could not be reached or refused the checkout (the borrower is told to try later)."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # the intent id
    amount_minor: int
    currency: str
    return_url: str
    callback_url: str
    description: str


@dataclass(frozen=True)
class Checkout:
    checkout_id: str
    url: str


class PaymentProvider(Protocol):
    @property
    def name(self) -> str: ...

    def start_checkout(self, request: CheckoutRequest) -> Checkout: ...


@dataclass(frozen=True)
class HttpCheckoutProvider:
    base_url: str
    timeout: float = 10.0
    name: str = "http"

    @classmethod
    def from_settings(cls) -> HttpCheckoutProvider | None:
        s = get_settings()
        if not s.payment_provider_url or not s.payment_webhook_secret:
            return None
        return cls(base_url=s.payment_provider_url.rstrip("/"), timeout=s.payment_provider_timeout)

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        body = json.dumps({"reference": request.reference, "amount_minor": request.amount_minor,
                           "currency": request.currency, "return_url": request.return_url,
                           "callback_url": request.callback_url, "description": request.description}).encode()
        req = urllib.request.Request(f"{self.base_url}/checkouts", data=body, method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": request.reference})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise ProviderUnavailable(f"the payment provider refused the checkout (HTTP {exc.code})") from None
        except (OSError, ValueError) as exc:
            raise ProviderUnavailable(f"the payment provider is not reachable ({type(exc).__name__})") from None
        checkout_id, url = str(data.get("id") or ""), str(data.get("url") or "")
        if not checkout_id or not url.startswith(("http://", "https://")):
            raise ProviderUnavailable("the payment provider answered without a checkout")
        return Checkout(checkout_id=checkout_id, url=url)


def configured_provider() -> PaymentProvider | None:
    """The provider of this deployment (None: paying online is off)."""
    return HttpCheckoutProvider.from_settings()
