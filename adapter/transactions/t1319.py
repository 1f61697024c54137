"""1319 医保目录限价信息查询 (DOMAIN.md §2.1): price caps, paged by ``updt_time`` like 1312.

A row gives the cap (``hilist_pric_uplmt_amt``, N16,6) of a national item for a period; ``vali_flag`` 0
means the row does not apply (a cap removed). ``overlmt_dspo_way`` says how the part above the cap is
treated (DOMAIN.md §2.2: 超出部分 paid by the patient).
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, OptionalCode, OptionalDate, OptionalPrice, WireDate, WireDateTime
from ._paged import PagedOutput, PageQuery

__all__ = ["TRANSACTION", "CapRow", "Input", "Output"]


class Input(InputModel):
    data: PageQuery


class CapRow(OutputModel):
    hilist_code: Code
    insu_admdvs: Code
    begndate: WireDate
    enddate: OptionalDate = None
    hilist_pric_uplmt_amt: OptionalPrice = None
    hilist_lmtpric_type: OptionalCode = ""
    overlmt_dspo_way: OptionalCode = ""
    vali_flag: Code
    rid: Code
    updt_time: WireDateTime


class Output(PagedOutput[CapRow]):
    pass


TRANSACTION = Transaction(
    infno="1319", title="医保目录限价信息查询", input_model=Input, output_model=Output, changes_state=False
)
