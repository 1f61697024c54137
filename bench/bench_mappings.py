"""Benchmark: warm diagnosis and item lookups of ``mappings``, on one core.

Run from the repository root::

    .venv/bin/python bench/bench_mappings.py [--seconds 1.0]

Every table is loaded and every code looked up once before timing (warm: the diagnosis cache is filled,
as it is after a hospital's first few visits). Each figure is the best of five timed rounds over the
same code list. Target (docs/benchmarks.md): at least 500,000 diagnosis lookups per second. Results
go to stdout with the machine's details; this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from mappings import lookup_diagnosis, lookup_item, lookup_visit
from mappings.items import lookup_item as join_item
from mappings.shipped import diagnosis_rules, item_catalogue, item_disease_scope, load_all, payment_scopes

# Real codes of the issue and DOMAIN.md §3.2, as a HIS sends them (some in lower case, some ordinary).
DIAGNOSES = [
    *("E11.900", "I10.x09", "N18.902", "Z99.201", "Z94.002", "C16.9", "J06.900", "C49.900x003"),
    *("F20.800x001", "D66.x01", "e11.900", "i10.X09", "K74.6", "J44.900", "M32.900", "B24.x01"),
    *("A15.000x016", "G40.900", "I63.900", "R10.400"),
]
ITEMS = ["Y001", "Y002", "Y003", "Y006", "Y009", "Y010", "Y012", "S001", "S003", "C001", "L999"]
VISIT = ["N18.902", "Z99.201", "E11.900", "I10.x09", "J06.900"]
DAY = date(2026, 11, 22)


def best_rate(calls_per_round: int, round_: Callable[[], None], seconds: float) -> float:
    """Calls per second of the fastest of five rounds, each repeated for about ``seconds / 5``."""
    repeats = 1
    while True:  # calibrate the repeat count so that one round lasts about seconds / 5
        start = time.perf_counter()
        for _ in range(repeats):
            round_()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 50:
            break
        repeats *= 2
    repeats = max(1, int(repeats * (seconds / 5) / elapsed))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            round_()
        best = min(best, time.perf_counter() - start)
    return calls_per_round * repeats / best


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        model = names[0] if names else model
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {model}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.0, help="approximate time per benchmark")
    seconds = parser.parse_args().seconds

    started = time.perf_counter()
    load_all()
    print(f"tables loaded and validated in {(time.perf_counter() - started) * 1000:.1f} ms")
    rules = diagnosis_rules()
    catalogue, scopes, scope = item_catalogue(), payment_scopes(), item_disease_scope()
    for code in DIAGNOSES:
        lookup_diagnosis(code)

    def diagnosis_function() -> None:
        for code in DIAGNOSES:
            lookup_diagnosis(code)

    def diagnosis_method() -> None:
        lookup = rules.lookup
        for code in DIAGNOSES:
            lookup(code)

    def items() -> None:
        for code in ITEMS:
            lookup_item(code, province="420000", on=DAY)

    def items_uncached() -> None:
        for code in ITEMS:
            join_item(
                code,
                province="420000",
                on=DAY,
                item_map=catalogue.item_map,
                scopes=scopes,
                disease_scope=scope,
            )

    def visit() -> None:
        lookup_visit(VISIT)

    print(f"machine: {machine()}")
    results = [
        ("diagnosis, lookup_diagnosis(code)", best_rate(len(DIAGNOSES), diagnosis_function, seconds)),
        ("diagnosis, DiagnosisRules.lookup(code)", best_rate(len(DIAGNOSES), diagnosis_method, seconds)),
        ("item, lookup_item(code, province, on)", best_rate(len(ITEMS), items, seconds)),
        ("item, uncached join (mappings.items.lookup_item)", best_rate(len(ITEMS), items_uncached, seconds)),
        (f"visit of {len(VISIT)} codes, lookup_visit (not cached)", best_rate(1, visit, seconds)),
    ]
    for label, rate in results:
        print(f"{label:<55} {rate:>12,.0f} lookups/s")


if __name__ == "__main__":
    main()
