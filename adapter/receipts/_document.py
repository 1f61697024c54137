"""What a printed receipt shows, gathered from the journal: the settlement, its visit, its refund chain.

A receipt is printed from what the platform answered (the 2207 answer the journal recorded),
never from the plan's estimate. The category is the one seed 002 附件2 prescribes
(门诊慢特病 with the disease, or 普通门诊); names and ID numbers are masked as on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Literal

from ..execution import Journal, RefundResult
from ..execution._receipts import receipt_from_journal
from ..execution._records import BatchRecord, BatchState
from ..execution._refund_result import SettlementChange, refund_result
from ..execution._results import Receipt
from ..planning import PlanLine

__all__ = ["BillSummary", "SelfPayPart", "SettlementReceipt", "bill_summary", "settlement_receipt"]

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SettlementReceipt:
    """One settlement's receipt, with the refund chain that touched it (if any)."""

    receipt: Receipt
    active: bool
    """False once refunded: the receipt is then printed marked 已退费."""
    change: SettlementChange | None
    """The chain's change for this settlement: it re-settled (补收/补退) or refunded it."""
    chain: RefundResult | None
    voided: bool = False
    """Reconciliation found the platform holds no such settlement: printed marked 已作废, not 已退费."""


SelfPayReason = Literal["unmapped", "platform_down"]
"""Why a part of the bill was paid in full: planned outside insurance (未贯标, no usable insurance …),
or a batch the platform could not settle (collected in full, its details queued for upload)."""


@dataclass(frozen=True)
class SelfPayPart:
    """Lines of a visit the patient paid in full, outside the insurance settlements."""

    reason: SelfPayReason
    chrg_bchno: str
    """The batch collected in full (``platform_down``); empty for the planned self-pay lines."""
    lines: tuple[PlanLine, ...]
    total: Decimal


@dataclass(frozen=True)
class BillSummary:
    """Every live settlement of one visit, the lines paid in full beside them, and the visit's totals.

    The totals are what the patient paid in all: a settlement's account and cash shares, and every
    self-pay line in cash (nothing of it from a fund or the account).
    """

    ipt_otp_no: str
    receipts: tuple[SettlementReceipt, ...]
    self_pay: tuple[SelfPayPart, ...] = ()
    self_pay_recorded: bool = True
    """False for a visit journaled before schema 6, which did not keep its self-pay lines."""

    @property
    def self_pay_total(self) -> Decimal:
        return sum((part.total for part in self.self_pay), ZERO)

    @property
    def medfee_sumamt(self) -> Decimal:
        return sum((r.receipt.amounts.medfee_sumamt for r in self.receipts), self.self_pay_total)

    @property
    def fund_pay_sumamt(self) -> Decimal:
        return sum((r.receipt.amounts.fund_pay_sumamt for r in self.receipts), ZERO)

    @property
    def acct_pay(self) -> Decimal:
        return sum((r.receipt.amounts.acct_pay for r in self.receipts), ZERO)

    @property
    def acct_mulaid_pay(self) -> Decimal:
        """门诊共济: a family member's account paid (printed as a column only when it did)."""
        return sum((r.receipt.amounts.acct_mulaid_pay for r in self.receipts), ZERO)

    @property
    def hosp_part_amt(self) -> Decimal:
        """医院负担: the hospital bore it, the patient did not (a column only when non-zero)."""
        return sum((r.receipt.amounts.hosp_part_amt for r in self.receipts), ZERO)

    @property
    def psn_cash_pay(self) -> Decimal:
        return sum((r.receipt.amounts.psn_cash_pay for r in self.receipts), self.self_pay_total)

    @property
    def patient_paid(self) -> Decimal:
        """All the patient paid: each settlement's personal share (account, 共济, cash), and self-pay."""
        return sum((r.receipt.amounts.psn_part_amt for r in self.receipts), self.self_pay_total)


def settlement_receipt(journal: Journal, setl_id: str) -> SettlementReceipt:
    """The receipt of ``setl_id`` as the journal knows it (raises ``InputError`` if unknown)."""
    receipt = receipt_from_journal(journal, setl_id)
    record = journal.settlement(setl_id)
    change, chain = _chain_change(journal, setl_id)
    return SettlementReceipt(
        receipt,
        active=bool(record and record.active),
        change=change,
        chain=chain,
        voided=bool(record and record.voided),
    )


def bill_summary(journal: Journal, setl_id: str) -> BillSummary:
    """The bill summary of the visit ``setl_id`` belongs to, in batch order.

    Its live settlements; each batch the platform could not settle and the cashier collected in
    full; and the visit's planned self-pay lines (未贯标 …), so the totals are the whole bill.
    """
    first = journal.settlement(setl_id)
    receipt = receipt_from_journal(journal, setl_id)  # raises InputError for an unknown id
    assert first is not None
    attempts = sorted(journal.batches_of_visit(journal.batch(first.batch_id).visit_key), key=lambda r: r.id)
    live: dict[int, str] = {}
    collected: dict[int, BatchRecord] = {}
    for record in attempts:
        settlement = journal.settlement(record.setl_id) if record.setl_id else None
        if settlement is not None and settlement.active:
            live[record.batch_number] = record.setl_id
        elif record.state == BatchState.SELF_PAY:
            collected[record.batch_number] = record
    receipts = tuple(settlement_receipt(journal, live[number]) for number in sorted(live))
    parts = [
        SelfPayPart("platform_down", r.chrg_bchno, r.plan_batch.lines, r.plan_batch.totals.medfee_sumamt)
        for number, r in sorted(collected.items())
        if number not in live
    ]
    planned = attempts[-1].self_pay  # every attempt carries its visit's self-pay lines
    if planned is not None and planned.lines:
        parts.append(SelfPayPart("unmapped", "", planned.lines, planned.total))
    return BillSummary(
        ipt_otp_no=receipt.ipt_otp_no,
        receipts=receipts,
        self_pay=tuple(parts),
        self_pay_recorded=planned is not None,
    )


def _chain_change(journal: Journal, setl_id: str) -> tuple[SettlementChange | None, RefundResult | None]:
    """The newest refund chain that refunded or re-settled ``setl_id``.

    The journal has no index from a settlement to its chains; chains are numbered from 1, and
    a desk's journal holds few, so they are read in turn.
    """
    found: tuple[SettlementChange | None, RefundResult | None] = (None, None)
    for chain_id in count(1):
        try:
            result = refund_result(journal, chain_id)
        except KeyError:
            break
        for change in result.changes:
            if setl_id in (change.setl_id, change.new_setl_id):
                found = (change, result)
    return found
