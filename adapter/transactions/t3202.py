"""3202 对明细账 — compare the detail file uploaded by 9101, row by row (PROTOCOL.md §3.15).

Input: the totals of the uploaded file and its ``file_qury_no``. Output ``fileinfo``: where 9102 finds the
result file (columns in ``RESULT_COLUMNS``; ``stmt_rslt`` 0 平, 1 中心多, 2 医药机构多, 3 数据不一致;
``msgid`` is the platform's copy of the request msgid, "用于冲正时填写原发送方报文ID").
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Amount, Code, OptionalCode, WireDate

__all__ = [
    "RESULT_COLUMNS",
    "TRANSACTION",
    "UPLOAD_COLUMNS",
    "DetailStatement",
    "FileInfo",
    "Input",
    "Output",
]

UPLOAD_COLUMNS = (
    "setl_id",
    "mdtrt_id",
    "psn_no",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
    "refd_setl_flag",
)
"""The detail file's columns, in this order (§3.15); a refund is two rows, forward and reverse."""
RESULT_COLUMNS = (
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "msgid",
    "stmt_rslt",
    "refd_setl_flag",
    "memo",
    "medfee_sumamt",
    "fund_pay_sumamt",
    "acct_pay",
)


class DetailStatement(InputModel):
    setl_optins: str
    file_qury_no: str
    stmt_begndate: WireDate
    stmt_enddate: WireDate
    medfee_sumamt: Amount
    fund_pay_sumamt: Amount
    cash_payamt: Amount
    fixmedins_setl_cnt: int = Field(ge=0)
    clr_type: str
    refd_setl_flag: str = ""


class Input(InputModel):
    data: DetailStatement


class FileInfo(OutputModel):
    file_qury_no: Code
    filename: OptionalCode = ""
    dld_endtime: OptionalCode = ""


class Output(OutputModel):
    fileinfo: FileInfo


TRANSACTION = Transaction(
    infno="3202", title="对明细账", input_model=Input, output_model=Output, changes_state=False
)
