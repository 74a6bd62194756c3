"""Vectorised local time: borrower-local calendar days and times of day to UTC seconds, DST included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


@dataclass(frozen=True)
class Clock:
    """UTC offsets per timezone and local day around as_of, and the snapshot cut-off per borrower."""

    as_of_day: int              # the as_of date, days since 1970-01-01
    first_day: int              # first day the offset table covers
    offsets: np.ndarray         # [timezone, day - first_day] → UTC offset in seconds at local noon

    @classmethod
    def build(cls, as_of: dt.date, timezones: tuple[str, ...], back_days: int = 800,
              ahead_days: int = 800) -> Clock:
        first = as_of - dt.timedelta(days=back_days)
        n = back_days + ahead_days
        table = np.empty((len(timezones), n), dtype=np.int64)
        for i, name in enumerate(timezones):
            zone = ZoneInfo(name)
            for k in range(n):
                noon = dt.datetime.combine(first + dt.timedelta(days=k), dt.time(12), tzinfo=zone)
                off = noon.utcoffset()
                assert off is not None
                table[i, k] = int(off.total_seconds())
        return cls(as_of_day=day_number(as_of), first_day=day_number(first), offsets=table)

    def to_utc(self, tz: np.ndarray, day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """UTC epoch seconds of a local day and time of day (exact for times after 04:00 local)."""
        k = np.clip(day - self.first_day, 0, self.offsets.shape[1] - 1)
        utc: np.ndarray = day * DAY + seconds - self.offsets[tz, k]
        return utc

    def local_day(self, tz: np.ndarray, utc_seconds: np.ndarray) -> np.ndarray:
        """The borrower-local calendar day of an instant (offset taken at that local day's noon)."""
        guess = utc_seconds // DAY
        k = np.clip(guess - self.first_day, 0, self.offsets.shape[1] - 1)
        local: np.ndarray = (utc_seconds + self.offsets[tz, k]) // DAY
        return local

    def cutoff(self, tz: np.ndarray) -> np.ndarray:
        """Per borrower, the first instant not generated: as_of 00:00 UTC or local, whichever is earlier."""
        day = np.full(tz.shape, self.as_of_day, dtype=np.int64)
        local_midnight = self.to_utc(tz, day, np.zeros_like(day))
        first: np.ndarray = np.minimum(local_midnight, self.as_of_day * DAY)
        return first


def add_months(day: np.ndarray, months: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """The day `months` calendar months after the month of `day`, on day-of-month `dom` (≤ 28)."""
    month0 = day.astype("datetime64[D]").astype("datetime64[M]")
    target = (month0 + months.astype("timedelta64[M]")).astype("datetime64[D]")
    days: np.ndarray = target.astype(np.int64) + dom - 1
    return days


def day_of_month(day: np.ndarray) -> np.ndarray:
    d = day.astype("datetime64[D]")
    dom: np.ndarray = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return dom
