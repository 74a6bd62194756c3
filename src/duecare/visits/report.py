"""The visit report: only the scoped fields (pydantic, extra=forbid), an outcome, a recording reference where
the pack or strategy requires one, and free text scanned for out-of-scope personal data. A refused report
is not stored at all; the refusal names the reasons (category, field, position), never the refused text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from duecare.kit.errors import UserError
from duecare.kit.i18n import N_, translate
from duecare.visits.models import Outcome
from duecare.visits.scanner import Finding, scan
from duecare.visits.scope import VisitPolicy

Money = Annotated[Decimal, Field(ge=0, le=Decimal(100000000), decimal_places=2)]
ShortText = Annotated[str, Field(max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EmploymentStatus(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    UNEMPLOYED = "unemployed"
    RETIRED = "retired"
    STUDENT = "student"
    OTHER = "other"


class HardshipCategory(StrEnum):
    NONE = "none"
    JOB_LOSS = "job_loss"
    REDUCED_INCOME = "reduced_income"
    # Not "illness": a health category is sensitive data (PIPL Art. 28). Why the borrower cannot work is
    # not asked or recorded; a stored "illness" reads as this (LEGACY_HARDSHIP, migration visits_0005).
    UNABLE_TO_WORK = "unable_to_work"
    FAMILY_EMERGENCY = "family_emergency"
    BUSINESS_FAILURE = "business_failure"
    OVER_INDEBTEDNESS = "over_indebtedness"
    OTHER = "other"


LEGACY_HARDSHIP = {"illness": "unable_to_work"}


def _legacy_hardship(value: Any) -> Any:
    return LEGACY_HARDSHIP.get(value, value) if isinstance(value, str) else value


class Willingness(StrEnum):
    WILLING = "willing"
    WILLING_WITH_PLAN = "willing_with_plan"
    UNABLE = "unable"
    UNWILLING = "unwilling"
    DISPUTES_DEBT = "disputes_debt"


class Referral(StrEnum):
    DEBT_ADVICE = "debt_advice"
    SPECIALIST_REVIEW = "specialist_review"
    LEGAL_REVIEW = "legal_review"


class Plan(_Strict):
    monthly_amount: Money
    months: Annotated[int, Field(ge=1, le=120)]
    first_payment_date: date
    note: ShortText | None = None


class PromiseToPay(_Strict):
    date: date
    amount: Money


class UpdatedContact(_Strict):
    phone: Annotated[str, Field(max_length=32, pattern=r"^\+?[\d\s\-()]{5,}$")] | None = None
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None


class ReportFields(_Strict):
    """Every field a scope may allow; the strategy's scope decides which of them a report may carry."""

    employment_status: EmploymentStatus | None = None
    monthly_income: Money | None = None
    monthly_expenses: Money | None = None
    other_debts_monthly: Money | None = None
    hardship_category: Annotated[HardshipCategory | None, BeforeValidator(_legacy_hardship)] = None
    willingness: Willingness | None = None
    capacity_monthly: Money | None = None
    proposed_plan: Plan | None = None
    promise_to_pay: PromiseToPay | None = None
    hardship_hold: bool | None = None
    referral: Referral | None = None
    updated_contact: UpdatedContact | None = None


class RefusedBy(StrEnum):
    """Who asked the agents not to come back (the do-not-return mark records it)."""

    BORROWER = "borrower"
    HOUSEHOLD_MEMBER = "household_member"


class ReportIn(_Strict):
    outcome: Outcome
    # The actual times at the door (ISO 8601 with offset): they must lie inside the scheduled slot, the
    # strategy's visit window and the agents' check-in/check-out. Absent: the check-in and check-out times.
    arrived_at: AwareDatetime | None = None
    left_at: AwareDatetime | None = None
    refused_by: RefusedBy | None = None  # with outcome `refused`: who said "do not come back"
    fields: ReportFields = ReportFields()
    notes: ShortText | None = None
    recording_ref: Annotated[str, Field(max_length=256)] | None = None


class ReportRefused(UserError):
    """A report with an unscoped field, a missing recording or out-of-scope text; nothing was stored."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        self.reasons = reasons
        codes = ", ".join(sorted({str(r["code"]) for r in reasons}))
        super().__init__(N_("visit report refused ({codes}); nothing was stored — remove what is out of scope and "
                            "file it again"), place="report", code="report_refused", codes=codes)

    def extra(self) -> dict[str, Any]:
        return {"reasons": self.reasons}


# The only free-text values in a report: each is scanned.
def _free_texts(report: ReportIn) -> list[tuple[str, str]]:
    out = []
    if report.notes:
        out.append(("notes", report.notes))
    plan = report.fields.proposed_plan
    if plan is not None and plan.note:
        out.append(("fields.proposed_plan.note", plan.note))
    return out


def validate_report(raw: dict[str, Any], policy: VisitPolicy, pack: str, borrower_phones: list[str]) -> ReportIn:
    """The accepted report, or ReportRefused with every reason at once."""
    try:
        report = ReportIn.model_validate(raw)
    except ValidationError as exc:
        invalid: list[dict[str, Any]] = [{"code": "extra_field" if e["type"] == "extra_forbidden" else "invalid_field",
                    "field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise ReportRefused(invalid) from None
    reasons: list[dict[str, Any]] = []
    scoped = set(policy.scope_fields)
    for name in report.fields.model_fields_set:
        if name not in scoped and getattr(report.fields, name) is not None:
            reasons.append({"code": "field_out_of_scope", "field": f"fields.{name}",
                            "message": N_("this strategy's visit scope does not allow this field")})
    rule = policy.recording_required(pack)
    if rule is not None and not report.recording_ref:
        reasons.append({"code": "recording_required", "field": "recording_ref",
                        "message": f"a recording reference is required ({rule.rule}: {rule.source})"})
    phones = list(borrower_phones)
    contact = report.fields.updated_contact
    if contact is not None and contact.phone:
        phones.append(contact.phone)
    findings: list[Finding] = []
    for field, text in _free_texts(report):
        findings.extend(scan(text, field, phones, pack))
    for f in findings:
        reasons.append({**f.as_dict(), "message": N_("personal data outside the visit scope")})
    if reasons:
        raise ReportRefused(reasons)
    return report


SUMMARY_LABELS = {
    "outcome": N_("Outcome"), "employment_status": N_("Employment"), "monthly_income": N_("Monthly income"),
    "monthly_expenses": N_("Monthly expenses"), "other_debts_monthly": N_("Other debts per month"),
    "hardship_category": N_("Reason for the arrears"), "willingness": N_("Willingness"),
    "capacity_monthly": N_("Affordable per month"), "proposed_plan": N_("Proposed plan"),
    "promise_to_pay": N_("Promise to pay"),
"hardship_hold": N_("Pause requested"), "referral": N_("Referral"),
    "updated_contact": N_("Updated contact details"),
}


def summary_lines(report: ReportIn, language: str) -> list[str]:
    """What was recorded, in the borrower's language, for the summary they receive (no free text)."""
    lines = [f"{translate(language, SUMMARY_LABELS['outcome'])}: {report.outcome.value}"]
    for name, value in report.fields.model_dump(mode="json", exclude_none=True).items():
        lines.append(f"{translate(language, SUMMARY_LABELS[name])}: {value}")
    return lines
