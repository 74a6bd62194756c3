"""Crash safety: SIGKILL a worker mid-delivery, kill the enqueue mid-run, run three workers at once.

The SMTP server and the SMS gateway are real local servers; the workers are separate `duecare worker`
processes. After every scenario each task was received exactly once by its server.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from contacts_helpers import (
    DUECARE,
    add_borrower,
    decisions_for,
    email_strategy,
    enqueue,
    start_worker,
    worker_env,
    zone_at_local_hour,
)
from sqlalchemy import func, select

from duecare.contacts.models import ContactTask, DecisionRecord, TaskStatus
from duecare.kit.db import unit_of_work
from duecare.policy.evaluator import Policy

pytestmark = pytest.mark.slow


def _wait(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _seed(url: str, tmp_path: Path, sms: int, email: int) -> str:
    zone = zone_at_local_hour(13)
    ids = []
    with unit_of_work(url) as s:
        for i in range(sms):
            add_borrower(s, f"S{i:03d}", zone, dpd=2, phone=f"1380000{i:04d}")
            ids.append(f"S{i:03d}")
        for i in range(email):
            add_borrower(s, f"E{i:03d}", zone, dpd=2, jurisdiction="us", language="en", risk_band="low",
                         email=f"e{i}@example.com")
            ids.append(f"E{i:03d}")
    strategy = email_strategy(tmp_path)
    enqueue(url, decisions_for(url, ids, Policy.default(strategy)))
    return strategy


def _statuses(url: str) -> dict[str, int]:
    with unit_of_work(url) as s:
        return {str(k): int(v) for k, v in s.execute(select(ContactTask.status, func.count())
                                                     .group_by(ContactTask.status))}


def _keys(url: str, channel: str) -> set[str]:
    with unit_of_work(url) as s:
        return set(s.scalars(select(ContactTask.idempotency_key).where(ContactTask.channel == channel)))


def _env(url: str, gateway_url: str, smtp: tuple[str, int, object], log: Path) -> dict[str, str]:
    host, port, _ = smtp
    return worker_env(url, DUECARE_SMS_GATEWAY_URL=gateway_url, DUECARE_SMTP_HOST=host,
                      DUECARE_SMTP_PORT=str(port), DUECARE_SMTP_RECEIVED_LOG=str(log))


def test_a_worker_killed_mid_delivery_is_taken_over_and_nothing_is_sent_twice(
        db_url: str, tmp_path: Path, gateway, smtp) -> None:
    gw_url, gw = gateway
    _, _, mail = smtp
    strategy = _seed(db_url, tmp_path, sms=2, email=1)
    env = _env(db_url, gw_url, smtp, tmp_path / "smtp-received.log")
    args = ("--lease-seconds", "2", "--backoff", "0", "--strategy", strategy)

    # 1. The whole claimed batch is marked `sending` at once (the gateway dedupes by key; the SMTP server's received
    #    log settles each email by Message-ID). Both servers hold their answer after taking a message: the first
    #    message of the batch (an SMS or the email, whichever channel goes first) is taken, and the worker dies
    #    before it can commit; nothing else was handed over.
    gw.hold_after_accept_s = 30
    mail.hold_after_accept_s = 30
    w1 = start_worker(db_url, env, *args)
    _wait(lambda: len(gw.messages) + sum(mail.received.values()) == 1, "a server to take the first message")
    w1.send_signal(signal.SIGKILL)
    w1.wait()
    gw.hold_after_accept_s = 0
    assert _statuses(db_url) == {"sending": 3}

    # 2. A new worker (after the lease) confirms what was taken by key (the gateway's record, the received log),
    #    sends what was not; SMTP takes the email (if it was not taken before) and holds.
    time.sleep(2.2)
    w2 = start_worker(db_url, env, *args)
    try:
        _wait(lambda: len(gw.messages) == 2 and sum(mail.received.values()) == 1, "both SMS and the email taken")
    except AssertionError:
        w2.kill()
        raise AssertionError(f"{_statuses(db_url)}: {w2.communicate()[1].decode()[-3000:]}") from None
    w2.send_signal(signal.SIGKILL)
    w2.wait()
    mail.hold_after_accept_s = 0

    # 3. The last worker confirms by key what its predecessor could not record (the email in the server's
    #    received log) and sends nothing again.
    time.sleep(2.2)
    w3 = start_worker(db_url, env, "--once", *args)
    _, errs = w3.communicate(timeout=120)
    assert w3.returncode == 0, errs.decode()
    assert _statuses(db_url) == {"sent": 3}
    assert gw.posts == dict.fromkeys(_keys(db_url, "sms"), 1)
    assert set(mail.received.values()) == {1} and len(mail.received) == 1
    assert f"<{next(iter(_keys(db_url, 'email')))}@outbox.duecare>" in mail.received


def test_an_enqueue_killed_at_any_moment_and_rerun_leaves_each_task_once(sqlite_url: str, tmp_path: Path) -> None:
    zone = zone_at_local_hour(13)
    n = 120
    with unit_of_work(sqlite_url) as s:
        for i in range(n):
            add_borrower(s, f"K{i:03d}", zone, dpd=2 if i % 2 else 10)
    decisions = decisions_for(sqlite_url, [f"K{i:03d}" for i in range(n)], Policy.default())
    path = tmp_path / "decisions.parquet"
    decisions.write_parquet(path)
    env = worker_env(sqlite_url)
    cmd = [DUECARE, "outbox", "enqueue", "--decisions", str(path), "--run-id", "nightly-1"]
    for delay in (0.3, 1.0, 1.8, 2.6):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
    runs = [subprocess.run(cmd, env=env, capture_output=True, text=True, check=True) for _ in range(2)]
    last = json.loads(runs[-1].stdout)
    assert last["tasks_created"] == 0 and last["decisions_recorded"] == 0
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(ContactTask)) == n
        assert s.scalar(select(func.count()).select_from(DecisionRecord)) == n
        assert s.scalar(select(func.count(func.distinct(ContactTask.loan_id)))) == n


@pytest.mark.postgres
def test_three_workers_at_once_deliver_every_task_exactly_once(pg_url: str, tmp_path: Path, gateway, smtp) -> None:
    gw_url, gw = gateway
    _, _, mail = smtp
    strategy = _seed(pg_url, tmp_path, sms=24, email=12)
    env = _env(pg_url, gw_url, smtp, tmp_path / "smtp-received.log")
    workers = [start_worker(pg_url, env, "--once", "--concurrency", "2", "--batch", "2", "--strategy", strategy)
               for _ in range(3)]
    outputs = [w.communicate(timeout=180) for w in workers]
    assert all(w.returncode == 0 for w in workers), [e.decode()[-500:] for _, e in outputs]
    sent = [json.loads(o.decode().strip().splitlines()[-1])["sent"] for o, _ in outputs]
    assert sum(sent) == 36
    assert _statuses(pg_url) == {"sent": 36}
    assert gw.posts == dict.fromkeys(_keys(pg_url, "sms"), 1)
    assert len(mail.received) == 12 and set(mail.received.values()) == {1}
    with unit_of_work(pg_url) as s:
        assert s.scalar(select(func.count()).select_from(ContactTask)
                        .where(ContactTask.status == TaskStatus.SENT, ContactTask.attempts == 1)) == 36
