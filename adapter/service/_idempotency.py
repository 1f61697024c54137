"""The HIS's idempotency keys, and who settled what: a small store in the journal's own database.

A key (the HIS's bill number) is *claimed* before the work starts, in one write transaction
(SQLite ``BEGIN IMMEDIATE``), so of two requests with one key — in one process or in several
processes sharing the database — exactly one does the work:

    (no row) ──claim──→ running ──finish──→ done          (the stored answer is replayed)
                          │   └──release──→ (no row)     (an error: nothing stored, retry allowed)
                          └── lease expired ──→ taken over by the next request with the key

A running key carries its holder (one id per serve process) and a lease the holder renews
while alive (``renew``, from a heartbeat thread). A key whose lease ran out belongs to a dead
process: the next request with that key takes it over. The request hash
(operation + canonical JSON of the parsed request) tells the same bill from a different one.
Taking over does not resume anything: the service refuses the work (409 ``recovery_needed``) while
the journal shows it unfinished, until ``recover`` has run.

``serve_settlements`` records the desk and operator of every settlement the service made (the
journal does not hold them), and is the index of the day's settlements.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from .._codec import encode

__all__ = [
    "Claim",
    "KeyStore",
    "SettlementMark",
    "SqliteKeyStore",
    "iso_seconds",
    "open_key_store",
    "request_hash",
]

ClaimKind = Literal["new", "replay", "in_progress", "mismatch", "taken_over"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS serve_keys (
    key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    status INTEGER,
    answer BLOB,
    desk TEXT NOT NULL,
    opter TEXT NOT NULL,
    holder TEXT NOT NULL,
    lease_until REAL NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS serve_settlements (
    setl_id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    desk TEXT NOT NULL,
    opter TEXT NOT NULL,
    ipt_otp_no TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS serve_settlements_day ON serve_settlements (day)
"""


def request_hash(operation: str, canonical: object) -> str:
    """SHA-256 of the operation and the parsed request, encoded with sorted keys by the Decimal codec."""
    return hashlib.sha256(operation.encode() + b"\0" + encode(_sorted(canonical))).hexdigest()


def _sorted(value: object) -> object:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(item) for item in value]
    return value


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    status: int = 0
    answer: bytes = b""


@dataclass(frozen=True)
class SettlementMark:
    """Who made a settlement, through which request."""

    setl_id: str
    day: date
    key: str
    operation: str
    desk: str
    opter: str
    ipt_otp_no: str
    recorded_at: datetime


class KeyStore:
    """What the service needs from a key store: ``SqliteKeyStore``, or beside a PostgreSQL journal
    ``PostgresKeyStore`` (``_idempotency_postgres``); ``open_key_store`` picks one."""

    holder: str

    def claim(self, key: str, *, operation: str, request_hash: str, desk: str, opter: str) -> Claim:
        raise NotImplementedError

    def finish(self, key: str, *, status: int, answer: bytes) -> None:
        raise NotImplementedError

    def release(self, key: str) -> None:
        raise NotImplementedError

    def renew(self) -> int:
        raise NotImplementedError

    def mark_settlements(self, marks: list[SettlementMark]) -> None:
        raise NotImplementedError

    def settlements_on(self, day: date) -> list[SettlementMark]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteKeyStore(KeyStore):
    """The key store in the journal's SQLite file (its own tables, its own connection)."""

    def __init__(
        self,
        path: str | Path,
        *,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
    ) -> None:
        self.holder = holder or uuid.uuid4().hex
        self._lease = lease_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
        self._db.execute("PRAGMA synchronous=FULL")
        with self._transaction() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # the write lock first: two claims never interleave
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def claim(self, key: str, *, operation: str, request_hash: str, desk: str, opter: str) -> Claim:
        now = self._clock()
        with self._transaction() as db:
            row = db.execute(
                "SELECT operation, request_hash, state, status, answer, lease_until"
                " FROM serve_keys WHERE key = ?",
                (key,),
            ).fetchone()
            if row is not None and (row[0], row[1]) != (operation, request_hash):
                return Claim("mismatch")
            if row is not None and row[2] == "done":
                return Claim("replay", status=int(row[3]), answer=bytes(row[4]))
            if row is not None and row[5] > now:
                return Claim("in_progress")
            db.execute(
                "INSERT OR REPLACE INTO serve_keys (key, operation, request_hash, state, desk, opter, holder,"
                " lease_until, created_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                (key, operation, request_hash, desk, opter, self.holder, now + self._lease, iso_seconds(now)),
            )
            return Claim("new" if row is None else "taken_over")

    def finish(self, key: str, *, status: int, answer: bytes) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE serve_keys SET state = 'done', status = ?, answer = ?, finished_at = ?"
                " WHERE key = ? AND holder = ?",
                (status, answer, iso_seconds(self._clock()), key, self.holder),
            )

    def release(self, key: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM serve_keys WHERE key = ? AND holder = ? AND state = 'running'",
                (key, self.holder),
            )

    def renew(self) -> int:
        """Extend the lease of every key this process holds; how many there were."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE serve_keys SET lease_until = ? WHERE holder = ? AND state = 'running'",
                (self._clock() + self._lease, self.holder),
            )
            return cursor.rowcount

    def mark_settlements(self, marks: list[SettlementMark]) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO serve_settlements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        m.setl_id,
                        m.day.isoformat(),
                        m.key,
                        m.operation,
                        m.desk,
                        m.opter,
                        m.ipt_otp_no,
                        m.recorded_at.isoformat(sep=" "),
                    )
                    for m in marks
                ],
            )

    def settlements_on(self, day: date) -> list[SettlementMark]:
        with self._lock:
            rows = self._db.execute(
                "SELECT setl_id, day, key, operation, desk, opter, ipt_otp_no, recorded_at"
                " FROM serve_settlements WHERE day = ? ORDER BY recorded_at, setl_id",
                (day.isoformat(),),
            ).fetchall()
        return [
            SettlementMark(
                r[0], date.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], datetime.fromisoformat(r[7])
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def iso_seconds(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).isoformat(sep=" ", timespec="seconds")


def open_key_store(journal: str, *, lease_seconds: float) -> KeyStore:
    """The key store beside the journal ``journal`` names: its PostgreSQL database, or its SQLite file."""
    from ..execution import is_postgres_url

    if is_postgres_url(journal):
        from ._idempotency_postgres import PostgresKeyStore  # psycopg: present, the journal opened

        return PostgresKeyStore(journal, lease_seconds=lease_seconds)
    return SqliteKeyStore(journal, lease_seconds=lease_seconds)
