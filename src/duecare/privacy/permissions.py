"""The one permission matrix: permission name -> roles that hold it.

Every web route declares exactly one permission with `Depends(require("<name>"))` (privacy/deps.py).
`public` (no sign-in) and `authenticated` (any signed-in person) are the only permissions not in the matrix.
Data scope (which borrowers) is a separate query filter: privacy/scope.py.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    # strategy, policy, batch, models
    "policy.read": frozenset({"supervisor", "compliance", "analyst", "admin"}),
    "decisions.evaluate": frozenset(
        {"agent", "supervisor", "compliance", "analyst", "admin"}
    ),  # case file in
    "policy.write": frozenset({"compliance"}),  # jurisdiction packs
    "strategy.write": frozenset({"supervisor"}),  # the collections strategy manager
    "batch.run": frozenset({"supervisor", "admin"}),
    "dashboards.read": frozenset({"supervisor", "compliance", "analyst", "admin"}),
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
