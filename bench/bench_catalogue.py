"""Benchmark: ``opsp catalogue`` — a 50,000-row sync against the served mock, and the 目录对照 check.

Run from the repository root::

    .venv/bin/python bench/bench_catalogue.py [--rows 50000] [--page-size 1000]

One ``opsp mock serve --port 0`` (in-memory state) on loopback. The mock publishes ``--rows`` synthetic drugs
in Hubei (versions of 10,000: the control plane takes bodies up to 4 MiB), half 甲类 without a cap, half 乙类
with a 先行自付 ratio and a cap, so 1312 serves every row and 1319 / 1320 half of them each. Then, in this
process:

* **full sync**: ``sync_catalogue`` into a fresh store, ``--page-size`` rows a page — rows stored per second
  (1312 + 1319 + 1320), and the 1312 rows per second alone;
* **incremental sync**: one more version (a withdrawal, a class change) and a second sync — its time;
* **check**: a 目录对照 of ``--rows`` mapped items (one per synthetic drug) checked against the synced
  catalogue (``check_mapping``) — mapped rows per second;
* **diff**: ``diff_catalogue`` between the two syncs (all rows compared) — rows per second.

Results go to stdout; this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from _machine import machine
from bench_client import CALL_SERVICE, mock_command, opsp_script, quiet_structlog

from adapter import PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter.catalogue import CatalogueStore, check_mapping, diff_catalogue, sync_catalogue
from mappings.items import load_item_map
from tests.served import served

HUBEI = "420000"
MOCK_LISTENING = re.compile(r"(http://127\.0\.0\.1:\d+)")
PER_VERSION = 10_000


def drug(number: int) -> dict[str, Any]:
    terms = (
        {"chrgitm_lv": "02", "selfpay_prop": "0.1", "pric_uplmt_amt": "9.9"}
        if number % 2
        else {"chrgitm_lv": "01"}
    )
    return {
        "op": "add",
        "insu_admdvs": HUBEI,
        "hilist_code": f"XB01AC{number:017d}",
        "hilist_name": f"合成药品{number}",
        "list_type": "101",
        "med_chrgitm_type": "09",
        "begndate": "2026-01-01",
        **terms,
    }


def publish(url: str, changes: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=url, timeout=600) as http:
        for start in range(0, len(changes), PER_VERSION):
            response = http.post(
                "/_mock/catalogue/publish", json={"changes": changes[start : start + PER_VERSION]}
            )
            response.raise_for_status()


def item_map(path: Path, rows: int) -> Path:
    lines = ["hospital_code,national_code,name,list_type,med_chrgitm_type,provenance"]
    lines += [f"B{n:06d},XB01AC{n:017d},合成药品{n},101,09,bench" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=50_000, help="synthetic catalogue rows (default 50000)")
    parser.add_argument("--page-size", type=int, default=1000, help="rows a page, 1-1000 (default 1000)")
    args = parser.parse_args()
    quiet_structlog()
    print(f"machine: {machine()}")
    print(f"parameters: {args.rows} rows, pages of {args.page_size}; structlog drops info events")
    with (
        served(mock_command(opsp_script()), listening=MOCK_LISTENING) as mock,
        tempfile.TemporaryDirectory() as tmp,
    ):
        started = time.perf_counter()
        publish(mock.url, [drug(n) for n in range(args.rows)])
        print(
            f"published {args.rows} rows in {time.perf_counter() - started:.1f} s"
            " (mock side, not measured below)"
        )
        settings = load_settings(demo_settings_path(), endpoint=mock.url + CALL_SERVICE)
        with PlatformClient(settings) as client, CatalogueStore(Path(tmp) / "catalogue.sqlite3") as store:
            started = time.perf_counter()
            first = sync_catalogue(client, store, province=HUBEI, page_size=args.page_size)
            seconds = time.perf_counter() - started
            stored = sum(source.rows_fetched for source in first.sources)
            item = first.sources[0]
            print(
                f"full sync: {stored} rows ({item.rows_fetched} 1312, {first.sources[1].rows_fetched} 1319,"
                f" {first.sources[2].rows_fetched} 1320) in {sum(s.pages for s in first.sources)} pages,"
                f" {seconds:.1f} s: {stored / seconds:,.0f} rows/s"
                f" ({item.rows_fetched / seconds:,.0f} 1312 rows/s)"
            )
            publish(
                mock.url,
                [
                    {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": f"XB01AC{1:017d}",
                     "enddate": "2026-11-30"},
                    {"op": "change", "insu_admdvs": HUBEI, "hilist_code": f"XB01AC{2:017d}",
                     "from": "2026-12-01", "chrgitm_lv": "02", "selfpay_prop": "0.2"},
                ],
            )  # fmt: skip
            started = time.perf_counter()
            second = sync_catalogue(client, store, province=HUBEI, page_size=args.page_size)
            seconds = time.perf_counter() - started
            fetched = sum(source.rows_fetched for source in second.sources)
            print(f"incremental sync: {fetched} rows fetched in {seconds * 1000:.0f} ms")

            mapping = load_item_map(item_map(Path(tmp) / "item_map.csv", args.rows))
            started = time.perf_counter()
            report = check_mapping(store, mapping, fixmedins_code="H42010200001", on=date(2026, 11, 24))
            seconds = time.perf_counter() - started
            print(
                f"check: {report.mapped_items} mapped rows, {len(report.findings)} findings, {seconds:.2f} s:"
                f" {report.mapped_items / seconds:,.0f} rows/s"
            )
            started = time.perf_counter()
            diff = diff_catalogue(store, 1, 2)
            seconds = time.perf_counter() - started
            print(
                f"diff #1 -> #2: {len(diff.changes)} changes over {item.rows_fetched} items, {seconds:.2f} s:"
                f" {item.rows_fetched / seconds:,.0f} rows/s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
