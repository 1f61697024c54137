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
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

from mock_platform.backend.schema import MIGRATIONS, watch_settlement_inputs


class Store:
    """Thread-safe access to the mock's database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._lock = threading.RLock()
        self._depth = 0  # nesting level of transaction(); touched only by the thread holding the lock
        # How many transactions or savepoints were rolled back: what was cached inside one may be gone.
        self.rollbacks = 0
        # How many rows of `schema.SETTLEMENT_INPUT_TABLES` this connection changed (TEMP triggers, set up by
        # `open`); with `data_version()` and `rollbacks`, the state a settlement was computed in (`settling`).
        self.settlement_inputs = 0

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
        # Statement journals and the TEMP schema (`watch_settlement_inputs`) in memory: a call's multi-row
        # statements inside its transaction each created, opened and unlinked a temporary file (about three
        # a visit; six system calls each). Nothing durable lives there: the database and its WAL are files.
        connection.execute("PRAGMA temp_store = MEMORY")
        store = cls(connection)
        store._migrate()
        watch_settlement_inputs(connection, store._settlement_inputs_changed)
        return store

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """Run a block atomically: commit on success, roll back on any exception.

        Inside another `transaction()` of the same thread the block is a SAVEPOINT: its failure undoes only
        the block, and nothing is committed before the outermost block ends.
        """
        return _Transaction(self)

    def joined(self) -> AbstractContextManager[sqlite3.Connection]:
        """Run a block that needs no rollback of its own: reads, or writes whose failure propagates out of the
        enclosing `transaction()` (which then undoes them with the rest of it).

        Inside a `transaction()` it joins it without a SAVEPOINT (a failing statement undoes itself, and the
        enclosing block decides about the rest); outside one it is a transaction of its own. A platform call
        runs many such blocks inside its one transaction, and the savepoints around them were most of its
        SQLite statements. A caller that catches a failure and carries on in the same transaction must use
        `transaction()` instead.
        """
        return _Joined(self)

    def read(self) -> AbstractContextManager[sqlite3.Connection]:
        """Run reads without a transaction of their own (no BEGIN/COMMIT): each statement sees a consistent
        snapshot by itself. For a check made before a call's transaction begins (a gateway nonce)."""
        return _Locked(self)

    def data_version(self, connection: sqlite3.Connection) -> int:
        """SQLite's count of changes committed to the database by other connections (any process): it
        differs from an earlier value exactly when one committed meanwhile. Call with the connection of a
        transaction (`joined()`), so that it holds for what that transaction reads."""
        return int(connection.execute("PRAGMA data_version").fetchone()[0])

    def _settlement_inputs_changed(self) -> None:
        self.settlement_inputs += 1

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


# The three context managers are small classes, not `contextlib.contextmanager` generators: a platform call
# enters about a dozen of them, and a generator's frame, its helper object and the throw/close protocol cost
# several times a class's __enter__/__exit__ (about 4 % of a call's CPU; issue #18).


class _Transaction:
    """`Store.transaction()`: BEGIN IMMEDIATE ... COMMIT outermost, a SAVEPOINT inside another one.

    Single-use, as the generator it replaces was: what ``__exit__`` ends is what ``__enter__`` began, so a
    second ``with`` on the same object (which could end another level's transaction) is refused.
    """

    __slots__ = ("_savepoint", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._savepoint: str | None = None  # None before entry; then the savepoint's name, "" outermost

    def __enter__(self) -> sqlite3.Connection:
        if self._savepoint is not None:
            raise RuntimeError("a Store.transaction() is single-use: call store.transaction() again")
        self._savepoint = ""
        store = self._store
        store._lock.acquire()
        try:
            connection = store._connection
            if store._depth:
                name = f"level_{store._depth}"
                connection.execute(f"SAVEPOINT {name}")
                self._savepoint = name
            else:
                connection.execute("BEGIN IMMEDIATE")
            store._depth += 1
        except BaseException:
            store._lock.release()
            raise
        return connection

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        store = self._store
        try:
            store._depth -= 1
            if self._savepoint:
                _end_savepoint(store, self._savepoint, failed=kind is not None)
            else:
                _end_transaction(store, failed=kind is not None)
        finally:
            store._lock.release()


def _end_transaction(store: Store, *, failed: bool) -> None:
    connection = store._connection
    if failed:
        store.rollbacks += 1
        if connection.in_transaction:  # SQLite ends it itself on some errors (disk full)
            connection.execute("ROLLBACK")
        return  # the block's exception propagates
    try:
        connection.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (disk full, I/O error) can leave the transaction open; end it, or every later
        # BEGIN would fail too.
        store.rollbacks += 1
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _end_savepoint(store: Store, name: str, *, failed: bool) -> None:
    connection = store._connection
    if failed:
        store.rollbacks += 1
        connection.execute(f"ROLLBACK TO {name}")
    connection.execute(f"RELEASE {name}")


class _Joined:
    """`Store.joined()`: the enclosing transaction's connection, or a transaction of its own outside one.

    Single-use, like `_Transaction`: a second entry could end (commit) the caller's transaction with a
    stale transaction of its own.
    """

    __slots__ = ("_entered", "_own", "_store")

    def __init__(self, store: Store) -> None:
        self._store = store
        self._own: _Transaction | None = None
        self._entered = False

    def __enter__(self) -> sqlite3.Connection:
        if self._entered:
            raise RuntimeError("a Store.joined() is single-use: call store.joined() again")
        self._entered = True
        store = self._store
        store._lock.acquire()
        if store._depth:  # read under the lock: only the thread holding it changes it
            return store._connection
        own = _Transaction(store)
        try:
            connection = own.__enter__()
        except BaseException:
            store._lock.release()
            raise
        self._own = own
        return connection

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._own is not None:
                self._own.__exit__(kind, error, trace)
        finally:
            self._store._lock.release()


class _Locked:
    """`Store.read()`: the connection under the store's lock, no transaction."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        self._store._lock.acquire()
        return self._store._connection

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._store._lock.release()
