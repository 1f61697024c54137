"""The outbox: fee details of bills not settled directly, due for upload within 3 working days.

Seed 002 三(四): "定点医疗机构要将未直接结算的患者医药费用明细和疾病诊断信息，于 3 个工作日内
上传省医疗保障信息平台 … 医疗费用中存在未贯标的数据时，应将已贯标的数据上传。" Settlement
computes the due date with ``ExecutionPolicy.calendar`` (Chinese working days:
adapter/_workdays.py); ``add_working_days`` here counts Monday to Friday unless given
a ``working_day`` predicate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

__all__ = ["UPLOAD_WORKING_DAYS", "add_working_days", "is_weekday"]

UPLOAD_WORKING_DAYS = 3


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int, *, working_day: Callable[[date], bool] = is_weekday) -> date:
    """The date ``days`` working days after ``start`` (2026-11-20, a Friday, + 3 → 2026-11-25)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if working_day(current):
            remaining -= 1
    return current
