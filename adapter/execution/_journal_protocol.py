"""The journal's interface: what execution, recovery and refunds need from it.

``SqliteJournal`` implements it with the standard library; a server database can take
its place when several billing nodes share one journal (STYLE.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from ._records import (
    BatchRecord,
    BatchState,
    CallRecord,
    CallStatus,
    ChainRecord,
    ChainStatus,
    NewBatchData,
    OutboxEntry,
    SettlementRecord,
)

__all__ = ["Journal"]


class Journal(Protocol):
    """The journal's interface; ``SqliteJournal`` is the default implementation."""

    def group(self) -> AbstractContextManager[None]:
        """A unit of work whose writes other than intents and settlements may commit together.

        An implementation may commit every write at once (a no-op group); ``SqliteJournal``
        defers them to the next intent, settlement or the end of the group.
        """
        ...

    def flush(self) -> None:
        """Commit whatever the current group deferred (a no-op when nothing waits)."""
        ...

    def start_batch(self, batch: NewBatchData, *, now: datetime) -> BatchRecord: ...
    def batch(self, batch_id: int) -> BatchRecord: ...
    def update_batch(
        self, batch_id: int, *, now: datetime, state: BatchState | None = None, **fields: str
    ) -> None: ...
    def unfinished_batches(self) -> list[BatchRecord]: ...
    def batches_of_visit(self, visit_key: str) -> list[BatchRecord]: ...
    def record_intent(
        self, msgid: str, *, batch_id: int | None, infno: str, keys: Mapping[str, str], now: datetime
    ) -> None: ...
    def record_outcome(
        self, msgid: str, *, status: CallStatus, now: datetime, detail: Mapping[str, Any] | None = None
    ) -> None: ...
    def calls(self, batch_id: int) -> list[CallRecord]: ...
    def open_calls(self) -> list[CallRecord]: ...
    def last_msgid(self, prefix: str, node: int | None = None) -> str: ...
    def record_settlement(self, settlement: SettlementRecord) -> None: ...
    def settlement(self, setl_id: str) -> SettlementRecord | None: ...
    def settlements_in_scope(self, psn_no: str, insutype: str, year: int) -> list[SettlementRecord]: ...
    def mark_refunded(self, setl_id: str, *, refund_setl_id: str) -> None: ...
    def add_outbox(
        self,
        *,
        visit_key: str,
        batch_number: int,
        reason: str,
        payload: Mapping[str, Any],
        now: datetime,
        due: date,
    ) -> int: ...
    def outbox(self, *, due_by: date | None = None, include_sent: bool = False) -> list[OutboxEntry]: ...
    def mark_sent(self, outbox_id: int, *, now: datetime) -> None: ...
    def start_chain(
        self, *, target_setl_id: str, plan: Mapping[str, Any], steps: int, now: datetime
    ) -> int: ...
    def chain(self, chain_id: int) -> ChainRecord: ...
    def update_chain(
        self,
        chain_id: int,
        *,
        now: datetime,
        next_step: int | None = None,
        status: ChainStatus | None = None,
        progress: list[Any] | None = None,
        note: str | None = None,
    ) -> None: ...
    def unfinished_chains(self) -> list[ChainRecord]: ...
    def close(self) -> None: ...
