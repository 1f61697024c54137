"""9102 文件下载 (PROTOCOL.md §1.1, §3.15): the platform answers the file's bytes, not an envelope.

``fixmedins_code`` is the hospital's own code for its files (a 3202 result), ``"plc"`` for files the
platform publishes (catalogues, §3.16). The client hands the bytes over as ``Output.content`` (a ZIP); a
refusal still comes as an envelope with infcode ≠ 0.
"""

from __future__ import annotations

from pydantic import Field

from ._base import InputModel, OutputModel, Transaction

__all__ = ["TRANSACTION", "FileDownload", "Input", "Output"]


class FileDownload(InputModel):
    file_qury_no: str
    filename: str = ""
    fixmedins_code: str


class Input(InputModel):
    fs_download_in: FileDownload = Field(alias="fsDownloadIn")


class Output(OutputModel):
    content: bytes = Field(repr=False)


TRANSACTION = Transaction(
    infno="9102",
    title="文件下载",
    input_model=Input,
    output_model=Output,
    changes_state=False,
    file_output=True,
)
