"""Video and phone appointments in the portal, and the WebSocket that relays a call's signalling (issue 17).

The media flows browser to browser (WebRTC); this server never sees it and records nothing. `/rtc/{id}` only
passes the two peers' offer, answer and ICE candidates to each other. It admits a connection only when the
Origin is this site's own (a page of another site cannot use a signed-in browser: CSRF) and the join token is
valid for this appointment and this participant (`visits.video.admit`). One room per appointment, at most one
borrower and one agent; in process memory (one web process: see docs/video.md for several).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from duecare.kit import clock
from duecare.kit.bounds import MOMENT_SCHEMA
from duecare.kit.errors import UserError
from duecare.kit.i18n import N_
from duecare.kit.settings import get_settings
from duecare.privacy.deps import DB, require
from duecare.privacy.permissions import Actor
from duecare.visits import alternatives
from duecare.visits import video as calls
from duecare.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(tags=["portal"])
READ = Depends(require("portal.read"))
WRITE = Depends(require("portal.write"))
# Media permission for this page only (the site default forbids camera and microphone everywhere else).
CALL_HEADERS = {"Permissions-Policy": "camera=(self), microphone=(self), payment=()"}
ROOMS: dict[str, dict[str, WebSocket]] = {}
MAX_MESSAGE = 64 * 1024  # an SDP offer with candidates is a few KB


@router.get("/portal/video")
def video_page(request: Request, mode: str = "video", actor: Actor = READ, db: Session = DB) -> Response:
    mode = "phone" if mode == "phone" else "video"
    return render(request, "portal/video_book.html", mode=mode, slots=calls.slots(db, actor.id, clock.now()),
                  appointments=calls.of_borrower(db, actor.id))


@router.post("/portal/video/book")
def video_book(request: Request, slot: str = Form(max_length=40, json_schema_extra={"pattern": MOMENT_SCHEMA["pattern"]}),
               mode: str = Form("video", max_length=8, json_schema_extra={"enum": list(calls.KIND_OF_MODE)}),
               actor: Actor = WRITE, db: Session = DB) -> Response:
    """Book one of the times shown; a time that is not (or no longer) offered answers 409."""
    try:
        start = datetime.fromisoformat(slot)
    except ValueError:
        raise UserError(N_("choose one of the times shown"), place="slot") from None
    appt = calls.book(db, actor.id, mode, start, clock.now())
    return RedirectResponse(f"/portal/video/{appt.id}", status_code=303)


@router.get("/portal/video/{appointment_id}")
def video_call_page(appointment_id: str, request: Request, actor: Actor = READ, db: Session = DB) -> Response:
    appt = calls.mine(db, actor.id, appointment_id)
    opens, _ = calls.join_window(appt)
    token = calls.join_token(appt, f"borrower:{actor.id}") if appt.call_consent_at else ""
    response = render(request, "portal/video_call.html", appt=appt, token=token, opens=opens,
                      is_open=clock.now() >= opens, ice=ice_servers())
    response.headers.update(CALL_HEADERS)
    return response


@router.post("/portal/video/{appointment_id}/consent")
def video_consent(appointment_id: str, request: Request, actor: Actor = WRITE, db: Session = DB) -> Response:
    calls.consent_to_call(db, actor.id, appointment_id, clock.now())
    return RedirectResponse(f"/portal/video/{appointment_id}", status_code=303)


def ice_servers() -> str:
    """The ICE servers the browsers use, as JSON (empty on a LAN or loopback; see docs/video.md for TURN)."""
    return get_settings().ice_servers


def same_origin(ws: WebSocket) -> bool:
    origin, host = ws.headers.get("origin"), ws.headers.get("host")
    return bool(origin and host) and urlsplit(origin or "").netloc == host


@router.websocket("/rtc/{appointment_id}")
async def signalling(ws: WebSocket, appointment_id: str) -> None:
    """Relay signalling between the two admitted peers of one appointment (no media passes here)."""
    if not same_origin(ws):
        await ws.close(code=4403, reason="cross-origin")
        return
    factory = ws.app.state.session_factory
    at = clock.now()

    def admit() -> calls.Admitted:
        with factory() as db:
            return calls.admit(db, appointment_id, ws.query_params.get("token", ""), at)

    def connected(moment: datetime) -> None:
        with factory() as db:
            calls.mark_connected(db, appointment_id, moment)
            db.commit()

    try:  # database I/O runs in the threadpool, never on the event loop
        who = await run_in_threadpool(admit)
    except calls.TokenRefused as exc:
        log.info("rtc %s refused: %s", appointment_id, exc)
        await ws.close(code=4401, reason=str(exc))
        return
    room = ROOMS.setdefault(appointment_id, {})
    if who.role in room:
        await ws.close(code=4409, reason="already joined")
        return
    await ws.accept()
    room[who.role] = ws
    try:
        await _broadcast(room, {"type": "peers", "present": sorted(room)})
        while True:
            text = await ws.receive_text()
            if len(text) > MAX_MESSAGE:
                continue
            message: dict[str, Any] = json.loads(text)
            kind = message.get("type")
            if kind == "connected":
                await run_in_threadpool(connected, clock.now())
                continue
            if kind in ("offer", "answer", "candidate", "bye", "media"):
                for role, peer in list(room.items()):
                    if role != who.role:
                        await peer.send_text(json.dumps({**message, "from": who.role}))
    except (WebSocketDisconnect, ValueError, RuntimeError):
        pass
    finally:
        if room.get(who.role) is ws:
            del room[who.role]
        if room:
            await _broadcast(room, {"type": "peers", "present": sorted(room)})
        else:
            ROOMS.pop(appointment_id, None)


async def _broadcast(room: dict[str, WebSocket], message: dict[str, Any]) -> None:
    for peer in list(room.values()):
        try:
            await peer.send_text(json.dumps(message))
        except (RuntimeError, WebSocketDisconnect):
            continue


def offered_modes() -> list[str]:
    kinds = {k.value for k in alternatives.policy().offered}
    return [m for m, k in (("video", "video"), ("phone", "phone_appointment")) if k in kinds]
