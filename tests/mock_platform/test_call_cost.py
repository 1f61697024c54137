"""What makes a platform call cheap stays correct (issue #18): the person kept between calls, inf_refmsgid
serials reserved in blocks, one statement per gateway nonce, and durable state across a restart.

No timing here: statements are counted with SQLite's trace callback, and every cached value is checked
against what the tables hold after each kind of change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.backend.schema import PERSON_TABLES, SCHEMA_VERSION
from mock_platform.backend.signin import SignInError
from mock_platform.conformance.console import people_view
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient

P1 = "64010000000000000001"  # config/demo/people.toml P1: Yinchuan 职工, account 1000.00
TODAY = date(2026, 11, 22)  # the test clock's day (conftest)
P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"}}


def statements(platform: MockPlatform, caller: Caller, infno: str, input_: dict[str, Any]) -> list[str]:
    """The SQL one call runs (white-box: the store's own connection, tests only)."""
    seen: list[str] = []
    connection = platform._backend.store._connection
    connection.set_trace_callback(seen.append)
    try:
        assert caller.call(infno, input_)["infcode"] == 0
    finally:
        connection.set_trace_callback(None)
    return seen


def reads_person(sql: list[str]) -> bool:
    """Whether a person's record was read (not only looked up by credential)."""
    return any(f"FROM {table} WHERE psn_no" in statement for statement in sql for table in PERSON_TABLES)


def test_the_person_is_read_again_only_after_a_change(platform: MockPlatform, signed_in: Caller) -> None:
    assert signed_in.call("1101", P1_QUERY)["infcode"] == 0
    unchanged = statements(platform, signed_in, "1101", P1_QUERY)
    assert not reads_person(unchanged)
    # The nonce checked on the head and recorded, BEGIN, the call state (sign-ins and fault rules unchanged:
    # neither read), SAVEPOINT, the lookup by ID number, the person's version, RELEASE, the traffic row,
    # COMMIT (the inf_refmsgid serial came from a block). It was 17 with the person read from five tables,
    # the serial and the nonce's own SELECT; 11 with the fault rule and the sign-in read on every call.
    assert len(unchanged) == 10, unchanged
    store = platform._backend.store
    changes = {
        "person": "UPDATE person SET psn_name = '马建民' WHERE psn_no = ?",
        "insurance": "UPDATE insurance SET balc = '999.99' WHERE psn_no = ?",
        "identity": (
            "INSERT INTO identity (psn_no, psn_idet_type, psn_type_lv, memo, begntime, endtime)"
            " VALUES (?, '2', '1', '', '2026-01-01 00:00:00', NULL)"
        ),
        "opsp_filing": "UPDATE opsp_filing SET enddate = '2026-01-31' WHERE psn_no = ?",
        "remote_filing": (
            "INSERT INTO remote_filing (psn_no, admdvs, begndate, enddate)"
            " VALUES (?, '420100', '2026-01-01', NULL)"
        ),
    }
    assert sorted(changes) == sorted(PERSON_TABLES)
    for table, change in changes.items():
        with store.transaction() as connection:
            connection.execute(change, (P1,))
        assert reads_person(statements(platform, signed_in, "1101", P1_QUERY)), table
    person = platform._backend.people.get(P1)
    assert person is not None
    assert (person.psn_name, person.insurances[0].balc) == ("马建民", Decimal("999.99"))
    assert person.identities[-1].psn_idet_type == "2"
    assert all(filing.enddate is not None for filing in person.filings)
    assert [(row.admdvs, str(row.begndate)) for row in person.remote_filings][-1] == ("420100", "2026-01-01")


def test_nothing_read_inside_a_rolled_back_transaction_is_kept(platform: MockPlatform) -> None:
    people, store = platform._backend.people, platform._backend.store
    assert people.get(P1).insurances[0].balc == Decimal("1000.00")  # type: ignore[union-attr]

    def change_then_fail() -> None:
        with store.transaction() as connection:
            connection.execute("UPDATE insurance SET balc = '111.00' WHERE psn_no = ?", (P1,))
            assert people.get(P1).insurances[0].balc == Decimal("111.00")  # type: ignore[union-attr]
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        change_then_fail()
    # Another change raises the person's version to the one the undone change had: still read afresh.
    with store.transaction() as connection:
        connection.execute("UPDATE insurance SET balc = '222.00' WHERE psn_no = ?", (P1,))
    assert people.get(P1).insurances[0].balc == Decimal("222.00")  # type: ignore[union-attr]


def test_a_serial_block_undone_by_a_rollback_is_reserved_again(platform: MockPlatform) -> None:
    backend, store = platform._backend, platform._backend.store

    def reserve_then_fail() -> None:
        with store.transaction():
            assert backend.next_serial("test_serial") == 1
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        reserve_then_fail()
    with store.transaction():
        second = backend.next_serial("test_serial")
    with store.joined() as connection:
        reserved = connection.execute("SELECT value FROM sequence WHERE name = 'test_serial'").fetchone()[0]
    # The block the rollback undid is not used on: the value handed out is covered by a committed reservation.
    assert second <= reserved
    assert [backend.next_serial("test_serial") for _ in range(3)] == [second + 1, second + 2, second + 3]


def test_refmsgids_and_nonces_are_unique_across_a_restart(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    refmsgids: list[str] = []
    used = tif_headers(clock())
    with (
        MockPlatform(clock=clock, db_path=db) as first,
        httpx.Client(transport=first.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        sign_no = caller.sign_no
        refmsgids += [str(caller.call("1101", P1_QUERY)["inf_refmsgid"]) for _ in range(3)]
        query = body(envelope("1101", P1_QUERY, sign_no=sign_no, msgid_serial=900))
        assert client.post(SINGLE_URL, content=query, headers=used).json()["infcode"] == 0
    with (
        MockPlatform(clock=clock, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_no, caller.serial = sign_no, 500
        refmsgids += [str(caller.call("1101", P1_QUERY)["inf_refmsgid"]) for _ in range(3)]
        replayed = client.post(SINGLE_URL, content=query, headers=used)
        assert (replayed.status_code, replayed.json()["header"]) == (401, "x-tif-nonce")
    # Serials of the first run's block, then of a block reserved after it: distinct and increasing.
    serials = [int(refmsgid[-10:]) for refmsgid in refmsgids]
    assert serials == sorted(set(serials))
    connection = sqlite3.connect(db)
    try:
        stored = connection.execute(
            "SELECT count(*) FROM gateway_nonce WHERE nonce = ?", (used["x-tif-nonce"],)
        )
        assert stored.fetchone()[0] == 1
    finally:
        connection.close()


def reads_call_state(sql: list[str]) -> tuple[bool, bool]:
    """Whether the sign-in session and the fault rules were read (not only their version)."""
    return (
        any("FROM sign_in WHERE" in statement for statement in sql),
        any("FROM fault_rule WHERE" in statement for statement in sql),
    )


def test_the_sign_in_and_fault_rules_are_read_again_only_after_a_change(
    platform: MockPlatform, signed_in: Caller
) -> None:
    assert signed_in.call("1101", P1_QUERY)["infcode"] == 0
    assert reads_call_state(statements(platform, signed_in, "1101", P1_QUERY)) == (False, False)
    store, sign_no = platform._backend.store, signed_in.sign_no
    # A rule for another transaction: both read again once, then neither.
    platform.faults.add("2201", "error")
    assert reads_call_state(statements(platform, signed_in, "1101", P1_QUERY)) == (True, True)
    assert reads_call_state(statements(platform, signed_in, "1101", P1_QUERY)) == (False, False)
    # A rule for this transaction, stored by any code: it fires.
    with store.transaction() as connection:
        connection.execute("INSERT INTO fault_rule (infno, kind, remaining) VALUES ('1101', 'error', 1)")
    assert signed_in.call("1101", P1_QUERY)["infcode"] == -1
    assert signed_in.call("1101", P1_QUERY)["infcode"] == 0  # used up
    # The session signed out by any code: refused at once.
    with store.transaction() as connection:
        connection.execute(
            "UPDATE sign_in SET signed_out_at = '2026-11-22 10:00:00' WHERE sign_no = ?", (sign_no,)
        )
    assert "已签退" in signed_in.call("1101", P1_QUERY)["err_msg"]
    with store.transaction() as connection:
        connection.execute("UPDATE sign_in SET signed_out_at = NULL WHERE sign_no = ?", (sign_no,))
    assert signed_in.call("1101", P1_QUERY)["infcode"] == 0
    with store.transaction() as connection:
        connection.execute("DELETE FROM sign_in WHERE sign_no = ?", (sign_no,))
    assert "签到" in signed_in.call("1101", P1_QUERY)["err_msg"]


def test_no_sign_in_or_rule_read_inside_a_rolled_back_transaction_is_kept(
    platform: MockPlatform, signed_in: Caller
) -> None:
    backend, store = platform._backend, platform._backend.store
    sign_no = signed_in.sign_no

    def sign_out_then_fail() -> None:
        with store.transaction() as connection:
            connection.execute(
                "UPDATE sign_in SET signed_out_at = '2026-11-22 10:00:00' WHERE sign_no = ?", (sign_no,)
            )
            connection.execute("DELETE FROM fault_rule")
            state = backend.call_state()
            with pytest.raises(SignInError):
                backend.sign_ins.check(
                    fixmedins_code="H42010200001", sign_no=sign_no, today=TODAY, state=state
                )
            assert backend.faults.take("1101", state) is None
            raise RuntimeError("undo")

    platform.faults.add("1101", "error")
    with pytest.raises(RuntimeError):
        sign_out_then_fail()
    # Another change raises the version to the one the undone change had: still read afresh.
    with store.transaction() as connection:
        connection.execute("UPDATE sign_in SET opter_no = opter_no WHERE sign_no = ?", (sign_no,))
        connection.execute("UPDATE fault_rule SET remaining = remaining")
    assert signed_in.call("1101", P1_QUERY)["infcode"] == -1  # the rule fires: its absence was not kept
    assert signed_in.call("1101", P1_QUERY)["infcode"] == 0  # the session is open: its sign-out was not kept


def test_a_store_of_migration_11_gets_the_call_state(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db):
        pass
    connection = sqlite3.connect(db)
    try:  # What a file of migration 11 holds: no call state nor settlement inputs, no triggers raising them.
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE '%_call_state' OR name LIKE '%_settlement_inputs')"
        ).fetchall():
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("DROP TABLE call_state")
        connection.execute("PRAGMA user_version = 11")
        connection.commit()
    finally:
        connection.close()
    with (
        MockPlatform(clock=clock, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        assert second._backend.store.schema_version() == SCHEMA_VERSION
        caller = Caller(client, clock=clock)
        before = second._backend.call_state()
        caller.sign_in()
        assert second._backend.call_state().version == before.version + 1
        second.faults.add("1101", "maintenance")
        assert caller.call("1101", P1_QUERY)["infcode"] == -1
        assert caller.call("1101", P1_QUERY)["infcode"] == 0


ROWID_NONCES = """
CREATE TABLE gateway_nonce_rowid (
    nonce TEXT PRIMARY KEY, expires_at REAL NOT NULL, msgid TEXT, digest TEXT, answer BLOB, content_type TEXT
);
INSERT INTO gateway_nonce_rowid
    SELECT nonce, expires_at, msgid, digest, answer, content_type FROM gateway_nonce;
DROP TABLE gateway_nonce;
ALTER TABLE gateway_nonce_rowid RENAME TO gateway_nonce;
CREATE INDEX gateway_nonce_expiry ON gateway_nonce (expires_at);
PRAGMA user_version = 14;
"""


def test_a_store_of_migration_14_keeps_its_nonces_in_one_b_tree(tmp_path: Path, clock: MutableClock) -> None:
    # Migration 15: the nonces keyed by themselves (WITHOUT ROWID), one page written per call instead of a
    # table's page and its key index's page; every nonce used before still refused.
    db = tmp_path / "mock.sqlite3"
    used = tif_headers(clock())
    with (
        MockPlatform(clock=clock, db_path=db) as first,
        httpx.Client(transport=first.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        sign_no = caller.sign_no
        query = body(envelope("1101", P1_QUERY, sign_no=sign_no, msgid_serial=900))
        assert client.post(SINGLE_URL, content=query, headers=used).json()["infcode"] == 0
    connection = sqlite3.connect(db)
    try:  # What a file of migration 14 holds: a rowid table of nonces and the index of its key.
        connection.executescript(ROWID_NONCES)
    finally:
        connection.close()
    with (
        MockPlatform(clock=clock, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        assert second._backend.store.schema_version() == SCHEMA_VERSION
        with second._backend.store.joined() as connection:
            (sql,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'gateway_nonce'"
            ).fetchone()
            indexes = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'gateway_nonce'"
            ).fetchall()
        assert sql.endswith("WITHOUT ROWID")
        assert [tuple(row) for row in indexes] == [("gateway_nonce_expiry",)]
        replayed = client.post(SINGLE_URL, content=query, headers=used)
        assert (replayed.status_code, replayed.json()["header"]) == (401, "x-tif-nonce")
        caller = Caller(client, clock=clock)
        caller.sign_no, caller.serial = sign_no, 500
        assert caller.call("1101", P1_QUERY)["infcode"] == 0


ROWID_LINES = """
CREATE INDEX IF NOT EXISTS fee_detail_settlement ON fee_detail (setl_id);
CREATE INDEX IF NOT EXISTS accumulator_scope ON accumulator_entry (psn_no, insutype, year);
CREATE TABLE settlement_line_rowid (
    setl_id TEXT NOT NULL REFERENCES settlement (setl_id),
    fee_detail_id INTEGER NOT NULL REFERENCES fee_detail (id),
    PRIMARY KEY (setl_id, fee_detail_id)
);
INSERT INTO settlement_line_rowid SELECT setl_id, fee_detail_id FROM settlement_line;
DROP TABLE settlement_line;
ALTER TABLE settlement_line_rowid RENAME TO settlement_line;
PRAGMA user_version = 15;
"""


def test_a_store_of_migration_15_unsettles_fee_details_through_the_settlement_lines(
    tmp_path: Path, clock: MutableClock
) -> None:
    # Migration 16 drops the index of fee details by setl_id (a page written by every 2204 and 2207) and the
    # ledger's by person, and keys the settlement lines by themselves (one B-tree); a refund then unsettles
    # exactly the refunded batch's details, found through its settlement lines, not the other batch's.
    db = tmp_path / "mock.sqlite3"
    with (
        MockPlatform(clock=clock, db_path=db) as first,
        httpx.Client(transport=first.transport(), base_url="http://mock.local") as client,
    ):
        first.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        mdtrt_id = clinic.open_visit()
        setl_ids = {}
        for batch in ("B1", "B2"):
            assert clinic.upload(mdtrt_id, EXAMPLE2_LINES, batch=batch)["infcode"] == 0
            settled = clinic.settle(mdtrt_id, batch=batch)
            assert settled["infcode"] == 0, settled["err_msg"]
            setl_ids[batch] = settled["output"]["setlinfo"]["setl_id"]
        sign_no, serial = caller.sign_no, caller.serial
    connection = sqlite3.connect(db)
    try:  # What a file of migration 15 holds: the index of fee details by settlement, rowid lines.
        lines = connection.execute("SELECT * FROM settlement_line ORDER BY setl_id, fee_detail_id").fetchall()
        connection.executescript(ROWID_LINES)
    finally:
        connection.close()
    with (
        MockPlatform(clock=clock, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        assert second._backend.store.schema_version() == SCHEMA_VERSION
        caller = Caller(client, clock=clock)
        caller.sign_no, caller.serial = sign_no, serial + 100
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        refunded = clinic.refund(setl_ids["B2"], mdtrt_id)  # the newest first
        assert refunded["infcode"] == 0, refunded["err_msg"]
        with second._backend.store.joined() as connection:
            index = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                " AND name IN ('fee_detail_settlement', 'accumulator_scope')"
            ).fetchone()
            details = connection.execute(
                "SELECT chrg_bchno, setl_id FROM fee_detail WHERE mdtrt_id = ? ORDER BY id", (mdtrt_id,)
            ).fetchall()
            (sql,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'settlement_line'"
            ).fetchone()
            kept = connection.execute("SELECT * FROM settlement_line").fetchall()
        assert index is None
        assert sql.endswith("WITHOUT ROWID")
        assert [tuple(row) for row in kept] == lines
        assert len(lines) == 2 * len(EXAMPLE2_LINES)
        assert [tuple(row) for row in details] == [("B1", setl_ids["B1"])] * len(EXAMPLE2_LINES) + [
            ("B2", None)
        ] * len(EXAMPLE2_LINES)


def test_a_settlement_writes_its_lines_ledger_entries_and_totals_one_statement_each(
    platform: MockPlatform, signed_in: Caller
) -> None:
    # Each of these was a statement per row (executemany); the rows themselves are checked by the settlement
    # and accumulator tests.
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    mdtrt_id = clinic.open_visit()
    assert clinic.upload(mdtrt_id, EXAMPLE2_LINES)["infcode"] == 0
    sql: list[str] = []
    connection = platform._backend.store._connection
    connection.set_trace_callback(sql.append)
    try:
        settled = clinic.settle(mdtrt_id)
    finally:
        connection.set_trace_callback(None)
    assert settled["infcode"] == 0, settled["err_msg"]
    setl_id = settled["output"]["setlinfo"]["setl_id"]
    with platform._backend.store.joined() as connection:
        counts = [
            connection.execute(f"SELECT count(*) FROM {table} WHERE setl_id = ?", (setl_id,)).fetchone()[0]
            for table in ("settlement_line", "accumulator_entry", "fee_detail")
        ]
    assert counts[0] == counts[2] == len(EXAMPLE2_LINES) > 1
    assert counts[1] > 1
    for table in ("settlement_line", "accumulator_entry", "accumulator_total"):
        assert len({s for s in sql if s.startswith(f"INSERT INTO {table} ")}) == 1, table
    assert len({s for s in sql if s.startswith("UPDATE fee_detail SET setl_id")}) == 1


def test_the_console_sums_every_ledger_entry_of_a_person(platform: MockPlatform, signed_in: Caller) -> None:
    # The console reads a person's entries through the person's settlements (no index of entries by person
    # since migration 16): settlements, a refund and a rollback all counted, as summed from the whole ledger.
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    settled = [clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"] for _ in range(3)]
    assert clinic.refund(settled[2]["setl_id"], settled[2]["mdtrt_id"])["infcode"] == 0
    platform._backend.statements.roll_back(settled[1]["setl_id"])
    store = platform._backend.store
    sums: dict[tuple[str, str, int, str], Decimal] = {}
    with store.joined() as connection:
        for psn_no, insutype, year, code, amount in connection.execute(
            "SELECT psn_no, insutype, year, cum_type_code, amount FROM accumulator_entry"
        ):
            key = (psn_no, insutype, int(year), code)
            sums[key] = sums.get(key, Decimal("0")) + Decimal(amount)
    (view,) = people_view(store)
    assert view.psn_no == YINCHUAN_EMPLOYEE["psn_no"]
    shown = {(row.psn_no, row.insutype, row.year, row.cum_type_code): row.total for row in view.accumulators}
    assert shown == sums
    assert {str(total) for total in shown.values()} == {str(total) for total in sums.values()}
    assert len(sums) > 2


def settled_details(platform: MockPlatform) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What a refund's or rollback's lookup through the lines (migration 16) relies on, as two lists that
    must be empty: fee details whose setl_id names no settlement in effect that lists them, and the lines of
    a settlement in effect whose fee detail names another settlement (or none)."""
    with platform._backend.store.joined() as connection:
        strays = connection.execute(
            "SELECT f.feedetl_sn, f.setl_id FROM fee_detail f WHERE f.setl_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM settlement_line l JOIN settlement s ON s.setl_id = l.setl_id"
            "  WHERE l.setl_id = f.setl_id AND l.fee_detail_id = f.id AND s.status = 'active')"
        ).fetchall()
        unpointed = connection.execute(
            "SELECT f.feedetl_sn, s.setl_id FROM settlement s JOIN settlement_line l ON l.setl_id = s.setl_id"
            " JOIN fee_detail f ON f.id = l.fee_detail_id"
            " WHERE s.kind = 'settlement' AND s.status = 'active' AND f.setl_id IS NOT s.setl_id"
        ).fetchall()
    return [tuple(row) for row in strays], [tuple(row) for row in unpointed]


def test_a_settled_fee_detail_always_names_a_settlement_in_effect_that_lists_it(
    platform: MockPlatform, signed_in: Caller
) -> None:
    # Since migration 16 a refund or rollback finds a settlement's fee details through its lines, keeping
    # fee_detail.setl_id = ? only as a guard; that finds what the index by setl_id found only while every
    # settled detail names a settlement in effect that lists it. Checked after each kind of change: two
    # batches of one visit, a batch refunded and settled again, a refund rolled back by the platform (the
    # original in effect again), a settlement rolled back, a settlement and its refund made outside HIS.
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    statements = platform._backend.statements
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    mdtrt_id = clinic.open_visit()

    def settle(batch: str) -> str:
        answer = clinic.settle(mdtrt_id, batch=batch)
        assert answer["infcode"] == 0, answer["err_msg"]
        return str(answer["output"]["setlinfo"]["setl_id"])

    def refund(setl_id: str) -> str:
        answer = clinic.refund(setl_id, mdtrt_id)
        assert answer["infcode"] == 0, answer["err_msg"]
        return str(answer["output"]["setlinfo"]["setl_id"])

    made: dict[str, str] = {}
    for batch in ("B1", "B2"):
        assert clinic.upload(mdtrt_id, EXAMPLE2_LINES, batch=batch)["infcode"] == 0
        made[batch] = settle(batch)
        assert settled_details(platform) == ([], [])
    steps: dict[str, Callable[[], object]] = {
        "B2 refunded": lambda: refund(made["B2"]),
        "B2 settled again": lambda: made.setdefault("B2 again", settle("B2")),
        "that refunded": lambda: made.setdefault("refund", refund(made["B2 again"])),
        "the refund rolled back": lambda: statements.roll_back(made["refund"]),
        "B2 again rolled back": lambda: statements.roll_back(made["B2 again"]),
        "outside": lambda: made.setdefault(
            "outside", statements.outside_settlement(made["B1"], now=NOW).setl_id
        ),
        "outside refund": lambda: statements.outside_refund(made["outside"], now=NOW),
        "B1 refunded": lambda: refund(made["B1"]),
    }
    for name, step in steps.items():
        step()
        assert settled_details(platform) == ([], []), name
    with platform._backend.store.joined() as connection:
        statuses = connection.execute("SELECT status FROM settlement ORDER BY seq").fetchall()
        unsettled = connection.execute("SELECT count(*) FROM fee_detail WHERE setl_id IS NULL").fetchone()[0]
    assert [row[0] for row in statuses] == [
        "refunded",  # B1
        "refunded",  # B2
        "active",  # B2's refund
        "rolled_back",  # B2 settled again
        "rolled_back",  # its refund
        "refunded",  # the settlement made outside HIS
        "active",  # its refund
        "active",  # B1's refund
    ]
    assert unsettled == 2 * len(EXAMPLE2_LINES)
