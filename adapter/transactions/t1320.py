"""1320 医保目录先行自付比例信息查询 (DOMAIN.md §2.1): 乙类 先行自付 ratios, paged by ``updt_time``.

A row gives ``selfpay_prop`` (N5,4) of a national item for a period; ``vali_flag`` 0 means no ratio applies
(a 丙类 item is wholly self-paid). ``selfpay_prop_psn_type`` may differ by person type; empty = everyone.
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, OptionalCode, OptionalDate, OptionalRatio, WireDate, WireDateTime
from ._paged import PagedOutput, PageQuery

__all__ = ["TRANSACTION", "Input", "Output", "RatioRow"]


class Input(InputModel):
    data: PageQuery


class RatioRow(OutputModel):
    hilist_code: Code
    insu_admdvs: Code
    begndate: WireDate
    enddate: OptionalDate = None
    selfpay_prop: OptionalRatio = None
    selfpay_prop_psn_type: OptionalCode = ""
    vali_flag: Code
    rid: Code
    updt_time: WireDateTime


class Output(PagedOutput[RatioRow]):
    pass


TRANSACTION = Transaction(
    infno="1320",
    title="医保目录先行自付比例信息查询",
    input_model=Input,
    output_model=Output,
    changes_state=False,
)
