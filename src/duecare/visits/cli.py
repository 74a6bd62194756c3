"""`duecare visits …` for every step of the workflow, and `duecare consent evidence BORROWER`.

Every command acts as a named staff member (`--as STAFF_ID`) and is held to the same permission matrix as
the API. Output is JSON on stdout; messages on stderr. A step at which the gate closed commits the
cancellation, prints it, and exits with code 3.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit import clock
from duecare.kit.db import migrate, unit_of_work
from duecare.kit.errors import TransitionError, UserError
from duecare.privacy.audit import audit_read
from duecare.privacy.models import StaffUser
from duecare.privacy.permissions import Actor, allowed
from duecare.visits import notice as notice_mod
from duecare.visits import recheck, repository, service, views
from duecare.visits import register as visit_register
from duecare.visits.report import ReportRefused
from duecare.visits.scope import load_visit_policy

visits_app = typer.Typer(help="The home-visit workflow.", no_args_is_help=True)
consent_app = typer.Typer(help="Consent registry.", no_args_is_help=True)
err = Console(stderr=True)

As = Annotated[str, typer.Option("--as", envvar="DUECARE_STAFF_ID",
                                 help="Your staff id (the step is checked against your role).")]
GATE_CLOSED_EXIT = 3


def _out(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _actor(db: Session, staff_id: str, permission: str) -> Actor:
    user = db.get(StaffUser, staff_id)
    if user is None or not user.active:
        raise UserError(f"no active staff member {staff_id!r}; create one with `duecare users add`", place="--as")
    if not allowed(user.role, permission):
        raise UserError(f"your role {user.role!r} may not {permission}", place="--as")
    return Actor(kind="staff", id=user.id, role=user.role)


@contextmanager
def _step(staff_id: str, permission: str) -> Iterator[service.Ctx]:
    """A unit of work acting as `staff_id`; workflow refusals become user errors (exit 2)."""
    migrate()
    try:
        with unit_of_work() as db:
            yield service.Ctx(session=db, actor=_actor(db, staff_id, permission), at=clock.now(),
                              policy=load_visit_policy())
    except ReportRefused as exc:
        _out({"code": "report_refused", "reasons": exc.reasons})
        raise
    except TransitionError as exc:
        raise UserError(str(exc), place="visit") from None
    except repository.NotFound as exc:
        raise UserError(str(exc)) from None


def _finish(result: service.StepResult, db: Session) -> None:
    body = views.visit_view(db, result.visit)
    if result.stopped:
        body["gate_closed"] = result.stopped
    _out(body)


def _exit_if_stopped(result: service.StepResult) -> None:
    if result.stopped:
        err.print(f"gate closed: visit cancelled ({', '.join(result.stopped)})")
        raise typer.Exit(GATE_CLOSED_EXIT)


@visits_app.command("candidates")
def candidates(who: As, limit: Annotated[int, typer.Option(help="Stop after this many")] = 10) -> None:
    """Loans whose decision today is `visit_notice` (the gate's preconditions all hold)."""
    from duecare.ledger.models import Loan
    from duecare.visits.gate import evaluate

    found = 0
    with _step(who, "visits.propose") as ctx:
        for loan_id in ctx.session.scalars(select(Loan.id).order_by(Loan.id)):
            ev = evaluate(ctx.session, loan_id, ctx.at, ctx.policy)
            if ev.action == "visit_notice" and repository.open_visit_for_loan(ctx.session, loan_id) is None:
                _out({"loan_id": loan_id, "borrower_id": ctx.session.get(Loan, loan_id).borrower_id,  # type: ignore[union-attr]
                      "dpd": ev.decision.features["dpd"], "reasons": ev.decision.reasons})
                found += 1
                if found >= limit:
                    break
    err.print(f"{found} candidate loan(s)")


@visits_app.command("propose")
def propose(loan_id: str, who: As) -> None:
    """Open a visit for a loan on the visit track."""
    with _step(who, "visits.propose") as ctx:
        _finish(service.propose(ctx, loan_id), ctx.session)


@visits_app.command("notice")
def send_notice(visit_id: str, who: As) -> None:
    """Render, hash and send the transparency notice."""
    with _step(who, "visits.notice") as ctx:
        result = service.send_notice(ctx, visit_id)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("show-notice")
def show_notice(visit_id: str, who: As,
                fmt: Annotated[str, typer.Option("--format", help="text, html or pdf")] = "text",
                out: Annotated[Path | None, typer.Option(help="Write to this file (pdf needs it)")] = None) -> None:
    """The notice exactly as sent."""
    with _step(who, "visits.read") as ctx:
        visit = repository.get_visit(ctx.session, visit_id, ctx.actor)
        doc = repository.notice_document(ctx.session, visit.notice_id) if visit.notice_id else None
        if doc is None:
            raise UserError(f"visit {visit_id} has no notice yet; send it with `duecare visits notice`")
        if fmt == "pdf":
            if out is None:
                raise UserError("--format pdf needs --out FILE", place="--out")
            out.write_bytes(notice_mod.to_pdf(doc.canonical_text))
        else:
            text = doc.canonical_text if fmt == "text" else notice_mod.to_html(doc.canonical_text, doc.language)
            if out:
                out.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        err.print(f"notice {doc.notice_id} version {doc.version_hash}")


@visits_app.command("answer")
def answer(visit_id: str, who: As,
           decision: Annotated[str, typer.Option(help="granted or declined")],
           channel: Annotated[str, typer.Option(help="letter, in_person_form, call or in_person")],
           evidence: Annotated[str, typer.Option(help="Letter reference or call id")],
           version: Annotated[str, typer.Option("--version", help="The notice version hash the answer refers to")],
           ) -> None:
    """Record the borrower's decline on their word (a grant needs the borrower's own act: portal, a verified
    reply, or `consent-form` + `verify-form` by a second person)."""
    with _step(who, "visits.consent.record") as ctx:
        result = service.answer(ctx, visit_id, decision, channel=channel, evidence=evidence,
                                notice_version_hash=version)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("withdraw")
def withdraw(borrower_id: str, who: As,
             channel: Annotated[str, typer.Option(help="sms_reply, email_reply, letter, in_person_form, call or "
                                                       "in_person")],
             evidence: Annotated[str, typer.Option(help="Message id, letter or call reference")]) -> None:
    """Record a withdrawal of home-visit consent; cancels every visit not yet made."""
    with _step(who, "visits.consent.record") as ctx:
        cancelled = service.withdraw(ctx, borrower_id, channel=channel, evidence=evidence)
        _out({"withdrawn": True, "visits_cancelled": [v.id for v in cancelled]})


@visits_app.command("consent-form")
def consent_form(visit_id: str, who: As,
                 file: Annotated[Path, typer.Option(help="The signed form or the recorded statement (hashed)")],
                 signed_at: Annotated[str, typer.Option(help="When the borrower signed/spoke, ISO 8601 with offset")],
                 kind: Annotated[str, typer.Option(help="signed_form or recorded_statement")] = "signed_form",
                 ) -> None:
    """Upload a signed consent form; it grants nothing until a second person verifies it."""
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        when = datetime.fromisoformat(signed_at)
    except OSError as exc:
        raise UserError(f"cannot read the document ({exc})", place=str(file)) from None
    except ValueError:
        raise UserError("write --signed-at as ISO 8601 with an offset", place="--signed-at") from None
    with _step(who, "visits.consent.record") as ctx:
        form = service.upload_form(ctx, visit_id, kind=kind, document_sha256=digest, document_ref=str(file),
                                   signed_at=when)
        _out({"form_id": form.id, "status": form.status, "sha256": digest})


@visits_app.command("verify-form")
def verify_form(form_id: str, who: As,
                accept: Annotated[bool, typer.Option("--accept/--reject", help="Accept or reject the form")]) -> None:
    """A second person (not the proposer, not the uploader) verifies a consent form."""
    with _step(who, "visits.approve") as ctx:
        result = service.verify_form(ctx, form_id, accept=accept)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("check-in")
def check_in(visit_id: str, who: As, partner: Annotated[str, typer.Option(help="The other field agent")]) -> None:
    """Both agents at the door (the gate is re-checked first)."""
    with _step(who, "visits.report") as ctx:
        result = service.check_in(ctx, visit_id, partner)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("check-out")
def check_out(visit_id: str, who: As, partner: Annotated[str, typer.Option(help="The other field agent")]) -> None:
    """Both agents leave."""
    with _step(who, "visits.report") as ctx:
        _finish(service.check_out(ctx, visit_id, partner), ctx.session)


@visits_app.command("sweep")
def sweep(who: As) -> None:
    """Re-check the gate of every open visit now (what the nightly run does)."""
    with _step(who, "visits.schedule") as ctx:
        changes = recheck.sweep(ctx.session, ctx.at)
        _out({"rechecked": True, "changed": [c.as_dict() for c in changes]})


@visits_app.command("preferences")
def preferences(borrower_id: str, who: As,
                slot: Annotated[list[str], typer.Option(help="WEEKDAY,HH:MM,HH:MM (0 = Monday); repeatable")]
                ) -> None:
    """Record the borrower's stated preferred visit times."""
    slots = []
    for i, text in enumerate(slot):
        try:
            wd, start, end = text.split(",")
            slots.append((int(wd), time.fromisoformat(start), time.fromisoformat(end)))
        except ValueError:
            raise UserError("write each slot as WEEKDAY,HH:MM,HH:MM, e.g. 5,10:00,16:00", place=f"--slot {i + 1}") \
                from None
    with _step(who, "visits.consent.record") as ctx:
        _out({"borrower_id": borrower_id, "times": service.set_preferences(ctx, borrower_id, slots, "staff")})


@visits_app.command("gate")
def gate(visit_id: str, who: As) -> None:
    """The full gate evaluation now, with reasons and rule sources."""
    with _step(who, "visits.approve") as ctx:
        _out(service.gate_now(ctx, visit_id).as_json())


def _approval(visit_id: str, who: str, approve: bool, comment: str) -> None:
    with _step(who, "visits.approve") as ctx:
        result = service.decide_approval(ctx, visit_id, approve, comment)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("approve")
def approve(visit_id: str, who: As, comment: Annotated[str, typer.Option(help="Why")]) -> None:
    """Approve a consented visit (not your own proposal)."""
    _approval(visit_id, who, True, comment)


@visits_app.command("reject")
def reject(visit_id: str, who: As, comment: Annotated[str, typer.Option(help="Why")]) -> None:
    """Reject a consented visit."""
    _approval(visit_id, who, False, comment)


@visits_app.command("schedule")
def schedule(visit_id: str, who: As,
             agents: Annotated[str | None, typer.Option(help="Two field agent ids, comma-separated")] = None,
             day: Annotated[str | None, typer.Option("--date", help="Borrower-local day YYYY-MM-DD")] = None) -> None:
    """Assign two field agents and a window; re-plan the pair's day route."""
    pair: tuple[str, str] | None = None
    if agents:
        parts = [a.strip() for a in agents.split(",") if a.strip()]
        if len(parts) != 2:
            raise UserError("give exactly two field agents, e.g. --agents F1,F2", place="--agents")
        pair = (parts[0], parts[1])
    try:
        on = date.fromisoformat(day) if day else None
    except ValueError:
        raise UserError("write the day as YYYY-MM-DD", place="--date") from None
    with _step(who, "visits.schedule") as ctx:
        result = service.schedule(ctx, visit_id, agents=pair, day=on)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("checklist")
def checklist(visit_id: str, who: As, lang: Annotated[str, typer.Option(help="zh or en")] = "zh") -> None:
    """The scoped checklist for the agents."""
    with _step(who, "visits.read") as ctx:
        result, body = service.checklist(ctx, visit_id, lang)
        if result.stopped:
            _finish(result, ctx.session)
        else:
            _out(body)
    _exit_if_stopped(result)


@visits_app.command("report")
def file_report(visit_id: str, who: As,
                file: Annotated[Path, typer.Option(help="The report as JSON (outcome, arrived_at, left_at, fields, "
                                                        "notes, recording_ref, refused_by)")],
                ) -> None:
    """File the scoped visit report (refused, and nothing stored, if anything is out of scope)."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read the report ({exc})", place=str(file)) from None
    if not isinstance(raw, dict):
        raise UserError("the report must be a JSON object", place=str(file))
    with _step(who, "visits.report") as ctx:
        result = service.file_report(ctx, visit_id, raw)
        _finish(result, ctx.session)
    _exit_if_stopped(result)


@visits_app.command("review")
def review(visit_id: str, who: As, comment: Annotated[str, typer.Option(help="Review note")]) -> None:
    """Close a reported visit."""
    with _step(who, "visits.review") as ctx:
        _finish(service.review(ctx, visit_id, comment), ctx.session)


@visits_app.command("cancel")
def cancel(visit_id: str, who: As, reason: Annotated[str, typer.Option(help="Reason code")],
           comment: Annotated[str | None, typer.Option()] = None) -> None:
    """Cancel a visit that has not happened."""
    with _step(who, "visits.cancel") as ctx:
        _finish(service.cancel(ctx, visit_id, reason, comment), ctx.session)


@visits_app.command("expire")
def expire(who: As) -> None:
    """Expire notices left unanswered past the response period."""
    with _step(who, "visits.schedule") as ctx:
        _out({"expired": [v.id for v in service.expire_due(ctx)]})


@visits_app.command("list")
def list_visits(who: As, state: Annotated[str | None, typer.Option()] = None) -> None:
    """Visits you may see, one JSON line each."""
    with _step(who, "visits.read") as ctx:
        for v in repository.list_visits(ctx.session, ctx.actor, state):
            _out(views.visit_view(ctx.session, v, timeline=False))


@visits_app.command("show")
def show(visit_id: str, who: As) -> None:
    """A visit with its timeline."""
    with _step(who, "visits.read") as ctx:
        _out(views.visit_view(ctx.session, repository.get_visit(ctx.session, visit_id, ctx.actor)))


@visits_app.command("route")
def route(agent_id: str, who: As, day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")]) -> None:
    """A field agent's day route in visiting order."""
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise UserError("write the day as YYYY-MM-DD", place="--date") from None
    with _step(who, "visits.read") as ctx:
        if ctx.actor.role == "field_agent" and ctx.actor.id != agent_id:
            raise UserError("field agents can see their own route only", place="--as")
        _out(views.day_route(ctx.session, agent_id, on, ctx.policy))


@visits_app.command("register")
def register_cmd(who: As, fmt: Annotated[str, typer.Option("--format", help="csv, pdf or jsonl")] = "csv",
                 out: Annotated[Path | None, typer.Option(help="Write to this file (pdf needs it)")] = None) -> None:
    """The visit register for compliance."""
    with _step(who, "visits.register") as ctx:
        data = visit_register.rows(ctx.session)
        audit_read(ctx.session, ctx.actor, "visits:register", ["register"], purpose="compliance register export")
    if fmt == "pdf":
        if out is None:
            raise UserError("--format pdf needs --out FILE", place="--out")
        out.write_bytes(visit_register.to_pdf(data))
    elif fmt in ("csv", "jsonl"):
        text = visit_register.to_csv(data) if fmt == "csv" else visit_register.as_json(data) + "\n"
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    else:
        raise UserError("use --format csv, pdf or jsonl", place="--format")
    err.print(f"{len(data)} visit(s) in the register")


@consent_app.command("evidence")
def consent_evidence(borrower_id: str, who: As) -> None:
    """One borrower's consent evidence as JSON (an audited read)."""
    with _step(who, "consent.evidence") as ctx:
        _out(views.consent_evidence(ctx.session, borrower_id))
        audit_read(ctx.session, ctx.actor, f"borrower:{borrower_id}", ["consent_evidence"],
                   purpose="compliance evidence")


def register(app: typer.Typer) -> None:
    app.add_typer(visits_app, name="visits")
    app.add_typer(consent_app, name="consent")
