"""Desks that die, and desks that refund each other's settlements, on one PostgreSQL journal.

Against ``opsp mock serve --db``; after each story the platform and the journal are compared
(the same live settlements in the same order per person, every accumulator the sum of them).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter import Adapter, PlatformClient, decode, load_settings
from adapter._embedded import demo_settings_path
from adapter.execution import BatchState, ChainStatus
from adapter.execution._journal_postgres import PostgresJournal
from tests.postgres import JOURNAL_KEY, JOURNAL_KEY_ENV
from tests.served import ROOT, Served, served

from . import platform_state

OPSP = str(Path(sys.executable).parent / "opsp")
YEAR = 2026


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    mock_db = tmp_path / "mock.sqlite3"
    with served([OPSP, "mock", "serve", "--port", "0", "--db", str(mock_db)]) as server:
        yield server, mock_db


def _visit(patient: str, ipt_otp_no: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / "examples" / "visits" / f"{patient}.json").read_text())
    document = copy.deepcopy(document)
    document["visit"]["ipt_otp_no"] = ipt_otp_no
    return document


def _opsp(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **JOURNAL_KEY_ENV}  # the desks' shared journal key
    return subprocess.run(
        [OPSP, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_recover_on_another_node_leaves_a_live_desk_alone_and_finishes_a_killed_one(
    platform: tuple[Served, Path], postgres_url: str, tmp_path: Path
) -> None:
    server, mock_db = platform
    visit = tmp_path / "visit.json"
    visit.write_text(json.dumps(_visit("P8", "KILL1")), encoding="utf-8")
    desk = subprocess.Popen(
        [sys.executable, "-m", "tests.journal_pg._stall", server.url, postgres_url, str(visit), "after 2207"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    journal = PostgresJournal(postgres_url, key=JOURNAL_KEY)
    try:
        assert desk.stdout is not None
        # The platform has settled; the desk has not recorded it, and stays alive.
        assert desk.stdout.readline().strip() == "stalled"
        (batch,) = journal.unfinished_batches()
        assert batch.state == BatchState.SETTLING

        # The desk is alive: recover on another node (this CLI process) must not touch its batch.
        busy = _opsp("recover", "--platform", server.url, "--journal", postgres_url, "--json")
        assert busy.returncode == 3, busy.stderr
        (skipped,) = decode(busy.stdout)
        assert (skipped["batch_id"], skipped["after"]) == (batch.id, "settling")
        assert "另一收费窗口正在办理" in skipped["message"]
        assert journal.batch(batch.id).state == BatchState.SETTLING
        assert len(platform_state.live_settlements(mock_db)[batch.psn_no]) == 1  # still on the platform

        os.kill(desk.pid, signal.SIGKILL)  # mid-settlement: its session and person lock die with it
        assert desk.wait(timeout=10) == -signal.SIGKILL

        done = _opsp("recover", "--platform", server.url, "--journal", postgres_url, "--json")
        assert done.returncode == 0, done.stderr
        (recovered,) = decode(done.stdout)
        # The 2207 the dead desk never recorded is reversed (2601), the visit cancelled: nothing remains.
        assert (recovered["batch_id"], recovered["before"], recovered["after"]) == (
            batch.id,
            "settling",
            "unsettled",
        )
        assert platform_state.live_settlements(mock_db) == {}
        assert platform_state.accumulator(mock_db, batch.psn_no, YEAR, "S0000") == 0

        again = _opsp("settle", str(visit), "--platform", server.url, "--journal", postgres_url, "--json")
        assert again.returncode == 0, again.stderr
        assert [b["status"] for b in decode(again.stdout)["batches"]] == ["settled"]
        assert platform_state.assert_books_agree(mock_db, journal, year=YEAR) == 1
    finally:
        desk.kill()
        desk.wait(timeout=10)
        if desk.stdout is not None:
            desk.stdout.close()
        journal.close()


class _Desk:
    """A cashier desk: its own client and its own connection pool to the shared journal."""

    def __init__(self, mock_url: str, journal_url: str) -> None:
        settings = load_settings(
            demo_settings_path(), endpoint=mock_url.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
        )
        self.client = PlatformClient(settings)
        self.journal = PostgresJournal(journal_url, pool_size=2, key=JOURNAL_KEY)
        self.adapter = Adapter(self.client, journal=self.journal)

    def settle(self, document: dict[str, Any]) -> str:
        (batch,) = self.adapter.settle(document).batches
        assert batch.receipt is not None, batch.message
        return batch.receipt.setl_id

    def close(self) -> None:
        self.client.close()
        self.journal.close()


def test_a_refund_at_desk_b_of_desk_a_settlement_resettles_what_desk_c_settled_later(
    platform: tuple[Served, Path], postgres_url: str
) -> None:
    server, mock_db = platform
    a, b, c = (_Desk(server.url, postgres_url) for _ in range(3))
    try:
        first = a.settle(_visit("P8", "R1"))
        later = [c.settle(_visit("P8", "R2")), c.settle(_visit("P8", "R3"))]
        # Desk B refunds desk A's settlement while desk C presents another visit of the same patient:
        # one waits for the other (the person lock), whichever comes first.
        fourth: list[str] = []
        racing = threading.Thread(target=lambda: fourth.append(c.settle(_visit("P8", "R4"))))
        racing.start()
        result = b.adapter.refund(first)
        racing.join()
        assert result.status == ChainStatus.DONE, result.message

        target = b.journal.settlement(first)
        assert target is not None
        assert not target.active
        for setl_id in later:  # refunded newest-first, then settled again with new ids
            refunded = b.journal.settlement(setl_id)
            assert refunded is not None
            assert not refunded.active
        psn_no = target.psn_no
        live = platform_state.live_settlements(mock_db)[psn_no]
        # R2, R3 re-settled (and R4, settled before the chain or after it), every one once, none of R1.
        assert len(live) == 3
        assert first not in live
        assert not set(later) & set(live)
        assert platform_state.assert_books_agree(mock_db, b.journal, year=YEAR) == 3
        scope = b.journal.settlements_in_scope(psn_no, target.insutype, YEAR)
        assert sorted(b.journal.batch(s.batch_id).ipt_otp_no for s in scope if s.active) == ["R2", "R3", "R4"]
    finally:
        for desk in (a, b, c):
            desk.close()
