"""The journal in a PostgreSQL database: one journal for every desk and server of a hospital.

psycopg 3 with its connection pool (the optional extra ``postgres``). Configured by a URL
(settings ``journal = "postgresql://…"``, env ``OPSP_JOURNAL``); ``open_journal`` picks
this class for such a URL and ``SqliteJournal`` for a path.

Durability matches ``SqliteJournal``'s. Every connection runs with
``synchronous_commit = on``, so a commit returns only once its WAL is flushed on the
server: ``record_intent`` and ``record_settlement`` are committed before they return (the
intent is on disk before its call is sent, a settlement before a receipt can be printed).
Inside a ``group()`` the other writes (outcomes, states, outbox, chain progress) are
committed with the next intent or settlement, or when the group ends: an update of a row the
group inserted waits in memory (``DeferredWrite``: no transaction open, so a query's
``flush`` has nothing to commit), any other write rides in the group's open transaction,
which ``flush`` commits before a query; a group left by a ``BaseException`` that is not an
``Exception`` (a kill) loses what was not committed, as a dead process would. A thread's
group runs on one pooled connection of its own, so the desks' threads settle in parallel and
never see each other's uncommitted writes.

msgids for any number of desks. ``reserve_msgids`` is ``SqliteJournal``'s, on the shared
database: in one transaction it takes a transaction-scoped advisory lock on the
(institution, node) mark, reads the mark in ``msgid_marks``, computes the next block with
``_msgid.next_block`` and stores its last id, and commits before any id of the block is
used. The lock serialises every process on every node, so no two ever get overlapping
blocks; the mark only moves forward, so ids stay in the §1.3 form and unique when clocks
disagree, stand still or step back. Every desk can draw from the whole 0001-9999 range
(``msgid_node`` unset): the number of desks is not limited by a digit. ``msgid_node`` stays
for separate SQLite journals (a desk given one here simply has marks of its own).

One patient, one settlement at a time. ``person_lock(psn_no)`` takes a session-level
advisory lock keyed by a hash of the person number, held on the connection that the
settlement (or refund chain, or recovery of that person's batch) then uses for all its
writes. Another desk waits up to ``lock_wait`` seconds (``lock_timeout``) and then gets
``PersonBusyError``; a hash collision only makes two people wait for each other.

Recovery on any node: neither a timed lease nor a heartbeat table, but the database
session itself. A process works on a person's batches only while it holds that person's
lock, and the lock lives exactly as long as its session: when the process dies (``kill
-9``, a crash, a power cut of its node) the server ends the session and frees the lock at
once — immediately on a closed socket, after TCP keepalive on a lost node. ``recover``
takes each in-flight batch's person lock without waiting and skips the batches whose
lock is held, so it finishes a dead process's batch from any node and never touches one a
live process is still working on. Why not a lease: a timed lease needs a TTL longer than
the slowest platform call (60 s read timeout, retries) and a clock every node agrees on;
too short and recovery reverses a live settlement, too long and a dead desk's patient
waits. The session needs neither, and the same lock already keeps two desks apart.
Should the process lose its database connection while alive, it loses the lock with it,
and its next journal write fails, so it can no longer record anything: what it was doing
is then recovery's to finish, as for a dead process.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from .._errors import ConfigurationError, JournalOwnerError, PersonBusyError
from .._msgid import MsgIdBlock, next_block, parse_msgid
from ..transactions._settlement import FundAmounts
from ._journal_postgres_schema import MIGRATIONS, SCHEMA_VERSION
from ._journal_rows import (
    BATCHES,
    PURGED,
    DeferredWrite,
    amended_values,
    amendment_from_row,
    batch_from_row,
    call_from_row,
    chain_from_row,
    fee_split_json,
    json_text,
    merged_update,
    missing_row,
    model_json,
    models_json,
    outbox_from_row,
    outbox_values,
    personal_columns,
    plan_columns,
    settlement_from_row,
    started_batch,
)
from ._journal_seal import Sealer
from ._records import (
    Amendment,
    BatchRecord,
    BatchState,
    CallDetail,
    CallRecord,
    CallStatus,
    ChainRecord,
    ChainStatus,
    JournalOwner,
    LineSplit,
    NewBatchData,
    OutboxEntry,
    OutboxPayload,
    PurgeReport,
    RemoteFields,
    SettlementRecord,
    StepProgress,
)
from ._refund_models import RefundPlan

__all__ = ["JournalStats", "PostgresJournal"]

_LOCK_NAMESPACE = "opsp person "
_MSGID_LOCK = "opsp msgid "
_SCHEMA_LOCK = 0x0950_5350  # serialises schema creation when several processes open a new database

Row = dict[str, Any]


@dataclass
class JournalStats:
    """Statements sent and transactions committed after a write (what benchmarks report per visit)."""

    statements: int = 0
    commits: int = 0


@dataclass
class _Session:
    """A thread's connection while it holds a person lock or runs a group."""

    conn: psycopg.Connection[Row]
    users: int = 0
    grouping: bool = False
    dirty: bool = False  # writes not yet committed
    # The group's writes waiting in memory (no transaction open for them), and the rows this
    # group inserted, whose updates cannot miss and so may wait (``DeferredWrite``).
    pending: list[DeferredWrite] = field(default_factory=list)
    inserted: set[tuple[str, object]] = field(default_factory=set)

    def forget_uncommitted(self) -> None:
        """What a rollback loses: the writes waiting in memory, and which rows exist."""
        self.pending.clear()
        self.inserted.clear()


class PostgresJournal:
    """The journal in a PostgreSQL database shared by every desk (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        key: bytes | None = None,
        clear_personal_data: bool = False,
        pool_size: int = 16,
        lock_wait: float = 30.0,
        open_timeout: float = 10.0,
    ) -> None:
        """Open the journal at ``url`` (creating or migrating its tables); ``key`` seals credentials.

        As with ``SqliteJournal``: without ``key`` the journal refuses to store a credential
        unless ``clear_personal_data``; every desk sharing the journal needs the same key.
        """
        self.url = url
        self.name = _redacted(url)
        self._sealer = Sealer(key=key, clear_allowed=clear_personal_data, where=f"journal {self.name}")
        self.lock_wait = lock_wait
        self.stats = JournalStats()
        self._stats_lock = threading.Lock()
        self._local = threading.local()
        self._owner = f"{socket.gethostname()}:{os.getpid()}"
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"row_factory": dict_row, "autocommit": False, "application_name": "opsp-adapter"},
            configure=_configure,
            open=False,
            name="opsp-journal",
        )
        try:
            self._pool.open(wait=True, timeout=open_timeout)
        except Exception as error:
            self._pool.close()
            raise ConfigurationError(
                f"journal {self.name}: cannot open the PostgreSQL journal ({error})".strip()
            ) from error
        try:
            self._create_or_check_schema()
        except BaseException:
            self._pool.close()
            raise

    def close(self) -> None:
        self._pool.close()

    # -- schema ------------------------------------------------------------------------

    def _create_or_check_schema(self) -> None:
        """Apply the migrations this journal lacks, in one transaction; refuse a newer journal."""
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))  # one opener migrates
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"journal {self.name} has schema version {version}, newer than this adapter's"
                    f" {SCHEMA_VERSION}: upgrade the adapter (never point an older one at it)"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[target].split(";")):
                    conn.execute(cast(Any, statement))
                conn.execute(
                    "INSERT INTO meta VALUES ('schema_version', %s)"
                    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (str(target),),
                )

    def _version(self, conn: psycopg.Connection[Row]) -> int:
        present = conn.execute("SELECT to_regclass('meta') IS NOT NULL AS meta").fetchone()
        if present is None or not present["meta"]:
            return 0
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row["value"]).isdigit():
            raise ConfigurationError(f"journal {self.name} has no valid schema_version")
        return int(row["value"])

    @property
    def schema_version(self) -> int:
        with self._pool.connection() as conn:
            return self._version(conn)

    # -- owner ---------------------------------------------------------------------------

    def claim(self, owner: JournalOwner) -> None:
        with self._write(durable=True) as cursor:
            for key, value in (("platform", owner.platform), ("fixmedins_code", owner.fixmedins_code)):
                cursor.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, value))
            found = _owner_of(cursor)
            self._count(statements=2)  # three statements in this write
            if found != owner:
                raise JournalOwnerError(self.name, found=found, wanted=owner)

    def owner(self) -> JournalOwner | None:
        session = self._session()
        if session is None:
            with self._pool.connection() as conn, conn.cursor() as cursor:
                return _owner_of(cursor)
        with session.conn.cursor() as cursor:
            return _owner_of(cursor)

    # -- sessions, groups, writes ------------------------------------------------------

    def _session(self) -> _Session | None:
        session: _Session | None = getattr(self._local, "session", None)
        return session

    @contextmanager
    def _hold(self) -> Iterator[_Session]:
        """This thread's session: one pooled connection for as long as a lock or group needs it."""
        session = self._session()
        if session is None:
            session = _Session(self._pool.getconn())
            self._local.session = session
        session.users += 1
        try:
            yield session
        finally:
            session.users -= 1
            if session.users == 0:
                self._local.session = None
                conn = session.conn
                if conn.info.transaction_status != TransactionStatus.IDLE and not conn.closed:
                    conn.rollback()  # only a failed read can be left here: writes end committed
                self._pool.putconn(conn)

    @contextmanager
    def group(self) -> Iterator[None]:
        """Defer the commits of writes that need not precede a call, until the next one that does."""
        with self._hold() as session:
            if session.grouping:
                yield
                return
            session.grouping = True
            try:
                yield
            except Exception:
                self._end_group(session, commit=True)  # outcomes of a failed step are history
                raise
            except BaseException:
                self._end_group(session, commit=False)  # as a killed process: the committed prefix
                raise
            self._end_group(session, commit=True)

    def flush(self) -> None:
        """Commit the group's open transaction, so none stays open across a network wait.

        Writes still waiting in memory stay there: they hold nothing open, and they are committed
        with the next durable write (``DeferredWrite``).
        """
        session = self._session()
        if session is not None:
            self._commit(session)

    def _end_group(self, session: _Session, *, commit: bool) -> None:
        session.grouping = False
        if commit:
            self._run_pending(session)
            self._commit(session)
        else:
            session.forget_uncommitted()
            if not session.conn.closed:
                session.conn.rollback()
                session.dirty = False
        session.inserted.clear()

    def _run_pending(self, session: _Session) -> None:
        """Run the writes waiting in memory in the session's transaction (opened by the first), in order."""
        if not session.pending:
            return
        pending, session.pending = session.pending, []
        try:
            with session.conn.cursor() as cursor:
                for write in pending:
                    cursor.execute(write.statement, write.parameters)
        except BaseException:
            if not session.conn.closed:
                session.conn.rollback()  # the deferred suffix is lost, as in a crash
            session.forget_uncommitted()
            session.dirty = False
            raise
        self._count(statements=len(pending))
        session.dirty = True

    def _deferred(self, write: DeferredWrite) -> bool:
        """Keep a one-statement write in memory if it may wait: True if kept, False to run it now.

        It may wait in this thread's group while no transaction is open, if it cannot fail for a
        missing row: its ``row`` is None or one this group inserted.
        """
        session = self._session()
        if (
            session is None
            or not session.grouping
            or session.conn.info.transaction_status != TransactionStatus.IDLE
            or (write.row is not None and write.row not in session.inserted)
        ):
            return False
        session.pending.append(write)
        return True

    def _update(self, update: DeferredWrite) -> None:
        """An update: kept in memory if it may wait, else run now (``missing_row`` if its row is absent)."""
        if self._deferred(update):
            return
        with self._write() as cursor:
            cursor.execute(update.statement, update.parameters)
            if update.row is not None and cursor.rowcount != 1:
                raise missing_row(update.row)

    def _inserted_now(self, row: tuple[str, object]) -> None:
        session = self._session()
        if session is not None and session.grouping:
            session.inserted.add(row)

    def _commit(self, session: _Session) -> None:
        if session.conn.info.transaction_status == TransactionStatus.IDLE:
            return
        try:
            session.conn.commit()
        except BaseException:
            if not session.conn.closed:
                session.conn.rollback()  # the deferred suffix is lost, as in a crash
            session.forget_uncommitted()
            session.dirty = False
            raise
        if session.dirty:
            self._count(commits=1)
        session.dirty = False

    def _count(self, *, statements: int = 0, commits: int = 0) -> None:
        with self._stats_lock:
            self.stats.statements += statements
            self.stats.commits += commits

    @contextmanager
    def _write(self, *, durable: bool = False) -> Iterator[psycopg.Cursor[Row]]:
        """One write: committed now if ``durable`` or outside a group, else with the group's next commit."""
        session = self._session()
        if session is None:
            with self._pool.connection() as conn, conn.cursor() as cursor:
                yield cursor
            self._count(statements=1, commits=1)
            return
        conn = session.conn
        # Writes waiting in memory go first, in the same transaction. If they opened it, they
        # need no savepoint: should this write fail, the transaction is rolled back and they
        # wait in memory again, which is all "undo only this write" asks (two round trips less).
        replayable = list(session.pending) if conn.info.transaction_status == TransactionStatus.IDLE else []
        self._run_pending(session)
        in_transaction = conn.info.transaction_status == TransactionStatus.INTRANS and not replayable
        with conn.cursor() as cursor:
            if in_transaction:  # a group's open transaction: undo only this write on failure
                cursor.execute("SAVEPOINT one_write")
                try:
                    yield cursor
                except BaseException:
                    if conn.info.transaction_status != TransactionStatus.IDLE and not conn.closed:
                        cursor.execute("ROLLBACK TO one_write")
                        cursor.execute("RELEASE one_write")
                    else:
                        session.forget_uncommitted()
                    raise
                cursor.execute("RELEASE one_write")
                self._count(statements=1)  # transaction control (savepoints) is not counted
            else:
                try:
                    yield cursor
                except BaseException:
                    if not conn.closed:
                        conn.rollback()
                    session.forget_uncommitted()
                    session.pending = replayable  # the earlier writes wait again, as before this one
                    raise
                self._count(statements=1)
        session.dirty = True
        if durable or not session.grouping:
            self._commit(session)

    def _read_all(self, query: str, parameters: tuple[Any, ...] | Mapping[str, Any]) -> list[Row]:
        session = self._session()
        self._count(statements=1)
        if session is None:
            with self._pool.connection() as conn:
                return conn.execute(cast(Any, query), parameters).fetchall()
        self._run_pending(session)  # a group reads its own writes
        conn = session.conn
        idle = conn.info.transaction_status == TransactionStatus.IDLE
        rows = conn.execute(cast(Any, query), parameters).fetchall()
        if idle:
            conn.commit()  # a read alone never leaves a transaction open (read-only: no WAL flush)
        return rows

    def _read_one(self, query: str, parameters: tuple[Any, ...] | Mapping[str, Any]) -> Row | None:
        rows = self._read_all(query, parameters)
        return rows[0] if rows else None

    # -- one patient at a time ---------------------------------------------------------

    @contextmanager
    def person_lock(self, psn_no: str, *, wait: float | None = None) -> Iterator[None]:
        """Hold this person's lock hospital-wide; wait up to ``wait`` seconds (default ``lock_wait``)."""
        seconds = self.lock_wait if wait is None else wait
        key = _LOCK_NAMESPACE + psn_no
        with self._hold() as session:
            conn = session.conn
            self._commit(session)  # a lock wait that times out must not abort deferred writes
            try:
                if seconds <= 0:
                    row = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS got", (key,))
                    fetched = row.fetchone()
                    got = bool(fetched and fetched["got"])
                else:
                    conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{int(seconds * 1000)}ms",))
                    conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
                    got = True
                conn.commit()
            except psycopg.errors.LockNotAvailable:
                conn.rollback()
                got = False
            self._count(statements=2)
            if not got:
                raise PersonBusyError(waited=seconds)
            try:
                yield
            finally:
                self._unlock(session, key)

    def _unlock(self, session: _Session, key: str) -> None:
        conn = session.conn
        if conn.closed:
            return  # the session is gone, and its locks with it
        if conn.info.transaction_status == TransactionStatus.INERROR:
            conn.close()  # ending the session frees its locks; the pool replaces the connection
            return
        idle = conn.info.transaction_status == TransactionStatus.IDLE
        conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        self._count(statements=1)
        if idle:
            conn.commit()

    # -- msgids ------------------------------------------------------------------------

    def reserve_msgids(self, prefix: str, node: int | None, count: int, now: datetime) -> MsgIdBlock:
        """A block after every one any process reserved before (``_msgid.next_block``), durable first."""
        key = -1 if node is None else node
        with self._write(durable=True) as cursor:  # the block is committed before any id of it is used
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{_MSGID_LOCK}{prefix}:{key}",)
            )
            cursor.execute(
                "SELECT second, sequence FROM msgid_marks WHERE prefix = %s AND node = %s", (prefix, key)
            )
            row = cursor.fetchone()
            mark = (
                (datetime.fromisoformat(row["second"]), int(row["sequence"]))
                if row
                else self._last_journaled(cursor, prefix, node)
            )
            block = next_block(mark, now=now, node=node, count=count)
            cursor.execute(
                "INSERT INTO msgid_marks VALUES (%s,%s,%s,%s) ON CONFLICT (prefix, node)"
                " DO UPDATE SET second = EXCLUDED.second, sequence = EXCLUDED.sequence",
                (prefix, key, block.second.isoformat(), block.last),
            )
        self._count(statements=3)
        return block

    @staticmethod
    def _last_journaled(
        cursor: psycopg.Cursor[Row], prefix: str, node: int | None
    ) -> tuple[datetime, int] | None:
        """No mark yet: continue after the greatest msgid the calls recorded (none in a new journal)."""
        query = "SELECT max(msgid) AS last FROM calls WHERE left(msgid, %s) = %s"
        parameters: tuple[object, ...] = (len(prefix), prefix)
        if node is not None:
            query += " AND substr(msgid, length(msgid) - 3, 1) = %s"
            parameters = (*parameters, str(node))
        cursor.execute(cast(Any, query), parameters)
        row = cursor.fetchone()
        return parse_msgid(str((row or {}).get("last") or ""), prefix)

    # -- batches -----------------------------------------------------------------------

    def start_batch(self, batch: NewBatchData, *, now: datetime) -> BatchRecord:
        stamp = now.isoformat()
        card, remote = personal_columns(batch, self._sealer)
        with self._write() as cursor:
            # One statement (one round trip) for both rows: the plan's row takes the new batch's id.
            cursor.execute(
                "WITH batch AS (INSERT INTO batches (visit_key, ipt_otp_no, batch_number, attempt, state,"
                " med_type, dise_codg, psn_no, insutype, insuplc_admdvs, card, chrg_bchno, person,"
                " acct_used_flag, mdtrt_id, owner, created_at, updated_at)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id),"
                " plan AS (INSERT INTO batch_plans (batch_id, plan_batch, visit, header, self_pay)"
                " SELECT id, %s, %s, %s, %s FROM batch)"
                " SELECT id FROM batch",
                (
                    batch.visit_key,
                    batch.ipt_otp_no,
                    batch.batch_number,
                    batch.attempt,
                    BatchState.NEW.value,
                    batch.med_type,
                    batch.dise_codg,
                    batch.psn_no,
                    batch.insutype,
                    batch.insuplc_admdvs,
                    card,
                    batch.chrg_bchno,
                    remote,
                    batch.acct_used_flag,
                    batch.mdtrt_id,
                    self._owner,
                    stamp,
                    stamp,
                    *plan_columns(batch),
                ),
            )
            row = cursor.fetchone()
            assert row is not None
            batch_id = int(cast(Any, row)["id"])
            self._inserted_now(("batches", batch_id))
        return started_batch(batch_id, batch, now)

    def batch(self, batch_id: int) -> BatchRecord:
        row = self._read_one(f"{BATCHES} WHERE id = %s", (batch_id,))
        if row is None:
            raise KeyError(f"no batch {batch_id} in the journal")
        return batch_from_row(cast(Any, row), self._sealer)

    def update_batch(
        self,
        batch_id: int,
        *,
        now: datetime,
        state: BatchState | None = None,
        mdtrt_id: str | None = None,
        setl_id: str | None = None,
        note: str | None = None,
        unwind_to: BatchState | None = None,
        fee_split: Sequence[LineSplit] | None = None,
    ) -> None:
        given = {
            "state": None if state is None else state.value,
            "mdtrt_id": mdtrt_id,
            "setl_id": setl_id,
            "note": note,
            "unwind_to": None if unwind_to is None else unwind_to.value,
            "fee_split": None if fee_split is None else fee_split_json(fee_split),
        }
        assignments: dict[str, object] = {name: value for name, value in given.items() if value is not None}
        assignments["updated_at"] = now.isoformat()
        row = ("batches", batch_id)
        session = self._session()
        if session is not None:
            assignments = merged_update(session.pending, row, assignments)
        columns = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in assignments
        )
        query = sql.SQL("UPDATE batches SET {} WHERE id = {}").format(columns, sql.Placeholder("batch_id"))
        update = DeferredWrite(query, {**assignments, "batch_id": batch_id}, row, assignments)
        self._update(update)

    def unfinished_batches(self) -> list[BatchRecord]:
        # The states in flight, by name, so the batches_state index finds them (not a scan of all).
        unfinished = [state.value for state in BatchState if not state.terminal]
        rows = self._read_all(f"{BATCHES} WHERE state = ANY(%s) ORDER BY id", (unfinished,))
        return [batch_from_row(cast(Any, row), self._sealer) for row in rows]

    def batches_between(self, first: date, last: date) -> list[BatchRecord]:
        """Batches started from ``first`` to ``last``, whatever their state (reconciliation's keys)."""
        low, high = first.isoformat(), (last + timedelta(days=1)).isoformat()
        rows = self._read_all(
            f"{BATCHES} WHERE created_at >= %s AND created_at < %s ORDER BY id", (low, high)
        )
        return [batch_from_row(cast(Any, row), self._sealer) for row in rows]

    def batches_of_visit(self, visit_key: str) -> list[BatchRecord]:
        rows = self._read_all(f"{BATCHES} WHERE visit_key = %s ORDER BY id", (visit_key,))
        return [batch_from_row(cast(Any, row), self._sealer) for row in rows]

    # -- calls -------------------------------------------------------------------------

    def record_intent(
        self, msgid: str, *, batch_id: int | None, infno: str, keys: Mapping[str, str], now: datetime
    ) -> None:
        with self._write(durable=True) as cursor:  # on disk before the call is sent
            cursor.execute(
                "INSERT INTO calls (msgid, batch_id, infno, keys, status, sent_at)"
                " VALUES (%s,%s,%s,%s,%s,%s)",
                (msgid, batch_id, infno, json_text(dict(keys)), CallStatus.INTENT.value, now.isoformat()),
            )
            self._inserted_now(("calls", msgid))

    def record_outcome(
        self, msgid: str, *, status: CallStatus, now: datetime, detail: CallDetail | None = None
    ) -> None:
        update = DeferredWrite(
            "UPDATE calls SET status = %s, detail = %s, finished_at = %s WHERE msgid = %s",
            (status.value, model_json(detail), now.isoformat(), msgid),
            ("calls", msgid),
        )
        self._update(update)

    def calls(self, batch_id: int) -> list[CallRecord]:
        rows = self._read_all("SELECT * FROM calls WHERE batch_id = %s ORDER BY seq", (batch_id,))
        return [call_from_row(cast(Any, row)) for row in rows]

    def call(self, msgid: str) -> CallRecord | None:
        """One call by its msgid (reconciliation finds a lost 2207 by the msgid the platform reports)."""
        row = self._read_one("SELECT * FROM calls WHERE msgid = %s", (msgid,))
        return None if row is None else call_from_row(cast(Any, row))

    def open_calls(self) -> list[CallRecord]:
        states = [CallStatus.INTENT.value, CallStatus.UNKNOWN.value]
        rows = self._read_all("SELECT * FROM calls WHERE status = ANY(%s) ORDER BY seq", (states,))
        return [call_from_row(cast(Any, row)) for row in rows]

    # -- settlements -------------------------------------------------------------------

    def record_settlement(self, settlement: SettlementRecord, *, once: bool = False) -> None:
        values = _settlement_values(settlement)
        kept = " ON CONFLICT (setl_id) DO NOTHING" if once else ""
        with self._write(durable=True) as cursor:  # on disk before a receipt can be printed
            cursor.execute(
                cast(
                    Any,
                    f"INSERT INTO settlements ({', '.join(values)}) VALUES ({_marks(len(values))}){kept}",
                ),
                tuple(values.values()),
            )

    def settlement(self, setl_id: str) -> SettlementRecord | None:
        row = self._read_one("SELECT * FROM settlements WHERE setl_id = %s", (setl_id,))
        return None if row is None else settlement_from_row(cast(Any, row))

    def settlements_in_scope(self, psn_no: str, insutype: str, year: int) -> list[SettlementRecord]:
        """Every settlement sharing one accumulator scope, in settlement order."""
        rows = self._read_all(
            "SELECT * FROM settlements WHERE psn_no = %s AND insutype = %s AND year = %s"
            " ORDER BY setl_time, seq",
            (psn_no, insutype, year),
        )
        return [settlement_from_row(cast(Any, row)) for row in rows]

    def mark_refunded(
        self, setl_id: str, *, refund_setl_id: str, refund_time: datetime | None = None
    ) -> None:
        update = DeferredWrite(
            "UPDATE settlements SET active = false, refund_setl_id = %s, refund_time = %s WHERE setl_id = %s",
            (refund_setl_id, refund_time.isoformat() if refund_time else None, setl_id),
            None,  # no row found is no error
        )
        self._update(update)

    def settlements_between(self, first: date, last: date) -> list[SettlementRecord]:
        """Settlements made, or refunded, from ``first`` to ``last`` (the platform's setl_time), in order."""
        low, high = first.isoformat(), (last + timedelta(days=1)).isoformat()
        rows = self._read_all(
            "SELECT * FROM settlements WHERE (setl_time >= %s AND setl_time < %s)"
            " OR (refund_time >= %s AND refund_time < %s) ORDER BY setl_time, seq",
            (low, high, low, high),
        )
        return [settlement_from_row(cast(Any, row)) for row in rows]

    def amend_settlement(
        self,
        setl_id: str,
        *,
        reason: str,
        evidence: Mapping[str, Any],
        now: datetime,
        changes: Mapping[str, Any],
    ) -> None:
        """Change a ledger row to what the platform holds, keeping what it was and why (reconciliation)."""
        current = self.settlement(setl_id)
        if current is None:
            raise KeyError(f"no settlement {setl_id} in the journal")
        was, after = amended_values(current, changes, _settlement_values)
        before = {name: _text(value) for name, value in was.items()}
        with self._write(durable=True) as cursor:
            if after:
                assignments = ", ".join(f"{name} = %s" for name in after)
                cursor.execute(
                    cast(Any, f"UPDATE settlements SET {assignments} WHERE setl_id = %s"),
                    (*after.values(), setl_id),
                )
            cursor.execute(
                "INSERT INTO amendments (setl_id, reason, before, after, evidence, at)"
                " VALUES (%s,%s,%s,%s,%s,%s)",
                (
                    setl_id,
                    reason,
                    json_text(before),
                    json_text({name: _text(value) for name, value in after.items()}),
                    json_text(dict(evidence)),
                    now.isoformat(),
                ),
            )

    def amendments(self, setl_id: str | None = None) -> list[Amendment]:
        if setl_id is None:
            rows = self._read_all("SELECT * FROM amendments ORDER BY id", ())
        else:
            rows = self._read_all("SELECT * FROM amendments WHERE setl_id = %s ORDER BY id", (setl_id,))
        return [amendment_from_row(cast(Any, row)) for row in rows]

    # -- outbox ------------------------------------------------------------------------

    def add_outbox(
        self,
        *,
        visit_key: str,
        batch_number: int,
        reason: str,
        payload: OutboxPayload,
        now: datetime,
        due: date,
        identity: RemoteFields | None = None,
    ) -> int:
        with self._write() as cursor:
            cursor.execute(
                "INSERT INTO outbox (visit_key, batch_number, reason, payload, created_at, due, person)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                outbox_values(visit_key, batch_number, reason, payload, now, due, identity, self._sealer),
            )
            row = cursor.fetchone()
        assert row is not None
        return int(row["id"])

    def outbox(
        self, *, due_by: date | None = None, include_sent: bool = False, visit_key: str | None = None
    ) -> list[OutboxEntry]:
        query = "SELECT * FROM outbox WHERE true"
        parameters: list[str] = []
        if not include_sent:
            query += " AND sent_at IS NULL"
        if due_by is not None:
            query += " AND due <= %s"
            parameters.append(due_by.isoformat())
        if visit_key is not None:  # only this visit's rows, by the outbox_visit index, are opened and decoded
            query += " AND visit_key = %s"
            parameters.append(visit_key)
        rows = self._read_all(query + " ORDER BY due, id", tuple(parameters))
        return [outbox_from_row(cast(Any, row), self._sealer) for row in rows]

    def mark_sent(self, outbox_id: int, *, now: datetime, ack: Mapping[str, Any] | None = None) -> None:
        """Mark an entry sent, keeping the platform's acknowledgement (msgids, inf_refmsgid)."""
        update = DeferredWrite(
            "UPDATE outbox SET sent_at = %s, ack = %s WHERE id = %s",
            (now.isoformat(), json_text(dict(ack or {})), outbox_id),
            None,  # no row found is no error
        )
        self._update(update)

    # -- refund chains -----------------------------------------------------------------

    def start_chain(self, plan: RefundPlan, *, now: datetime) -> int:
        progress = [StepProgress() for _ in plan.steps]
        with self._write() as cursor:
            cursor.execute(
                "INSERT INTO refund_chains (target_setl_id, plan, progress, next_step, status, created_at,"
                " updated_at) VALUES (%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                (
                    plan.target_setl_id,
                    model_json(plan),
                    models_json(progress),
                    0,
                    ChainStatus.IN_PROGRESS.value,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            row = cursor.fetchone()
            assert row is not None
            chain_id = int(row["id"])
            self._inserted_now(("refund_chains", chain_id))
        return chain_id

    def chain(self, chain_id: int) -> ChainRecord:
        row = self._read_one("SELECT * FROM refund_chains WHERE id = %s", (chain_id,))
        if row is None:
            raise KeyError(f"no refund chain {chain_id} in the journal")
        return chain_from_row(cast(Any, row))

    def update_chain(
        self,
        chain_id: int,
        *,
        now: datetime,
        next_step: int | None = None,
        status: ChainStatus | None = None,
        progress: Sequence[StepProgress] | None = None,
        note: str | None = None,
    ) -> None:
        assignments: dict[str, object] = {"updated_at": now.isoformat()}
        if next_step is not None:
            assignments["next_step"] = next_step
        if status is not None:
            assignments["status"] = status.value
        if progress is not None:
            assignments["progress"] = models_json(progress)
        if note is not None:
            assignments["note"] = note
        columns = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in assignments
        )
        query = sql.SQL("UPDATE refund_chains SET {} WHERE id = {}").format(
            columns, sql.Placeholder("chain_id")
        )
        update = DeferredWrite(query, {**assignments, "chain_id": chain_id}, ("refund_chains", chain_id))
        self._update(update)

    def unfinished_chains(self) -> list[ChainRecord]:
        # The status in flight, by name, so the refund_chains_status index (schema 7) finds them on
        # every settle (without it, every refund chain ever journaled was read).
        rows = self._read_all(
            "SELECT * FROM refund_chains WHERE status = %s ORDER BY id", (ChainStatus.IN_PROGRESS.value,)
        )
        return [chain_from_row(cast(Any, row)) for row in rows]

    # -- retention ---------------------------------------------------------------------

    def purge(self, before: datetime) -> PurgeReport:
        """Erase the credential and 异地 fields of finished batches older than ``before`` (as SQLite's)."""
        terminal = [state.value for state in BatchState if state.terminal]
        chained: set[int] = set()
        for chain in self.unfinished_chains():
            chained.update(step.batch_id for step in chain.plan.steps)
            chained.update(batch_id for step in chain.progress for batch_id in step.attempts)
        with self._write(durable=True) as cursor:
            cursor.execute(
                "UPDATE batches SET card = %(purged)s, person = %(purged)s"
                " WHERE state = ANY(%(terminal)s) AND updated_at < %(before)s AND card <> %(purged)s"
                " AND NOT (id = ANY(%(chained)s)) RETURNING id",
                {
                    "purged": PURGED,
                    "terminal": terminal,
                    "before": before.isoformat(),
                    "chained": list(chained),
                },
            )
            erased = len(cursor.fetchall())
            # An uploaded bill's identity is not needed again: erased with the batches of the same window.
            cursor.execute(
                "UPDATE outbox SET person = %s WHERE sent_at IS NOT NULL AND sent_at < %s AND person <> '{}'",
                (PURGED, before.isoformat()),
            )
        return PurgeReport(batches=erased, before=before)


def _owner_of(cursor: psycopg.Cursor[Row]) -> JournalOwner | None:
    cursor.execute("SELECT key, value FROM meta WHERE key IN ('platform', 'fixmedins_code')")
    rows = {row["key"]: row["value"] for row in cursor.fetchall()}
    if not rows:
        return None
    return JournalOwner(platform=rows.get("platform", ""), fixmedins_code=rows.get("fixmedins_code", ""))


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Every pooled connection: commits wait for the WAL flush (the intent is on disk before the call)."""
    conn.execute("SET synchronous_commit = on")
    conn.commit()


def _redacted(url: str) -> str:
    """The URL without a password (it may be printed in an error)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{key}={value}" for key, value in sorted(info.items()))


def _settlement_values(s: SettlementRecord) -> dict[str, Any]:
    """A ledger row's columns as PostgreSQL takes them: money NUMERIC (Decimal), times ISO text."""
    values: dict[str, Any] = {}
    for item in fields(s):
        value = getattr(s, item.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, FundAmounts):
            value = value.model_dump_json()
        values[item.name] = value
    return values


def _text(value: Any) -> Any:
    """An amendment's before/after as the SQLite journal keeps them: money as decimal text, flags as 0/1."""
    if isinstance(value, bool):
        return 1 if value else 0
    return str(value) if isinstance(value, Decimal) else value


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)
