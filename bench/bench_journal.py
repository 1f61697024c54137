"""Benchmark: settlements per second on one shared PostgreSQL journal with 1, 2 and 4 desk processes,
against SQLite with one process, and what each journal sends per visit.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres, trust, as in the tests)::

    .venv/bin/python bench/bench_journal.py [--visits 60] [--warm-up 3] [--processes 1 2 4]
                                            [--postgres postgresql://postgres@127.0.0.1:5432/test]

Each run starts its own ``opsp mock serve --port 0 --db FILE`` and, for PostgreSQL, settles into
a fresh database created for that run (dropped at its end). Every desk is a process of its
own (forked before anything is opened) with its own client and journal connection(s), settling
visits of its own patient — desk 0 ``P1`` (three batches), desk 1 ``P2``, desk 2 ``P3``, desk 3
``P10`` (two each) — each visit with a new ``ipt_otp_no``: a hospital's windows serving different
people, so the person lock never makes one desk wait for another. ``--visits`` is per desk; the
desks start together after ``--warm-up`` visits each.

Figures: settlements (settled batches) per second and visits per second over the timed visits of
all desks together (wall clock), median ms per visit, and per visit and per settlement the journal's
statements
(SQL sent, without transaction control: BEGIN/COMMIT/SAVEPOINT) and commits (write transactions,
each a WAL flush: ``synchronous=FULL`` on SQLite, ``synchronous_commit=on`` on PostgreSQL).
SQLite's are traced with ``sqlite3``'s trace callback; PostgreSQL's are ``PostgresJournal.stats``.
Results go to stdout; this is a script, never a test assertion.

``--wal`` instead measures what one SQLite journal writes per visit, against the in-process mock (no
timing, so no server): ``--visits`` visits of ``P1`` after ``--history`` visits already journaled (a
journal's indexes grow with its history), with automatic checkpoints off so the WAL keeps every frame.
Per visit: statements (as above), transaction control, commits, and WAL frames (pages written, each
a page image: what a commit costs beyond its fsync); then, for the last visit, each commit's pages by
the table or index they belong to (SQLite's ``dbstat``).
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from _machine import machine
from bench_client import CALL_SERVICE, IN_PROCESS_URL, mock_command, opsp_script, quiet_structlog

from adapter import Adapter, PlatformClient, SqliteJournal, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution._journal_postgres import PostgresJournal
from mock_platform import MockPlatform
from tests.served import served

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ["P1", "P2", "P3", "P10"]
KEY = os.urandom(32)
"""The journal key every desk shares (made once, before the desks are forked)."""


@dataclass(frozen=True)
class DeskOutcome:
    per_visit: list[float]
    settlements: int
    statements: int
    commits: int


@dataclass(frozen=True)
class Run:
    label: str
    desks: int
    visits: int
    seconds: float
    outcomes: list[DeskOutcome]

    def line(self) -> str:
        settlements = sum(o.settlements for o in self.outcomes)
        per_visit = [t for o in self.outcomes for t in o.per_visit]
        statements = sum(o.statements for o in self.outcomes)
        commits = sum(o.commits for o in self.outcomes)
        return (
            f"{self.label:<12} {self.desks:>5} {self.visits:>6} {settlements:>6}"
            f" {settlements / self.seconds:>13.1f}"
            f" {self.visits / self.seconds:>9.1f} {statistics.median(per_visit) * 1000:>7.0f}"
            f" {statements / self.visits:>10.1f} {commits / self.visits:>8.1f}"
            f" {statements / settlements:>10.1f} {commits / settlements:>8.1f}"
        )


HEADER = (
    f"{'journal':<12} {'desks':>5} {'visits':>6} {'settl.':>6} {'settlements/s':>13} {'visits/s':>9}"
    f" {'p50 ms':>7}"
    f" {'stmts/visit':>10} {'commits/visit':>8} {'stmts/settl.':>10} {'commits/settl.':>8}"
)


class _SqliteCounter:
    """Counts the SQL a SqliteJournal's connection executes (its trace callback)."""

    _CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")

    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0

    def __call__(self, sql: str) -> None:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head == "COMMIT":
            self.commits += 1
        elif head not in self._CONTROL:
            self.statements += 1


def _visit(patient: str, prefix: str, number: int) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / "examples" / "visits" / f"{patient}.json").read_text())
    document = copy.deepcopy(document)
    document["visit"]["ipt_otp_no"] = f"{prefix}{number:06d}"
    return document


def _desk(
    n: int, endpoint: str, journal: str, visits: int, warm_up: int, prefix: str, start: Any, results: Any
) -> None:
    """One desk process: warm up, wait for the others, settle ``visits`` visits; put a DeskOutcome."""
    quiet_structlog()
    patient = PATIENTS[n % len(PATIENTS)]
    settings = load_settings(demo_settings_path(), endpoint=endpoint)
    try:
        opened = (
            PostgresJournal(journal, pool_size=2, key=KEY)
            if journal.startswith("postgresql")
            else SqliteJournal(journal, key=KEY)
        )
        counter = _SqliteCounter()
        if isinstance(opened, SqliteJournal):
            opened._db.set_trace_callback(counter)  # the benchmark reads what the journal sends
        with PlatformClient(settings) as client:
            adapter = Adapter(client, journal=opened)
            for number in range(warm_up):
                adapter.settle(_visit(patient, f"{prefix}{n}W", number))
            before = (
                (opened.stats.statements, opened.stats.commits)
                if isinstance(opened, PostgresJournal)
                else (counter.statements, counter.commits)
            )
            start.wait(timeout=600)
            durations, settlements = [], 0
            for number in range(visits):
                began = time.perf_counter()
                result = adapter.settle(_visit(patient, f"{prefix}{n}T", number))
                durations.append(time.perf_counter() - began)
                if {b.status for b in result.batches} != {"settled"}:
                    raise RuntimeError(f"{result.ipt_otp_no} not settled: {result}")
                settlements += len(result.batches)
            after = (
                (opened.stats.statements, opened.stats.commits)
                if isinstance(opened, PostgresJournal)
                else (counter.statements, counter.commits)
            )
        opened.close()
        results.put(DeskOutcome(durations, settlements, after[0] - before[0], after[1] - before[1]))
    except BaseException as error:  # reported by the parent
        start.abort()
        results.put(f"desk {n}: {error!r}")


def run(label: str, journal: str, desks: int, visits: int, warm_up: int, directory: Path) -> Run:
    prefix = f"B{uuid.uuid4().hex[:4].upper()}"
    with served(mock_command(opsp_script(), "--db", str(directory / f"mock-{prefix}.sqlite3"))) as server:
        context = multiprocessing.get_context("fork")
        start = context.Barrier(desks + 1)
        results = context.Queue()
        workers = [
            context.Process(
                target=_desk,
                args=(n, server.url + CALL_SERVICE, journal, visits, warm_up, prefix, start, results),
            )
            for n in range(desks)
        ]
        for worker in workers:
            worker.start()
        with suppress(Exception):
            start.wait(timeout=600)
        began = time.perf_counter()
        outcomes = [results.get(timeout=600) for _ in workers]
        seconds = time.perf_counter() - began
        for worker in workers:
            worker.join(timeout=60)
    failed = [o for o in outcomes if isinstance(o, str)]
    if failed:
        raise RuntimeError(f"{len(failed)} desk(s) failed: {failed[0]}")
    return Run(label, desks, visits * desks, seconds, outcomes)


def wal(visits: int, history: int, directory: Path) -> None:
    """Statements, commits and WAL frames per visit of one SQLite journal (``--wal``)."""
    quiet_structlog()
    path = directory / "journal.sqlite3"
    journal = SqliteJournal(path, key=KEY)
    journal._db.execute("PRAGMA wal_autocheckpoint=0")  # every frame stays in the WAL to be counted
    page = int(journal._db.execute("PRAGMA page_size").fetchone()[0])
    wal_file = Path(f"{path}-wal")
    statements: list[str] = []
    settings = load_settings(demo_settings_path(), endpoint=IN_PROCESS_URL)
    with (
        httpx.Client(transport=MockPlatform().transport()) as http,
        PlatformClient(settings, http_client=http) as client,
    ):
        adapter = Adapter(client, journal=journal)
        for number in range(history):
            adapter.settle(_visit("P1", "H", number))
        start = wal_file.stat().st_size if wal_file.exists() else 32
        journal._db.set_trace_callback(statements.append)
        for number in range(visits):
            statements.append("-- visit")
            result = adapter.settle(_visit("P1", "T", number))
            if {b.status for b in result.batches} != {"settled"}:
                raise RuntimeError(f"{result.ipt_otp_no} not settled: {result}")
        journal._db.set_trace_callback(None)
        written = wal_file.read_bytes()
        pages = {int(row[1]): str(row[0]) for row in journal._db.execute("SELECT name, pageno FROM dbstat")}
    journal.close()
    heads = collections.Counter(sql.lstrip().split(None, 1)[0].upper() for sql in statements if sql.strip())
    control = sum(heads[head] for head in _SqliteCounter._CONTROL)
    sql = sum(heads.values()) - control - heads["--"]
    frames = [written[offset : offset + 8] for offset in range(start, len(written), page + 24)]
    print(f"SQLite journal, {visits} visits of P1 after {history} (page {page} bytes), per visit:")
    print(f"  statements {sql / visits:.1f}  transaction control {control / visits:.1f}", end="")
    print(f"  commits {heads['COMMIT'] / visits:.1f}  WAL frames {len(frames) / visits:.1f}")
    print(
        "  "
        + ", ".join(f"{head} {count / visits:.1f}" for head, count in heads.most_common() if head != "--")
    )
    commits: list[list[str]] = [[]]
    for frame in frames:
        number, commit = int.from_bytes(frame[:4], "big"), int.from_bytes(frame[4:8], "big")
        commits[-1].append(pages.get(number, f"page {number}"))
        if commit:
            commits.append([])
    last = commits[-int(heads["COMMIT"] / visits) - 1 : -1]
    print(f"pages of each commit of the last visit (about {len(last)}):")
    for owners in last:
        counted = collections.Counter(owners)
        print(
            f"  {len(owners):>3}  "
            + ", ".join(f"{name} {n}" if n > 1 else name for name, n in counted.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=60, help="timed visits per desk (default 60)")
    parser.add_argument("--warm-up", type=int, default=3, help="visits per desk before timing (default 3)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4], help="PostgreSQL desk counts")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="admin URL")
    parser.add_argument(
        "--wal", action="store_true", help="SQLite only: statements, commits and WAL frames per visit"
    )
    parser.add_argument(
        "--history", type=int, default=3, help="with --wal: visits journaled before (default 3)"
    )
    args = parser.parse_args()
    if args.wal:
        with tempfile.TemporaryDirectory() as scratch:
            wal(args.visits, args.history, Path(scratch))
        return
    base = args.postgres.rpartition("/")[0]
    print(machine())
    print(HEADER)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        sqlite = run(
            "SQLite file", str(directory / "journal.sqlite3"), 1, args.visits, args.warm_up, directory
        )
        print(sqlite.line(), flush=True)
        for desks in args.processes:
            # A database of its own per run: each run's mock is another platform (its own port).
            name = f"opsp_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                figures = run("PostgreSQL", f"{base}/{name}", desks, args.visits, args.warm_up, directory)
            finally:
                with psycopg.connect(args.postgres, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(figures.line(), flush=True)


if __name__ == "__main__":
    main()
