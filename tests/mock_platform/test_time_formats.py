"""The wire's time formats are written field by field (issue #18): exactly what strftime wrote."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from mock_platform._time import (
    format_compact,
    format_date,
    format_datetime,
    format_day,
    format_millis,
    format_month,
)

EDGES = [
    datetime(1, 1, 1),
    datetime(999, 12, 31, 23, 59, 59, 999999),  # a year strftime writes unpadded
    datetime(1000, 1, 1),
    datetime(2026, 11, 22, 9, 5, 7, 4000),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
]


def _samples() -> list[datetime]:
    generator = random.Random(18)
    span = int((datetime(9999, 12, 31) - datetime(1, 1, 1)).total_seconds())
    return EDGES + [
        datetime(1, 1, 1)
        + timedelta(seconds=generator.randrange(span), microseconds=generator.randrange(10**6))
        for _ in range(2000)
    ]


def test_every_format_is_what_strftime_writes() -> None:
    for value in _samples():
        assert format_datetime(value) == value.strftime("%Y-%m-%d %H:%M:%S")
        assert format_compact(value) == value.strftime("%Y%m%d%H%M%S")
        assert format_millis(value) == value.strftime("%Y%m%d%H%M%S") + f"{value.microsecond // 1000:03d}"
        assert format_date(value.date()) == value.date().strftime("%Y-%m-%d")
        assert format_day(value) == f"{value:%Y%m%d}"
        assert format_month(value) == f"{value:%Y%m}"
    assert format_date(None) == ""
    assert format_date(date(2026, 1, 2)) == "2026-01-02"
