"""What was wrong with a request, in the reader's language, for the HTML error page (`web/errors.py`).

A form's problems come from pydantic as a `type` with its context (`string_too_long`, max_length 40): each type
is one English sentence with `{fields}`, translated by the catalogs, named by the field's label (`amount` ->
"Amount" in English). The JSON API keeps pydantic's own English lines. A field not listed here shows its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from duecare.kit.errors import Codes, Message
from duecare.kit.i18n import N_, locale_of, translate
from duecare.web.labels import label

# The fields of the page forms, query strings and paths, by the name the request sends.
FIELD_LABELS: dict[str, str] = {
    "loan_id": N_("Loan"), "amount": N_("Amount"), "promised_date": N_("Promised for"), "date": N_("Date"),
    "phone": N_("Phone number"), "code": N_("Code"), "password": N_("Password"), "username": N_("Username"),
    "text": N_("Text"), "note": N_("Note"), "outcome": N_("Outcome"), "reason": N_("Reason"),
    "decision": N_("Decision"), "comment": N_("Comment"), "partner": N_("Partner"), "value": N_("Value"),
    "slot": N_("Time"), "reply": N_("Reply"), "mode": N_("Mode"), "kind": N_("Kind"), "field": N_("Field"),
    "evidence": N_("Evidence"), "duration_s": N_("Duration (seconds)"), "due_at": N_("Callback time"),
    "direction": N_("Direction"), "days": N_("Days"), "day": N_("Day"), "category": N_("Category"),
    "agent_a": N_("First field agent"), "agent_b": N_("Second field agent"), "details": N_("Details"),
    "token": N_("Code"), "next": N_("Page"), "page": N_("Page"),
}

# One sentence per pydantic error type a page can meet; `{field}` is the label, the rest the error's context.
MESSAGES: dict[str, str] = {
    "missing": N_("{field}: required"),
    "string_too_long": N_("{field}: at most {max_length} characters"),
    "string_pattern_mismatch": N_("{field}: not in the expected form"),
    "enum": N_("{field}: choose one of the options"),
    "literal_error": N_("{field}: choose one of the options"),
    "int_parsing": N_("{field}: enter a whole number"),
    "int_type": N_("{field}: enter a whole number"),
    "int_from_float": N_("{field}: enter a whole number"),
    "float_parsing": N_("{field}: enter a number"),
    "decimal_parsing": N_("{field}: enter a number"),
    "greater_than": N_("{field}: more than {gt}"),
    "greater_than_equal": N_("{field}: at least {ge}"),
    "less_than": N_("{field}: less than {lt}"),
    "less_than_equal": N_("{field}: at most {le}"),
    "date_parsing": N_("{field}: enter a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("{field}: enter a date (YYYY-MM-DD)"),
    "datetime_parsing": N_("{field}: enter a date and time"),
    "datetime_from_date_parsing": N_("{field}: enter a date and time"),
    "bool_parsing": N_("{field}: yes or no"),
    "too_short": N_("{field}: choose at least {min_length}"),
    "too_long": N_("{field}: at most {max_length} items"),
    "json_invalid": N_("the body is not valid JSON"),
}
TOO_SHORT = N_("{field}: at least {min_length} characters")
EMPTY = N_("{field}: fill this in")
INVALID = N_("{field}: this value is not valid")
FIELD_SAYS = N_("{field}: {reason}")
INVALID_BECAUSE = N_("{field}: this value is not valid ({reason})")
BODY = N_("The form")
LIST_SEPARATOR = N_(", ")  # between the labels of codes in a sentence (Chinese: the enumeration comma)


def field_label(loc: Sequence[Any], language: str) -> str:
    """The label of the field at `loc` (`("body", "amount")`), or its dotted name when it has none."""
    where = 1 if loc and loc[0] in ("body", "query", "path", "header", "cookie") else 0  # a request's part
    path = [str(p) for p in loc[where:]]
    if path and path[-1] in FIELD_LABELS:
        return translate(language, FIELD_LABELS[path[-1]])
    return ".".join(path) or translate(language, BODY)


def problem(error: Mapping[str, Any], language: str) -> str:
    """One pydantic error as a sentence in the reader's language."""
    kind = str(error.get("type", ""))
    ctx: dict[str, Any] = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, (int, float, str))}
    field = field_label(error.get("loc", ()), language)
    if kind == "string_too_short":
        message = EMPTY if ctx.get("min_length") == 1 else TOO_SHORT
    elif kind == "value_error":  # a validator's own words: translated where they are a message id
        raised = (error.get("ctx") or {}).get("error")
        first = raised.args[0] if isinstance(raised, BaseException) and raised.args else raised
        said = str(first or "")
        found = first.in_language(language) if isinstance(first, Message) else translate(language, said) if said else ""
        if not found:
            return translate(language, INVALID, field=field)
        if found == said and locale_of(language) != "en":  # no translation: say so in Chinese, keep the reason
            return translate(language, INVALID_BECAUSE, field=field, reason=said)
        return translate(language, FIELD_SAYS, field=field, reason=found)
    else:
        message = MESSAGES.get(kind, INVALID)
    try:
        return translate(language, message, field=field, **ctx)
    except (KeyError, IndexError):  # a context this sentence does not name: the sentence without it
        return translate(language, INVALID, field=field)


def validation_problems(errors: Sequence[Mapping[str, Any]], language: str) -> list[str]:
    """Every problem of a request, one sentence each, in the reader's language."""
    return [problem(e, language) for e in errors]


def localised_value(value: Any, language: str | None) -> Any:
    """A field of a raised error's message as the reader sees it: `Codes` by their labels, a `Message` translated,
    the rest as they are."""
    if isinstance(value, Message):
        return value.in_language(language, localised_value)
    if isinstance(value, Codes):
        sep = translate(language, LIST_SEPARATOR) if value.sep == ", " else value.sep
        return sep.join(translate(language, label(value.group, code)) for code in value.items)
    return value
