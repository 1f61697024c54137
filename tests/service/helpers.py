"""The service's test world: ``opsp serve``'s app over an adapter wired to the in-process mock."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapter import CHINA_TZ, Adapter, PlatformClient, SqliteJournal, decode, encode, fixed_clock
from adapter._embedded import load_demo_settings
from adapter.execution._journal_seal import new_key, parse_key
from adapter.service import Desk, Service, ServiceSettings, SqliteKeyStore, create_app
from adapter.transactions import t1101
from mock_platform import MockPlatform

with warnings.catch_warnings():
    # Starlette's TestClient announces a move to another HTTP client; it still works with httpx.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=CHINA_TZ)
ROOT = Path(__file__).resolve().parents[2]
P1 = ROOT / "examples" / "visits" / "P1.json"
DESK1_TOKEN = "desk-1-token-for-tests"
DESK2_TOKEN = "desk-2-token-for-tests"
DESKS = (
    Desk(desk="desk-1", opter="0001", opter_name="收费员甲", token=DESK1_TOKEN),
    Desk(desk="desk-2", opter="0002", opter_name="收费员乙", token=DESK2_TOKEN),
)


def p1() -> dict[str, Any]:
    document: dict[str, Any] = decode(P1.read_bytes())
    return document


@dataclass
class Served:
    """The app in-process: a TestClient, the mock behind it, and the parts to look into."""

    http: TestClient
    mock: MockPlatform
    service: Service
    journal: SqliteJournal

    def post(self, path: str, body: object, *, key: str | None = None, token: str = DESK1_TOKEN) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.http.post(path, content=encode(body), headers=headers)

    def get(self, path: str, *, token: str = DESK1_TOKEN, **params: str) -> Any:
        return self.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


@contextmanager
def served_app(
    tmp_path: Path, *, mock: MockPlatform | None = None, lease_seconds: float = 30.0
) -> Iterator[Served]:
    clock = fixed_clock(NOW)
    platform = mock or MockPlatform(clock=clock)
    journal_path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(journal_path, key=parse_key(new_key()))
    keys = SqliteKeyStore(journal_path, lease_seconds=lease_seconds)
    settings = ServiceSettings(journal=str(journal_path), desks=DESKS, lease_seconds=lease_seconds)
    try:
        with PlatformClient(load_demo_settings(), transport=platform.transport(), clock=clock) as client:
            service = Service(
                Adapter(client, journal=journal, clock=clock),
                journal=journal,
                keys=keys,
                settings=settings,
                clock=clock,
            )
            with TestClient(create_app(service), raise_server_exceptions=False) as http:
                yield Served(http, platform, service, journal)
    finally:
        keys.close()
        journal.close()
        if mock is None:
            platform.close()


def balance(served: Served, certno: str) -> Decimal:
    """The personal account balance the platform holds (1101), asked directly, not through the service."""
    query = t1101.PersonQuery(mdtrt_cert_type="02", mdtrt_cert_no=certno)
    client = served.service.adapter.client
    reply = client.call(t1101.TRANSACTION, t1101.Input(data=query))
    return reply.output.insuinfo[0].balc
