"""Every journal implementation the contract suite runs against.

To add one, write a class with the ``JournalFactory`` shape and put it in ``FACTORIES``
(for a server database: skip with a reason in ``available`` when no server is reachable,
and fail instead where CI must run it). Each test gets a fresh, empty store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from adapter.execution import Journal, SqliteJournal

__all__ = ["FACTORIES", "SERVER_FACTORIES", "TEST_KEY", "JournalFactory", "PostgresFactory", "SqliteFactory"]

TEST_KEY = bytes(range(32))
"""The journal key the tests use (a host supplies its own: ``opsp journal keygen``)."""


class JournalFactory(Protocol):
    integrity_error: tuple[type[BaseException], ...]
    """What the implementation raises for a duplicate key (the same msgid or batch attempt twice)."""

    def open(self) -> Journal:
        """A new connection to this test's store, as a restarted process would open it."""
        ...

    def seen_from_outside(self) -> tuple[list[tuple[str, str]], list[str]]:
        """(msgid, status) of every call in journal order, and every batch's state, as committed.

        Read through another connection, as a process that starts after a crash would see it.
        """
        ...

    def set_schema_version(self, version: int) -> None:
        """Write ``version`` as the store's schema version (as a newer adapter would have)."""
        ...

    def close(self) -> None:
        """Drop the store."""
        ...


class SqliteFactory:
    integrity_error: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)

    def __init__(self, directory: Path) -> None:
        self.path = directory / "journal.sqlite3"

    def open(self) -> Journal:
        return SqliteJournal(self.path, key=TEST_KEY)

    def seen_from_outside(self) -> tuple[list[tuple[str, str]], list[str]]:
        other = sqlite3.connect(self.path)
        try:
            calls = [
                (row[0], row[1]) for row in other.execute("SELECT msgid, status FROM calls ORDER BY seq")
            ]
            states = [row[0] for row in other.execute("SELECT state FROM batches ORDER BY id")]
        finally:
            other.close()
        return calls, states

    def set_schema_version(self, version: int) -> None:
        with sqlite3.connect(self.path) as other:
            other.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        other.close()

    def close(self) -> None:
        """The test's temporary directory goes with the test."""


class PostgresFactory:
    """A schema of its own in this run's PostgreSQL database (``postgres_url`` in tests/conftest.py)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.integrity_error: tuple[type[BaseException], ...] = (psycopg.errors.UniqueViolation,)

    def open(self) -> Journal:
        from adapter.execution._journal_postgres import PostgresJournal

        return PostgresJournal(self.url, pool_size=4, lock_wait=5, key=TEST_KEY)

    def seen_from_outside(self) -> tuple[list[tuple[str, str]], list[str]]:
        import psycopg

        with psycopg.connect(self.url) as other:
            calls = [
                (row[0], row[1]) for row in other.execute("SELECT msgid, status FROM calls ORDER BY seq")
            ]
            states = [row[0] for row in other.execute("SELECT state FROM batches ORDER BY id")]
        return calls, states

    def set_schema_version(self, version: int) -> None:
        import psycopg

        with psycopg.connect(self.url) as other:
            other.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(version),))

    def close(self) -> None:
        """The schema goes with the run's database, dropped when the run ends."""


FACTORIES: dict[str, Callable[[Path], JournalFactory]] = {"sqlite": SqliteFactory}
"""Implementations that need nothing but a directory; ``SERVER_FACTORIES`` need a server."""
SERVER_FACTORIES: dict[str, Callable[[str], JournalFactory]] = {"postgres": PostgresFactory}
"""Built from the URL of a fresh store (``postgres_url``): skipped with a reason where no server runs,
failed instead under CI (tests/postgres.py)."""
