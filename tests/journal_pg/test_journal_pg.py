"""Only the PostgreSQL journal has: a checked schema, shared msgids, locks that die with their process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime

import psycopg
import pytest

from adapter import ConfigurationError, PersonBusyError, open_journal
from adapter.execution._journal_postgres import PostgresJournal
from adapter.execution._journal_postgres_schema import SCHEMA_VERSION
from tests.served import ROOT

PREFIX = "H42010200001"


def test_open_journal_picks_postgres_for_a_url_and_checks_the_schema_version(postgres_url: str) -> None:
    journal = open_journal(postgres_url)
    assert isinstance(journal, PostgresJournal)
    assert journal.schema_version() == SCHEMA_VERSION == 1
    journal.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(
        ConfigurationError, match="schema version 2, newer than this opsp-adapter understands"
    ):
        PostgresJournal(postgres_url)


def test_an_unreachable_server_is_a_configuration_error_without_the_password() -> None:
    with pytest.raises(ConfigurationError, match="cannot open the PostgreSQL journal") as raised:
        PostgresJournal("postgresql://desk:s3cret@127.0.0.1:1/journal", open_timeout=1)
    assert "s3cret" not in str(raised.value)


def test_msgids_are_unique_across_processes_and_threads_in_one_second(postgres_url: str) -> None:
    command = [sys.executable, "-m", "tests.journal_pg._worker", postgres_url, "msgids", "4", "50"]
    desks = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    drawn = [line for desk in desks for line in desk.communicate(timeout=60)[0].split()]
    assert [desk.returncode for desk in desks] == [0, 0, 0]
    # 3 processes x 4 threads x 50 ids, every one in the second 2026-11-22 09:30:00, sequences 0001-0600.
    assert len(drawn) == len(set(drawn)) == 600
    assert {msgid[:26] for msgid in drawn} == {PREFIX + "20261122093000"}
    assert (
        sorted(int(msgid[26:]) for msgid in drawn)[-1] <= 600 + 3 * 4 * 4
    )  # at most a block left unused each


def test_msgids_never_go_back_and_borrow_the_next_second_past_9999(postgres_url: str) -> None:
    journal = PostgresJournal(postgres_url)
    first = journal.reserve_msgids(PREFIX, 9998, now=datetime(2026, 11, 22, 9, 30, 0))
    assert (first[0], first[-1]) == (PREFIX + "202611220930000001", PREFIX + "202611220930009998")
    # 9998 + 2 > 9999: the block moves whole to the next second, though this node's clock is a minute behind.
    assert journal.reserve_msgids(PREFIX, 2, now=datetime(2026, 11, 22, 9, 29, 0)) == [
        PREFIX + "202611220930010001",
        PREFIX + "202611220930010002",
    ]
    assert journal.reserve_msgids(PREFIX, 1, now=datetime(2026, 11, 22, 9, 30, 0)) == [
        PREFIX + "202611220930010003"
    ]
    assert journal.reserve_msgids(PREFIX, 1, now=datetime(2026, 11, 22, 9, 31, 0)) == [
        PREFIX + "202611220931000001"
    ]
    journal.close()


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
