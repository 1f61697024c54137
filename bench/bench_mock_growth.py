"""Benchmark: the mock's cost per call against the size of its history (issue #18).

Run from the repository root::

    .venv/bin/python bench/bench_mock_growth.py [--settlements 10000] [--window 50] [--people 10000]
                                                [--memory]

One person-year grows settlement by settlement: demo person P1's first batch of `examples/visits/P1.json`
(2201 register, 2203 treatment, 2204 fees, 2206 pre-settle, 2207 settle; recorded once through the adapter,
then replayed raw by `_mock_visit.Desk`, a new visit each time) is settled `--settlements` times against an
in-process mock on a SQLite file (WAL, ``synchronous=FULL``, as ``opsp mock serve --db`` runs; ``--memory``
keeps the state in memory instead). All visits fall in this calendar year, so every settlement adds to the
same accumulators (P1, insutype 310, this year).

At each checkpoint (100, 300, 1,000, 3,000, 10,000 settlements, those within `--settlements`), the figures
are the mean CPU time of this thread (`time.thread_time`, so other work on the shared cores does not count)
per 2206 and per 2207 over the last `--window` settlements before it, and per 1101 by ID number (P1's
recorded 1101, replayed `--window` times there). Before the first settlement, `--people` synthetic person
rows are written straight into the store (psn_no ``BENCH…``, made-up ID numbers: data for the lookup to
search through, never a real person), so 1101 by ID number runs against a person table of that size.

Target (docs/benchmarks.md): the 2206 and 2207 at the 10,000th settlement within 10 % of the 100th.
Results go to stdout; this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from _machine import machine
from _mock_visit import CALL_SERVICE, Desk, record_visit, tif_headers
from bench_client import quiet_structlog

from mock_platform import MockPlatform
from mock_platform._http import HttpRequest

CHECKPOINTS = (100, 300, 1_000, 3_000, 10_000)


def add_people(mock: MockPlatform, count: int) -> None:
    """`count` synthetic person rows (no insurance): only for the ID-number lookup to search through."""
    store = (
        mock._backend.store
    )  # the bench reaches into the store on purpose: 10,000 seeds would take minutes
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO person (psn_no, psn_name, psn_cert_type, certno, gend, naty, brdy, card_no, card_sn,"
            " ec_token) VALUES (?, '测试', '01', ?, '1', '01', '1980-01-01', ?, ?, ?)",
            [
                (f"BENCH{n:015d}", f"99{n:015d}X", f"BC{n:09d}", f"BS{n:09d}", f"BT{n:030d}")
                for n in range(count)
            ],
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--settlements", type=int, default=10_000, help="settlements of P1's year (10000)")
    parser.add_argument("--window", type=int, default=50, help="settlements averaged per checkpoint (50)")
    parser.add_argument("--people", type=int, default=10_000, help="extra person rows for 1101 (10000)")
    parser.add_argument("--memory", action="store_true", help="keep the mock's state in memory")
    args = parser.parse_args()
    quiet_structlog()
    recorded = record_visit()
    lookup = next(call for call in recorded.calls if call.infno == "1101")
    checkpoints = [point for point in CHECKPOINTS if point <= args.settlements] or [args.settlements]
    window = max(1, min(args.window, checkpoints[0]))
    print(machine())
    print(
        f"{args.settlements} settlements of one person-year, mean CPU per call over the {window} settlements"
        f" before each checkpoint; mock state {'in memory' if args.memory else 'in a SQLite file'};"
        f" {args.people} extra person rows"
    )
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as directory:
        mock = MockPlatform(db_path=None if args.memory else Path(directory) / "mock.sqlite3")
        try:
            add_people(mock, args.people)
            core = mock._core

            def post(body: bytes, headers: dict[str, str]) -> bytes:
                return core.handle(HttpRequest("POST", CALL_SERVICE, headers, body)).body

            desk = Desk(recorded, post, desk=0)
            desk.sign_in()
            rows: list[tuple[int, float, float, float]] = []
            spent: dict[str, list[float]] = defaultdict(list)

            def timer(infno: str, seconds: float) -> None:
                spent[infno].append(seconds)

            started = time.perf_counter()
            for number in range(1, checkpoints[-1] + 1):
                timed = any(point - window < number <= point for point in checkpoints)
                desk.first_batch(timer if timed else None)
                if number in checkpoints:
                    for _ in range(window):
                        headers = tif_headers()
                        body = desk.fresh(lookup.body)
                        begun = time.thread_time()
                        post(body, headers)
                        spent["1101"].append(time.thread_time() - begun)
                    rows.append(
                        (
                            number,
                            statistics.fmean(spent["2206"]) * 1e6,
                            statistics.fmean(spent["2207"]) * 1e6,
                            statistics.fmean(spent["1101"]) * 1e6,
                        )
                    )
                    spent.clear()
                    print(
                        f"  ... {number} settlements after {time.perf_counter() - started:.0f} s",
                        file=sys.stderr,
                    )
        finally:
            mock.close()
    first = rows[0]
    columns = ("2206 µs", "2207 µs", "1101 µs", "2206 /1st", "2207 /1st")
    print(f"\n{'settlements':>11} " + " ".join(f"{name:>9}" for name in columns))
    for number, pre, settle, query in rows:
        print(
            f"{number:>11} {pre:>9.0f} {settle:>9.0f} {query:>9.0f} {pre / first[1]:>9.2f}x"
            f" {settle / first[2]:>9.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
