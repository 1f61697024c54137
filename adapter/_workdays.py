"""Chinese working days (工作日): public holidays skipped, 调休 make-up days counted.

Seed 002 三(四) gives hospitals "3 个工作日" to upload the fee details of a bill not settled directly; a
working day there is the State Council's calendar, not Monday to Friday: 国庆 2026 (10-01 to 10-07) is seven
days off, and Sunday 2026-09-20 and Saturday 2026-10-10 are worked (国办发明电〔2025〕号 holiday notice).

Two sources, the second overriding the first:

1. the ``chinese-calendar`` library (PyPI, maintained, one release per State Council notice; 1.11 knows
   2004-2026);
2. ``config/calendar/workdays_cn.csv`` — ``date,kind,name,source`` rows, ``kind`` ``holiday`` or ``workday``
   — which a hospital extends (its own copy through ``OPSP_CONFIG_DIR``, or ``WorkingCalendar(file=...)``)
   as soon as a year's notice is out and before the library has a release for it: every 放假 day as
   ``holiday`` and every 调休 上班 weekend day as ``workday``. A year with any row in the file counts as
   known.

A year neither source knows: weekends are days off and every weekday is worked, and ``knows(year)`` is False
so that callers say the date is an estimate (the outbox's reason does). It is never silently exact.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import structlog

from ._errors import ConfigurationError
from ._paths import config_dir

__all__ = ["WorkingCalendar", "default_calendar"]

logger = structlog.get_logger(__name__)

Kind = Literal["holiday", "workday"]


class WorkingCalendar:
    """Which days are working days in mainland China."""

    def __init__(self, *, file: Path | None = None, use_library: bool = True) -> None:
        self._overrides: dict[date, Kind] = {}
        self._file_years: set[int] = set()
        if file is not None:
            self._load(file)
        self._library = _library() if use_library else None

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigurationError(f"working-day calendar {path}: cannot read ({error})") from error
        rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
        for number, row in enumerate(rows, start=2):
            self._row(path, number, row)

    def _row(self, path: Path, number: int, row: dict[str, str]) -> None:
        where = f"working-day calendar {path} row {number}"
        try:
            day = date.fromisoformat(row["date"])
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigurationError(f"{where}: date must be YYYY-MM-DD ({error})") from error
        kind: Kind
        if row.get("kind") == "holiday":
            kind = "holiday"
        elif row.get("kind") == "workday":
            kind = "workday"
        else:
            raise ConfigurationError(f"{where}: kind must be holiday or workday, not {row.get('kind')!r}")
        if not (row.get("source") or "").strip():
            raise ConfigurationError(f"{where}: source is empty (name the State Council notice)")
        self._overrides[day] = kind
        self._file_years.add(day.year)

    def knows(self, year: int) -> bool:
        """Whether the holidays of `year` are known (from the library or the hospital's file)."""
        return year in self._file_years or (self._library is not None and self._library.knows(year))

    def is_working_day(self, day: date) -> bool:
        kind = self._overrides.get(day)
        if kind is not None:
            return kind == "workday"
        if self._library is not None and self._library.knows(day.year):
            return self._library.is_workday(day)
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (the 3-working-day upload deadline)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        unknown = sorted({year for year in _years(start, current) if not self.knows(year)})
        if unknown:
            logger.warning("working_day_calendar_unknown_year", years=unknown, due=current.isoformat())
        return current

    def estimated(self, start: date, due: date) -> bool:
        """Whether a due date computed from `start` rests on a year no source knows (weekdays only)."""
        return any(not self.knows(year) for year in _years(start, due))

    def note(self, start: date, due: date) -> str:
        """What the outbox adds to its reason when the due date is an estimate ("" when it is exact)."""
        if not self.estimated(start, due):
            return ""
        years = "、".join(str(year) for year in _years(start, due) if not self.knows(year))
        return f"（上传期限按周一至周五估算：工作日历未收录{years}年，请在 calendar/workdays_cn.csv 补充）"


class _Library:
    """chinese_calendar behind a small face (its is_workday raises NotImplementedError out of range)."""

    def __init__(self, module: object) -> None:
        self._module = module

    def knows(self, year: int) -> bool:
        try:
            self._module.is_workday(date(year, 1, 1))  # type: ignore[attr-defined]
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        return bool(self._module.is_workday(day))  # type: ignore[attr-defined]


def _library() -> _Library | None:
    try:
        import chinese_calendar  # type: ignore[import-untyped]  # no stubs; used through _Library only
    except ImportError:  # pragma: no cover - a dependency; the file and weekdays still work
        return None
    return _Library(chinese_calendar)


def _years(start: date, end: date) -> Iterable[int]:
    return range(start.year, end.year + 1)


def default_calendar() -> WorkingCalendar:
    """The library plus the shipped (or the hospital's, via OPSP_CONFIG_DIR) ``calendar/workdays_cn.csv``."""
    path = config_dir() / "calendar" / "workdays_cn.csv"
    return WorkingCalendar(file=path if path.is_file() else None)
