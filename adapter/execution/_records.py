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

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from .._lookup import Card
from ..planning import PlanBatch, PlanDiagnosis, PlanLine, PlanVisit, SelfPayBucket
from ..transactions import t2204
from ..transactions._settlement import FundAmounts, FundPayment, SettlementInfo
from ._refund_models import RefundPlan

__all__ = [
    "Amendment",
    "BatchRecord",
    "BatchState",
    "CallDetail",
    "CallRecord",
    "CallStatus",
    "ChainRecord",
    "ChainStatus",
    "JournalOwner",
    "LineSplit",
    "NewBatchData",
    "OutboxEntry",
    "OutboxPayload",
    "PurgeReport",
    "ReceiptHeader",
    "RemoteFields",
    "Resettled",
    "SettlementRecord",
    "StepProgress",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class PurgeReport:
    """What ``purge`` erased: the credential and 异地 fields of finished batches past the window."""

    batches: int
    before: datetime


@dataclass(frozen=True)
class JournalOwner:
    """The one platform and hospital a journal's settlements were made with (issue #15 item 3)."""

    platform: str
    """Where the calls go: the platform's URL, or ``embedded-demo`` for the built-in platform."""
    fixmedins_code: str


class RemoteFields(_Frozen):
    """The 异地 fields sent on 2201/2206/2207 when the patient is insured elsewhere (PROTOCOL.md §3.5)."""

    psn_cert_type: str
    certno: str
    psn_name: str
    psn_type: str

    def wire(self) -> dict[str, str]:
        return self.model_dump()


class ReceiptHeader(_Frozen):
    """What every receipt of a visit prints besides the batch (the patient's name masked)."""

    fixmedins_code: str
    fixmedins_name: str
    ipt_otp_no: str
    psn_name_masked: str
    insured_place: str
    insutype: str


class CallDetail(_Frozen):
    """What the journal keeps of a call's outcome: only what recovery and refunds read again."""

    error: str = ""
    """Why it failed or is unknown (short, no personal data: STYLE.md §3)."""
    mdtrt_id: str = ""
    """2201: the registration made (``recover`` cancels it)."""
    setlinfo: SettlementInfo | None = None
    """2207/2208: the settlement or reversal, without the person's name, certno or birthday."""
    setldetail: tuple[FundPayment, ...] = ()
    """2207/2208: what each fund paid (no personal data), so a receipt reprinted later is the same."""
    replayed: bool = False
    """2201, 2503, 2504: the answer came from sending the lost call again with its own msgid."""
    trt_dcla_detl_sn: str = ""
    """2503: the filing the platform made (2504 revokes it by this number)."""
    reversed_by: str = ""
    """2207/2208: ``"2601"`` once 冲正 undid it."""
    warn_msg: str = ""
    resolved_by: str = ""


class LineSplit(_Frozen):
    """The platform's split of one line (a 2204 ``result`` row), kept so a receipt prints it later.

    Only the split: no ``memo`` or ``exp_content`` (free text), and a 2204 result names no
    person. An amount the platform left out stays ``None``; the receipt then prints the plan's.
    """

    feedetl_sn: str
    chrgitm_lv: str
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal | None = None
    overlmt_amt: Decimal | None = None
    preselfpay_amt: Decimal | None = None
    inscp_scp_amt: Decimal | None = None
    pric_uplmt_amt: Decimal | None = None
    selfpay_prop: Decimal | None = None

    @classmethod
    def of(cls, result: t2204.FeeResult) -> LineSplit:
        return cls.model_validate({name: getattr(result, name) for name in cls.model_fields})


class Resettled(_Frozen):
    new_setl_id: str
    batch_id: int


class StepProgress(_Frozen):
    """A refund chain step's progress: the attempts a resettle started, and its result."""

    attempts: tuple[int, ...] = ()
    result: Resettled | None = None

    @field_validator("result", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None  # schema 1 kept "no result yet" as {}


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
    card: Card | None
    """The credential used: needed again to re-settle (2206/2207) and to replay a lost 2201.

    ``None`` once ``purge`` erased it (a finished batch past the refund window)."""
    chrg_bchno: str
    mdtrt_id: str
    setl_id: str
    plan_batch: PlanBatch
    visit: PlanVisit
    remote: RemoteFields | None
    """异地 fields sent on 2201/2206/2207; ``None`` for a local patient (or once purged)."""
    header: ReceiptHeader
    acct_used_flag: str
    note: str
    unwind_to: BatchState
    """Where unwinding ends: ``unsettled``, or ``self_pay`` when the bill fell back to self-pay."""
    created_at: datetime
    updated_at: datetime
    fee_split: tuple[LineSplit, ...] = ()
    """The platform's 2204 split of each line (empty before 2204 answered, or in a journal older than 6)."""
    self_pay: SelfPayBucket | None = None
    """The visit's lines collected in full outside insurance (未贯标 …); ``None`` in journals before 6."""


@dataclass(frozen=True)
class CallRecord:
    seq: int
    """The order calls were journaled in (an explicit sequence, not a storage row order)."""
    msgid: str
    batch_id: int | None
    infno: str
    keys: dict[str, str]
    status: CallStatus
    detail: CallDetail
    sent_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class SettlementRecord:
    """A settlement as the platform returned it (2207), for receipts, refunds and reconciliation.

    Settlements of one scope are ordered by ``setl_time``, then by the order they were journaled.
    """

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
    funds: FundAmounts = field(default_factory=FundAmounts)
    """Every fund of the settlement (大病, 大额, 公务员, 救助, …), 门诊共济 and 医院负担 (issue #14)."""
    clr_type: str = ""
    """清算类别 from setlinfo: with ``clr_optins`` and ``insutype``, the 3201 key (PROTOCOL.md §6.7)."""
    clr_optins: str = ""
    """清算经办机构 from setlinfo: 3201/3202's ``setl_optins``."""
    refund_time: datetime | None = None
    """The platform's ``setl_time`` of the refund (2208) row: a refund is reconciled on its own day."""
    voided: bool = False
    """Reconciliation found that the platform holds no such settlement (rolled back after its answer) and
    nothing was taken from the patient: the row stays, with its evidence in the amendments, but counts
    nowhere."""


@dataclass(frozen=True)
class Amendment:
    """A change reconciliation made to the ledger, with what it was before and the platform's evidence."""

    id: int
    setl_id: str
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    evidence: dict[str, Any]
    at: datetime


class OutboxPayload(_Frozen):
    """What the 3-working-day upload needs: the 已贯标 lines (2204-shaped) and the diagnoses."""

    psn_no: str
    insuplc_admdvs: str
    feedetail: tuple[PlanLine, ...]
    diseinfo: tuple[PlanDiagnosis, ...]


@dataclass(frozen=True)
class OutboxEntry:
    """Fee details of a bill not settled directly, due for upload (seed 002 三(四): 3 working days)."""

    id: int
    visit_key: str
    batch_number: int
    reason: str
    payload: OutboxPayload
    created_at: datetime
    due: date
    sent_at: datetime | None
    ack: dict[str, Any] = field(default_factory=dict)
    """The platform's acknowledgement of the upload (4205/4203 msgid and inf_refmsgid), once sent."""
    identity: RemoteFields | None = None
    """Whom 4205 names (psn_cert_type, certno, psn_name from 1101): sealed at rest like a batch's 异地 fields;
    ``None`` once purged, or for an entry journaled before the journal kept it."""


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
    card: Card
    chrg_bchno: str
    plan_batch: PlanBatch
    visit: PlanVisit
    remote: RemoteFields | None
    header: ReceiptHeader
    acct_used_flag: str
    mdtrt_id: str = ""
    """Set when the attempt reuses an existing platform visit (a re-settlement after a refund)."""
    self_pay: SelfPayBucket | None = None
    """The visit's self-pay lines, for its bill summary (every attempt carries its visit's)."""


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
    plan: RefundPlan
    progress: tuple[StepProgress, ...]
    """One entry per step of the plan."""
    next_step: int
    status: ChainStatus
    note: str
