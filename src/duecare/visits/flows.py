"""The one transition table of a home visit. Every state change passes through `check_transition`; a pair
the table does not list raises `TransitionError`, whoever the caller is (API, CLI, batch)."""

from __future__ import annotations

from dataclasses import dataclass

from duecare.kit.errors import Codes, TransitionError
from duecare.kit.i18n import N_
from duecare.visits.models import VisitState as S

# States in which the visit has not happened yet: cancellation is possible, and the gate must still hold.
BEFORE_VISIT: frozenset[S] = frozenset({
    S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.DECLINED, S.EXPIRED, S.APPROVED, S.REJECTED, S.SCHEDULED,
    S.IN_PROGRESS, S.ON_HOLD,
})
# States in which the workflow still waits for something (open visits: one per loan at a time).
OPEN: frozenset[S] = frozenset({S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS,
                                S.ON_HOLD, S.REPORTED})
# Open visits whose gate is a standing condition: re-checked whenever the borrower's facts change.
GATED: frozenset[S] = frozenset({S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.APPROVED, S.SCHEDULED, S.IN_PROGRESS,
                                 S.ON_HOLD})
# Where an on_hold visit may resume to once its gate opens again (a lost slot is scheduled anew).
RESUMABLE: frozenset[S] = frozenset({S.PROPOSED, S.NOTICE_SENT, S.CONSENTED, S.APPROVED})
TERMINAL: frozenset[S] = frozenset({S.DECLINED, S.EXPIRED, S.REJECTED, S.REVIEWED, S.CANCELLED})


@dataclass(frozen=True)
class Transition:
    """One row of the table: the step name (audit action) and who may trigger it."""

    step: str
    by: frozenset[str]  # actor kinds/roles allowed: "staff:<role>", "borrower", "system"


_STAFF_CASE = frozenset({"staff:supervisor", "staff:compliance", "staff:agent"})
_SUPERVISOR = frozenset({"staff:supervisor", "staff:compliance"})
_CONSENT = frozenset({"borrower", "staff:supervisor", "staff:compliance", "staff:agent", "system"})
_FIELD = frozenset({"staff:field_agent"})

TABLE: dict[tuple[S, S], Transition] = {
    (S.PROPOSED, S.NOTICE_SENT): Transition("send_notice", _STAFF_CASE | {"system"}),
    (S.NOTICE_SENT, S.CONSENTED): Transition("consent", _CONSENT),
    (S.NOTICE_SENT, S.DECLINED): Transition("decline", _CONSENT),
    (S.NOTICE_SENT, S.EXPIRED): Transition("expire", _SUPERVISOR | {"system"}),
    (S.CONSENTED, S.APPROVED): Transition("approve", _SUPERVISOR),
    (S.CONSENTED, S.REJECTED): Transition("reject", _SUPERVISOR),
    (S.APPROVED, S.SCHEDULED): Transition("schedule", _SUPERVISOR | {"system"}),
    (S.SCHEDULED, S.IN_PROGRESS): Transition("check_in", _FIELD),
    (S.IN_PROGRESS, S.REPORTED): Transition("report", _FIELD),
    (S.REPORTED, S.REVIEWED): Transition("review", _SUPERVISOR),
    **{(state, S.ON_HOLD): Transition("hold", frozenset({"system"})) for state in GATED - {S.ON_HOLD, S.IN_PROGRESS}},
    **{(S.ON_HOLD, state): Transition("resume", frozenset({"system"})) for state in RESUMABLE},
    **{(state, S.CANCELLED): Transition("cancel", _CONSENT | _FIELD) for state in BEFORE_VISIT},
}


def actor_key(kind: str, role: str) -> str:
    return "borrower" if kind == "borrower" else "system" if kind == "system" else f"staff:{role}"


def check_transition(current: S, target: S, actor: str) -> Transition:
    """The table row for current → target, if `actor` may take it; otherwise TransitionError."""
    row = TABLE.get((current, target))
    if row is None:
        allowed = sorted(t.value for (f, t) in TABLE if f == current)
        states = {"state": Codes.of("visit_state", [current.value]), "target": Codes.of("visit_state", [target.value])}
        if allowed:
            raise TransitionError("transition_not_allowed", N_("a visit in state '{state}' cannot become '{target}'; "
                                                               "it can become: {allowed}"),
                                  allowed=Codes.of("visit_state", allowed), **states)
        raise TransitionError("transition_not_allowed",
                              N_("a visit in state '{state}' cannot become '{target}'; it is closed"),
**states)
    if actor not in row.by:
        raise TransitionError("actor_not_allowed", N_("{actor} may not {step} a visit"),
                              actor=actor, step=row.step)
    return row
