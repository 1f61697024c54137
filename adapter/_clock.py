"""Time as the platform sees it: China Standard Time, injected as a callable.

Nothing in the adapter reads the real clock except the default below; tests and
planning pass their own. China has no daylight saving, so a fixed UTC+8 offset is
exact and needs no tz database (which a bare Windows Python lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial

__all__ = ["CHINA_TZ", "Clock", "china_now", "fixed_clock"]

CHINA_TZ = timezone(timedelta(hours=8), "CST")

Clock = Callable[[], datetime]


china_now: Clock = partial(datetime.now, CHINA_TZ)
"""The real current time in China (aware, UTC+8): ``datetime.now(CHINA_TZ)``.

A ``partial`` of ``datetime.now`` rather than a function that calls it: the clock is read about 120
times in a settled visit (every call's msgid, ``inf_time`` and gateway timestamp, every journal row),
and a partial runs without a Python frame of its own."""


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers ``moment`` (made aware in China time if naive)."""
    pinned = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)
    return lambda: pinned
