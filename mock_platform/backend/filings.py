"""门诊慢特病 filings made by hospitals: 2503 人员慢特病备案, 2504 撤销 (PROTOCOL.md §3.17), their approval.

A designated hospital that assessed a patient files the chronic disease (seed 000 二(一): "参保人员可以前往
参保地医保经办窗口或乌海市内二级及以上定点医疗申请慢病办理"). It then waits for the insurer's approval:

    filed --approve (control endpoint /_mock/filings/approve)--> approved
    filed --2504--> revoked          approved --2504--> refused ("只能撤销医保尚未审核的备案", §3.17)

Only approved filings are in force: 5301 lists them and 2001/2203/2207 accept them (`people._filings`); a
filed one is invisible there, as an application the insurer has not decided is not a valid filing. Seeded
filings (people.toml) are approved. Who may file for a person is the insured place's rule
(`RegionPolicy.filing_rule`): the hospital's grade (`hosp_lv` dictionary) at least `min_grade`, and, for
``insured_city``, the hospital in the insured city. The checks here are pure (`application_problem`);
`FilingDesk` keeps the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from mock_platform._time import format_datetime
from mock_platform.backend.coverage import Coverage
from mock_platform.backend.eligibility import RELATION_LABELS
from mock_platform.backend.people import InsuranceRecord
from mock_platform.backend.store import Store, next_value
from mock_platform.config.platform import Hospital
from mock_platform.config.policies import FilingRule
from mock_platform.errors import RequestError

FilingStatus = Literal["filed", "approved", "revoked"]
STATUS_LABELS: dict[str, str] = {"filed": "待审核", "approved": "已审核", "revoked": "已撤销"}

# 医院等级 (hosp_lv, PROTOCOL.md §4; HN's 12-14 are 三/二/一级无等): the grade each value belongs to.
_GRADES: dict[str, int] = {
    **dict.fromkeys(("1", "2", "3", "4", "12"), 3),
    **dict.fromkeys(("5", "6", "7", "13"), 2),
    **dict.fromkeys(("8", "9", "10", "14"), 1),
    "11": 0,  # 无等级
}
_GRADE_NAMES = {3: "三级", 2: "二级", 1: "一级", 0: "无等级"}
_MIN_GRADES = {"一级": 1, "二级": 2, "三级": 3}
RELATIONS = tuple(RELATION_LABELS)


@dataclass(frozen=True)
class Application:
    """What 2503 asks the platform to file (the fields the platform checks and keeps)."""

    psn_no: str
    insutype: str
    opsp_dise_code: str
    opsp_dise_name: str
    insu_optins: str
    ide_fixmedins_no: str
    hosp_ide_date: date
    begndate: date
    enddate: date | None


@dataclass(frozen=True)
class FilingRow:
    trt_dcla_detl_sn: str
    psn_no: str
    opsp_dise_code: str
    status: FilingStatus
    fixmedins_code: str


def hospital_grade(hospital: Hospital) -> int:
    return _GRADES[hospital.hosp_lv]


def application_problem(
    application: Application,
    *,
    hospital: Hospital,
    insurance: InsuranceRecord,
    rule: FilingRule,
    coverage: Coverage,
    today: date,
) -> str | None:
    """Why the platform refuses this filing, naming the field, or None."""
    problem = _hospital_problem(application, hospital, insurance, rule)
    if problem is None:
        problem = _dates_problem(application, today)
    if problem is None:
        problem = _disease_problem(application, insurance, coverage)
    return problem


def _hospital_problem(
    application: Application, hospital: Hospital, insurance: InsuranceRecord, rule: FilingRule
) -> str | None:
    if application.ide_fixmedins_no != hospital.fixmedins_code:
        return (
            f"交易输入[data.ide_fixmedins_no]值[{application.ide_fixmedins_no}]与报文头[fixmedins_code]不一致"
            "（本院鉴定本院申报）"
        )
    if application.insu_optins != insurance.insuplc_admdvs:
        return (
            f"交易输入[data.insu_optins]值[{application.insu_optins}]"
            f"与人员参保地[{insurance.insuplc_admdvs}]不一致"
        )
    grade = hospital_grade(hospital)
    if grade < _MIN_GRADES[rule.min_grade]:
        return (
            f"定点医疗机构[{hospital.fixmedins_code}]医院等级为{_GRADE_NAMES[grade]}"
            f"（hosp_lv {hospital.hosp_lv}），"
            f"参保地[{insurance.insuplc_admdvs}]只允许{rule.min_grade}及以上定点医疗机构受理门诊慢特病申请，"
            "请参保人到参保地医保经办窗口或符合条件的医疗机构申请"
        )
    if rule.within == "insured_city" and hospital.admdvs[:4] != insurance.insuplc_admdvs[:4]:
        return (
            f"参保地[{insurance.insuplc_admdvs}]只允许本市定点医疗机构受理门诊慢特病申请，"
            f"定点医疗机构[{hospital.fixmedins_code}]（{hospital.admdvs}）不能申报，请参保人到参保地办理"
        )
    return None


def _dates_problem(application: Application, today: date) -> str | None:
    if application.hosp_ide_date > today:
        return (
            f"交易输入[data.hosp_ide_date]值[{application.hosp_ide_date}]晚于当前日期，医院鉴定日期不能在将来"
        )
    if application.begndate < application.hosp_ide_date:
        # Seed 001 一(四)3: costs before the disease was filed are not reimbursed, so a filing does not reach
        # back before the assessment that supports it.
        return (
            f"交易输入[data.begndate]值[{application.begndate}]早于医院鉴定日期[{application.hosp_ide_date}]"
        )
    if application.enddate is not None and application.enddate < application.begndate:
        return f"交易输入[data.enddate]值[{application.enddate}]早于开始日期[{application.begndate}]"
    return None


def _disease_problem(application: Application, insurance: InsuranceRecord, coverage: Coverage) -> str | None:
    """The disease must be on one of the insured place's lists (in region or out of it; a local benefit code
    too: Wuhai files WH-S03), in force on the filing's begndate."""
    code = application.opsp_dise_code
    insured, insutype, day = insurance.insuplc_admdvs, insurance.insutype, application.begndate
    listed: set[str] = set()
    configured = False
    for relation in RELATIONS:
        codes = coverage.codes_for(insured, relation, insutype, day)
        configured = configured or codes is not None
        listed |= (codes or frozenset()) | coverage.benefit_codes(insured, relation, insutype, day)
    if not configured:
        return f"参保地[{insured}]未配置门诊慢特病病种目录（险种类型{insutype}），不能备案"
    if code not in listed:
        return (
            f"交易输入[data.opsp_dise_code]值[{code}]不在参保地[{insured}]门诊慢特病病种目录"
            f"（险种类型{insutype}）中"
        )
    return None


class FilingDesk:
    """The filings hospitals made, in the store's `opsp_filing` table beside the seeded ones."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def file(self, application: Application, *, fixmedins_code: str, now: datetime) -> str:
        """Keep a filing waiting for approval; answers its 待遇申报明细流水号. One disease is filed once."""
        with self._store.joined() as connection:
            clash = connection.execute(
                "SELECT status, trt_dcla_detl_sn FROM opsp_filing WHERE psn_no = ? AND opsp_dise_code = ?"
                " AND status != 'revoked' AND (enddate IS NULL OR enddate >= ?)"
                " AND (? IS NULL OR begndate <= ?)",
                (
                    application.psn_no,
                    application.opsp_dise_code,
                    application.begndate.isoformat(),
                    _iso(application.enddate),
                    _iso(application.enddate),
                ),
            ).fetchone()
            if clash is not None:
                serial = clash["trt_dcla_detl_sn"] or "参保地备案"
                raise RequestError(
                    f"参保人已有门诊慢特病[{application.opsp_dise_code}]备案（{STATUS_LABELS[clash['status']]}，"
                    f"{serial}），有效期重叠，不能重复备案"
                )
            serial_no = f"DCL{now:%Y%m%d}{next_value(connection, 'trt_dcla_detl_sn'):08d}"
            connection.execute(
                "INSERT INTO opsp_filing (psn_no, opsp_dise_code, opsp_dise_name, begndate, enddate, status,"
                " trt_dcla_detl_sn, insutype, fixmedins_code, filed_at)"
                " VALUES (?, ?, ?, ?, ?, 'filed', ?, ?, ?, ?)",
                (
                    application.psn_no,
                    application.opsp_dise_code,
                    application.opsp_dise_name,
                    application.begndate.isoformat(),
                    _iso(application.enddate),
                    serial_no,
                    application.insutype,
                    fixmedins_code,
                    format_datetime(now),
                ),
            )
        return serial_no

    def get(self, trt_dcla_detl_sn: str) -> FilingRow | None:
        with self._store.joined() as connection:
            row = connection.execute(
                "SELECT * FROM opsp_filing WHERE trt_dcla_detl_sn = ?", (trt_dcla_detl_sn,)
            ).fetchone()
        if row is None:
            return None
        return FilingRow(
            row["trt_dcla_detl_sn"],
            row["psn_no"],
            row["opsp_dise_code"],
            row["status"],
            row["fixmedins_code"],
        )

    def revoke(
        self, trt_dcla_detl_sn: str, *, psn_no: str, memo: str, fixmedins_code: str, now: datetime
    ) -> None:
        """2504: only a filing still waiting for approval, by the hospital that filed it (§3.17)."""
        row = self._require(trt_dcla_detl_sn)
        if row.psn_no != psn_no:
            raise RequestError(f"交易输入[data.psn_no]与备案[{trt_dcla_detl_sn}]的人员编号不一致")
        if row.fixmedins_code != fixmedins_code:
            raise RequestError(f"备案[{trt_dcla_detl_sn}]由其他定点医疗机构申报，本机构不能撤销")
        if row.status == "approved":
            raise RequestError(
                f"备案[{trt_dcla_detl_sn}]医保经办机构已审核通过，不能撤销（只能撤销尚未审核的备案）"
            )
        if row.status == "revoked":
            raise RequestError(f"备案[{trt_dcla_detl_sn}]已撤销，不能重复撤销")
        self._decide(trt_dcla_detl_sn, "revoked", now=now, memo=memo)

    def approve(self, trt_dcla_detl_sn: str, *, now: datetime) -> None:
        """The insurer's approval (control endpoint): a filed filing comes into force."""
        row = self._require(trt_dcla_detl_sn)
        if row.status != "filed":
            raise RequestError(
                f"备案[{trt_dcla_detl_sn}]状态为{STATUS_LABELS[row.status]}，只有待审核的备案可以审核"
            )
        self._decide(trt_dcla_detl_sn, "approved", now=now, memo="")

    def _require(self, trt_dcla_detl_sn: str) -> FilingRow:
        row = self.get(trt_dcla_detl_sn)
        if row is None:
            raise RequestError(f"交易输入[data.trt_dcla_detl_sn]值[{trt_dcla_detl_sn}]：未找到该待遇申报明细")
        return row

    def _decide(self, trt_dcla_detl_sn: str, status: FilingStatus, *, now: datetime, memo: str) -> None:
        with self._store.joined() as connection:
            connection.execute(
                "UPDATE opsp_filing SET status = ?, decided_at = ?, memo = ? WHERE trt_dcla_detl_sn = ?",
                (status, format_datetime(now), memo, trt_dcla_detl_sn),
            )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
