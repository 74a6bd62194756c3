"""Consent to a home visit is the borrower's own act.

A grant comes only from the borrower: the signed-in portal, a reply from the borrower's verified number or
address (the contacts domain parses it, `record_reply`), or a signed form / recorded call statement that staff
upload and a *second* person — never the visit's proposer and never the uploader — verifies before it counts.
Free-text evidence typed by staff never makes a grant. Staff may always record a decline or a withdrawal on
the borrower's word (by letter, call, in person at the door). A withdrawal by any channel cancels every visit
not yet made, at once. The state itself is derived by `policy.consent` (one function for all callers).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select

from duecare.kit.errors import Codes, Message, TransitionError, UserError
from duecare.kit.i18n import N_, translate
from duecare.ledger.models import Borrower, Consent, ConsentDecision, Notice
from duecare.privacy.audit import record_audit
from duecare.privacy.permissions import SYSTEM, guarded
from duecare.privacy.scope import can_read_borrower
from duecare.visits import messages, notice, recheck, repository, steps, transitions
from duecare.visits.flows import BEFORE_VISIT, OPEN
from duecare.visits.models import ConsentForm, VisitCase
from duecare.visits.models import VisitState as S
from duecare.visits.transitions import Ctx, StepResult

# Who may make a grant on which channel: the borrower in the portal; the system for a verified reply; a
# verified form (VERIFIED_FORM_CHANNELS) only through `verify_form`.
BORROWER_GRANT_CHANNELS = ("portal",)
REPLY_CHANNELS = ("sms_reply", "email_reply")
VERIFIED_FORM_CHANNELS = ("signed_form", "recorded_statement")
# A decline or a withdrawal may also be recorded by staff on the borrower's word.
WORD_CHANNELS = ("letter", "in_person_form", "call", "in_person")
CONSENT_CHANNELS = BORROWER_GRANT_CHANNELS + REPLY_CHANNELS + WORD_CHANNELS + VERIFIED_FORM_CHANNELS
AT_CONSENT = frozenset({"notice_period_running", "approval_missing"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _notice_of(ctx: Ctx, visit: VisitCase) -> Notice:
    n = ctx.session.get(Notice, visit.notice_id) if visit.notice_id else None
    if n is None:
        raise TransitionError("notice_not_sent", N_("visit {visit_id} has no notice"), visit_id=visit.id)
    return n


def may_grant(ctx: Ctx, channel: str, *, verified_form: bool = False) -> bool:
    """A grant is the borrower's act: their portal session, their verified reply, or a verified form."""
    if verified_form:
        return channel in VERIFIED_FORM_CHANNELS
    if ctx.actor.kind == "borrower":
        return channel in BORROWER_GRANT_CHANNELS
    return ctx.actor.kind == "system" and channel in REPLY_CHANNELS


@guarded("portal.write", "visits.consent.record")
def answer(ctx: Ctx, visit_id: str, decision: str, *, channel: str, evidence: str,
           notice_version_hash: str | None, verified_form: bool = False) -> StepResult:
    """The borrower's answer to the notice (granted or declined), appended to the consent registry.

    Staff calling this with `granted` are refused (422): a grant needs the borrower's own act."""
    if decision not in ("granted", "declined"):
        raise UserError(N_("decision must be 'granted' or 'declined' (to withdraw, use withdraw)"),
                        place="decision")
    if channel not in CONSENT_CHANNELS:
        raise UserError(N_("unknown consent channel {channel!r}; use one of {consent_channels}"),
                        place="channel", channel=channel, consent_channels=', '.join(CONSENT_CHANNELS))
    if decision == "granted" and not may_grant(ctx, channel, verified_form=verified_form):
        raise UserError(N_("a grant of consent must be the borrower's own act: their answer in the signed-in "
                        "portal, a reply from their verified number or address, or a signed form / recorded "
                        "statement uploaded and verified by a second person (POST /visits/{id}/consent-forms); "
                        "staff may record only a decline or a withdrawal"), place="decision")
    if not evidence.strip():
        raise UserError(N_("consent needs evidence (portal session, message id or form reference)"),
                        place="evidence")
    target = S.CONSENTED if decision == "granted" else S.DECLINED
    visit = steps.lock(ctx, visit_id, target)
    n = _notice_of(ctx, visit)
    if notice_version_hash is not None and notice_version_hash != n.version_hash:
        raise UserError(N_("the answer refers to a different notice text than the one sent; show the current notice (version {version_hash}) and answer again"),
                        place="notice_version_hash", version_hash=n.version_hash)
    ctx.session.add(Consent(id=new_id("VC"), borrower_id=visit.borrower_id, purpose=repository.HOME_VISIT,
                            decision=ConsentDecision(decision), at=ctx.at, notice_id=n.id,
                            notice_version_hash=n.version_hash, channel=channel, evidence=evidence))
    ctx.session.flush()
    if target == S.CONSENTED:
        gate, stopped = steps.check_gate(ctx, visit, AT_CONSENT | {"consent_missing"}, Message(N_("consent")))
        if stopped is not None:
            return stopped
    else:
        gate = recheck.gate_of(ctx, visit)
    transitions.move(ctx, visit, target, gate=gate, reasons=[f"consent_{decision}", f"channel:{channel}"])
    return StepResult(visit, gate)


@guarded("portal.write", "visits.consent.record", "visits.report")
def withdraw(ctx: Ctx, borrower_id: str, *, channel: str, evidence: str) -> list[VisitCase]:
    """Withdraw home-visit consent: one new record, and every visit not yet made is cancelled at once
    (in_progress and on_hold included: agents at the door are told to leave)."""
    if channel not in CONSENT_CHANNELS:
        raise UserError(N_("unknown consent channel {channel!r}; use one of {consent_channels}"),
                        place="channel", channel=channel, consent_channels=', '.join(CONSENT_CHANNELS))
    if not can_read_borrower(ctx.session, ctx.actor, borrower_id):
        raise repository.NotFound(N_("borrower {borrower_id} not found"), borrower_id=borrower_id)
    visits = repository.lock_open_visits_of(ctx.session, borrower_id)  # borrower, then visits: a step waits
    notices = {v.notice_id for v in visits if v.notice_id}
    only = ctx.session.get(Notice, next(iter(notices))) if len(notices) == 1 else None
    ctx.session.add(Consent(id=new_id("VC"), borrower_id=borrower_id, purpose=repository.HOME_VISIT,
                            decision=ConsentDecision.WITHDRAWN, at=ctx.at, notice_id=only.id if only else None,
                            notice_version_hash=only.version_hash if only else None, channel=channel,
                            evidence=evidence or None))
    ctx.session.flush()
    record_audit(ctx.session, actor=ctx.actor, action="consent.withdraw", subject=f"borrower:{borrower_id}",
                 rule_id="pipl_basis_consent", legal_basis="PIPL Art. 15; GDPR Art. 7(3)",
                 after={"visits_cancelled": [v.id for v in visits], "channel": channel}, at=ctx.at)
    for v in visits:
        transitions.cancel(ctx, v, ["consent_withdrawn"], actor=SYSTEM, comment=f"withdrawn via {channel}")
    return visits


def live_visit_for_notice(ctx: Ctx, borrower_id: str) -> VisitCase | None:
    """The borrower's visit waiting for an answer to its notice (the one a reply answers), if exactly one."""
    found = list(ctx.session.scalars(select(VisitCase).where(
        VisitCase.borrower_id == borrower_id, VisitCase.state == S.NOTICE_SENT)))
    return found[0] if len(found) == 1 else None


def has_visit_in_flight(ctx: Ctx, borrower_id: str) -> bool:
    """Whether the borrower has a visit not yet made (a reply may then be a withdrawal)."""
    pre = sorted(s.value for s in BEFORE_VISIT & OPEN)
    return ctx.session.scalar(select(VisitCase.id).where(VisitCase.borrower_id == borrower_id,
                                                         VisitCase.state.in_(pre)).limit(1)) is not None


# --- signed forms and recorded statements: staff upload, a second person verifies -------------------------------

@guarded("visits.consent.record")
def upload_form(ctx: Ctx, visit_id: str, *, kind: str, document_sha256: str, document_ref: str,
                signed_at: datetime) -> ConsentForm:
    """Register the borrower's signed form or recorded statement; it grants nothing until verified."""
    if kind not in VERIFIED_FORM_CHANNELS:
        raise UserError(N_("kind must be one of {verified_form_channels}"),
                        place="kind", verified_form_channels=', '.join(VERIFIED_FORM_CHANNELS))
    if not _SHA256.match(document_sha256):
        raise UserError(N_("document_sha256: the sha256 of the uploaded document, 64 lowercase hex digits"),
                        place="document_sha256")
    if not document_ref.strip():
        raise UserError(N_("document_ref: where the signed document or recording is kept"),
                        place="document_ref")
    if signed_at.tzinfo is None:
        raise UserError(N_("signed_at needs a UTC offset"), place="signed_at")
    visit = steps.lock(ctx, visit_id)
    if visit.state != S.NOTICE_SENT:
        raise TransitionError("transition_not_allowed", N_("a visit in state '{state}' takes no consent form; only a visit whose notice awaits an answer does"),
                              state=Codes.of("visit_state", [visit.state.value]))
    n = _notice_of(ctx, visit)
    if not n.sent_at < signed_at <= ctx.at:
        raise UserError(N_("signed_at must be after the notice was sent and not in the future"),
                        place="signed_at")
    form = ConsentForm(id=new_id("VF"), visit_id=visit.id, notice_id=n.id, kind=kind,
                       document_sha256=document_sha256, document_ref=document_ref.strip(), signed_at=signed_at,
                       uploaded_by=ctx.actor.id, uploaded_at=ctx.at, status="pending")
    ctx.session.add(form)
    ctx.session.flush()
    record_audit(ctx.session, actor=ctx.actor, action="visit.consent_form_uploaded", subject=f"visit:{visit.id}",
                 after={"form": form.id, "kind": kind, "sha256": document_sha256}, at=ctx.at)
    return form


@guarded("visits.approve")
def verify_form(ctx: Ctx, form_id: str, *, accept: bool) -> StepResult:
    """A second person checks the form against the notice: accepted, it becomes the borrower's grant."""
    form = ctx.session.get(ConsentForm, form_id)
    if form is None:
        raise repository.NotFound(N_("consent form {form_id} not found"), form_id=form_id)
    visit = steps.lock(ctx, form.visit_id)
    ctx.session.refresh(form, with_for_update=True)
    if form.status != "pending":
        raise TransitionError("form_already_decided", N_("consent form {form_id} is already {state}"),
                              form_id=form_id, state=form.status)
    if ctx.actor.id == form.uploaded_by or ctx.actor.label == visit.proposed_by or ctx.actor.id == visit.proposed_by:
        raise TransitionError("four_eyes", N_("a consent form is verified by a second person: neither the one who "
                              "uploaded it nor the one who proposed the visit"))
    form.verified_by, form.verified_at = ctx.actor.id, ctx.at
    if not accept:
        form.status = "rejected"
        record_audit(ctx.session, actor=ctx.actor, action="visit.consent_form_rejected",
                     subject=f"visit:{visit.id}", after={"form": form.id}, at=ctx.at)
        ctx.session.flush()
        return StepResult(visit, None)
    form.status = "verified"
    evidence = (f"{form.kind}:{form.id} sha256:{form.document_sha256} uploaded_by:{form.uploaded_by} "
                f"verified_by:{ctx.actor.id}")
    result = answer(ctx, visit.id, "granted", channel=form.kind, evidence=evidence, notice_version_hash=None,
                    verified_form=True)
    form.consent_id = ctx.session.scalar(select(Consent.id).where(
        Consent.borrower_id == visit.borrower_id, Consent.at == ctx.at,
        Consent.channel == form.kind).limit(1))
    ctx.session.flush()
    return result


def forms_of(ctx: Ctx, visit_id: str) -> list[ConsentForm]:
    repository.get_visit(ctx.session, visit_id, ctx.actor)
    return list(ctx.session.scalars(select(ConsentForm).where(ConsentForm.visit_id == visit_id)
                                    .order_by(ConsentForm.uploaded_at)))


# --- replies to a notice (parsed by contacts.replies; the sender is the borrower's verified number/address) ---

def on_reply(ctx: Ctx, borrower_id: str, channel: str, decision: str | None, evidence: str) -> str:
    """Act on a borrower's reply: a grant or decline answers the notice awaiting an answer, a withdrawal (or a
    "no" after consenting) cancels every visit not yet made; an unclear reply records nothing and asks again.
    Returns what happened (for the inbound record): answered | withdrawn | clarification_sent | no_visit."""
    reply_channel = f"{channel}_reply"
    if not has_visit_in_flight(ctx, borrower_id):
        return "no_visit"
    waiting = live_visit_for_notice(ctx, borrower_id)
    if decision is None:
        _ask_again(ctx, borrower_id, channel, waiting)
        return "clarification_sent"
    if decision in ("granted", "declined") and waiting is not None:
        answer(ctx, waiting.id, decision, channel=reply_channel, evidence=evidence, notice_version_hash=None)
        return "answered"
    if decision == "granted":
        return "no_visit"  # nothing awaits a grant (already answered): a repeated yes changes nothing
    withdraw(ctx, borrower_id, channel=reply_channel, evidence=evidence)
    return "withdrawn"


def _ask_again(ctx: Ctx, borrower_id: str, channel: str, waiting: VisitCase | None) -> None:
    visit = waiting or ctx.session.scalars(select(VisitCase).where(
        VisitCase.borrower_id == borrower_id, VisitCase.state.in_(sorted(s.value for s in BEFORE_VISIT & OPEN)))
        .order_by(VisitCase.proposed_at.desc())).first()
    if visit is None:
        return
    b = ctx.session.get_one(Borrower, borrower_id)
    text = translate(notice.notice_language(str(b.language)),
                     "We could not read your reply. Please answer YES, NO or WITHDRAW, or answer in the portal.")
    messages.request(ctx.session, visit, recipient_kind="borrower", recipient_id=b.id, channel=channel,
                     kind="consent_clarification", subject=text, body=text, at=ctx.at,
                     occasion=ctx.at.isoformat())
