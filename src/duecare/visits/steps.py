"""What every workflow step does before it acts: lock, check the table, and check the gate for this step.

A step is refused while the gate is closed for it, instead of being accepted and undone later:
- if the facts close the gate as a standing condition (a hold, a withdrawal, reachability, an expired
  notice, …), the re-check acts on it at once (cancel, or `on_hold` for a temporary reason) and the step
  answers with what it did (`StepResult.stopped`; the API answers 409 `gate_closed`, and the cancellation is
  committed);
- if only a later step is missing for this one (e.g. approving while the notice period still runs), the step
  is refused with `GateClosed` (409, the unmet codes) and nothing changes.
"""

from __future__ import annotations

from typing import Any

from duecare.kit.errors import Codes, TransitionError
from duecare.kit.i18n import N_
from duecare.visits import recheck, repository
from duecare.visits.flows import actor_key, check_transition
from duecare.visits.gate import GateEvaluation
from duecare.visits.models import VisitCase
from duecare.visits.models import VisitState as S
from duecare.visits.transitions import Ctx, StepResult


class GateClosed(TransitionError):
    """The gate is closed for this step; nothing changed. `unmet` names every code that is in the way."""

    def __init__(self, unmet: list[str], step: str) -> None:
        self.unmet = unmet
        super().__init__("gate_closed", N_("the visit gate is closed for {step}: {unmet}; nothing was changed — wait "
                                           "until these conditions are met"), step=step, unmet=Codes.of("unmet", unmet))

    def extra(self) -> dict[str, Any]:
        return {"unmet": self.unmet}


def lock(ctx: Ctx, visit_id: str, to: S | None = None) -> VisitCase:
    """The visit (borrower row locked first, then the visit) with the table checked for `to`."""
    visit = repository.lock_visit(ctx.session, visit_id, ctx.actor)
    if to is not None:
        check_transition(visit.state, to, actor_key(ctx.actor.kind, ctx.actor.role))
    return visit


def check_gate(ctx: Ctx, visit: VisitCase, allowed: frozenset[str], step: str) -> tuple[GateEvaluation,
                                                                                        StepResult | None]:
    """The gate now. Returns a StepResult when the standing gate stopped the visit (the caller returns it);
    raises GateClosed when only this step's own conditions are unmet; else (gate, None): go on."""
    gate = recheck.gate_of(ctx, visit)
    change = recheck.apply(ctx, visit, gate, f"at {step} by {ctx.actor.label}")
    if change is not None and visit.state in (S.CANCELLED, S.ON_HOLD, S.DECLINED):
        return gate, StepResult(visit, gate, list(change.reasons))
    blocking = gate.stop_reasons(allowed)
    if blocking:
        raise GateClosed(blocking, step)
    return gate, None
