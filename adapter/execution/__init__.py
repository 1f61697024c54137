"""Execution: a VisitPlan becomes journaled platform calls; crashes and unknown outcomes are resolved.

The journal is written before every state-changing call (STYLE.md §1, §4); ``recover``
finishes or unwinds anything left in flight.
"""

from __future__ import annotations

from ._calls import Checkpoint, JournaledCalls, no_checkpoint
from ._checks import Drift
from ._context import ExecutionPolicy, VisitContext
from ._execute import settle_visit
from ._journal import Journal, SqliteJournal
from ._journal_open import is_postgres_url, open_journal
from ._outbox import OutboxUpload, add_working_days, upload_outbox
from ._records import (
    Amendment,
    BatchRecord,
    BatchState,
    CallRecord,
    CallStatus,
    ChainRecord,
    ChainStatus,
    JournalOwner,
    OutboxEntry,
    SettlementRecord,
)
from ._recover import RecoveryAction, recover, require_nothing_in_flight
from ._refund import resume_refund, run_refund
from ._refund_models import RefundPlan, RefundStep
from ._refund_plan import plan_refund
from ._refund_result import RefundResult, SettlementChange
from ._results import BatchResult, Prediction, Receipt, ReceiptLine, VisitResult

__all__ = [
    "Amendment",
    "BatchRecord",
    "BatchResult",
    "BatchState",
    "CallRecord",
    "CallStatus",
    "ChainRecord",
    "ChainStatus",
    "Checkpoint",
    "Drift",
    "ExecutionPolicy",
    "Journal",
    "JournalOwner",
    "JournaledCalls",
    "OutboxEntry",
    "OutboxUpload",
    "Prediction",
    "Receipt",
    "ReceiptLine",
    "RecoveryAction",
    "RefundPlan",
    "RefundResult",
    "RefundStep",
    "SettlementChange",
    "SettlementRecord",
    "SqliteJournal",
    "VisitContext",
    "VisitResult",
    "add_working_days",
    "is_postgres_url",
    "no_checkpoint",
    "open_journal",
    "plan_refund",
    "recover",
    "require_nothing_in_flight",
    "resume_refund",
    "run_refund",
    "settle_visit",
    "upload_outbox",
]
