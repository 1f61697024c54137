"""Benchmark: the mock's instructions per platform call on the visit mix — the figure load does not move.

Run from the repository root (about a minute; needs valgrind)::

    .venv/bin/python bench/bench_mock_instructions.py [--visits 20] [--warm-up 3] [--memory] [--statements]
    .venv/bin/python bench/bench_mock_instructions.py --served [--visits 10]    # a few minutes

Why: ``bench_mock_calls.py``'s CPU per call moves by 20 - 30 % from one run to the next on this project's
2-core VM, so a change of 10 % cannot be read off it. ``valgrind --tool=callgrind`` counts the same
instructions whatever the machine is doing; it misses what is not an instruction of this process (the
kernel's work for the commit's fsync, cache misses) and, in process, uvicorn's share, so read it beside the
CPU figures, not instead of them.

What is counted: `_mock_visit.Desk`'s replay of P1's visit (19 calls: 1101, 5301, 2001 twice, then 2201,
2203, 2204, 2206 and 2207 per batch), two desks taking turns, posted straight to the core of one
`MockPlatform` on a SQLite file (durable: WAL, ``synchronous=FULL``; ``--memory`` keeps it in memory) in this
process. Each call's ``PlatformCore.handle`` runs inside ``functools.reduce``, whose C function
(``functools_reduce``) is callgrind's toggle: start-up, the recording of the visit, the warm-up visits and the
desks' own work (bodies, TIF headers) are not counted. The script starts itself again under valgrind and
prints the count divided by the calls.

``--served`` counts the served process instead: ``python -m mock_platform serve --db FILE`` (or in memory
with ``--memory``) under callgrind, uvicorn, httptools and uvloop included, the two desks posting with
``http.client`` over a kept-alive loopback connection each from this process (not counted). After the
warm-up ``callgrind_control --zero`` resets the counters and after the counted visits ``--dump`` writes them;
callgrind takes such a command only while the server runs, so a few ``GET /nothing`` requests (404) go with
each, a few hundred thousand instructions in all (under 0.1 % of the count).

``--statements`` runs without valgrind and prints, per call of each infno, the SQL statements the mock's
connection executed (its trace callback: triggers' statements not included) and the WAL frames written
(pages; automatic checkpoints are switched off for the run so the WAL only grows). A script, never a test.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.client
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from _machine import machine
from _mock_visit import CALL_SERVICE, Desk, RecordedVisit, record_visit
from bench_client import quiet_structlog

from mock_platform import MockPlatform
from mock_platform._http import HttpRequest, HttpResponse

_UNDER_VALGRIND = "OPSP_BENCH_UNDER_VALGRIND"
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
_CALLS = re.compile(r"^calls: (\d+)$", re.MULTILINE)


def _desks(recorded: RecordedVisit, post: Callable[[bytes, dict[str, str]], bytes]) -> list[Desk]:
    desks = [Desk(recorded, post, desk=n) for n in range(2)]
    for desk in desks:
        desk.sign_in()
    return desks


def counted_run(visits: int, warm_up: int, *, memory: bool) -> None:
    """The measured run (inside valgrind): warm-up visits, then each counted call inside functools.reduce."""
    quiet_structlog()
    recorded = record_visit()
    with tempfile.TemporaryDirectory(prefix="bench-mock-instructions-") as directory:
        mock = MockPlatform(db_path=None if memory else Path(directory) / "mock.sqlite3")
        core = mock._core
        counting = False

        def handle(_: HttpResponse | None, request: HttpRequest) -> HttpResponse | None:
            return core.handle(request)

        def post(body: bytes, headers: dict[str, str]) -> bytes:
            request = HttpRequest("POST", CALL_SERVICE, headers, body)
            if counting:
                answer = functools.reduce(handle, (request,), None)
                assert answer is not None
                return answer.body
            return core.handle(request).body

        try:
            desks = _desks(recorded, post)
            for _ in range(warm_up):
                for desk in desks:
                    desk.visit()
            counting = True
            calls = sum(desks[number % 2].visit() for number in range(visits))
        finally:
            mock.close()
    print(f"calls: {calls}")  # read by main()


def statements(visits: int, warm_up: int, *, memory: bool) -> None:
    """Statements and WAL frames per call, by infno (no valgrind)."""
    quiet_structlog()
    recorded = record_visit()
    with tempfile.TemporaryDirectory(prefix="bench-mock-statements-") as directory:
        path = Path(directory) / "mock.sqlite3"
        mock = MockPlatform(db_path=None if memory else path)
        core = mock._core
        connection = mock._backend.store._connection
        wal = Path(f"{path}-wal")
        page = int(connection.execute("PRAGMA page_size").fetchone()[0])
        executed: list[str] = []
        counts: collections.Counter[str] = collections.Counter()
        calls: collections.Counter[str] = collections.Counter()
        frames: collections.Counter[str] = collections.Counter()
        shown: dict[str, list[str]] = {}

        def post(body: bytes, headers: dict[str, str]) -> bytes:
            infno = re.search(rb'"infno":\s*"(\d+)"', body).group(1).decode()  # type: ignore[union-attr]
            before = wal.stat().st_size if wal.exists() else 0
            executed.clear()
            answer = core.handle(HttpRequest("POST", CALL_SERVICE, headers, body)).body
            after = wal.stat().st_size if wal.exists() else 0
            calls[infno] += 1
            counts[infno] += len(executed)
            frames[infno] += (after - before) // (page + 24)
            shown.setdefault(infno, list(executed))
            return answer

        try:
            desks = _desks(recorded, post)
            for _ in range(warm_up):
                for desk in desks:
                    desk.visit()
            for counter in (calls, counts, frames):
                counter.clear()
            shown.clear()
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            connection.set_trace_callback(executed.append)
            for number in range(visits):
                desks[number % 2].visit()
        finally:
            connection.set_trace_callback(None)
            mock.close()
    print(f"{'infno':<6} {'calls':>6} {'statements/call':>16} {'WAL pages/call':>15}")
    for infno in calls:
        print(
            f"{infno:<6} {calls[infno]:>6} {counts[infno] / calls[infno]:>16.1f} "
            f"{frames[infno] / calls[infno]:>15.2f}"
        )
    total = sum(calls.values())
    print(
        f"{'all':<6} {total:>6} {sum(counts.values()) / total:>16.2f} {sum(frames.values()) / total:>15.2f}"
    )
    if os.environ.get("OPSP_BENCH_SHOW_STATEMENTS"):
        for infno, lines in shown.items():
            print(f"\n{infno}:")
            for line in lines:
                print("   ", line[:160])


def served(valgrind: str, visits: int, warm_up: int, *, memory: bool) -> int:
    """Instructions per call of the served process (see the module's docstring); 1 if it fails."""
    quiet_structlog()
    recorded = record_visit()
    with tempfile.TemporaryDirectory(prefix="bench-mock-served-") as directory:
        command = [
            valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={directory}/callgrind.%p",
            sys.executable,
            "-m",
            "mock_platform",
            "serve",
            "--port",
            "0",
            *([] if memory else ["--db", f"{directory}/mock.sqlite3"]),
        ]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            found = re.search(r"listening on http://([0-9.]+):(\d+)", server.stdout.readline())
            if found is None:
                print("the served mock did not start", file=sys.stderr)
                return 1
            host, port = found.group(1), int(found.group(2))

            def poster() -> Callable[[bytes, dict[str, str]], bytes]:
                connection = http.client.HTTPConnection(host, port)

                def post(body: bytes, headers: dict[str, str]) -> bytes:
                    connection.request("POST", CALL_SERVICE, body=body, headers=headers)
                    return connection.getresponse().read()

                return post

            def control(option: str) -> None:
                done: queue.Queue[int] = queue.Queue()
                thread = threading.Thread(
                    target=lambda: done.put(
                        subprocess.run(
                            ["callgrind_control", option, str(server.pid)], capture_output=True, check=False
                        ).returncode
                    )
                )
                thread.start()
                poke = http.client.HTTPConnection(host, port)
                while thread.is_alive():
                    poke.request("GET", "/nothing")
                    poke.getresponse().read()
                    thread.join(timeout=0.5)
                poke.close()
                if done.get() != 0:
                    raise RuntimeError(f"callgrind_control {option} failed")

            desks = [Desk(recorded, poster(), desk=n) for n in range(2)]
            for desk in desks:
                desk.sign_in()
            for _ in range(warm_up):
                for desk in desks:
                    desk.visit()
            control("--zero")
            calls = sum(desks[number % 2].visit() for number in range(visits))
            control("--dump")
            dumps = sorted(Path(directory).glob(f"callgrind.{server.pid}.*"), key=lambda p: int(p.suffix[1:]))
            summary = re.search(r"^summary:\s*(\d+)", dumps[-1].read_text(), re.MULTILINE)
            if summary is None:
                print("no summary in the callgrind dump", file=sys.stderr)
                return 1
        finally:
            server.terminate()
            server.wait(timeout=120)
    print(f"machine: {machine()}")
    print(
        f"parameters: {visits} counted visits (two desks taking turns) after {warm_up} warm-up visits per "
        f"desk; served, {'in memory' if memory else 'SQLite file, WAL, synchronous=FULL'}"
    )
    print(f"instructions per call (served mock process): {int(summary.group(1)) / calls / 1e6:.3f} M")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=20, help="counted visits, desks taking turns (20)")
    parser.add_argument("--warm-up", type=int, default=3, help="visits per desk before counting (3)")
    parser.add_argument("--memory", action="store_true", help="mock state in memory instead of a file")
    parser.add_argument("--statements", action="store_true", help="SQL statements and WAL pages per call")
    parser.add_argument("--served", action="store_true", help="count the served process (uvicorn included)")
    args = parser.parse_args()
    visits, warm_up = max(1, args.visits), max(0, args.warm_up)
    if args.statements:
        statements(visits, warm_up, memory=args.memory)
        return 0
    if os.environ.get(_UNDER_VALGRIND):
        counted_run(visits, warm_up, memory=args.memory)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    if args.served:
        return served(valgrind, visits, warm_up, memory=args.memory)
    command = [
        valgrind,
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--visits",
        str(visits),
        "--warm-up",
        str(warm_up),
        *(["--memory"] if args.memory else []),
    ]
    print(f"machine: {machine()}")
    print(
        f"parameters: {visits} counted visits (two desks taking turns) after {warm_up} warm-up visits per "
        f"desk; {'in memory' if args.memory else 'SQLite file, WAL, synchronous=FULL'}"
    )
    run = subprocess.run(
        command, env={**os.environ, _UNDER_VALGRIND: "1"}, capture_output=True, text=True, check=False
    )
    found = _COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        print(run.stdout + run.stderr, file=sys.stderr)
        return 1
    calls = int(_CALLS.search(run.stdout).group(1))  # type: ignore[union-attr]
    print(f"instructions per call (mock core, in process): {int(found.group(1)) / calls / 1e6:.3f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
