"""The case file (version 1): one borrower's facts as a person can read them, validated strictly."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
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
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError("must have at most two decimals")
        return amount
    return value


Amount = Annotated[Decimal, BeforeValidator(_decimal)]
PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal), Field(gt=0)]


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


class Borrower(_Strict):
    id: str = Field(min_length=1)
    name: str | None = None
    jurisdiction: Literal["cn", "us", "uk"]
    timezone: str
    language: Literal["zh", "en"] = "zh"
    phones: list[str] = []
    email: str | None = None
    address: str | None = None
    city: str | None = None
    risk_band: Literal["low", "medium", "high"] | None = None
    flags: Flags = Flags()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Asia/Shanghai')") from None
        return value


class Installment(_Strict):
    seq: int = Field(ge=1)
    due_date: date
    amount: PositiveAmount


class Payment(_Strict):
    id: str | None = None
    paid_at: AwareDatetime
    amount: PositiveAmount


class Loan(_Strict):
    id: str = Field(min_length=1)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    principal: Amount | None = None
    disbursed_on: date | None = None
    installments: list[Installment] = []
    payments: list[Payment] = []

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
    id: str | None = None
    at: AwareDatetime
    channel: Channel
    direction: Direction
    outcome: Outcome
    loan_id: str | None = None
    agent_id: str | None = None
    duration_s: int | None = Field(default=None, ge=0)


class Notice(_Strict):
    id: str = Field(min_length=1)
    kind: str = "visit_notice"
    loan_id: str | None = None
    sent_at: AwareDatetime
    version_hash: str | None = None


class Consent(_Strict):
    id: str | None = None
    purpose: str = "home_visit"
    decision: Literal["granted", "declined", "withdrawn"]
    at: AwareDatetime
    notice_id: str | None = None
    channel: str | None = None
    evidence: str | None = None


class Approval(_Strict):
    id: str | None = None
    notice_id: str | None = None
    decision: Literal["approved", "rejected"]
    at: AwareDatetime
    by: str | None = None


class Promise(_Strict):
    id: str | None = None
    loan_id: str | None = None
    promised_date: date
    amount: Amount | None = None
    status: Literal["open", "kept", "broken", "cancelled"] = "open"


VisitStatus = Literal["proposed", "notice_sent", "consented", "declined", "expired", "approved", "rejected",
                      "scheduled", "reported", "reviewed", "completed", "cancelled", "refused"]
# What the agents found at the door; `refused` ("do not come back") blocks new visits for a while.
VisitOutcome = Literal["met_borrower", "not_home", "moved", "refused", "third_party_only"]
# A visit that took place: it counts against the one-visit-per-30-days limit from its time.
VISITED = ("completed", "reported", "reviewed")


class Visit(_Strict):
    id: str | None = None
    loan_id: str | None = None
    status: VisitStatus
    at: AwareDatetime
    outcome: VisitOutcome | None = None


class CaseFile(_Strict):
    version: Literal[1] = 1
    as_of: AwareDatetime
    borrower: Borrower
    loans: list[Loan] = Field(min_length=1)
    contacts: list[Contact] = []
    notices: list[Notice] = []
    consents: list[Consent] = []
    approvals: list[Approval] = []
    promises: list[Promise] = []
    visits: list[Visit] = []

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
    return str(msg)


def parse_case(data: Any, source: str = "case file") -> CaseFile:
    """Validate a decoded case file; the first problems are named by their place."""
    try:
        case = CaseFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_place(e['loc'])}: {_message(e)}" for e in exc.errors()[:10]]
        raise CaseFileError("; ".join(problems), place=source) from None
    _check_references(case, source)
    return case


def _check_references(case: CaseFile, source: str) -> None:
    loan_ids = {loan.id for loan in case.loans}
    for field in ("contacts", "notices", "promises", "visits"):
        for i, item in enumerate(getattr(case, field)):
            if item.loan_id is not None and item.loan_id not in loan_ids:
                raise CaseFileError(f"{field}[{i}].loan_id: no loan with id {item.loan_id!r} in this case",
                                    place=source)


def load_case(path: Path | str) -> CaseFile:
    """Read and validate a case file from disk (or '-' for stdin)."""
    import sys

    source = str(path)
    try:
        text = sys.stdin.read() if source == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseFileError("file not found", place=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(f"cannot read ({exc})", place=source) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})",
                            place=source) from None
    return parse_case(data, source)


def case_schema() -> dict[str, Any]:
    """The published JSON Schema of the case file."""
    schema = CaseFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://duecare.dev/schemas/case.schema.json"
    schema["title"] = "duecare case file (version 1)"
    return schema
