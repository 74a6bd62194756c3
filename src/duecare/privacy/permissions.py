"""The one permission matrix: permission name -> roles that hold it.

Every web route declares exactly one permission with `Depends(require("<name>"))` (privacy/deps.py).
`public` (no sign-in) and `authenticated` (any signed-in person) are the only permissions not in the matrix.
Data scope (which borrowers) is a separate query filter: privacy/scope.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from duecare.kit import errors as kit_errors
from duecare.kit.i18n import N_

ROLES: tuple[str, ...] = ("agent", "field_agent", "supervisor", "compliance", "analyst", "admin", "borrower")
STAFF_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != "borrower")

PUBLIC = "public"
AUTHENTICATED = "authenticated"

_CASE_WORKERS = frozenset({"agent", "field_agent", "supervisor", "compliance", "admin"})

MATRIX: dict[str, frozenset[str]] = {
    # borrower self-service (portal): scope is always the signed-in borrower
    "portal.read": frozenset({"borrower"}),
    "portal.write": frozenset({"borrower"}),  # consent, questionnaire, repayment plan
    "rights.request": frozenset({"borrower"}),  # access / correction / deletion requests, own export
    "review.request": frozenset({"borrower"}),  # human review of an automated decision
    # staff case work (scope: agents and field agents see assigned borrowers only)
    "cases.read": _CASE_WORKERS,
    "contacts.write": frozenset({"agent", "supervisor"}),  # log call outcomes, promises
    # record / lift a known limit on a channel (workplace, third party objected): console/limitpages.py
    "contact_limits.write": frozenset({"agent", "supervisor", "compliance"}),
    "recordings.upload": frozenset({"agent", "supervisor"}),
    "calls.read": frozenset({"agent", "supervisor", "compliance"}),  # call analytics, QA
    "visits.read": frozenset({"field_agent", "supervisor", "compliance"}),
    "visits.report": frozenset({"field_agent"}),
    "visits.approve": frozenset({"supervisor", "compliance"}),
    "visits.propose": frozenset({"agent", "supervisor"}),  # open a visit the gate proposes
    "visits.notice": frozenset({"agent", "supervisor", "compliance"}),  # send the transparency notice
    "visits.consent.record": frozenset({"agent", "supervisor", "compliance"}),  # an answer by reply/letter
    "visits.schedule": frozenset({"supervisor"}),
    "visits.cancel": frozenset({"supervisor", "compliance"}),
    "visits.review": frozenset({"supervisor", "compliance"}),
    "visits.register": frozenset({"compliance"}),  # the compliance register export
    "consent.evidence": frozenset({"compliance"}),  # one borrower's consent evidence, in clear
    # remote alternatives to a visit (issue 17); agents: their assigned borrowers only (privacy/scope.py)
    "alternatives.verify": frozenset({"agent", "supervisor", "compliance"}),  # confirm the situation is known
    "documents.read": frozenset({"agent", "supervisor", "compliance"}),  # the borrower's uploaded proof
    "video.call": frozenset({"agent", "supervisor"}),  # hold a video/phone appointment and file its report
    # strategy, policy, batch, models
    "policy.read": frozenset({"supervisor", "compliance", "analyst", "admin"}),
    "decisions.evaluate": frozenset(
        {"agent", "supervisor", "compliance", "analyst", "admin"}
    ),  # case file in
    "policy.write": frozenset({"compliance"}),  # jurisdiction packs
    "strategy.write": frozenset({"supervisor"}),  # the collections strategy manager
    "batch.run": frozenset({"supervisor", "admin"}),
    "dashboards.read": frozenset({"supervisor", "compliance", "analyst", "admin"}),
    "simulations.read": frozenset({"supervisor", "compliance"}),  # simulate/optimise reports (console/simulations.py)
    "risk.read": frozenset({"analyst", "supervisor", "compliance"}),
    "risk.write": frozenset({"analyst"}),
    # privacy and governance
    "personal.unmasked": frozenset({"compliance"}),  # see personal fields in clear (audited)
    "audit.read": frozenset({"compliance", "admin"}),
    "rights.manage": frozenset({"compliance"}),
    "review.manage": frozenset({"supervisor", "compliance"}),
    "holds.manage": frozenset({"compliance"}),
    "assignments.manage": frozenset({"supervisor", "admin"}),
    "users.manage": frozenset({"admin"}),
    "integration.write": frozenset({"admin"}),  # ingest over REST
    # contact outbox (contacts/routes.py)
    "outbox.read": frozenset({"supervisor", "compliance", "admin"}),  # task states, dead letters and reasons
    "outbox.manage": frozenset({"supervisor", "admin"}),  # retry a dead letter
    # Provider webhooks (delivery receipts, replies): no role holds this; the caller is authenticated by an
    # HMAC signature over the body (contacts/webhooks.py), not by a session.
    "contacts.webhook": frozenset(),
    # The payment provider's confirmations: no role holds this either; HMAC-signed (payments/callback.py).
    "payments.callback": frozenset(),
    # web console (web/, console/): its start page and navigation, for every staff role
    "console.use": frozenset(STAFF_ROLES),
}


# Routes that may declare `public` (or, for non-API routes, need no declaration): fnmatch patterns over paths.
# Adding one here is a security decision: say why in the commit.
PUBLIC_ROUTES: tuple[str, ...] = (
    "/",  # landing page, no personal data
    "/healthz",
    "/lang/*",  # language switch
    "/auth/*",  # sign-in pages and posts; signed-in-only auth routes declare `authenticated`
    "/portal/signin*",
    "/console/signin*",
    "/static", "/static/*",  # our CSS/JS and vendored plotly
    "/docs", "/docs/*", "/redoc", "/openapi.json",  # the API description (no data)
    # Video call signalling (WebSocket, portal/video.py): no session of its own; a connection is admitted only
    # from this site's Origin with an HMAC join token bound to the appointment and the participant, which only
    # the call pages issue (portal.read for the borrower, video.call for staff); visits.video.admit checks it.
    "/rtc/*",
)  # fmt: skip


def roles_for(permission: str) -> frozenset[str]:
    """Roles that hold a permission; an unknown name is a programming error, not a silent deny."""
    if permission == AUTHENTICATED:
        return frozenset(ROLES)
    if permission not in MATRIX:
        raise KeyError(f"unknown permission {permission!r}: add it to privacy/permissions.py MATRIX")
    return MATRIX[permission]


def allowed(role: str, permission: str) -> bool:
    return permission == PUBLIC or role in roles_for(permission)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member (id = staff id) or a borrower (id = borrower id)."""

    kind: str  # staff | borrower | system
    id: str
    role: str

    @property
    def label(self) -> str:
        """How the actor appears in the audit trail."""
        return f"{self.kind}:{self.id}"

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)


SYSTEM = Actor(kind="system", id="duecare", role="admin")


class Forbidden(kit_errors.Forbidden, PermissionError):
    """A service refused an actor whose role holds none of the permissions the action needs (403)."""

    def __init__(self, actor: Actor, permissions: tuple[str, ...]) -> None:
        self.permissions = permissions
        super().__init__(N_("your role may not {permission}"), permission=" or ".join(permissions))


def check(actor: Actor, *permissions: str) -> None:
    """Raise Forbidden unless the actor holds one of the permissions (the system actor always may)."""
    if actor.kind == "system":
        return
    if not any(allowed(actor.role, p) for p in permissions):
        raise Forbidden(actor, permissions)


P = ParamSpec("P")
R = TypeVar("R")

ACTIONS: dict[str, tuple[str, ...]] = {}
"""Every guarded service action ("module.function") -> the permissions any one of which lets an actor do it.
Routes, console forms and portal forms all reach state changes through these functions, so the matrix
above is checked once more where the change happens, whatever page or API called it."""


def _actor_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Actor:
    for value in (*args[:2], kwargs.get("ctx"), kwargs.get("actor")):
        if isinstance(value, Actor):
            return value
        found = getattr(value, "actor", None)
        if isinstance(found, Actor):
            return found
    raise TypeError("a guarded action takes (ctx, ...) with ctx.actor, or (session, actor, ...)")


def guarded(*permissions: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service action: the actor (ctx.actor, or the Actor argument) must hold one of `permissions`."""
    for name in permissions:
        roles_for(name)  # an unknown name fails at import time

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        ACTIONS[f"{fn.__module__}.{fn.__qualname__}"] = permissions

        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            check(_actor_in(args, kwargs), *permissions)
            return fn(*args, **kwargs)

        inner.__dict__["duecare_permissions"] = permissions
        return inner

    return wrap


def permissions_of(fn: object) -> tuple[str, ...] | None:
    """The permissions a guarded action needs, or None for a function that is not a guarded action."""
    found = getattr(fn, "duecare_permissions", None)
    return found if isinstance(found, tuple) else None
