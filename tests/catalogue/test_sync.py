"""``sync_catalogue`` against the in-process mock: pages, resumption without duplicates, only what changed."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from adapter import CHINA_TZ
from adapter.catalogue import CatalogueStore, diff_catalogue
from adapter.catalogue._terms import timelines

from .helpers import (
    HUBEI,
    METFORMIN,
    ONDANSETRON,
    SHIPPED_CAPS,
    SHIPPED_CLASS_B,
    SHIPPED_ROWS,
    added_drug,
    world,
)


def _stored(store: CatalogueStore, source: str) -> tuple[int, int]:
    """(rows stored, distinct rids) of one source: equal when nothing was stored twice."""
    with sqlite3.connect(store.path) as db:
        rows, rids = db.execute(
            "SELECT count(*), count(DISTINCT rid) FROM item_row WHERE source = ?", (source,)
        ).fetchone()
    return int(rows), int(rids)


def test_a_catalogue_of_50000_rows_is_synced_in_pages_and_the_next_sync_fetches_only_the_change(
    tmp_path: Path,
) -> None:
    with world(tmp_path) as w:
        w.mock.publish_catalogue([added_drug(n, level="01") for n in range(50_000)], note="50,000 甲类 drugs")
        first = w.sync(page_size=1000)
        item, cap, ratio = first.sources
        # 16 shipped rows (v0001) + 50,000 published = 50,016 class rows: ceil(50,016 / 1,000) = 51 pages.
        # The new drugs are 甲类 without a cap: 1319 serves the 2 shipped caps, 1320 the 8 shipped 乙类
        # ratios.
        assert (item.pages, item.rows_fetched, item.rows_new) == (51, 50_016, 50_016)
        assert (cap.pages, cap.rows_fetched, cap.rows_new) == (1, SHIPPED_CAPS, SHIPPED_CAPS)
        assert (ratio.pages, ratio.rows_fetched, ratio.rows_new) == (1, SHIPPED_CLASS_B, SHIPPED_CLASS_B)
        assert item.since is None
        assert item.until == datetime(2026, 11, 23, 8, 0)
        assert _stored(w.store, "1312") == (50_016, 50_016)
        assert len(timelines(w.store.snapshot(1), province=HUBEI)) == 50_000 + SHIPPED_ROWS

        w.clock.set(date(2026, 11, 24), 9)
        w.publish(
            {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": ONDANSETRON, "enddate": "2026-11-30"},
            {"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "2026-12-01",
             "chrgitm_lv": "02", "selfpay_prop": "0.1"},
        )  # fmt: skip
        second = w.sync(page_size=1000)
        item, cap, ratio = second.sources
        # 1312: the withdrawal rewrites one row (its enddate); the class change ends metformin's 甲类 row on
        # 11-30 and starts a 乙类 row on 12-01: 1 + 2 = 3 rows. 1320: ondansetron's ratio row (its enddate)
        # and metformin's new 乙类 row = 2. 1319: neither has a cap, nothing. Nothing else is fetched again.
        assert (item.pages, item.rows_fetched, item.rows_new) == (1, 3, 3)
        assert (ratio.pages, ratio.rows_fetched, ratio.rows_new) == (1, 2, 2)
        assert (cap.rows_fetched, cap.rows_new) == (0, 0)
        assert item.since == datetime(2026, 11, 23, 8, 0)
        assert item.until == datetime(2026, 11, 24, 9, 0)
        assert (second.sync_no, second.resumed) == (2, False)
        kinds = {(c.hilist_code, c.kind.value, c.effective) for c in diff_catalogue(w.store).changes}
        assert kinds == {
            (ONDANSETRON, "withdrawn", date(2026, 12, 1)),
            (METFORMIN, "chrgitm_lv", date(2026, 12, 1)),
            (METFORMIN, "selfpay_prop", date(2026, 12, 1)),
        }


class _InterruptedError(Exception):
    pass


def test_an_interrupted_sync_resumes_at_the_next_page_without_duplicates(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.publish(*(added_drug(n) for n in range(2_484)))  # 2,484 + 16 shipped = 2,500 rows: 25 pages of 100
        pages_seen = []

        def stop_after_seven(step: str, done: int, total: int) -> None:
            pages_seen.append((step, done, total))
            if step.startswith("1312") and done == 700:
                raise _InterruptedError  # Ctrl-C (or a crash) right after the 7th page was stored

        with pytest.raises(_InterruptedError):
            w.sync(page_size=100, progress=stop_after_seven)
        assert _stored(w.store, "1312") == (700, 700)
        assert pages_seen[-1] == ("1312 医保目录", 700, 2_500)

        resumed = w.sync(page_size=100)
        assert (resumed.sync_no, resumed.resumed) == (1, True)
        item = resumed.sources[0]
        # Pages 8..25 remain: 18 pages, 2,500 - 700 = 1,800 rows, every one new.
        assert (item.pages, item.rows_fetched, item.rows_new, item.passes) == (18, 1_800, 1_800, 1)
        assert _stored(w.store, "1312") == (2_500, 2_500)
        # 1320 serves the 乙类 rows: 2,484 new + 8 shipped = 2,492.
        assert _stored(w.store, "1320") == (2_492, 2_492)
        assert w.store.finished_syncs() == (1,)


def test_a_publication_while_paging_makes_the_sync_read_again_and_miss_nothing(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.publish(*(added_drug(n) for n in range(284)))  # 300 rows, 3 pages of 100
        published: list[dict[str, object]] = []

        def publish_mid_pass(step: str, done: int, _total: int) -> None:
            if step.startswith("1312") and done == 100 and not published:
                # Withdraw a row of page 1: it moves to the end, every later row one place left.
                w.clock.set(date(2026, 11, 23), 8, 30)
                code = "XB01AC" + f"{0:017d}"
                published.append(
                    w.publish(
                        {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": code, "enddate": "2026-06-30"}
                    )
                )

        summary = w.sync(page_size=100, progress=publish_mid_pass)
        item = summary.sources[0]
        assert item.passes == 2
        assert item.until == datetime(2026, 11, 23, 8, 30)
        lines = timelines(w.store.snapshot(1), province=HUBEI)
        assert len(lines) == 300
        (segment,) = lines["XB01AC" + f"{0:017d}"]
        assert (segment.begndate, segment.enddate) == (date(2026, 1, 1), date(2026, 6, 30))


def test_the_store_refuses_another_hospitals_sync(tmp_path: Path) -> None:
    from adapter._errors import ConfigurationError
    from adapter.catalogue._model import StoreOwner

    with world(tmp_path) as w:
        w.sync()
        with pytest.raises(ConfigurationError, match="belongs to"):
            w.store.claim(
                StoreOwner(platform=w.client.platform, fixmedins_code="H15010200002", province="150000")
            )


def test_diseases_and_dictionaries_are_synced_by_version(tmp_path: Path) -> None:
    with world(tmp_path, datetime(2026, 11, 23, 8, 0, tzinfo=CHINA_TZ)) as w:
        first = w.sync()
        # 1309 from v0000: one row per (region, national code) of the mock's region catalogues (30).
        assert (first.disease_version_before, first.disease_version_after, first.disease_rows) == (
            "v0000",
            "v0001",
            30,
        )
        assert w.store.dictionary("chrgitm_lv") == {"01": "甲类", "02": "乙类", "03": "丙类"}
        second = w.sync()
        assert (second.disease_version_before, second.disease_version_after, second.disease_rows) == (
            "v0001",
            "v0001",
            0,
        )
        assert w.store.disease_count() == 30
