"""Only the PostgreSQL journal has: a checked schema, shared msgids, locks that die with their process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter import CHINA_TZ, ConfigurationError, PersonBusyError, SqliteJournal, open_journal
from adapter.execution._journal_postgres import PostgresJournal
from adapter.execution._journal_postgres_schema import MIGRATIONS, SCHEMA_VERSION
from adapter.execution._journal_rows import model_json, models_json
from adapter.execution._records import StepProgress
from tests.journal_contract._samples import NOW, refund_plan
from tests.served import ROOT

PREFIX = "H42010200001"


def test_open_journal_picks_postgres_for_a_url_and_sqlite_for_a_path(
    postgres_url: str, tmp_path: Path
) -> None:
    journal = open_journal(postgres_url)
    assert isinstance(journal, PostgresJournal)
    assert journal.schema_version == SCHEMA_VERSION == 7
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
    assert journal.schema_version == 7
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
