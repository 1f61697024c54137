"""A receipt's and a bill summary's data as JSON: one shape for ``opsp receipt --json`` and ``opsp serve``.

The receipt as the platform answered it, whether it still stands, and the refund chain's change to it
(with its 补收/补退); the bill adds the self-pay parts and the visit's totals. Both the CLI and the
service answer these models, so the two print the same JSON.
"""

from __future__ import annotations

import warnings
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ..execution._refund_result import SettlementChange
from ..execution._results import Receipt
from ._document import BillSummary, SelfPayPart, SettlementReceipt

__all__ = ["BillAnswer", "BillTotals", "ChangeAnswer", "ReceiptAnswer", "bill_answer", "receipt_answer"]


with warnings.catch_warnings():
    # The fields are the parent's properties, as values: pydantic warns that they shadow them.
    warnings.filterwarnings("ignore", r"Field name .* shadows an attribute in parent", UserWarning)

    class ChangeAnswer(SettlementChange):
        """The refund chain's change to this settlement, with what the cashier collects or pays back."""

        collect: Decimal = Field()
        """补收."""
        pay_back: Decimal = Field()
        """补退."""


class ReceiptAnswer(BaseModel):
    """One settlement's receipt: what the platform answered, and what happened to it since."""

    model_config = ConfigDict(frozen=True)

    receipt: Receipt
    active: bool
    """False once refunded: the receipt is printed marked 已退费."""
    change: ChangeAnswer | None
    """The newest refund chain's change to this settlement (re-settled or refunded), if any."""
    voided: bool
    """Reconciliation found the platform holds no such settlement: printed marked 已作废."""


class BillTotals(BaseModel):
    """What the visit cost and who paid it: the live settlements plus every self-pay line (in cash)."""

    model_config = ConfigDict(frozen=True)

    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    self_pay_total: Decimal
    patient_paid: Decimal


class BillAnswer(BaseModel):
    """A visit's bill summary: its live settlements' receipts, the lines paid in full, the totals."""

    model_config = ConfigDict(frozen=True)

    ipt_otp_no: str
    receipts: tuple[ReceiptAnswer, ...]
    self_pay: tuple[SelfPayPart, ...]
    self_pay_recorded: bool
    """False for a visit journaled before schema 6, which did not keep its self-pay lines."""
    totals: BillTotals


def receipt_answer(document: SettlementReceipt) -> ReceiptAnswer:
    """``document``'s data (without the whole refund chain: its change to this settlement is enough)."""
    change = document.change
    return ReceiptAnswer(
        receipt=document.receipt,
        active=document.active,
        change=None
        if change is None
        else ChangeAnswer(**change.model_dump(), collect=change.collect, pay_back=change.pay_back),
        voided=document.voided,
    )


def bill_answer(summary: BillSummary) -> BillAnswer:
    """``summary``'s data: each receipt as ``receipt_answer`` gives it, and the visit's totals."""
    return BillAnswer(
        ipt_otp_no=summary.ipt_otp_no,
        receipts=tuple(receipt_answer(r) for r in summary.receipts),
        self_pay=summary.self_pay,
        self_pay_recorded=summary.self_pay_recorded,
        totals=BillTotals(
            medfee_sumamt=summary.medfee_sumamt,
            fund_pay_sumamt=summary.fund_pay_sumamt,
            acct_pay=summary.acct_pay,
            psn_cash_pay=summary.psn_cash_pay,
            self_pay_total=summary.self_pay_total,
            patient_paid=summary.patient_paid,
        ),
    )
