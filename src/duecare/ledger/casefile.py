"""The case file (version 1): one borrower's facts as a person can read them, validated strictly."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from duecare.kit.bounds import (
    MAX_BODY_BYTES,
    MAX_DURATION_S,
    MAX_LOANS,
    MAX_SEQ,
    ZONES,
    Day,
    Id,
    Moment,
    check_amount,
    depth_error,
    zone_error,
)
from duecare.kit.errors import CaseFileError

Channel = Literal["call", "sms", "email", "letter", "visit", "portal"]
Direction = Literal["outbound", "inbound"]
Outcome = Literal[
    "rpc", "ptp", "refused", "dispute", "no_answer", "busy", "voicemail",
    "invalid", "third_party", "delivered", "undelivered",
]


def _decimal(value: Any) -> Any:
    """Amounts are JSON numbers or decimal strings; both become Decimal (never float)."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a decimal string, not a boolean")
    if isinstance(value, (int, str, float)):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"must be a number or a decimal string like \"1100.50\", got {value!r}") from None
        if not amount.is_finite():
            raise ValueError("must be a finite number")
        check_amount(amount)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError("must have at most two decimals")
        return amount
    return value


Amount = Annotated[Decimal, BeforeValidator(_decimal)]
PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal), Field(gt=0)]
# Loan terms (all optional: absent = not on file, and the portal says so). Rates are percent a year with at most
# two decimals (18.25 = 18.25 %); money as amounts; see docs/data-format.md "Loan terms".
Charge = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0)]
Rate = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class Flags(_Strict):
    vulnerable: bool = False
    dispute_open: bool = False
    hardship_open: bool = False
    deceased: bool = False
    bankrupt: bool = False
    represented_by_lawyer: bool = False
    do_not_contact: bool = False


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
RemoteChannel = Literal["call", "sms", "email", "letter"]


def _seconds_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


class PreferredHours(_Strict):
    """A window in which the borrower asked to be contacted, in their local time (absent days = every day)."""

    days: list[Weekday] = Field(default=[], max_length=7)
    start: HHMM
    end: HHMM

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and _seconds_of(value) <= _seconds_of(start):
            raise ValueError(f"must be later than start {start} (a window does not cross midnight; "
                             "split it into two)")
        return value


class ContactPreferences(_Strict):
    """What the borrower stated about when and how to be contacted; the guardrails honour it."""

    hours: list[PreferredHours] = Field(default=[], max_length=14)
    channels_refused: list[RemoteChannel] = Field(default=[], max_length=4)
    stated_at: Moment | None = None


Text = Annotated[str, Field(max_length=200)]
Code = Annotated[str, Field(max_length=40)]
MANY = 10_000  # contacts, payments: a busy account over years
FEW = 1_000  # notices, consents, approvals, promises, visits


_ZONE_NAMES: list[JsonValue] = [*sorted(ZONES)]  # the schema's enum of `timezone`: what zone_error accepts


class Borrower(_Strict):
    id: Id
    name: Text | None = None
    jurisdiction: Literal["cn", "us", "uk"]
    timezone: str = Field(max_length=64, json_schema_extra={"enum": _ZONE_NAMES},
                          description="the IANA time zone of the borrower's place, e.g. Asia/Shanghai")
    language: Literal["zh", "en"] = "zh"
    phones: list[Annotated[str, Field(max_length=32)]] = Field(default=[], max_length=10)
    email: Annotated[str, Field(max_length=254)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    city: Annotated[str, Field(max_length=80)] | None = None
    risk_band: Literal["low", "medium", "high"] | None = None
    flags: Flags = Flags()
    contact_preferences: ContactPreferences | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        problem = zone_error(value)
        if problem:
            raise ValueError(problem)
        return value


class Installment(_Strict):
    seq: int = Field(ge=1, le=MAX_SEQ)
    due_date: Day
    amount: PositiveAmount


class Payment(_Strict):
    id: Id | None = None
    paid_at: Moment
    amount: PositiveAmount


class Loan(_Strict):
    id: Id
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    principal: Amount | None = None
    disbursed_on: Day | None = None
    interest_rate: Rate | None = None  # nominal interest, percent a year
    apr: Rate | None = None  # annual percentage rate, interest and fees together, as the contract states it
    fees: Charge | None = None  # fees besides interest over the whole loan (arrangement, service)
    late_fee: Charge | None = None  # charged per missed instalment
    penalty_rate: Rate | None = None  # default interest on the overdue amount, percent a year
    grace_days: int | None = Field(default=None, ge=0, le=90)  # days after a due date before a late charge
    installments: list[Installment] = Field(default=[], max_length=MAX_SEQ)
    payments: list[Payment] = Field(default=[], max_length=MANY)

    @field_validator("installments")
    @classmethod
    def _unique_seq(cls, value: list[Installment]) -> list[Installment]:
        seen: set[int] = set()
        for inst in value:
            if inst.seq in seen:
                raise ValueError(f"installment seq {inst.seq} appears twice")
            seen.add(inst.seq)
        return value


class Contact(_Strict):
    id: Id | None = None
    at: Moment
    channel: Channel
    direction: Direction
    outcome: Outcome
    loan_id: Id | None = None
    agent_id: Id | None = None
    duration_s: int | None = Field(default=None, ge=0, le=MAX_DURATION_S)
    # The visit notice this contact answers (e.g. an SMS "YES" parsed into a consent record): an answer about
    # the visit, not a conversation about the debt, so it is neither a right-party contact nor an attempt.
    answers_notice: Id | None = None


class Notice(_Strict):
    id: Id
    kind: Code = "visit_notice"
    loan_id: Id | None = None
    sent_at: Moment
    version_hash: Annotated[str, Field(max_length=64)] | None = None


class Consent(_Strict):
    id: Id | None = None
    purpose: Code = "home_visit"
    decision: Literal["granted", "declined", "withdrawn"]
    at: Moment
    notice_id: Id | None = None
    channel: Code | None = None
    evidence: Annotated[str, Field(max_length=4000)] | None = None


class Approval(_Strict):
    id: Id | None = None
    notice_id: Id | None = None
    decision: Literal["approved", "rejected"]
    at: Moment
    by: Id | None = None


class Promise(_Strict):
    id: Id | None = None
    loan_id: Id | None = None
    promised_date: Day
    amount: Amount | None = None
    status: Literal["open", "kept", "broken", "cancelled"] = "open"


VisitStatus = Literal["proposed", "notice_sent", "consented", "declined", "expired", "approved", "rejected",
                      "scheduled", "reported", "reviewed", "completed", "cancelled", "refused"]
# What the agents found at the door; `refused` ("do not come back") blocks new visits for a while.
VisitOutcome = Literal["met_borrower", "not_home", "moved", "refused", "third_party_only"]
# A visit that took place: it counts against the one-visit-per-30-days limit from its time.
VISITED = ("completed", "reported", "reviewed")


class Visit(_Strict):
    id: Id | None = None
    loan_id: Id | None = None
    status: VisitStatus
    at: Moment
    outcome: VisitOutcome | None = None


AlternativeKind = Literal["questionnaire", "documents", "video", "phone_appointment", "plan"]
AlternativeState = Literal["chosen", "completed", "verified", "cancelled"]


class Alternative(_Strict):
    """A remote alternative to a home visit the borrower chose: it pauses the visit while in progress and,
    once verified by a person, closes the visit need (`verified_remotely`)."""

    id: Id | None = None
    loan_id: Id | None = None
    kind: AlternativeKind
    state: AlternativeState = "chosen"
    chosen_at: Moment
    completed_at: Moment | None = None
    evidence_ref: Annotated[str, Field(max_length=200)] | None = None

    @field_validator("completed_at")
    @classmethod
    def _after_chosen(cls, value: Any, info: ValidationInfo) -> Any:
        chosen = info.data.get("chosen_at")
        if value is not None and chosen is not None and value < chosen:
            raise ValueError(f"must not be before chosen_at {chosen.isoformat()}")
        return value


LimitKind = Literal["workplace", "third_party_objected", "third_party_contact"]
LimitBy = Literal["employer", "borrower", "third_party"]
LimitChannel = Literal["call", "sms", "email"]


class ContactLimit(_Strict):
    """A known limit on how the borrower may be reached, recorded by a person.

    `workplace`: the channel reaches the borrower at work (a work phone, a work email) and the employer prohibits
    such contact (`by: employer`, known to the lender) or the borrower asked not to be contacted at work
    (`by: borrower`). `third_party_objected`: someone else was reached on the channel (a relative answering the
    number on file) and objected to being contacted (`by: third_party`). `third_party_contact`: the phone number
    on file for calls reaches a third party the borrower named, an emergency contact or a reference (`by:
    borrower`, channel `call` only: a message to a third party would tell them of the debt). Active from `at`
    until `lifted_at`.
    """

    id: Id | None = None
    kind: LimitKind
    by: LimitBy
    channel: LimitChannel
    at: Moment
    lifted_at: Moment | None = None

    @field_validator("by")
    @classmethod
    def _by_fits_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        allowed = {"workplace": ("employer", "borrower"), "third_party_objected": ("third_party",),
                   "third_party_contact": ("borrower",)}.get(str(kind))
        if allowed is not None and value not in allowed:
            raise ValueError(f"a {kind} limit is recorded by {' or '.join(allowed)}, not {value!r}")
        return value

    @field_validator("channel")
    @classmethod
    def _third_party_by_call(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("kind") == "third_party_contact" and value != "call":
            raise ValueError("a third_party_contact is a phone number reached by a person's call, not "
                             f"{value!r} (a message would tell the third party of the debt)")
        return value

    @field_validator("lifted_at")
    @classmethod
    def _after_at(cls, value: Any, info: ValidationInfo) -> Any:
        at = info.data.get("at")
        if value is not None and at is not None and value < at:
            raise ValueError(f"must not be before at {at.isoformat()}")
        return value


class CaseFile(_Strict):
    version: Literal[1] = 1
    as_of: Moment
    borrower: Borrower
    loans: list[Loan] = Field(min_length=1, max_length=MAX_LOANS)
    contacts: list[Contact] = Field(default=[], max_length=MANY)
    notices: list[Notice] = Field(default=[], max_length=FEW)
    consents: list[Consent] = Field(default=[], max_length=FEW)
    approvals: list[Approval] = Field(default=[], max_length=FEW)
    promises: list[Promise] = Field(default=[], max_length=FEW)
    visits: list[Visit] = Field(default=[], max_length=FEW)
    alternatives: list[Alternative] = Field(default=[], max_length=FEW)
    contact_limits: list[ContactLimit] = Field(default=[], max_length=FEW)

    @field_validator("loans")
    @classmethod
    def _unique_loans(cls, value: list[Loan]) -> list[Loan]:
        ids = [loan.id for loan in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"loan id {dupes[0]!r} appears twice")
        return value


def _place(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _message(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    ctx = err.get("ctx") or {}
    if kind == "greater_than":
        return f"must be > {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}"
    if kind == "extra_forbidden":
        return "unknown key (remove it or check its spelling against schemas/case.schema.json)"
    if kind == "missing":
        return "is required"
    if kind == "timezone_aware":
        return "needs a UTC offset, e.g. 2026-11-25T10:00:00+08:00"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(msg).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return "must be 1-64 letters, digits or . _ : @ - (starting with a letter or digit)" \
            if "A-Za-z0-9" in str(ctx.get("pattern")) else f"must match {ctx.get('pattern')}"
    if kind in ("too_long", "string_too_long"):
        return str(msg)
    return str(msg)


def parse_case(data: Any, source: str = "case file") -> CaseFile:
    """Validate a decoded case file; the first problems are named by their place."""
    try:
        case = CaseFile.model_validate(data)
    except RecursionError:
        raise CaseFileError("nested too deeply", place=source) from None
    except ValidationError as exc:
        problems = [f"{_place(e['loc'])}: {_message(e)}" for e in exc.errors()[:10]]
        raise CaseFileError("; ".join(problems), place=source) from None
    _check_references(case, source)
    return case


def _check_references(case: CaseFile, source: str) -> None:
    loan_ids = {loan.id for loan in case.loans}
    for field in ("contacts", "notices", "promises", "visits", "alternatives"):
        for i, item in enumerate(getattr(case, field)):
            if item.loan_id is not None and item.loan_id not in loan_ids:
                raise CaseFileError(f"{field}[{i}].loan_id: no loan with id {item.loan_id!r} in this case",
                                    place=source)
    notice_ids = {n.id for n in case.notices}
    for i, contact in enumerate(case.contacts):
        if contact.answers_notice is not None and contact.answers_notice not in notice_ids:
            raise CaseFileError(f"contacts[{i}].answers_notice: no notice with id {contact.answers_notice!r} in "
                                "this case", place=source)


def load_case(path: Path | str) -> CaseFile:
    """Read and validate a case file from disk (or '-' for stdin); size and nesting are bounded before parsing."""
    import sys

    source = str(path)
    try:
        if source == "-":
            text = sys.stdin.read(MAX_BODY_BYTES + 1)
        else:
            with Path(path).open(encoding="utf-8") as handle:
                text = handle.read(MAX_BODY_BYTES + 1)
    except FileNotFoundError:
        raise CaseFileError("file not found", place=source) from None
    except IsADirectoryError:
        raise CaseFileError("is a directory; pass a case file (JSON)", place=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"cannot read ({type(exc).__name__}: {exc.args[-1] if exc.args else ''})",
                            place=source) from None
    if len(text) > MAX_BODY_BYTES:
        raise CaseFileError(f"larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; a case file holds one borrower",
                            place=source)
    too_deep = depth_error(text)
    if too_deep:
        raise CaseFileError(too_deep, place=source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})",
                            place=source) from None
    except (RecursionError, ValueError) as exc:  # e.g. an integer of more than 4,300 digits
        raise CaseFileError(f"invalid JSON ({str(exc)[:120]})", place=source) from None
    return parse_case(data, source)


def case_schema() -> dict[str, Any]:
    """The published JSON Schema of the case file."""
    schema = CaseFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://duecare.dev/schemas/case.schema.json"
    schema["title"] = "duecare case file (version 1)"
    return schema
