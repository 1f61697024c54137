"""The SQLite store: one connection, one lock, explicit transactions, migrations on open.

The served app runs the synchronous core on its event loop's thread, while the in-process transport and
`MockPlatform`'s own methods run on their callers' threads, so the single connection is shared across threads
(`check_same_thread=False`) and every use goes through `transaction()` (or `joined()`), which holds the lock
for the whole BEGIN…COMMIT. Transactions nest: the dispatcher runs a whole platform call (2207 with its
idempotency record, its serial and its journal row, say) in one outer `transaction()`, and the handler in a
SAVEPOINT of it (an inner `transaction()`), so that a refusal undoes the handler's work but keeps the call's
journal row. The backend helpers the handler calls join that with `joined()`: their failures always propagate
to the handler's savepoint, which undoes them, so a savepoint of their own would only cost statements (issue
#18); the call commits as one unit, once. A file database runs in WAL mode
with `synchronous=FULL` (a committed settlement survives a crash): one commit per call is one fsync. `None`
gives a private in-memory database.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mock_platform.backend.schema import MIGRATIONS


class Store:
    """Thread-safe access to the mock's database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._lock = threading.RLock()
        self._depth = 0  # nesting level of transaction(); touched only by the thread holding the lock
        # How many transactions or savepoints were rolled back: what was cached inside one may be gone.
        self.rollbacks = 0

    @classmethod
    def open(cls, db_path: str | Path | None) -> Store:
        """Open (creating if needed) the database at `db_path`, or an in-memory one for None."""
        target = ":memory:" if db_path is None else str(db_path)
        # isolation_level=None: no implicit transactions; `transaction()` issues BEGIN IMMEDIATE itself.
        connection = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        if db_path is not None:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            # A long-running mock's tables outgrow SQLite's default 2 MB page cache; the pages an insert
            # touches in a table keyed at random (gateway nonces: one per call within the 30-minute window)
            # were then read back from the OS on every call. 64 MB keeps them (issue #18).
            connection.execute("PRAGMA cache_size = -65536")
        store = cls(connection)
        store._migrate()
        return store

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically: commit on success, roll back on any exception.

        Inside another `transaction()` of the same thread the block is a SAVEPOINT: its failure undoes only
        the block, and nothing is committed before the outermost block ends.
        """
        with self._lock:
            if self._depth:
                yield from self._savepoint()
                return
            self._connection.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._connection
            except BaseException:
                self.rollbacks += 1
                if self._connection.in_transaction:  # SQLite ends it itself on some errors (disk full)
                    self._connection.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            try:
                self._connection.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (disk full, I/O error) can leave the transaction open; end it, or every
                # later BEGIN would fail too.
                self.rollbacks += 1
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise

    @contextmanager
    def joined(self) -> Iterator[sqlite3.Connection]:
        """Run a block that needs no rollback of its own: reads, or writes whose failure propagates out of the
        enclosing `transaction()` (which then undoes them with the rest of it).

        Inside a `transaction()` it joins it without a SAVEPOINT (a failing statement undoes itself, and the
        enclosing block decides about the rest); outside one it is a transaction of its own. A platform call
        runs many such blocks inside its one transaction, and the savepoints around them were most of its
        SQLite statements. A caller that catches a failure and carries on in the same transaction must use
        `transaction()` instead.
        """
        with self._lock:
            if self._depth:
                yield self._connection
            else:
                with self.transaction() as connection:
                    yield connection

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Run reads without a transaction of their own (no BEGIN/COMMIT): each statement sees a consistent
        snapshot by itself. For a check made before a call's transaction begins (a gateway nonce)."""
        with self._lock:
            yield self._connection

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        name = f"level_{self._depth}"
        self._connection.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self._connection
        except BaseException:
            self.rollbacks += 1
            self._connection.execute(f"ROLLBACK TO {name}")
            self._connection.execute(f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        self._connection.execute(f"RELEASE {name}")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def schema_version(self) -> int:
        with self._lock:
            return int(self._connection.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        """Apply the migrations this database does not have yet."""
        with self.transaction() as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                if callable(migration):
                    migration(connection)
                else:
                    for statement in _statements(migration):
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number:d}")


def next_value(connection: sqlite3.Connection, name: str, count: int = 1) -> int:
    """Next value of a named counter (call inside a transaction); with `count`, the last of the next `count`
    values, all of them reserved."""
    row = connection.execute(
        "INSERT INTO sequence (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
        (name, count),
    ).fetchone()
    return int(row[0])


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT the surrounding transaction; run statements one by one instead.
    return [statement.strip() for statement in script.split(";") if statement.strip()]
