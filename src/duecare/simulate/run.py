"""One simulation: day by day, the real decision engine decides on the current state and the borrowers answer.

Each day: the decision facts of the borrowers who may need a decision (the features kept day over day by
`simulate.incremental`, equal to the batch's full recompute; holds, visit chain, call history and validation by
`policy.facts.decision_facts`) go through `policy.evaluator.evaluate_facts` — the batch's own strategy
evaluation (gate, ladder, guardrails, caps); the
chosen action of each borrower is carried out if its lawful moment (`not_before`) falls before the next day's
decision; outcomes are drawn from the borrower's true segment (`simulate.behaviour`); the events are appended
in the engine's shapes, so the next decision sees them. No per-borrower Python loop: every step is a vector
operation over the day's borrowers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from duecare.ageing.ageing import zones_of
from duecare.kit.columns import codes_list
from duecare.policy.evaluator import Policy, Scorer, compile_gate, evaluate_facts
from duecare.simulate.behaviour import Day, Ledger, act, borrower_events, day_uniforms
from duecare.simulate.incremental import IncrementalFacts
from duecare.simulate.params import Params
from duecare.simulate.world import Portfolio, State, epoch_us, installments_by_day

# Which of a borrower's loan decisions is carried out (one action per borrower and day): the most intrusive.
PRIORITY = {"visit_schedule": 10, "visit_approval": 9, "visit_notice": 8, "call": 7, "specialist_review": 6,
            "validation_notice": 5, "sms_reminder": 4, "email_notice": 3, "legal_review": 2, "hold": 1, "none": 0}
DECISION_COLUMNS = ("loan_id", "borrower_id", "dpd", "overdue_minor", "action", "not_before", "as_of_utc",
                    "as_of_local", "today", "rpc_recent", "vulnerable", "consent_state", "notice_id", "visit_unmet")


@dataclass(frozen=True)
class Variant:
    """A strategy as the simulator runs it; `lawful` False only for the labelled counterfactual baseline, whose
    visits are classified by the lawful gate of `reference` (what that gate would have said of each visit)."""

    name: str
    policy: Policy
    lawful: bool = True
    label: str = ""
    reference: Policy | None = None


@dataclass
class RunResult:
    strategy: str
    seed: int
    days: int
    metrics: dict[str, float]
    daily: pl.DataFrame
    visits: pl.DataFrame = field(default_factory=pl.DataFrame)
    recovered_by: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _candidates(state: State, due: pl.DataFrame, day: int, lookahead: int) -> np.ndarray:
    """Borrowers who may need a decision today: in arrears yesterday, or an installment due from yesterday up to
    the pre-due reminder window. Everyone else is current and decided `none` (day 0 decides everyone)."""
    mask = state.arrears.copy()
    soon = due.filter(pl.col("day").is_between(day - 1, day + lookahead))["bi"].to_numpy()
    mask[soon] = True
    return mask


# Called each day with (day, frames, as_of, borrower mask, facts) before the facts are evaluated: lets a test
# compare the simulator's incremental facts with the batch's full recompute.
DayObserver = Callable[[int, dict[str, pl.DataFrame], datetime, np.ndarray, pl.DataFrame], None]


def simulate(portfolio: Portfolio, variant: Variant, params: Params, days: int, seed: int,
             progress: Callable[[int], None] | None = None, observe: DayObserver | None = None,
             scorer: Scorer | None = None) -> RunResult:
    """Run `days` days of one strategy under one seed; the same inputs give the same result.

    `scorer` is the batch's risk scorer (`duecare.bootstrap`'s, i.e. `risk.batch.production_scorer`): each day
    it scores the loans being decided before the strategy reads them, as the nightly batch does, so ladder lines
    that read `risk_band` or `risk_score` fire in simulation as they do in production. Without one, risk bands
    are those given in the portfolio (the generator gives none)."""
    state = State(frames=dict(portfolio.frames), n=portfolio.size)
    incremental = IncrementalFacts(state.frames, variant.policy, int(params["rescore_days"]))
    zones = zones_of(portfolio.frames["borrowers"])
    due = installments_by_day(portfolio, days)
    bmap = portfolio.frames["borrowers"].select("borrower_id").with_row_index("bi").with_columns(
        pl.col("bi").cast(pl.Int64))
    ledger = Ledger(recovered_by=np.zeros(portfolio.size, dtype=np.int64))
    lookahead = int(variant.policy.strategy.params.as_dict().get("pre_due_max_days", 3))
    lawful_gate = _lawful_gate(variant.reference) if variant.reference is not None else None
    daily: list[dict[str, Any]] = []
    for t in range(days):
        as_of = datetime(portfolio.start.year, portfolio.start.month, portfolio.start.day, tzinfo=UTC) \
            + timedelta(days=t, hours=float(params["decision_hour_utc"]))
        mask = np.ones(portfolio.size, dtype=bool) if t == 0 else _candidates(state, due, t, lookahead)
        facts = incremental.facts(state.frames, as_of, mask, scorer)
        if observe:
            observe(t, state.frames, as_of, mask, facts)
        decisions = evaluate_facts(facts, variant.policy, zones).select(*DECISION_COLUMNS).join(
            bmap, on="borrower_id", how="left")
        if lawful_gate is not None:
            decisions = decisions.join(facts.select("loan_id", **lawful_gate), on="loan_id", how="left")
        _track_arrears(state, decisions, t)
        chosen = (
            decisions.with_columns(priority=pl.col("action").replace_strict(PRIORITY, default=0,
                                                                            return_dtype=pl.Int8))
            .sort(["bi", "priority", "dpd", "loan_id"], descending=[False, True, True, False])
            .unique(subset="bi", keep="first", maintain_order=True)
        )
        today = Day(t=t, as_of_us=epoch_us(portfolio.start, float(params["decision_hour_utc"])) + t * 86_400_000_000,
                    start=portfolio.start, uniforms=day_uniforms(seed, t, portfolio.size), params=params, segment=portfolio.segment, lawful=variant.lawful)
        paying = act(today, state, chosen, ledger)
        borrower_events(today, state, decisions, due.filter(pl.col("day") == t), paying, ledger)
        for name, add in (("payments", incremental.add_payments), ("contacts", incremental.add_contacts)):
            if state.new[name]:
                add(pl.concat(state.new[name], how="vertical"))
        state.commit_day(t)
        daily.append({"day": t, "date": (portfolio.start + timedelta(days=t)).isoformat(),
                      "in_arrears": int(state.arrears.sum()), **ledger.cumulative()})
        if progress:
            progress(t + 1)
    if variant.lawful and ledger.visits_reachable_or_vulnerable:
        raise AssertionError(f"{variant.name}: {ledger.visits_reachable_or_vulnerable} visits to reachable or "
                             "vulnerable borrowers under a lawful strategy — the gate was bypassed")
    metrics = ledger.metrics(params, state)
    return RunResult(strategy=variant.name, seed=seed, days=days, metrics=metrics, daily=pl.DataFrame(daily),
                     visits=ledger.visit_frame(), recovered_by=ledger.recovered_by)


def _lawful_gate(reference: Policy) -> dict[str, pl.Expr]:
    """The reference strategy's visit gate as two code lists: the unmet preconditions (thresholds, holds,
    reachability, vulnerability) and the unmet steps (notice, its period, consent, approval)."""
    strategy = reference.strategy
    gate = compile_gate(strategy, strategy.variant_params("champion"))
    return {"lawful_unmet": codes_list([(code, expr) for code, expr, pre in gate if pre]),
            "lawful_steps_unmet": codes_list([(code, expr) for code, expr, pre in gate if not pre])}


def _track_arrears(state: State, decisions: pl.DataFrame, t: int) -> None:
    """Arrears per borrower from the engine's own overdue amounts; cures end an episode (time to cure)."""
    per = decisions.group_by("bi").agg(overdue=pl.col("overdue_minor").sum())
    now = np.zeros(state.n, dtype=bool)
    bi = per["bi"].to_numpy()
    now[bi] = per["overdue"].to_numpy() > 0
    started = now & ~state.arrears
    state.arrears_since[started] = t
    ended = state.arrears & ~now
    state.cure_days.extend((t - state.arrears_since[ended]).tolist())
    state.cured |= ended
    state.ever_arrears |= now
    if t > 0:
        state.entered_arrears |= started
    state.arrears_days += int(now.sum())
    state.arrears = now


# ---- several runs at once -------------------------------------------------------------------------------------
# Runs are independent (one strategy, one seed each), so they spread over processes. Workers are started with
# `spawn` (forking a process whose Polars thread pool is running can deadlock) and receive the portfolio once.
# The scorer travels to the workers with the portfolio (pickled by multiprocessing, as the portfolio is: an
# in-memory object this process made, not a model file; the registry itself never unpickles).
Job = tuple[Variant, Params, int]
_WORLD: dict[str, Any] = {}


def _init_worker(portfolio: Portfolio, days: int, scorer: Scorer | None = None) -> None:
    _WORLD["portfolio"], _WORLD["days"], _WORLD["scorer"] = portfolio, days, scorer


def _run_job(job: Job) -> RunResult:
    variant, params, seed = job
    return simulate(_WORLD["portfolio"], variant, params, _WORLD["days"], seed, scorer=_WORLD["scorer"])


def default_workers() -> int:
    """`DUECARE_SIM_WORKERS` if set, else the CPU count (at most 2: the machine is shared), 1 disables it."""
    import os

    from duecare.kit.settings import get_settings

    value = get_settings().sim_workers
    return value if value is not None else max(1, min(2, os.cpu_count() or 1))


class Runner:
    """Runs (variant, params, seed) jobs over one portfolio and horizon, with one risk scorer (or none), in
    `workers` processes kept for its lifetime (use as a context manager), or in this process when `workers` is 1."""

    def __init__(self, portfolio: Portfolio, days: int, workers: int | None = None,
                 scorer: Scorer | None = None) -> None:
        self.portfolio, self.days, self.scorer = portfolio, days, scorer
        self.workers = default_workers() if workers is None else workers
        self.pool: Any = None

    def __enter__(self) -> Runner:
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker,
                                            initargs=(self.portfolio, self.days, self.scorer))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def run(self, jobs: list[Job], done: Callable[[Job, RunResult], None] | None = None) -> list[RunResult]:
        """Every job's result, in the order given."""
        out: list[RunResult] = []
        if self.pool is None or len(jobs) <= 1:
            for job in jobs:
                out.append(simulate(self.portfolio, job[0], job[1], self.days, job[2], scorer=self.scorer))
                if done:
                    done(job, out[-1])
            return out
        futures = [self.pool.submit(_run_job, job) for job in jobs]
        for job, future in zip(jobs, futures, strict=True):
            out.append(future.result())
            if done:
                done(job, out[-1])
        return out


def run_many(portfolio: Portfolio, jobs: list[Job], days: int, workers: int | None = None,
             done: Callable[[Job, RunResult], None] | None = None, scorer: Scorer | None = None) -> list[RunResult]:
    """Every (variant, params, seed) run, in the order given; in `workers` processes when more than one."""
    workers = min(default_workers() if workers is None else workers, len(jobs))
    with Runner(portfolio, days, workers, scorer) as runner:
        return runner.run(jobs, done)
