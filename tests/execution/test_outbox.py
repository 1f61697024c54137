"""3 working days (seed 002 三(四)): weekends do not count."""

from __future__ import annotations

from datetime import date

import pytest

from adapter.execution import add_working_days


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 11, 23), date(2026, 11, 26)),  # Monday → Thursday
        (date(2026, 11, 20), date(2026, 11, 25)),  # Friday → Wednesday (Sat, Sun skipped)
        (date(2026, 11, 21), date(2026, 11, 25)),  # Saturday → Wednesday
        (date(2026, 11, 22), date(2026, 11, 25)),  # Sunday (the demo day) → Wednesday
    ],
)
def test_three_working_days(start: date, due: date) -> None:
    assert add_working_days(start, 3) == due


def test_a_holiday_calendar_can_be_given() -> None:
    holidays = {date(2026, 11, 24)}
    assert add_working_days(
        date(2026, 11, 23), 3, working_day=lambda d: d.weekday() < 5 and d not in holidays
    ) == date(2026, 11, 27)
