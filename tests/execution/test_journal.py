"""What only the SQLite journal does: WAL and full sync, indexes, full disks, its schema's versions.

Everything every journal must do is in the contract suite (``tests/journal_contract/``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest

from adapter import CHINA_TZ, Card, ConfigurationError
from adapter.execution import BatchState, CallStatus, SqliteJournal
from adapter.execution._journal_rows import (
    MIGRATIONS,
    SCHEMA_VERSION,
    fee_split_json,
    json_text,
    model_json,
    models_json,
)
from adapter.execution._records import CallDetail, StepProgress
from tests.journal_contract._implementations import TEST_KEY
from tests.journal_contract._samples import (
    BATCH,
    CERTNO,
    HEADER,
    REMOTE,
    SELF_PAY,
    SPLIT,
    VISIT,
    new_batch,
    outbox_payload,
    refund_plan,
)

NOW = datetime(2026, 11, 22, 9, 30)


def test_file_journal_is_wal_with_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    journal.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _seen_from_outside(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    other = sqlite3.connect(path)
    try:
        calls = [(row[0], row[1]) for row in other.execute("SELECT msgid, status FROM calls ORDER BY seq")]
        states = [row[0] for row in other.execute("SELECT state FROM batches ORDER BY id")]
    finally:
        other.close()
    return calls, states


def test_only_the_thread_that_opened_the_group_defers(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with journal.group():
        worker = threading.Thread(target=lambda: journal.start_batch(new_batch(2), now=NOW))
        worker.start()
        worker.join()
        assert _seen_from_outside(path) == ([], ["new"])  # the other thread's write is committed at once
        with journal.group():  # nested: the outer group still governs
            journal.start_batch(new_batch(3), now=NOW)
        assert _seen_from_outside(path) == ([], ["new"])
    assert _seen_from_outside(path) == ([], ["new", "new"])


def test_another_thread_reading_during_a_group_opens_no_write_transaction(tmp_path: Path) -> None:
    # The group's outcome waits in memory while it waits on a query; a status read from another
    # thread (the service's) sees what is committed and leaves no write lock behind.
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED)
        journal.flush()  # a query is sent
        seen: list[BatchState] = []
        reader = threading.Thread(target=lambda: seen.append(journal.batch(record.id).state))
        reader.start()
        reader.join()
        assert seen == [BatchState.NEW]  # committed: the intent's commit took the batch along
        assert not journal._db.in_transaction  # no write lock held while the group waits
        assert journal.batch(record.id).state == BatchState.REGISTERED  # the group reads its own writes
    assert _seen_from_outside(path) == ([("MSG1", "ok")], ["registered"])


def _in_another_thread(work: Callable[[], object]) -> BaseException | None:
    """Run ``work`` in a thread of its own (another desk's request); what it raised, or None."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return raised[0] if raised else None


def test_another_threads_failed_write_loses_none_of_the_groups_waiting_writes(tmp_path: Path) -> None:
    # The group's 2201 outcome (mdtrt_id MD1) and its batch state wait in memory while it waits on a
    # query; another thread's write fails (the file is locked by another process a moment). The
    # group's writes must neither be run in that thread's transaction nor be forgotten with it.
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    journal._db.execute("PRAGMA busy_timeout = 50")  # the test looks inside: fail fast on the lock
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG2201", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG2201", status=CallStatus.OK, now=NOW, detail=CallDetail(mdtrt_id="MD1"))
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="MD1")
        journal.flush()  # a query is sent
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        failed = _in_another_thread(lambda: journal.mark_sent(999, now=NOW))
        blocker.execute("ROLLBACK")
        blocker.close()
        assert isinstance(failed, sqlite3.OperationalError)  # database is locked
        journal.record_intent("MSG2203", batch_id=record.id, infno="2203", keys={}, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.SETTLED, setl_id="S1")
    assert _seen_from_outside(path) == ([("MSG2201", "ok"), ("MSG2203", "intent")], ["settled"])
    settled = journal.batch(record.id)
    assert (settled.mdtrt_id, settled.setl_id) == ("MD1", "S1")


def test_another_threads_failed_update_leaves_no_write_lock_while_the_group_waits(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.flush()  # a query is sent
        failed = _in_another_thread(lambda: journal.record_outcome("NO-SUCH", status=CallStatus.OK, now=NOW))
        assert isinstance(failed, KeyError)
        assert not journal._db.in_transaction  # nothing holds the file's write lock
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process can write
        other.execute("ROLLBACK")
        other.close()
    assert _seen_from_outside(path) == ([("MSG1", "ok")], ["new"])


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("SELECT * FROM batches WHERE visit_key = 'K' ORDER BY id", "batches_visit"),
        ("SELECT * FROM calls WHERE batch_id = 1 ORDER BY seq", "calls_batch"),
    ],
)
def test_lookups_that_run_on_every_settlement_or_restart_use_an_index(
    tmp_path: Path, query: str, index: str
) -> None:
    path = tmp_path / "journal.sqlite3"
    SqliteJournal(path, key=TEST_KEY).close()
    connection = sqlite3.connect(path)
    plan = connection.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    connection.close()
    assert any(f"USING INDEX {index}" in row[-1] for row in plan), plan


def test_the_batches_in_flight_are_found_by_the_state_index_not_by_reading_every_batch(
    tmp_path: Path,
) -> None:
    # Every settle asks for them; NOT IN the terminal states read the whole table, every batch ever.
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)
    assert journal.unfinished_batches() == []
    journal._db.set_trace_callback(None)
    (query,) = statements
    plan = journal._db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    journal.close()
    assert any("USING INDEX batches_state" in row[-1] for row in plan), plan


@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        (lambda journal: journal.open_calls(), "calls_open"),
        (lambda journal: journal.settlements_between(NOW.date(), NOW.date()), "settlements_refund_time"),
    ],
    ids=["open_calls", "refunds_between"],
)
def test_the_calls_in_flight_and_the_refunds_are_found_by_a_partial_index_of_them_alone(
    tmp_path: Path, lookup: Callable[[SqliteJournal], object], index: str
) -> None:
    # Recover asks for the open calls; NOT IN the finished ones read the whole table. Schema 9: the index
    # holds only the calls in flight, so an outcome no longer moves an entry across a history of finished
    # ones (a page more per commit); the refund times hold only refunded settlements. SQLite uses a
    # partial index only for a query implying its WHERE as prepared (the trace shows parameters
    # expanded): the statuses are sent as literals, not parameters.
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    connection = journal._db
    statements: list[tuple[str, Sequence[object]]] = []

    class Prepared:  # the statement text as prepared, before any parameter is bound
        def execute(self, query: str, parameters: Sequence[object] = ()) -> sqlite3.Cursor:
            statements.append((query, parameters))
            return connection.execute(query, parameters)

        def __getattr__(self, name: str) -> Any:
            return getattr(connection, name)

    journal._db = cast(Any, Prepared())
    assert lookup(journal) == []
    journal._db = connection
    ((query, parameters),) = statements
    plan = connection.execute(f"EXPLAIN QUERY PLAN {query}", parameters).fetchall()
    definition = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()
    journal.close()
    assert any(f"USING INDEX {index}" in row[-1] for row in plan), plan
    assert " WHERE " in definition[0]  # partial: the finished rows are not in it


@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        (lambda journal: journal.unfinished_chains(), "refund_chains_status"),
        (lambda journal: journal.outbox(visit_key="K"), "outbox_visit"),
    ],
    ids=["unfinished_chains", "outbox_of_a_visit"],
)
def test_the_chains_in_flight_and_a_visits_outbox_are_found_by_an_index_not_by_reading_every_row(
    tmp_path: Path, lookup: Callable[[SqliteJournal], object], index: str
) -> None:
    # Every settle asks for them; without the index (schema 8) every chain or entry ever was read.
    journal = SqliteJournal(tmp_path / "journal.sqlite3", key=TEST_KEY)
    statements: list[str] = []
    journal._db.set_trace_callback(statements.append)
    assert lookup(journal) == []
    journal._db.set_trace_callback(None)
    (query,) = statements
    plan = journal._db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    journal.close()
    assert any(f"USING INDEX {index}" in row[-1] for row in plan), plan


def test_a_full_disk_in_a_group_fails_the_intent_and_loses_only_the_deferred_suffix(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    journal.record_intent("MSG1", batch_id=None, infno="2201", keys={}, now=NOW)
    # A real full disk, as SQLite sees one: no page may be added to the file.
    limit = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    with journal.group():
        journal._db.execute(f"PRAGMA max_page_count={limit}")
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)  # deferred
        with pytest.raises(sqlite3.OperationalError, match="full"):  # the real error, named
            journal.record_intent("MSG2", batch_id=None, infno="2203", keys={"pad": "z" * 20_000}, now=NOW)
        journal._db.execute("PRAGMA max_page_count=1000000")  # space again
        journal.record_intent("MSG3", batch_id=None, infno="2203", keys={}, now=NOW)
    # MSG2 was never sent, so it is not there; MSG1's outcome was lost with the suffix, as in a crash.
    assert _seen_from_outside(path) == ([("MSG1", "intent"), ("MSG3", "intent")], [])


# -- opening: schema versions, migrations, and files that are not journals ------------------


def _v1_journal(path: Path) -> None:
    """A journal as schema 1 left it (before typed records, sequence columns and msgid marks)."""
    card = {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERTNO, "card_sn": ""}
    header = {
        **dict.fromkeys(("fixmedins_name", "insured_place", "insutype"), "x"),
        "fixmedins_code": "H42010200001",
        "ipt_otp_no": "MZ1",
        "psn_name_masked": "张*",
    }
    step = {
        "number": 1,
        "action": "refund",
        "setl_id": "S1",
        "batch_id": 1,
        "ipt_otp_no": "MZ1",
        "chrg_bchno": "MZ1-1",
        "dise_codg": "M01600",
        "setl_time": "2026-11-22T09:30:00",
        **dict.fromkeys(("medfee_sumamt", "acct_pay"), "114.00"),
        **dict.fromkeys(("fund_pay_sumamt", "psn_cash_pay"), "0.00"),
        "lines": ["1"],
    }
    plan = {
        "target_setl_id": "S1",
        "psn_no": "P",
        "insutype": "310",
        "year": 2026,
        "partial": False,
        "refunded_lines": ["1"],
        "steps": [step],
    }
    db = sqlite3.connect(path)
    for statement in filter(str.strip, MIGRATIONS[1].split(";")):
        db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    row = {
        "visit_key": "K",
        "ipt_otp_no": "MZ1",
        "batch_number": 1,
        "attempt": 0,
        "state": "registered",
        "med_type": "14",
        "dise_codg": "M01600",
        "psn_no": "P",
        "insutype": "310",
        "insuplc_admdvs": "640100",
        "card": json.dumps(card),
        "chrg_bchno": "MZ1-1",
        "plan_batch": BATCH.model_dump_json(),
        "visit": VISIT.model_dump_json(),
        "person": "{}",
        "header": json.dumps(header),
        "acct_used_flag": "1",
        "created_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
    }
    db.execute(
        f"INSERT INTO batches ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
    )
    for msgid in ("H42010200001202611220930000007", "H42010200001202611220930000003"):
        db.execute(
            "INSERT INTO calls (msgid, batch_id, infno, keys, status, sent_at)"
            " VALUES (?, 1, '2201', '{}', 'intent', ?)",
            (msgid, NOW.isoformat()),
        )
    db.execute(
        "INSERT INTO refund_chains (target_setl_id, plan, progress, next_step, status, created_at,"
        " updated_at) VALUES ('S1', ?, ?, 0, 'in_progress', ?, ?)",
        (json.dumps(plan), json.dumps([{"attempts": [], "result": {}}]), NOW.isoformat(), NOW.isoformat()),
    )
    db.commit()
    db.close()


def test_a_schema_1_journal_is_migrated_forward_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _v1_journal(path)
    journal = SqliteJournal(path, key=TEST_KEY)
    assert journal.schema_version == SCHEMA_VERSION == 10
    (record,) = journal.unfinished_batches()
    assert (record.state, record.card, record.remote, record.plan_batch) == (
        BatchState.REGISTERED,
        Card("02", CERTNO),
        None,
        BATCH,
    )
    # Schema 6: an old batch kept no 2204 split (its receipt prints the plan's) nor its visit's self-pay.
    assert (record.fee_split, record.self_pay) == ((), None)
    # Calls keep the order they were journaled in (schema 1's row order), not msgid order.
    assert [c.msgid[-2:] for c in journal.calls(record.id)] == ["07", "03"]
    (chain,) = journal.unfinished_chains()
    assert chain.progress[0].result is None
    assert chain.plan.steps[0].setl_id == "S1"
    # Msgids continue after the greatest one the old journal recorded.
    block = journal.reserve_msgids("H42010200001", None, 16, datetime(2026, 11, 22, 9, 30, tzinfo=CHINA_TZ))
    assert block.first == 8
    journal.close()
    assert SqliteJournal(path, key=TEST_KEY).schema_version == 10  # opened again: nothing left to migrate
    # Opened with a key, the old journal's clear credential was sealed, and no copy of it remains.
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("old.sqlite3"))
    assert CERTNO.encode() not in raw
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT substr(card, 1, 8) FROM batches").fetchone() == ("aesgcm1:",)


def test_a_schema_7_journal_gains_the_indexes_of_schema_8_and_finds_its_chains_in_flight(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for version in range(1, 8):
        for statement in filter(str.strip, MIGRATIONS[version].split(";")):
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '7')")
    for status in ("done", "in_progress", "stopped", "in_progress"):
        db.execute(
            "INSERT INTO refund_chains (target_setl_id, plan, progress, next_step, status, created_at,"
            " updated_at) VALUES ('S1', ?, ?, 0, ?, ?, ?)",
            (
                model_json(refund_plan(1)),
                models_json([StepProgress()]),
                status,
                NOW.isoformat(),
                NOW.isoformat(),
            ),
        )
    db.execute(
        "INSERT INTO outbox (visit_key, batch_number, reason, payload, created_at, due)"
        " VALUES ('K', 1, 'r', ?, ?, ?)",
        (model_json(outbox_payload()), NOW.isoformat(), NOW.date().isoformat()),
    )
    db.commit()
    db.close()
    journal = SqliteJournal(path, key=TEST_KEY)
    assert journal.schema_version == SCHEMA_VERSION
    assert [chain.id for chain in journal.unfinished_chains()] == [2, 4]
    assert [entry.visit_key for entry in journal.outbox(visit_key="K")] == ["K"]
    indexes = {row[0] for row in journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    journal.close()
    assert {"refund_chains_status", "outbox_visit"} <= indexes


def _schema_8_journal(path: Path) -> None:
    """A journal as schema 8 left it: two batch attempts with their plans in the batch rows, calls, a
    settlement, personal columns still in clear (a journal written without a key)."""
    db = sqlite3.connect(path)
    for version in range(1, 9):
        for statement in filter(str.strip, MIGRATIONS[version].split(";")):
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '8')")
    for number, state, fee_split in ((1, "settled", (SPLIT,)), (2, "registered", ())):
        row = {
            "visit_key": "K",
            "ipt_otp_no": "MZ1",
            "batch_number": number,
            "attempt": 0,
            "state": state,
            "med_type": "14",
            "dise_codg": "M01600",
            "psn_no": "P",
            "insutype": "310",
            "insuplc_admdvs": "640100",
            "card": json_text({"mdtrt_cert_type": "02", "mdtrt_cert_no": CERTNO, "card_sn": ""}),
            "chrg_bchno": f"MZ1-{number}",
            "mdtrt_id": f"M{number}",
            "setl_id": "S1" if number == 1 else "",
            "plan_batch": model_json(BATCH),
            "visit": model_json(VISIT),
            "person": model_json(REMOTE),
            "header": model_json(HEADER),
            "acct_used_flag": "1",
            "created_at": NOW.isoformat(),
            "updated_at": NOW.isoformat(),
            "fee_split": fee_split_json(fee_split),
            "self_pay": model_json(SELF_PAY),
        }
        db.execute(
            f"INSERT INTO batches ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        db.execute(
            "INSERT INTO calls (seq, msgid, batch_id, infno, keys, status, sent_at) VALUES (?, ?, ?, '2201',"
            " '{}', ?, ?)",
            (number, f"MSG{number}", number, "ok" if number == 1 else "intent", NOW.isoformat()),
        )
    db.execute(
        "INSERT INTO settlements (setl_id, batch_id, psn_no, insutype, year, mdtrt_id, chrg_bchno, msgid,"
        " setl_time, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, active, seq)"
        " VALUES ('S1', 1, 'P', '310', 2026, 'M1', 'MZ1-1', 'MSG1', ?, '114.00', '0.00', '114.00', '0.00',"
        " 1, 1)",
        (NOW.isoformat(),),
    )
    db.commit()
    db.close()


def test_a_schema_8_journal_moves_its_batch_plans_to_a_table_of_their_own_and_reads_them_back(
    tmp_path: Path,
) -> None:
    # Schema 9: the write-once plan columns left the batch row (a state change rewrote them, over a page).
    path = tmp_path / "old.sqlite3"
    _schema_8_journal(path)
    journal = SqliteJournal(path, key=TEST_KEY)
    assert journal.schema_version == SCHEMA_VERSION == 10
    first, second = journal.batches_of_visit("K")
    for record, fee_split in ((first, (SPLIT,)), (second, ())):
        assert (record.plan_batch, record.visit, record.header, record.self_pay) == (
            BATCH,
            VISIT,
            HEADER,
            SELF_PAY,
        )
        assert (record.card, record.remote, record.fee_split) == (Card("02", CERTNO), REMOTE, fee_split)
    assert (first.state, first.setl_id, second.state, second.mdtrt_id) == (
        BatchState.SETTLED,
        "S1",
        BatchState.REGISTERED,
        "M2",
    )
    assert [record.id for record in journal.unfinished_batches()] == [second.id]
    assert [call.msgid for call in journal.calls(first.id)] == ["MSG1"]
    assert [call.msgid for call in journal.open_calls()] == ["MSG2"]  # by the partial index calls_open
    settlement = journal.settlement("S1")
    assert settlement is not None
    assert settlement.batch_id == first.id
    # A batch started after the migration takes the next id, its plan beside it.
    third = journal.start_batch(new_batch(3, key="K"), now=NOW)
    assert third.id == 3
    assert journal.batch(third.id).plan_batch == BATCH
    journal.update_batch(third.id, now=NOW, state=BatchState.REGISTERED, fee_split=(SPLIT,))
    assert journal.batch(third.id).fee_split == (SPLIT,)
    # Without an index of seq, a new call's and a new settlement's seq still continue the journal's order.
    journal.record_intent("MSG3", batch_id=third.id, infno="2201", keys={}, now=NOW)
    assert [(call.msgid, call.seq) for call in journal.open_calls()] == [("MSG2", 2), ("MSG3", 3)]
    journal.record_settlement(replace(settlement, setl_id="S3", batch_id=third.id))
    assert [s.setl_id for s in journal.settlements_in_scope("P", "310", 2026)] == ["S1", "S3"]
    journal.close()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(batches)")}
        assert not columns & {"plan_batch", "visit", "header", "self_pay"}
        assert db.execute("SELECT count(*) FROM batch_plans").fetchone() == (3,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT seq FROM settlements ORDER BY rowid").fetchall() == [(1,), (2,)]
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not indexes & {"calls_status", "calls_seq", "settlements_seq"}
        assert "batches_state" in indexes
        assert db.execute("SELECT substr(card, 1, 8) FROM batches").fetchall() == [("aesgcm1:",)] * 3


@pytest.mark.parametrize("old_version", [0, 8], ids=["new_journal", "schema_8_journal"])
def test_a_migration_the_sqlite_library_cannot_run_is_refused_by_name_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old_version: int
) -> None:
    # Schema 9 drops columns (ALTER TABLE DROP COLUMN, SQLite 3.35.0). A Python linked to an older SQLite
    # (RHEL 9 and Debian 11 ship 3.34.1) failed deep in the migration with "near DROP: syntax error",
    # reported as a file that is not a journal ("check the path"); the cause, named, is the library.
    path = tmp_path / "journal.sqlite3"
    if old_version:
        _schema_8_journal(path)
    with monkeypatch.context() as patched:
        patched.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
        patched.setattr(sqlite3, "sqlite_version", "3.34.1")
        with pytest.raises(
            ConfigurationError,
            match=rf"journal {path}: schema 9 needs SQLite 3\.35\.0 or newer \(ALTER TABLE DROP COLUMN\);"
            r" this Python's sqlite3 module uses SQLite 3\.34\.1",
        ):
            SqliteJournal(path, key=TEST_KEY)
        with sqlite3.connect(path) as db:  # nothing was written: the journal is as it was
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            assert "batch_plans" not in tables
            assert bool(tables) == bool(old_version)
    SqliteJournal(path, key=TEST_KEY).close()  # a newer library migrates it
    with monkeypatch.context() as patched:  # an up-to-date journal needs no migration: it opens
        patched.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
        assert SqliteJournal(path, key=TEST_KEY).schema_version == SCHEMA_VERSION


def test_a_schema_9_journal_gets_its_full_state_index_back_and_keeps_its_partial_ones(tmp_path: Path) -> None:
    path = tmp_path / "nine.sqlite3"
    with sqlite3.connect(path) as db:
        for version in range(1, 10):
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('schema_version', '9')")
    journal = SqliteJournal(path, key=TEST_KEY)
    assert journal.schema_version == SCHEMA_VERSION == 10
    record = journal.start_batch(new_batch(), now=NOW)
    journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
    assert [batch.id for batch in journal.unfinished_batches()] == [record.id]
    assert [call.msgid for call in journal.open_calls()] == ["MSG1"]
    indexes = {row[0] for row in journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    journal.close()
    assert {"batches_state", "calls_open", "settlements_refund_time"} <= indexes
    assert "batches_unfinished" not in indexes


def test_a_journal_newer_than_the_code_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SqliteJournal(path, key=TEST_KEY).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(
        ConfigurationError,
        match=rf"journal {path} has schema version {SCHEMA_VERSION + 1}, newer than this adapter's"
        rf" {SCHEMA_VERSION}: upgrade",
    ):
        SqliteJournal(path, key=TEST_KEY)


def test_a_file_that_is_not_a_database_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "visit.json"
    path.write_text('{"not": "a journal"}' * 100, encoding="utf-8")
    with pytest.raises(
        ConfigurationError, match=rf"journal {path}: cannot be opened as a journal \(file is not a database\)"
    ):
        SqliteJournal(path, key=TEST_KEY)
    assert path.read_text(encoding="utf-8").startswith('{"not"')  # left as it was


def test_a_path_that_cannot_be_opened_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "no such directory" / "journal.sqlite3"
    with pytest.raises(ConfigurationError, match=rf"journal {path}: cannot be opened"):
        SqliteJournal(path, key=TEST_KEY)


def test_another_sqlite_database_is_not_taken_for_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "his.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE patients (id INTEGER)")
    with pytest.raises(ConfigurationError, match="an SQLite database but not a journal"):
        SqliteJournal(path, key=TEST_KEY)
    with sqlite3.connect(path) as db:
        assert [row[0] for row in db.execute("SELECT name FROM sqlite_master")] == ["patients"]  # untouched


def test_opening_an_up_to_date_journal_takes_no_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    with journal.group():
        journal.start_batch(new_batch(), now=NOW)  # this connection now holds the write lock
        other = SqliteJournal(path, key=TEST_KEY)  # another desk starting up does not wait for it
        assert other.unfinished_batches() == []
        other.close()
    journal.close()


def test_an_outbox_identity_kept_in_clear_is_sealed_when_the_journal_is_opened_with_a_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clear.sqlite3"
    clear = SqliteJournal(path, clear_personal_data=True)
    clear.add_outbox(
        visit_key="V",
        batch_number=1,
        reason="down",
        payload=outbox_payload(),
        now=NOW,
        due=NOW.date(),
        identity=REMOTE,
    )
    clear.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("clear.sqlite3"))
    assert REMOTE.certno.encode() in raw  # kept in clear, as allowed
    keyed = SqliteJournal(path, key=TEST_KEY)
    (entry,) = keyed.outbox()
    assert entry.identity == REMOTE
    keyed.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("clear.sqlite3"))
    assert REMOTE.certno.encode() not in raw
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT substr(person, 1, 8) FROM outbox").fetchone() == ("aesgcm1:",)


def test_rows_are_stored_as_compact_json_with_exact_decimal_text_and_chinese_unescaped(
    tmp_path: Path,
) -> None:
    # The stored text is what it was when rows were written through the codec: a journal written by
    # an older adapter and one written now hold the same bytes for the same batch.
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path, key=TEST_KEY)
    record = journal.start_batch(new_batch(), now=NOW)
    journal.update_batch(record.id, now=NOW, fee_split=(SPLIT,))
    journal.close()
    row = sqlite3.connect(path).execute("SELECT fee_split, header FROM batches JOIN batch_plans").fetchone()
    assert row[0] == (
        '[{"feedetl_sn":"1","chrgitm_lv":"02","det_item_fee_sumamt":"114.00","fulamt_ownpay_amt":"0.00",'
        '"overlmt_amt":"0.00","preselfpay_amt":"11.40","inscp_scp_amt":"102.60","selfpay_prop":"0.1000"}]'
    )  # pric_uplmt_amt unknown: left out
    assert row[1] == (
        '{"fixmedins_code":"H42010200001","fixmedins_name":"武汉示范医院","ipt_otp_no":"MZ1",'
        '"psn_name_masked":"张*","insured_place":"宁夏回族自治区银川市","insutype":"职工基本医疗保险"}'
    )
