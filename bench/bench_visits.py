"""Benchmark: full visits per second — plan, then 2201…2207 for every batch — against the served mock.

Run from the repository root::

    .venv/bin/python bench/bench_visits.py [--visits 200] [--warm-up 20] [--db | --memory] [--desks N ...]
                                           [--floor] [--profile [--top]]

One visit is ``Adapter(client, journal=SqliteJournal(file)).settle(document)`` of the example visit
``examples/visits/P1.json`` (demo person P1, three batches), each with its own ``ipt_otp_no``. The
mock's rules let P1 settle again and again: the accumulators grow and the account runs dry, which
changes amounts only. A settle is 19 calls: 1101 and 5301 (who, which filings), 2001 twice (the
benefit check of the two chronic diseases), then for each of the three batches 2201 register, 2203
treatment, 2204 fees, 2206 pre-settle and 2207 settle; every call of a batch is journaled (intent,
then outcome) in a real SQLite file (WAL, ``synchronous=FULL``) before and after it is made.

The platform is ``opsp mock serve --port 0`` on a loopback port, with ``--db`` on a temporary file
(the mock commits to SQLite in WAL mode with ``synchronous=FULL``, as a real deployment of it would)
and without (in-memory state); ``--db`` or ``--memory`` picks one, the default runs both, each for
``--visits`` visits after ``--warm-up`` visits. Since the mock sets TCP_NODELAY on its connections
(``mock_platform/_server.py``; the bug was found by bench/bench_client.py), the earlier ~40 ms
delayed-ACK stall on every kept-alive answer is gone. Figures:
visits per second and calls per second over the timed visits (wall clock, one visit after another,
one client, as at one cashier's desk), the median and 95th percentile time per visit, and the CPU
time per visit of this process and of the mock's process (from /proc), the rest of the wall time
being waits (fsync, wake-ups). Target: at least 100 visits per second.

``--desks 2 4`` adds, for each storage, runs with that many desks settling at once against one
served mock, each desk with its own connection, client and journal file (as each cashier
workstation has): once as threads of this process sharing one msgid sequence, once as forked
processes, each its own billing node (``msgid_node``). The timed visits are split between them.
That is the throughput of a hospital's desks together, not of one desk. The adapter CPU column is
the desks' CPU over the timed visits.

``--floor`` first measures bench/bench_floor.py's no-work ceiling (``httpx.Client`` over the
adapter's ``Http11Transport``, posting 1 KB to uvicorn on httptools + uvloop, nothing behind it; the
desks use the client the adapter builds itself, which posts on that transport below ``Client.post``)
in the same run, and reports each multi-desk run's visits/s as a fraction of what as many desks could
reach with no work at all: the lower of N times one desk's ceiling and the cores' ceiling.

``--profile`` then measures, against the in-process mock (no sockets), a visit with the mock's state
and the adapter's journal each in memory or in a file — what SQLite's WAL/FULL commits cost — and
splits the CPU of an all-in-memory visit between the mock, the httpx client and the adapter with
cProfile (``--top`` adds the 25 costliest functions). structlog drops info events in this process,
as a host's does in production; the served mock logs as it does by default. Results go to stdout;
this is a script, never a test assertion.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import itertools
import json
import multiprocessing
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_floor
import httpx
from _machine import machine, own_cpu_seconds, process_cpu_seconds
from bench_client import CALL_SERVICE, IN_PROCESS_URL, mock_command, opsp_script, quiet_structlog

from adapter import Adapter, PlatformClient, load_settings
from adapter._embedded import demo_settings_path
from adapter._msgid import MsgIdFactory
from adapter._settings import AdapterSettings
from adapter.execution import SqliteJournal
from mock_platform import MockPlatform
from tests.served import served

ROOT = Path(__file__).resolve().parents[1]
VISIT_FILE = ROOT / "examples" / "visits" / "P1.json"

JOURNAL_KEY = bytes(32)  # the bench's own key: a desk seals every credential it journals


@dataclass(frozen=True)
class Figures:
    label: str
    visits: int
    calls: int
    seconds: float
    per_visit: list[float]
    client_cpu: float = 0.0
    mock_cpu: float = 0.0

    @property
    def visits_per_second(self) -> float:
        return self.visits / self.seconds

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.per_visit)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Visits:
    """The example visit, again and again, each time with a new visit number."""

    def __init__(self, prefix: str) -> None:
        self._document: dict[str, Any] = json.loads(VISIT_FILE.read_text(encoding="utf-8"))
        self._prefix = prefix
        self._count = 0

    def next(self) -> dict[str, Any]:
        self._count += 1
        document = copy.deepcopy(self._document)
        document["visit"]["ipt_otp_no"] = f"{self._prefix}{self._count:06d}"
        return document


class CallCounter(MsgIdFactory):
    """The desk's msgid generator, counting the ids it issues: one per platform call.

    Counted here rather than with an httpx request hook because a hook needs a host's ``httpx.Client``, and
    the adapter then posts through ``Client.post``: the desks would not run the client a host that injects
    nothing gets (adapter/_posting.py). Still a `MsgIdFactory`, so the journal reserves its blocks as
    for any desk.
    """

    def __init__(self, fixmedins_code: str, *, node: int | None = None) -> None:
        super().__init__(fixmedins_code, node=node)
        self._issued = itertools.count()
        self._seen = 0

    def __call__(self) -> str:
        self._seen = next(self._issued) + 1  # next() on a count is atomic: desk threads may share one
        return super().__call__()

    @property
    def count(self) -> int:
        return self._seen


def settle_visits(
    label: str,
    adapter: Adapter,
    counter: CallCounter,
    visits: int,
    warm_up: int,
    prefix: str,
    mock_pid: int | None = None,
) -> Figures:
    """Settle ``warm_up`` visits, then time ``visits`` more, one after another."""
    source = Visits(prefix)
    for _ in range(warm_up):
        settled(adapter, source.next())
    per_visit: list[float] = []
    calls_before = counter.count
    client_cpu, mock_cpu = own_cpu_seconds(), process_cpu_seconds(mock_pid)
    started = time.perf_counter()
    for _ in range(visits):
        document = source.next()
        start = time.perf_counter()
        settled(adapter, document)
        per_visit.append(time.perf_counter() - start)
    seconds = time.perf_counter() - started
    return Figures(
        label,
        visits,
        counter.count - calls_before,
        seconds,
        per_visit,
        own_cpu_seconds() - client_cpu,
        process_cpu_seconds(mock_pid) - mock_cpu,
    )


def settled(adapter: Adapter, document: dict[str, Any]) -> None:
    result = adapter.settle(document)
    statuses = {batch.status for batch in result.batches}
    if statuses != {"settled"} or len(result.batches) != 3:
        raise RuntimeError(f"visit {result.ipt_otp_no} not settled: {result}")


@contextmanager
def adapter_for(
    endpoint: str,
    journal_path: Path,
    transport: httpx.BaseTransport | None = None,
    msgids: CallCounter | None = None,
    settings: AdapterSettings | None = None,
) -> Iterator[tuple[Adapter, CallCounter]]:
    """A desk: served (no `transport`), the client the adapter builds itself, as a host that injects nothing
    gets it (its own `Http11Transport` and timeouts); in process, the mock's transport."""
    settings = settings or load_settings(demo_settings_path(), endpoint=endpoint)
    journal = SqliteJournal(journal_path, key=JOURNAL_KEY)  # sealing is part of what a desk does
    try:
        counter = msgids or CallCounter(settings.fixmedins_code, node=settings.msgid_node)
        with PlatformClient(settings, transport=transport, msgid_factory=counter) as client:
            yield Adapter(client, journal=journal), counter
    finally:
        journal.close()


def run_served(
    label: str, command: list[str], journal: Path, visits: int, warm_up: int, prefix: str
) -> Figures:
    with (
        served(command) as server,
        adapter_for(server.url + CALL_SERVICE, journal) as (
            adapter,
            counter,
        ),
    ):
        return settle_visits(label, adapter, counter, visits, warm_up, prefix, server.process.pid)


def run_desks(
    label: str,
    command: list[str],
    directory: Path,
    desks: int,
    visits: int,
    warm_up: int,
    prefix: str,
    *,
    processes: bool = False,
) -> Figures:
    """``desks`` cashier desks settling at once against one served mock.

    Each desk has its own connection, client and journal file, as each workstation would; the
    timed visits are split between the desks, which all start together after their warm-up. As
    threads of this process they share one msgid sequence; as processes (``processes``) each is
    its own billing node with its own ``msgid_node`` digit (PROTOCOL.md §1.3), and the adapter
    side can use more than one core.
    """
    shares = [visits // desks + (1 if n < visits % desks else 0) for n in range(desks)]
    with served(command) as server:
        endpoint = server.url + CALL_SERVICE
        journals = [directory / f"{prefix}-desk{n}.db" for n in range(desks)]
        run = _desk_processes if processes else _desk_threads
        seconds, mock_cpu, outcomes = run(endpoint, journals, shares, warm_up, prefix, server.process.pid)
        return Figures(
            label,
            visits,
            sum(outcome.calls for outcome in outcomes),
            seconds,
            [duration for outcome in outcomes for duration in outcome.per_visit],
            sum(outcome.cpu for outcome in outcomes),
            mock_cpu,
        )


@dataclass(frozen=True)
class DeskOutcome:
    per_visit: list[float]
    calls: int
    cpu: float  # CPU over the timed visits: the desk process's own, or a thread's share of this process's


def _desk_threads(
    endpoint: str, journals: list[Path], shares: list[int], warm_up: int, prefix: str, mock_pid: int
) -> tuple[float, float, list[DeskOutcome]]:
    """Seconds and mock CPU over the timed visits, and each desk's outcome."""
    msgids = CallCounter(load_settings(demo_settings_path()).fixmedins_code)
    with ExitStack() as stack:
        stations = [stack.enter_context(adapter_for(endpoint, path, msgids=msgids)) for path in journals]
        sources = [Visits(f"{prefix}{n}D") for n in range(len(journals))]
        for (adapter, _counter), source in zip(stations, sources, strict=True):
            for _ in range(warm_up):
                settled(adapter, source.next())
        per_visit: list[list[float]] = [[] for _ in journals]
        failures: list[BaseException] = []
        start = threading.Barrier(len(journals) + 1)

        def desk(n: int) -> None:
            start.wait()
            try:
                per_visit[n].extend(_timed_visits(stations[n][0], sources[n], shares[n]))
            except BaseException as error:  # reported below: a benchmark that fails must say so
                failures.append(error)

        threads = [threading.Thread(target=desk, args=(n,)) for n in range(len(journals))]
        for thread in threads:
            thread.start()
        calls_before = msgids.count
        start.wait()
        started, cpu, mock_cpu = time.perf_counter(), own_cpu_seconds(), process_cpu_seconds(mock_pid)
        for thread in threads:
            thread.join()
        seconds, share = time.perf_counter() - started, (own_cpu_seconds() - cpu) / len(threads)
        mock_cpu = process_cpu_seconds(mock_pid) - mock_cpu
        if failures:
            raise RuntimeError(f"{len(failures)} desk(s) failed") from failures[0]
        # The desks share one msgid generator, so their calls are counted together (on the first desk).
        calls = [msgids.count - calls_before] + [0] * (len(journals) - 1)
        return (
            seconds,
            mock_cpu,
            [DeskOutcome(times, count, share) for times, count in zip(per_visit, calls, strict=True)],
        )


def _timed_visits(adapter: Adapter, source: Visits, count: int) -> list[float]:
    durations = []
    for _ in range(count):
        document = source.next()
        began = time.perf_counter()
        settled(adapter, document)
        durations.append(time.perf_counter() - began)
    return durations


def _desk_processes(
    endpoint: str, journals: list[Path], shares: list[int], warm_up: int, prefix: str, mock_pid: int
) -> tuple[float, float, list[DeskOutcome]]:
    """Seconds and mock CPU over the timed visits, and each desk's outcome."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(journals) + 1)
    results = context.Queue()
    workers = [
        context.Process(
            target=_desk_process, args=(n, endpoint, journals[n], shares[n], warm_up, prefix, start, results)
        )
        for n in range(len(journals))
    ]
    for worker in workers:
        worker.start()
    with suppress(threading.BrokenBarrierError):  # a desk failed before the start: its error is queued
        start.wait(timeout=600)
    started, mock_cpu = time.perf_counter(), process_cpu_seconds(mock_pid)
    outcomes = [results.get(timeout=600) for _ in workers]
    seconds, mock_cpu = time.perf_counter() - started, process_cpu_seconds(mock_pid) - mock_cpu
    for worker in workers:
        worker.join(timeout=60)
    failed = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failed:
        raise RuntimeError(f"{len(failed)} desk process(es) failed: {failed[0]}")
    return seconds, mock_cpu, outcomes


def _desk_process(
    node: int,
    endpoint: str,
    journal: Path,
    share: int,
    warm_up: int,
    prefix: str,
    start: Any,
    results: Any,
) -> None:
    """One desk in its own process, billing node ``node``: puts a DeskOutcome (or an error) on ``results``."""
    quiet_structlog()
    source = Visits(f"{prefix}{node}P")
    settings = load_settings(demo_settings_path(), endpoint=endpoint, msgid_node=node)
    try:
        with adapter_for(endpoint, journal, settings=settings) as (adapter, counter):
            for _ in range(warm_up):
                settled(adapter, source.next())
            calls = counter.count
            start.wait(timeout=600)
            cpu = own_cpu_seconds()
            durations = _timed_visits(adapter, source, share)
            results.put(DeskOutcome(durations, counter.count - calls, own_cpu_seconds() - cpu))
    except BaseException as error:  # the parent reports it
        start.abort()  # nobody waits for a desk that will never start
        results.put(f"desk {node}: {error!r}")


HEADER = (
    f"{'platform':<30} {'visits':>6} {'visits/s':>9} {'calls/s':>8} {'calls':>6} {'p50 ms':>7} {'p95 ms':>7}"
    f" {'adapter CPU':>12} {'mock CPU':>9} {'neither':>8}"
)


def report(figures: Figures) -> None:
    """One line; the CPU columns are ms per visit of each process, 'neither' the rest of the wall time."""
    per_visit = 1000 / figures.visits
    waiting = figures.seconds - figures.client_cpu - figures.mock_cpu
    print(
        f"{figures.label:<30} {figures.visits:>6} {figures.visits_per_second:>9.1f} "
        f"{figures.calls_per_second:>8.0f} {figures.calls / figures.visits:>6.1f} "
        f"{statistics.median(figures.per_visit) * 1000:>7.1f} {figures.percentile(0.95) * 1000:>7.1f} "
        f"{figures.client_cpu * per_visit:>12.1f} {figures.mock_cpu * per_visit:>9.1f} "
        + (f"{waiting * per_visit:>8.1f}" if waiting >= 0 else f"{'-':>8}")  # '-': both processes ran at once
    )


@dataclass(frozen=True)
class Ceiling:
    """bench_floor's no-work ceilings for a 19-call visit, httpx over the adapter's Http11Transport ->
    httptools+uvloop (the client the desks use), measured in this run."""

    one_desk: float
    all_cores: float
    cores: int

    def for_desks(self, desks: int) -> float:
        """What ``desks`` desks could reach with no work at all: neither more than ``desks`` times one desk's
        rate (each desk's calls one after another), nor more than the cores' CPU allows."""
        return min(desks * self.one_desk, self.all_cores)


def no_work_ceiling(requests: int = 1500, rounds: int = 3) -> Ceiling:
    cores = os.cpu_count() or 1
    floors = bench_floor.run_stack("httptools", "uvloop", requests, rounds)
    floor = next(floor for floor in floors if floor.label.startswith("httpx/Http11"))  # as the desks use
    print(
        f"floor (bench_floor.py, {requests} requests x {rounds} rounds, this run): {floor.label}: wall"
        f" {floor.wall * 1e6:.0f} us, client CPU {floor.client_cpu * 1e6:.0f} us, server CPU"
        f" {floor.server_cpu * 1e6:.0f} us per request; ceilings {floor.one_desk():.0f} visits/s one desk,"
        f" {floor.all_cores(cores):.0f} visits/s on {cores} cores"
    )
    return Ceiling(floor.one_desk(), floor.all_cores(cores), cores)


def report_fractions(ceiling: Ceiling, fractions: list[tuple[str, float]]) -> None:
    print(
        "\nvisits/s as a fraction of the no-work ceiling for as many desks, and of the cores' ceiling alone"
        " (both measured in this run):"
    )
    for label, rate in fractions:
        desks = int(label.split(", ")[1].split()[0])
        bound = ceiling.for_desks(desks)
        print(
            f"  {label:<32} {rate:6.1f} of {bound:6.1f} visits/s = {rate / bound:5.1%};"
            f" of {ceiling.all_cores:6.1f} ({ceiling.cores} cores) = {rate / ceiling.all_cores:5.1%}"
        )


# -- where the time goes ------------------------------------------------------------------


def in_process_ms_per_visit(
    directory: Path, visits: int, warm_up: int, mock_file: bool, journal_file: bool
) -> float:
    """Wall time per visit against the in-process mock (one process, no sockets), no profiler."""
    tag = f"{'mf' if mock_file else 'mm'}{'jf' if journal_file else 'jm'}"
    mock = MockPlatform(db_path=directory / f"inproc-{tag}.sqlite3" if mock_file else None)
    journal = directory / f"inproc-{tag}.db" if journal_file else Path(":memory:")
    try:
        with adapter_for(IN_PROCESS_URL, journal, mock.transport()) as (adapter, counter):
            return settle_visits(tag, adapter, counter, visits, warm_up, "IP").seconds * 1000 / visits
    finally:
        mock.close()


def durability_matrix(directory: Path, visits: int, warm_up: int) -> None:
    """What SQLite's WAL/FULL commits add: the in-process visit with each store in memory or in a file."""
    print(f"\nin-process mock, no sockets, {visits} visits each after {warm_up}; ms per visit:")
    print(f"  {'':<28} {'journal :memory:':>17} {'journal file':>13}")
    for mock_file in (False, True):
        row = [
            in_process_ms_per_visit(directory, visits, warm_up, mock_file, journal)
            for journal in (False, True)
        ]
        label = "mock --db file" if mock_file else "mock in memory"
        print(f"  {label:<28} {row[0]:>17.1f} {row[1]:>13.1f}")


def profile_in_process(visits: int, warm_up: int, top: bool) -> None:
    """cProfile of visits against the in-process mock, everything in memory: who spends the CPU."""
    mock = MockPlatform()
    try:
        with adapter_for(IN_PROCESS_URL, Path(":memory:"), mock.transport()) as (adapter, _counter):
            source = Visits("PROF")
            for _ in range(warm_up):
                settled(adapter, source.next())
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(visits):
                settled(adapter, source.next())
            profiler.disable()
    finally:
        mock.close()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]

    def cumulative(file_part: str, name: str) -> float:
        return sum(
            row[3] for (file, _, func), row in raw.items() if file.endswith(file_part) and func == name
        )

    total = cumulative("adapter/_adapter.py", "settle")
    mock_share = cumulative("mock_platform/transport.py", "handle_request")
    http_share = cumulative("httpx/_client.py", "post") - mock_share
    adapter_share = total - mock_share - http_share
    print(
        f"\ncProfile, in-process mock and journal in memory, {visits} visits "
        "(times inflated by the profiler):"
    )
    for label, seconds in (
        ("mock platform (MockPlatformTransport.handle_request)", mock_share),
        ("httpx client around it (Client.post minus the mock)", http_share),
        ("adapter (planning, client, journal, everything else)", adapter_share),
    ):
        print(f"  {label:<54} {seconds * 1000 / visits:>7.1f} ms/visit {seconds / total:>6.1%}")
    if top:
        stats.sort_stats("tottime").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=200, help="timed visits per run (default 200)")
    parser.add_argument("--warm-up", type=int, default=20, help="untimed visits first (default 20)")
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument("--db", action="store_true", help="only the mock with --db on a temporary file")
    storage.add_argument("--memory", action="store_true", help="only the mock with in-memory state")
    parser.add_argument(
        "--desks",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="also run N desks at once (threads, one journal each) against one served mock, per N",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench_floor's no-work ceiling (httpx/Http11 -> httptools+uvloop) in this run, and"
        " report each multi-desk run's visits/s as a fraction of it",
    )
    parser.add_argument("--profile", action="store_true", help="also measure and profile in-process")
    parser.add_argument("--top", action="store_true", help="with --profile: the 25 costliest functions")
    args = parser.parse_args()
    visits, warm_up = max(1, args.visits), max(0, args.warm_up)
    if any(desks > 10 for desks in args.desks):
        parser.error("--desks: at most 10 (desk processes are billing nodes 0-9, msgid_node)")
    if any(desks < 1 for desks in args.desks):
        parser.error("--desks: at least 1")
    storages = [name for name, wanted in (("db", not args.memory), ("memory", not args.db)) if wanted]

    quiet_structlog()
    print(f"machine: {machine()}")
    print(
        f"parameters: {visits} timed visits after {warm_up} warm-up visits; example visit "
        f"{VISIT_FILE.name} (3 batches); adapter journal in a SQLite file (WAL, synchronous=FULL); "
        "structlog drops info events in this process"
    )
    opsp = opsp_script()
    started = time.perf_counter()
    ceiling = no_work_ceiling() if args.floor else None
    fractions: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="opsp-bench-") as temporary:
        directory = Path(temporary)
        print(f"\n{HEADER}")
        for name in storages:
            database = ["--db", str(directory / f"mock-{name}.sqlite3")] if name == "db" else []
            label = "--db file" if name == "db" else "in memory"
            command, journal = mock_command(opsp, *database), directory / f"journal-{name}.db"
            report(run_served(label, command, journal, visits, warm_up, name.upper()))
            for desks in args.desks:
                for processes in (False, True):
                    kind = "processes" if processes else "threads"
                    tag = f"{name[0].upper()}{desks}{kind[0].upper()}"
                    label_n = f"{label}, {desks} desk {kind}"
                    figures = run_desks(
                        label_n, command, directory, desks, visits, warm_up, tag, processes=processes
                    )
                    report(figures)
                    fractions.append((label_n, figures.visits_per_second))
        print("CPU columns: ms per visit of this process (adapter, httpx; it also drains the mock's log")
        print("pipe) and of the mock's process; 'neither': wall time when neither was on a CPU (fsync...).")
        print("target: at least 100 visits/s")
        if ceiling is not None:
            report_fractions(ceiling, fractions)
        if args.profile:
            durability_matrix(directory, max(1, visits // 4), min(warm_up, 10))
            profile_in_process(max(1, visits // 4), min(warm_up, 10), args.top)
    print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
