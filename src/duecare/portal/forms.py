"""The portal's page forms whose rules tie fields together, published as their request bodies (web/forms.py):
what these schemas allow the handlers in portal/routes.py take; what they refuse beyond them is about the world."""

from __future__ import annotations

from typing import Any, get_args

from duecare.kit.bounds import NOT_BLANK
from duecare.ledger.casefile import ContactPreferences, Weekday
from duecare.portal import hardship
from duecare.visits import corrections, report
from duecare.web.forms import choices, field, form_body, variant

# A correction says what is wrong and what it should be; a deletion may say why.
DATA_REQUEST_FORM = form_body(
    variant(["kind", "details"], kind=field(["correction"]), details=field(None, maxLength=2000, pattern=NOT_BLANK)),
    variant(["kind"], kind=field(["deletion"]), details=field(None, maxLength=2000)))

# Only the reason is required ("prefer not to say" is an answer); the rest may be skipped.
HARDSHIP_FORM = form_body(variant(
    ["reason"], reason=field(hardship.REASONS), has_income=field(["yes", "no"]),
    income=field(None, maxLength=20, pattern=hardship.MONTHLY_PATTERN),
    expenses=field(None, maxLength=20, pattern=hardship.MONTHLY_PATTERN),
    dependants=field(None, maxLength=4, pattern=hardship.DEPENDANTS_PATTERN),
    contact_times=choices(hardship.TIMES), contact_channels=choices(hardship.CHANNELS)))

# Clear the stated hours, or one window on the chosen days (HH:MM, the case file's PreferredHours). That the end
# is later than the start compares two fields, which a schema cannot: an earlier end is refused with 422; a window
# wholly outside the borrower's pack's lawful contact hours with 409 (no call could ever be made in it).
_HHMM = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
CALLBACK_HOURS_FORM = form_body(
    variant(["clear"], clear=field(None, minLength=1, maxLength=8)),
    variant(["days", "start", "end"], days={**choices(get_args(Weekday)), "minItems": 1}, start=field(None, pattern=_HHMM),
            end=field(None, pattern=_HHMM)))



def _preferences_body() -> dict[str, Any]:
    """The JSON of /portal/contact-preferences: the case file's ContactPreferences, its window inlined; `stated_at`
    is the server's (a sent one is ignored). The same end-after-start rule as above is refused with 422."""
    schema = ContactPreferences.model_json_schema()
    schema["properties"]["hours"]["items"] = schema.pop("$defs")["PreferredHours"]
    schema["properties"].pop("stated_at")
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


CONTACT_PREFERENCES_BODY = _preferences_body()

# A report's amount (report.Money): 0..100,000,000 with at most two decimals.
REPORT_AMOUNT_PATTERN = r"^0*(?:[0-9]{1,8}(?:\.[0-9]{1,2})?|\.[0-9]{1,2}|100000000(?:\.0{1,2})?)$"
_CHOICES: dict[str, Any] = {"employment_status": report.EmploymentStatus, "hardship_category": report.HardshipCategory,
                            "willingness": report.Willingness, "referral": report.Referral}


def _value_of(fact: str) -> dict[str, Any]:
    """What the corrected value of one report fact may be, as the form sends it."""
    if fact in _CHOICES:
        return field([c.value for c in _CHOICES[fact]])
    if fact == "hardship_hold":
        return field(None, maxLength=200)  # a yes word (contacts.replies.YES_VALUES) holds it, anything else lifts it
    return field(None, maxLength=200, pattern=REPORT_AMOUNT_PATTERN)


# One variant per correctable fact of a visit report, with the values that fact can take.
VISIT_CORRECTION_FORM = form_body(*(
    variant(["visit", "field", "value"], visit=field(None, minLength=1, maxLength=64), field=field([fact]),
            value=_value_of(fact), reason=field(None, maxLength=1000))
    for fact in corrections.CORRECTABLE))
