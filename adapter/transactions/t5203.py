"""5203 结算信息查询 — one settlement as the platform holds it (PROTOCOL.md §3.14).

``setlinfo`` is 2207's block with more fields, and two renamed: 5203 says
``psn_pay`` for ``psn_part_amt`` and ``cash_payamt`` for ``psn_cash_pay``. Both
spellings are read into the 2207 attribute names, so a 5203 answer compares with a
2207 one field by field. ``refd_setl_flag`` (1 = a refund settlement) and ``year``
are required here.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel, Transaction, exp_content_field
from ._fields import (
    Amount,
    Code,
    ExpContent,
    ListOf,
    OptionalAmount,
    OptionalCode,
    OptionalDate,
    OptionalDateTime,
)
from ._settlement import FundPayment, SettlementInfo

__all__ = ["TRANSACTION", "FundPayment", "Input", "Output", "SettlementQuery", "SettlementRecord"]


class SettlementQuery(InputModel):
    psn_no: str
    setl_id: str
    mdtrt_id: str


class Input(InputModel):
    data: SettlementQuery


class SettlementRecord(SettlementInfo):
    setl_id: Code
    psn_part_amt: Amount = Field(validation_alias=AliasChoices("psn_pay", "psn_part_amt"))
    psn_cash_pay: Amount = Field(validation_alias=AliasChoices("cash_payamt", "psn_cash_pay", "pdn_cash_pay"))
    flxempe_flag: OptionalCode = ""
    nwb_flag: OptionalCode = ""
    insu_optins: OptionalCode = ""
    emp_name: OptionalCode = Field(default="", repr=False)
    pay_loc: OptionalCode = ""
    fixmedins_code: OptionalCode = ""
    fixmedins_name: OptionalCode = ""
    hosp_lv: OptionalCode = ""
    fixmedins_poolarea: OptionalCode = ""
    lmtpric_hosp_lv: OptionalCode = ""
    dedc_hosp_lv: OptionalCode = ""
    begndate: OptionalDate = None
    enddate: OptionalDate = None
    refd_setl_flag: Code
    """退费结算标志: 1 for a refund (2208) settlement."""
    year: Code
    dise_codg: OptionalCode = ""
    dise_name: OptionalCode = ""
    invono: OptionalCode = ""
    opter_id: OptionalCode = ""
    opter_name: OptionalCode = ""
    opt_time: OptionalDateTime = None
    pref_fund_pay: OptionalAmount = None
    """[HN-only] 优抚对象基金支出."""

    @property
    def is_refund(self) -> bool:
        return self.refd_setl_flag == "1"


class Output(OutputModel):
    setlinfo: SettlementRecord
    setldetail: ListOf[FundPayment] = ()
    exp_content: ExpContent = exp_content_field()


TRANSACTION = Transaction(
    infno="5203",
    title="结算信息查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
