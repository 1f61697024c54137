"""Benchmark: the mock's platform calls per second on the visit mix, with several desks (issue #18).

Run from the repository root::

    .venv/bin/python bench/bench_mock_calls.py [--visits 100] [--warm-up 5] [--desks 2] [--memory]

The visit mix is demo person P1's visit of `examples/visits/P1.json`, 19 calls (1101, 5301, 2001 twice, then
2201, 2203, 2204, 2206 and 2207 for each of three batches), recorded once through the adapter and replayed
raw by `_mock_visit.Desk`: fresh msgids, visit numbers and TIF nonces, each batch's mdtrt_id from its 2201,
every answer checked for ``"infcode":0``. No adapter, journal or pydantic runs in the desks, so the figure
is the mock's capacity, not a desk's.

Two ways, each with `--desks` desks settling at once:

* served: ``opsp mock serve --port 0 --db FILE`` (durable: WAL, ``synchronous=FULL``, one commit per call;
  ``--memory`` drops ``--db``), each desk a process of its own posting with ``http.client`` over one
  kept-alive loopback connection;
* in process: one `MockPlatform` on a SQLite file (or in memory) in this process, each desk a thread calling
  the core directly (the store's lock and the GIL serialise them: this is the mock's own work on one core,
  no HTTP stack).

Figures over the timed visits (after `--warm-up` visits per desk): calls per second (wall clock, all desks
together), the mock's CPU per call (served: its process from /proc; in process: this process, desks
included), the desks' CPU per call (served), in process the CPU per call spent holding the store's write
lock (inside BEGIN IMMEDIATE … COMMIT: what several mock processes on one SQLite file could not run at the
same time), and the wall time per visit (median and 95th percentile).
The machine's 2 cores are shared with other work while measuring, so the CPU columns are the steadier
figures. Results go to stdout; this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _machine import machine, own_cpu_seconds, process_cpu_seconds
from _mock_visit import CALL_SERVICE, Desk, RecordedVisit, record_visit
from bench_client import mock_command, opsp_script, quiet_structlog

from mock_platform import MockPlatform
from mock_platform._http import HttpRequest
from tests.served import served


@dataclass(frozen=True)
class DeskResult:
    calls: int
    visit_seconds: list[float]
    cpu_seconds: float


@dataclass(frozen=True)
class Figures:
    label: str
    calls: int
    seconds: float
    mock_cpu: float
    desk_cpu: float | None
    visit_seconds: list[float]
    write_cpu: float | None = None  # in process: CPU inside the store's write transactions

    def line(self) -> str:
        ordered = sorted(self.visit_seconds)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
        desk = "-" if self.desk_cpu is None else f"{self.desk_cpu / self.calls * 1e6:.0f}"
        write = "-" if self.write_cpu is None else f"{self.write_cpu / self.calls * 1e6:.0f}"
        return (
            f"{self.label:<30} {self.calls:>6} {self.calls / self.seconds:>8.0f} "
            f"{self.mock_cpu / self.calls * 1e6:>11.0f} {desk:>11} {write:>12} {p50:>8.1f} {p95:>8.1f}"
        )


HEADER = (
    f"{'mock':<30} {'calls':>6} {'calls/s':>8} {'mock µs/call':>11} {'desk µs/call':>11} "
    f"{'write µs/call':>12} {'p50 ms':>8} {'p95 ms':>8}"
)


class WriteLockTimer:
    """CPU time spent inside the store's outermost transactions (BEGIN IMMEDIATE … COMMIT): the part of a
    call that holds SQLite's one write lock, so no second process on the same file could run it meanwhile.
    It bounds what several mock processes on one file could do: at most 1 / (this + the commit's fsync)
    calls per second, however many. Wraps the store's `transaction` on this one instance (a benchmark's
    probe, not the mock's code)."""

    def __init__(self, store: Any) -> None:
        self.seconds = 0.0
        self._local = threading.local()
        original = store.transaction

        @contextmanager
        def timed() -> Iterator[Any]:
            depth = getattr(self._local, "depth", 0)
            self._local.depth = depth + 1
            started = time.thread_time() if depth == 0 else 0.0
            try:
                with original() as connection:
                    yield connection
            finally:
                self._local.depth = depth
                if depth == 0:
                    self.seconds += time.thread_time() - started

        store.transaction = timed


def _timed(desk: Desk, visits: int) -> tuple[int, list[float]]:
    calls, per_visit = 0, []
    for _ in range(visits):
        start = time.perf_counter()
        calls += desk.visit()
        per_visit.append(time.perf_counter() - start)
    return calls, per_visit


def _served_desk(
    url: str, recorded: RecordedVisit, number: int, visits: int, warm_up: int, barrier: Barrier, results: Any
) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)

    def post(body: bytes, headers: dict[str, str]) -> bytes:
        connection.request("POST", CALL_SERVICE, body=body, headers=headers)
        return connection.getresponse().read()

    desk = Desk(recorded, post, desk=number)
    desk.sign_in()
    for _ in range(warm_up):
        desk.visit()
    barrier.wait()
    cpu = own_cpu_seconds()
    calls, per_visit = _timed(desk, visits)
    results.put(DeskResult(calls, per_visit, own_cpu_seconds() - cpu))
    barrier.wait()
    connection.close()


def run_served(recorded: RecordedVisit, *, desks: int, visits: int, warm_up: int, memory: bool) -> Figures:
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as directory:
        extra = [] if memory else ["--db", str(Path(directory) / "mock.sqlite3")]
        with served(mock_command(opsp_script(), *extra)) as server:
            barrier = context.Barrier(desks + 1)
            results = context.Queue()
            share = [visits // desks + (1 if n < visits % desks else 0) for n in range(desks)]
            processes = [
                context.Process(
                    target=_served_desk,
                    args=(server.url, recorded, n, share[n], warm_up, barrier, results),
                )
                for n in range(desks)
            ]
            for process in processes:
                process.start()
            barrier.wait()
            mock_cpu, started = process_cpu_seconds(server.process.pid), time.perf_counter()
            outcomes = [results.get(timeout=600) for _ in processes]
            seconds = time.perf_counter() - started
            mock_cpu = process_cpu_seconds(server.process.pid) - mock_cpu
            barrier.wait()
            for process in processes:
                process.join(timeout=60)
                if process.exitcode != 0:
                    raise RuntimeError(f"a desk process failed (exit code {process.exitcode})")
    label = f"served {'in memory' if memory else '--db file'}, {desks} desk processes"
    return Figures(
        label,
        sum(outcome.calls for outcome in outcomes),
        seconds,
        mock_cpu,
        sum(outcome.cpu_seconds for outcome in outcomes),
        [value for outcome in outcomes for value in outcome.visit_seconds],
    )


def run_in_process(
    recorded: RecordedVisit, *, desks: int, visits: int, warm_up: int, memory: bool
) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as directory:
        mock = MockPlatform(db_path=None if memory else Path(directory) / "mock.sqlite3")
        core = mock._core
        writes = WriteLockTimer(mock._backend.store)

        def post(body: bytes, headers: dict[str, str]) -> bytes:
            return core.handle(HttpRequest("POST", CALL_SERVICE, headers, body)).body

        try:
            desk_list = [Desk(recorded, post, desk=n) for n in range(desks)]
            for desk in desk_list:
                desk.sign_in()
                for _ in range(warm_up):
                    desk.visit()
            share = [visits // desks + (1 if n < visits % desks else 0) for n in range(desks)]
            outcomes: list[tuple[int, list[float]]] = []
            lock = threading.Lock()

            def run(n: int) -> None:
                outcome = _timed(desk_list[n], share[n])
                with lock:
                    outcomes.append(outcome)

            threads = [threading.Thread(target=run, args=(n,)) for n in range(desks)]
            writes.seconds = 0.0
            cpu, started = own_cpu_seconds(), time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds, cpu = time.perf_counter() - started, own_cpu_seconds() - cpu
        finally:
            mock.close()
    if len(outcomes) != desks:
        raise RuntimeError("a desk thread failed")
    label = f"in process {'in memory' if memory else '--db file'}, {desks} desk threads"
    return Figures(
        label,
        sum(calls for calls, _ in outcomes),
        seconds,
        cpu,
        None,
        [value for _, per_visit in outcomes for value in per_visit],
        writes.seconds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=100, help="timed visits, all desks together (100)")
    parser.add_argument("--warm-up", type=int, default=5, help="visits per desk before timing (5)")
    parser.add_argument("--desks", type=int, default=2, help="desks settling at once (2)")
    parser.add_argument("--memory", action="store_true", help="mock state in memory instead of a file")
    parser.add_argument("--in-process-only", action="store_true", help="skip the served mock")
    args = parser.parse_args()
    quiet_structlog()
    recorded = record_visit()
    print(machine())
    print(
        f"visit mix: {recorded.calls_per_visit} calls per visit "
        f"({' '.join(call.infno for call in recorded.calls)}); "
        f"{args.visits} timed visits after {args.warm_up} per desk"
    )
    print(HEADER)
    options = {"desks": args.desks, "visits": args.visits, "warm_up": args.warm_up, "memory": args.memory}
    if not args.in_process_only:
        print(run_served(recorded, **options).line())
        sys.stdout.flush()
    print(run_in_process(recorded, **options).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
