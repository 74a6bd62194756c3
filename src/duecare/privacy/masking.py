"""Masking of personal fields by role, for every view and API response.

`mask_record(record, actor)` masks the known personal keys of a dict (nested dicts and lists too) unless the
role holds `personal.unmasked`; `reveal` lets a caller show a field its workflow needs (a field agent's approved
visit address), and the caller audits that read with `audit_read`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from duecare.kit.phones import national_digits
from duecare.privacy.permissions import Actor, allowed

_CJK = re.compile(r"[\u3400-\u9fff]")


def mask_phone(value: str) -> str:
    """'13800138000' or '+8613800138000' -> '138****8000' (the number as dialled at home, without the
    country code); short numbers keep only their last 2 digits."""
    digits = national_digits(value)
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{'*' * (len(digits) - 4)}{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_name(value: str) -> str:
    """A Chinese name keeps its surname (first character) and masks the rest; 'Jane Doe' -> 'J*** D**' (first
    letter of each word)."""
    value = value.strip()
    if not value:
        return value
    if _CJK.search(value):
        return value[0] + "*" * max(len(value) - 1, 1)
    return " ".join(w[0] + "*" * max(len(w) - 1, 1) for w in value.split())


def mask_email(value: str) -> str:
    """'wang@example.com' -> 'w***@example.com'."""
    local, sep, domain = value.partition("@")
    if not sep:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_id_number(value: str) -> str:
    """A Chinese resident ID: region (6) and the last 4 stay, the birth date is hidden."""
    v = value.strip()
    return f"{v[:6]}{'*' * (len(v) - 10)}{v[-4:]}" if len(v) > 10 else "*" * len(v)


def mask_address(value: str, city: str | None = None) -> str:
    """Only the city remains (or nothing when the city is unknown)."""
    return city or "***"


def _hidden(value: Any) -> str:
    return "***"


FIELD_MASKS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "display_name": mask_name,
    "borrower_name": mask_name,
    "phone": mask_phone,
    "phones": mask_phone,
    "mobile": mask_phone,
    "email": mask_email,
    "id_number": mask_id_number,
    "national_id": mask_id_number,
    "address": mask_address,
    "geo": _hidden,
    "lat": _hidden,
    "lon": _hidden,
    "notes": _hidden,
    "note": _hidden,
    "evidence": _hidden,
    "answers": _hidden,
    "transcript": _hidden,
}


def sees_clear(actor: Actor) -> bool:
    return allowed(actor.role, "personal.unmasked")


def _mask_value(key: str, value: Any, city: str | None) -> Any:
    if value is None:
        return None
    fn = FIELD_MASKS[key]
    if isinstance(value, list):
        return [_mask_value(key, v, city) for v in value]
    if fn is mask_address:
        return mask_address(str(value), city)
    return fn(str(value))


def mask_record(record: Any, actor: Actor, reveal: Iterable[str] = ()) -> Any:
    """A copy of `record` with personal keys masked for this actor (borrowers see their own data in clear)."""
    if sees_clear(actor) or actor.role == "borrower":
        return record
    keep = set(reveal)
    if isinstance(record, list):
        return [mask_record(r, actor, keep) for r in record]
    if not isinstance(record, dict):
        return record
    city = record.get("city")
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in FIELD_MASKS and key not in keep:
            out[key] = _mask_value(key, value, city)
        elif isinstance(value, (dict, list)):
            out[key] = mask_record(value, actor, keep)
        else:
            out[key] = value
    return out
