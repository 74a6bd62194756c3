"""Transactional tasks: messages a workflow (or the borrower) already decided on, delivered by the outbox.

The nightly decisions' tasks are re-decided at send time (`recheck.py`). A transactional task is not: the
sign-in code the borrower just asked for (`contacts/signin.py`), or a message of the home-visit workflow
(`visits/delivery.py`) whose step re-checked the visit gate itself. Each kind says, through the small
interface below, whether its task may go now (its own time rules: quiet hours for a visit notice, none for a
sign-in code), what text it carries, and what to record when the task ends. The worker and the re-check
dispatch here by the task's action and never import a workflow themselves: a workflow registers its kind
(`provide(prefix, kind)`, as `visits/delivery.py` does when imported), and whoever runs the worker imports the
workflows it delivers for (`duecare/cli.py`). A task whose action has a workflow's `prefix:` shape but no kind
registered is an error, never mistaken for a decided task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from duecare.contacts import signin
from duecare.contacts.models import ContactTask, TaskStatus
from duecare.contacts.templates import Rendered
from duecare.contacts.verdict import Verdict
from duecare.ledger.models import Borrower

# Action prefix ("visit_message:") -> the kind that serves it; filled by `provide` (contacts imports no workflow).
PROVIDERS: dict[str, Kind] = {}


class Kind(Protocol):
    """What a transactional kind tells the worker."""

    #: Why a task has nothing to send when `render` returns None (shown to staff, no personal data).
    missing: str

    def judge(self, session: Session, task: ContactTask, now: datetime) -> Verdict:
        """`go`, `later` (with the moment) or `skip`, by the kind's own rules."""

    def render(self, session: Session, task: ContactTask, borrower: Borrower) -> Rendered | None:
        """The text (and a letter's document) for the borrower's own address; None when the content is gone."""

    def settle(self, session: Session, task: ContactTask, status: TaskStatus, now: datetime) -> None:
        """Record the task's end (sent, skipped, dead) on its source, in the worker's closing transaction."""


class _SignIn:
    missing = "the sign-in code is no longer held"

    def judge(self, session: Session, task: ContactTask, now: datetime) -> Verdict:
        return signin.judge(session, task, now)

    def render(self, session: Session, task: ContactTask, borrower: Borrower) -> Rendered | None:
        return signin.render_message(session, task, str(borrower.language))

    def settle(self, session: Session, task: ContactTask, status: TaskStatus, now: datetime) -> None:
        signin.forget(session, task.id)  # a sign-in code is no contact attempt: no contact event either


SIGN_IN: Kind = _SignIn()


def kind_of(task: ContactTask) -> Kind | None:
    """The kind serving this task's action, or None for a decided (collection) task."""
    if task.action in signin.TRANSACTIONAL_ACTIONS:
        return SIGN_IN
    for prefix, kind in PROVIDERS.items():
        if task.action.startswith(prefix):
            return kind
    if ":" in task.action:  # decided actions never hold a colon; a workflow's prefix does
        raise LookupError(f"task {task.id}: no transactional kind serves action {task.action!r}; the process "
                          "running the worker must import the workflow that registers it (duecare/cli.py)")
    return None


def provide(prefix: str, kind: Kind) -> None:
    """A workflow's kind serves the tasks whose action starts with `prefix` (which must end with ':')."""
    if not prefix.endswith(":"):
        raise ValueError(f"transactional prefix {prefix!r} must end with ':'")
    PROVIDERS[prefix] = kind


def is_transactional(task: ContactTask) -> bool:
    return kind_of(task) is not None


def _kind(task: ContactTask) -> Kind:
    kind = kind_of(task)
    if kind is None:
        raise ValueError(f"task {task.id} ({task.action}) is not transactional")
    return kind


def judge(session: Session, task: ContactTask, now: datetime) -> Verdict:
    return _kind(task).judge(session, task, now)


def render(session: Session, task: ContactTask, borrower: Borrower) -> tuple[Rendered | None, str]:
    """The rendered message, and the reason to show when there is none."""
    kind = _kind(task)
    return kind.render(session, task, borrower), kind.missing


def settle(session: Session, task: ContactTask, status: TaskStatus, now: datetime) -> None:
    _kind(task).settle(session, task, status, now)
