"""Manual-reimbursement advice by insured place and reason; the cashier's choice for refused chronic items.

Seeds: 001 一(三) (Yinchuan: claim within 30 个工作日), 一(四) (不予报销: 停保, before the filing);
000 三(三) (Wuhai: 经所属医保经办机构同意), 一(三)2 (out of region only 5 diseases); 002 三(一) (Hubei:
pay first, then claim).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapter.eligibility import assess
from adapter.eligibility._manual import Refusal, manual_claim_advice
from adapter.planning import plan_visit
from mappings import shipped

from .helpers import HOHHOT, P1, P6, P7, P9, PLANNED_AT, hospital, judge, visit
from .test_plan import DIABETES, P1_ITEMS


@pytest.mark.parametrize(
    ("insured", "refusal", "says"),
    [
        ("640100", Refusal.SUSPENDED, "不予报销"),
        ("150300", Refusal.SUSPENDED, "不予报销"),
        ("640100", Refusal.BEFORE_FILING, "不予报销"),
        ("640100", Refusal.NOT_OPENED, "30 个工作日"),
        ("150300", Refusal.PLATFORM_DOWN, "经所属医保经办机构同意"),
        ("150300", Refusal.NOT_COVERED, "只保障 5 个慢病病种"),
        ("420500", Refusal.NOT_OPENED, "先行垫付"),
        ("330100", Refusal.NOT_OPENED, "未收录该参保地"),
    ],
)
def test_advice_by_insured_place_and_reason(insured: str, refusal: Refusal, says: str) -> None:
    assert says in manual_claim_advice(insured, refusal)


def test_suspended_patient_is_told_there_is_no_claim() -> None:
    eligibility = judge(P6)
    assert eligibility.guidance == (
        "本次费用不能使用医保结算，请按自费收费",
        "停保期间发生的费用不予报销，参保地不受理手工报销（seed 001 一(四)1）",
    )


def test_costs_before_the_filing_are_not_claimable() -> None:
    (filing,) = judge(P7).filings
    assert (filing.refusal, filing.claimable) == ("before_filing", False)
    assert "不予报销" in filing.manual_claim


def test_a_wuhai_local_disease_outside_the_region_is_told_it_has_no_benefit() -> None:
    (filing,) = judge(P9).filings  # WH-S01 肺心病 at Wuhan (cross-province)
    assert (filing.refusal, filing.claimable) == ("not_covered", False)
    assert "自治区范围外只保障 5 个慢病病种" in filing.manual_claim
    assert judge(P9).guidance[-1] == "相关费用按普通门诊结算（seed 002 三(二)）"


def _closed_hospital_plan(refused_chronic: str | None):  # type: ignore[no-untyped-def]
    # A Wuhan hospital not designated for 门诊慢特病: Yinchuan's P1 may claim at home (seed 001 一(三)).
    closed = replace(hospital(), opsp_designated=False)
    eligibility = assess(
        P1, insurance=P1.insurances[0], hospital=closed, visit_date=PLANNED_AT.date(),
        catalogue=shipped.region_catalogue(),
    )  # fmt: skip
    bill = visit(P1_ITEMS[:3], [DIABETES])
    if refused_chronic is not None:
        bill = bill.model_copy(update={"refused_chronic": refused_chronic})
    return eligibility, plan_visit(bill, eligibility, hospital=closed, now=PLANNED_AT)


def test_refused_chronic_items_wait_for_the_cashier_to_choose() -> None:
    eligibility, plan = _closed_hospital_plan(None)
    assert all(f.claimable for f in eligibility.filings)
    assert "30 个工作日" in eligibility.guidance[0]
    assert "收费员请与参保人确认" in eligibility.guidance[-1]
    assert plan.decision_needed == ("M01600",)  # settle refuses until refused_chronic is given


def test_self_pay_keeps_the_receipt_for_the_claim() -> None:
    _, plan = _closed_hospital_plan("self_pay")
    assert plan.decision_needed == ()
    assert plan.batches == ()
    # Y001 24.00 + Y002 45.00 + S002 45.00 = 114.00, collected in full; the details go to the outbox.
    assert str(plan.self_pay.total) == "114.00"
    assert plan.kept_for_claim == ("1", "2", "3")


def test_ordinary_settles_them_as_ordinary_outpatient() -> None:
    _, plan = _closed_hospital_plan("ordinary")
    assert plan.decision_needed == ()
    assert [(b.med_type, str(b.totals.medfee_sumamt)) for b in plan.batches] == [("11", "114.00")]


def test_in_region_wuhai_local_disease_without_a_national_code_is_claimable_with_consent() -> None:
    # WH-S01 肺心病 is on Wuhai's 自治区内 list (seed 000 附件) but has no national code: the national
    # interface cannot carry it (seed 002 二(二)), so Wuhai's "特殊原因" rule applies (seed 000 三(三)).
    (filing,) = judge(P9, at=HOHHOT).filings
    assert (filing.settleable, filing.refusal, filing.claimable) == (False, "local_code", True)
    assert (
        filing.manual_claim == "经所属医保经办机构同意后，可返回乌海参保地经办机构予以结算（seed 000 三(三)）"
    )
