"""Is a service open now, and when does it next open? In Europe/Brussels time.

Pure functions of the opening hours and an aware ``now``; DST is handled by converting to
local wall-clock time with :mod:`zoneinfo` (the ``tzdata`` package provides the rules where
the system has none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .model import Hours

TZ = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class OpenStatus:
    """``always``: 24/7; otherwise ``open`` now, until ``closes`` or next ``opens``."""

    always: bool
    open: bool
    closes: dt.datetime | None = None  # local time the current opening ends
    opens: dt.datetime | None = None  # local time of the next opening (when closed)


def _at(day: dt.date, minutes: int) -> dt.datetime:
    base = dt.datetime.combine(day, dt.time(0), tzinfo=TZ)
    naive = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)
    # wall-clock time on that date (24:00 is midnight of the next day)
    return naive.replace(tzinfo=TZ) if naive.date() == day else base + dt.timedelta(days=1)


def status(hours: Hours, now: dt.datetime) -> OpenStatus:
    """Open/closed status at ``now`` (any aware datetime)."""
    if hours.always:
        return OpenStatus(always=True, open=True)
    local = now.astimezone(TZ)
    minute = local.hour * 60 + local.minute
    today = local.date()
    for interval in hours.week[today.weekday()]:
        if interval.start <= minute < interval.end:
            closes = _at(today, interval.end)
            # an opening that runs to midnight and continues at 00:00 the next day
            following = hours.week[(today.weekday() + 1) % 7]
            if interval.end == 1440 and following and following[0].start == 0:
                closes = _at(today + dt.timedelta(days=1), following[0].end)
            return OpenStatus(always=False, open=True, closes=closes)
    for offset in range(8):
        day = today + dt.timedelta(days=offset)
        for interval in hours.week[day.weekday()]:
            if offset == 0 and interval.start <= minute:
                continue
            return OpenStatus(always=False, open=False, opens=_at(day, interval.start))
    return OpenStatus(always=False, open=False)
