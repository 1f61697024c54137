"""The journal's interface: what execution, recovery and refunds need from it, and nothing more.

``SqliteJournal`` implements it with the standard library; a server database can take
its place when several billing nodes share one journal (STYLE.md §4). Every
implementation passes the contract suite in ``tests/journal_contract/``.

Rules every implementation keeps:

* ``record_intent``, ``record_settlement``, ``reserve_msgids`` and ``claim`` are durable
  when they return; other writes may wait for the end of a ``group()`` or the next
  durable write, but are never reordered before an earlier write.
* Calls and settlements have an explicit order (``CallRecord.seq``, settlement order
  ``setl_time`` then journal order), never a storage detail such as a row id.
* Records come back typed (``_records``); a row that cannot be decoded is an error, not a dict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from .._msgid import MsgIdBlock
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

__all__ = ["Journal"]


class Journal(Protocol):
    """The journal's interface; ``SqliteJournal`` is the default implementation."""

    def group(self) -> AbstractContextManager[None]:
        """A unit of work whose writes other than the durable ones may commit together.

        An implementation may commit every write at once (a no-op group); ``SqliteJournal``
        defers them to the next durable write or the end of the group.
        """
        ...

    def flush(self) -> None:
        """Before a network wait: leave no transaction (no lock) open for what the group deferred.

        Commits the group's open transaction, if any; writes an implementation keeps in memory
        (no transaction open for them) may keep waiting for the next durable write.
        """
        ...

    def claim(self, owner: JournalOwner) -> None:
        """Bind the journal to one platform and hospital, or refuse another (``JournalOwnerError``).

        The first claim is recorded (durable); every later one must name the same owner.
        """
        ...

    def owner(self) -> JournalOwner | None: ...

    # -- msgids ------------------------------------------------------------------------

    def reserve_msgids(self, prefix: str, node: int | None, count: int, now: datetime) -> MsgIdBlock:
        """A block of msgids after every one reserved before (``_msgid.next_block``), durable first."""
        ...

    # -- one patient at a time -----------------------------------------------------------

    def person_lock(self, psn_no: str, *, wait: float | None = None) -> AbstractContextManager[None]:
        """Hold this person's lock for a settlement, refund chain or recovery: one at a time.

        Waits up to ``wait`` seconds (the journal's default when None; 0: do not wait), then
        raises ``PersonBusyError``. ``PostgresJournal``: hospital-wide; ``SqliteJournal``:
        within this process (a SQLite journal is one desk's own file).
        """
        ...

    # -- batches -----------------------------------------------------------------------

    def start_batch(self, batch: NewBatchData, *, now: datetime) -> BatchRecord: ...
    def batch(self, batch_id: int) -> BatchRecord: ...
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
        """Change what is given; ``None`` leaves a field as it is. An unknown batch is a ``KeyError``.

        ``fee_split`` is the platform's 2204 split of the attempt's lines (receipts print it).
        """
        ...

    def unfinished_batches(self) -> list[BatchRecord]:
        """Batches not in a terminal state, oldest first."""
        ...

    def batches_of_visit(self, visit_key: str) -> list[BatchRecord]:
        """Every attempt of every batch of one visit, oldest first."""
        ...

    def batches_between(self, first: date, last: date) -> list[BatchRecord]:
        """Batches started from ``first`` to ``last`` (created_at), whatever their state, oldest first."""
        ...

    # -- calls -------------------------------------------------------------------------

    def record_intent(
        self, msgid: str, *, batch_id: int | None, infno: str, keys: Mapping[str, str], now: datetime
    ) -> None:
        """Durable before the call is sent; a msgid recorded twice is an error."""
        ...

    def record_outcome(
        self, msgid: str, *, status: CallStatus, now: datetime, detail: CallDetail | None = None
    ) -> None: ...
    def calls(self, batch_id: int) -> list[CallRecord]:
        """A batch's calls in the order they were journaled."""
        ...

    def open_calls(self) -> list[CallRecord]: ...
    def call(self, msgid: str) -> CallRecord | None:
        """One call by its msgid; None if the journal never made it."""
        ...

    # -- settlements -------------------------------------------------------------------

    def record_settlement(self, settlement: SettlementRecord, *, once: bool = False) -> None:
        """Add a settlement to the ledger; with ``once``, one already there (same setl_id) is kept as it is
        (a recovery replaying a 2207 answer) in the same statement, instead of a duplicate-key error."""
        ...

    def settlement(self, setl_id: str) -> SettlementRecord | None: ...
    def settlements_in_scope(self, psn_no: str, insutype: str, year: int) -> list[SettlementRecord]:
        """Every settlement of one accumulator scope, in settlement order."""
        ...

    def mark_refunded(
        self, setl_id: str, *, refund_setl_id: str, refund_time: datetime | None = None
    ) -> None: ...
    def settlements_between(self, first: date, last: date) -> list[SettlementRecord]:
        """Settlements made, or refunded, from ``first`` to ``last`` (setl_time / refund_time), in order."""
        ...

    def amend_settlement(
        self,
        setl_id: str,
        *,
        reason: str,
        evidence: Mapping[str, Any],
        now: datetime,
        changes: Mapping[str, Any],
    ) -> None:
        """Change a ledger row to what the platform holds; keep the before, the after and the evidence.

        ``changes`` may be empty (an import records only its evidence). An unknown field is a ``ValueError``.
        """
        ...

    def amendments(self, setl_id: str | None = None) -> list[Amendment]:
        """Reconciliation's changes to the ledger (of one settlement), oldest first."""
        ...

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
        """Queue a bill's upload; ``identity`` (whom 4205 names) is sealed like a batch's personal fields."""

    def outbox(
        self, *, due_by: date | None = None, include_sent: bool = False, visit_key: str | None = None
    ) -> list[OutboxEntry]:
        """Entries not sent yet (or all), due by a day, of one visit; each opened and decoded."""
        ...

    def mark_sent(self, outbox_id: int, *, now: datetime, ack: Mapping[str, Any] | None = None) -> None:
        """Mark an entry sent, with the platform's acknowledgement of the upload."""
        ...

    # -- refund chains -----------------------------------------------------------------

    def start_chain(self, plan: RefundPlan, *, now: datetime) -> int:
        """A chain in progress at step 0, with empty progress for every step of ``plan``."""
        ...

    def chain(self, chain_id: int) -> ChainRecord: ...
    def update_chain(
        self,
        chain_id: int,
        *,
        now: datetime,
        next_step: int | None = None,
        status: ChainStatus | None = None,
        progress: Sequence[StepProgress] | None = None,
        note: str | None = None,
    ) -> None: ...
    def unfinished_chains(self) -> list[ChainRecord]: ...

    # -- retention ---------------------------------------------------------------------

    def purge(self, before: datetime) -> PurgeReport:
        """Erase the credential and 异地 fields of every finished batch last changed before ``before``.

        Only terminal batches, and none a refund chain in progress names; the ledger, the calls
        and the receipts' masked data stay (reconciliation and accounting need them).
        """
        ...

    def close(self) -> None: ...
