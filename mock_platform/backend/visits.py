"""Visits (就诊): 2201 门诊挂号, 2202 挂号撤销, 2203 就诊信息上传, and the diagnoses of a visit.

A visit is opened by 2201 (the platform issues `mdtrt_id`), gets its one `med_type` and disease from 2203
(PROTOCOL.md §3.7: "只能有一个医疗类别"; its begntime then becomes the visit time), and is revoked by 2202
only when nothing is left on it (no settlement in effect, no unsettled fee details). Diagnoses (`diseinfo`)
are upserted by (diag_type, diag_code): resending one with vali_flag 0 voids it (PROTOCOL.md §3.7).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_platform._time import format_datetime, format_day, parse_datetime
from mock_platform.backend.store import Store, next_value
from mock_platform.errors import RequestError


@dataclass(frozen=True)
class Visit:
    mdtrt_id: str
    psn_no: str
    insutype: str
    fixmedins_code: str
    hospital_admdvs: str
    insuplc_admdvs: str
    begntime: datetime
    ipt_otp_no: str
    mdtrt_cert_type: str
    atddr_no: str
    dr_name: str
    dept_code: str
    dept_name: str
    caty: str
    med_type: str | None
    dise_codg: str | None
    dise_name: str | None
    main_cond_dscr: str | None
    status: str
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Registration:
    """What 2201 records (besides the ids the platform issues)."""

    psn_no: str
    insutype: str
    fixmedins_code: str
    hospital_admdvs: str
    insuplc_admdvs: str
    begntime: str
    ipt_otp_no: str
    mdtrt_cert_type: str
    atddr_no: str
    dr_name: str
    dept_code: str
    dept_name: str
    caty: str


@dataclass(frozen=True)
class Treatment:
    """What 2203 `mdtrtinfo` sets on a visit."""

    med_type: str
    begntime: str
    dise_codg: str
    dise_name: str
    main_cond_dscr: str


class VisitBook:
    def __init__(self, store: Store) -> None:
        self._store = store

    def register(self, registration: Registration, *, msgid: str, now: datetime) -> Visit:
        """2201: open a visit; mdtrt_id = "M" + hospital admdvs + date + 10-digit serial (C30, unique)."""
        with self._store.joined() as connection:
            serial = next_value(connection, "mdtrt_id")
            mdtrt_id = f"M{registration.hospital_admdvs}{format_day(now)}{serial:010d}"
            row = {**registration.__dict__, "mdtrt_id": mdtrt_id, "status": "active", "msgid": msgid}
            row["created_at"] = format_datetime(now)
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            connection.execute(f"INSERT INTO visit ({columns}) VALUES ({marks})", tuple(row.values()))
            visit = _load(connection, mdtrt_id)
            assert visit is not None
            return visit

    def get(self, mdtrt_id: str) -> Visit | None:
        with self._store.joined() as connection:
            return _load(connection, mdtrt_id)

    def require(self, mdtrt_id: str, psn_no: str) -> Visit:
        """An active visit of this person, or the specific refusal."""
        visit = self.get(mdtrt_id)
        if visit is None:
            raise RequestError(f"未找到就诊信息[mdtrt_id={mdtrt_id}]")
        if visit.psn_no != psn_no:
            raise RequestError(f"就诊[{mdtrt_id}]不属于人员[{psn_no}]")
        if not visit.active:
            raise RequestError(f"就诊[{mdtrt_id}]已撤销")
        return visit

    def revoke(self, mdtrt_id: str, *, now: datetime) -> None:
        """2202: refuse while a settlement is in effect or fee details are unsettled (PROTOCOL.md §3.0.10)."""
        with self._store.joined() as connection:
            settled = connection.execute(
                "SELECT setl_id FROM settlement WHERE mdtrt_id = ? AND kind = 'settlement' AND status = "
                "'active'"
                " ORDER BY seq DESC LIMIT 1",
                (mdtrt_id,),
            ).fetchone()
            if settled is not None:
                raise RequestError(f"就诊[{mdtrt_id}]存在有效结算[{settled['setl_id']}]，请先撤销结算(2208)")
            unsettled = connection.execute(
                "SELECT count(*) FROM fee_detail WHERE mdtrt_id = ? AND status = 'active' AND setl_id IS "
                "NULL",
                (mdtrt_id,),
            ).fetchone()[0]
            if unsettled:
                raise RequestError(
                    f"就诊[{mdtrt_id}]存在{unsettled}条未结算的费用明细，请先撤销费用明细(2205)"
                )
            connection.execute(
                "UPDATE visit SET status = 'revoked', revoked_at = ? WHERE mdtrt_id = ?",
                (format_datetime(now), mdtrt_id),
            )

    def record_treatment(self, visit: Visit, treatment: Treatment) -> None:
        """2203 mdtrtinfo: one med_type per visit; the disease and visit time may be corrected by a resend."""
        if visit.med_type is not None and visit.med_type != treatment.med_type:
            raise RequestError(
                f"就诊[{visit.mdtrt_id}]已上传医疗类别[{visit.med_type}]，一次就诊只能有一个医疗类别"
            )
        with self._store.joined() as connection:
            connection.execute(
                "UPDATE visit SET med_type = ?, begntime = ?, dise_codg = ?, dise_name = ?, main_cond_dscr = "
                "?"
                " WHERE mdtrt_id = ?",
                (
                    treatment.med_type,
                    treatment.begntime,
                    treatment.dise_codg,
                    treatment.dise_name,
                    treatment.main_cond_dscr,
                    visit.mdtrt_id,
                ),
            )

    def record_diagnoses(self, mdtrt_id: str, rows: list[dict[str, Any]]) -> None:
        with self._store.joined() as connection:
            for row in rows:
                row = {**row, "mdtrt_id": mdtrt_id}
                columns = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                connection.execute(
                    f"INSERT INTO diagnosis ({columns}) VALUES ({marks}) ON CONFLICT (mdtrt_id, diag_type, "
                    "diag_code)"
                    " DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in row if c != "mdtrt_id"),
                    tuple(row.values()),
                )

    def diagnoses(self, mdtrt_id: str) -> list[dict[str, Any]]:
        with self._store.joined() as connection:
            rows = connection.execute(
                "SELECT * FROM diagnosis WHERE mdtrt_id = ? ORDER BY diag_srt_no, diag_code", (mdtrt_id,)
            ).fetchall()
        return [dict(row) for row in rows]

    def of_person(self, psn_no: str, begin: datetime, end: datetime) -> list[Visit]:
        """Active visits of a person whose visit time lies in [begin, end]."""
        with self._store.joined() as connection:
            rows = connection.execute(
                "SELECT mdtrt_id FROM visit WHERE psn_no = ? AND status = 'active' AND begntime BETWEEN ? "
                "AND ?"
                " ORDER BY begntime, mdtrt_id",
                (psn_no, format_datetime(begin), format_datetime(end)),
            ).fetchall()
            return [visit for row in rows if (visit := _load(connection, row["mdtrt_id"])) is not None]


def _load(connection: sqlite3.Connection, mdtrt_id: str) -> Visit | None:
    row = connection.execute("SELECT * FROM visit WHERE mdtrt_id = ?", (mdtrt_id,)).fetchone()
    if row is None:
        return None
    values = {name: row[name] for name in Visit.__dataclass_fields__}
    values["begntime"] = parse_datetime(row["begntime"])
    values["created_at"] = parse_datetime(row["created_at"])
    return Visit(**values)
