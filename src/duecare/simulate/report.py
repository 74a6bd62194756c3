"""Reports of simulations and optimisations: JSON for machines, HTML with offline plotly charts for people.

The HTML embeds plotly.js from the installed plotly package (no CDN): it opens without a network. The console's
Policy › Simulations page draws the same figures (`figures`) from the same JSON.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from duecare.kit import clock
from duecare.kit.i18n import N_
from duecare.simulate.compare import HEADLINE, PREVENTION, Comparison, ratios

KIND_SIMULATION, KIND_OPTIMISATION = "simulation", "optimisation"


def _clean(value: Any) -> Any:
    """JSON without NaN (null instead), recursively."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, np.floating | np.integer):
        return _clean(value.item())
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def daily_means(comparison: Comparison) -> dict[str, list[dict[str, Any]]]:
    """Per strategy, the day-by-day cumulative figures averaged over seeds."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, runs in comparison.runs.items():
        frame = pl.concat([r.daily for r in runs]).group_by("day", "date").agg(
            pl.col("in_arrears", "recovered", "visits", "complaints", "contacts").mean()).sort("day")
        out[name] = frame.to_dicts()
    return out


def simulation_report(comparison: Comparison, *, portfolio: str, accounts: int, start: str,
                      sensitivity: list[dict[str, Any]] | None = None, params_file: str = "",
                      recovery_gap: dict[str, Any] | None = None, risk_model: str | None = None) -> dict[str, Any]:
    names = [r["strategy"] for r in comparison.rows]
    targets = {}
    baseline = next((r["strategy"] for r in comparison.rows if not r["lawful"]), None)
    if baseline:
        targets = {n: ratios(comparison, n, baseline) for n in names if n != baseline}
    report: dict[str, Any] = _clean({
        "kind": KIND_SIMULATION, "created_at": clock.now().isoformat(timespec="seconds"),
        "portfolio": portfolio, "accounts": accounts, "start": start, "days": comparison.days,
        "seeds": comparison.seeds, "params_file": params_file or "duecare/simulate/params.yaml",
        "strategies": comparison.rows, "against_counterfactual": targets, "baseline": baseline,
        "daily": daily_means(comparison), "sensitivity": sensitivity or [], "recovery_gap": recovery_gap,
        "risk_model": risk_model,
    })
    return report


def model_id(scorer: Any) -> str | None:
    """The risk model a run was scored with (`name@version` of a registered scorer), None without a scorer."""
    if scorer is None:
        return None
    return str(getattr(scorer, "model_id", None) or getattr(scorer, "__name__", type(scorer).__name__))


def fmt(cell: dict[str, Any] | None, digits: int = 0) -> str:
    if not cell or cell.get("mean") is None:
        return "n/a"
    return f"{cell['mean']:,.{digits}f} ± {cell['half_width'] or 0:,.{digits}f}"


DIGITS = {"cure_rate": 3, "known_without_visit_share": 3, "contacts_per_borrower": 1, "time_to_cure_days": 1}


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """The comparison table: one row per strategy, headline metrics as mean ± half-width of the 95% interval."""
    return [[s["strategy"] + ("" if s["lawful"] else " [counterfactual]"),
             *[fmt(s["metrics"].get(m), DIGITS.get(m, 0)) for m in HEADLINE]] for s in report["strategies"]]


def prevention_rows(report: dict[str, Any]) -> list[list[str]]:
    """The arrears-prevented table: per strategy its levels, then for each later strategy its paired difference
    to the first (same seeds), mean ± half-width of the 95% interval. Reports written before these metrics
    existed read n/a."""
    rows = [[s["strategy"] + ("" if s["lawful"] else " [counterfactual]"),
             *[fmt(s["metrics"].get(m)) for m in PREVENTION]] for s in report["strategies"]]
    for s in report["strategies"][1:]:
        diff = s.get("difference") or {}
        rows.append([f"{s['strategy']} − {s.get('difference_to', '')} (paired)", *[fmt(diff.get(m)) for m in PREVENTION]])
    return rows


def _same(text: str) -> str:
    return text


def figures(report: dict[str, Any], tr: Callable[[str], str] = _same,
            name: Callable[[str], str] = _same) -> list[Any]:
    """The plotly figures of a report (shared by the HTML file and the console page, which passes its catalog's
    `tr` for the titles, message ids, and `name` for the strategies' labels)."""
    import plotly.graph_objects as go

    figs: list[Any] = []
    if report.get("kind") == KIND_SIMULATION:
        names = [name(s["strategy"]) for s in report["strategies"]]
        for metric, title in (("net_recovery", N_("Net recovery (mean, 95% CI)")), ("visits", N_("Home visits")),
                              ("complaints", N_("Complaints"))):
            cells = [s["metrics"][metric] for s in report["strategies"]]
            figs.append(go.Figure(go.Bar(x=names, y=[c["mean"] for c in cells], error_y={
                "type": "data", "array": [c["half_width"] or 0 for c in cells]}), layout={"title": tr(title)}))
        line = go.Figure(layout={"title": tr(N_("Recovered so far (mean over seeds)"))})
        for strategy, rows in report["daily"].items():
            line.add_trace(go.Scatter(x=[r["date"] for r in rows], y=[r["recovered"] for r in rows],
                                      name=name(strategy)))
        figs.append(line)
        if report.get("sensitivity"):
            rows = [r for r in report["sensitivity"] if r["group"] != "base"]
            base = report["sensitivity"][0]["low"]["net_recovery"]["mean"]
            tornado = go.Figure(layout={"title": tr(N_("Net recovery when a parameter group moves ±25%")),
                                        "barmode": "overlay"})
            tornado.add_trace(go.Bar(y=[r["group"] for r in rows], x=[r["low"]["net_recovery"]["mean"] - base for r in rows],
                                     orientation="h", name="-25%"))
            tornado.add_trace(go.Bar(y=[r["group"] for r in rows], x=[r["high"]["net_recovery"]["mean"] - base for r in rows],
                                     orientation="h", name="+25%"))
            figs.append(tornado)
    else:
        trials = report.get("trials", [])
        figs.append(go.Figure(go.Scatter(x=[t["number"] for t in trials], y=[t["value"] for t in trials],
                                         mode="markers"),
                              layout={"title": tr(N_("Optimiser: net recovery per trial (training seeds)"))}))
    return figs


def _table_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sensitivity_rows(report: dict[str, Any]) -> list[list[str]]:
    """Per group: net recovery, visits and complaints at −25% and +25%; net recovery's paired shift from the base."""
    return [[r["group"], ", ".join(r["params"]),
             *[fmt(r[side][m]) for side in ("low", "high") for m in ("net_recovery", "visits", "complaints")],
             *[fmt(r.get(f"{side}_shift", {}).get("net_recovery")) for side in ("low", "high")]]
            for r in report.get("sensitivity", [])]


def write_html(report: dict[str, Any], path: Path) -> None:
    """A self-contained page: tables, then the charts with plotly.js embedded once."""
    import plotly.io as pio

    parts = [f"<h1>duecare {report['kind']} — {html.escape(report['created_at'])}</h1>"]
    if report["kind"] == KIND_SIMULATION:
        parts.append(f"<p>Portfolio {html.escape(report['portfolio'])}: {report['accounts']:,} accounts from "
                     f"{report['start']}, {report['days']} days, seeds {report['seeds']}. Cells are mean ± half-width "
                     "of the 95% t-interval over seeds. Parameters: " + html.escape(report["params_file"]) + ". Risk scores: "
                     + html.escape(report.get("risk_model") or "none") + ".</p>")
        parts.append(_table_html(["strategy", *HEADLINE], table_rows(report)))
        parts.append("<h2>Arrears and arrears prevented</h2><p>recovered counts money paid while in arrears, so "
                     "arrears prevented lower it. entered_arrears: borrowers current at the first decision who were "
                     "in arrears at a later one; arrears_days: borrowers in arrears summed over the days; "
                     "fell_overdue: installments falling due in the horizon not paid by their due date; "
                     "paid_at_due_after_reminder: those paid by it after a pre-due reminder; prevented_overdue: of "
                     "these, the ones the same borrower would not have paid by the due date without the reminder "
                     "(same draw). Money in major units.</p>")
        parts.append(_table_html(["strategy", *PREVENTION], prevention_rows(report)))
        for s in report["strategies"]:
            if not s["lawful"]:
                parts.append(f"<p><strong>{html.escape(s['strategy'])}</strong>: {html.escape(s['label'])}</p>")
        if report["against_counterfactual"]:
            parts.append(_table_html(["strategy", "recovery kept vs counterfactual", "visits vs counterfactual"],
                                     [[k, f"{v['recovery_share']:.1%}", f"{v['visit_share']:.1%}" if v["visit_share"]
                                       is not None else "n/a"] for k, v in report["against_counterfactual"].items()]))
        if report["sensitivity"]:
            parts.append("<h2>Sensitivity (standard strategy, each group ×0.75 and ×1.25)</h2>")
            parts.append(_table_html(["group", "params", "net −25%", "visits −25%", "complaints −25%",
                                      "net +25%", "visits +25%", "complaints +25%", "net shift −25% (paired)",
                                      "net shift +25% (paired)"], sensitivity_rows(report)))
        if report.get("recovery_gap"):
            from duecare.simulate.gap import gap_html

            parts.append(gap_html(report["recovery_gap"]))
    else:
        parts.append(f"<pre>{html.escape(json.dumps({k: v for k, v in report.items() if k != 'trials'}, indent=2, ensure_ascii=False))}</pre>")
    for i, fig in enumerate(figures(report)):
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0)))
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>duecare {report['kind']}</title>"
                    f"<style>{style}</style></head><body>{''.join(parts)}</body></html>", encoding="utf-8")


def save(report: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write `<stem>.json` and `<stem>.html` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    write_html(report, html_path)
    return json_path, html_path


def runs_dir(data_dir: Path) -> Path:
    return data_dir / "simulations"


def latest(directory: Path, kind: str) -> dict[str, Any] | None:
    """The newest report of a kind in a directory (file names sort by time)."""
    prefix = "sim-" if kind == KIND_SIMULATION else "opt-"
    files = sorted(directory.glob(f"{prefix}*.json")) if directory.is_dir() else []
    if not files:
        return None
    data: dict[str, Any] = json.loads(files[-1].read_text(encoding="utf-8"))
    return data


def stamp() -> str:
    return clock.now().strftime("%Y%m%dT%H%M%S")
