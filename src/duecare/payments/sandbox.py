"""A local stand-in for the lender's payment provider (the demo's and the tests' external border).

It is a separate small HTTP app, as contacts/sandbox.py is for SMS and email: the portal creates checkouts over
HTTP (`POST /checkouts`, idempotent by key), the borrower's browser opens the checkout page, and on "Pay" or
"Cancel" the provider sends the signed callback (HMAC-SHA256, payments/callback.py) to the portal, server to
server, before sending the browser back. It handles test money only and never asks for card data.

Test controls: `POST /_control` with `{"replay": "<checkout id>"}` re-sends that checkout's last callback
exactly (same event id and body, fresh signature) and answers with the portal's status and body.
"""

from __future__ import annotations

import html
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from duecare.contacts.webhooks import sign
from duecare.kit.i18n import bilingual


@dataclass
class ProviderState:
    secret: str
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # what the portal answered, per delivery
    lock: threading.Lock = field(default_factory=threading.Lock)


def deliver(state: ProviderState, checkout: dict[str, Any], body: bytes) -> tuple[int, str]:
    """POST one signed callback to the portal; (status, body) of its answer, 0 when unreachable."""
    req = urllib.request.Request(checkout["callback_url"], data=body, method="POST",
                                 headers={"Content-Type": "application/json", **sign(state.secret, body)})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer = resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        answer = exc.code, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        answer = 0, type(exc).__name__
    with state.lock:
        state.callbacks.append({"checkout": checkout["id"], "status": answer[0], "body": answer[1]})
    return answer


def _page(checkout: dict[str, Any]) -> str:
    amount = f"{checkout['amount_minor'] / 100:,.2f} {checkout['currency']}"
    cid = html.escape(checkout["id"])
    done = checkout["state"] != "open"
    # The sandbox stands in for an outside provider, whose page shows both languages.
    pay = html.escape(bilingual("Pay {amount}", sep=" · ", amount=amount))
    cancel = html.escape(bilingual("Cancel", sep=" · "))
    title = html.escape(bilingual("Sandbox payment provider", sep=" · "))
    note = html.escape(bilingual("Test money only: no card or bank details are asked.", sep=" "))
    amount_label, status_label = html.escape(bilingual("Amount", sep=" · ")), html.escape(bilingual("Status", sep=" · "))
    buttons = "" if done else (
        f'<form method="post" action="/checkouts/{cid}/pay"><button type="submit" id="pay">{pay}</button></form>'
        f'<form method="post" action="/checkouts/{cid}/cancel"><button type="submit" id="cancel" class="secondary">'
        f"{cancel}</button></form>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sandbox payment provider</title>'
        "<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
        "button{font-size:1.1rem;padding:.7rem 1.2rem;margin:.4rem 0;width:100%}"
        ".secondary{background:#eee}.note{background:#fff6d5;padding:.6rem}</style></head><body>"
        f"<h1>{title}</h1>"
        f'<p class="note">{note}</p>'
        f"<p>{html.escape(checkout['description'])}</p>"
        f'<p>{amount_label}: <strong id="amount">{html.escape(amount)}</strong></p>'
        f'<p>{status_label}: <span id="state">{html.escape(checkout["state"])}</span></p>'
        f"{buttons}</body></html>")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, code: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _json(self, code: int, body: dict[str, Any]) -> None:
        self._send(code, json.dumps(body).encode(), "application/json")

    def _checkout(self, cid: str) -> dict[str, Any] | None:
        with self.server.state.lock:
            return self.server.state.checkouts.get(cid)

    def do_GET(self) -> None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) == 2 and parts[0] == "checkouts" and (c := self._checkout(parts[1])) is not None:
            self._send(200, _page(c).encode(), "text/html; charset=utf-8")
        elif parts == ["favicon.ico"]:
            self._send(204, b"", "image/x-icon")
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["checkouts"]:
            self._create(raw)
        elif parts == ["_control"]:
            body = json.loads(raw or b"{}")
            c = self._checkout(str(body.get("replay", "")))
            if c is None or c.get("last_callback") is None:
                self._json(404, {"error": "no callback to replay"})
                return
            status, answer = deliver(state, c, c["last_callback"])
            self._json(200, {"portal_status": status, "portal_body": answer})
        elif len(parts) == 3 and parts[0] == "checkouts" and parts[2] in ("pay", "cancel"):
            self._settle(parts[1], "succeeded" if parts[2] == "pay" else "cancelled")
        else:
            self._json(404, {"error": "not found"})

    def _create(self, raw: bytes) -> None:
        state = self.server.state
        try:
            body = json.loads(raw or b"{}")
            amount, currency = int(body["amount_minor"]), str(body["currency"])
            reference, return_url, callback_url = str(body["reference"]), str(body["return_url"]), str(body["callback_url"])
        except (KeyError, TypeError, ValueError):
            self._json(400, {"error": "reference, amount_minor, currency, return_url and callback_url are required"})
            return
        if amount <= 0 or not all(urlsplit(u).scheme in ("http", "https") for u in (return_url, callback_url)):
            self._json(422, {"error": "amount must be positive and the URLs absolute"})
            return
        key = self.headers.get("Idempotency-Key") or reference
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        with state.lock:
            existing = state.by_key.get(key)
            if existing is None:
                cid = f"co_{uuid.uuid4().hex[:16]}"
                state.checkouts[cid] = {"id": cid, "reference": reference, "amount_minor": amount, "currency": currency,
                                        "return_url": return_url, "callback_url": callback_url, "state": "open",
                                        "description": str(body.get("description", ""))[:200], "last_callback": None}
                state.by_key[key] = cid
            cid = state.by_key[key]
        self._json(200 if existing else 201, {"id": cid, "url": f"http://{host}/checkouts/{cid}"})

    def _settle(self, cid: str, status: str) -> None:
        state = self.server.state
        with state.lock:
            c = state.checkouts.get(cid)
            if c is None or c["state"] != "open":
                c = None
            else:
                c["state"] = "paid" if status == "succeeded" else "cancelled"
                c["last_callback"] = json.dumps({
                    "event_id": f"evt_{uuid.uuid4().hex[:16]}", "reference": c["reference"], "checkout_id": cid,
                    "status": status, "amount_minor": c["amount_minor"], "currency": c["currency"]}).encode()
        if c is None:
            self._json(409, {"error": "this checkout is not open"})
            return
        deliver(state, c, c["last_callback"])  # the portal learns the outcome before the browser comes back
        self._send(303, b"", "text/plain", {"Location": c["return_url"]})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ProviderState


@contextmanager
def payment_provider(secret: str, host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, ProviderState]]:
    """A running sandbox provider: yields (base URL, state); stops when the block ends. A port in use raises
    OSError (the CLI turns it into a clear message)."""
    server = _Server((host, port), _Handler)
    server.state = ProviderState(secret=secret)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", server.state
    finally:
        server.shutdown()
        server.server_close()
