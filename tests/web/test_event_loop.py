"""No database work on the event loop (issue 16): one blocking call there stalls every other request of the worker.

An `async def` handler or dependency runs on the event loop; a plain `def` one runs in the threadpool. So a
coroutine that declares the request's database session (`DB`) is a defect, unless it is on the reviewed list
below (each runs its database work through `run_in_threadpool`). A handler that needs the form or the raw body
takes `FORM` / `BODY` (read on the loop) and stays a plain `def`.

The second test watches the engine at run time: every statement a portal write executes must run off the loop.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from test_pages import borrower_signs_in, token

from duecare.app.factory import create_app
from duecare.kit.db import get_engine
from duecare.privacy.deps import Requirement, db_session

# Reviewed coroutines that take the session: every database step of theirs is inside run_in_threadpool.
REVIEWED = {
    f"{Requirement.__module__}.Requirement.__call__",  # the session lookup and CSRF check: one threadpool call
    "duecare.speech.routes.save_recording",  # the scope check and the save run in the threadpool; the model too
}


def _name(call: Any) -> str:
    if inspect.isfunction(call) or inspect.ismethod(call):
        return f"{call.__module__}.{call.__qualname__}"
    return f"{type(call).__module__}.{type(call).__qualname__}.__call__"


def _is_coroutine(call: Any) -> bool:
    if inspect.isfunction(call) or inspect.ismethod(call):
        return inspect.iscoroutinefunction(call)
    return inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004 (a dependency object)


def _walk(dependant: Any) -> Iterator[Any]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _requirement_base_name(call: Any) -> str:
    """A Requirement subclass that does not override __call__ is the reviewed Requirement.__call__."""
    if isinstance(call, Requirement):
        owner = next(k for k in type(call).__mro__ if "__call__" in vars(k))
        return f"{owner.__module__}.{owner.__qualname__}.__call__"
    return _name(call)


def _routes(app: Any) -> Iterator[tuple[str, Any]]:
    """(path, dependant) of every API and WebSocket route, included routers too."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI flattens included routers into app.routes
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    for rc in contexts:
        dependant = getattr(rc, "dependant", None)
        if dependant is not None:
            yield str(getattr(rc, "path", "")), dependant


def test_no_coroutine_handler_or_dependency_takes_the_database_session(sqlite_url: str) -> None:
    app = create_app(sqlite_url)
    offenders, checked = set(), 0
    for path, dependant in _routes(app):
        for node in _walk(dependant):
            if node.call is None or not _is_coroutine(node.call):
                continue
            checked += 1
            takes_db = any(sub.call is db_session for sub in node.dependencies)
            if takes_db and _requirement_base_name(node.call) not in REVIEWED:
                offenders.add(f"{path}: {_name(node.call)}")
    assert checked > 50  # every route's permission dependency is a coroutine: the walk saw the app
    assert sorted(offenders) == []


def test_portal_writes_run_their_statements_off_the_event_loop(client: Any, world: Any) -> None:
    on_loop: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: where database work belongs
        on_loop.append(statement.split(None, 1)[0])

    engine = get_engine(world.url)
    event.listen(engine, "before_cursor_execute", watch)
    try:
        borrower_signs_in(client, world.plan_phone)
        page = client.get("/portal/callback-hours").text
        hours = client.post("/portal/callback-hours", data={"days": ["mon"], "start": "18:00", "end": "20:00",
                                                            "csrf_token": token(page)})
        assert hours.status_code == 200 and str(hours.url).endswith("done=hours_saved")
        prefs = client.post("/portal/contact-preferences", json={"hours": [], "channels_refused": ["call"]},
                            headers={"x-csrf-token": token(page), "accept": "application/json"})
        assert prefs.status_code == 200 and prefs.json()["channels_refused"] == ["call"]
        refused = client.post("/portal/contact-preferences", content=b"{", headers={
            "x-csrf-token": token(page), "content-type": "application/json", "accept": "application/json"})
        assert refused.status_code == 422
        page = client.get("/portal/hardship").text
        done = client.post("/portal/hardship", data={"csrf_token": token(page), "reason": "job_loss",
                                                     "has_income": "yes", "income": "3000", "expenses": "2000",
                                                     "dependants": "0"}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/portal/plan?done=hardship"
        page = client.get("/portal/plan").text
        plan = client.post("/portal/plan", data={"csrf_token": token(page), "loan_id": "L-B2",
                                                 "date": "2099-01-01", "amount": "100"})
        assert plan.status_code in (200, 422) and "plan" in plan.text
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert on_loop == []
