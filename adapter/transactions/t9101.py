"""9101 文件上传 (PROTOCOL.md §3.15): a file's bytes in ``fsUploadIn.in``; answers its ``file_qury_no``.

The national text calls ``in`` a byte array; it is sent as a JSON array of the byte values. Uploading
changes nothing the platform settles with, but it is not a query either: it is never retried blindly.
"""

from __future__ import annotations

from pydantic import Field, field_serializer

from ._base import InputModel, OutputModel, Transaction
from ._fields import Code, OptionalCode

__all__ = ["TRANSACTION", "FileUpload", "Input", "Output"]


class FileUpload(InputModel):
    content: bytes = Field(alias="in", repr=False)
    filename: str
    fixmedins_code: str

    @field_serializer("content")
    def _byte_array(self, content: bytes) -> list[int]:
        return list(content)


class Input(InputModel):
    fs_upload_in: FileUpload = Field(alias="fsUploadIn")


class Output(OutputModel):
    file_qury_no: Code
    filename: OptionalCode = ""
    fixmedins_code: OptionalCode = ""
    dld_endtime: OptionalCode = ""


TRANSACTION = Transaction(
    infno="9101", title="文件上传", input_model=Input, output_model=Output, changes_state=True
)
