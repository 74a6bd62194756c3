"""What a send-time check allows for one task: the type the re-check, sign-in codes and workflows all return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Verdict:
    """What the re-check allows: `go`, `later` (with `not_before`) or `skip`, and why."""

    outcome: str
    reason: str
    not_before: datetime | None = None
