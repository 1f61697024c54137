"""China-time clock helpers and the wire's date/time formats.

The platform runs on China Standard Time (UTC+8, no daylight saving). Every clock the mock is given must
return timezone-aware datetimes; they are converted to UTC+8 before any calendar decision (sign-in day,
filing validity, age), so a caller passing UTC gets the same answers as one passing China time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), name="CST")

Clock = Callable[[], datetime]

# PROTOCOL.md conventions: D = yyyy-MM-dd, DT = yyyy-MM-dd HH:mm:ss; envelope times are yyyyMMddHHmmssSSS.
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def china_now() -> datetime:
    """The real clock, in China time."""
    return datetime.now(CHINA_TZ)


def read_clock(clock: Clock) -> datetime:
    """Call `clock` and return its time in China time; a naive datetime is a programming error."""
    now = clock()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the mock platform's clock must return timezone-aware datetimes")
    return now.astimezone(CHINA_TZ)


def format_date(value: date | None) -> str:
    """A `D` field; an absent date is the empty string (PROTOCOL.md §1.6: empty values are "")."""
    if value is None:
        return ""
    if value.year < 1000:  # strftime does not pad such a year: keep its text
        return value.strftime(DATE_FORMAT)
    return "%d-%02d-%02d" % (value.year, value.month, value.day)  # noqa: UP031 (see below)


def format_datetime(value: datetime) -> str:
    """A `DT` field."""
    if value.year < 1000:
        return value.strftime(DATETIME_FORMAT)
    return "%d-%02d-%02d %02d:%02d:%02d" % (  # noqa: UP031 (see below)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


def format_compact(value: datetime) -> str:
    """yyyyMMddHHmmss, the time inside ids (inf_refmsgid, PROTOCOL.md §1.4)."""
    if value.year < 1000:
        return value.strftime("%Y%m%d%H%M%S")
    return "%d%02d%02d%02d%02d%02d" % (  # noqa: UP031 (see below)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


def format_day(value: date) -> str:
    """yyyyMMdd, the day inside ids (mdtrt_id, setl_id)."""
    if value.year < 1000:
        return value.strftime("%Y%m%d")
    return "%d%02d%02d" % (value.year, value.month, value.day)  # noqa: UP031 (see below)


def format_month(value: date) -> str:
    """yyyyMM, an accumulator month (cum_ym)."""
    if value.year < 1000:
        return value.strftime("%Y%m")
    return "%d%02d" % (value.year, value.month)  # noqa: UP031 (see below)


def format_millis(value: datetime) -> str:
    """`refmsg_time` / `respond_time`: yyyyMMddHHmmssSSS (PROTOCOL.md §1.4)."""
    if value.year < 1000:
        return format_compact(value) + f"{value.microsecond // 1000:03d}"
    return "%d%02d%02d%02d%02d%02d%03d" % (  # noqa: UP031 (see below)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond // 1000,
    )


# The formatters above write the fields themselves: `strftime` builds a time tuple and scans its format
# on every call, about five times the cost, and a call formats several times (issue #18). One %-format
# is half the cost of an f-string of as many `:02d` fields (each of those a format() call of its own).
# A year before 1000 still goes through strftime, which writes it unpadded.


# [0-9], not \d: \d also matches full-width and other non-ASCII digits, which the wire never carries.
_DATETIME_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_datetime(text: str) -> datetime:
    """Parse a `DT` field (naive; the wire carries China local time); ValueError if it is not one.

    `fromisoformat` after a shape check, rather than `strptime`, which consults the locale on every call.
    """
    if not _DATETIME_SHAPE.fullmatch(text):
        raise ValueError(f"not a yyyy-MM-dd HH:mm:ss time: {text!r}")
    return datetime.fromisoformat(text)


def completed_years(born: date, on: date) -> int:
    """Age in completed years on a given day."""
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    return on.year - born.year - (0 if had_birthday else 1)
