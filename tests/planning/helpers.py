"""Building eligibility inputs by hand from DEMO_DATA.md, so planning tests need no platform."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from adapter._hospital import HospitalProfile, load_hospital_profile
from adapter._lookup import PersonRecord
from adapter._paths import config_dir
from adapter.eligibility import Eligibility, assess
from adapter.planning import parse_visit
from adapter.planning._visit import Visit
from adapter.transactions import t1101, t5301
from mappings import shipped

VISIT_DAY = date(2026, 11, 22)
WUHAN = "H42010200001"
HOHHOT = "H15010200002"


def hospital(code: str = WUHAN) -> HospitalProfile:
    return load_hospital_profile(config_dir() / "demo" / "hospitals.toml", code)


def record(
    psn_no: str,
    *,
    insutype: str,
    place: str,
    filings: list[tuple[str, str, date, date | None]],
    status: str = "1",
    paused: date | None = None,
    balance: str = "0.00",
    name: str = "马建国",
) -> PersonRecord:
    """A 1101 + 5301 answer as DEMO_DATA.md gives it for one person."""
    return PersonRecord(
        person=t1101.BaseInfo(
            psn_no=psn_no, psn_cert_type="01", certno="640104196203152010", psn_name=name, gend="1"
        ),
        insurances=(
            t1101.InsuranceInfo(
                balc=Decimal(balance),
                insutype=insutype,
                psn_type="21",
                psn_insu_stas=status,
                paus_insu_date=paused,
                insuplc_admdvs=place,
            ),
        ),
        identities=(),
        filings=tuple(
            t5301.Filing(opsp_dise_code=code, opsp_dise_name=dise_name, begndate=begin, enddate=end)
            for code, dise_name, begin, end in filings
        ),
    )


P1 = record(
    "64010000000000000001",
    insutype="310",
    place="640100",
    balance="1000.00",
    filings=[("M01600", "糖尿病", date(2024, 1, 1), None), ("M03900", "高血压", date(2024, 1, 1), None)],
)
P6 = record(
    "64010000000000000006",
    insutype="310",
    place="640100",
    status="2",
    paused=date(2026, 9, 1),
    filings=[("M01600", "糖尿病", date(2024, 1, 1), None)],
)
P7 = record(
    "64010000000000000007",
    insutype="310",
    place="640100",
    filings=[("M03900", "高血压", date(2027, 1, 1), None)],
)
P4_LIKE = record(
    "15030000000000000004",
    insutype="390",
    place="150300",
    filings=[("M01600", "糖尿病", date(2024, 7, 1), None), ("M03900", "高血压Ⅲ级", date(2024, 7, 1), None)],
)
P8 = record("42010000000000000008", insutype="390", place="420100", filings=[])
P9 = record(
    "15030000000000000009",
    insutype="310",
    place="150300",
    filings=[("WH-S01", "肺心病", date(2024, 1, 1), None)],
)


def judge(person: PersonRecord, *, at: str = WUHAN, day: date = VISIT_DAY) -> Eligibility:
    return assess(
        person,
        insurance=person.insurances[0],
        hospital=hospital(at),
        visit_date=day,
        catalogue=shipped.region_catalogue(),
    )


def item(sn: str, code: str, cnt: str, pric: str, diag: str = "", appr: str = "0") -> dict[str, Any]:
    return {
        "feedetl_sn": sn,
        "medins_list_codg": code,
        "cnt": cnt,
        "pric": pric,
        "fee_ocur_time": "2026-11-22 09:40:00",
        "diag_code": diag,
        "hosp_appr_flag": appr,
    }


def visit(
    items: list[dict[str, Any]], diagnoses: list[tuple[str, str]], *, card: str = "640104196203152010"
) -> Visit:
    return parse_visit(
        {
            "patient": {"mdtrt_cert_type": "02", "mdtrt_cert_no": card},
            "visit": {
                "ipt_otp_no": "MZ20261122001",
                "begntime": "2026-11-22 09:30:00",
                "dept_code": "A03",
                "dept_name": "内科",
                "caty": "A03",
                "atddr_no": "D001",
                "dr_name": "医生甲",
            },
            "diagnoses": [{"diag_code": code, "diag_name": name} for code, name in diagnoses],
            "items": items,
            "acct_used_flag": "1",
        }
    )


PLANNED_AT = datetime(2026, 11, 22, 9, 35)
