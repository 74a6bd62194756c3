"""Find a visit slot: two distinct active field agents, a window inside the strategy's visit window, the pack's
contact hours and the borrower's stated preferred times, at most one visit per borrower per cooldown, and a
pair day route that still reaches every borrower inside the window they were told."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from duecare.kit.errors import TransitionError
from duecare.kit.i18n import N_
from duecare.ledger.models import Borrower
from duecare.privacy.models import StaffUser
from duecare.visits import repository
from duecare.visits.models import VisitCase
from duecare.visits.routing import Route, Stop, plan_route
from duecare.visits.scope import VisitPolicy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STEP_MINUTES = 60
LEAD = timedelta(hours=2)  # never schedule a window that starts sooner than this


@dataclass(frozen=True)
class Slot:
    agents: tuple[str, str]
    start: datetime
    end: datetime
    route: Route
    pair_visits: list[VisitCase]  # the pair's other visits that day (their arrivals change with the route)


def _hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def allowed_intervals(session: Session, borrower: Borrower, day: date, policy: VisitPolicy) -> list[tuple[int, int]]:
    """Minutes after local midnight when a visit may take place on `day` (empty: not on that day)."""
    window = policy.strategy.visit_window
    if WEEKDAYS[day.weekday()] not in window.weekdays:
        return []
    lo, hi = _hm(window.start), _hm(window.end)
    for rule in policy.packs[str(borrower.jurisdiction)].rules_of("contact_hours"):
        lo, hi = max(lo, _hm(rule.params["start"])), min(hi, _hm(rule.params["end"]))
    prefs = repository.preferences(session, borrower.id)
    if not prefs:
        return [(lo, hi)] if hi > lo else []
    out = []
    for p in prefs:
        if p.weekday == day.weekday():
            s = max(lo, p.start_time.hour * 60 + p.start_time.minute)
            e = min(hi, p.end_time.hour * 60 + p.end_time.minute)
            if e > s:
                out.append((s, e))
    return out


def active_field_agents(session: Session) -> list[str]:
    return list(session.scalars(select(StaffUser.id).where(StaffUser.role == "field_agent",
                                                           StaffUser.active.is_(True)).order_by(StaffUser.id)))


def check_agents(session: Session, agents: tuple[str, str]) -> None:
    a, b = agents
    if a == b:
        raise TransitionError("agents_not_distinct", N_("a visit needs two different field agents"))
    active = set(active_field_agents(session))
    for agent in agents:
        if agent not in active:
            raise TransitionError("agent_not_available", N_("{agent} is not an active field agent"),
                                  agent=agent)


def _windows(lo: int, hi: int, length: int, service: int) -> list[tuple[int, int]]:
    """Candidate (start, length) windows in [lo, hi): full-length ones hourly, or the whole interval when the
    borrower's stated time is shorter than a full window but still fits the visit."""
    if hi - lo >= length:
        return [(s, length) for s in range(lo, hi - length + 1, STEP_MINUTES)]
    return [(lo, hi - lo)] if hi - lo >= service else []


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz) + timedelta(minutes=minutes)


def bookable_windows(session: Session, borrower: Borrower, day: date, policy: VisitPolicy,
                     at: datetime) -> list[tuple[int, int]]:
    """The (start, length) windows on `day` a visit could still be booked into at `at`: inside the allowed
    intervals and starting no sooner than LEAD from now (a day whose hours have passed offers none)."""
    tz = ZoneInfo(borrower.timezone)
    sched = policy.data.scheduling
    return [(s, length) for lo, hi in allowed_intervals(session, borrower, day, policy)
            for s, length in _windows(lo, hi, sched.window_minutes, sched.service_minutes)
            if _local(day, s, tz) >= at + LEAD]


def _minutes(moment: datetime, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def pair_route(session: Session, pair: tuple[str, str], day: date, tz: ZoneInfo, policy: VisitPolicy,
               extra: Stop | None = None, exclude: str | None = None) -> tuple[Route | None, list[VisitCase]]:
    """The pair's visits that day (plus a candidate stop) routed; None when they cannot all be reached."""
    start, end = _local(day, 0, tz), _local(day + timedelta(days=1), 0, tz)
    visits = [v for v in repository.booked(session, pair, start, end) if v.id != exclude]
    if any({v.agent_a, v.agent_b} != set(pair) for v in visits):
        return None, visits  # an agent already works with someone else that day
    stops = []
    for v in visits:
        b = session.get(Borrower, v.borrower_id)
        assert b is not None and b.geo is not None and v.window_start and v.window_end
        stops.append(Stop(v.id, b.geo, (_minutes(v.window_start, tz), _minutes(v.window_end, tz))))
    if extra is not None:
        stops.append(extra)
    if len(stops) > policy.data.scheduling.max_visits_per_pair_day:
        return None, visits
    sched = policy.data.scheduling
    return plan_route(stops, sched.service_minutes, sched.travel_speed_kmh), visits


def find_slot(session: Session, visit: VisitCase, borrower: Borrower, policy: VisitPolicy, at: datetime,
              agents: tuple[str, str] | None = None, day: date | None = None) -> Slot:
    """The first lawful, preferred, routable window; TransitionError naming why when there is none."""
    if borrower.geo is None:
        raise TransitionError("no_geo_point", N_("the borrower has no home geo point; a route cannot be planned"))
    if agents is not None:
        check_agents(session, agents)
        pairs = [agents]
    else:
        pool = active_field_agents(session)
        pairs = list(itertools.combinations(pool, 2))
        if not pairs:
            raise TransitionError("agent_not_available", N_("fewer than two active field agents"))
    tz = ZoneInfo(borrower.timezone)
    sched = policy.data.scheduling
    cooldown = timedelta(days=policy.strategy.params.visit_cooldown_days)
    today = at.astimezone(tz).date()
    days = [day] if day is not None else [today + timedelta(days=i) for i in range(sched.horizon_days + 1)]
    seen_reason = "no_slot_in_window"
    for d in days:
        for s, length in bookable_windows(session, borrower, d, policy, at):
            start = _local(d, s, tz)
            end = start + timedelta(minutes=length)
            if repository.visits_of_borrower_between(session, borrower.id, start - cooldown,
                                                     start + cooldown, exclude=visit.id):
                seen_reason = "visit_limit_reached"
                continue
            latest_arrival = s + length - sched.service_minutes
            stop = Stop(visit.id, borrower.geo, (s, max(s, latest_arrival)))
            for pair in pairs:
                route, others = pair_route(session, pair, d, tz, policy, extra=stop, exclude=visit.id)
                if route is not None:
                    return Slot(pair, start, end, route, others)
                seen_reason = "no_routable_slot"
    if seen_reason == "visit_limit_reached":
        raise TransitionError(seen_reason, N_("no window in the visit window and the borrower's preferred times within "
                                              "{days} day(s) fits two free field agents (at most one visit per borrower "
                                              "per 30 days)"), days=len(days))
    raise TransitionError(seen_reason, N_("no window in the visit window and the borrower's preferred times within "
                                          "{days} day(s) fits two free field agents"), days=len(days))


def apply_route(visits: list[VisitCase], route: Route, day: date, tz: ZoneInfo) -> None:
    """Write planned arrivals and order onto the pair's visits of the day."""
    by_id = {v.id: v for v in visits}
    for order, key in enumerate(route.order, start=1):
        if key in by_id:
            by_id[key].route_order = order
            by_id[key].planned_arrival = _local(day, route.arrivals[key], tz)
