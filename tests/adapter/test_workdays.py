"""Chinese working days for the 3-working-day upload deadline (seed 002 三(四): "于 3 个工作日内上传").

2026 (State Council notice for 2026, known to chinese-calendar 1.11): 国庆 10-01 (Thu) to 10-07 (Wed) off;
Sunday 09-20 and Saturday 10-10 are make-up working days (调休上班).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from adapter._errors import ConfigurationError
from adapter._workdays import WorkingCalendar
from adapter.execution import ExecutionPolicy
from tests.execution.helpers import world

HEADER = "date,kind,name,source\n"


def test_the_deadline_across_national_day_2026() -> None:
    calendar = WorkingCalendar()
    # From Wed 09-30: 10-01..10-07 are holidays; Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休 (3).
    # Monday-to-Friday counting would have said Mon 10-05, in the middle of the holiday.
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert not calendar.estimated(date(2026, 9, 30), date(2026, 10, 10))


def test_a_make_up_sunday_counts() -> None:
    calendar = WorkingCalendar()
    # From Fri 09-18: Sat 09-19 off; Sun 09-20 调休上班 (1), Mon 09-21 (2), Tue 09-22 (3).
    # Monday-to-Friday counting would have said Wed 09-23.
    assert calendar.add_working_days(date(2026, 9, 18), 3) == date(2026, 9, 22)


def test_a_year_nobody_knows_is_an_estimate_and_says_so() -> None:
    calendar = WorkingCalendar()
    assert not calendar.knows(2027)
    with capture_logs() as logs:
        # From Thu 2026-12-31, 2027 unknown: weekdays only: Fri 01-01 (1), Mon 01-04 (2), Tue 01-05 (3).
        due = calendar.add_working_days(date(2026, 12, 31), 3)
    assert due == date(2027, 1, 5)
    assert calendar.estimated(date(2026, 12, 31), due)
    assert logs[0]["event"] == "working_day_calendar_unknown_year"
    assert logs[0]["years"] == [2027]


def test_a_hospital_extends_the_calendar_for_a_year_the_library_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "workdays_cn.csv"
    path.write_text(HEADER + "2027-01-01,holiday,元旦,the State Council's 2027 notice\n", encoding="utf-8")
    calendar = WorkingCalendar(file=path)
    assert calendar.knows(2027)
    # 01-01 off (file), weekend; Mon 01-04 (1), Tue 01-05 (2), Wed 01-06 (3).
    assert calendar.add_working_days(date(2026, 12, 31), 3) == date(2027, 1, 6)
    assert not calendar.estimated(date(2026, 12, 31), date(2027, 1, 6))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2027-13-01,holiday,x,notice", "row 2: date must be YYYY-MM-DD"),
        ("2027-01-01,day_off,x,notice", "row 2: kind must be holiday or workday"),
        ("2027-01-01,holiday,x,", "row 2: source is empty"),
    ],
)
def test_a_bad_calendar_row_is_named(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "workdays_cn.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        WorkingCalendar(file=path)


def test_the_outbox_due_date_uses_the_calendar(tmp_path: Path) -> None:
    # P6 is suspended (停保 from 2026-09-01): the bill goes to the outbox on Sunday 2026-11-22. With Monday
    # 11-23 marked a holiday, the 3 working days are Tue 11-24, Wed 11-25, Thu 11-26.
    path = tmp_path / "workdays_cn.csv"
    path.write_text(HEADER + "2026-11-23,holiday,test,test calendar\n", encoding="utf-8")
    policy = ExecutionPolicy(calendar=WorkingCalendar(file=path))
    with world(policy=policy) as w:
        result = w.adapter.settle("examples/visits/P6.json")
        assert result.cash_to_collect == Decimal("94.00")
        (entry,) = w.adapter.outbox()
    assert str(entry.due) == "2026-11-26"
