"""The composition root: what one process decides and delivers with, built once and handed to its entry point.

`build()` makes the root; the settings, the policy, the risk scorer, the channels and the sign-in code sender
are made the first time they are asked for (so `duecare --help` and `decide --case` read no settings, load no
model and open no channel). The web app keeps the root in `app.state.root` (and its clock in
`app.state.clock`, which `kit.clock.ClockScope` makes current for each request), the CLI in the Typer
context (`ctx.obj`, made by the callback in duecare/cli.py), the outbox worker is built by `root.worker(...)`,
and the demo builds the root its server uses. The visit gate, the outbox re-check, pages and the batch thus
decide with one scorer (`risk.batch.production_scorer`, the same object below this root) and one clock.

Only the clock is imported here at start-up; each other part is imported where it is made (explicit imports that
mypy and import-linter see).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from duecare.kit import clock as kit_clock
from duecare.kit.clock import Clock

if TYPE_CHECKING:
    from duecare.contacts.adapters.base import Channel
    from duecare.contacts.worker import Worker, WorkerConfig
    from duecare.kit.settings import Settings
    from duecare.policy.evaluator import Policy, Scorer
    from duecare.privacy.auth import CodeSender


@dataclass
class Root:
    """Settings, clock, policy, scorer, channels and code sender of one process."""

    clock: Clock
    strategy: str = "standard"
    on_screen_codes: bool = False  # the demo shows sign-in codes on the page instead of sending them
    _settings: Settings | None = field(default=None, repr=False)
    _channels: dict[str, Channel] | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The settings given to `build`, else the environment's as they are now (read when first needed)."""
        if self._settings is not None:
            return self._settings
        from duecare.kit.settings import get_settings

        return get_settings()

    @cached_property
    def policy(self) -> Policy:
        """The packs and the strategy decisions are made with (`--strategy` of a command may name another)."""
        from duecare.policy.evaluator import Policy

        return Policy.default(self.strategy)

    @property
    def scorer(self) -> Scorer | None:
        """The registered risk model's scorer (None when none is trained); a newly trained version is used."""
        from duecare.risk.batch import production_scorer

        return production_scorer()

    @property
    def channels(self) -> dict[str, Channel]:
        """The channel adapters this process delivers through (SMTP and SMS from the settings)."""
        if self._channels is None:
            from duecare.contacts.bootstrap import channels_from_env

            self._channels = channels_from_env()
        return self._channels

    @cached_property
    def code_sender(self) -> CodeSender:
        """How a borrower's one-time sign-in code leaves: the contacts outbox, or the page in the demo."""
        if self.on_screen_codes:
            from duecare.privacy.auth import demo_code_sender

            return demo_code_sender
        from duecare.contacts.signin import outbox_code_sender

        return outbox_code_sender

    def install_code_sender(self, *, unless_set: bool = True) -> None:
        """Make this root's sender the port `privacy.auth.issue_code` uses (a test may have set its own)."""
        from duecare.privacy import auth

        if unless_set:
            auth.use_code_sender_unless_set(self.code_sender)
        else:
            auth.set_code_sender(self.code_sender)

    def worker(self, config: WorkerConfig, *, score: bool = True, url: str | None = None) -> Worker:
        """The outbox worker on this root's channels, clock and scorer (the re-check decides as the batch)."""
        from duecare.contacts.worker import Worker
        from duecare.policy.evaluator import Policy

        policy = self.policy if config.strategy == self.strategy else Policy.default(config.strategy)
        return Worker(url, self.channels, config, policy=policy, scorer=self.scorer if score else None,
                      clock=self.clock)

    @property
    def simulate_diff(self) -> Callable[..., dict[str, Any]]:
        """`policy diff --simulate`: the simulator sits above policy, so the root hands it down, with the scorer
        the batch decides with (each simulated day is scored as the nightly batch is)."""
        from functools import partial

        from duecare.simulate.compare import simulate_diff

        return partial(simulate_diff, scorer=self.scorer)


def build(settings: Settings | None = None, *, clock: Clock | None = None, strategy: str = "standard",
          on_screen_codes: bool = False) -> Root:
    """The root of this process: the settings given (else the environment's, read when first needed), the clock
    they ask for at each call (or the one given). Nothing is loaded here: each part is made when first used."""
    return Root(clock=clock or kit_clock.SETTINGS, strategy=strategy, on_screen_codes=on_screen_codes,
                _settings=settings)
