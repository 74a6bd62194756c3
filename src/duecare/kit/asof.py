"""The `--as-of` option shared by the batch and policy commands: the moment a run or a comparison is made at."""

from __future__ import annotations

from datetime import UTC, date, datetime

from duecare.kit.errors import UserError


def parse_as_of(text: str) -> datetime:
    """A timestamp with offset, or a date (00:00 UTC of that day)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--as-of {text!r}: use YYYY-MM-DD or an ISO timestamp with offset "
                        "(2026-11-25T10:00:00+08:00)") from None
    if moment.tzinfo is None:
        raise UserError(f"--as-of {text!r}: add a UTC offset, e.g. {text}+08:00")
    return moment
