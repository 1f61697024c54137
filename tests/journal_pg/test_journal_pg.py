"""Only the PostgreSQL journal has: a checked schema, shared msgids, locks that die with their process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter import CHINA_TZ, Card, ConfigurationError, PersonBusyError, SqliteJournal, open_journal
from adapter.execution._journal_postgres import PostgresJournal
from adapter.execution._journal_postgres_schema import MIGRATIONS, SCHEMA_VERSION
from adapter.execution._journal_rows import fee_split_json, model_json, models_json, personal_columns
from adapter.execution._journal_seal import Sealer
from adapter.execution._records import BatchState, StepProgress
from tests.journal_contract._implementations import TEST_KEY
from tests.journal_contract._samples import (
    BATCH,
    CERTNO,
    HEADER,
    NOW,
    REMOTE,
    SELF_PAY,
    SPLIT,
    VISIT,
    new_batch,
    refund_plan,
)
from tests.served import ROOT

PREFIX = "H42010200001"


def test_open_journal_picks_postgres_for_a_url_and_sqlite_for_a_path(
    postgres_url: str, tmp_path: Path
) -> None:
    journal = open_journal(postgres_url)
    assert isinstance(journal, PostgresJournal)
    assert journal.schema_version == SCHEMA_VERSION == 8
    journal.close()
    assert isinstance(open_journal(str(tmp_path / "desk.sqlite3")), SqliteJournal)


def test_an_unreachable_server_is_a_configuration_error_without_the_password() -> None:
    with pytest.raises(ConfigurationError, match="cannot open the PostgreSQL journal") as raised:
        PostgresJournal("postgresql://desk:s3cret@127.0.0.1:1/journal", open_timeout=1)
    assert "s3cret" not in str(raised.value)


def test_msgids_are_unique_across_processes_and_threads_in_one_second(postgres_url: str) -> None:
    PostgresJournal(postgres_url).close()  # the schema, before the desks race to open it
    command = [sys.executable, "-m", "tests.journal_pg._worker", postgres_url, "msgids", "4", "25"]
    desks = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    drawn = [line for desk in desks for line in desk.communicate(timeout=60)[0].split()]
    assert [desk.returncode for desk in desks] == [0, 0, 0]
    # 3 processes x 4 threads x 25 ids, no msgid_node: all from the one shared sequence of 09:30:00.
    assert len(drawn) == len(set(drawn)) == 300
    assert {msgid[:26] for msgid in drawn} == {PREFIX + "20261122093000"}
    # Blocks of 16 (BLOCK_SIZE): each thread leaves at most 15 of its last block unused.
    assert max(int(msgid[26:]) for msgid in drawn) <= 300 + 3 * 4 * 15


def test_msgid_marks_are_shared_by_every_desk_and_borrow_the_next_second(postgres_url: str) -> None:
    desk_a, desk_b = PostgresJournal(postgres_url), PostgresJournal(postgres_url)
    moment = datetime(2026, 11, 22, 9, 30, 0, tzinfo=CHINA_TZ)
    full = desk_a.reserve_msgids(PREFIX, None, 9999, moment)
    assert (full.first, full.last) == (1, 9999)
    # Desk B, whose clock is a minute behind, continues after desk A's block: in the next second.
    behind = desk_b.reserve_msgids(PREFIX, None, 16, moment - timedelta(minutes=1))
    assert (behind.second, behind.first, behind.last) == (moment + timedelta(seconds=1), 1, 16)
    desk_a.close()
    desk_b.close()


def test_a_person_lock_dies_with_its_process(postgres_url: str) -> None:
    journal = PostgresJournal(postgres_url)
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.journal_pg._worker", postgres_url, "hold", "P1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PersonBusyError), journal.person_lock("P1", wait=0.2):
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        with journal.person_lock("P1", wait=5):  # the server ended the dead session and freed its lock
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
        journal.close()


def test_a_schema_6_journal_gains_the_indexes_of_schema_7_and_finds_its_chains_in_flight(
    postgres_url: str,
) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:  # a journal as schema 6 left it
        for version in range(1, 7):
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '6')")
        for status in ("done", "in_progress", "stopped", "in_progress"):
            conn.execute(
                "INSERT INTO refund_chains (target_setl_id, plan, progress, next_step, status, created_at,"
                " updated_at) VALUES ('S1', %s, %s, 0, %s, %s, %s)",
                (
                    model_json(refund_plan(1)),
                    models_json([StepProgress()]),
                    status,
                    NOW.isoformat(),
                    NOW.isoformat(),
                ),
            )
    journal = PostgresJournal(postgres_url)
    assert journal.schema_version == SCHEMA_VERSION
    assert [chain.id for chain in journal.unfinished_chains()] == [2, 4]
    journal.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        indexes = {
            row[0]
            for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        }
        conn.execute("SET enable_seqscan = off")  # a table this small is read whole when it may be
        plan = " ".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN SELECT * FROM refund_chains WHERE status = 'in_progress' ORDER BY id"
            )
        )
    assert {"refund_chains_status", "outbox_visit"} <= indexes
    assert "refund_chains_status" in plan, plan


def test_a_schema_7_journal_moves_its_batch_plans_to_a_table_of_their_own_and_reads_them_back(
    postgres_url: str,
) -> None:
    # Schema 8 (SQLite's 9): the write-once plan columns left the batch row.
    import psycopg

    sealer = Sealer(key=TEST_KEY, clear_allowed=False, where="test")
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # a journal as schema 7 left it
        for version in range(1, 8):
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', '7')")
        for number, state, fee_split in ((1, "settled", (SPLIT,)), (2, "registered", ())):
            batch = new_batch(number, key="K")
            card, person = personal_columns(batch, sealer)
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
                "card": card,
                "chrg_bchno": f"MZ1-{number}",
                "mdtrt_id": f"M{number}",
                "setl_id": "S1" if number == 1 else "",
                "plan_batch": model_json(BATCH),
                "visit": model_json(VISIT),
                "person": person,
                "header": model_json(HEADER),
                "acct_used_flag": "1",
                "created_at": NOW.isoformat(),
                "updated_at": NOW.isoformat(),
                "fee_split": fee_split_json(fee_split),
                "self_pay": model_json(SELF_PAY),
            }
            conn.execute(
                f"INSERT INTO batches ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
                tuple(row.values()),
            )
            conn.execute(
                "INSERT INTO calls (msgid, batch_id, infno, keys, status, sent_at)"
                " VALUES (%s, %s, '2201', '{}', 'ok', %s)",
                (f"MSG{number}", number, NOW.isoformat()),
            )
    journal = PostgresJournal(postgres_url, key=TEST_KEY)
    assert journal.schema_version == SCHEMA_VERSION == 8
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
    third = journal.start_batch(new_batch(3, key="K"), now=NOW)
    assert third.id == 3
    assert journal.batch(third.id).plan_batch == BATCH
    journal.update_batch(third.id, now=NOW, state=BatchState.REGISTERED, fee_split=(SPLIT,))
    assert journal.batch(third.id).fee_split == (SPLIT,)
    journal.close()
    PostgresJournal(postgres_url, key=TEST_KEY).close()  # opened again: nothing left to migrate
    with psycopg.connect(postgres_url) as conn:
        columns = {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'batches'"
            )
        }
        assert not columns & {"plan_batch", "visit", "header", "self_pay"}
        assert conn.execute("SELECT count(*) FROM batch_plans").fetchone() == (3,)
