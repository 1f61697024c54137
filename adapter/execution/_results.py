"""What settling a visit returns: a receipt per settled batch, a status per batch, cash to collect.

The receipt carries the category the regulations prescribe (seed 002 三(二) and 附件2:
"结算成功后应在票据、清单等凭证上显示本次结算医疗费用类别（普通门诊或门诊慢特病…）"),
the per-line split *as the platform returned it* (项目等级, 先行自付, 超限价, 自费), the fund /
account / cash amounts and the account balance after.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

__all__ = [
    "BatchResult",
    "BatchStatus",
    "FundDetail",
    "FundPayment",
    "Prediction",
    "Receipt",
    "ReceiptLine",
    "VisitResult",
]

_ZERO = Decimal("0.00")

BatchStatus = Literal["settled", "predicted", "unsettled", "self_pay", "flagged", "in_flight"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReceiptLine(_Frozen):
    feedetl_sn: str
    name: str
    chrgitm_lv: str
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal


class FundDetail(_Frozen):
    """One ``setldetail`` row: what one fund paid, on what base, within what limit, and how."""

    fund_pay_type: str
    fund_pay_type_name: str
    fund_payamt: Decimal
    inscp_scp_amt: Decimal | None
    crt_payb_lmt_amt: Decimal | None
    setl_proc_info: str


class Prediction(_Frozen):
    """The fund / account / cash split of a batch: predicted by 2206, or final from 2207.

    Every fund field of setlinfo is here (``FUND_FIELDS``, labels in ``FUND_LABELS``,
    adapter/transactions/_settlement.py); ``fund_pay_sumamt`` is their sum.
    """

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    balc: Decimal | None
    hifob_pay: Decimal = _ZERO
    hifmi_pay: Decimal = _ZERO
    cvlserv_pay: Decimal = _ZERO
    maf_pay: Decimal = _ZERO
    hifes_pay: Decimal = _ZERO
    hifdm_pay: Decimal = _ZERO
    oth_pay: Decimal = _ZERO
    hosp_part_amt: Decimal = _ZERO
    acct_mulaid_pay: Decimal = _ZERO
    fund_details: tuple[FundDetail, ...] = ()


class FundPayment(_Frozen):
    """One fund's share of a settlement (``hifp_pay`` 统筹基金, ``hifmi_pay`` 大病保险, ...).

    Taken generically from every ``*_pay`` field of the settlement answer, so a fund the
    platform (or a newer model) adds appears on the receipt without a change here.
    """

    field: str
    amount: Decimal


class Receipt(_Frozen):
    """One settled batch, as the receipt prints it."""

    receipt_category: str
    fixmedins_code: str
    fixmedins_name: str
    ipt_otp_no: str
    psn_name_masked: str
    insured_place: str
    insutype: str
    med_type: str
    dise_codg: str
    dise_name: str
    chrg_bchno: str
    mdtrt_id: str
    setl_id: str
    setl_time: datetime | None
    medins_setl_id: str
    lines: tuple[ReceiptLine, ...]
    amounts: Prediction
    funds: tuple[FundPayment, ...] = ()
    """Every fund that paid (non-zero), in the answer's field order."""
    masked_cert: str = ""
    """The credential as printed: type label and a masked number (``身份证 6401**********2010``)."""


class BatchResult(_Frozen):
    batch_number: int
    chrg_bchno: str
    med_type: str
    dise_codg: str
    receipt_category: str
    status: BatchStatus
    message: str
    journal_batch_id: int
    medfee_sumamt: Decimal
    receipt: Receipt | None = None
    prediction: Prediction | None = None
    drift: tuple[str, ...] = ()
    outbox_id: int | None = None
    earlier: bool = False
    """Settled (or self-paid) by an earlier run of the same bill; not touched this time."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cash_to_collect(self) -> Decimal:
        """The patient's cash for this batch: the cash share if settled, everything otherwise."""
        if self.receipt is not None:
            return self.receipt.amounts.psn_cash_pay
        if self.status == "predicted" and self.prediction is not None:
            return self.prediction.psn_cash_pay
        return self.medfee_sumamt


class VisitResult(_Frozen):
    ipt_otp_no: str
    dry_run: bool
    batches: tuple[BatchResult, ...]
    self_pay_total: Decimal
    outbox_id: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cash_to_collect(self) -> Decimal:
        """The patient's cash for the whole bill, batches settled by an earlier run included."""
        return sum((b.cash_to_collect for b in self.batches), self.self_pay_total)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def settled_earlier(self) -> Decimal:
        """The part of ``cash_to_collect`` belonging to batches an earlier run settled."""
        return sum((b.cash_to_collect for b in self.batches if b.earlier), Decimal("0.00"))
