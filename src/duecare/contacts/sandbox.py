"""Local stand-ins for the two external borders: an SMS gateway (HTTP) and an SMTP server (aiosmtpd).

They behave like the real thing where it matters to the outbox: the gateway deduplicates by idempotency key,
takes one message per request or a batch (`POST /messages/batch`, as vendors' bulk APIs do), answers 5xx /
429 / slowly when told to, and the SMTP server writes a received log (one line per accepted
message with its Message-ID), as an MTA does. Tests, `benchmarks/outbox.py` and `duecare outbox sandbox` (for
the demo) use them; production points `DUECARE_SMS_GATEWAY_URL` and `DUECARE_SMTP_HOST` elsewhere.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class GatewayState:
    """What the gateway holds: one message per key, how often each key was posted, scripted faults."""

    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: Counter[str] = field(default_factory=Counter)
    faults: list[tuple[str, float]] = field(default_factory=list)  # ("status", 503) | ("sleep", 3.0)
    hold_after_accept_s: float = 0.0  # accept, then wait before answering (a crash window for tests)
    bulk: bool = True  # False: no batch endpoint (404), as a gateway that takes one message per request
    requests: Counter[str] = field(default_factory=Counter)  # POSTs per path ("/messages", "/messages/batch")
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> tuple[str, float] | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    @property
    def delivered(self) -> Counter[str]:
        """Messages that reached a handset, per key (the gateway sends each key once)."""
        return Counter(dict.fromkeys(self.messages, 1))


class _GatewayHandler(BaseHTTPRequestHandler):
    server: _GatewayServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the client's delayed
    # ACK of the headers (~40 ms a response on Linux), which no real gateway makes its clients wait.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _json(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        # the client may have timed out and left: that is the scenario, not an error
        with suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.startswith("/messages/"):
            key = self.path.removeprefix("/messages/")
            with state.lock:
                msg = state.messages.get(key)
            if msg is None:
                self._json(404, {"error": "unknown key"})
            else:
                self._json(200, {"id": msg["id"], "status": "delivered"})
            return
        self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path == "/_control":
            body = json.loads(raw or b"{}")
            with state.lock:
                state.faults.extend((f[0], float(f[1])) for f in body.get("faults", []))
                if "hold_after_accept_s" in body:
                    state.hold_after_accept_s = float(body["hold_after_accept_s"])
            self._json(200, {"ok": True})
            return
        if self.path not in ("/messages", "/messages/batch") or (self.path == "/messages/batch" and not state.bulk):
            self._json(404, {"error": "not found"})
            return
        with state.lock:
            state.requests[self.path] += 1
        fault = state.next_fault()  # a scripted fault fails the whole request, one message or a batch
        if fault is not None:
            kind, value = fault
            if kind == "sleep":
                time.sleep(value)  # past the client's timeout; the message is still taken: the ambiguous case
            elif int(value) == 429:
                self._json(429, {"error": "slow down"}, {"Retry-After": "1"})
                return
            else:
                self._json(int(value), {"error": "scripted failure"})
                return
        body = json.loads(raw or b"{}")
        if self.path == "/messages/batch":
            items = body.get("messages")
            if not isinstance(items, list) or not items:
                self._json(400, {"error": "messages required"})
                return
            self._json(200, {"results": [self._take(item) for item in items]})
            return
        key = str(body.get("idempotency_key") or self.headers.get("Idempotency-Key") or "")
        result = self._take({**body, "idempotency_key": key})
        code = int(result.pop("status"))
        if code >= 400:
            self._json(code, {"error": result["error"]})
        else:
            self._json(code, result)

    def _take(self, item: dict[str, Any]) -> dict[str, Any]:
        """One message: refused (400 no key, 422 invalid number), taken (201) or already held under its key
        (200, duplicate). A hold is served after each newly taken message, so a batch is taken one by one."""
        state = self.server.state
        key = str(item.get("idempotency_key") or "")
        to = str(item.get("to", ""))
        if not key:
            return {"idempotency_key": key, "status": 400, "error": "idempotency_key required"}
        if not to.lstrip("+").replace(" ", "").isdigit():
            return {"idempotency_key": key, "status": 422, "error": "invalid number"}
        with state.lock:
            state.posts[key] += 1
            existing = state.messages.get(key)
            if existing is None:
                state.messages[key] = {"id": f"gw-{uuid.uuid4().hex[:12]}", "to": to, "text": item.get("text", ""),
                                       "at": time.time()}
            msg = state.messages[key]
            hold = state.hold_after_accept_s
        if existing is None and hold:
            time.sleep(hold)
        return {"idempotency_key": key, "status": 200 if existing is not None else 201, "id": msg["id"],
                "duplicate": existing is not None}


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    state: GatewayState


@contextmanager
def sms_gateway(host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, GatewayState]]:
    """A running gateway: yields (base URL, state); stops when the block ends."""
    server = _GatewayServer((host, port), _GatewayHandler)
    server.state = GatewayState()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", server.state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpState:
    received: Counter[str] = field(default_factory=Counter)  # Message-ID -> times accepted
    sessions: int = 0  # SMTP sessions opened (EHLO), to tell one connection per message from one per batch
    messages: list[dict[str, str]] = field(default_factory=list)
    hold_after_accept_s: float = 0.0
    log_path: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class _SmtpHandler:
    def __init__(self, state: SmtpState) -> None:
        self.state = state

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        with self.state.lock:
            self.state.sessions += 1
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio
        from email import message_from_bytes

        mail = message_from_bytes(envelope.original_content or envelope.content)
        mid = str(mail.get("Message-ID", ""))
        with self.state.lock:
            self.state.received[mid] += 1
            payload = mail.get_payload(decode=True)
            body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            self.state.messages.append({"message_id": mid, "to": ",".join(envelope.rcpt_tos),
                                        "subject": str(mail.get("Subject", "")), "body": body})
            if self.state.log_path is not None:
                with self.state.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} accepted message-id={mid}\n")
                    fh.flush()
            hold = self.state.hold_after_accept_s
        if hold:
            await asyncio.sleep(hold)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(log_path: Path | None = None, host: str = "127.0.0.1",
                port: int = 0) -> Iterator[tuple[str, int, SmtpState]]:
    """A running aiosmtpd server writing a received log; yields (host, port, state)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a port in use fails here, as OSError, not inside the controller's thread
        probe.bind((host, port))
        port = probe.getsockname()[1]
    if log_path is not None:  # the log exists from the start, as an MTA's does, before the first message
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.touch()
    state = SmtpState(log_path=log_path)
    controller = Controller(_SmtpHandler(state), hostname=host, port=port)
    controller.start()
    try:
        yield host, port, state
    finally:
        controller.stop()
