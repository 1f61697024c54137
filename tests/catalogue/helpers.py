"""The catalogue tests' world: the mock in-process (no server), a clock both sides share, a local store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

from adapter import CHINA_TZ, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.catalogue import CatalogueStore, Progress, SyncSummary, sync_catalogue
from mock_platform import MockPlatform
from tests.execution.helpers import mock_config
from tests.reconcile.helpers import Clock

HUBEI = "420000"  # the demo hospital H42010200001 (Wuhan) is in Hubei: its province of care
METFORMIN = "XA10BAA059A001010100001"  # Y001 二甲双胍片 0.5g: 甲类 in Hubei (payment_scope_420000.csv)
ONDANSETRON = "XA04AAO007A001010100008"  # Y008 盐酸昂丹司琼片 4mg: 乙类, 先行自付 0.1000
SHIPPED_ROWS = 16  # rows of payment_scope_420000.csv: what the mock serves as version v0001
SHIPPED_CAPS = 2  # of them with a price cap (served by 1319)
SHIPPED_CLASS_B = 8  # of them 乙类 with a 先行自付 ratio (served by 1320)


@dataclass
class World:
    clock: Clock
    mock: MockPlatform
    client: PlatformClient
    store: CatalogueStore

    def sync(self, *, page_size: int = 1000, progress: Progress | None = None) -> SyncSummary:
        return sync_catalogue(
            self.client, self.store, province=HUBEI, clock=self.clock, page_size=page_size, progress=progress
        )

    def publish(self, *changes: dict[str, Any], note: str = "") -> dict[str, Any]:
        return self.control("catalogue/publish", {"note": note, "changes": list(changes)})

    def publish_many(self, changes: list[dict[str, Any]], *, per_version: int = 10_000) -> int:
        """Publish ``changes`` in versions of ``per_version`` (the control plane takes bodies up to 4 MB);
        returns how many versions. Each version is stamped one second after the previous one."""
        for start in range(0, len(changes), per_version):
            self.publish(*changes[start : start + per_version])
        return -(-len(changes) // per_version)

    def control(self, path: str, body: dict[str, Any], *, status: int = 200) -> dict[str, Any]:
        with httpx.Client(transport=self.mock.transport(), base_url="http://mock") as http:
            response = http.post(f"/_mock/{path}", json=body)
        assert response.status_code == status, response.text
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def world(tmp_path: Path, moment: datetime | None = None) -> Iterator[World]:
    clock = Clock(moment or datetime(2026, 11, 23, 8, 0, tzinfo=CHINA_TZ))
    mock = MockPlatform(clock=clock, config=mock_config(), sleep=lambda _s: None)
    store = CatalogueStore(tmp_path / "catalogue.sqlite3")
    try:
        with PlatformClient(
            load_settings(demo_settings_path()),
            transport=mock.transport(),
            clock=clock,
            sleep=lambda _s: None,
        ) as client:
            yield World(clock, mock, client, store)
    finally:
        store.close()
        mock.close()


def added_drug(number: int, *, level: str = "02", begndate: date = date(2026, 1, 1)) -> dict[str, Any]:
    """A synthetic Western drug (23-character national code): 乙类 with 先行自付 0.1000 and a cap of 9.90,
    or 甲类 (``level`` "01") without a cap."""
    terms = {"chrgitm_lv": "02", "selfpay_prop": "0.1", "pric_uplmt_amt": "9.9"} if level == "02" else {}
    return {
        "op": "add",
        "insu_admdvs": HUBEI,
        "hilist_code": f"XB01AC{number:017d}",
        "hilist_name": f"合成药品{number}",
        "list_type": "101",
        "med_chrgitm_type": "09",
        "chrgitm_lv": level,
        "begndate": begndate.isoformat(),
        **terms,
    }
