"""Benchmark: the adapter's own CPU per served, durable visit, and the journal's SQL per visit.

Run from the repository root (about a minute)::

    .venv/bin/python bench/bench_adapter_cpu.py [--visits 100] [--warm-up 10] [--rounds 3] [--profile]

A visit is ``Adapter(client, journal=SqliteJournal(file)).settle(document)`` of
``examples/visits/P1.json`` (three batches, 19 platform calls), each with a new ``ipt_otp_no``,
against ``opsp mock serve --port 0`` (in-memory state) in its own process, over one kept-alive
loopback connection, through the adapter's default transport (``Http11Transport``, what a host that
injects no ``http_client=`` gets) with the timeouts of the settings. The journal is a real file
(WAL, ``synchronous=FULL``), sealed with a key, as a desk's is.

What it reports, per visit:

- **adapter CPU**: the CPU time of the thread that settles (``time.thread_time``), so neither the
  mock (another process) nor the thread draining the mock's log pipe is counted. This is a CPU
  figure, not wall time, because the machine's cores are shared; wall time is shown for reference.
- **of which httpx**: the CPU spent inside ``httpx.Client.post`` (the request, the socket, the
  answer), measured by the same clock around each post; the rest is the adapter's own layers
  (planning, envelopes, codec, models, journal, receipts).
- **plain httpx**: the same visit without the adapter: P1's 19 calls as the adapter sent them,
  recorded once and replayed raw by ``bench/_mock_visit.py``'s ``Desk`` (every call a fresh msgid,
  the visit a fresh ``ipt_otp_no``, each batch's ``mdtrt_id`` swapped in, fresh TIF headers) with a
  bare ``httpx.Client.post`` to the same served mock, every answer checked to say ``infcode 0``.
  Only the CPU inside each post is counted. Two plain clients: ``httpx.Client()`` as it comes
  (httpcore + h11), and ``httpx.Client(transport=Http11Transport())``, the adapter's transport.
  Each twice: back to back, and with about as much unrelated Python work between two posts as the
  adapter does (building and reading the next messages), which leaves the caches as cold as the
  adapter leaves them. The ratios are the adapter's CPU per call over each.
- **journal SQL**: statements the journal's connection runs per visit, counted with
  ``sqlite3.Connection.set_trace_callback`` in separate, untimed visits: all, commits, BEGINs,
  SAVEPOINT/RELEASE/ROLLBACK TO, and the rest (reads and writes).

Each adapter figure is the median of ``--rounds`` rounds of ``--visits`` visits; each plain figure
is one pass of ``--visits`` replayed visits. ``--profile`` adds a
cProfile of the adapter's thread over one round (the 30 costliest functions by own time).
structlog drops info events in this process, as a host's does in production. A script, never a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from _machine import machine
from _mock_visit import Desk, RecordedVisit, record_visit
from bench_client import CALL_SERVICE, mock_command, opsp_script, quiet_structlog
from bench_visits import JOURNAL_KEY, Visits, settled

from adapter import Adapter, Http11Transport, PlatformClient, load_settings
from adapter._client import _timeout
from adapter._embedded import demo_settings_path
from adapter.execution import SqliteJournal
from tests.served import served

CALLS_PER_VISIT = 19
PLAIN_DESK = 7  # the replaying desk's msgids are of a fictitious 2027 second: never the adapter's


class TimedClient(httpx.Client):
    """An httpx client that adds up the thread CPU spent in ``post`` and keeps what was posted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cpu = 0.0
        self.posts = 0
        self.keep: list[tuple[str, bytes]] | None = None

    def post(self, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        start = time.thread_time()
        response = super().post(url, **kwargs)
        self.cpu += time.thread_time() - start
        self.posts += 1
        if self.keep is not None:
            self.keep.append((str(url), kwargs["content"]))
        return response


@dataclass(frozen=True)
class Round:
    visits: int
    calls: int
    cpu: float  # seconds, the settling thread
    httpx_cpu: float
    wall: float

    def per_visit_ms(self, seconds: float) -> float:
        return seconds * 1000 / self.visits


class StatementCounter:
    """sqlite3 trace callback: counts statements by kind."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, statement: str) -> None:
        word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if word in ("SAVEPOINT", "RELEASE") or statement.upper().startswith("ROLLBACK TO"):
            self.kinds["savepoint"] += 1
        elif word in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.kinds[word.lower()] += 1
        else:
            self.kinds["other"] += 1


def run(args: argparse.Namespace) -> None:
    settings_path = demo_settings_path()
    with served(mock_command(opsp_script())) as server, tempfile.TemporaryDirectory() as temporary:
        endpoint = server.url + CALL_SERVICE
        settings = load_settings(settings_path, endpoint=endpoint)
        journal = SqliteJournal(Path(temporary) / "journal.db", key=JOURNAL_KEY)
        http = TimedClient(transport=Http11Transport(), timeout=_timeout(settings))
        try:
            with PlatformClient(settings, http_client=http) as client:
                adapter = Adapter(client, journal=journal)
                source = Visits("CPU")
                for _ in range(args.warm_up):
                    settled(adapter, source.next())
                rounds = [timed_round(adapter, http, source, args.visits) for _ in range(args.rounds)]
            # What a host that injects no client gets: PlatformClient's own client, which posts below
            # httpx.Client.post (adapter/_posting.py), so the CPU inside httpx cannot be told apart.
            with PlatformClient(settings) as own_client:
                own_adapter = Adapter(own_client, journal=journal)
                for _ in range(args.warm_up):
                    settled(own_adapter, source.next())
                own_rounds = [timed_round(own_adapter, None, source, args.visits) for _ in range(args.rounds)]
            with PlatformClient(settings, http_client=http) as client:
                adapter = Adapter(client, journal=journal)
                counter = StatementCounter()
                journal._db.set_trace_callback(counter)  # the bench looks inside: statements per visit
                counted = 5
                for _ in range(counted):
                    settled(adapter, source.next())
                journal._db.set_trace_callback(None)
                recorded = record_visit()
                plain = [
                    (label, plain_visits(endpoint, recorded, args.visits, transport))
                    for label, transport in (("httpx.Client()", None), ("Http11Transport", Http11Transport()))
                ]
                if args.profile:
                    profile(adapter, source, args.visits)
        finally:
            http.close()
            journal.close()
    report(rounds, own_rounds, counter, counted, plain)


def timed_round(adapter: Adapter, http: TimedClient | None, source: Visits, visits: int) -> Round:
    """One round of ``visits``; the posts and the CPU inside them counted when ``http`` is the bench's."""
    documents = [source.next() for _ in range(visits)]
    posts, httpx_cpu = (http.posts, http.cpu) if http else (0, 0.0)
    wall, cpu = time.perf_counter(), time.thread_time()
    for document in documents:
        settled(adapter, document)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if http is None:
        return Round(visits, 0, cpu, 0.0, wall)
    return Round(visits, http.posts - posts, cpu, http.cpu - httpx_cpu, wall)


@dataclass(frozen=True)
class Plain:
    """Thread CPU inside ``httpx.Client.post`` per replayed visit: back to back, and with work between."""

    tight: float  # seconds per visit
    busy: float
    calls: int


def plain_visits(
    endpoint: str, recorded: RecordedVisit, visits: int, transport: httpx.BaseTransport | None
) -> Plain:
    """P1's recorded visit replayed raw ``visits`` times each way, with a bare httpx client."""
    with httpx.Client(transport=transport, timeout=10.0) as http:
        desk = Desk(
            recorded,
            lambda body, headers: http.post(endpoint, content=body, headers=headers).content,
            desk=PLAIN_DESK,
        )
        desk.sign_in()
        spent = [0.0]

        def add(_infno: str, seconds: float) -> None:
            spent[0] += seconds

        def add_after_work(infno: str, seconds: float) -> None:
            spent[0] += seconds
            unrelated_work(recorded)

        figures = []
        for timer in (add, add_after_work):
            desk.replay(recorded.calls, timer)  # warm-up
            spent[0] = 0.0
            for _ in range(visits):
                desk.replay(recorded.calls, timer)
            figures.append(spent[0] / visits)
    return Plain(tight=figures[0], busy=figures[1], calls=recorded.calls_per_visit)


def unrelated_work(recorded: RecordedVisit) -> None:
    """Python work between two posts, as the adapter's (decode an answer, build the next request, journal):
    the next post then runs with caches as cold as the adapter leaves them."""
    for call in recorded.calls * 2:  # about 0.8 ms of CPU, about the adapter's own per call
        document = json.loads(call.body, parse_float=Decimal)
        json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode()


def profile(adapter: Adapter, source: Visits, visits: int) -> None:
    documents = [source.next() for _ in range(visits)]
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for document in documents:
        settled(adapter, document)
    profiler.disable()
    print(f"\ncProfile of {visits} visits (thread CPU; inflated by the profiler), by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def report(
    rounds: list[Round],
    own_rounds: list[Round],
    counter: StatementCounter,
    counted: int,
    plains: list[tuple[str, Plain]],
) -> None:
    def median(pick: Callable[[Round], float]) -> float:
        return statistics.median(pick(r) for r in rounds)

    calls = rounds[0].calls / rounds[0].visits
    cpu = median(lambda r: r.per_visit_ms(r.cpu))
    httpx_cpu = median(lambda r: r.per_visit_ms(r.httpx_cpu))
    own = median(lambda r: r.per_visit_ms(r.cpu - r.httpx_cpu))
    wall = median(lambda r: r.per_visit_ms(r.wall))
    print(f"\nper served durable visit (P1, {calls:.0f} calls), median of {len(rounds)} rounds:")
    print(
        f"  adapter CPU (settling thread)        {cpu:7.2f} ms   (rounds: "
        + ", ".join(f"{r.per_visit_ms(r.cpu):.2f}" for r in rounds)
        + ")"
    )
    print(f"    of which inside httpx.Client.post  {httpx_cpu:7.2f} ms")
    own_cpu = statistics.median(r.per_visit_ms(r.cpu) for r in own_rounds)
    print(
        f"  the same, PlatformClient's own client (posted below Client.post; what a host injecting"
        f" nothing gets) {own_cpu:7.2f} ms   (rounds: "
        + ", ".join(f"{r.per_visit_ms(r.cpu):.2f}" for r in own_rounds)
        + ")"
    )
    print(f"    the adapter's own layers           {own:7.2f} ms")
    print(f"  wall time (machine shared)           {wall:7.2f} ms")
    for label, plain in plains:
        tight, busy = plain.tight * 1000, plain.busy * 1000
        print(
            f"\nplain httpx over {label}, the same visit replayed raw ({plain.calls} calls, fresh msgids,"
            " no adapter), CPU inside httpx.Client.post:"
        )
        print(
            f"  back to back                         {tight:7.2f} ms per visit"
            f" ({tight / calls * 1000:.0f} us per call)"
        )
        print(
            f"  with unrelated work between posts    {busy:7.2f} ms per visit"
            f" ({busy / calls * 1000:.0f} us per call)"
        )
        print(
            f"  per call: adapter {cpu / calls * 1000:.0f} us CPU = {cpu / tight:.2f}x plain back to back,"
            f" {cpu / busy:.2f}x plain with work between; inside the adapter's posts"
            f" {httpx_cpu / calls * 1000:.0f} us = {httpx_cpu / busy:.2f}x the latter"
        )
    kinds = counter.kinds
    total = sum(kinds.values())
    print(f"\njournal SQL per visit (trace callback over {counted} visits):")
    per = {kind: count / counted for kind, count in kinds.items()}
    print(
        f"  statements {total / counted:.1f}: commits {per.get('commit', 0):.1f},"
        f" BEGIN {per.get('begin', 0):.1f}, SAVEPOINT/RELEASE/ROLLBACK TO {per.get('savepoint', 0):.1f},"
        f" rollbacks {per.get('rollback', 0):.1f}, other (reads and writes) {per.get('other', 0):.1f}"
    )
    print("targets: adapter CPU <= 12 ms per visit; per call <= 1.15x plain httpx")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=100, help="timed visits per round (default 100)")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed visits first (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown (default 3)")
    parser.add_argument("--profile", action="store_true", help="also cProfile one round")
    args = parser.parse_args()
    args.visits, args.warm_up, args.rounds = max(1, args.visits), max(0, args.warm_up), max(1, args.rounds)
    quiet_structlog()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    run(args)
    print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
