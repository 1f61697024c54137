"""The key store beside a PostgreSQL journal: the same tables and states as ``SqliteKeyStore``.

Several ``opsp serve`` processes on one PostgreSQL journal share it, so of two requests with one
key — at any process — exactly one does the work. A claim is one transaction: ``INSERT … ON
CONFLICT DO NOTHING`` makes a new key (a concurrent insert of the same key waits for the first
to commit, then sees its row); otherwise the row is read ``FOR UPDATE``, so a takeover of an
expired lease is decided by one process only. Leases are timed, as in SQLite: the key outlives
any one database session (the answer is replayed days later), and a process is alive while it
renews. The tables are created once, under an advisory lock, in the schema the URL's search path
names (the journal's own).

psycopg 3 and its pool, the optional extra ``postgres`` (as the journal).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from ._idempotency import Claim, KeyStore, SettlementMark, iso_seconds

__all__ = ["PostgresKeyStore"]

_SCHEMA_LOCK = 0x6F707370_6B657973  # "opspkeys": two processes starting at once create the tables once

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS serve_keys (
    key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    status INTEGER,
    answer BYTEA,
    desk TEXT NOT NULL,
    opter TEXT NOT NULL,
    holder TEXT NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
)""",
    """CREATE TABLE IF NOT EXISTS serve_settlements (
    setl_id TEXT PRIMARY KEY,
    day DATE NOT NULL,
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    desk TEXT NOT NULL,
    opter TEXT NOT NULL,
    ipt_otp_no TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS serve_settlements_day ON serve_settlements (day)",
)


class PostgresKeyStore(KeyStore):
    """The key store in the PostgreSQL journal's database (its own tables, its own small pool)."""

    def __init__(
        self,
        url: str,
        *,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
        pool_size: int = 4,
        open_timeout: float = 10.0,
    ) -> None:
        self.holder = holder or uuid.uuid4().hex
        self._lease = lease_seconds
        self._clock = clock
        self._closed = threading.Event()
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": False},  # the URL's own options (a search path) stand
            open=False,
        )
        self._pool.open(wait=True, timeout=open_timeout)
        try:
            with self._transaction() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for statement in _SCHEMA:
                    cursor.execute(statement)
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[tuple[Any, ...]]]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            yield cursor

    def claim(self, key: str, *, operation: str, request_hash: str, desk: str, opter: str) -> Claim:
        now = self._clock()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO serve_keys (key, operation, request_hash, state, desk, opter, holder,"
                " lease_until, created_at) VALUES (%s, %s, %s, 'running', %s, %s, %s, %s, %s)"
                " ON CONFLICT (key) DO NOTHING RETURNING key",
                (key, operation, request_hash, desk, opter, self.holder, now + self._lease, iso_seconds(now)),
            )
            if db.fetchone() is not None:
                return Claim("new")
            db.execute(
                "SELECT operation, request_hash, state, status, answer, lease_until"
                " FROM serve_keys WHERE key = %s FOR UPDATE",
                (key,),
            )
            row = db.fetchone()
            if row is None:  # released between the insert and the read: claim it afresh
                return self.claim(key, operation=operation, request_hash=request_hash, desk=desk, opter=opter)
            if (row[0], row[1]) != (operation, request_hash):
                return Claim("mismatch")
            if row[2] == "done":
                return Claim("replay", status=int(row[3]), answer=bytes(row[4]))
            if float(row[5]) > now:
                return Claim("in_progress")
            db.execute(
                "UPDATE serve_keys SET state = 'running', desk = %s, opter = %s, holder = %s,"
                " lease_until = %s, created_at = %s WHERE key = %s",
                (desk, opter, self.holder, now + self._lease, iso_seconds(now), key),
            )
            return Claim("taken_over")

    def finish(self, key: str, *, status: int, answer: bytes) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE serve_keys SET state = 'done', status = %s, answer = %s, finished_at = %s"
                " WHERE key = %s AND holder = %s",
                (status, answer, iso_seconds(self._clock()), key, self.holder),
            )

    def release(self, key: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM serve_keys WHERE key = %s AND holder = %s AND state = 'running'",
                (key, self.holder),
            )

    def renew(self) -> int:
        """Extend the lease of every key this process holds; how many there were."""
        with self._transaction() as db:
            db.execute(
                "UPDATE serve_keys SET lease_until = %s WHERE holder = %s AND state = 'running'",
                (self._clock() + self._lease, self.holder),
            )
            return db.rowcount

    def mark_settlements(self, marks: list[SettlementMark]) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO serve_settlements VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (setl_id) DO NOTHING",
                [
                    (m.setl_id, m.day, m.key, m.operation, m.desk, m.opter, m.ipt_otp_no, m.recorded_at)
                    for m in marks
                ],
            )

    def settlements_on(self, day: date) -> list[SettlementMark]:
        with self._transaction() as db:
            db.execute(
                "SELECT setl_id, day, key, operation, desk, opter, ipt_otp_no, recorded_at"
                " FROM serve_settlements WHERE day = %s ORDER BY recorded_at, setl_id",
                (day,),
            )
            rows = db.fetchall()
        return [SettlementMark(*row) for row in rows]

    def close(self) -> None:
        self._pool.close()
