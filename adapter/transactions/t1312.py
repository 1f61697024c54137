"""1312 医保目录信息查询 (PROTOCOL.md §3.16): the insurer's item catalogue, paged by ``updt_time``.

Each row is one national item (``hilist_code``) in one province for one period (``begndate`` ..
``enddate``), with its class (``chrgitm_lv``) and list type; ``rid`` identifies the row, ``updt_time``
says when it last changed, ``vali_flag`` 0 marks a row withdrawn whole. The 先行自付 ratio and the price
cap are separate queries (1320, 1319).
"""

from __future__ import annotations

from ._base import InputModel, OutputModel, Transaction
from ._fields import ChargeLevel, Code, OptionalCode, OptionalDate, WireDate, WireDateTime
from ._paged import PagedOutput, PageQuery

__all__ = ["TRANSACTION", "CatalogueRow", "Input", "Output", "PageQuery"]


class Input(InputModel):
    data: PageQuery


class CatalogueRow(OutputModel):
    hilist_code: Code
    hilist_name: str
    insu_admdvs: Code
    begndate: WireDate
    enddate: OptionalDate = None
    med_chrgitm_type: Code
    chrgitm_lv: ChargeLevel
    lmt_used_flag: Code
    list_type: Code
    vali_flag: Code
    rid: Code
    updt_time: WireDateTime
    memo: OptionalCode = ""


class Output(PagedOutput[CatalogueRow]):
    pass


TRANSACTION = Transaction(
    infno="1312", title="医保目录信息查询", input_model=Input, output_model=Output, changes_state=False
)
