"""One platform call is one SQLite transaction: fault countdown, work, inf_refmsgid serial and journal row.

A refused call keeps nothing of its work but still commits its serial and journal row; a call whose commit
fails keeps nothing at all, is answered as an internal error, and leaves the store usable. Only a `delay`
fault splits a call: its countdown commits first, and the wait happens outside any transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from mock_platform import MockPlatform
from mock_platform.backend.store import Store
from mock_platform.backend.visits import VisitBook
from mock_platform.config import MockConfig
from mock_platform.errors import RequestError
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1

P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1.certno}}
TRANSACTION_CONTROL = ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")  # not savepoints


def connection_of(platform: MockPlatform) -> Any:
    return platform._backend.store._connection  # the store's one connection (white-box: tests only)


@pytest.fixture
def statements(platform: MockPlatform) -> Iterator[list[str]]:
    """Every SQL statement the platform runs from here on."""
    seen: list[str] = []
    connection_of(platform).set_trace_callback(seen.append)
    yield seen
    connection_of(platform).set_trace_callback(None)


def transaction_control(seen: list[str]) -> list[str]:
    return [statement.split()[0] for statement in seen if statement in TRANSACTION_CONTROL]


def journal(client: httpx.Client) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get("/_mock/journal").json()["entries"]
    return entries


def test_each_call_is_one_transaction(
    platform: MockPlatform, signed_in: Caller, client: httpx.Client, statements: list[str]
) -> None:
    clinic = Clinic(signed_in, P1)
    calls: list[Callable[[], object]] = [
        lambda: clinic.register(),  # state-changing and idempotent: work, processed msgid, serial, journal
        lambda: clinic.call("1101", P1_QUERY),  # a query: serial and journal
        lambda: clinic.call("1234", {}),  # refused: serial and journal
        lambda: clinic.call("2201", {"data": {}}, msgid_serial=1),  # refused by the handler's validation
    ]
    for call in calls:
        statements.clear()
        call()
        assert transaction_control(statements) == ["BEGIN", "COMMIT"]
    platform.faults.add("1101", "fail_before_commit")
    statements.clear()
    with pytest.raises(httpx.RemoteProtocolError):  # the fault: its countdown and journal row only
        signed_in.call("1101", P1_QUERY)
    assert transaction_control(statements) == ["BEGIN", "COMMIT"]
    assert [entry["outcome"] for entry in journal(client)[-5:]] == [
        "success",
        "success",
        "error",
        "error",
        "fault",
    ]


def test_a_refused_call_keeps_no_work_but_its_journal_row(
    signed_in: Caller, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.register()

    def refuse(*args: object) -> None:
        raise RequestError("诊断信息有误")

    with monkeypatch.context() as patched:
        # 2203 records the treatment (med_type 14), then its diagnoses refuse.
        patched.setattr(VisitBook, "record_diagnoses", refuse)
        assert clinic.treatment(mdtrt_id, med_type="14", dise_codg="M01600")["err_msg"] == "诊断信息有误"
    # Had med_type 14 stayed, another med_type would be refused ("一次就诊只能有一个医疗类别").
    assert clinic.treatment(mdtrt_id, med_type="11")["infcode"] == 0
    last = journal(client)[-2:]
    assert [(entry["infno"], entry["outcome"]) for entry in last] == [("2203", "error"), ("2203", "success")]
    assert last[0]["inf_refmsgid"] != last[1]["inf_refmsgid"]  # the refusal's serial was committed


class FailingCommits:
    """The store's connection, whose next COMMIT fails like a full disk."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.fail_next_commit = False

    def execute(self, sql: str, *parameters: Any) -> sqlite3.Cursor:
        if sql == "COMMIT" and self.fail_next_commit:
            self.fail_next_commit = False
            raise sqlite3.OperationalError("database or disk is full")
        return self._connection.execute(sql, *parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_a_call_whose_commit_fails_keeps_nothing(
    platform: MockPlatform, signed_in: Caller, client: httpx.Client
) -> None:
    clinic = Clinic(signed_in, P1)
    store = platform._backend.store
    failing = FailingCommits(store._connection)
    store._connection = failing  # type: ignore[assignment]
    failing.fail_next_commit = True
    serial = signed_in.next_msgid_serial()
    with capture_logs() as logs:
        lost = clinic.call("2201", clinic_registration(), msgid_serial=serial)
    assert lost["infcode"] == -1
    assert lost["err_msg"] == f"医保平台内部错误，请稍后重试（参考号{lost['inf_refmsgid']}）"
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["call_not_committed"]
    # Nothing was stored: the same msgid is processed afresh (not answered from the store), and the store
    # works on (the failed transaction was rolled back).
    again = clinic.call("2201", clinic_registration(), msgid_serial=serial)
    assert again["infcode"] == 0
    assert again["inf_refmsgid"] != lost["inf_refmsgid"]
    outcomes = [(entry["infno"], entry["outcome"]) for entry in journal(client)[-2:]]
    assert outcomes == [("2201", "internal_error"), ("2201", "success")]


def clinic_registration() -> dict[str, Any]:
    return {
        "data": {
            "psn_no": P1.psn_no,
            "insutype": P1.insutype,
            "begntime": "2026-11-22 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": P1.certno,
            "ipt_otp_no": "OP-COMMIT",
            "dept_code": "K01",
            "dept_name": "内科",
            "caty": "A03",
        }
    }


def test_a_delay_waits_outside_any_transaction(clock: MutableClock, demo_config: MockConfig) -> None:
    in_transaction: list[bool] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        in_transaction.append(connection_of(mock).in_transaction)

    with (
        MockPlatform(clock=clock, config=demo_config, sleep=sleep) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        mock.faults.add("1101", "delay", seconds=2.5)
        assert caller.call("1101", P1_QUERY)["infcode"] == 0
        assert mock.faults.list() == []  # the countdown was committed
    assert (slept, in_transaction) == ([2.5], [False])


def test_joined_blocks_join_the_transaction_without_a_savepoint() -> None:
    store = Store.open(None)
    seen: list[str] = []
    store._connection.set_trace_callback(seen.append)
    try:
        with store.joined() as connection:  # alone: a transaction of its own
            connection.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        with store.transaction(), store.joined() as connection:
            connection.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
        with store.transaction(), store.transaction() as connection:  # a nested transaction: a savepoint
            connection.execute("INSERT INTO meta (key, value) VALUES ('c', '3')")
    finally:
        store.close()
    assert [statement.split()[0] for statement in seen] == [
        *("BEGIN", "INSERT", "COMMIT"),
        *("BEGIN", "INSERT", "COMMIT"),
        *("BEGIN", "SAVEPOINT", "INSERT", "RELEASE", "COMMIT"),
    ]


@pytest.mark.parametrize("make", [Store.transaction, Store.joined])
def test_a_transaction_context_is_single_use_and_a_second_entry_leaves_the_store_usable(
    make: Callable[[Store], Any],
) -> None:
    # A context that remembered its first use (a savepoint, or a transaction of its own) could, entered
    # again, RELEASE a savepoint that is not there or commit its caller's transaction; it is refused, as
    # the generator it replaced refused it, and nothing is left open.
    store = Store.open(None)
    context = make(store)
    with store.transaction(), context:  # first use: a savepoint (or, for joined, the enclosing transaction)
        pass
    with pytest.raises(RuntimeError, match="single-use"), context:
        pass
    with store.transaction() as connection:
        assert tuple(connection.execute("SELECT 1").fetchone()) == (1,)
    assert not store._connection.in_transaction
