"""Policy › Simulations (`/console/policy/simulations`): the last `duecare simulate` and `duecare optimise` runs.

Reads the JSON reports the commands write under `<data dir>/simulations`; aggregates only (no borrower data).
Supervisors (who own the strategy) and compliance officers (who must see what a strategy does to visits and
complaints) may read it: permission `simulations.read`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from duecare.kit.settings import get_settings
from duecare.privacy.deps import require
from duecare.privacy.permissions import Actor
from duecare.simulate.compare import HEADLINE
from duecare.simulate.report import (
    DIGITS,
    KIND_OPTIMISATION,
    KIND_SIMULATION,
    figures,
    fmt,
    latest,
    runs_dir,
    sensitivity_rows,
    table_rows,
)
from duecare.web.templating import render

router = APIRouter()
READ = Depends(require("simulations.read"))


def _figures(report: dict[str, Any] | None) -> list[str]:
    if report is None:
        return []
    return [str(fig.to_json()).replace("</", "<\\/") for fig in figures(report)]


@router.get("/policy/simulations")
def simulations_page(request: Request, actor: Actor = READ) -> Response:
    """The last simulation (comparison table with intervals, sensitivity) and the last optimisation."""
    directory = runs_dir(get_settings().data_dir)
    sim = latest(directory, KIND_SIMULATION)
    opt = latest(directory, KIND_OPTIMISATION)
    held = [[r["strategy"], *[fmt(r["metrics"].get(m), DIGITS.get(m, 0)) for m in HEADLINE]]
            for r in (opt or {}).get("held_out", [])]
    return render(request, "console/simulations.html", sim=sim, opt=opt, headline=HEADLINE,
                  sim_rows=table_rows(sim) if sim else [], sens_rows=sensitivity_rows(sim) if sim else [],
                  held_rows=held, sim_figs=_figures(sim), opt_figs=_figures(opt))
