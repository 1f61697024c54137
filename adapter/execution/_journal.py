"""The journal: a real database of every settlement attempt, written *before* each call.

SQLite through the standard library by default (WAL, ``synchronous=FULL``: a
committed intent survives a power cut), behind the small ``Journal`` protocol so a
server database can replace it when several billing nodes share one journal
(STYLE.md §4).

Durability. ``record_intent`` and ``record_settlement`` are committed before they
return: an intent is on disk before its call is sent, a settlement before a receipt can
be printed. Outside a ``group()`` every other write is committed at once too. Inside a
group (one settlement, dry run, recovery or refund chain), the other writes — outcomes,
state changes, outbox entries, chain progress — are committed together with the next
intent or settlement, or when the group ends. No write lock is held while waiting on the
network: an outcome or state change of a row the group inserted waits in memory
(``DeferredWrite``: it cannot fail for a missing row) until the next durable write or read
runs it; any other write opens the group's transaction, which ``flush`` commits before a
query. So a query (2206) costs no commit: 16 commits (fsyncs) for the three-batch example
visit P1 instead of 48 (one per intent and settlement, and the group's end), plus one per
block of 16 msgids reserved (``reserve_msgids``). What a crash can lose is therefore only a
suffix of the history after the last commit, and the journal on disk is exactly what a
crash one step earlier would have left: a call with its intent and no outcome, which
``recover`` resolves with the platform (2601, 5201) as it does for a crash right after a
call. A group left by a BaseException that is not an Exception (a kill, Ctrl-C, the tests'
simulated crash) keeps only what was committed, as a killed process would.

The journal holds the hospital's own transaction data, including the credential
used for a visit (needed to re-settle after a refund): the file is created readable by
its owner only (0600, and SQLite gives the -wal and -shm files the same mode), the
credential and 异地 fields are sealed with the host's key (``_journal_seal``), and
finished batches are deleted once the refund window has passed (``purge``).

Creating a journal, or migrating one from before schema 9, needs SQLite 3.35.0 or newer (the
library Python's ``sqlite3`` module links: ``sqlite3.sqlite_version``); an older one is refused
with a ``ConfigurationError`` saying so, and the journal is left as it was.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError, JournalOwnerError, PersonBusyError
from .._msgid import MsgIdBlock, next_block, parse_msgid
from ..transactions._settlement import FundAmounts
from ._journal_protocol import Journal
from ._journal_rows import (
    BATCHES,
    MIGRATIONS,
    OPEN,
    PURGED,
    SCHEMA_VERSION,
    SQLITE_NEEDED,
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
    outbox_person,
    outbox_values,
    personal_columns,
    plan_columns,
    seal_clear_columns,
    settlement_from_row,
    started_batch,
)
from ._journal_seal import SEALED_PREFIX, Sealer
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

__all__ = ["Journal", "SqliteJournal"]


class SqliteJournal:
    """The journal in one SQLite file (or ``":memory:"`` for tests)."""

    def __init__(
        self, path: str | Path, *, key: bytes | None = None, clear_personal_data: bool | None = None
    ) -> None:
        """Open (or create) the journal at ``path`` and bring its schema up to this code's version.

        ``key`` (32 bytes) seals each batch's credential and 异地 fields (AES-256-GCM). Without
        one, a file journal refuses to store them unless ``clear_personal_data`` is true; an
        in-memory journal keeps them in clear (nothing is at rest).

        A path that cannot be opened, a file that is not a journal, or a journal written by a
        newer version of the adapter is a ``ConfigurationError`` naming the file.
        """
        self._path = str(path)
        self._lock = threading.RLock()
        self._group_owner: int | None = None  # the thread whose group defers commits
        # The group's deferred writes not yet run: no transaction (no write lock) is open for them
        # until the next durable write or read runs them, so a query's network wait needs no commit.
        self._pending: list[DeferredWrite] = []
        # Rows this group inserted (batch ids, msgids, chain ids): an update of one cannot miss its
        # row, so it may wait in ``_pending``; an update of any other row runs at once, to fail at once.
        self._inserted: set[tuple[str, object]] = set()
        in_memory = self._path == ":memory:"
        self._sealer = Sealer(
            key=key,
            clear_allowed=in_memory if clear_personal_data is None else clear_personal_data,
            where=f"journal {self._path}",
        )
        self.lock_wait = 30.0
        self._people_lock = threading.Lock()
        self._people: dict[str, tuple[threading.RLock, int]] = {}  # person lock, holders and waiters
        try:
            if not in_memory:
                _owner_only(self._path)
            self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise ConfigurationError(f"journal {self._path}: cannot be opened ({error})") from error
        try:
            self._db.row_factory = sqlite3.Row
            if self._path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA secure_delete=ON")  # erased personal data does not linger in free pages
            self._migrate()
            if key is not None:
                self._seal_clear_rows()
        except sqlite3.Error as error:
            self._db.close()
            raise ConfigurationError(
                f"journal {self._path}: cannot be opened as a journal ({error});"
                " check the path, or point the settings at the journal file"
            ) from error
        except ConfigurationError:
            self._db.close()
            raise

    def _migrate(self) -> None:
        """Apply the migrations this journal lacks, each with its version, in one transaction.

        An up-to-date journal is only read: opening it never waits for another process's writes.
        """
        if self._version(self._db) == SCHEMA_VERSION:
            return
        with self._write(durable=True) as db:
            version = self._version(db)
            if version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"journal {self._path} has schema version {version}, newer than this adapter's"
                    f" {SCHEMA_VERSION}: upgrade the adapter (never point an older one at it)"
                )
            self._check_library(version)
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[target].split(";")):
                    db.execute(statement)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(target),))

    def _check_library(self, version: int) -> None:
        """Refuse a migration this SQLite library cannot run, naming it, before anything is written.

        Without this, an older library fails inside the migration with a syntax error, which reads
        as a file that is not a journal; the journal itself is fine and opens with a newer library.
        """
        for target in range(version + 1, SCHEMA_VERSION + 1):
            needed, statement = SQLITE_NEEDED.get(target, ((0, 0, 0), ""))
            if sqlite3.sqlite_version_info < needed:
                oldest = ".".join(map(str, needed))
                raise ConfigurationError(
                    f"journal {self._path}: schema {target} needs SQLite {oldest} or newer ({statement});"
                    f" this Python's sqlite3 module uses SQLite {sqlite3.sqlite_version}: run the adapter"
                    " on a Python linked to a newer SQLite (the journal is left as it was)"
                )

    def _seal_clear_rows(self) -> None:
        """Seal credentials kept in clear (a journal from before sealing, or one written without a key).

        ``meta.clear_personal_data`` is ``'0'`` once every row is sealed, so this costs one read
        on every later open; a clear write (no key, clear allowed) sets it to ``'1'``.
        """
        if self._meta(self._db, "clear_personal_data") == "0":
            return
        with self._write(durable=True) as db:
            rows = db.execute(
                "SELECT id, visit_key, batch_number, attempt, card, person FROM batches"
                " WHERE substr(card, 1, ?) != ? OR substr(person, 1, ?) != ?",
                (len(SEALED_PREFIX), SEALED_PREFIX, len(SEALED_PREFIX), SEALED_PREFIX),
            ).fetchall()
            for row in rows:
                card, person = seal_clear_columns(row, self._sealer)
                db.execute("UPDATE batches SET card = ?, person = ? WHERE id = ?", (card, person, row["id"]))
            for row in db.execute(
                "SELECT id, visit_key, batch_number, person FROM outbox WHERE person NOT IN ('{}', ?)"
                " AND substr(person, 1, ?) != ?",
                (PURGED, len(SEALED_PREFIX), SEALED_PREFIX),
            ).fetchall():
                identity = RemoteFields.model_validate_json(row["person"])
                sealed = outbox_person(row["visit_key"], row["batch_number"], identity, self._sealer)
                db.execute("UPDATE outbox SET person = ? WHERE id = ?", (sealed, row["id"]))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('clear_personal_data', '0')")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no clear page image left in the WAL

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _version(self, db: sqlite3.Connection) -> int:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0
        if "meta" not in tables or "batches" not in tables:
            raise ConfigurationError(
                f"journal {self._path} is an SQLite database but not a journal"
                f" (tables: {', '.join(sorted(tables))}): point the settings at the journal file"
            )
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise ConfigurationError(f"journal {self._path} has no valid schema_version")
        return int(row[0])

    @property
    def schema_version(self) -> int:
        with self._lock:
            return self._version(self._db)

    # -- owner ---------------------------------------------------------------------------

    def claim(self, owner: JournalOwner) -> None:
        if self.owner() == owner:
            return  # the usual case: a read, no write lock, no commit
        with self._write(durable=True) as db:
            found = self._owner(db)
            if found is None:
                db.execute("INSERT INTO meta VALUES ('platform', ?)", (owner.platform,))
                db.execute("INSERT INTO meta VALUES ('fixmedins_code', ?)", (owner.fixmedins_code,))
            elif found != owner:
                raise JournalOwnerError(self._path, found=found, wanted=owner)

    def owner(self) -> JournalOwner | None:
        with self._lock:
            return self._owner(self._db)

    @staticmethod
    def _owner(db: sqlite3.Connection) -> JournalOwner | None:
        rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('platform', 'fixmedins_code')"))
        if not rows:
            return None
        return JournalOwner(platform=rows.get("platform", ""), fixmedins_code=rows.get("fixmedins_code", ""))

    # -- msgids --------------------------------------------------------------------------

    def reserve_msgids(self, prefix: str, node: int | None, count: int, now: datetime) -> MsgIdBlock:
        key = -1 if node is None else node
        with self._write(durable=True) as db:  # the block is on disk before any id of it is used
            row = db.execute(
                "SELECT second, sequence FROM msgid_marks WHERE prefix = ? AND node = ?", (prefix, key)
            ).fetchone()
            mark = (
                (datetime.fromisoformat(row[0]), int(row[1])) if row else self._last_journaled(prefix, node)
            )
            block = next_block(mark, now=now, node=node, count=count)
            db.execute(
                "INSERT OR REPLACE INTO msgid_marks VALUES (?,?,?,?)",
                (prefix, key, block.second.isoformat(), block.last),
            )
        return block

    def _last_journaled(self, prefix: str, node: int | None) -> tuple[datetime, int] | None:
        """A journal from before msgid marks: continue after the greatest msgid it recorded."""
        query = "SELECT max(msgid) FROM calls WHERE substr(msgid, 1, ?) = ?"
        parameters: tuple[object, ...] = (len(prefix), prefix)
        if node is not None:
            query += " AND substr(msgid, -4, 1) = ?"
            parameters = (*parameters, str(node))
        row = self._db.execute(query, parameters).fetchone()
        return parse_msgid(str(row[0] or ""), prefix)

    def close(self) -> None:
        with self._lock:
            self._run_pending()
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            self._db.close()

    @contextmanager
    def group(self) -> Iterator[None]:
        """Defer the commits of writes that need not precede a call, until the next one that does.

        Only the thread that opens the group defers; a nested group, or a group opened while
        another thread's is active, changes nothing (its writes are committed at once).
        """
        me = threading.get_ident()
        with self._lock:
            owner = self._group_owner is None
            if owner:
                self._group_owner = me
        if not owner:
            yield
            return
        try:
            yield
        except Exception:
            self._end_group(commit=True)  # outcomes of a failed step are history: keep them
            raise
        except BaseException:
            self._end_group(commit=False)  # as a killed process: only the committed prefix remains
            raise
        self._end_group(commit=True)

    def flush(self) -> None:
        """Commit the group's open transaction, so no write lock is held while waiting on the network.

        Writes still waiting in memory (outcomes and states written since the last commit) stay
        there: they hold no lock, and they are committed with the next durable write, as they
        would have been after the commit this would otherwise cost (one fsync per query).
        """
        with self._lock:
            self._commit()

    def _end_group(self, *, commit: bool) -> None:
        with self._lock:
            self._group_owner = None
            if commit:
                self._run_pending()
                self._commit()
            else:
                self._forget_uncommitted()
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            self._inserted.clear()

    def _forget_uncommitted(self) -> None:
        """What a rollback loses: the writes waiting in memory, and which rows exist."""
        self._pending.clear()
        self._inserted.clear()

    def _run_pending(self) -> None:
        """Run the writes waiting in memory in the group's transaction (opened if need be), in order."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            for write in pending:
                self._db.execute(write.statement, write.parameters)
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")  # the deferred suffix is lost, as in a crash
            self._forget_uncommitted()
            raise

    def _read(self, query: str, parameters: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Rows as this thread's writes left them, its group's writes still waiting in memory included.

        Another thread reads what is committed (as PostgreSQL's sessions do): running the group's
        waiting writes for it would open a write transaction while the group waits on the network.
        """
        with self._lock:
            if self._group_owner == threading.get_ident():
                self._run_pending()
            return self._db.execute(query, parameters).fetchall()

    def _read_one(self, query: str, parameters: Sequence[object] = ()) -> sqlite3.Row | None:
        rows = self._read(query, parameters)
        return rows[0] if rows else None

    def _deferred(self, write: DeferredWrite) -> bool:
        """Keep a one-statement write in memory if it may wait: True if kept, False to run it now.

        It may wait in this thread's group while no transaction is open, if it cannot fail for a
        missing row: its ``row`` (the row an update must find) is None or one this group inserted.
        """
        if (
            self._group_owner != threading.get_ident()
            or self._db.in_transaction
            or (write.row is not None and write.row not in self._inserted)
        ):
            return False
        self._pending.append(write)
        return True

    def _update(self, update: DeferredWrite) -> None:
        """An update: kept in memory if it may wait, else run now (``missing_row`` if its row is absent)."""
        with self._lock:
            if self._deferred(update):
                return
            with self._write(one_statement=True) as db:
                found = db.execute(update.statement, update.parameters).rowcount
                if update.row is not None and found != 1:
                    raise missing_row(update.row)

    def _inserted_now(self, row: tuple[str, object]) -> None:
        if self._group_owner == threading.get_ident():
            self._inserted.add(row)

    def _commit(self, *, forget: bool = True) -> None:
        """Commit the open transaction, if any; if the commit fails, roll it back and raise.

        SQLite itself says whether a transaction is open (it ends one by itself on some
        errors, such as a full disk), so the journal never keeps its own flag for that. A failed
        commit loses the group's waiting writes too (``forget``), as a crash would, unless the
        transaction held none of the group's writes (another thread's own transaction).
        """
        if not self._db.in_transaction:
            return
        try:
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")  # the deferred suffix is lost, as in a crash
            if forget:
                self._forget_uncommitted()
            raise

    @contextmanager
    def _write(self, *, durable: bool = False, one_statement: bool = False) -> Iterator[sqlite3.Connection]:
        """One write: committed now if ``durable`` or outside this thread's group, else deferred.

        Inside a group's transaction a failed write is undone alone, the group's earlier writes
        kept. A write of ``one_statement`` needs nothing for that: SQLite undoes a failed
        statement by itself and leaves the transaction open (or rolls all of it back, which
        ``in_transaction`` shows). A write of several statements runs in a savepoint, unless the
        transaction holds nothing but the group's writes that were waiting in memory until now
        (the usual case: they open it just before this write): then a failure rolls it back and
        they wait in memory again, which is all "undo only this write" asks, without the
        SAVEPOINT and RELEASE (as ``PostgresJournal._write``).
        """
        with self._lock:
            owner = self._group_owner == threading.get_ident()
            # Another thread's write never runs the group's waiting writes (they are the group's to
            # commit, in its order) and, in a transaction of its own, never forgets them on failure.
            replayable = list(self._pending) if owner and not self._db.in_transaction else []
            if owner:
                self._run_pending()  # the group's earlier writes first, in the same transaction
            own_transaction = not self._db.in_transaction
            defer = not durable and owner
            if self._db.in_transaction and one_statement:
                try:
                    yield self._db
                except BaseException:
                    if not self._db.in_transaction:  # SQLite rolled the whole transaction back
                        self._forget_uncommitted()
                    raise
            elif self._db.in_transaction and not replayable:  # undo only this write on failure
                self._db.execute("SAVEPOINT one_write")
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:  # else SQLite has rolled it all back already
                        self._db.execute("ROLLBACK TO one_write")
                        self._db.execute("RELEASE one_write")
                    else:
                        self._forget_uncommitted()
                    raise
                self._db.execute("RELEASE one_write")
            else:
                if not self._db.in_transaction:
                    self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    if owner:
                        self._forget_uncommitted()
                        self._pending = replayable  # the earlier writes wait again, as before this one
                    raise
            if not defer:
                self._commit(forget=owner or not own_transaction)

    # -- one patient at a time ---------------------------------------------------------

    @contextmanager
    def person_lock(self, psn_no: str, *, wait: float | None = None) -> Iterator[None]:
        """This person's lock among the threads of this process.

        A SQLite journal is one desk's own file (each desk its own, told apart by
        ``msgid_node``), so there is no other desk to keep out; within the desk, two threads
        settling one person are kept apart as ``PostgresJournal`` keeps desks apart.
        """
        seconds = self.lock_wait if wait is None else wait
        with self._people_lock:
            lock, users = self._people.get(psn_no, (threading.RLock(), 0))
            self._people[psn_no] = (lock, users + 1)
        try:
            acquired = lock.acquire(timeout=seconds) if seconds > 0 else lock.acquire(blocking=False)
            if not acquired:
                raise PersonBusyError(waited=seconds)
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._people_lock:
                lock, users = self._people[psn_no]
                if users == 1:
                    del self._people[psn_no]
                else:
                    self._people[psn_no] = (lock, users - 1)

    # -- batches -----------------------------------------------------------------------

    def start_batch(self, batch: NewBatchData, *, now: datetime) -> BatchRecord:
        stamp = now.isoformat()
        card, remote = personal_columns(batch, self._sealer)
        with self._write() as db:
            if self._sealer.key is None:  # kept in clear (allowed): a later keyed open seals it
                db.execute("INSERT OR REPLACE INTO meta VALUES ('clear_personal_data', '1')")
            cursor = db.execute(
                "INSERT INTO batches (visit_key, ipt_otp_no, batch_number, attempt, state, med_type,"
                " dise_codg, psn_no, insutype, insuplc_admdvs, card, chrg_bchno, person, acct_used_flag,"
                " mdtrt_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    stamp,
                    stamp,
                ),
            )
            batch_id = cursor.lastrowid
            assert batch_id is not None
            db.execute("INSERT INTO batch_plans VALUES (?,?,?,?,?)", (batch_id, *plan_columns(batch)))
            self._inserted_now(("batches", batch_id))
        return started_batch(batch_id, batch, now)

    def batch(self, batch_id: int) -> BatchRecord:
        row = self._read_one(f"{BATCHES} WHERE id = ?", (batch_id,))
        if row is None:
            raise KeyError(f"no batch {batch_id} in the journal")
        return batch_from_row(row, self._sealer)

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
        with self._lock:
            row = ("batches", batch_id)
            assignments = merged_update(self._pending, row, assignments)
            columns = ", ".join(f"{name} = ?" for name in assignments)  # names from the fixed set above
            update = DeferredWrite(
                f"UPDATE batches SET {columns} WHERE id = ?",
                (*assignments.values(), batch_id),
                row,
                assignments,
            )
            self._update(update)

    def unfinished_batches(self) -> list[BatchRecord]:
        # The states in flight, by name: an index search on every settle (NOT IN the terminal ones
        # read every batch ever journaled, a cost that grew with the journal's history).
        unfinished = tuple(state.value for state in BatchState if not state.terminal)
        marks = ",".join("?" * len(unfinished))
        rows = self._read(f"{BATCHES} WHERE state IN ({marks}) ORDER BY id", unfinished)
        return [batch_from_row(row, self._sealer) for row in rows]

    def batches_between(self, first: date, last: date) -> list[BatchRecord]:
        """Batches started from ``first`` to ``last``, whatever their state (reconciliation's keys)."""
        low, high = first.isoformat(), (last + timedelta(days=1)).isoformat()
        rows = self._read(f"{BATCHES} WHERE created_at >= ? AND created_at < ? ORDER BY id", (low, high))
        return [batch_from_row(row, self._sealer) for row in rows]

    def batches_of_visit(self, visit_key: str) -> list[BatchRecord]:
        rows = self._read(f"{BATCHES} WHERE visit_key = ? ORDER BY id", (visit_key,))
        return [batch_from_row(row, self._sealer) for row in rows]

    # -- calls -------------------------------------------------------------------------

    def record_intent(
        self, msgid: str, *, batch_id: int | None, infno: str, keys: Mapping[str, str], now: datetime
    ) -> None:
        with self._write(durable=True, one_statement=True) as db:  # on disk before the call is sent
            db.execute(
                "INSERT INTO calls (seq, msgid, batch_id, infno, keys, status, sent_at)"
                " VALUES ((SELECT coalesce(max(rowid), 0) + 1 FROM calls), ?,?,?,?,?,?)",  # = its rowid
                (msgid, batch_id, infno, json_text(dict(keys)), CallStatus.INTENT.value, now.isoformat()),
            )
            self._inserted_now(("calls", msgid))

    def record_outcome(
        self, msgid: str, *, status: CallStatus, now: datetime, detail: CallDetail | None = None
    ) -> None:
        update = DeferredWrite(
            "UPDATE calls SET status = ?, detail = ?, finished_at = ? WHERE msgid = ?",
            (status.value, model_json(detail), now.isoformat(), msgid),
            ("calls", msgid),
        )
        self._update(update)

    def calls(self, batch_id: int) -> list[CallRecord]:
        rows = self._read("SELECT * FROM calls WHERE batch_id = ? ORDER BY seq", (batch_id,))
        return [call_from_row(row) for row in rows]

    def call(self, msgid: str) -> CallRecord | None:
        """One call by its msgid (reconciliation finds a lost 2207 by the msgid the platform reports)."""
        row = self._read_one("SELECT * FROM calls WHERE msgid = ?", (msgid,))
        return None if row is None else call_from_row(row)

    def open_calls(self) -> list[CallRecord]:
        rows = self._read(f"SELECT * FROM calls WHERE {OPEN} ORDER BY seq")  # the partial index calls_open
        return [call_from_row(row) for row in rows]

    # -- settlements -------------------------------------------------------------------

    def record_settlement(self, settlement: SettlementRecord, *, once: bool = False) -> None:
        values = _settlement_values(settlement)
        columns = ", ".join(values)
        kept = " ON CONFLICT (setl_id) DO NOTHING" if once else ""
        with self._write(durable=True, one_statement=True) as db:  # on disk before a receipt can be printed
            db.execute(
                f"INSERT INTO settlements ({columns}, seq) VALUES ({', '.join('?' * len(values))},"
                f" (SELECT coalesce(max(rowid), 0) + 1 FROM settlements)){kept}",  # = its rowid
                tuple(values.values()),
            )

    def settlement(self, setl_id: str) -> SettlementRecord | None:
        row = self._read_one("SELECT * FROM settlements WHERE setl_id = ?", (setl_id,))
        return None if row is None else settlement_from_row(row)

    def settlements_in_scope(self, psn_no: str, insutype: str, year: int) -> list[SettlementRecord]:
        """Every settlement sharing one accumulator scope, in settlement order."""
        rows = self._read(
            "SELECT * FROM settlements WHERE psn_no = ? AND insutype = ? AND year = ?"
            " ORDER BY setl_time, seq",
            (psn_no, insutype, year),
        )
        return [settlement_from_row(row) for row in rows]

    def mark_refunded(
        self, setl_id: str, *, refund_setl_id: str, refund_time: datetime | None = None
    ) -> None:
        update = DeferredWrite(
            "UPDATE settlements SET active = 0, refund_setl_id = ?, refund_time = ? WHERE setl_id = ?",
            (refund_setl_id, refund_time.isoformat() if refund_time else None, setl_id),
            None,  # no row found is no error
        )
        self._update(update)

    def settlements_between(self, first: date, last: date) -> list[SettlementRecord]:
        """Settlements made, or refunded, from ``first`` to ``last`` (the platform's setl_time), in order."""
        low, high = first.isoformat(), (last + timedelta(days=1)).isoformat()
        rows = self._read(
            "SELECT * FROM settlements WHERE (setl_time >= ? AND setl_time < ?)"
            " OR (refund_time >= ? AND refund_time < ?) ORDER BY setl_time, seq",
            (low, high, low, high),
        )
        return [settlement_from_row(row) for row in rows]

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
        before, after = amended_values(current, changes, _settlement_values)
        with self._write(durable=True) as db:
            if after:
                assignments = ", ".join(f"{name} = ?" for name in after)
                db.execute(
                    f"UPDATE settlements SET {assignments} WHERE setl_id = ?", (*after.values(), setl_id)
                )
            db.execute(
                "INSERT INTO amendments (setl_id, reason, before, after, evidence, at) VALUES (?,?,?,?,?,?)",
                (setl_id, reason, json_text(before), json_text(after), json_text(evidence), now.isoformat()),
            )

    def amendments(self, setl_id: str | None = None) -> list[Amendment]:
        query, parameters = "SELECT * FROM amendments", [] if setl_id is None else [setl_id]
        if setl_id is not None:
            query += " WHERE setl_id = ?"
        rows = self._read(query + " ORDER BY id", parameters)
        return [amendment_from_row(row) for row in rows]

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
        clear = identity is not None and self._sealer.key is None  # kept in clear (allowed): sealed later
        with self._write(one_statement=not clear) as db:
            if clear:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('clear_personal_data', '1')")
            cursor = db.execute(
                "INSERT INTO outbox (visit_key, batch_number, reason, payload, created_at, due, person)"
                " VALUES (?,?,?,?,?,?,?)",
                outbox_values(visit_key, batch_number, reason, payload, now, due, identity, self._sealer),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def outbox(
        self, *, due_by: date | None = None, include_sent: bool = False, visit_key: str | None = None
    ) -> list[OutboxEntry]:
        query = "SELECT * FROM outbox WHERE 1=1"
        parameters: list[str] = []
        if not include_sent:
            query += " AND sent_at IS NULL"
        if due_by is not None:
            query += " AND due <= ?"
            parameters.append(due_by.isoformat())
        if visit_key is not None:  # only this visit's rows, by the outbox_visit index, are opened and decoded
            query += " AND visit_key = ?"
            parameters.append(visit_key)
        rows = self._read(query + " ORDER BY due, id", parameters)
        return [outbox_from_row(row, self._sealer) for row in rows]

    def mark_sent(self, outbox_id: int, *, now: datetime, ack: Mapping[str, Any] | None = None) -> None:
        """Mark an entry sent, keeping the platform's acknowledgement (msgids, inf_refmsgid)."""
        update = DeferredWrite(
            "UPDATE outbox SET sent_at = ?, ack = ? WHERE id = ?",
            (now.isoformat(), json_text(ack or {}), outbox_id),
            None,  # no row found is no error
        )
        self._update(update)

    # -- refund chains -----------------------------------------------------------------

    def start_chain(self, plan: RefundPlan, *, now: datetime) -> int:
        progress = [StepProgress() for _ in plan.steps]
        with self._write(one_statement=True) as db:
            cursor = db.execute(
                "INSERT INTO refund_chains (target_setl_id, plan, progress, next_step, status, created_at,"
                " updated_at) VALUES (?,?,?,?,?,?,?)",
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
            assert cursor.lastrowid is not None
            self._inserted_now(("refund_chains", cursor.lastrowid))
        return cursor.lastrowid

    def chain(self, chain_id: int) -> ChainRecord:
        row = self._read_one("SELECT * FROM refund_chains WHERE id = ?", (chain_id,))
        if row is None:
            raise KeyError(f"no refund chain {chain_id} in the journal")
        return chain_from_row(row)

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
        columns = ", ".join(f"{name} = ?" for name in assignments)
        update = DeferredWrite(
            f"UPDATE refund_chains SET {columns} WHERE id = ?",
            (*assignments.values(), chain_id),
            ("refund_chains", chain_id),
        )
        self._update(update)

    def unfinished_chains(self) -> list[ChainRecord]:
        # The status in flight, by name, so the refund_chains_status index (schema 8) finds them on
        # every settle (without it, every refund chain ever journaled was read).
        rows = self._read(
            "SELECT * FROM refund_chains WHERE status = ? ORDER BY id", (ChainStatus.IN_PROGRESS.value,)
        )
        return [chain_from_row(row) for row in rows]

    # -- retention ---------------------------------------------------------------------

    def purge(self, before: datetime) -> PurgeReport:
        terminal = tuple(state.value for state in BatchState if state.terminal)
        chained: set[int] = set()
        for chain in self.unfinished_chains():
            chained.update(step.batch_id for step in chain.plan.steps)
            chained.update(batch_id for step in chain.progress for batch_id in step.attempts)
        with self._write(durable=True) as db:
            rows = db.execute(
                f"SELECT id FROM batches WHERE state IN ({','.join('?' * len(terminal))})"
                " AND updated_at < ? AND card != ?",
                (*terminal, before.isoformat(), PURGED),
            ).fetchall()
            ids = [row[0] for row in rows if row[0] not in chained]
            erased = [(PURGED, PURGED, batch_id) for batch_id in ids]
            db.executemany("UPDATE batches SET card = ?, person = ? WHERE id = ?", erased)
            # An uploaded bill's identity is not needed again: erased with the batches of the same window.
            db.execute(
                "UPDATE outbox SET person = ? WHERE sent_at IS NOT NULL AND sent_at < ? AND person != '{}'",
                (PURGED, before.isoformat()),
            )
        with self._lock:
            # secure_delete zeroes what was overwritten; the WAL still holds older page images
            # until a checkpoint copies them back and truncates it.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return PurgeReport(batches=len(ids), before=before)


def _owner_only(path: str) -> None:
    """Create the journal file readable and writable by its owner only, or tighten an existing one."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def _settlement_values(s: SettlementRecord) -> dict[str, Any]:
    """A ledger row's columns: money as exact decimal text, times in ISO form (every field, generically,
    so a field added to ``SettlementRecord`` needs only its column)."""
    values: dict[str, Any] = {}
    for item in fields(s):
        value = getattr(s, item.name)
        if isinstance(value, bool):
            value = 1 if value else 0
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, FundAmounts):
            value = value.model_dump_json()
        values[item.name] = value
    return values
