"""What the journal keeps: batches (state machines), calls (intent → outcome), settlements, outbox.

Batch states::

    new ─2201→ registered ─2203→ visit_uploaded ─2204→ details_uploaded ─2206→ presettled ─2207→ settled
     │            │                  │                     │                      │              │
     └────────────┴──────────────────┴── failure ──────────┴──────────────────────┘          2208 (refund)
                               unwinding (2601 / 2205 / 2202) → unsettled                         ↓
                                                                                               refunded
    any pre-settlement state ── platform unreachable / not eligible ──→ self_pay (+ outbox)
    settled, but an answer broke a money identity ──→ flagged (a person must look)

``unsettled`` means: nothing of this attempt remains on the platform; the bill may be
settled again (with new msgids). Terminal states: settled, unsettled, self_pay,
refunded, flagged. Anything else is *in flight* and ``recover`` finishes or unwinds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "BatchRecord",
    "BatchState",
    "CallRecord",
    "CallStatus",
    "ChainRecord",
    "ChainStatus",
    "NewBatchData",
    "OutboxEntry",
    "SettlementRecord",
]


class BatchState(StrEnum):
    NEW = "new"
    REGISTERED = "registered"
    VISIT_UPLOADED = "visit_uploaded"
    DETAILS_UPLOADED = "details_uploaded"
    PRESETTLED = "presettled"
    SETTLING = "settling"
    SETTLED = "settled"
    UNWINDING = "unwinding"
    UNSETTLED = "unsettled"
    SELF_PAY = "self_pay"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    FLAGGED = "flagged"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset(
    {BatchState.SETTLED, BatchState.UNSETTLED, BatchState.SELF_PAY, BatchState.REFUNDED, BatchState.FLAGGED}
)


class CallStatus(StrEnum):
    INTENT = "intent"
    """Committed before sending; if it is still ``intent`` after a crash, the outcome is unknown."""
    OK = "ok"
    FAILED = "failed"
    """The platform refused: nothing was done."""
    UNKNOWN = "unknown"
    """Sent, no definite answer: must be resolved (冲正 or a query)."""
    RESOLVED = "resolved"
    """Was unknown; now known not to be in effect (reversed by 2601, or found absent)."""


@dataclass(frozen=True)
class BatchRecord:
    """One attempt at settling one batch of one visit."""

    id: int
    visit_key: str
    ipt_otp_no: str
    batch_number: int
    attempt: int
    state: BatchState
    med_type: str
    dise_codg: str
    psn_no: str
    insutype: str
    insuplc_admdvs: str
    card: dict[str, str]
    """The credential used (mdtrt_cert_type/no, card_sn): needed again to re-settle."""
    chrg_bchno: str
    mdtrt_id: str
    setl_id: str
    plan_batch: dict[str, Any]
    visit: dict[str, Any]
    person: dict[str, str]
    """异地 fields sent on 2201/2206/2207 (psn_cert_type, certno, psn_name, psn_type); empty when local."""
    header: dict[str, str]
    """What every receipt of this visit prints (hospital, visit number, masked patient, insurance)."""
    acct_used_flag: str
    note: str
    unwind_to: BatchState
    """Where unwinding ends: ``unsettled``, or ``self_pay`` when the bill fell back to self-pay."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CallRecord:
    msgid: str
    batch_id: int | None
    infno: str
    keys: dict[str, str]
    status: CallStatus
    detail: dict[str, Any]
    sent_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class SettlementRecord:
    """A settlement as the platform returned it (2207), for receipts, refunds and reconciliation."""

    setl_id: str
    batch_id: int
    psn_no: str
    insutype: str
    year: int
    mdtrt_id: str
    chrg_bchno: str
    msgid: str
    setl_time: datetime
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    active: bool
    refund_setl_id: str


@dataclass(frozen=True)
class OutboxEntry:
    """Fee details of a bill not settled directly, due for upload (seed 002 三(四): 3 working days)."""

    id: int
    visit_key: str
    batch_number: int
    reason: str
    payload: dict[str, Any]
    """``feedetail`` (2204-shaped lines with national codes) and ``diseinfo`` (diagnoses)."""
    created_at: datetime
    due: date
    sent_at: datetime | None


@dataclass(frozen=True)
class NewBatchData:
    """What starting a batch attempt records (built from the plan by the execution context)."""

    visit_key: str
    ipt_otp_no: str
    batch_number: int
    attempt: int
    med_type: str
    dise_codg: str
    psn_no: str
    insutype: str
    insuplc_admdvs: str
    card: dict[str, str]
    chrg_bchno: str
    plan_batch: dict[str, Any]
    visit: dict[str, Any]
    person: dict[str, str]
    header: dict[str, str]
    acct_used_flag: str
    mdtrt_id: str = ""
    """Set when the attempt reuses an existing platform visit (a re-settlement after a refund)."""


class ChainStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    """Steps remain; ``recover`` resumes at ``next_step``."""
    DONE = "done"
    STOPPED = "stopped"
    """The platform refused a step: a person must decide (nothing is retried blindly)."""


@dataclass(frozen=True)
class ChainRecord:
    """A refund chain (退费重结): its plan, the cursor, and each step's progress and result."""

    id: int
    target_setl_id: str
    plan: dict[str, Any]
    progress: list[dict[str, Any]]
    next_step: int
    status: ChainStatus
    note: str
