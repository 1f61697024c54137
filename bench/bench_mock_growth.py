"""Benchmark: the mock's cost per call against the size of its history (issue #18).

Run from the repository root::

    .venv/bin/python bench/bench_mock_growth.py [--settlements 10000] [--small 100] [--rounds 6]
                                                [--window 20] [--people 10000] [--memory]

One person-year grows settlement by settlement: demo person P1's first batch of `examples/visits/P1.json`
(2201 register, 2203 treatment, 2204 fees, 2206 pre-settle, 2207 settle; recorded once through the adapter,
then replayed raw by `_mock_visit.Desk`, a new visit each time) is settled again and again against an
in-process mock on a SQLite file (WAL, ``synchronous=FULL``, as ``opsp mock serve --db`` runs; ``--memory``
keeps the state in memory instead). All visits fall in this calendar year, so every settlement adds to the
same accumulators (P1, insutype 310, this year).

Two mocks are built: a small one with `--small` settlements and a large one with `--settlements`. Both
first get `--people` synthetic person rows written straight into the store (psn_no ``BENCH…``, made-up ID
numbers: data for the lookup to search through, never a real person), so 1101 by ID number runs against a
person table of that size. While the large one is built, the cost at a few checkpoints is printed (mean
over the `--window` settlements before each; the machine's load drifts meanwhile, so read it as a trend).
Then the two are measured side by side: `--rounds` rounds, each `--window` more settlements on the small
mock and then on the large one (the order alternating), and `--window` 1101 calls by ID number on each.
The figure is this thread's CPU time per call (`time.thread_time`, so other work on the shared cores does
not count as waiting does), the median over the rounds, and the ratio large / small.

Target (docs/benchmarks.md): 2206 and 2207 at the 10,000th settlement within 10 % of the 100th.
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
from _mock_visit import CALL_SERVICE, Desk, RecordedVisit, record_visit, tif_headers
from bench_client import quiet_structlog

from mock_platform import MockPlatform
from mock_platform._http import HttpRequest

CHECKPOINTS = (100, 300, 1_000, 3_000, 10_000, 30_000)
TIMED = ("2206", "2207", "1101")


class Grown:
    """One mock, its desk, and the CPU time per call of the calls timed since the last `take()`."""

    def __init__(self, recorded: RecordedVisit, path: Path | None, people: int) -> None:
        self.mock = MockPlatform(db_path=path)
        add_people(self.mock, people)
        self._core = self.mock._core
        self.desk = Desk(recorded, self._post, desk=0)
        self.desk.sign_in()
        self._lookup = next(call for call in recorded.calls if call.infno == "1101")
        self.settlements = 0
        self.spent: dict[str, list[float]] = defaultdict(list)

    def _post(self, body: bytes, headers: dict[str, str]) -> bytes:
        return self._core.handle(HttpRequest("POST", CALL_SERVICE, headers, body)).body

    def settle(self, count: int, *, timed: bool) -> None:
        for _ in range(count):
            self.desk.first_batch(self._timer if timed else None)
            self.settlements += 1

    def look_up(self, count: int) -> None:
        for _ in range(count):
            headers, body = tif_headers(), self.desk.fresh(self._lookup.body)
            started = time.thread_time()
            self._post(body, headers)
            self.spent["1101"].append(time.thread_time() - started)

    def take(self) -> dict[str, float]:
        """Mean µs per call of each timed transaction since the last take."""
        means = {infno: statistics.fmean(self.spent[infno]) * 1e6 for infno in TIMED if self.spent[infno]}
        self.spent.clear()
        return means

    def _timer(self, infno: str, seconds: float) -> None:
        if infno in TIMED:
            self.spent[infno].append(seconds)


def add_people(mock: MockPlatform, count: int) -> None:
    """`count` synthetic person rows (no insurance): only for the ID-number lookup to search through."""
    store = mock._backend.store  # straight into the store, on purpose: 10,000 seeds would take minutes
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
    parser.add_argument("--settlements", type=int, default=10_000, help="settlements of the large mock")
    parser.add_argument("--small", type=int, default=100, help="settlements of the small mock (100)")
    parser.add_argument("--rounds", type=int, default=6, help="side-by-side rounds (6)")
    parser.add_argument("--window", type=int, default=20, help="settlements per round and checkpoint (20)")
    parser.add_argument("--people", type=int, default=10_000, help="extra person rows for 1101 (10000)")
    parser.add_argument("--memory", action="store_true", help="keep the mocks' state in memory")
    args = parser.parse_args()
    quiet_structlog()
    recorded = record_visit()
    window = max(1, args.window)
    print(machine())
    print(
        f"one person-year: {args.small} against {args.settlements} settlements; mock state "
        f"{'in memory' if args.memory else 'in a SQLite file'}; {args.people} extra person rows"
    )
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as directory:
        folder = Path(directory)
        small = Grown(recorded, None if args.memory else folder / "small.sqlite3", args.people)
        large = Grown(recorded, None if args.memory else folder / "large.sqlite3", args.people)
        try:
            small.settle(args.small, timed=False)
            print(f"\nwhile the large mock is built (µs of CPU per call, mean of {window}):")
            print(f"{'settlements':>11} {'2206':>7} {'2207':>7}")
            started = time.perf_counter()
            points = [point for point in CHECKPOINTS if point < args.settlements] + [args.settlements]
            for point in points:
                large.settle(point - large.settlements - window, timed=False)
                large.settle(window, timed=True)
                means = large.take()
                print(f"{point:>11} {means['2206']:>7.0f} {means['2207']:>7.0f}", flush=True)
            print(f"(built in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
            rounds: dict[str, list[dict[str, float]]] = {"small": [], "large": []}
            for number in range(args.rounds):
                order = (("small", small), ("large", large))
                for name, grown in order if number % 2 == 0 else order[::-1]:
                    grown.settle(window, timed=True)
                    grown.look_up(window)
                    rounds[name].append(grown.take())
            print(
                f"\nside by side, {args.rounds} rounds of {window} settlements and {window} 1101 each"
                f" (median µs of CPU per call; the small mock ends at {small.settlements},"
                f" the large at {large.settlements}):"
            )
            print(f"{'':>8} {'small':>7} {'large':>7} {'large/small':>12}")
            for infno in TIMED:
                a = statistics.median(row[infno] for row in rounds["small"])
                b = statistics.median(row[infno] for row in rounds["large"])
                print(f"{infno:>8} {a:>7.0f} {b:>7.0f} {b / a:>11.2f}x")
        finally:
            small.mock.close()
            large.mock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
