"""The SQLite store: state survives a restart on the same file; in-memory mocks share nothing."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import httpx

from mock_platform import MockPlatform
from mock_platform.backend.schema import SCHEMA_VERSION
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient

P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"}}


def caller_for(mock: MockPlatform, clock: MutableClock) -> tuple[httpx.Client, Caller]:
    client = httpx.Client(transport=mock.transport(), base_url="http://mock.local")
    return client, Caller(client, clock=clock)


def test_sign_in_survives_a_restart(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db) as first:
        client, caller = caller_for(first, clock)
        with client:
            sign_no = caller.sign_in()
    with MockPlatform(clock=clock, db_path=str(db)) as second:
        client, caller = caller_for(second, clock)
        with client:
            caller.sign_no = sign_no
            assert caller.call("1101", P1_QUERY)["infcode"] == 0
            assert caller.sign_in() == sign_no  # same operator, same day


def test_sign_out_survives_a_restart(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db) as first:
        client, caller = caller_for(first, clock)
        with client:
            sign_no = caller.sign_in()
            caller.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": "0001"}})
    with MockPlatform(clock=clock, db_path=db) as second:
        client, caller = caller_for(second, clock)
        with client:
            caller.sign_no = sign_no
            assert "已签退" in caller.call("1101", P1_QUERY)["err_msg"]


def test_file_store_is_wal_seeded_once_and_journaled(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    for _ in range(2):
        with MockPlatform(clock=clock, db_path=db) as mock:
            client, caller = caller_for(mock, clock)
            with client:
                caller.sign_in()
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT count(*) FROM person").fetchone()[0] == 10
        assert connection.execute("SELECT count(*) FROM traffic").fetchone()[0] == 2
        assert connection.execute("SELECT count(*) FROM sign_in").fetchone()[0] == 1
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 16
        # Money is stored as exact text, never as a float.
        assert connection.execute(
            "SELECT balc FROM insurance WHERE psn_no = '64010000000000000001'"
        ).fetchone() == ("1000.00",)
    finally:
        connection.close()


def test_in_memory_mocks_are_independent(clock: MutableClock) -> None:
    with MockPlatform(clock=clock) as first, MockPlatform(clock=clock) as second:
        client_a, caller_a = caller_for(first, clock)
        client_b, caller_b = caller_for(second, clock)
        with client_a, client_b:
            caller_b.sign_no = caller_a.sign_in()
            assert "无效" in caller_b.call("1101", P1_QUERY)["err_msg"]


def test_closing_a_client_leaves_the_platform_usable(platform: MockPlatform, clock: MutableClock) -> None:
    client, caller = caller_for(platform, clock)
    with client:
        caller.sign_in()
    client, caller = caller_for(platform, clock)
    with client:
        assert caller.sign_in()


def test_settlements_and_accumulators_survive_a_restart(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db) as first:
        first.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        client, caller = caller_for(first, clock)
        with client:
            caller.sign_in()
            clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
            clinic.visit(EXAMPLE2_LINES, begntime="2026-03-10 09:00:00")
            b = clinic.visit(EXAMPLE2_LINES, begntime="2026-04-10 09:00:00", acct="1")
            b_msgid = caller.msgid(caller.serial)
            b_settle = clinic.settle_input(b["output"]["setlinfo"]["mdtrt_id"], acct="1")
            before = clinic.cuminfo()
    with MockPlatform(clock=clock, db_path=db) as second:
        client, caller = caller_for(second, clock)
        with client:
            caller.sign_in()
            caller.serial = 500
            clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
            # Deductible 485 + 15 = 500, fund 352.50, account 200 − 200 = 0: all still there.
            assert clinic.cuminfo() == before
            assert before["310/Q0000"] == Decimal("500.00")
            assert clinic.balance() == Decimal("0.00")
            # The processed msgid is remembered: the same 2207 gets its stored answer.
            replay = clinic.call("2207", {"data": b_settle}, msgid_serial=int(b_msgid[-4:]))
            assert replay["output"]["setlinfo"] == b["output"]["setlinfo"]
            info = b["output"]["setlinfo"]
            assert clinic.refund(info["setl_id"], info["mdtrt_id"])["infcode"] == 0
            assert clinic.cuminfo()["310/Q0000"] == Decimal("485.00")
            assert clinic.balance() == Decimal("200.00")


def test_a_batch_settlement_is_found_by_index_not_by_scanning(tmp_path: Path, clock: MutableClock) -> None:
    # 2206/2207/2208 look up a batch's settlement several times per call; a scan would slow a
    # long-running mock down with every settlement it has ever made.
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db):
        pass
    connection = sqlite3.connect(db)
    try:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM settlement WHERE mdtrt_id = ? AND chrg_bchno = ?"
            " AND kind = 'settlement' AND status = 'active'",
            ("M1", "B1"),
        ).fetchall()
    finally:
        connection.close()
    assert any("USING INDEX settlement_batch" in row[-1] for row in plan), plan
