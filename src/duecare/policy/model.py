"""The strategy as typed models: what a strategy YAML file may contain, validated on load.

A strategy is the lender's choices: parameters, the definition of *unreachable*, the visit window, the
champion/challenger variants, the visit gate (one SQL condition per unmet code) and the ladder (first matching line
decides). Every consumer reads these attributes; nobody reads the YAML as an untyped dict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

PACKS = ("cn", "us", "uk")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Action = Literal["none", "sms_reminder", "email_notice", "call", "visit_notice", "visit_approval", "visit_schedule",
                 "legal_review", "specialist_review", "hold", "validation_notice"]
GateCode = Literal["dpd_below_threshold", "too_few_episodes", "reachable", "remote_channels_not_exhausted",
                   "hold_active", "vulnerable", "amount_below_minimum", "visit_limit_reached",
                   "visit_refused_recently", "alternative_in_progress", "verified_remotely", "notice_not_sent",
                   "notice_period_running", "consent_missing", "consent_declined", "consent_withdrawn",
                   "approval_missing"]
Number = int | float

PROMISE_HORIZON_DAYS = 30  # the furthest date a promise to pay may name when a strategy does not say
PROMISE_MIN_AMOUNT = 50
PROMISE_MIN_SHARE = 0.1
REFUSED_BLOCK_DAYS = 180  # "do not return": the default when a strategy does not set visit_refused_block_days
ALTERNATIVE_PAUSE_DAYS = 14  # a chosen remote alternative pauses the visit this long
VERIFIED_REMOTELY_DAYS = 90  # a situation established remotely closes the visit need this long


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Model):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class RuleRefs(_Model):
    """The rule ids a ladder or gate line names, per pack (`all` applies to every pack)."""

    all: list[str] = []
    cn: list[str] = []
    us: list[str] = []
    uk: list[str] = []

    def ids(self, pack: str) -> list[str]:
        """`all` first, then the pack's own."""
        own: list[str] = getattr(self, pack) if pack in PACKS else []
        return [*self.all, *own]

    def per_pack(self) -> dict[str, list[str]]:
        """The entries the file names, in file order (for display)."""
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v}


class _Line(_Model):
    """A line of the gate or the ladder; `line` is its line number in the YAML file (None when built in code)."""

    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        return self._line

    def rule_ids(self, pack: str) -> list[str]:
        rules: RuleRefs | None = getattr(self, "rules", None)
        return rules.ids(pack) if rules is not None else []


class GateLine(_Line):
    code: GateCode
    unmet_when: str = Field(min_length=1)
    step: bool = False  # a step of the notice → consent → approval chain (else a precondition of the visit track)
    rules: RuleRefs | None = None


class LadderLine(_Line):
    id: str = Field(min_length=1)
    collect: bool = False  # a stop condition: its reason is reported whenever it matches
    when: str = Field(min_length=1)
    action: Action
    reason: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    rules: RuleRefs | None = None


class Params(BaseModel):
    """The numbers a strategy's conditions and workflow read; `{name}` in a condition is replaced by one of them.

    The named ones are read by code; a strategy may add its own (any number) for its conditions.
    """

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, Number] = Field(init=False)

    visit_min_dpd: int
    visit_min_episodes: int
    visit_min_overdue_amount: Number
    visit_cooldown_days: int = Field(ge=0)
    notice_valid_days: int = Field(ge=0)
    notice_period_days: int = Field(ge=0)
    consent_response_days: int = Field(ge=0)
    visit_refused_block_days: int = Field(default=REFUSED_BLOCK_DAYS, ge=0)
    alternative_pause_days: int = Field(default=ALTERNATIVE_PAUSE_DAYS, ge=0)
    verified_remotely_days: int = Field(default=VERIFIED_REMOTELY_DAYS, ge=0)
    promise_min_amount: Number = Field(default=PROMISE_MIN_AMOUNT, ge=0)
    promise_min_share: Number = Field(default=PROMISE_MIN_SHARE, ge=0, le=1)
    promise_horizon_days: int = Field(default=PROMISE_HORIZON_DAYS, ge=1)

    def as_dict(self) -> dict[str, Number]:
        """Every parameter by name (the named ones and the strategy's own), for `{name}` in conditions."""
        return dict(self.model_dump())

    def updated(self, extra: dict[str, Number]) -> Params:
        return Params.model_validate({**self.as_dict(), **extra})


class ReachabilitySpec(_Model):
    """The strategy's numbers for *unreachable* (contacts.features.Reachability)."""

    no_rpc_days: int = Field(ge=1)
    min_unsuccessful: int = Field(ge=1)
    min_channels: int = Field(ge=1)
    window_days: int = Field(ge=1)
    first_attempt_min_age_days: int = Field(ge=0)


class VisitWindow(_Model):
    """The lender's own hours for home visits, inside the pack's lawful hours."""

    rule: str = Field(min_length=1)
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    end: str = Field(pattern=r"^([01][0-9]|2[0-4]):[0-5][0-9]$")
    weekdays: list[Weekday] = Field(min_length=1)
    description: Bilingual | None = None
    source: str = Field(min_length=1)

    @field_validator("weekdays")
    @classmethod
    def _once_each(cls, days: list[Weekday]) -> list[Weekday]:
        if len(set(days)) != len(days):
            raise ValueError("a day is listed twice")
        return days


class Variant(_Model):
    share: float = Field(ge=0, le=1)
    params: dict[str, Number] = {}


class Variants(_Model):
    champion: Variant | None = None
    challenger: Variant | None = None


class OwnRule(_Model):
    """A rule of the lender's own (not law), named by ladder and gate lines beside the pack rules."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: Bilingual
    source: str = Field(min_length=1)


class StrategyFile(_Model):
    """A strategy YAML file, as written."""

    strategy: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(min_length=1)
    description: Bilingual | None = None
    params: Params
    reachability: ReachabilitySpec
    visit_window: VisitWindow
    variants: Variants = Variants()
    visit_gate: list[GateLine] = Field(min_length=1)
    ladder: list[LadderLine] = Field(min_length=1)
    rules: list[OwnRule] = []
    examples_file: str | None = None
    examples: list[dict[str, Any]] = []


class Strategy(StrategyFile):
    """A loaded strategy: the file's content plus its digest and where it came from."""

    digest: str = ""
    path: Path | None = None

    def variant_params(self, variant: str) -> Params:
        chosen = getattr(self.variants, variant, None) if variant in ("champion", "challenger") else None
        return self.params.updated(chosen.params) if chosen is not None and chosen.params else self.params

    @property
    def challenger_share(self) -> float:
        return self.variants.challenger.share if self.variants.challenger is not None else 0.0

    def own_rule(self, rule_id: str) -> OwnRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def ladder_line(self, line_id: str | None) -> LadderLine | None:
        return next((line for line in self.ladder if line.id == line_id), None)

    def gate_codes(self) -> list[str]:
        return [line.code for line in self.visit_gate]

    def definition(self) -> dict[str, Any]:
        """The strategy as the file wrote it (JSON types), without digest and path."""
        return self.model_dump(mode="json", exclude_unset=True, exclude={"digest", "path"})


def strategy_schema() -> dict[str, Any]:
    """The JSON Schema of a strategy file, for editors (published as policy/schemas/strategy.schema.json)."""
    schema = StrategyFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "duecare strategy"}
