"""1309 门诊慢特病种目录下载 (PROTOCOL.md §3.16): ask for the disease catalogue after ``ver``; get a file.

``ver`` is the newest version the hospital holds (``v0000`` for everything). The answer names a file the
platform publishes; it is fetched with 9102 and ``fixmedins_code="plc"``: a ZIP holding a TAB-separated
TXT of 16 columns (`adapter.catalogue` reads them).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, OptionalCode

__all__ = ["TRANSACTION", "Input", "Output", "VersionQuery"]


class VersionQuery(InputModel):
    ver: str


class Input(InputModel):
    data: VersionQuery


class Output(OutputModel):
    file_qury_no: Code
    filename: OptionalCode = ""
    dld_end_time: OptionalCode = Field(
        default="", validation_alias=AliasChoices("dld_end_time", "dld_endtime")
    )
    data_cnt: int = 0


TRANSACTION = Transaction(
    infno="1309", title="门诊慢特病种目录下载", input_model=Input, output_model=Output, changes_state=False
)
