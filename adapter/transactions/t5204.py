"""5204 费用明细查询 — the fee details the platform holds for a visit (PROTOCOL.md §3.14).

The output is an array directly under ``output`` with no node name (HS reads it as a
list), so the transaction declares ``list_output_node``. Defensively the rows are
also read from a ``feedetail`` or ``result`` node. ``setl_id`` is optional in JX and
required in HN since 2021-09 (⚠). Large results may come back as a 9102 file
instead (⚠, not handled here).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import (
    Amount,
    ChargeLevel,
    Code,
    ListOf,
    OptionalAmount,
    OptionalCode,
    OptionalDateTime,
    OptionalNumber,
    OptionalPrice,
    OptionalRatio,
    Price,
    Quantity,
)

__all__ = ["TRANSACTION", "FeeQuery", "FeeRecord", "Input", "Output"]


class FeeQuery(InputModel):
    psn_no: str
    setl_id: str = ""
    mdtrt_id: str


class Input(InputModel):
    data: FeeQuery


class FeeRecord(OutputModel):
    """One fee detail row as the platform holds it."""

    mdtrt_id: OptionalCode = ""
    setl_id: OptionalCode = ""
    feedetl_sn: Code
    rx_drord_no: OptionalCode = ""
    med_type: OptionalCode = ""
    fee_ocur_time: OptionalDateTime = None
    cnt: Quantity
    pric: Price
    sin_dos_dscr: OptionalCode = ""
    used_frqu_dscr: OptionalCode = ""
    prd_days: OptionalNumber = None
    medc_way_dscr: OptionalCode = ""
    det_item_fee_sumamt: Amount
    pric_uplmt_amt: OptionalPrice = None
    selfpay_prop: OptionalRatio = None
    fulamt_ownpay_amt: OptionalAmount = None
    overlmt_amt: OptionalAmount = None
    preselfpay_amt: OptionalAmount = None
    inscp_scp_amt: OptionalAmount = None
    chrgitm_lv: ChargeLevel
    hilist_code: OptionalCode = ""
    hilist_name: OptionalCode = ""
    list_type: OptionalCode = ""
    med_list_codg: OptionalCode = ""
    medins_list_codg: OptionalCode = ""
    medins_list_name: OptionalCode = ""
    med_chrgitm_type: OptionalCode = ""
    prodname: OptionalCode = ""
    spec: OptionalCode = ""
    dosform_name: OptionalCode = ""
    bilg_dept_codg: OptionalCode = ""
    bilg_dept_name: OptionalCode = ""
    bilg_dr_codg: OptionalCode = ""
    bilg_dr_name: OptionalCode = ""
    acord_dept_codg: OptionalCode = ""
    acord_dept_name: OptionalCode = ""
    orders_dr_code: OptionalCode = ""
    orders_dr_name: OptionalCode = ""
    lmt_used_flag: OptionalCode = ""
    hosp_prep_flag: OptionalCode = ""
    hosp_appr_flag: OptionalCode = ""
    tcmdrug_used_way: OptionalCode = ""
    prodplac_type: OptionalCode = ""
    bas_medn_flag: OptionalCode = ""
    hi_nego_drug_flag: OptionalCode = ""
    chld_medc_flag: OptionalCode = ""
    etip_flag: OptionalCode = ""
    etip_hosp_code: OptionalCode = ""
    dscg_tkdrug_flag: OptionalCode = ""
    list_sp_item_flag: OptionalCode = ""
    matn_fee_flag: OptionalCode = ""
    drt_reim_flag: OptionalCode = ""
    memo: OptionalCode = ""
    opter_id: OptionalCode = ""
    opter_name: OptionalCode = ""
    opt_time: OptionalDateTime = None


class Output(OutputModel):
    feedetail: ListOf[FeeRecord] = Field(default=(), validation_alias=AliasChoices("feedetail", "result"))


TRANSACTION = Transaction(
    infno="5204",
    title="费用明细查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
    list_output_node="feedetail",
)
