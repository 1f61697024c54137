"""Reconciliation tests' world: the mock in-process, a clock both sides share and the tests move, bills."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from adapter import CHINA_TZ, Adapter, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import ExecutionPolicy, JournaledCalls, SqliteJournal, no_checkpoint
from adapter.reconcile import ReconcileReport, reconcile
from mock_platform import MockPlatform
from tests.execution.helpers import mock_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "visits"
DAY = date(2026, 11, 23)  # a Monday
JOURNAL_KEY = bytes(range(32))
"""The hospital's journal key (credentials sealed at rest); base64 AAECAwQF… as OPSP_JOURNAL_KEY."""


class Clock:
    """China time both sides read; tests move it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, day: date, hour: int, minute: int = 0, second: int = 0) -> None:
        self.moment = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CHINA_TZ)


@dataclass
class World:
    clock: Clock
    mock: MockPlatform
    client: PlatformClient
    journal: SqliteJournal
    policy: ExecutionPolicy

    def adapter(self) -> Adapter:
        return Adapter(self.client, clock=self.clock, journal=self.journal, policy=self.policy)

    def calls(self) -> JournaledCalls:
        return JournaledCalls(
            self.client,
            self.journal,
            clock=lambda: self.clock().replace(tzinfo=None, microsecond=0),
            checkpoint=no_checkpoint,
        )

    def reconcile(self, first: date, last: date | None = None, *, repair: bool = False) -> ReconcileReport:
        with self.journal.group():
            return reconcile(self.calls(), first, last or first, repair=repair, policy=self.policy)

    def control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with httpx.Client(transport=self.mock.transport(), base_url="http://mock") as http:
            response = http.post(f"/_mock/{path}", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def world(tmp_path: Path, *, policy: ExecutionPolicy | None = None) -> Iterator[World]:
    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=CHINA_TZ))
    mock = MockPlatform(clock=clock, config=mock_config(), sleep=lambda _s: None)
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=JOURNAL_KEY)
    try:
        with PlatformClient(
            load_settings(demo_settings_path()),
            transport=mock.transport(),
            clock=clock,
            sleep=lambda _s: None,
        ) as client:
            yield World(clock, mock, client, journal, policy or ExecutionPolicy())
    finally:
        journal.close()
        mock.close()


def example_visit(person: str, number: int, when: datetime) -> dict[str, Any]:
    """examples/visits/<person>.json as a new bill at ``when`` (its own visit number)."""
    document: dict[str, Any] = json.loads((EXAMPLES / f"{person}.json").read_text(encoding="utf-8"))
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    document["visit"]["ipt_otp_no"] = f"MZ{when:%Y%m%d}{number:04d}"
    document["visit"]["begntime"] = stamp
    for item in document["items"]:
        item["fee_ocur_time"] = stamp
    return document


def settle(w: World, person: str, number: int, day: date, minute: int) -> list[str]:
    """``person``'s example bill settled at 9:00 + ``minute`` of ``day``: its settled batches' setl_ids."""
    w.clock.set(day, 9 + minute // 60, minute % 60)
    result = w.adapter().settle(example_visit(person, number, at(day, 9 + minute // 60, minute % 60)))
    return [b.receipt.setl_id for b in result.batches if b.status == "settled" and b.receipt is not None]


def settle_one(w: World, person: str = "P7", day: date = DAY, minute: int = 0) -> str:
    (setl_id,) = settle(w, person, minute, day, minute)
    return setl_id


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_TZ)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
