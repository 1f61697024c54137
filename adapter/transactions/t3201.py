"""3201 对总账 — the day's totals per insutype × clr_type × setl_optins (PROTOCOL.md §3.15, §6.7).

The date range is of the platform's ``setl_time``; the counts include refund rows (a refund is counted on
the day it was made, with negative amounts). ``stmt_rslt`` 0 平 / 1 不平; ``stmt_rslt_dscr`` says why.
HN's local additions (``dise_no``, ``his_md_cnt``, …, ⚠) are not sent.
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Amount, Code, OptionalCode, WireDate

__all__ = ["TRANSACTION", "Input", "Output", "StatementResult", "TotalsStatement"]


class TotalsStatement(InputModel):
    insutype: str
    clr_type: str
    setl_optins: str
    stmt_begndate: WireDate
    stmt_enddate: WireDate
    medfee_sumamt: Amount
    fund_pay_sumamt: Amount
    acct_pay: Amount
    fixmedins_setl_cnt: int = Field(ge=0)
    refd_setl_flag: str = ""


class Input(InputModel):
    data: TotalsStatement


class StatementResult(OutputModel):
    setl_optins: OptionalCode = ""
    stmt_rslt: Code
    """0 平; anything else 不平 (JX lists 1/2/3 for the detail rows, HN 1 only, ⚠)."""
    stmt_rslt_dscr: OptionalCode = ""

    @property
    def balanced(self) -> bool:
        return self.stmt_rslt == "0"


class Output(OutputModel):
    stmtinfo: StatementResult


TRANSACTION = Transaction(
    infno="3201", title="对总账", input_model=Input, output_model=Output, changes_state=False
)
