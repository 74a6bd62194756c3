"""Dashboards people can trust: the month in progress is marked partial (drawn hollow and dotted, named so),
one measure per chart and axis, every title, axis, legend and category translated; the new measures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import polars as pl
from test_pages import staff_signs_in

from duecare.console import dashboards
from duecare.kit.db import unit_of_work


def _strings(fig: dict[str, Any]) -> list[str]:
    """Every text a reader sees in a figure: title, axis titles, trace names, categorical x and y values."""
    layout = fig["layout"]
    out = [layout.get("title", {}).get("text", "")]
    for axis in ("xaxis", "yaxis"):
        out.append(layout.get(axis, {}).get("title", {}).get("text", ""))
    for trace in fig["data"]:
        out.append(trace.get("name", ""))
        for key in ("x", "y"):
            values = trace.get(key) or []
            if isinstance(values, list):
                out += [v for v in values if isinstance(v, str)]
    return [s for s in out if s]


def test_every_chart_has_one_measure_on_one_axis_and_every_text_is_translated(world: Any) -> None:
    at = datetime.now(UTC).replace(day=15, hour=12)  # mid-month: the last month is partial
    with unit_of_work(world.url) as db:
        d = dashboards.build(db, at)
    assert d.partial_month == at.strftime("%Y-%m")
    assert all(r["partial"] == (r["month"] == d.partial_month) for r in d.rpc + d.recovery + d.contacts)
    figs = {k: json.loads(v.replace("<\\/", "</")) for k, v in dashboards.figures(d, lambda s: f"«{s}»").items()}
    assert {"rpc", "recovery", "agents", "avoided", "cures", "overdue"} <= set(figs)
    for key, fig in figs.items():
        assert "yaxis2" not in fig["layout"], key  # one measure per axis: never a second y axis
        for text in _strings(fig):
            month_label = text[:7].replace("-", "").isdigit()
            assert "«" in text or month_label or key in ("blocked", "agents"), (key, text)  # rule ids, agent ids
            if month_label and len(text) > 7:
                assert "«month so far, partial»" in text, (key, text)


def test_the_partial_month_is_drawn_hollow_and_dotted_apart_from_the_whole_months(world: Any) -> None:
    rows = [{"month": "2026-10", "rate": 0.3, "partial": False}, {"month": "2026-11", "rate": 0.32, "partial": False},
            {"month": "2026-12", "rate": 0.05, "partial": True}]
    d = dashboards.Dashboard([], [], [], [], {"proposed": 0, "approved": 0, "done": 0, "avoided": 0}, [], [], None,
                             rpc=rows, partial_month="2026-12")
    fig = json.loads(dashboards.figures(d, str)["rpc"].replace("<\\/", "</"))
    whole, part = fig["data"]
    assert whole["x"] == ["2026-10", "2026-11"] and whole["line"]["dash"] == "solid"
    assert part["x"] == ["2026-11", "2026-12 (month so far, partial)"] and part["line"]["dash"] == "dot"
    assert part["marker"]["symbol"][-1] == "circle-open"


def test_the_page_names_the_partial_month_and_shows_the_new_measures(client: Any, world: Any) -> None:
    staff_signs_in(client, "web-analyst")
    client.cookies.set("duecare_lang", "en")
    page = client.get("/console/dashboards").text
    for chart in ("fig-rpc", "fig-recovery", "fig-agents", "fig-avoided"):
        assert f'data-chart="{chart}"' in page
    assert "Right-party-contact rate" in page and "Promise-kept rate by agent" in page
    if datetime.now(UTC).day != 1:
        assert 'data-testid="partial-month"' in page
    client.cookies.set("duecare_lang", "zh_CN")
    zh = client.get("/console/dashboards").text
    assert "本人接通率" in zh and "回收率" in zh
    main = zh.split('<main', 1)[1]  # in the page's body, not in its <title>
    assert 'data-chart="fig-cycle"' in main and 'data-testid="cycle-table"' in main


def test_cycle_time_counts_each_route_from_the_moment_the_borrower_became_unreachable(world: Any) -> None:
    """B1 and B3 are unreachable (their visits passed the gate): B1 then answers the hardship questionnaire, and a
    person verifies B3's video call; each spell is measured from its first unreachable moment, per route."""
    from datetime import timedelta

    from duecare.features.cycletime import unreachable_onsets
    from duecare.ledger import models as m
    from duecare.portal.models import HardshipAnswers
    from duecare.privacy.permissions import SYSTEM
    from duecare.web.snapshot import load_frames

    at = datetime.now(UTC)
    with unit_of_work(world.url) as db:
        before = dashboards.build(db, at).cycle
        onsets = unreachable_onsets(load_frames(db, SYSTEM)["contacts"], until=at)
        first = {r["borrower_id"]: r["at"] for r in onsets.group_by("borrower_id").agg(pl.col("at").min()).to_dicts()}
        b1, b3 = world.visit_borrower, "B3"
        assert b1 in first and b3 in first, first
        db.add(HardshipAnswers(borrower_id=b1, purpose="repayment_plan_affordability", answers="{}",
                               created_at=at - timedelta(hours=2)))
        db.add(m.Alternative(id="ALT-cycle", borrower_id=b3, kind=m.AlternativeKind.VIDEO,
                             state=m.AlternativeState.VERIFIED, chosen_at=at - timedelta(hours=3),
                             completed_at=at - timedelta(hours=1), evidence_ref="video_report:test"))
    with unit_of_work(world.url) as db:
        d = dashboards.build(db, at)
    routes = {r["route"]: r for r in d.cycle["per_route"]}
    assert routes["questionnaire"]["spells"] == 1 and routes["video"]["spells"] == 1
    expected = (at - timedelta(hours=2) - first[b1]).total_seconds() / 86400
    assert abs(routes["questionnaire"]["median"] - expected) < 1 / 86400  # the store keeps whole seconds
    assert d.cycle["known"] == before["known"] + 2 and d.cycle["open"] == before["open"] - 2
    assert d.cycle["without_visit_share"] == 1.0
    fig = json.loads(dashboards.figures(d, lambda s: f"«{s}»")["cycle"].replace("<\\/", "</"))
    assert {t["name"] for t in fig["data"]} >= {"«Hardship questionnaire»", "«Video call»"}
