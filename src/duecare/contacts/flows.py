"""Every status change of a contact task passes through `transition`; a change it does not list raises."""

from __future__ import annotations

from duecare.contacts.models import TaskStatus as S
from duecare.kit.errors import TransitionError

ALLOWED: frozenset[tuple[S, S]] = frozenset({
    (S.PENDING, S.CLAIMED),     # a worker leases it
    (S.CLAIMED, S.CLAIMED),     # a lease expired and another worker took it over
    (S.CLAIMED, S.SENDING),     # the re-check passed: a delivery attempt starts
    (S.CLAIMED, S.PENDING),     # rescheduled (quiet hours, channel not configured, transient)
    (S.CLAIMED, S.SKIPPED),     # no longer decided or no longer lawful
    (S.CLAIMED, S.DEAD),        # nothing deliverable (no usable address, too many attempts)
    (S.SENDING, S.SENDING),     # recovery: the attempt is re-tried under a new attempt id
    (S.SENDING, S.SENT),
    (S.SENDING, S.PENDING),     # the channel refused for now: retry with backoff
    (S.SENDING, S.SKIPPED),     # recovery found it was never delivered and it is no longer lawful
    (S.SENDING, S.DEAD),        # permanent refusal, or an outcome nobody can confirm
    (S.DEAD, S.PENDING),        # a person retries a dead letter
})


def transition(previous: S, new: S) -> S:
    """The new status if the table allows the change; raises TransitionError otherwise."""
    if (previous, new) not in ALLOWED:
        raise TransitionError("task_transition", f"a contact task cannot go from {previous} to {new}")
    return new
