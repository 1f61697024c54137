"""Many desks, one PostgreSQL journal: 3 processes x 10 threads settle 30 visits of 5 patients at once.

Against ``opsp mock serve --db``. Each thread settles its visit, then presents the visit another
desk's thread is settling at that moment (a patient queuing at two windows): the person lock
makes the second desk wait, and it finds the visit settled. Afterwards the platform and the
journal are compared: every msgid the platform received is unique, no batch is settled twice,
each patient's settlements are in the same order in both books, and every accumulator equals
the sum of the live settlements.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.execution._journal_postgres import PostgresJournal
from tests.served import ROOT, Served, served

from . import platform_state

OPSP = str(Path(sys.executable).parent / "opsp")
PATIENTS = ["P2", "P4", "P7", "P8", "P9"]  # five people; P2 has two batches, the others one
DESKS, THREADS = 3, 10
YEAR = 2026


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    mock_db = tmp_path / "mock.sqlite3"
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(mock_db)]) as server:
        yield server, mock_db


def _visit(number: int) -> dict[str, Any]:
    """Visit ``number`` (0-29): patient number % 5, a visit number of its own."""
    patient = PATIENTS[number % len(PATIENTS)]
    document: dict[str, Any] = json.loads((ROOT / "examples" / "visits" / f"{patient}.json").read_text())
    document = copy.deepcopy(document)
    document["visit"]["ipt_otp_no"] = f"MD{number:03d}"
    return document


def test_three_desk_processes_of_ten_threads_share_one_journal(
    platform: tuple[Served, Path], postgres_url: str
) -> None:
    server, mock_db = platform
    PostgresJournal(postgres_url).close()  # the schema, before the desks race to open it
    desks = [_start_desk(desk, server.url, postgres_url) for desk in range(DESKS)]
    try:
        lines = _run_together(desks)
    finally:
        for process in desks:
            process.kill()
            process.wait(timeout=10)
    assert len(lines) == DESKS * THREADS * 2
    assert [line for line in lines if "error" in line] == []

    # Every visit settled: each presentation ends settled (the first settles, the second finds it done).
    assert all(set(line["statuses"]) == {"settled"} for line in lines)
    presented = Counter(line["ipt_otp_no"] for line in lines)
    assert presented == {f"MD{n:03d}": 2 for n in range(30)}
    by_visit: dict[str, list[list[str]]] = {}
    for line in lines:
        by_visit.setdefault(line["ipt_otp_no"], []).append(line["setl_ids"])
    # The second desk's receipt is the first desk's settlement, reprinted (此前已处理), never a new one.
    assert all(first == second for first, second in by_visit.values())
    receipts = [setl_id for first, _second in by_visit.values() for setl_id in first]
    # 30 visits: 6 of P2 with two batches, 24 with one -> 36 batches, each settled exactly once.
    assert len(receipts) == len(set(receipts)) == 36
    assert "" not in receipts

    assert platform_state.repeated_msgids(mock_db) == []
    journal = PostgresJournal(postgres_url)
    try:
        assert platform_state.assert_books_agree(mock_db, journal, year=YEAR) == 36
        assert sorted(receipts) == sorted(
            setl_id for ids in platform_state.live_settlements(mock_db).values() for setl_id in ids
        )
    finally:
        journal.close()


def _start_desk(desk: int, mock_url: str, journal_url: str) -> subprocess.Popen[str]:
    # Thread t of desk d settles visit 10d+t, then visit 10(d+1)+t: desk d+1's thread t's, same patient.
    work = [[_visit(desk * THREADS + t), _visit((desk + 1) % DESKS * THREADS + t)] for t in range(THREADS)]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.journal_pg._desk", mock_url, journal_url, str(desk)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(json.dumps(work) + "\n")
    process.stdin.flush()
    return process


def _run_together(desks: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    """Wait until every desk is ready, start them at once, collect what they printed."""
    for process in desks:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in desks:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.close()
    lines: list[dict[str, Any]] = []
    for process in desks:
        assert process.stdout is not None
        lines.extend(json.loads(line) for line in process.stdout.read().splitlines())
        process.stdout.close()
        assert process.wait(timeout=60) == 0
    return lines
