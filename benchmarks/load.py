"""Load and soak on PostgreSQL with `duecare serve --workers 2` (issue 16 item 7), loopback only, bounded.

    bash scripts/with-services.sh .venv/bin/python benchmarks/load.py --server-limits # full: 50/200/500 req/s, 20 s
                                                                                      # each, + 10 min soak
    bash scripts/with-services.sh .venv/bin/python benchmarks/load.py --duration 10 --drain 60  # what docs/operations.md shows
    bash scripts/with-services.sh .venv/bin/python benchmarks/load.py --rates 20 --duration 5 --soak-minutes 0

What it does, all on 127.0.0.1:
1. a new database on the PostgreSQL of DUECARE_TEST_PG_URL (scripts/with-services.sh starts a throwaway cluster);
2. the demo data set loaded into it (`duecare demo --no-serve`: generate, ingest, risk train, run, demo users);
3. `duecare serve --workers 2` on a free port;
4. real sessions: rows made by privacy.sessions.create_session (what the test helpers do) for the supervisor and
   for borrowers; every request carries its session cookie explicitly in a `Cookie` header and its CSRF token in
   `X-CSRF-Token` (the client keeps no cookies of its own);
5. per profile and rate, an OPEN model: request i is due at t0 + i/rate whatever the earlier ones are doing
   (a task per arrival, not a closed loop of users), and its latency is measured from when it was due, so a
   server that falls behind shows its queueing in the figures (no coordinated omission). Requests still in flight
   are capped (`--max-in-flight`) and time out (`--timeout`): both count as errors, so every run is bounded.
   After each run the client waits (at most `--drain` s) until /healthz answers fast again: requests it gave up
   on are still queued in the server, and the next run must not inherit them (`drain s` in the table);
6. a soak: the mixed profile at `--soak-rate` for `--soak-minutes`, sampling the resident memory (RSS) of the
   server's processes (uvicorn's supervisor and its workers) every 10 s; it prints the first and last samples
   after warm-up and the growth.

The table (Markdown) gives per profile and rate the p50/p99 of the answered requests and the failures in three
columns: `503` (admission control refused the request at once: nothing was done, `Retry-After` says when to
come back), `5xx` (any other server error) and `other errors` (timeouts, transport errors, the client's own cap,
an unexpected status), with the 1/5/15-minute load averages of the machine before and after each cell.
`--server-limits` prints the limits the server runs with (in-flight requests per worker and where that figure
comes from, the database pool, Retry-After, uvicorn's limit_concurrency and backlog, the threadpool).

Why not locust: its users are closed loops (a user waits for its response before its next request), so it cannot
hold an arrival rate while the server is slow, which is what this benchmark must show. The scheduler here is a
few lines of asyncio, and the requests go through `Http1`, a lean HTTP/1.1 client over asyncio streams: httpx's
connection pool, used first, costs time per request that grows with the connections open, and at 50 req/s
and more the client itself became the queue (a py-spy profile of the client: half its samples in the pool's
bookkeeping). The client's own lag behind the schedule is printed (`lag p99`) so an overloaded client is
visible rather than hidden.

Profiles: `case` (GET /console/cases/{id} as a supervisor), `loan` (GET /portal/loans/{id} as the borrower),
`evaluate` (POST /api/v1/decisions:evaluate with examples/case-visit-schedule.json as an agent), `consent`
(POST /portal/consents/withdraw as the borrower: one consent record and audit event each), `mixed` (40 % loan,
20 % case, 25 % evaluate, 15 % consent). Before each run of `case` and `mixed`, 16 work-queue pages (GET
/console/queue as the supervisor, not counted) make each worker keep its standing decisions, as the queue agents
open cases from does all day; a case page then reads its borrower's standing rows (web/standing.py).
`--no-queue-first` leaves them out: every case page decides its borrower.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from servers import children, free_port, stop  # noqa: E402

PROFILES = ("evaluate", "consent", "loan", "case", "mixed")
QUEUE_FIRST = ("case", "mixed")  # profiles whose runs follow a few work-queue pages (--queue-first)
MIX = (("loan", 40), ("case", 20), ("evaluate", 25), ("consent", 15))


@dataclass
class Target:
    """Who and what the requests are about (chosen from the loaded demo data)."""

    base: str
    staff: tuple[str, str]  # (cookie token, csrf) of the supervisor
    agent: tuple[str, str]
    borrowers: list[tuple[str, str, str]]  # (cookie token, csrf, loan id)
    case_ids: list[str]
    case_file: bytes


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, from the due time to the full response
    refusals: list[float] = field(default_factory=list)  # the same for 503 answers (admission control's refusals)
    lags: list[float] = field(default_factory=list)  # how late the client started each request
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def counts(self) -> tuple[int, int, int]:
        """(503 refusals, other 5xx answers, every other failure: wrong status, timeout, transport, client cap)."""
        refused = self.errors.get("http 503", 0)
        server = sum(v for k, v in self.errors.items() if k.startswith("http 5") and k != "http 503")
        return refused, server, sum(self.errors.values()) - refused - server


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(round(p / 100 * (len(ordered) - 1))), len(ordered) - 1)]


def _cookie(token: str) -> str:
    from duecare.privacy.sessions import SESSION_COOKIE

    return f"{SESSION_COOKIE}={token}"


def request_for(kind: str, t: Target, rng: random.Random) -> tuple[str, str, dict[str, str], bytes | None, int]:
    """(method, path, headers, body, expected status) of one request of a profile."""
    if kind == "mixed":
        kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    if kind == "case":
        token, _ = t.staff
        return "GET", f"/console/cases/{rng.choice(t.case_ids)}", {"cookie": _cookie(token),
                                                                   "accept": "text/html"}, None, 200
    if kind == "queue":
        token, _ = t.staff
        return "GET", "/console/queue", {"cookie": _cookie(token), "accept": "text/html"}, None, 200
    if kind == "loan":
        token, _, loan = rng.choice(t.borrowers)
        return "GET", f"/portal/loans/{loan}", {"cookie": _cookie(token), "accept": "text/html"}, None, 200
    if kind == "evaluate":
        token, csrf = t.agent
        return "POST", "/api/v1/decisions:evaluate", {"cookie": _cookie(token), "x-csrf-token": csrf,
                                                      "content-type": "application/json",
                                                      "accept": "application/json"}, t.case_file, 200
    if kind == "consent":
        token, csrf, _ = rng.choice(t.borrowers)
        return "POST", "/portal/consents/withdraw", {"cookie": _cookie(token), "x-csrf-token": csrf,
                                                     "accept": "application/json"}, None, 200
    raise ValueError(kind)


class Http1:
    """A lean HTTP/1.1 client for the open model: keep-alive connections on a LIFO stack (O(1) per request).

    httpx's pool was the bottleneck at these rates: with hundreds of connections open, its pool scans every
    connection for every request (about half of the client's CPU in a py-spy profile, on a machine where the
    client shares two cores with the server), so requests waited in the client and the figures measured it.
    Here a request takes an idle connection or opens one, writes the request, reads the status line, the headers
    and a Content-Length or chunked body, and gives the connection back unless the server closes it."""

    def __init__(self, base: str, keep_idle: int = 256) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.keep_idle = keep_idle

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> int:
        """The status code; raises OSError / asyncio.IncompleteReadError / ValueError on a broken exchange."""
        head = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}", f"content-length: {len(body or b'')}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        while self.idle:  # a kept connection the server has closed meanwhile answers nothing: take the next
            reader, writer = self.idle.pop()
            try:
                return await self._exchange(reader, writer, data)
            except (OSError, asyncio.IncompleteReadError, _Closed):
                writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            return await self._exchange(reader, writer, data)
        except _Closed as exc:
            raise ConnectionResetError("the server closed the connection") from exc

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> int:
        try:
            writer.write(data)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise _Closed
            status = int(status_line.split()[1])
            length, chunked, close = 0, False, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding":
                    chunked = "chunked" in value
                elif name == "connection":
                    close = "close" in value
            if chunked:
                while True:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            elif length:
                await reader.readexactly(length)
        except BaseException:
            writer.close()  # a failed or cancelled exchange never goes back to the pool
            raise
        if close or len(self.idle) >= self.keep_idle:
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


class _Closed(Exception):
    """A kept-alive connection the server had closed."""


async def open_model(t: Target, kind: str, rate: float, duration_s: float, *, max_in_flight: int,
                     timeout_s: float, seed: int = 7) -> Result:
    """Arrivals at fixed intervals 1/rate for duration_s, each an independent task (an open model)."""
    rng = random.Random(seed)
    result = Result()
    in_flight = 0
    client = Http1(t.base)
    try:

        async def one(due: float, spec: tuple[str, str, dict[str, str], bytes | None, int]) -> None:
            nonlocal in_flight
            method, path, headers, body, expected = spec
            try:
                status = await asyncio.wait_for(client.request(method, path, headers, body), timeout_s)
                if status != expected:
                    result.error(f"http {status}")  # 503 (admission control) is counted apart
                    if status == 503:
                        result.refusals.append(time.perf_counter() - due)
                else:
                    result.latencies.append(time.perf_counter() - due)
            except TimeoutError:
                result.error("timeout")
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                result.error(type(exc).__name__)
            finally:
                in_flight -= 1

        tasks: set[asyncio.Task[None]] = set()
        n = int(rate * duration_s)
        t0 = time.perf_counter() + 0.2
        for i in range(n):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            result.lags.append(max(time.perf_counter() - due, 0.0))
            result.sent += 1
            if in_flight >= max_in_flight:
                result.error("client cap")  # the server is this far behind: counted, never queued unboundedly
                continue
            in_flight += 1
            task = asyncio.create_task(one(due, request_for(kind, t, rng)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s + 5)
        for task in list(tasks):  # still without an answer when the run ends: counted, then dropped
            task.cancel()
            result.error("unfinished")
    finally:
        client.close()
    return result


# --- set-up: database, demo data, sessions, server ---------------------------------------------------------

def _db_url(admin_url: str) -> str:
    name = f"duecare_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _env(data_dir: Path, url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "DUECARE_DATA_DIR": str(data_dir), "DUECARE_DATABASE_URL": url, "DUECARE_DEMO": "1",
            "DUECARE_DEMO_CODES": "1",
            "DUECARE_AUDIT_CHECKPOINTS": str(data_dir / "audit-checkpoints.jsonl")}


def load_demo(url: str, data_dir: Path, accounts: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "duecare.cli", "demo", "--no-serve", "--accounts", str(accounts),
                    "--dir", str(data_dir)], env=_env(data_dir, url), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def make_sessions(url: str, data_dir: Path, base: str, n_borrowers: int) -> Target:
    os.environ.update({k: v for k, v in _env(data_dir, url).items() if k.startswith("DUECARE_")})
    from duecare.kit.db import unit_of_work
    from duecare.ledger import models as m
    from duecare.privacy.models import AuthSession
    from duecare.privacy.sessions import create_session, token_hash

    def session(db: Any, kind: str, subject: str, role: str) -> tuple[str, str]:
        token = create_session(db, kind=kind, subject_id=subject, role=role)
        row = db.get(AuthSession, token_hash(token))
        return token, row.csrf_token

    with unit_of_work(url) as db:
        staff = session(db, "staff", "demo-supervisor", "supervisor")
        agent = session(db, "staff", "demo-agent", "agent")
        loans = db.execute(select(m.Loan.id, m.Loan.borrower_id).order_by(m.Loan.id)).all()
        rng = random.Random(11)
        picked = rng.sample(loans, min(n_borrowers, len(loans)))
        borrowers = []
        for loan_id, borrower_id in picked:
            token, csrf = session(db, "borrower", borrower_id, "borrower")
            borrowers.append((token, csrf, loan_id))
        case_ids = sorted({b for _, b in rng.sample(loans, min(200, len(loans)))})
    case_file = (ROOT / "examples" / "case-visit-schedule.json").read_bytes()
    return Target(base=base, staff=staff, agent=agent, borrowers=borrowers, case_ids=case_ids, case_file=case_file)


def start_server(url: str, data_dir: Path, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "duecare.cli", "serve", "--port", str(port), "--workers",
                             str(workers), "--database-url", url], env=_env(data_dir, url),
                            stdout=subprocess.DEVNULL, stderr=open(data_dir / "serve.log", "wb"),  # noqa: SIM115
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"duecare serve exited {proc.returncode}; see {data_dir / 'serve.log'}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200 and len(children(proc.pid)) >= workers:
                return base, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(proc)
    raise SystemExit("duecare serve did not answer /healthz within 120 s")


def server_rss_kib(pid: int) -> dict[int, int]:
    """Resident memory of the server process and its workers (KiB, /proc)."""
    out = {}
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[p] = int(line.split()[1])
        except OSError:
            continue
    return out


# --- runs and the table -------------------------------------------------------------------------------------

def run_table(t: Target, profiles: list[str], rates: list[float], args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for kind in profiles:
        # warm-up: each worker's first requests load templates, the policy and the risk model
        asyncio.run(open_model(t, kind, 10, 2, max_in_flight=args.max_in_flight, timeout_s=args.timeout))
        drain(t.base, args.drain)
        for rate in rates:
            if args.queue_first and kind in QUEUE_FIRST:
                # the page agents open cases from: each worker keeps its standing table (web/standing.py) for the
                # max age (60 s), longer than a run, so the case pages read their standing rows as in a working day
                # (16 arriving within 0.4 s: the first takes a whole read, so the others open connections that both
                # workers accept; a slow trickle would reuse one keep-alive connection and reach one worker only)
                asyncio.run(open_model(t, "queue", 40, 0.4, max_in_flight=args.max_in_flight, timeout_s=args.timeout))
                drain(t.base, args.drain)
            load_before = os.getloadavg()
            started = time.perf_counter()
            r = asyncio.run(open_model(t, kind, rate, args.duration, max_in_flight=args.max_in_flight,
                                       timeout_s=args.timeout))
            took = time.perf_counter() - started
            refused, server_errors, other = r.counts()
            row = {"profile": kind, "rate": rate, "sent": r.sent, "ok": len(r.latencies),
                   "errors": sum(r.errors.values()), "refused_503": refused, "errors_5xx": server_errors,
                   "errors_other": other, "error_kinds": r.errors, "p50_ms": _pct(r.latencies, 50) * 1000,
                   "p95_ms": _pct(r.latencies, 95) * 1000, "p99_ms": _pct(r.latencies, 99) * 1000,
                   "achieved_rps": len(r.latencies) / took, "lag_p99_ms": _pct(r.lags, 99) * 1000,
                   "refused_p99_ms": _pct(r.refusals, 99) * 1000, "load_before": load_before,
                   "load_after": os.getloadavg()}
            row["drain_s"] = drain(t.base, args.drain)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            time.sleep(args.pause)
    return rows


def drain(base: str, limit_s: float) -> float:
    """Wait until the server has worked off what the clients gave up on (requests that timed out on our side
    are still queued on its side): four /healthz answers in a row under 200 ms, or `limit_s`. The next run
    then starts from an idle server; the time it took is reported (`drain s`)."""
    started = time.perf_counter()
    fast = 0
    while fast < 4 and time.perf_counter() - started < limit_s:
        t0 = time.perf_counter()
        try:
            ok = httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        except httpx.HTTPError:
            ok = False
        fast = fast + 1 if ok and time.perf_counter() - t0 < 0.2 else 0
        time.sleep(0.25)
    return time.perf_counter() - started


def soak(t: Target, pid: int, minutes: float, rate: float, args: argparse.Namespace) -> dict[str, Any]:
    samples: list[tuple[float, int]] = []
    loads: list[float] = []  # the 1-minute load average at each sample
    total = Result()

    async def run() -> None:
        end = time.perf_counter() + minutes * 60
        while time.perf_counter() < end:
            samples.append((time.perf_counter(), sum(server_rss_kib(pid).values())))
            loads.append(os.getloadavg()[0])
            chunk = min(10.0, end - time.perf_counter())
            if chunk < 1:
                break
            r = await open_model(t, "mixed", rate, chunk, max_in_flight=args.max_in_flight, timeout_s=args.timeout,
                                 seed=len(samples))
            total.latencies += r.latencies
            total.sent += r.sent
            for k, v in r.errors.items():
                total.errors[k] = total.errors.get(k, 0) + v
        samples.append((time.perf_counter(), sum(server_rss_kib(pid).values())))

    per_process_start = server_rss_kib(pid)
    asyncio.run(run())
    per_process_end = server_rss_kib(pid)
    warm = samples[min(6, len(samples) - 1):]  # the first minute is warm-up (caches, pools)
    first, last = warm[0], warm[-1]
    return {"minutes": minutes, "rate": rate, "sent": total.sent, "ok": len(total.latencies),
            "errors": sum(total.errors.values()), "error_kinds": total.errors,
            "refused_503": total.counts()[0], "errors_5xx": total.counts()[1], "errors_other": total.counts()[2],
            "load1_min": min(loads, default=float("nan")), "load1_max": max(loads, default=float("nan")),
            "load1_mean": sum(loads) / len(loads) if loads else float("nan"), "load_end": os.getloadavg(),
            "p50_ms": _pct(total.latencies, 50) * 1000, "p95_ms": _pct(total.latencies, 95) * 1000,
            "p99_ms": _pct(total.latencies, 99) * 1000, "achieved_rps": len(total.latencies) / (minutes * 60),
            "rss_start_mib": samples[0][1] / 1024, "rss_after_warmup_mib": first[1] / 1024,
            "rss_end_mib": last[1] / 1024, "growth_after_warmup_mib": (last[1] - first[1]) / 1024,
            "growth_mib_per_hour": ((last[1] - first[1]) / 1024) / max((last[0] - first[0]) / 3600, 1e-9),
            "processes_start_kib": per_process_start, "processes_end_kib": per_process_end}


def probe(t: Target, profiles: list[str], n: int) -> None:
    """Requests one after another (no concurrency): the service time of each profile, and its status."""
    rng = random.Random(3)
    no_jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    with httpx.Client(base_url=t.base, cookies=no_jar, timeout=60) as client:
        for kind in profiles:
            times, codes = [], []
            for _ in range(n):
                method, path, headers, body, _expected = request_for(kind, t, rng)
                started = time.perf_counter()
                r = client.request(method, path, headers=headers, content=body)
                times.append((time.perf_counter() - started) * 1000)
                codes.append(r.status_code)
            print(f"{kind:<9} one at a time: ms {[round(x, 1) for x in times]} status {codes}", flush=True)


def _load(triple: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in triple)


def print_table(rows: list[dict[str, Any]]) -> None:
    """A Markdown table: latencies of the answered requests; 503 refusals (admission control), other 5xx and
    every other failure (timeouts, transport errors, the client's cap, an unexpected status) in their own columns."""
    print("| profile | req/s | sent | ok | p50 ms | p99 ms | 503 | 503 p99 ms | 5xx | other errors | done/s | "
          "lag p99 ms | drain s | load 1/5/15 before | after | other errors by kind |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |")
    for r in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["error_kinds"].items()) if k != "http 503") or "none"
        p50 = f"{r['p50_ms']:.0f}" if r["ok"] else "–"
        p99 = f"{r['p99_ms']:.0f}" if r["ok"] else "–"
        refused_p99 = f"{r['refused_p99_ms']:.0f}" if r["refused_503"] else "–"
        print(f"| {r['profile']} | {r['rate']:g} | {r['sent']} | {r['ok']} | {p50} | {p99} | {r['refused_503']} | "
              f"{refused_p99} | "
              f"{r['errors_5xx']} | {r['errors_other']} | {r['achieved_rps']:.1f} | {r['lag_p99_ms']:.0f} | "
              f"{r['drain_s']:.0f} | {_load(r['load_before'])} | {_load(r['load_after'])} | {kinds} |", flush=True)


def server_limits(url: str, data_dir: Path, workers: int) -> dict[str, Any]:
    """The limits `duecare serve` runs with, worked out by the code the server uses (kit.settings, the engine's
    pool, web.admission) from the environment it was started with; uvicorn's own options as serve_app sets them."""
    import inspect

    import anyio.to_thread
    import uvicorn

    from duecare.kit.db import get_engine
    from duecare.kit.settings import get_settings
    from duecare.web.admission import pool_capacity

    os.environ.update({k: v for k, v in _env(data_dir, url).items() if k.startswith("DUECARE_")})
    settings = get_settings()
    engine = get_engine(url)
    pool = engine.pool
    capacity = pool_capacity(engine)
    limit = capacity if settings.max_in_flight is None else settings.max_in_flight
    config = inspect.signature(uvicorn.Config).parameters

    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    return {"workers": workers, "max_in_flight_per_worker": limit,
            "max_in_flight_from": "DUECARE_MAX_IN_FLIGHT" if settings.max_in_flight is not None else "pool",
            "pool": f"{type(pool).__name__} size {getattr(pool, 'size', lambda: '?')()} + overflow "
                    f"{getattr(pool, '_max_overflow', '?')} = {capacity}",
            "overload_retry_after_s": settings.overload_retry_after,
            "uvicorn_limit_concurrency": config["limit_concurrency"].default,
            "uvicorn_backlog": config["backlog"].default, "threadpool_per_worker": asyncio.run(tokens()),
            "server_capacity": workers * limit if limit else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="50,200,500", help="arrival rates, req/s, comma-separated")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per profile and rate")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--soak-rate", type=float, default=5.0,
                        help="req/s of the mixed profile during the soak (one the server keeps up with)")
    parser.add_argument("--accounts", type=int, default=2000, help="demo data set size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--borrowers", type=int, default=200, help="borrower sessions to spread requests over")
    parser.add_argument("--max-in-flight", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between runs, after the drain")
    parser.add_argument("--drain", type=float, default=90.0,
                        help="at most this long to wait after a run until the server answers /healthz fast again")
    parser.add_argument("--queue-first", action=argparse.BooleanOptionalAction, default=True,
                        help="send 16 work-queue pages (not counted) before each case and mixed run, so each worker "
                             "keeps its standing decisions; --no-queue-first: case pages decide their borrower")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--probe", type=int, default=0,
                        help="only send this many requests one after another per profile and print their times")
    parser.add_argument("--log", type=Path, help="copy the server's stderr here at the end")
    parser.add_argument("--server-max-in-flight", type=int,
                        help="start the server with DUECARE_MAX_IN_FLIGHT set to this (default: its own default)")
    parser.add_argument("--server-limits", action="store_true",
                        help="print the limits the server runs with (in-flight limit per worker and where it comes "
                             "from, the database pool, Retry-After, uvicorn's limit_concurrency and backlog)")
    args = parser.parse_args()
    admin = os.environ.get("DUECARE_TEST_PG_URL")
    if not admin:
        print("DUECARE_TEST_PG_URL is not set: run through scripts/with-services.sh", file=sys.stderr)
        return 2
    if args.server_max_in_flight is not None:
        os.environ["DUECARE_MAX_IN_FLIGHT"] = str(args.server_max_in_flight)  # _env passes it to the server
    profiles = [p for p in args.profiles.split(",") if p]
    unknown = set(profiles) - set(PROFILES)
    if unknown:
        print(f"--profiles: unknown {', '.join(sorted(unknown))}; use {', '.join(PROFILES)}", file=sys.stderr)
        return 2
    rates = [float(r) for r in args.rates.split(",") if r]
    with tempfile.TemporaryDirectory(prefix="duecare-load-") as tmp:
        data_dir = Path(tmp)
        url = _db_url(admin)
        prep_s = load_demo(url, data_dir, args.accounts)
        base, proc = start_server(url, data_dir, args.workers)
        try:
            target = make_sessions(url, data_dir, base, args.borrowers)
            print(f"command: {' '.join(sys.argv)}; load average {_load(os.getloadavg())}", flush=True)
            print(f"demo data set: {args.accounts} accounts loaded into PostgreSQL in {prep_s:.0f} s; "
                  f"duecare serve --workers {args.workers} at {base} (pids {proc.pid} + {children(proc.pid)}); "
                  f"{len(target.borrowers)} borrower sessions, {len(target.case_ids)} cases", flush=True)
            limits = server_limits(url, data_dir, args.workers) if args.server_limits else None
            if limits:
                print("server limits: " + ", ".join(f"{k} {v}" for k, v in limits.items()), flush=True)
            if args.probe:
                probe(target, profiles, args.probe)
                return 0
            rows = run_table(target, profiles, rates, args)
            print_table(rows)
            soaked = soak(target, proc.pid, args.soak_minutes, args.soak_rate, args) if args.soak_minutes > 0 else None
            if soaked:
                print(f"\nsoak: mixed at {soaked['rate']:g} req/s for {soaked['minutes']:g} min: {soaked['ok']} ok, "
                      f"{soaked['refused_503']} refused (503), {soaked['errors_5xx']} 5xx, {soaked['errors_other']} "
                      f"other errors {soaked['error_kinds'] or ''}, {soaked['achieved_rps']:.1f} done/s, "
                      f"p50 {soaked['p50_ms']:.1f} ms, p95 {soaked['p95_ms']:.1f} ms, p99 {soaked['p99_ms']:.1f} ms; "
                      f"1-min load average during the soak {soaked['load1_min']:.1f}-{soaked['load1_max']:.1f} "
                      f"(mean {soaked['load1_mean']:.1f}), at its end {_load(soaked['load_end'])}")
                print(f"server RSS (supervisor + {args.workers} workers): start {soaked['rss_start_mib']:.1f} MiB, "
                      f"after 1 min warm-up {soaked['rss_after_warmup_mib']:.1f} MiB, end "
                      f"{soaked['rss_end_mib']:.1f} MiB; growth after warm-up {soaked['growth_after_warmup_mib']:+.1f}"
                      f" MiB ({soaked['growth_mib_per_hour']:+.1f} MiB/h); per process KiB start "
                      f"{soaked['processes_start_kib']} end {soaked['processes_end_kib']}")
            if args.json:
                args.json.write_text(json.dumps({"limits": limits, "rows": rows, "soak": soaked}, indent=1,
                                                default=str))
        finally:
            stop(proc)
            if args.log:
                args.log.write_bytes((data_dir / "serve.log").read_bytes())
            from duecare.kit.db import _engines

            for engine in _engines.values():
                engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
