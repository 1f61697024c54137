"""2204 门诊费用明细信息上传 — upload fee details, get each line's split (PROTOCOL.md §3.8).

Every row of one ``chrg_bchno`` goes in one call, all with the same ``dise_codg``.
``memo`` is HN-only (V1.1.25) and, like every optional field, is sent empty when not
given. In ``result[]`` the charge level arrives as ``1``/``01`` (national / HN, ⚠)
and is read as ``01``; a missing price cap reads as ``None``.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import (
    Amount,
    ChargeLevel,
    Code,
    ExpContent,
    ListOf,
    OptionalAmount,
    OptionalCode,
    OptionalPrice,
    OptionalRatio,
    Price,
    Quantity,
    WireDateTime,
)

__all__ = ["TRANSACTION", "FeeDetail", "FeeResult", "Input", "Output"]


class FeeDetail(InputModel):
    """One ``feedetail`` row."""

    feedetl_sn: str
    """Unique within the visit (HN: digits only, not 0, at most 15)."""
    mdtrt_id: str
    psn_no: str
    chrg_bchno: str
    dise_codg: str = ""
    """The opsp code; required for 门慢 and the same on every row of a batch."""
    rxno: str = ""
    rx_circ_flag: str
    """外购处方标志 0 / 1."""
    fee_ocur_time: WireDateTime
    med_list_codg: str
    """National 医保 code."""
    medins_list_codg: str
    """The hospital's own item code."""
    det_item_fee_sumamt: Amount
    cnt: Quantity
    pric: Price
    sin_dos_dscr: str = ""
    used_frqu_dscr: str = ""
    prd_days: Amount = Decimal(0)
    """周期天数 (N4,2: two places, like an amount)."""
    medc_way_dscr: str = ""
    bilg_dept_codg: str
    bilg_dept_name: str
    bilg_dr_codg: str
    bilg_dr_name: str
    acord_dept_codg: str = ""
    acord_dept_name: str = ""
    orders_dr_code: str = ""
    orders_dr_name: str = ""
    hosp_appr_flag: str
    """0 无须审批 / 1 审批通过 / 2 审批不通过."""
    tcmdrug_used_way: str = ""
    etip_flag: str = ""
    etip_hosp_code: str = ""
    dscg_tkdrug_flag: str = ""
    matn_fee_flag: str = ""
    memo: str = ""
    comb_no: str = ""
    exp_content: str = ""


class Input(InputModel):
    feedetail: tuple[FeeDetail, ...] = Field(min_length=1)


class FeeResult(OutputModel):
    """One ``result`` row: how the platform classified and split a line."""

    feedetl_sn: Code
    det_item_fee_sumamt: Amount
    cnt: Quantity
    pric: Price
    pric_uplmt_amt: OptionalPrice = None
    selfpay_prop: OptionalRatio = None
    fulamt_ownpay_amt: OptionalAmount = None
    overlmt_amt: OptionalAmount = None
    preselfpay_amt: OptionalAmount = None
    inscp_scp_amt: OptionalAmount = None
    chrgitm_lv: ChargeLevel
    med_chrgitm_type: Code
    bas_medn_flag: OptionalCode = ""
    hi_nego_drug_flag: OptionalCode = ""
    chld_medc_flag: OptionalCode = ""
    list_sp_item_flag: OptionalCode = ""
    lmt_used_flag: Code
    drt_reim_flag: OptionalCode = ""
    memo: OptionalCode = ""
    """明细分割错误信息."""
    exp_content: ExpContent = exp_content_field()


class Output(OutputModel):
    result: ListOf[FeeResult] = ()


TRANSACTION = Transaction(
    infno="2204",
    title="门诊费用明细信息上传",
    input_model=Input,
    output_model=Output,
    changes_state=True,
)
