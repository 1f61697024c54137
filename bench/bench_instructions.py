"""Benchmark: instructions per served, durable visit in the adapter's process — the figure load does not move.

Run from the repository root (about two minutes; needs valgrind, which every machine here has)::

    .venv/bin/python bench/bench_instructions.py [--visits 10] [--warm-up 3]

Why: on this project's 2-core VM a thread's CPU time for the same work moves by 20 - 30 % from one run to
the next even when nothing else runs (docs/benchmarks.md), so a change of 10 % cannot be read off
``bench_adapter_cpu.py``. Counting instructions with ``valgrind --tool=callgrind`` is repeatable whatever the
machine is doing; it misses what is not an instruction of this process (the kernel's work for fsync and
sockets, cache misses), so read it beside the CPU figures, not instead of them.

What is counted: ``Adapter(PlatformClient(settings), journal=SqliteJournal(file)).settle(P1)`` (three
batches, 19 platform calls, each visit a new ``ipt_otp_no``), with the client a host gets when it injects
nothing (its default transport), against ``opsp mock serve`` (in memory) in its own process, which valgrind
does not follow. Collection is switched on only while the timed visits run: they run inside
``functools.reduce``, whose C function (``functools_reduce``) is callgrind's toggle; start-up, imports and the
warm-up visits are not counted. The script starts itself again under valgrind and prints the count divided by
the visits. A script, never a test.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import machine

_UNDER_VALGRIND = "OPSP_BENCH_UNDER_VALGRIND"
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def visits_under_valgrind(visits: int, warm_up: int) -> None:
    """The measured run (inside valgrind): warm-up visits, then the counted ones inside functools.reduce."""
    from bench_client import CALL_SERVICE, mock_command, opsp_script, quiet_structlog
    from bench_visits import JOURNAL_KEY, Visits, settled

    from adapter import Adapter, PlatformClient, load_settings
    from adapter._embedded import demo_settings_path
    from adapter.execution import SqliteJournal
    from tests.served import served

    quiet_structlog()
    with served(mock_command(opsp_script())) as server, tempfile.TemporaryDirectory() as directory:
        settings = load_settings(demo_settings_path(), endpoint=server.url + CALL_SERVICE)
        journal = SqliteJournal(Path(directory) / "journal.sqlite3", key=JOURNAL_KEY)
        try:
            with PlatformClient(settings) as client:
                adapter = Adapter(client, journal=journal)
                source = Visits("INS")
                for _ in range(warm_up):
                    settled(adapter, source.next())
                documents = [source.next() for _ in range(visits)]
                functools.reduce(lambda _, document: settled(adapter, document), documents, None)
        finally:
            journal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=10, help="counted visits (default 10)")
    parser.add_argument("--warm-up", type=int, default=3, help="visits before counting (default 3)")
    args = parser.parse_args()
    visits, warm_up = max(1, args.visits), max(0, args.warm_up)
    if os.environ.get(_UNDER_VALGRIND):
        visits_under_valgrind(visits, warm_up)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
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
    ]
    print(f"machine: {machine()}")
    print(f"parameters: {visits} counted visits after {warm_up} warm-up visits; example visit P1.json")
    run = subprocess.run(
        command, env={**os.environ, _UNDER_VALGRIND: "1"}, capture_output=True, text=True, check=False
    )
    found = _COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        print(run.stdout + run.stderr, file=sys.stderr)
        return 1
    per_visit = int(found.group(1)) / visits
    print(f"instructions per served durable visit (adapter process): {per_visit / 1e6:.1f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
