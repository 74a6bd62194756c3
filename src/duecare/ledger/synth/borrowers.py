"""Borrowers of one partition: who they are (sampled from pools), their segment, group and flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from duecare.ledger.synth import arrow, params
from duecare.ledger.synth.places import (
    CN_MOBILE_PREFIXES,
    EMAIL_DOMAINS,
    TIMEZONES,
    US_AREA_CODES,
    LocalePool,
)


@dataclass(frozen=True)
class People:
    """Per-borrower arrays the later stages need, beside the borrower and truth tables."""

    ids: pa.Array
    segment: np.ndarray
    jurisdiction: np.ndarray
    tz: np.ndarray


def _phones(rng: np.random.Generator, jur: np.ndarray) -> pa.Array:
    n = len(jur)
    count = 1 + (rng.random(n) < params.SECOND_PHONE_P)
    owner = np.repeat(np.arange(n), count)
    j = jur[owner]
    m = len(owner)
    cn = CN_MOBILE_PREFIXES[rng.integers(0, len(CN_MOBILE_PREFIXES), m)] * 100_000_000 \
        + rng.integers(0, 100_000_000, m)
    # Valid numbers only (ingest refuses others): assigned US area codes, UK mobiles 071-075. The same draws
    # as before, so every other column of a seeded portfolio is unchanged.
    area = US_AREA_CODES[(rng.integers(2, 10, m) * 100 + rng.integers(0, 100, m)) % len(US_AREA_CODES)]
    us = area * 10_000_000 + rng.integers(2_000_000, 10_000_000, m)
    uk = 7_100_000_000 + rng.integers(0, 1_000_000_000, m) // 2
    number = pa.array(np.select([j == 0, j == 1], [cn, us], uk)).cast(arrow.S)
    prefix = arrow.codes(("", "+1", "+44"), j)
    values = pc.binary_join_element_wise(prefix, number, "")
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(count, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _take(pool_arrays: list[pa.Array], jur: np.ndarray, idx: np.ndarray) -> pa.Array:
    """Row i takes element idx[i] of the pool of its jurisdiction."""
    if len(pool_arrays) == 1:
        return pool_arrays[0].take(pa.array(idx))
    flat = pa.concat_arrays(pool_arrays)
    starts = np.cumsum([0] + [len(a) for a in pool_arrays])[:-1]
    return flat.take(pa.array(starts[jur] + idx))


def borrowers(rng: np.random.Generator, start: int, n: int, jurisdiction: str,
              pools: dict[int, LocalePool]) -> tuple[People, pa.Table, pa.Table]:
    if jurisdiction == "mixed":
        jur = rng.choice(3, size=n, p=params.MIXED_P)
    else:
        jur = np.full(n, params.JURISDICTIONS.index(jurisdiction), dtype=np.int64)
    seg = rng.choice(len(params.SEGMENTS), size=n, p=params.SEGMENT_P)
    group_b = rng.random(n) < params.GROUP_B_P[seg]
    order = sorted(pools)
    dense = np.searchsorted(np.array(order), jur)     # jurisdiction → position in `order`
    plist = [pools[j] for j in order]

    def pick(size_of: list[int]) -> np.ndarray:
        u = rng.random(n)
        size = np.array(size_of)[dense]
        chosen: np.ndarray = np.minimum((u * size).astype(np.int64), size - 1)
        return chosen

    name_i = pick([len(p.names) for p in plist])
    street_i = pick([len(p.streets) for p in plist])
    box_i = pick([len(p.mailboxes) for p in plist])
    # cities by weight, per jurisdiction
    city_i = np.zeros(n, dtype=np.int64)
    for k, p in enumerate(plist):
        rows = np.flatnonzero(dense == k)
        city_i[rows] = rng.choice(len(p.city), size=len(rows), p=p.city_weight / p.city_weight.sum())
    lat = np.concatenate([p.city_lat for p in plist])
    lon = np.concatenate([p.city_lon for p in plist])
    tzs = np.concatenate([p.city_tz for p in plist])
    city_starts = np.cumsum([0] + [len(p.city) for p in plist])[:-1]
    flat_city = city_starts[dense] + city_i
    tz = tzs[flat_city]

    street = _take([p.streets for p in plist], dense, street_i)
    place = _take([p.city_prefix for p in plist], dense, city_i)
    street_first = np.array([p.street_first for p in plist])[dense]
    address = pc.if_else(pa.array(street_first), pc.binary_join_element_wise(street, place, ""),
                         pc.binary_join_element_wise(place, street, ""))
    has_address = rng.random(n) >= params.ADDRESS_MISSING_P
    digits = pa.array(rng.integers(1, 10_000, n)).cast(arrow.S)
    email = pc.binary_join_element_wise(_take([p.mailboxes for p in plist], dense, box_i), digits, "@",
                                        arrow.codes(EMAIL_DOMAINS, rng.integers(0, 3, n)), "")
    has_email = rng.random(n) < np.array(params.EMAIL_P)[jur]

    ids = arrow.ids("B", start, n, 9)
    cols: dict[str, pa.Array] = {
        "borrower_id": ids,
        "name": _take([p.names for p in plist], dense, name_i),
        "phones": _phones(rng, jur),
        "email": arrow.nullable(email, has_email),
        "address": arrow.nullable(address, has_address),
        "city": arrow.nullable(_take([p.city for p in plist], dense, city_i), has_address),
        "lat": arrow.nullable(pa.array(np.round(lat[flat_city] + rng.normal(0, 0.04, n), 6)), has_address),
        "lon": arrow.nullable(pa.array(np.round(lon[flat_city] + rng.normal(0, 0.05, n), 6)), has_address),
        "timezone": arrow.codes(TIMEZONES, tz),
        "language": arrow.codes(("zh", "en", "en"), jur),
        "jurisdiction": arrow.codes(params.JURISDICTIONS, jur),
        "risk_band": pa.nulls(n, arrow.S),
    }
    for flag, p_flag in params.FLAG_P.items():
        cols[flag] = pa.array(rng.random(n) < p_flag[seg])
    truth = arrow.table("truth", {"borrower_id": ids, "segment": arrow.codes(params.SEGMENTS, seg),
                                  "group": arrow.codes(("A", "B"), group_b.astype(np.int64))})
    return People(ids, seg, jur, tz), arrow.table("borrowers", cols), truth
