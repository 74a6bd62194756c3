"""One permission matrix for pages, forms and the API (issue 16 item 5).

Routes are enumerated from the whole web app, never listed by hand:
- every POST form in the console, portal and web templates posts to a route of the app, and that route declares
  a permission of the matrix (a form to a route without an entry fails here);
- every form post, sent the way a browser sends it (form-encoded, the CSRF token as a form field), lets in
  exactly the roles the matrix lists for its route;
- every state change a route reaches goes through a guarded service action (privacy/permissions.py `guarded`),
  which checks the same matrix again where the change happens; a route's permission must be one the action
  accepts;
- for every action reachable both from a page and from the API, no role gets through the page when every API
  route for it refuses that role — checked by calling the routes as each role.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import duecare
from duecare.kit.db import session_factory
from duecare.privacy.deps import RouteInfo, iter_routes
from duecare.privacy.models import AuthSession
from duecare.privacy.permissions import (
    ACTIONS,
    MATRIX,
    PUBLIC,
    PUBLIC_ROUTES,
    ROLES,
    SYSTEM,
    Actor,
    Forbidden,
    check,
    guarded,
    permissions_of,
    roles_for,
)
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash

DENIAL = "your role may not"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
PAGES = ("/console", "/portal")
PAGE_MODULES = ("duecare.console", "duecare.portal", "duecare.web")  # HTML pages and their forms


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    from duecare.app.factory import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}"
    yield create_app(url), url


def _regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def _form_actions() -> list[tuple[str, str]]:
    """(template, action) for every <form method="post"> of every template shipped in the package."""
    root = Path(duecare.__file__).parent
    found = []
    for template in sorted(root.glob("*/templates/**/*.html")):
        for tag in re.findall(r"<form\b[^>]*>", template.read_text(encoding="utf-8")):
            if not re.search(r'method="post"', tag, re.IGNORECASE):
                continue
            action = re.search(r'action="([^"]*)"', tag)
            assert action is not None, f"{template.name}: a POST form without an action: {tag}"
            found.append((str(template.relative_to(root)), re.sub(r"\{\{[^}]*\}\}", "X", action.group(1))))
    return found


def test_the_templates_have_post_forms_at_all() -> None:
    actions = {a for _, a in _form_actions()}
    assert "/console/visits/X/schedule" in actions and "/portal/promise" in actions
    assert len(actions) >= 30


def test_every_post_form_goes_to_a_route_with_a_matrix_entry(web: tuple[FastAPI, str]) -> None:
    routes = [r for r in iter_routes(web[0]) if r.is_api and "POST" in r.methods]
    problems = []
    for template, action in _form_actions():
        matches = [r for r in routes if _regex(r.path).match(action)]
        if not matches:
            problems.append(f"{template}: form posts to {action}, which is no POST route of the app")
            continue
        for r in matches:
            if len(r.permissions) != 1:
                problems.append(f"{template}: {r.path} declares {list(r.permissions)}")
            elif r.permissions[0] == PUBLIC and not any(
                    re.fullmatch(p.replace("*", ".*"), r.path) for p in PUBLIC_ROUTES) and r.path != "/signout":
                problems.append(f"{template}: {r.path} is public but not on the allow-list")
            elif r.permissions[0] not in (PUBLIC, "authenticated") and r.permissions[0] not in MATRIX:
                problems.append(f"{template}: {r.path} declares {r.permissions[0]!r}, not in the matrix")
    assert problems == [], "\n".join(problems)


def _signed_in(client: TestClient, url: str, role: str | None) -> str:
    """Sign `role` in on a fresh session (some routes sign out); returns the CSRF token to echo."""
    client.cookies.clear()
    if role is None:
        token: str = client.get("/auth/csrf").json()["csrf_token"]
        return token
    with session_factory(url)() as db:
        kind = "borrower" if role == "borrower" else "staff"
        session_token = create_session(db, kind=kind, subject_id=f"matrix-{role}", role=role)
        row = db.get(AuthSession, token_hash(session_token))
        assert row is not None
        csrf = row.csrf_token
        db.commit()
    client.cookies.set(SESSION_COOKIE, session_token)
    return csrf


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _refused(resp: Any) -> bool:
    return resp.status_code == 401 or (resp.status_code == 403 and DENIAL in resp.text) or (
        resp.status_code == 303 and "signin" in resp.headers.get("location", ""))


def _call(client: TestClient, url: str, role: str | None, method: str, path: str, *, form: bool) -> Any:
    csrf = _signed_in(client, url, role)
    if form:  # as a browser posts a form: the token is a field of the form-encoded body
        return client.request(method, _concrete(path), data={"csrf_token": csrf},
                              headers={"accept": "text/html", "accept-language": "en"},  # DENIAL's words
                              follow_redirects=False)
    return client.request(method, _concrete(path), headers={"accept": "application/json", "x-csrf-token": csrf},
                          follow_redirects=False)


def _page_posts(infos: list[RouteInfo]) -> list[RouteInfo]:
    return [r for r in infos if r.is_api and "POST" in r.methods and r.path.startswith(PAGES)
            and r.permissions and r.permissions[0] != PUBLIC]


def test_every_form_post_lets_in_exactly_the_roles_of_the_matrix(web: tuple[FastAPI, str]) -> None:
    app, url = web
    posts = _page_posts(list(iter_routes(app)))
    assert len(posts) >= 25, [r.path for r in posts]
    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for r in posts:
            perm = r.permissions[0]
            for role in (*ROLES, None):
                resp = _call(client, url, role, "POST", r.path, form=True)
                should_pass = role is not None and role in roles_for(perm)
                if should_pass and _refused(resp):
                    failures.append(f"POST {r.path} [{perm}] refused {role}: {resp.status_code}")
                # 503: a signed-webhook route with no secret configured lets nobody in (as in test_route_matrix)
                if not should_pass and not (_refused(resp) or resp.status_code == 503):
                    failures.append(f"POST {r.path} [{perm}] let {role} in: {resp.status_code}")
                if resp.status_code >= 500 and resp.status_code != 503:
                    failures.append(f"POST {r.path} as {role}: {resp.status_code}")
    assert failures == [], "\n".join(failures)


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, scope)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def _actions_called(endpoint: Callable[..., Any]) -> set[str]:
    """The guarded service actions an endpoint calls, directly or through helpers of its own module."""
    seen: set[str] = set()
    found: set[str] = set()

    def visit(fn: Callable[..., Any]) -> None:
        fn = inspect.unwrap(fn)
        key = f"{fn.__module__}.{fn.__qualname__}"
        if key in seen:
            return
        seen.add(key)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError):
            return
        scope = dict(fn.__globals__)
        for node in ast.walk(tree):  # imports inside the function (`from duecare.visits import service`)
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    value = getattr(module, alias.name, None)
                    if value is None:
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    scope[alias.asname or alias.name] = value
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            target = _resolve(node.func, scope)
            if target is None or not callable(target):
                continue
            if permissions_of(target) is not None:
                found.add(f"{inspect.unwrap(target).__module__}.{inspect.unwrap(target).__qualname__}")
            elif getattr(target, "__module__", None) == fn.__module__ and inspect.isfunction(target):
                visit(target)  # a helper of the route module (e.g. the page's own context builder)

    visit(endpoint)
    return found


def _endpoints(app: FastAPI) -> Iterator[tuple[RouteInfo, Callable[..., Any]]]:
    for info in iter_routes(app):
        if info.is_api and info.endpoint is not None and info.permissions:
            yield info, info.endpoint


def test_guarded_actions_exist_and_name_matrix_permissions() -> None:
    import duecare.console.casework
    import duecare.console.inbox
    import duecare.visits.service  # noqa: F401 - registers the visit steps

    assert {"duecare.visits.service.schedule", "duecare.visits.consent.answer",
            "duecare.visits.fieldwork.file_report", "duecare.console.casework.record_promise"} <= set(ACTIONS)
    for name, perms in ACTIONS.items():
        assert perms and all(p in MATRIX for p in perms), name


def test_every_route_may_do_the_actions_it_reaches(web: tuple[FastAPI, str]) -> None:
    """A route's permission must be one each guarded action it calls accepts; else the route is broken."""
    problems = []
    reached = 0
    for info, endpoint in _endpoints(web[0]):
        for action in _actions_called(endpoint):
            reached += 1
            if info.permissions[0] not in ACTIONS[action]:
                problems.append(f"{info.methods} {info.path} [{info.permissions[0]}] calls {action} "
                                f"which needs one of {ACTIONS[action]}")
    assert reached >= 30
    assert problems == [], "\n".join(problems)


def test_every_unsafe_page_route_that_changes_visits_or_cases_goes_through_a_guarded_action(
        web: tuple[FastAPI, str]) -> None:
    """A new console form that writes around the services (no guarded action) fails here."""
    missing = []
    for info, endpoint in _endpoints(web[0]):
        if not set(info.methods) & set(UNSAFE) or not info.path.startswith(("/console/visits", "/console/cases",
                                                                            "/console/loans", "/console/inbox",
                                                                            "/console/consent-forms")):
            continue
        if info.path.startswith(("/console/inbox/reviews", "/console/inbox/complaints")):
            continue  # review and complaint answers are the privacy rights services (rights.manage routes)
        if not _actions_called(endpoint):
            missing.append(f"{info.methods} {info.path}")
    assert missing == [], "\n".join(missing)


def test_no_role_can_do_through_a_page_what_the_api_forbids(web: tuple[FastAPI, str]) -> None:
    """For each action reachable from a page and from the API, call every route as every role: a role a page lets
    through must be let through by at least one API route for the same action (and the action must accept it)."""
    app, url = web
    by_action: dict[str, dict[str, list[RouteInfo]]] = {}
    for info, endpoint in _endpoints(app):
        if not set(info.methods) & set(UNSAFE):
            continue
        for action in _actions_called(endpoint):
            side = "page" if endpoint.__module__.startswith(PAGE_MODULES) else "api"
            by_action.setdefault(action, {"page": [], "api": []})[side].append(info)
    both = {a: s for a, s in by_action.items() if s["page"] and s["api"]}
    assert "duecare.visits.service.schedule" in both and len(both) >= 8, sorted(both)
    failures = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for action, sides in sorted(both.items()):
            for role in ROLES:
                passed = {}
                for side, infos in sides.items():
                    passed[side] = [i.path for i in infos
                                    if not _refused(_call(client, url, role, "POST" if "POST" in i.methods
                                                          else next(m for m in i.methods if m in UNSAFE),
                                                          i.path, form=side == "page"))]
                if passed["page"] and not passed["api"]:
                    failures.append(f"{role} may {action} through {passed['page']} but no API route lets it")
                if passed["page"] and role not in {r for p in ACTIONS[action] for r in roles_for(p)}:
                    failures.append(f"{role} passes {passed['page']} but the action {action} refuses it")
    assert failures == [], "\n".join(failures)


def test_the_service_itself_refuses_a_role_outside_the_matrix() -> None:
    """Whatever calls it (a page, the API, a script), compliance cannot schedule and a borrower cannot log a call."""
    from duecare.console import casework
    from duecare.visits import service

    compliance = Actor(kind="staff", id="c1", role="compliance")

    class _NoSession:  # the check comes before any read: the session is never touched
        info: dict[str, Any] = {}

    ctx = service.Ctx(session=_NoSession(), actor=compliance, at=datetime.now(UTC),  # type: ignore[arg-type]
                      scorer=None)
    with pytest.raises(Forbidden, match="visits.schedule"):
        service.schedule(ctx, "V-1")
    borrower = Actor(kind="borrower", id="B1", role="borrower")
    with pytest.raises(Forbidden, match="contacts.write"):
        casework.log_call(_NoSession(), borrower, "B1", None, "ptp", "outbound", None,  # type: ignore[arg-type]
                          datetime.now(UTC))
    check(SYSTEM, "visits.schedule")  # the nightly batch acts as the system actor
    check(Actor(kind="staff", id="s1", role="supervisor"), "visits.schedule")


def test_an_action_with_an_unknown_permission_fails_at_import() -> None:
    with pytest.raises(KeyError, match="unknown permission"):
        guarded("visits.teleport")
