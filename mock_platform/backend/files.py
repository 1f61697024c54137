"""The platform's file store behind 9101 文件上传 and 9102 文件下载 (PROTOCOL.md §1.1, §3.15).

Generic on purpose: a hospital's upload (the 3202 detail file), a result the platform writes for a hospital
(the 3202 result file) and a file the platform publishes for everyone (catalogue files, `fixmedins_code`
"plc", §3.16) are all one row here, found again by `file_qury_no`. Each file belongs to one institution
code; 9102 hands it only to that institution ("plc" files to anyone). Files are ZIP bytes, stored as they
came; `dld_endtime` is how long the platform keeps them downloadable (the platform's own choice: 7 days).
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend.store import Store, next_value
from mock_platform.errors import RequestError

PUBLIC_OWNER = "plc"
KEEP_FOR = timedelta(days=7)


@dataclass(frozen=True)
class StoredFile:
    file_qury_no: str
    fixmedins_code: str
    filename: str
    content: bytes
    created_at: datetime
    dld_endtime: datetime


class FileStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    def put(self, *, fixmedins_code: str, filename: str, content: bytes, now: datetime) -> StoredFile:
        """Keep a file; its `file_qury_no` is "F" + yyyyMMddHHmmss + a 10-digit serial (C30)."""
        with self._store.joined() as connection:
            serial = next_value(connection, "file_qury_no")
            number = f"F{now:%Y%m%d%H%M%S}{serial:010d}"
            until = now.replace(tzinfo=None) + KEEP_FOR
            connection.execute(
                "INSERT INTO stored_file VALUES (?, ?, ?, ?, ?, ?)",
                (number, fixmedins_code, filename, content, format_datetime(now), format_datetime(until)),
            )
        return StoredFile(number, fixmedins_code, filename, content, now.replace(tzinfo=None), until)

    def get(self, file_qury_no: str, *, fixmedins_code: str, now: datetime) -> StoredFile:
        """The file for this institution, or a refusal naming what is wrong (unknown, not yours, expired)."""
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT * FROM stored_file WHERE file_qury_no = ?", (file_qury_no,)
            ).fetchone()
        if row is None:
            raise RequestError(f"文件查询号[{file_qury_no}]不存在")
        stored = _from_row(row)
        if stored.fixmedins_code not in (fixmedins_code, PUBLIC_OWNER):
            raise RequestError(f"文件查询号[{file_qury_no}]不属于定点医药机构[{fixmedins_code}]")
        if now.replace(tzinfo=None) > stored.dld_endtime:
            raise RequestError(
                f"文件[{file_qury_no}]已超过下载截止时间[{format_datetime(stored.dld_endtime)}]"
            )
        return stored


def _from_row(row: sqlite3.Row) -> StoredFile:
    return StoredFile(
        file_qury_no=row["file_qury_no"],
        fixmedins_code=row["fixmedins_code"],
        filename=row["filename"],
        content=bytes(row["content"]),
        created_at=parse_datetime(row["created_at"]),
        dld_endtime=parse_datetime(row["dld_endtime"]),
    )


# -- the file format (PROTOCOL.md §1.1): TXT inside ZIP, TAB-separated UTF-8, "null" for an empty value ----


def zip_table(name: str, rows: Iterable[Sequence[str]]) -> bytes:
    """One TXT member `name` holding `rows`, TAB-separated, one line each, empty values as `null`."""
    text = "".join("\t".join(value if value != "" else "null" for value in row) + "\n" for row in rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def read_table(content: bytes, *, columns: int) -> list[list[str]]:
    """The rows of the first TXT member of a ZIP; refuses a file that is not one, naming the bad line."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".txt")]
            if not names:
                raise RequestError("上传文件中没有TXT文件")
            text = archive.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise RequestError("上传文件不是UTF-8编码TXT文件的ZIP压缩包") from exc
    rows: list[list[str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        values = ["" if value == "null" else value for value in line.split("\t")]
        if len(values) != columns:
            raise RequestError(f"文件第{number}行应有{columns}列，实有{len(values)}列")
        rows.append(values)
    return rows
