"""``SyncedTables``: a long-running service plans with each newly finished catalogue sync, no restart."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapter import CHINA_TZ, ConfigurationError
from adapter.catalogue import SyncedTables
from adapter.catalogue._model import StoreOwner
from adapter.catalogue._store import CatalogueStore

from .helpers import world
from .test_check import HOSPITAL, _metformin_line, _publish_v0002

ON_DEC_2 = datetime(2026, 12, 2, 9, 30, tzinfo=CHINA_TZ)


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tables_follow_each_finished_sync_checked_at_most_once_a_period(tmp_path: Path) -> None:
    ticks = Ticks()
    with world(tmp_path) as w:
        follow = SyncedTables(
            w.store.path, platform=w.client.platform, fixmedins_code=HOSPITAL, check_every=1.0, clock=ticks
        )
        # No finished sync yet: the shipped tables (None), as `opsp plan` without a sync.
        assert follow() is None
        assert follow.sync_no is None
        w.sync()
        ticks.now = 1.0
        first = follow()
        assert first is not None
        assert follow.sync_no == 1
        # P1's metformin line, 60 x 0.40 = 24.00, on 2026-12-02 under sync 1: 甲类, nothing paid first.
        assert _metformin_line(first, w, ON_DEC_2) == ("01", Decimal("0.00"), Decimal("24.00"))
        _publish_v0002(w)
        w.sync()
        ticks.now = 1.5  # within the period: the store is not read again
        assert follow() is first
        ticks.now = 2.0
        second = follow()
        assert second is not None
        assert second is not first
        assert follow.sync_no == 2
        # Under sync 2 metformin is 乙类 from 2026-12-01, 先行自付 0.1:
        # 24.00 x 0.1 = 2.40 paid first; 24.00 - 2.40 = 21.60 in scope.
        assert _metformin_line(second, w, ON_DEC_2) == ("02", Decimal("2.40"), Decimal("21.60"))
        # A sync that has begun but not finished is never planned with.
        w.store.begin_sync(datetime(2026, 12, 2, 10, 0, tzinfo=CHINA_TZ))
        ticks.now = 3.0
        assert follow() is second
        assert follow.sync_no == 2


def test_a_store_of_another_platform_is_refused_without_printing_its_credentials(tmp_path: Path) -> None:
    # Before: both endpoints were printed whole, user name and password included.
    path = tmp_path / "other.sqlite3"
    with CatalogueStore(path) as store:
        other = StoreOwner(
            platform="http://his:s3cret@10.1.2.3/fsi", fixmedins_code=HOSPITAL, province="420000"
        )
        store.claim(other)
        with pytest.raises(ConfigurationError) as claimed:
            store.claim(other.model_copy(update={"platform": "http://desk7:pw@10.1.2.4/fsi"}))
    follow = SyncedTables(path, platform="http://desk7:pw@10.1.2.4/fsi", fixmedins_code=HOSPITAL)
    with pytest.raises(ConfigurationError) as followed:
        follow()
    for refused in (claimed.value, followed.value):
        message = str(refused)
        assert "belongs to http://***@10.1.2.3/fsi /" in message
        assert "not http://***@10.1.2.4/fsi /" in message
        for secret in ("his:", "s3cret", "desk7", ":pw"):
            assert secret not in message


def test_a_store_of_another_hospital_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with CatalogueStore(path) as store:
        store.claim(StoreOwner(platform="other-platform", fixmedins_code="H00000000000", province="420000"))
    follow = SyncedTables(path, platform="demo", fixmedins_code=HOSPITAL)
    with pytest.raises(ConfigurationError, match="belongs to other-platform / H00000000000"):
        follow()
