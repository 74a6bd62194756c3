"""`duecare demo`: from nothing to a console and a portal a newcomer can use.

1. `duecare generate` a synthetic portfolio, `duecare ingest` it, `duecare risk train` the early-warning
   scorecard on its history (once), `duecare run` the nightly batch (subprocesses
   of the same command, so the demo exercises exactly what an operator runs);
2. load the decisions into the outbox;
3. create one demo staff account per role (two field agents), assign the most urgent cases to the demo agent,
   and open a home-visit case through the visit workflow for one borrower whose decision is `visit_notice`;
4. start the contact sandbox and a delivery worker in the background;
5. print the URLs and sign-ins, then serve. Sign-in codes are shown on the portal page (demo mode).

Everything runs on the demo's clock (kit/democlock.py): `--as-of` starts it at a chosen moment and
`duecare demo advance --days N` (or the console's demo control) moves it forward for every process.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from duecare.bootstrap import build
from duecare.kit import clock
from duecare.kit.i18n import bilingual

err = Console(stderr=True)
PASSWORD = "duecare-demo-2026"
ROLES = ("agent", "supervisor", "compliance", "analyst", "admin", "field_agent", "field_agent_2")


@dataclass
class DemoPeople:
    staff: list[tuple[str, str]] = field(default_factory=list)  # (username, role)
    visit_borrower: tuple[str, str] | None = None  # (borrower id, phone)
    plan_borrower: tuple[str, str] | None = None
    visit_id: str | None = None
    visit_candidates: list[tuple[str, str]] = field(default_factory=list)  # on the visit track, no visit yet


def duecare_command() -> list[str]:
    exe = Path(sys.executable).parent / "duecare"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("duecare")
    return [found] if found else [sys.executable, "-c", "from duecare.cli import main; main()"]


def _step(args: list[str], env: dict[str, str]) -> str:
    err.print(f"[bold]$ duecare {' '.join(args)}[/bold]")
    done = subprocess.run([*duecare_command(), *args], env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"duecare {args[0]} failed (exit {done.returncode}); see the message above")
    return done.stdout


def prepare_portfolio(directory: Path, accounts: int, seed: int, fresh: bool, env: dict[str, str]) -> Path:
    portfolio, out = directory / "portfolio", directory / "out"
    marker = portfolio / "demo.json"
    wanted = {"accounts": accounts, "seed": seed, "day": clock.now().date().isoformat()}
    if fresh or not marker.exists() or json.loads(marker.read_text()) != wanted:
        _step(["generate", "--accounts", str(accounts), "--seed", str(seed), "--as-of", str(wanted["day"]),
               "--out", str(portfolio)], env)
        marker.write_text(json.dumps(wanted))
    else:
        err.print(f"reusing the portfolio in {portfolio} (--fresh regenerates it)")
    _step(["ingest", str(portfolio)], env)
    if not _model_registered():
        # The early-warning scorecard, trained on the portfolio's own history, gives every loan a risk band
        # and reason codes (and lets the strategy send pre-due reminders to high-risk accounts).
        _step(["risk", "train", "--name", "early_warning", "--portfolio", str(portfolio)], env)
    # Decided at the demo clock's moment, not the day's 00:00 UTC: a second `duecare demo` the same day then sees
    # what the first one's people did (a notice sent at 08:15 is after midnight), as the console does.
    _step(["run", "--as-of", clock.now().isoformat(), "--input", str(portfolio), "--out", str(out)], env)
    return out


def _model_registered() -> bool:
    from duecare.kit.errors import UserError
    from duecare.risk import registry

    try:
        registry.load("early_warning")
    except UserError:
        return False
    return True


def load_decisions(out: Path) -> None:
    import polars as pl

    from duecare.contacts import outbox
    from duecare.kit.db import unit_of_work

    data = (out / "decisions.parquet").read_bytes()
    with unit_of_work() as db:
        result = outbox.enqueue_decisions(db, pl.read_parquet(out / "decisions.parquet"), outbox.run_id_of(data))
    err.print(f"outbox: {result.tasks_created} contact tasks created from {result.decisions} decisions")


def create_staff(db: Any) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from duecare.privacy import auth
    from duecare.privacy.models import StaffUser

    out = []
    for name in ROLES:
        role = "field_agent" if name.startswith("field_agent") else name
        # The id is the sign-in name: pages name staff by id (a visit's agents, the audit trail, the timeline).
        # A demo directory built before they were equal keeps its accounts (found by username).
        username = f"demo-{name}".replace("_", "-")
        if db.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
            auth.create_staff(db, id=username, username=username, password=PASSWORD, role=role,
                              display_name=f"Demo {name.replace('_', ' ')}")
        out.append((username, role))
    return out


def pick_people(db: Any, people: DemoPeople) -> None:
    """Assign the agent's cases, open one visit through the workflow, choose a borrower for the plan demo."""
    import polars as pl
    from sqlalchemy import select

    from duecare.console.queue import Filters, apply_filters, queue_frame
    from duecare.ledger.models import Borrower
    from duecare.privacy.models import Assignment
    from duecare.privacy.permissions import SYSTEM, Actor
    from duecare.web.snapshot import decisions_for

    now = clock.now()
    decided = queue_frame(decisions_for(db, SYSTEM, now))
    if decided.height == 0:
        return
    agent = Actor(kind="staff", id="demo-agent", role="agent")
    top = apply_filters(decided, Filters()).head(40)["borrower_id"].unique().to_list()
    visit_rows = decided.filter(decided["action"] == "visit_notice").sort("loan_id")
    plan_rows = apply_filters(decided, Filters(action="call")).filter(
        ~pl.col("borrower_id").is_in(visit_rows["borrower_id"].to_list()))
    wanted = set(top) | set(visit_rows["borrower_id"].head(3).to_list()) | set(plan_rows["borrower_id"].head(1).to_list())
    have = set(db.scalars(select(Assignment.borrower_id).where(Assignment.agent_id == agent.id)))
    for bid in sorted(wanted - have):
        db.add(Assignment(borrower_id=bid, agent_id=agent.id, assigned_at=now))
    db.flush()
    if plan_rows.height:
        bid = plan_rows["borrower_id"][0]
        people.plan_borrower = (bid, db.get(Borrower, bid).phones[0])
    people.visit_id, people.visit_borrower = _demo_visit(db, agent.label) or _open_visit(db, agent, visit_rows, now)
    for bid in visit_rows["borrower_id"].head(3).unique(maintain_order=True).to_list():
        if people.visit_borrower is None or bid != people.visit_borrower[0]:
            people.visit_candidates.append((bid, db.get(Borrower, bid).phones[0]))


def _demo_visit(db: Any, proposer: str) -> tuple[str, tuple[str, str]] | None:
    """The visit an earlier `duecare demo` opened and nobody has approved yet: a second run points to it again
    (its loan no longer decides `visit_notice`, so the rows alone would not find it)."""
    from sqlalchemy import select

    from duecare.ledger.models import Borrower
    from duecare.visits.models import VisitCase, VisitState

    before_approval = [VisitState.NOTICE_SENT.value, VisitState.CONSENTED.value]
    visit = db.scalars(select(VisitCase).where(VisitCase.proposed_by == proposer, VisitCase.state.in_(before_approval))
                       .order_by(VisitCase.proposed_at, VisitCase.id).limit(1)).one_or_none()
    if visit is None:
        return None
    return visit.id, (visit.borrower_id, db.get(Borrower, visit.borrower_id).phones[0])


def _open_visit(db: Any, agent: Any, rows: Any, now: datetime) -> tuple[str | None, tuple[str, str] | None]:
    """Propose a visit and send its notice as the demo agent, so the supervisor (not the proposer) can approve."""
    from duecare.kit.errors import TransitionError
    from duecare.ledger.models import Borrower
    from duecare.visits import repository, service
    from duecare.visits.models import VisitCase

    for loan_id, bid in rows.select("loan_id", "borrower_id").iter_rows():
        open_visit = repository.open_visit_for_loan(db, loan_id)
        if open_visit is not None:
            return open_visit.id, (bid, db.get(Borrower, bid).phones[0])
        ctx = service.Ctx(session=db, actor=agent, at=now)
        try:
            proposed = service.propose(ctx, loan_id)
            sent = service.send_notice(ctx, proposed.visit.id)
        except (TransitionError, repository.NotFound):
            continue
        if not sent.stopped:
            visit: VisitCase = sent.visit
            return visit.id, (bid, db.get(Borrower, bid).phones[0])
    return None, None


def _sandbox(args: list[str], what: str, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes],
                                                                                  dict[str, str]]:
    """Start one sandbox command; its first stdout line is the settings it offers (JSON). When it does not
    start, the reason it gave (e.g. a port in use) is printed, not swallowed."""
    proc = subprocess.Popen([*duecare_command(), *args], env=env, stdout=subprocess.PIPE, stderr=log.open("wb"))
    line = proc.stdout.readline() if proc.stdout else b""
    try:
        return proc, {k: str(v) for k, v in json.loads(line).items()}
    except (json.JSONDecodeError, AttributeError):
        proc.wait(timeout=10)
        why = " ".join(log.read_text(encoding="utf-8", errors="replace").split())[-400:] or f"exit {proc.returncode}"
        err.print(f"[yellow]the {what} did not start: {why}[/yellow]")
        return proc, {}


def start_background(directory: Path, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """The sandboxes at the external borders (SMS gateway and SMTP server; the payment provider) and one
    delivery worker. The portal (this process) learns the payment provider's address and shared secret."""
    procs: list[subprocess.Popen[bytes]] = []
    logs = directory / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env.setdefault("DUECARE_PAYMENT_WEBHOOK_SECRET", secrets.token_hex(24))
    os.environ["DUECARE_PAYMENT_WEBHOOK_SECRET"] = env["DUECARE_PAYMENT_WEBHOOK_SECRET"]
    pay, offered = _sandbox(["payments", "sandbox"], "sandbox payment provider", logs / "payments-sandbox.log", env)
    procs.append(pay)
    if offered:
        os.environ.update(offered)
        err.print(f"sandbox payment provider at {offered['DUECARE_PAYMENT_PROVIDER_URL']}")
    else:
        err.print("[yellow]the portal's pay page will say that paying online is not available[/yellow]")
    sandbox, offered = _sandbox(["outbox", "sandbox", "--log", str(logs / "smtp-received.log")],
                                "contact sandbox", logs / "sandbox.log", env)
    procs.append(sandbox)
    if not offered:
        err.print("[yellow]without the contact sandbox the worker delivers calls and letters only[/yellow]")
    worker = subprocess.Popen([*duecare_command(), "worker"], env={**env, **offered},
                              stdout=(logs / "worker.out").open("wb"), stderr=(logs / "worker.log").open("wb"))
    procs.append(worker)
    err.print(f"delivery worker started (pid {worker.pid}); logs in {logs}")
    return procs


def banner(host: str, port: int, people: DemoPeople) -> str:
    base = f"http://{host}:{port}"
    lines = [
        "",
        bilingual("duecare demo is ready"),
        bilingual("  portal  {url}/portal   (borrowers)", sep="\n", url=base),
        bilingual("  console {url}/console  (staff)", sep="\n", url=base),
        f"  API                  {base}/docs",
        "",
        f"  staff sign-ins (password for all: {PASSWORD}):",
        *[f"    {u:<22} {r}" for u, r in people.staff],
        "",
        "  borrower sign-in: enter the phone number; the one-time code is shown on the page (demo mode).",
    ]
    if people.visit_borrower:
        lines.append(f"    visit awaiting consent: borrower {people.visit_borrower[0]} (/console/visits/{people.visit_id}:"
                     " record the signed form, a second person verifies it, then demo-supervisor approves)")
    for bid, phone in people.visit_candidates:
        lines.append(f"    visit to propose:       borrower {bid}, phone {phone} (demo-agent proposes it from the case page)")
    if people.plan_borrower:
        lines.append(f"    repayment plan:         borrower {people.plan_borrower[0]}, phone {people.plan_borrower[1]}")
    return "\n".join(lines) + "\n"


def people_json(people: DemoPeople) -> dict[str, Any]:
    """The sign-ins as data (for scripts and the browser tests that walk the demo)."""
    return {"password": PASSWORD, "staff": [{"username": u, "role": r} for u, r in people.staff],
            "visit_borrower": people.visit_borrower, "plan_borrower": people.plan_borrower,
            "visit_id": people.visit_id, "visit_candidates": people.visit_candidates}


def _demo_environment(directory: Path) -> None:
    os.environ.setdefault("DUECARE_DATA_DIR", str(directory))
    os.environ["DUECARE_DEMO_CODES"] = "1"
    os.environ["DUECARE_DEMO"] = "1"


def advance_clock(directory: Path, days: float) -> datetime:
    """`duecare demo advance --days N`: the running demo sees the new time at its next request; the promises
    whose day the clock passed are settled at once (as the nightly run would), when the demo has a store."""
    from duecare.kit import democlock
    from duecare.kit.db import unit_of_work
    from duecare.kit.settings import get_settings
    from duecare.policy.promises import settle_store

    _demo_environment(directory.resolve())
    moment = democlock.advance(days)
    url = get_settings().database_url
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        with unit_of_work(url) as db:
            settle_store(db, moment)
    return moment


def run_demo(*, accounts: int, directory: Path, host: str, port: int, seed: int, fresh: bool, serve: bool,
             as_of: str | None = None) -> None:
    if accounts < 10:
        from duecare.kit.errors import UserError

        raise UserError("--accounts: at least 10 so the queue and dashboards have something to show")
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    _demo_environment(directory)
    if as_of is not None:
        from duecare.kit import democlock

        democlock.start_at(democlock.parse_moment(as_of))
    env = dict(os.environ)
    out = prepare_portfolio(directory, accounts, seed, fresh, env)

    from duecare.kit.db import migrate, unit_of_work
    migrate()
    load_decisions(out)
    people = DemoPeople()
    with unit_of_work() as db:
        people.staff = create_staff(db)
        pick_people(db, people)
    root = build(on_screen_codes=True)  # the demo's composition root: its clock, on-screen sign-in codes
    root.install_code_sender(unless_set=False)
    text = banner(host, port, people)
    (directory / "SIGN-INS.txt").write_text(text, encoding="utf-8")
    (directory / "demo-people.json").write_text(json.dumps(people_json(people), indent=1), encoding="utf-8")
    if not serve:
        sys.stdout.write(text)
        return
    procs = start_background(directory, env)
    # `kill` (SIGTERM) must stop the sandbox and the worker too, not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdout.write(text)
    sys.stdout.flush()
    try:
        from duecare.app.factory import serve_app

        serve_app(host, port, None, root=root)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
