"""Time as the platform sees it: China Standard Time, injected as a callable.

Nothing in the adapter reads the real clock except the default below; tests and
planning pass their own. China has no daylight saving, so a fixed UTC+8 offset is
exact and needs no tz database (which a bare Windows Python lacks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

__all__ = ["CHINA_TZ", "Clock", "china_now", "fixed_clock"]

CHINA_TZ = timezone(timedelta(hours=8), "CST")

Clock = Callable[[], datetime]


def china_now() -> datetime:
    """The real current time in China (aware, UTC+8)."""
    return datetime.now(CHINA_TZ)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers ``moment`` (made aware in China time if naive)."""
    pinned = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)
    return lambda: pinned
