"""Self-pay visits uploaded by hospitals: 4205 门诊就医信息上传, 4203 上传完成 (docs/ownpay_upload.md).

Seed 002 三(四): "定点医疗机构要将未直接结算的患者医药费用明细和疾病诊断信息，于 3 个工作日内上传省医疗
保障信息平台 … 医疗费用中存在未贯标的数据时，应将已贯标的数据上传": the platform keeps a visit's details,
diagnoses and the hospital's own visit id, so the insured place can compute a manual (零星) claim from
them. A visit may be uploaded again (the new upload replaces the old) until the hospital marks it complete
(4203 cplt_flag 1); after that it is refused. Rows keyed by (fixmedins_code, fixmedins_mdtrt_id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_platform._time import format_datetime, parse_datetime
from mock_platform.backend.store import Store
from mock_platform.errors import RequestError


@dataclass(frozen=True)
class OwnPayVisit:
    fixmedins_code: str
    fixmedins_mdtrt_id: str
    psn_no: str
    body: dict[str, Any]
    msgid: str
    uploaded_at: datetime
    completed_at: datetime | None


class OwnPayBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def upload(
        self,
        *,
        fixmedins_code: str,
        fixmedins_mdtrt_id: str,
        psn_no: str,
        body: dict[str, Any],
        msgid: str,
        now: datetime,
    ) -> None:
        current = self.get(fixmedins_code, fixmedins_mdtrt_id)
        if current is not None and current.completed_at is not None:
            raise RequestError(f"就诊[{fixmedins_mdtrt_id}]已上传完成，不能再次上传")
        with self._store.joined() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO ownpay_visit VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (
                    fixmedins_code,
                    fixmedins_mdtrt_id,
                    psn_no,
                    json.dumps(body, ensure_ascii=False, default=str),
                    msgid,
                    format_datetime(now),
                ),
            )

    def complete(self, fixmedins_code: str, fixmedins_mdtrt_id: str, *, now: datetime) -> None:
        if self.get(fixmedins_code, fixmedins_mdtrt_id) is None:
            raise RequestError(f"就诊[{fixmedins_mdtrt_id}]未上传就医信息，不能标记完成")
        with self._store.joined() as connection:
            connection.execute(
                "UPDATE ownpay_visit SET completed_at = coalesce(completed_at, ?)"
                " WHERE fixmedins_code = ? AND fixmedins_mdtrt_id = ?",
                (format_datetime(now), fixmedins_code, fixmedins_mdtrt_id),
            )

    def get(self, fixmedins_code: str, fixmedins_mdtrt_id: str) -> OwnPayVisit | None:
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT * FROM ownpay_visit WHERE fixmedins_code = ? AND fixmedins_mdtrt_id = ?",
                (fixmedins_code, fixmedins_mdtrt_id),
            ).fetchone()
        if row is None:
            return None
        return OwnPayVisit(
            fixmedins_code=row["fixmedins_code"],
            fixmedins_mdtrt_id=row["fixmedins_mdtrt_id"],
            psn_no=row["psn_no"],
            body=json.loads(row["body"]),
            msgid=row["msgid"],
            uploaded_at=parse_datetime(row["uploaded_at"]),
            completed_at=parse_datetime(row["completed_at"]) if row["completed_at"] else None,
        )
