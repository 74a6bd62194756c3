"""A field pair's day route: OR-Tools orders the visits to minimise travel (haversine distances over the
borrowers' geo points) while every arrival stays inside the window the borrower was told.

The route is an open path (a zero-cost depot: the pair may start at any visit), with a time dimension in
minutes after local midnight: travel time at the policy's speed plus the service time of each visit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

EARTH_RADIUS_M = 6_371_000.0


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Great-circle distance in whole metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(h)))


@dataclass(frozen=True)
class Stop:
    key: str
    point: tuple[float, float]
    window: tuple[int, int]  # earliest and latest arrival, minutes after local midnight


@dataclass(frozen=True)
class Route:
    order: list[str]
    arrivals: dict[str, int]  # minutes after local midnight
    distance_m: int


def plan_route(stops: Sequence[Stop], service_minutes: int, speed_kmh: float) -> Route | None:
    """The shortest open route through every stop within its window, or None if no such route exists."""
    if not stops:
        return Route([], {}, 0)
    n = len(stops) + 1  # node 0 is the free depot
    dist = [[0] * n for _ in range(n)]
    for i, si in enumerate(stops, start=1):
        for j, sj in enumerate(stops, start=1):
            if i != j:
                dist[i][j] = haversine_m(si.point, sj.point)
    metres_per_minute = speed_kmh * 1000 / 60

    def travel_min(i: int, j: int) -> int:
        return 0 if i == 0 or j == 0 else math.ceil(dist[i][j] / metres_per_minute)

    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance_cb(fi: int, ti: int) -> int:
        i: int = manager.IndexToNode(fi)
        j: int = manager.IndexToNode(ti)
        return dist[i][j]

    def time_cb(fi: int, ti: int) -> int:
        i, j = manager.IndexToNode(fi), manager.IndexToNode(ti)
        return (service_minutes if i != 0 else 0) + travel_min(i, j)

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance_cb))
    time_index = routing.RegisterTransitCallback(time_cb)
    day_end = 24 * 60
    routing.AddDimension(time_index, day_end, day_end, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for node, stop in enumerate(stops, start=1):
        dim.CumulVar(manager.NodeToIndex(node)).SetRange(stop.window[0], stop.window[1])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    order: list[str] = []
    arrivals: dict[str, int] = {}
    total = 0
    index = routing.Start(0)
    prev_node = 0
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != 0:
            stop = stops[node - 1]
            order.append(stop.key)
            arrivals[stop.key] = solution.Min(dim.CumulVar(index))
            total += dist[prev_node][node]
            prev_node = node
        index = solution.Value(routing.NextVar(index))
    return Route(order, arrivals, total)
