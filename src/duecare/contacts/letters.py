"""Letters are notices: each delivered letter leaves a notice record (and its text), one per purpose while a
live one exists, and no more letters per borrower than the pack's `letter_cap` rule allows.

Three places apply it, so no path produces a second letter:
- `admit` filters the letter tasks of a batch before they are inserted (vectorised over the batch): a loan
  with a live notice of the same purpose, or an open letter task for it, gets no new task; a borrower gets no
  more new letters than the cap leaves room for in its window (letters sent + letters waiting);
- `verdict` re-checks one letter at send time (two tasks made before either was sent: the second is skipped);
- `record_sent` writes the notice record and the letter's text when the letter is delivered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duecare.contacts.models import ContactTask, LetterText, TaskStatus
from duecare.contacts.verdict import Verdict
from duecare.ledger.models import Notice
from duecare.policy.loader import Rule, load_pack

CHANNEL = "letter"
OPEN = (TaskStatus.PENDING, TaskStatus.CLAIMED, TaskStatus.SENDING)
CHUNK = 5_000


@dataclass(frozen=True)
class LetterCap:
    rule: str
    source: str
    max: int
    days: int
    live_days: dict[str, int]

    def live_for(self, kind: str) -> timedelta:
        """How long a letter of this purpose stays live (unlisted purposes: the cap's window)."""
        return timedelta(days=self.live_days.get(kind, self.days))

    @property
    def longest(self) -> timedelta:
        return timedelta(days=max([self.days, *self.live_days.values()]))


def cap_of(pack: str) -> LetterCap:
    """The pack's letter cap (every pack must carry one: letters are never unlimited)."""
    rules: list[Rule] = load_pack(pack).rules_of("letter_cap")
    if not rules:
        raise LookupError(f"pack {pack} has no letter_cap rule")
    r = rules[0]
    return LetterCap(r.id, r.source, int(r.params["max"]), int(r.params["days"]),
                     {k: int(v) for k, v in r.params["live_days"].items()})


def notice_id_of(task_id: int) -> str:
    return f"letter-{task_id}"


def _in_chunks(session: Session, stmt_of: object, ids: list[str]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i in range(0, len(ids), CHUNK):
        rows += [tuple(r) for r in session.execute(stmt_of(ids[i:i + CHUNK]))]  # type: ignore[operator]
    return rows


def _history(session: Session, borrower_ids: list[str], since: datetime) -> pl.DataFrame:
    """Letters already out or waiting for these borrowers: notices sent since `since` and open letter tasks."""
    sent = _in_chunks(session, lambda part: select(Notice.borrower_id, Notice.loan_id, Notice.kind, Notice.sent_at)
                      .where(Notice.borrower_id.in_(part), Notice.sent_at > since), borrower_ids)
    waiting = _in_chunks(session, lambda part: select(
        ContactTask.borrower_id, ContactTask.loan_id, ContactTask.action, ContactTask.created_at).where(
        ContactTask.borrower_id.in_(part), ContactTask.channel == CHANNEL, ContactTask.status.in_(OPEN)),
        borrower_ids)
    schema = {"borrower_id": pl.String(), "loan_id": pl.String(), "kind": pl.String(),
              "at": pl.Datetime("us", "UTC"), "is_notice": pl.Boolean()}
    rows = [(*r, True) for r in sent] + [(*r, False) for r in waiting]
    return pl.DataFrame(rows, schema=schema, orient="row")


def admit(session: Session, tasks: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a batch's tasks (columns borrower_id, loan_id, action, pack, task_channel, not_before) into
    (kept, refused); refused rows carry `letter_refusal` (the rule and why). Non-letter rows are always kept."""
    is_letter = (pl.col("task_channel") == CHANNEL) & pl.col("pack").is_not_null()
    letters, others = tasks.filter(is_letter), tasks.filter(~is_letter)
    if not letters.height:
        return tasks, tasks.clear().with_columns(letter_refusal=pl.lit(None, pl.String))
    caps = {p: cap_of(p) for p in letters["pack"].unique().to_list()}
    hist = _history(session, letters["borrower_id"].unique().to_list(), now - max(c.longest for c in caps.values()))
    per_purpose = pl.DataFrame(
        [(p, a, c.rule, c.max, c.days * 86_400, c.live_for(a).total_seconds())
         for p, c in caps.items() for a in letters["action"].unique().to_list()],
        schema={"pack": pl.String(), "action": pl.String(), "cap_rule": pl.String(), "cap_max": pl.Int64(),
                "cap_s": pl.Int64(), "live_s": pl.Float64()}, orient="row")
    framed = letters.join(per_purpose, on=["pack", "action"], how="left")
    age = (pl.lit(now, pl.Datetime("us", "UTC")) - pl.col("at")).dt.total_seconds()
    # a live letter of this purpose for this loan: a notice inside its live period, or a task still waiting
    live = framed.select("borrower_id", "loan_id", "action", "live_s").join(
        hist.rename({"kind": "action"}), on=["borrower_id", "loan_id", "action"], how="inner").filter(
        ~pl.col("is_notice") | (age < pl.col("live_s"))).select("loan_id", "action").unique()
    # the cap: letters sent inside the window or waiting, per borrower; then this batch's, oldest first
    window = framed.select("borrower_id", "cap_s").unique("borrower_id").join(hist, on="borrower_id").filter(
        ~pl.col("is_notice") | (age < pl.col("cap_s"))).group_by("borrower_id").agg(already=pl.len())
    framed = (framed.join(live.with_columns(dup=pl.lit(True)), on=["loan_id", "action"], how="left")
              .join(window, on="borrower_id", how="left")
              .with_columns(pl.col("dup").fill_null(False), pl.col("already").fill_null(0).cast(pl.Int64))
              .sort("not_before", "loan_id")
              .with_columns(rank=pl.int_range(1, pl.len() + 1).over("borrower_id", "dup")))
    framed = framed.with_columns(letter_refusal=pl.when(pl.col("dup")).then(
        pl.concat_str(pl.col("cap_rule"), pl.lit(": a live letter of this purpose exists"))).when(
        pl.col("already") + pl.col("rank") > pl.col("cap_max")).then(
        pl.concat_str(pl.col("cap_rule"), pl.lit(": letter cap reached"))).otherwise(None))
    kept = framed.filter(pl.col("letter_refusal").is_null()).select(others.columns)
    refused = framed.filter(pl.col("letter_refusal").is_not_null()).select(*others.columns, "letter_refusal")
    return pl.concat([others, kept], how="vertical"), refused


def verdict(session: Session, task: ContactTask, now: datetime) -> Verdict | None:
    """At send time: skip a letter whose purpose already has a live notice, or that the cap no longer allows."""
    if task.channel != CHANNEL or not task.pack:
        return None
    cap = cap_of(task.pack)
    live = session.scalar(select(Notice.id).where(
        Notice.borrower_id == task.borrower_id, Notice.loan_id == task.loan_id, Notice.kind == task.action,
        Notice.sent_at > now - cap.live_for(task.action)))
    if live is not None:
        return Verdict("skip", f"{cap.rule}: notice {live} of this purpose is still live")
    # every notice is a letter (the visit workflow posts its notice too)
    sent = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.borrower_id == task.borrower_id, Notice.sent_at > now - timedelta(days=cap.days))) or 0
    if sent >= cap.max:
        return Verdict("skip", f"{cap.rule}: {sent} letters in {cap.days} days (cap {cap.max})")
    return None


def record_sent(session: Session, task: ContactTask, now: datetime, language: str, subject: str,
                body: str) -> str:
    """The notice record of a delivered letter and its text (once per task); returns the notice id."""
    notice_id = notice_id_of(task.id)
    if session.get(Notice, notice_id) is None:
        digest = hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()
        session.add(Notice(id=notice_id, borrower_id=task.borrower_id, loan_id=task.loan_id, kind=task.action,
                           sent_at=now, version_hash=digest))
        session.flush()
        session.add(LetterText(notice_id=notice_id, task_id=task.id, language=language, subject=subject,
                               body=body, created_at=now))
    return notice_id
