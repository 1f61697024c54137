"""Benchmark: parse + plan of a long bill, in lines per second, and the split alone.

Run from the repository root (about 30 s)::

    .venv/bin/python bench/bench_plan.py [--lines 10000] [--rounds 5]

The bill is ``examples/visits/P1.json`` with its items repeated, each copy with its own
``feedetl_sn``, up to ``--lines`` lines (three diagnoses, diabetes and hypertension items, an
antibiotic, a consultation fee and the unmapped item, in P1's proportions). Eligibility is asked
once of the in-process mock, untimed (``Adapter.check_eligibility``); what is timed is the pure
work: ``parse_visit(document)`` (validating every line) then ``plan_visit(...)`` (codes resolved
in the catalogue of the province of care, every line split into 甲/乙/丙, 先行自付, 超限价 and
自费, lines placed into batches, totals checked). "split alone" times ``split_line`` over the
same lines, with their catalogue classes looked up before timing.

A long bill repeats a few items at a few prices, and planning reads each distinct text, splits
each distinct line and lays out its values once ("parse + plan" and "parse alone"). "every price
its own" times the same bill with no two lines alike (line n's price raised by n millionths, the
sixth decimal a price may have), so nothing repeats: the cost of a bill of all-different lines.

Figures are thread CPU time (``time.thread_time``), the best of ``--rounds`` rounds, because the
machine's cores are shared; lines per second = lines / seconds. A script, never a test.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from _machine import machine
from bench_client import IN_PROCESS_URL, quiet_structlog

from adapter import Adapter, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter._lookup import Card
from adapter.planning import PlanningTables, parse_visit, plan_visit, split_line
from adapter.planning._resolve import resolve_items
from mock_platform import MockPlatform

ROOT = Path(__file__).resolve().parents[1]
VISIT_FILE = ROOT / "examples" / "visits" / "P1.json"


def long_bill(lines: int, *, distinct: bool = False) -> dict[str, Any]:
    """P1's bill with its items repeated up to ``lines`` lines, each with its own feedetl_sn
    (and with ``distinct``, its own price: n millionths more)."""
    document: dict[str, Any] = json.loads(VISIT_FILE.read_text(encoding="utf-8"))
    items = document["items"]
    document["items"] = [
        {**copy.deepcopy(items[n % len(items)]), "feedetl_sn": str(n + 1)} for n in range(lines)
    ]
    if distinct:
        for n, item in enumerate(document["items"]):
            item["pric"] = str(Decimal(item["pric"]) + Decimal(n) / 1_000_000)
    return document


def best(rounds: int, work: Any) -> float:
    times = []
    for _ in range(rounds):
        start = time.thread_time()
        work()
        times.append(time.thread_time() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=10_000, help="lines in the bill (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best is shown (default 5)")
    args = parser.parse_args()
    lines, rounds = max(1, args.lines), max(1, args.rounds)
    quiet_structlog()
    print(f"machine: {machine()}")
    document = long_bill(lines)
    mock = MockPlatform()
    try:
        settings = load_settings(demo_settings_path(), endpoint=IN_PROCESS_URL)
        with PlatformClient(settings, transport=mock.transport()) as client:
            adapter = Adapter(client)
            visit = parse_visit(document)
            patient = visit.patient
            card = Card(patient.mdtrt_cert_type, patient.mdtrt_cert_no, patient.card_sn)
            check = adapter.check_eligibility(card, visit_time=visit.visit.begntime)
    finally:
        mock.close()
    hospital = adapter.hospital
    tables = PlanningTables.shipped(hospital.fixmedins_code)
    now = datetime(2026, 11, 22, 10, 0)

    def parse_and_plan() -> None:
        plan_visit(parse_visit(document), check.eligibility, hospital=hospital, now=now, tables=tables)

    def parse_only() -> None:
        parse_visit(document)

    distinct = long_bill(lines, distinct=True)

    def distinct_parse_and_plan() -> None:
        plan_visit(parse_visit(distinct), check.eligibility, hospital=hospital, now=now, tables=tables)

    resolutions = resolve_items(visit, tables, hospital.province)
    classes = [
        (item.pric, item.cnt, item.hosp_appr_flag, resolution.catalogue)
        for item, resolution in zip(visit.items, resolutions, strict=True)
    ]

    def split_only() -> None:
        for pric, cnt, flag, catalogue in classes:
            split_line(pric=pric, cnt=cnt, hosp_appr_flag=flag, catalogue=catalogue)

    parse_and_plan()  # warm: tables loaded, caches filled
    print(f"\n{lines}-line bill (P1's items repeated), best of {rounds} rounds, thread CPU:")
    for label, work in (
        ("parse + plan", parse_and_plan),
        ("parse alone (parse_visit)", parse_only),
        ("split alone (split_line)", split_only),
        ("every price its own", distinct_parse_and_plan),
    ):
        seconds = best(rounds, work)
        print(f"  {label:<28} {seconds * 1000:8.1f} ms {lines / seconds:>10,.0f} lines/s")
    print("target: parse + plan >= 100,000 lines/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
