"""Files: 9101 文件上传, 9102 文件下载 (PROTOCOL.md §1.1, §3.15); the store is `backend.files`.

9101's `fsUploadIn.in` is the file's bytes. The national text says "byte array"; a JSON array of numbers
0-255 is that literally, and Java clients serialising `byte[]` send it as a base64 string: both are accepted.
9102 answers with the bytes themselves (`application/octet-stream`), not an envelope; a refusal is an
ordinary envelope with infcode -1.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import Field

from mock_platform.errors import RequestError
from mock_platform.handlers._base import FileDownload, HandlerContext, Transaction, input_node
from mock_platform.wire import OptStr, Req, WireModel

MAX_BYTES = 20 * 1024 * 1024


class UploadInput(WireModel):
    content: Any = Field(alias="in")
    filename: Req
    fixmedins_code: Req


class DownloadInput(WireModel):
    file_qury_no: Req
    filename: OptStr = ""
    fixmedins_code: Req


def upload(context: HandlerContext) -> dict[str, Any]:
    data = input_node(context, "fsUploadIn", UploadInput)
    if data.fixmedins_code != context.envelope.fixmedins_code:
        raise RequestError("交易输入[fsUploadIn.fixmedins_code]与报文头[fixmedins_code]不一致")
    content = _bytes(data.content)
    stored = context.backend.files.put(
        fixmedins_code=data.fixmedins_code, filename=data.filename, content=content, now=context.now
    )
    return {
        "file_qury_no": stored.file_qury_no,
        "filename": stored.filename,
        "fixmedins_code": stored.fixmedins_code,
        "dld_endtime": stored.dld_endtime.strftime("%Y-%m-%d %H:%M:%S"),
    }


def download(context: HandlerContext) -> FileDownload:
    data = input_node(context, "fsDownloadIn", DownloadInput)
    owner = data.fixmedins_code
    if owner not in (context.envelope.fixmedins_code, "plc"):
        raise RequestError("交易输入[fsDownloadIn.fixmedins_code]应为本机构编码或plc")
    stored = context.backend.files.get(
        data.file_qury_no, fixmedins_code=context.envelope.fixmedins_code, now=context.now
    )
    return FileDownload(filename=stored.filename, content=stored.content)


def _bytes(raw: Any) -> bytes:
    if isinstance(raw, str):
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestError("交易输入[fsUploadIn.in]不是字节数组或base64编码") from exc
    elif isinstance(raw, list) and all(isinstance(b, int) and not isinstance(b, bool) for b in raw):
        if any(not 0 <= b <= 255 for b in raw) and any(not -128 <= b <= 127 for b in raw):
            raise RequestError("交易输入[fsUploadIn.in]字节值超出范围")
        content = bytes(b % 256 for b in raw)  # Java bytes are signed (-128..127)
    else:
        raise RequestError("交易输入[fsUploadIn.in]不能为空，应为字节数组")
    if not content:
        raise RequestError("交易输入[fsUploadIn.in]不能为空")
    if len(content) > MAX_BYTES:
        raise RequestError(f"上传文件超过{MAX_BYTES // 1024 // 1024}MB")
    return content


TRANSACTIONS = (
    Transaction("9101", "文件上传", upload, changes_state=True),
    Transaction("9102", "文件下载", download),
)
