"""Policy › Simulations (`/console/policy/simulations`): the last `duecare simulate` and `duecare optimise` runs.

Reads the JSON reports the commands write under `<data dir>/simulations`; aggregates only (no borrower data).
Supervisors (who own the strategy) and compliance officers (who must see what a strategy does to visits and
complaints) may read it: permission `simulations.read`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from duecare.kit.i18n import N_, translations
from duecare.kit.settings import get_settings
from duecare.privacy.deps import require
from duecare.privacy.permissions import Actor
from duecare.simulate.compare import HEADLINE, PREVENTION
from duecare.simulate.report import (
    DIGITS,
    KIND_OPTIMISATION,
    KIND_SIMULATION,
    figures,
    fmt,
    latest,
    prevention_rows,
    runs_dir,
    sensitivity_rows,
    table_rows,
)
from duecare.web.i18n import request_locale
from duecare.web.labels import label
from duecare.web.templating import render

# The recovery gap's borrower groups (`simulate.gap.GROUPS`, as the JSON names them) and true segments
# (`simulate.params.SEGMENTS`) as message ids the catalogs translate.
GAP_GROUPS = {
    "not visited": N_("Not visited by the baseline"),
    "vulnerable": N_("Vulnerable"),
    "reachable": N_("Reachable (a right-party contact in the last 30 days)"),
    "remote channels not exhausted": N_("Remote channels not exhausted"),
    "another precondition unmet": N_("Another precondition unmet (a threshold, a hold, a limit)"),
    "preconditions met; notice, consent or approval not done": N_(
        "Preconditions met; notice, consent or approval not done"),
    "whole lawful gate met": N_("Whole lawful gate met"),
}
SEGMENT_LABELS = {
    "always_on_time": N_("Always on time"), "occasionally_late": N_("Occasionally late"),
    "chronic_late": N_("Chronically late"), "hardship_then_cure": N_("Hardship, then cure"),
    "default": N_("Default"), "unreachable": N_("Unreachable"),
}

# The arrears-prevented metrics (`simulate.compare.PREVENTION`) as column headings the catalogs translate.
PREVENTION_LABELS = {
    "entered_arrears": N_("Borrowers who entered arrears"),
    "arrears_days": N_("Borrower-days in arrears"),
    "fell_overdue": N_("Money that fell overdue"),
    "paid_at_due_after_reminder": N_("Paid by the due date after a pre-due reminder"),
    "prevented_overdue": N_("Kept from falling overdue by the reminder"),
}

router = APIRouter()
READ = Depends(require("simulations.read"))


def _figures(report: dict[str, Any] | None, tr: Callable[[str], str]) -> list[str]:
    """The report's charts with their titles and strategy names in the reader's language."""
    if report is None:
        return []
    return [str(fig.to_json()).replace("</", "<\\/")
            for fig in figures(report, tr, lambda code: tr(label("strategy", code)))]


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def named_rows(report: dict[str, Any], rows: list[list[str]]) -> list[list[Any]]:
    """`rows` (report.table_rows or prevention_rows: one per strategy, then one per later strategy paired to the
    first) with the first cell as the strategy it is about ({code, lawful, paired_to}): the page labels it."""
    strategies = report["strategies"]
    names = [{"code": s["strategy"], "lawful": s["lawful"], "paired_to": None} for s in strategies]
    names += [{"code": s["strategy"], "lawful": True, "paired_to": s.get("difference_to", "")} for s in strategies[1:]]
    return [[name, *row[1:]] for name, row in zip(names, rows, strict=False)]


def gap_rows(report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The report's recovery gap as table rows: per group its label (a message id), borrowers, the gap
    (mean ± half-width of the 95% interval over the paired seeds, major units) and its share of the total; the
    same per true segment. None when the report has no gap (no counterfactual, or a counterfactual first)."""
    gap = (report or {}).get("recovery_gap")
    if not gap:
        return None
    return {
        "strategy": gap["strategy"], "baseline": gap["baseline"], "total": fmt(gap["total"]),
        "groups": [[GAP_GROUPS.get(g["group"], g["group"]), f"{g['borrowers']:,.0f}", fmt(g["gap"]),
                    _share(g["share"])] for g in gap["groups"]],
        "segments": [[SEGMENT_LABELS.get(s["segment"], s["segment"]), fmt(s["gap"]), _share(s["share"])]
                     for s in gap["segments"]],
    }


@router.get("/policy/simulations")
def simulations_page(request: Request, actor: Actor = READ) -> Response:
    """The last simulation (comparison table with intervals, recovery gap per borrower group, sensitivity) and
    the last optimisation."""
    tr = translations(request_locale(request)).gettext
    directory = runs_dir(get_settings().data_dir)
    sim = latest(directory, KIND_SIMULATION)
    opt = latest(directory, KIND_OPTIMISATION)
    held = [[{"code": r["strategy"], "lawful": True, "paired_to": None},
             *[fmt(r["metrics"].get(m), DIGITS.get(m, 0)) for m in HEADLINE]] for r in (opt or {}).get("held_out", [])]
    return render(request, "console/simulations.html", sim=sim, opt=opt, headline=HEADLINE,
                  sim_rows=named_rows(sim, table_rows(sim)) if sim else [],
                  prevention_labels=[PREVENTION_LABELS[m] for m in PREVENTION],
                  prevention_rows=named_rows(sim, prevention_rows(sim)) if sim else [], sens_rows=sensitivity_rows(sim) if sim else [],
                  held_rows=held, sim_figs=_figures(sim, tr), opt_figs=_figures(opt, tr), gap=gap_rows(sim))
