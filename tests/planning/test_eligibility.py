"""Eligibility judgement (pure): every refusal reason, with DEMO_DATA.md's people."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from adapter import EligibilityError
from adapter.eligibility import assess, choose_insurance
from adapter.transactions import t1101
from mappings import shipped

from .helpers import HOHHOT, P1, P6, P7, P8, P9, hospital, judge, record


def test_p1_cross_province_both_diseases_settleable() -> None:
    eligibility = judge(P1)
    assert eligibility.relation == "cross_province"  # Yinchuan 640100 at Wuhan 420100
    assert eligibility.insured_place == "640100 银川市"
    assert eligibility.psn_name_masked == "马*国"
    assert [(f.opsp_dise_code, f.settleable) for f in eligibility.filings] == [
        ("M01600", True),
        ("M03900", True),
    ]
    assert eligibility.guidance == ()


def test_p6_suspended_insurance() -> None:
    eligibility = judge(P6)
    assert not eligibility.insurance_active
    assert "暂停参保日期 2026-09-01" in eligibility.insurance_reason
    (filing,) = eligibility.filings
    assert not filing.settleable
    assert eligibility.guidance[0] == "本次费用不能使用医保结算，请按自费收费"
    assert "手工报销" in eligibility.guidance[1]


def test_suspension_after_the_visit_date_does_not_refuse() -> None:
    # psn_insu_stas is already 2, but 停保 is judged by its date (seed 001 一(四)1): the day before counts.
    assert judge(P6, day=date(2026, 8, 31)).insurance_active is True
    assert judge(P6, day=date(2026, 9, 1)).insurance_active is False
    active_until = record("1", insutype="310", place="640100", paused=date(2026, 12, 1), filings=[])
    assert judge(active_until).insurance_active


def test_p7_filing_not_yet_valid() -> None:
    (filing,) = judge(P7).filings
    assert not filing.settleable
    assert filing.reason.startswith("备案自 2027-01-01 起生效，就诊日 2026-11-22 尚未生效")


def test_expired_filing() -> None:
    person = record(
        "1",
        insutype="310",
        place="640100",
        filings=[("M01600", "糖尿病", date(2020, 1, 1), date(2025, 12, 31))],
    )
    (filing,) = judge(person).filings
    assert filing.reason == "备案已于 2025-12-31 到期"


def test_p9_local_code_not_settleable_across_provinces_nor_in_region() -> None:
    (filing,) = judge(P9).filings
    assert not filing.settleable
    assert filing.reason.startswith("WH-S01 是参保地本地病种编码，无国家统一编码，不能跨省异地直接结算")
    (at_hohhot,) = judge(P9, at=HOHHOT).filings  # Wuhai in-region (in_province): 22 diseases
    # On Wuhai's in-region list, but with no national code it is never sent as dise_codg (seed 002 二(二)).
    assert (at_hohhot.settleable, at_hohhot.refusal, at_hohhot.dise_codg) == (False, "local_code", "")
    assert at_hohhot.benefit_code == "WH-S01"
    assert at_hohhot.reason.startswith("WH-S01 是参保地本地病种编码，无国家门诊慢特病编码")


def test_wuhai_out_of_region_only_the_five() -> None:
    # 冠心病 M04600 is on Wuhai's in-region employee list (WH-S11) but not among the five.
    person = record(
        "1", insutype="310", place="150300", filings=[("M04600", "冠心病", date(2024, 1, 1), None)]
    )
    (cross,) = judge(person).filings
    assert cross.reason == "参保地跨省异地门诊慢特病病种范围不含 M04600"
    (in_region,) = judge(person, at=HOHHOT).filings
    assert in_region.settleable
    assert in_region.benefit_code == "WH-S11"


def test_policy_not_configured_for_the_relation() -> None:
    # Yinchuan publishes only its cross-province list (seed 001 二); for a Yinchuan patient at
    # a Yinchuan hospital (relation local) nothing is configured: the answer says so.
    yinchuan_hospital = replace(hospital(), admdvs="640100")
    eligibility = assess(
        P1,
        insurance=P1.insurances[0],
        hospital=yinchuan_hospital,
        visit_date=date(2026, 11, 22),
        catalogue=shipped.region_catalogue(),
    )
    assert eligibility.relation == "local"
    assert {f.reason for f in eligibility.filings} == {
        "参保地 640100 银川市 未配置本地门诊慢特病病种范围（待遇政策未配置）"
    }


def test_hospital_not_designated() -> None:
    plain = replace(hospital(), opsp_designated=False)
    eligibility = assess(
        P1,
        insurance=P1.insurances[0],
        hospital=plain,
        visit_date=date(2026, 11, 22),
        catalogue=shipped.region_catalogue(),
    )
    assert {f.reason for f in eligibility.filings} == {"本院不是门诊慢特病定点医疗机构，不能直接结算"}


def test_p8_has_no_filings() -> None:
    eligibility = judge(P8)
    assert eligibility.relation == "local"
    assert eligibility.filings == ()
    assert eligibility.insurance_active


def test_choosing_the_insurance() -> None:
    two = P1.__class__(
        person=P1.person,
        insurances=(
            t1101.InsuranceInfo(insutype="310", psn_type="21", psn_insu_stas="1", insuplc_admdvs="640100"),
            t1101.InsuranceInfo(insutype="390", psn_type="50", psn_insu_stas="1", insuplc_admdvs="640100"),
        ),
        identities=(),
        filings=(),
    )
    with pytest.raises(EligibilityError, match=r"choices: 310\(1 正常参保\), 390\(1 正常参保\)"):
        choose_insurance(two, None)
    assert choose_insurance(two, "390").insutype == "390"
    with pytest.raises(EligibilityError, match="no insurance 320"):
        choose_insurance(two, "320")
    assert choose_insurance(P6, None).insutype == "310"  # the only one, even suspended: judged, not refused
