"""The delivery worker: claim under a lease, re-check at send time, deliver once, record the outcome.

Per task, three short transactions and no lock held while the network is used:
  1. re-check (or, for a task found in `sending`, first confirm by key whether the interrupted attempt was
     delivered), then mark `sending` with a fresh attempt id (the fencing token) and commit;
  2. deliver, passing the idempotency key to the channel;
  3. record the outcome (`sent` + contact event, retry with backoff, or dead letter) only if this worker
     still holds the lease and the attempt id is still its own.

Guarantee, stated honestly: a task is delivered at least once unless it is skipped or dead-lettered with a
reason, and at most once for every channel whose provider dedupes by key (SMS gateway) or whose delivery is
local (call queue, letter files), whatever crashes. For SMTP a crash between the server's 250 and step 3 is
resolved from the server's received log by Message-ID; without such a log the task is dead-lettered as
"outcome unknown" for a person to check, never sent twice. A worker that stalls longer than its lease while
its SMTP transaction is still open can race its successor; leases are therefore well above SMTP timeouts.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Table, case, select, update
from sqlalchemy.orm import Session

from duecare.contacts import letters, validation
from duecare.contacts.adapters.base import (
    Channel,
    Confirmation,
    Delivered,
    OutboundMessage,
    PermanentError,
    TransientError,
)
from duecare.contacts.flows import transition
from duecare.contacts.models import ContactTask, Suppression, SuppressionReason, TaskStatus
from duecare.contacts.outbox import insert_ignoring_conflicts
from duecare.contacts.recheck import recheck, recheck_many
from duecare.contacts.repository import address_hash, claim, fenced, suppressed
from duecare.contacts.templates import Rendered, render
from duecare.contacts.transactional import is_transactional, settle
from duecare.contacts.transactional import render as render_transactional
from duecare.contacts.verdict import Verdict
from duecare.kit import clock as kit_clock
from duecare.kit.db import unit_of_work
from duecare.ledger.changes import note as note_changes
from duecare.ledger.models import Borrower, ContactEvent
from duecare.policy.evaluator import Policy, Scorer
from duecare.privacy.audit import Entry, record_audit, record_audits

log = logging.getLogger("duecare.contacts.worker")
MESSAGE_CHANNELS = ("sms", "email", "letter")  # those that leave a contact event when delivered
BATCH_CHANNELS = ("sms", "email")  # messages whose record is a contact event only (a letter is a notice too)
DELIVER_CHUNK = 500  # messages handed to a channel's bulk delivery at once; the lease is checked between chunks
SMALL_CHUNK = 50  # the same for a channel that does not dedupe by key (one SMTP connection per chunk)


@dataclass(frozen=True)
class WorkerConfig:
    lease_seconds: float = 60.0
    batch: int = 10
    max_attempts: int = 6
    backoff_base_s: float = 30.0
    backoff_cap_s: float = 3600.0
    idle_sleep_s: float = 1.0
    strategy: str = "standard"


@dataclass
class Stats:
    sent: int = 0
    skipped: int = 0
    rescheduled: int = 0
    retried: int = 0
    dead: int = 0
    lost_lease: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "lock"}


class Worker:
    """One worker identity; `run` drives `concurrency` threads that each claim and deliver."""

    def __init__(self, url: str | None, channels: dict[str, Channel], config: WorkerConfig = WorkerConfig(),
                 policy: Policy | None = None, scorer: Scorer | None = None,
                 clock: Callable[[], datetime] | None = None, name: str | None = None) -> None:
        self.url = url
        self.channels = channels
        self.config = config
        self.policy = policy or Policy.default(config.strategy)
        self.scorer = scorer
        self.clock = clock or kit_clock.current()  # the clock current where the worker is made (the root's)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stats = Stats()

    # --- the loop ------------------------------------------------------------------------------------------
    def run(self, once: bool = False, concurrency: int = 1, stop: threading.Event | None = None) -> Stats:
        stop = stop or threading.Event()
        threads = [threading.Thread(target=self._loop_on_clock, args=(f"{self.name}/{i}", once, stop), daemon=True)
                   for i in range(max(1, concurrency))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.stats

    def _loop_on_clock(self, owner: str, once: bool, stop: threading.Event) -> None:
        """What the services this thread calls read as now (audit times, call-queue items) is the worker's clock."""
        with kit_clock.use(self.clock):
            self._loop(owner, once, stop)

    def _loop(self, owner: str, once: bool, stop: threading.Event) -> None:
        while not stop.is_set():
            ids = self.claim(owner)
            if not ids:
                if once:
                    return
                stop.wait(self.config.idle_sleep_s)
                continue
            try:
                rest, verdicts = self.deliver_batch(ids, owner)
            except Exception:  # the batch path failed before delivering: every task goes the one-by-one way
                log.exception("batch of %d tasks failed in the worker; delivering one by one", len(ids))
                rest, verdicts = ids, {}
            for task_id in rest:
                try:
                    self.process(task_id, owner, verdicts.get(task_id))
                except Exception:  # one bad task must not stop the worker; its lease will expire
                    log.exception("task %s failed in the worker", task_id)

    def claim(self, owner: str) -> list[int]:
        with unit_of_work(self.url) as s:
            return claim(s, owner, self.clock(), timedelta(seconds=self.config.lease_seconds), self.config.batch)

    def prejudge(self, ids: list[int]) -> dict[int, Verdict]:
        """The send-time re-check for a claimed batch: one vectorised evaluation instead of one per task."""
        with unit_of_work(self.url) as s:
            tasks = list(s.scalars(select(ContactTask).where(ContactTask.id.in_(ids))))
            return recheck_many(s, tasks, self.clock(), self.policy, self.scorer)

    # --- a claimed batch at once ----------------------------------------------------------------------------
    def batchable(self, task: ContactTask) -> bool:
        """Tasks the batch path may deliver: a plain decision message on a channel that dedupes by key (an SMS
        gateway) or whose every attempt can be settled by key (SMTP with a received log).

        Such a channel makes a batch marked `sending` at once safe: whatever was not delivered when a worker
        dies is confirmed by key by its successor and sent then, never twice (an SMTP server without a received
        log could not tell, so such email is marked and sent one task at a time)."""
        channel = self.channels.get(task.channel)
        return (task.status == TaskStatus.CLAIMED and channel is not None
                and (channel.resend_is_safe or channel.confirms_by_key)
                and not channel.transactional and task.channel in BATCH_CHANNELS and not is_transactional(task))

    def deliver_batch(self, ids: list[int], owner: str) -> tuple[list[int], dict[int, Verdict]]:
        """Re-check the claimed tasks in one vectorised evaluation; deliver those that may go now on a batchable
        channel with three transactions for the whole batch (re-check + mark `sending`; deliver each; record
        every outcome, contact event and audit entry). Returns the tasks left for `process` (skips, waits,
        recovered attempts, other channels, failures before marking) and the verdicts found for them."""
        now = self.clock()
        with unit_of_work(self.url) as s:
            tasks = list(s.scalars(select(ContactTask).where(ContactTask.id.in_(ids)).order_by(ContactTask.id)))
            verdicts = recheck_many(s, tasks, now, self.policy, self.scorer)
            chosen = [t for t in tasks if verdicts[t.id].outcome == "go" and self.batchable(t)
                      and t.lease_owner == owner and t.lease_expires_at is not None and t.lease_expires_at > now]
            composed = self.compose_many(s, chosen)
            chosen = [t for t in chosen if composed[t.id][1] is None]
            attempt = uuid.uuid4().hex
            expires = now + timedelta(seconds=self.config.lease_seconds)
            marked = set(s.scalars(
                update(ContactTask).where(ContactTask.id.in_([t.id for t in chosen]),
                                          ContactTask.lease_owner == owner,
                                          ContactTask.status == TaskStatus.CLAIMED)
                .values(status=transition(TaskStatus.CLAIMED, TaskStatus.SENDING), attempt_id=attempt,
                        attempts=ContactTask.attempts + 1, updated_at=now, lease_expires_at=expires)
                .returning(ContactTask.id).execution_options(synchronize_session=False))) if chosen else set()
            messages = {t.id: (t, composed[t.id][0]) for t in chosen if t.id in marked}
        by_channel: dict[str, list[tuple[ContactTask, OutboundMessage]]] = {}
        for task, message in messages.values():
            assert message is not None
            by_channel.setdefault(task.channel, []).append((task, message))
        for channel, pairs in by_channel.items():
            # A channel that does not dedupe (SMTP) takes small chunks, and none once half the lease is gone: a
            # successor must never find a message of ours still in flight (it confirms by key, then sends).
            size, margin = (DELIVER_CHUNK, timedelta(0)) if self.channels[channel].resend_is_safe else \
                (SMALL_CHUNK, timedelta(seconds=self.config.lease_seconds / 2))
            for i in range(0, len(pairs), size):
                if self.clock() + margin >= expires:  # the lease ran out: the successor confirms the rest by key
                    break
                chunk = pairs[i:i + size]
                results = self.channels[channel].deliver_many([m for _, m in chunk])
                delivered: list[tuple[ContactTask, Delivered]] = []
                for (task, message), result in zip(chunk, results, strict=True):
                    if isinstance(result, Delivered):
                        delivered.append((task, result))
                    elif isinstance(result, (TransientError, PermanentError)):
                        self._failed(task.id, owner, attempt, message, result)
                    else:  # a DeliveryError of neither kind: retry it, it may have been taken
                        self._failed(task.id, owner, attempt, message, TransientError(result.reason, ambiguous=True))
                self._sent_many(owner, attempt, delivered)  # each chunk recorded as soon as it is delivered
        return [i for i in ids if i not in messages], verdicts

    def compose_many(self, s: Session, tasks: list[ContactTask]) -> dict[int, tuple[OutboundMessage | None,
                                                                                    str | None]]:
        """`compose` for many tasks: their borrowers and suppressed addresses read in one query each."""
        wanted = list({t.borrower_id for t in tasks})
        borrowers = {b.id: b for b in s.scalars(select(Borrower).where(Borrower.id.in_(wanted)))} if wanted else {}
        addresses: dict[str, set[str]] = {}
        for t in tasks:
            b = borrowers.get(t.borrower_id)
            if b is not None and t.channel == "sms":
                addresses.setdefault("sms", set()).update(b.phones)
            elif b is not None and t.channel == "email" and b.email:
                addresses.setdefault("email", set()).add(b.email)
        blocked = {channel: suppressed(s, channel, sorted(found)) for channel, found in addresses.items()}
        return {t.id: self.compose(s, t, blocked.get(t.channel, set())) for t in tasks}

    def _sent_many(self, owner: str, attempt: str, delivered: list[tuple[ContactTask, Delivered]]) -> None:
        """Record a batch's deliveries in one transaction: `sent` where the attempt is still ours, a contact
        event each, one audit entry each under one take of the chain's lock."""
        if not delivered:
            return
        now = self.clock()
        refs = {t.id: r.provider_ref[:128] for t, r in delivered}
        again = [t.id for t, r in delivered if r.duplicate]
        with unit_of_work(self.url) as s:
            done = set(s.scalars(
                update(ContactTask).where(ContactTask.id.in_(list(refs)), ContactTask.lease_owner == owner,
                                          ContactTask.attempt_id == attempt)
                .values(status=transition(TaskStatus.SENDING, TaskStatus.SENT),
                        provider_ref=case(refs, value=ContactTask.id), sent_at=now, lease_owner=None,
                        lease_expires_at=None, updated_at=now,
                        reason=case((ContactTask.id.in_(again), "delivered again by key"), else_=None))
                .returning(ContactTask.id).execution_options(synchronize_session=False)))
            kept = [t for t, _ in delivered if t.id in done]
            events: Table = ContactEvent.__table__  # type: ignore[assignment]
            insert_ignoring_conflicts(s, events, [
                {"id": f"outbox-{t.id}", "borrower_id": t.borrower_id, "loan_id": t.loan_id, "at": now,
                 "channel": t.channel, "direction": "outbound", "outcome": "delivered"} for t in kept], events.c.id)
            note_changes(s, {t.borrower_id for t in kept})  # the ORM's change log does not see Core rows
            # the audit chain's append lock is taken last, so it is held only for the audit rows and the commit
            record_audits(s, [Entry(actor="system:outbox", action="contact_sent", subject=f"borrower:{t.borrower_id}",
                                    rule_id=t.policy_version, trace_id=t.idempotency_key,
                                    after={"task": t.id, "channel": t.channel, "action": t.action})
                              for t in kept], at=now)
        with self.stats.lock:
            self.stats.sent += len(done)
            self.stats.lost_lease += len(delivered) - len(done)

    # --- one task ------------------------------------------------------------------------------------------
    def process(self, task_id: int, owner: str, verdict: Verdict | None = None) -> str:
        """Deliver one leased task; returns the status it ended in (or `lost` if the lease was taken over)."""
        with unit_of_work(self.url) as s:
            task = s.get(ContactTask, task_id)
            if (task is None or task.lease_owner != owner or task.lease_expires_at is None
                    or task.lease_expires_at <= self.clock()):
                self.stats.add("lost_lease")
                return "lost"
            channel = self.channels.get(task.channel)
            if channel is None:
                return self._retry(s, task, owner, None, TransientError(f"channel {task.channel} not configured"))
            message, problem = self.compose(s, task)
            if task.status == TaskStatus.SENDING:
                settled = self._recover(s, task, owner, channel, message)
                if settled is not None:
                    return settled
            verdict = verdict or recheck(s, task, self.clock(), self.policy, self.scorer)
            if verdict.outcome == "go" and not is_transactional(task):
                verdict = letters.verdict(s, task, self.clock()) or verdict  # a letter sent since the batch check
            if verdict.outcome == "skip":
                return self._close(s, task, owner, None, TaskStatus.SKIPPED, verdict.reason, "skipped")
            if verdict.outcome == "later":
                assert verdict.not_before is not None
                return self._pending(s, task, owner, None, verdict.not_before, verdict.reason, "rescheduled")
            if problem is not None:
                status = TaskStatus.SKIPPED if problem.startswith("opted out") else TaskStatus.DEAD
                return self._close(s, task, owner, None, status, problem, status.value)
            assert message is not None
            attempt = uuid.uuid4().hex
            if not fenced(s, task.id, owner=owner, status=transition(task.status, TaskStatus.SENDING),
                          attempt_id=attempt, attempts=task.attempts + 1, updated_at=self.clock(),
                          lease_expires_at=self.clock() + timedelta(seconds=self.config.lease_seconds)):
                self.stats.add("lost_lease")
                return "lost"
        if channel.transactional:
            with unit_of_work(self.url) as s:
                task = s.get_one(ContactTask, task_id)
                try:
                    result = channel.deliver(message, s)
                except (TransientError, PermanentError) as exc:
                    s.rollback()
                    return self._failed(task_id, owner, attempt, message, exc)
                return self._sent(s, task, owner, attempt, result, message)
        try:
            result = channel.deliver(message, None)  # type: ignore[arg-type]
        except (TransientError, PermanentError) as exc:
            return self._failed(task_id, owner, attempt, message, exc)
        with unit_of_work(self.url) as s:
            return self._sent(s, s.get_one(ContactTask, task_id), owner, attempt, result, message)

    def compose(self, s: Session, task: ContactTask,
                blocked_here: set[str] | None = None) -> tuple[OutboundMessage | None, str | None]:
        """The message for the borrower's own address on this channel, or why there is none (`blocked_here`:
        the suppressed addresses when the caller read them already)."""
        b = s.get(Borrower, task.borrower_id)
        if b is None:
            return None, "borrower no longer in the store"
        pack = task.pack or str(b.jurisdiction)
        base = {"task_id": task.id, "key": task.idempotency_key, "channel": task.channel,
                "language": str(b.language), "borrower_id": b.id, "loan_id": task.loan_id or ""}
        if task.channel == "call":
            return OutboundMessage(to="", body="", **base), None  # type: ignore[arg-type]
        candidates = {"sms": b.phones, "email": [b.email] if b.email else [],
                      "letter": [b.address] if b.address else []}[task.channel]
        blocked = suppressed(s, task.channel, candidates) if blocked_here is None else \
            {a for a in candidates if a in blocked_here}
        usable = [a for a in candidates if a not in blocked]
        text: Rendered | None
        if is_transactional(task):
            text, missing = render_transactional(s, task, b)
            if text is None:
                return None, missing
        else:
            extra = validation.letter_facts(s, task, b, self.clock()) if task.action == validation.KIND else None
            text = render(pack, task.action, str(b.language), name=b.name, loan_id=task.loan_id or "", extra=extra)
        if not usable:
            message = OutboundMessage(to="", body=text.body, subject=text.subject, **base)  # type: ignore[arg-type]
            if blocked:
                return message, f"opted out or wrong party on {task.channel}"
            return message, f"no {task.channel} address on the borrower's record"
        to = f"{b.name}\n{usable[0]}" if task.channel == "letter" else usable[0]
        return OutboundMessage(to=to, body=text.body, subject=text.subject, attachment=text.attachment,
                               **base), None  # type: ignore[arg-type]

    # --- outcomes ------------------------------------------------------------------------------------------
    def _recover(self, s: Session, task: ContactTask, owner: str, channel: Channel,
                 message: OutboundMessage | None) -> str | None:
        """A task left in `sending`: settle it by key if the channel can tell; None means re-check and send."""
        probe = message or OutboundMessage(task_id=task.id, key=task.idempotency_key, channel=task.channel,
                                           to="", body="", borrower_id=task.borrower_id,
                                           loan_id=task.loan_id or "")
        state, ref = channel.confirm(probe, s)
        if state == Confirmation.DELIVERED:
            return self._sent(s, task, owner, task.attempt_id, Delivered(provider_ref=ref or "", duplicate=True),
                              message)
        if state == Confirmation.UNKNOWN:
            if channel.resend_is_safe:
                return self._retry(s, task, owner, task.attempt_id,
                                   TransientError("cannot confirm the interrupted attempt yet", ambiguous=True))
            return self._close(s, task, owner, task.attempt_id, TaskStatus.DEAD,
                               "outcome unknown after an interrupted delivery: check the provider's log for the "
                               f"key {task.idempotency_key[:16]}… before resending", "dead")
        return None

    def _sent(self, s: Session, task: ContactTask, owner: str, attempt: str | None, result: Delivered,
              message: OutboundMessage | None) -> str:
        now = self.clock()
        if not fenced(s, task.id, owner=owner, fence=attempt, status=transition(task.status, TaskStatus.SENT),
                      provider_ref=result.provider_ref[:128], sent_at=now, lease_owner=None,
                      lease_expires_at=None, reason="delivered again by key" if result.duplicate else None,
                      updated_at=now):
            s.rollback()
            self.stats.add("lost_lease")
            return "lost"
        if is_transactional(task):
            settle(s, task, TaskStatus.SENT, now)  # the kind records its own outcome (a sign-in code: none)
        elif task.channel in MESSAGE_CHANNELS and s.get(ContactEvent, f"outbox-{task.id}") is None:
            s.add(ContactEvent(id=f"outbox-{task.id}", borrower_id=task.borrower_id, loan_id=task.loan_id, at=now,
                               channel=task.channel, direction="outbound", outcome="delivered"))
        if task.channel == letters.CHANNEL and not is_transactional(task):
            sent = message or self.compose(s, task)[0]  # every letter is a notice record, with its text
            b = s.get(Borrower, task.borrower_id)
            letters.record_sent(s, task, now, str(b.language) if b else "", sent.subject if sent else "",
                                sent.body if sent else "")
        record_audit(s, actor="system:outbox", action="contact_sent", subject=f"borrower:{task.borrower_id}",
                     rule_id=task.policy_version, trace_id=task.idempotency_key,
                     after={"task": task.id, "channel": task.channel, "action": task.action})
        self.stats.add("sent")
        return TaskStatus.SENT.value

    def _close(self, s: Session, task: ContactTask, owner: str, attempt: str | None, status: TaskStatus,
               reason: str, stat: str) -> str:
        now = self.clock()
        if not fenced(s, task.id, owner=owner, fence=attempt, status=transition(task.status, status),
                      reason=reason[:500], lease_owner=None, lease_expires_at=None, updated_at=now):
            s.rollback()
            self.stats.add("lost_lease")
            return "lost"
        if is_transactional(task):
            settle(s, task, status, now)
        record_audit(s, actor="system:outbox", action=f"contact_{status.value}",
                     subject=f"borrower:{task.borrower_id}", rule_id=task.policy_version,
                     trace_id=task.idempotency_key, after={"task": task.id, "reason": reason})
        log.info("task %s %s: %s", task.id, status.value, reason)
        self.stats.add(stat)
        return status.value

    def _pending(self, s: Session, task: ContactTask, owner: str, attempt: str | None, when: datetime,
                 reason: str, stat: str, attempts: int | None = None) -> str:
        now = self.clock()
        if not fenced(s, task.id, owner=owner, fence=attempt, status=transition(task.status, TaskStatus.PENDING),
                      next_attempt_at=when, attempt_id=None, reason=reason[:500], lease_owner=None,
                      lease_expires_at=None, updated_at=now,
                      attempts=task.attempts if attempts is None else attempts):
            s.rollback()
            self.stats.add("lost_lease")
            return "lost"
        self.stats.add(stat)
        return TaskStatus.PENDING.value

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        """Exponential backoff with ±20 % jitter; a provider's Retry-After wins when it asks for longer."""
        delay = min(self.config.backoff_cap_s, self.config.backoff_base_s * 2 ** max(attempts - 1, 0))
        delay *= random.uniform(0.8, 1.2)
        return timedelta(seconds=max(delay, retry_after or 0.0))

    def _retry(self, s: Session, task: ContactTask, owner: str, attempt: str | None, exc: TransientError) -> str:
        # A delivery attempt counted itself when it marked `sending`; a retry before delivering counts here.
        attempts = task.attempts if task.status == TaskStatus.SENDING else task.attempts + 1
        if attempts >= self.config.max_attempts:
            return self._close(s, task, owner, attempt, TaskStatus.DEAD,
                               f"gave up after {attempts} attempts: {exc.reason}", "dead")
        when = self.clock() + self.backoff(max(attempts, 1), exc.retry_after)
        if exc.ambiguous and task.status == TaskStatus.SENDING:
            # It may have been delivered: stay in `sending`, so that the next owner confirms before resending.
            if not fenced(s, task.id, owner=owner, fence=attempt, lease_owner=None, lease_expires_at=when,
                          reason=f"retry: {exc.reason}"[:500], updated_at=self.clock()):
                s.rollback()
                self.stats.add("lost_lease")
                return "lost"
            self.stats.add("retried")
            return TaskStatus.SENDING.value
        return self._pending(s, task, owner, attempt, when, f"retry: {exc.reason}", "retried", attempts)

    def _failed(self, task_id: int, owner: str, attempt: str, message: OutboundMessage,
                exc: TransientError | PermanentError) -> str:
        with unit_of_work(self.url) as s:
            task = s.get_one(ContactTask, task_id)
            if isinstance(exc, TransientError):
                return self._retry(s, task, owner, attempt, exc)
            now = self.clock()
            if task.channel in MESSAGE_CHANNELS and not is_transactional(task):
                s.add(ContactEvent(id=f"outbox-{task.id}", borrower_id=task.borrower_id, loan_id=task.loan_id,
                                   at=now, channel=task.channel, direction="outbound", outcome=exc.outcome))
            if exc.outcome == "invalid" and message.to and task.channel in ("sms", "email"):
                h = address_hash(task.channel, message.to)
                if s.get(Suppression, (task.channel, h)) is None:
                    s.add(Suppression(channel=task.channel, address_hash=h, borrower_id=task.borrower_id,
                                      reason=SuppressionReason.INVALID, at=now, source="provider"))
            return self._close(s, task, owner, attempt, TaskStatus.DEAD, exc.reason, "dead")

