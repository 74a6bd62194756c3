"""Faults under load on `duecare serve --workers 2` with PostgreSQL (issue 16 item 8): the database restarting, and a
server worker killed with SIGKILL. Real processes on loopback, a PostgreSQL cluster of the test's own.

What must hold: every write the server acknowledged (303) is in the database afterwards; while the database is
down the server answers 503 with `Retry-After` (never 500) and serves again by itself once it is back; a worker
killed mid-request is replaced and the service goes on; no write is ever half done — a case note and its audit
event, a promise and its audit event are one transaction each, so their counts stay equal whatever was cut."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from duecare.console.models import CaseNote
from duecare.kit.db import _engines, migrate, unit_of_work
from duecare.ledger.models import Borrower, Installment, Jurisdiction, Language, Loan, Promise
from duecare.privacy.audit import verify_chain
from duecare.privacy.models import AuditEvent, AuthSession
from duecare.privacy.sessions import SESSION_COOKIE, create_session, token_hash

from .pgcluster import Cluster, own_cluster, pg_bin

sys.path.insert(0, str(Path(__file__).parents[1] / "serve"))

from servers import children, serving  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL binaries not found")]

BORROWERS = ("F1", "F2", "F3", "F4")


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the borrowers' own day


def _dispose(url: str) -> None:
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with own_cluster() as c:
        yield c


def _database(cluster: Cluster) -> str:
    name = f"faults_{uuid.uuid4().hex[:8]}"
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = cluster.url(name)
    migrate(url)
    return url


def _seed(url: str) -> tuple[str, str]:
    """Four borrowers with a loan past due, and a supervisor's session: (cookie token, CSRF token)."""
    today = _today()
    with unit_of_work(url) as db:
        for bid in BORROWERS:
            b = Borrower(id=bid, name="Jane Doe", timezone="Asia/Shanghai", language=Language("en"),
                         jurisdiction=Jurisdiction("cn"), email=None, address="1 Test Road")
            b.phones = []
            db.add(b)
            db.flush()
            loan = Loan(id=f"{bid}-L1", borrower_id=bid, currency="CNY", disbursed_on=today - timedelta(days=90))
            loan.principal = 3000  # type: ignore[assignment]
            db.add(loan)
            inst = Installment(loan_id=f"{bid}-L1", seq=1, due_date=today - timedelta(days=5))
            inst.amount = 1000  # type: ignore[assignment]
            db.add(inst)
        token = create_session(db, kind="staff", subject_id="fault-supervisor", role="supervisor")
        csrf = db.get(AuthSession, token_hash(token)).csrf_token  # type: ignore[union-attr]
    _dispose(url)
    return token, csrf


class Writers:
    """Threads posting case notes (and promises) one after another, each note with a text of its own; every
    answer is kept with the time it came."""

    def __init__(self, base: str, token: str, csrf: str, threads: int = 4) -> None:
        self.base, self.token, self.csrf = base, token, csrf
        # (answered at, what, status, Retry-After, sent at): on a loaded machine an answer can arrive well after
        # the request was served, so "while the database was down" needs both moments
        self.answers: list[tuple[float, str, int, str | None, float]] = []
        self.acked: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def _run(self, i: int) -> None:
        headers = {"cookie": f"{SESSION_COOKIE}={self.token}", "x-csrf-token": self.csrf, "accept": "application/json"}
        n = 0
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as client:
            while not self.stop.is_set():
                n += 1
                bid = BORROWERS[i % len(BORROWERS)]
                if n % 4 == 0:
                    what = f"promise {bid} {n}"
                    path, data = f"/console/cases/{bid}/promises", {
                        "promised_date": (_today() + timedelta(days=3)).isoformat(), "amount": "100"}
                else:
                    what = f"note w{i}-{n}"
                    path, data = f"/console/cases/{bid}/notes", {"text": what}
                sent = time.monotonic()
                try:
                    r = client.post(path, data=data)
                    status, retry = r.status_code, r.headers.get("retry-after")
                except httpx.TransportError:  # the connection was cut (a killed worker): nothing was promised
                    status, retry = 0, None
                with self.lock:
                    self.answers.append((time.monotonic(), what, status, retry, sent))
                    if status == 303:
                        self.acked.add(what)
                if status == 503:
                    time.sleep(0.2)  # a client that honours the hint would wait longer; keep the test short

    def statuses(self, since: float = 0.0) -> list[int]:
        with self.lock:
            return [s for t, _, s, _, _ in self.answers if t >= since]

    def wait_for(self, count: int, since: float, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.statuses(since)) < count:
            time.sleep(0.05)


def _stored(url: str) -> tuple[set[str], int, int, int, int]:
    """(note texts, notes, note audit events, promises, promise audit events) in the database."""
    with unit_of_work(url) as db:
        notes = {n.text for n in db.scalars(select(CaseNote).where(CaseNote.kind == "note"))}
        n_notes = db.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.kind == "note")) or 0
        n_promises = db.scalar(select(func.count()).select_from(Promise)) or 0

        def audited(action: str) -> int:
            return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0

        result = notes, n_notes, audited("note_added"), n_promises, audited("promise_recorded")
    _dispose(url)
    return result


def _server_errors(log: Path) -> str:
    """The server's logged unhandled errors (with their traces), for the failure message."""
    text = log.read_text(errors="replace") if log.exists() else ""
    at = text.find("unhandled error")
    return text[at:at + 4000] if at >= 0 else text[-2000:]


def _chain_intact(url: str) -> None:
    with unit_of_work(url) as db:
        count, problem = verify_chain(db)
    _dispose(url)
    assert problem is None and count > 0, problem


def test_postgresql_restarting_under_load_loses_no_acknowledged_write_and_the_server_recovers(
        cluster: Cluster, tmp_path: Path) -> None:
    url = _database(cluster)
    token, csrf = _seed(url)
    env: dict[str, str] = {}  # the test's own data dir (its key ring) and audit checkpoint file
    with serving(url, "--workers", "2", env=env, timeout_s=300, log=tmp_path / "serve.log") as (base, proc), Writers(base, token, csrf) as writers:
        writers.wait_for(40, 0.0)
        cluster.stop("fast")  # every open session is ended: requests in flight lose their transaction
        down = time.monotonic()
        writers.wait_for(20, down)
        time.sleep(1.0)
        restarting = time.monotonic()  # answers after this may come from the database already back: pg_ctl
        cluster.start()                # notices it is up only at its next poll
        back = time.monotonic()
        writers.wait_for(60, back)
        # once it is back, the server serves again by itself: the last answers are all acknowledgements
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and writers.statuses(back)[-20:].count(303) < 20:
            time.sleep(0.2)
        assert proc.poll() is None, "the server died with the database"
    answers = writers.answers
    while_down = [(s, r) for t, _, s, r, sent in answers if down + 0.5 <= sent and t < restarting]
    after = writers.statuses(back)
    assert {s for _, _, s, _, _ in answers} <= {303, 503}, _server_errors(tmp_path / "serve.log")  # never 500
    wrong = [(s, r) for s, r in while_down if not (s == 503 and r is not None and int(r) > 0)]
    assert while_down and not wrong, (len(while_down), wrong[:5])
    assert after[-20:] == [303] * 20, after[-40:]
    notes, n_notes, note_events, n_promises, promise_events = _stored(url)
    acked_notes = {w for w in writers.acked if w.startswith("note ")}
    acked_promises = sum(1 for _, w, s, _, _ in answers if s == 303 and w.startswith("promise "))
    assert acked_notes <= notes, sorted(acked_notes - notes)[:5]  # every acknowledged note was committed
    assert n_promises >= acked_promises > 0
    assert (n_notes, n_promises) == (note_events, promise_events)  # never a note or promise without its audit
    _chain_intact(url)


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes (the multiprocessing resource tracker, also a child, is left out)."""
    found = []
    for child in children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            found.append(child)
    return found


def test_a_worker_killed_mid_request_is_replaced_and_no_write_is_half_done(
        cluster: Cluster, tmp_path: Path) -> None:
    url = _database(cluster)
    token, csrf = _seed(url)
    env: dict[str, str] = {}  # the test's own data dir (its key ring) and audit checkpoint file
    with serving(url, "--workers", "2", env=env, timeout_s=300, log=tmp_path / "serve.log") as (base, proc), Writers(base, token, csrf, threads=6) as writers:
        writers.wait_for(40, 0.0)
        before = _workers(proc.pid)
        assert len(before) == 2, before
        os.kill(before[0], signal.SIGKILL)  # with six writers busy, it is cut in the middle of requests
        killed = time.monotonic()
        deadline = killed + 60
        while time.monotonic() < deadline and not (len(_workers(proc.pid)) == 2 and before[0] not in
                                                    _workers(proc.pid)):
            time.sleep(0.2)
        after_workers = _workers(proc.pid)
        assert len(after_workers) == 2 and before[0] not in after_workers, (before, after_workers)
        replaced = time.monotonic()
        writers.wait_for(60, replaced)
        while time.monotonic() < deadline and writers.statuses(replaced)[-30:].count(303) < 30:
            time.sleep(0.2)
        assert proc.poll() is None
    statuses = [s for _, _, s, _, _ in writers.answers]
    assert set(statuses) <= {303, 0, 503}, _server_errors(tmp_path / "serve.log")  # a cut connection, never 500
    assert writers.statuses(replaced)[-30:] == [303] * 30
    notes, n_notes, note_events, n_promises, promise_events = _stored(url)
    assert {w for w in writers.acked if w.startswith("note ")} <= notes
    assert (n_notes, n_promises) == (note_events, promise_events)  # the cut requests left nothing half written
    _chain_intact(url)
    assert make_url(url).database  # the test's own database, on its own cluster
