"""Planning a bill: batches per disease, ordinary, self-pay — amounts by hand from DEMO_DATA.md prices.

Classes are Hubei's (the Wuhan demo hospital's province of care) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapter import InputError, decode
from adapter.planning import VisitPlan, plan_visit

from .helpers import HOHHOT, P1, P6, P7, P8, PLANNED_AT, hospital, item, judge, record, visit

DIABETES, HYPERTENSION, COLD = (
    ("E11.900", "2型糖尿病"),
    ("I10.x09", "原发性高血压"),
    ("J06.900", "急性上呼吸道感染"),
)
P1_ITEMS = [
    item("1", "Y001", "60", "0.40", "E11.900"),  # 甲: 24.00
    item("2", "Y002", "30", "1.50", "E11.900"),  # 乙 10%: 45.00, 先行自付 4.50
    item("3", "S002", "1", "45.00", "E11.900"),  # 甲: 45.00
    item("4", "Y005", "28", "2.10", "I10.x09"),  # 甲: 58.80
    item("5", "Y006", "28", "0.90", "I10.x09"),  # 乙 10% in Hubei: 25.20, 先行自付 2.52
    item("6", "Y011", "24", "0.30", "J06.900"),  # amoxicillin, ordinary: 7.20
    item("7", "S001", "1", "25.00"),  # 诊查费, no diagnosis, ordinary: 25.00
    item("8", "L999", "1", "15.00"),  # 未贯标: self-pay, not uploaded
]


def _plan(
    person: object, items: list[dict[str, object]], diagnoses: list[tuple[str, str]], at: str = "H42010200001"
) -> VisitPlan:
    eligibility = judge(person, at=at)  # type: ignore[arg-type]
    return plan_visit(visit(items, diagnoses), eligibility, hospital=hospital(at), now=PLANNED_AT)


def _where(plan: VisitPlan) -> dict[str, str]:
    placed = {
        line.feedetl_sn: batch.dise_codg or "ordinary" for batch in plan.batches for line in batch.lines
    }
    placed.update({line.feedetl_sn: "self_pay" for line in plan.self_pay.lines})
    return placed


def test_p1_three_batches_and_a_self_pay_line() -> None:
    plan = _plan(P1, P1_ITEMS, [DIABETES, HYPERTENSION, COLD])
    summary = [
        (
            b.number,
            b.med_type,
            b.dise_codg,
            b.receipt_category,
            b.chrg_bchno,
            [line.feedetl_sn for line in b.lines],
        )
        for b in plan.batches
    ]
    assert summary == [
        (1, "14", "M01600", "门诊慢特病", "MZ20261122001-1", ["1", "2", "3"]),
        (2, "14", "M03900", "门诊慢特病", "MZ20261122001-2", ["4", "5"]),
        (3, "11", "", "普通门诊", "MZ20261122001-3", ["6", "7"]),
    ]
    diabetes, hypertension, ordinary = (b.totals for b in plan.batches)
    # M01600: 24.00 + 45.00 + 45.00 = 114.00; 先行自付 4.50; in scope 114.00 − 4.50 = 109.50.
    assert (diabetes.medfee_sumamt, diabetes.preselfpay_amt, diabetes.inscp_scp_amt) == (
        Decimal("114.00"),
        Decimal("4.50"),
        Decimal("109.50"),
    )
    # M03900: 58.80 + 25.20 = 84.00; 先行自付 2.52; in scope 81.48.
    assert (hypertension.medfee_sumamt, hypertension.preselfpay_amt, hypertension.inscp_scp_amt) == (
        Decimal("84.00"),
        Decimal("2.52"),
        Decimal("81.48"),
    )
    # Ordinary: 7.20 + 25.00 = 32.20, all 甲.
    assert (ordinary.medfee_sumamt, ordinary.inscp_scp_amt) == (Decimal("32.20"), Decimal("32.20"))
    assert [line.medins_list_codg for line in plan.self_pay.lines] == ["L999"]
    assert plan.self_pay.total == Decimal("15.00")
    assert plan.bill_total == Decimal("245.20")  # 114.00 + 84.00 + 32.20 + 15.00
    assert plan.self_pay.lines[0].placement == "未贯标（无国家医保编码）：自费，不上传"
    assert plan.batches[2].lines[0].placement == "诊断 J06.900 非门诊慢特病：按普通门诊"


def test_the_same_classes_differ_by_province_of_care() -> None:
    # Y006 苯磺酸氨氯地平 is 乙 10% in Hubei but 甲 in Inner Mongolia (DEMO_DATA.md).
    hohhot = _plan(P1, [item("5", "Y006", "28", "0.90", "I10.x09")], [HYPERTENSION], at=HOHHOT)
    line = next(line for batch in hohhot.batches for line in batch.lines)
    assert (line.chrgitm_lv, line.preselfpay_amt) == ("01", Decimal("0.00"))


def test_p8_local_patient_without_filings_has_only_an_ordinary_batch() -> None:
    plan = _plan(P8, P1_ITEMS[:7], [DIABETES, HYPERTENSION, COLD])
    assert [(b.med_type, b.receipt_category) for b in plan.batches] == [("11", "普通门诊")]
    assert plan.batches[0].totals.medfee_sumamt == Decimal("230.20")  # 114.00 + 84.00 + 32.20


def test_p6_suspended_everything_is_self_pay() -> None:
    plan = _plan(P6, P1_ITEMS[:3], [DIABETES])
    assert plan.batches == ()
    assert plan.self_pay.total == Decimal("114.00")
    assert {line.placement for line in plan.self_pay.lines} == {"参保状态异常：自费"}
    assert plan.warnings[0].startswith("参保状态为 2 暂停参保，暂停参保日期 2026-09-01")


def test_p7_items_of_a_filing_not_yet_valid_are_ordinary() -> None:
    plan = _plan(P7, [item("4", "Y005", "28", "2.10", "I10.x09")], [HYPERTENSION])
    (batch,) = plan.batches
    assert batch.med_type == "11"
    assert batch.lines[0].placement.startswith("M03900 不能直接结算（备案自 2027-01-01 起生效")


def test_item_in_scope_but_ordered_for_an_unrelated_diagnosis_is_ordinary() -> None:
    plan = _plan(P1, [item("1", "Y001", "60", "0.40", "J06.900")], [DIABETES, COLD])
    assert _where(plan) == {"1": "ordinary"}
    assert plan.batches[0].lines[0].placement == "属 M01600 范围，但开单诊断 J06.900 与其无关：按普通门诊"


def test_items_without_a_diagnosis() -> None:
    # In the scope of exactly one filed disease → that disease; of none → ordinary.
    plan = _plan(P1, [item("1", "Y005", "28", "2.10"), item("2", "S001", "1", "25.00")], [DIABETES])
    assert _where(plan) == {"1": "M03900", "2": "ordinary"}
    # In the scope of two filed diseases (他克莫司 treats every transplant code) → ordinary.
    both = record(
        "1",
        insutype="390",
        place="640100",
        filings=[("M08301", "肾移植", date(2020, 1, 1), None), ("M08304", "肝移植", date(2020, 1, 1), None)],
    )
    plan = _plan(both, [item("1", "Y010", "30", "12.00")], [("Z94.002", "异体肾移植状态")])
    assert _where(plan) == {"1": "ordinary"}
    assert plan.batches[0].lines[0].placement == "未填诊断，且属多个病种范围（M08301、M08304）：按普通门诊"


def test_dialysis_needs_the_combination_and_restricted_items_follow_approval() -> None:
    p2 = record(
        "64010000000000000002",
        insutype="390",
        place="640100",
        filings=[("M07801", "透析", date(2025, 3, 1), None)],
    )
    items = [
        item("1", "S003", "1", "420.00", "N18.902"),  # 甲, cap 400: over-limit 20.00, in scope 400.00
        item(
            "2", "Y009", "2", "85.00", "N18.902", appr="1"
        ),  # 乙 10% restricted, approved: 170.00, 先行自付 17.00
        item("3", "Y009", "1", "85.00", "N18.902", appr="0"),  # restricted, not approved: all self-pay 85.00
    ]
    plan = _plan(p2, items, [("N18.902", "慢性肾衰竭"), ("Z99.201", "血液透析状态")])
    (batch,) = plan.batches
    assert batch.dise_codg == "M07801"
    totals = batch.totals
    # 420.00 + 170.00 + 85.00 = 675.00 = 85.00 self-pay + 20.00 over-limit + 17.00 先行自付 + 553.00 in scope.
    assert (
        totals.medfee_sumamt,
        totals.fulamt_ownpay_amt,
        totals.overlmt_selfpay,
        totals.preselfpay_amt,
        totals.inscp_scp_amt,
    ) == (
        Decimal("675.00"),
        Decimal("85.00"),
        Decimal("20.00"),
        Decimal("17.00"),
        Decimal("553.00"),
    )
    without_dialysis_code = _plan(p2, items[:1], [("N18.902", "慢性肾衰竭")])
    assert _where(without_dialysis_code) == {"1": "ordinary"}  # N18 alone supports M07800, not M07801


def test_compound_benefit_makes_two_chronic_batches() -> None:
    p4 = record(
        "15030000000000000004",
        insutype="390",
        place="150300",
        filings=[
            ("M01600", "糖尿病", date(2024, 7, 1), None),
            ("M03900", "高血压Ⅲ级", date(2024, 7, 1), None),
        ],
    )
    plan = _plan(p4, P1_ITEMS[:5], [DIABETES, HYPERTENSION], at=HOHHOT)
    assert [(b.dise_codg, b.totals.medfee_sumamt) for b in plan.batches] == [
        ("M01600", Decimal("114.00")),
        ("M03900", Decimal("84.00")),
    ]
    assert {f.benefit_code for f in plan.eligibility.filings} == {"WH-S03", "WH-S02"}


def test_hospital_local_diagnosis_codes_are_translated() -> None:
    plan = _plan(P1, [item("1", "Y001", "60", "0.40", "ZD0001")], [("ZD0001", "2型糖尿病")])
    assert _where(plan) == {"1": "M01600"}
    assert plan.visit.diagnoses[0].icd_code == "E11.900"


@pytest.mark.parametrize(
    ("items", "diagnoses", "message"),
    [
        (
            [item("1", "Y404", "1", "1.00")],
            [DIABETES],
            r"items\[0\] \(feedetl_sn 1\)\.medins_list_codg: Y404 is not in this hospital's 目录对照",
        ),
        (
            [item("1", "Y001", "1", "1.00")],
            [("XYZ", "?")],
            r"diagnoses\[0\]\.diag_code: XYZ is neither an ICD-10 code nor in the hospital's local diagnosis",
        ),
    ],
)
def test_unknown_codes_are_input_errors_naming_the_place(
    items: list[dict[str, object]], diagnoses: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        _plan(P1, items, diagnoses)


def test_the_plan_is_deterministic_json() -> None:
    first = _plan(P1, P1_ITEMS, [DIABETES, HYPERTENSION, COLD]).to_json()
    assert first == _plan(P1, P1_ITEMS, [DIABETES, HYPERTENSION, COLD]).to_json()
    document = decode(first)
    assert document["bill_total"] == Decimal("245.20")  # a JSON number, exact
    assert document["batches"][0]["lines"][1]["pric"] == Decimal("1.50")
    assert document["planned_at"] == "2026-11-22 09:35:00"
    assert "640104196203152010" not in first.decode()  # no ID number in the plan
    assert "马建国" not in first.decode()


def test_a_local_filing_with_a_national_equivalent_is_sent_under_the_national_code() -> None:
    # A Wuhai resident filed under Wuhai's own code WH-S03 糖尿病; region_catalogues.csv maps it to M01600
    # (seed 000 附件 自治区内 单病种 #3). At Hohhot (in_province) the batch carries M01600, never WH-S03
    # (seed 002 二(二)). Y001 60 x 0.40 = 24.00; Y002 30 x 1.50 = 45.00; S002 45.00 -> 114.00.
    person = record(
        "15030000000000000004",
        insutype="390",
        place="150300",
        filings=[("WH-S03", "糖尿病", date(2024, 7, 1), None)],
    )
    plan = _plan(person, P1_ITEMS[:3], [DIABETES], at=HOHHOT)
    (filing,) = plan.eligibility.filings
    assert (filing.settleable, filing.benefit_code, filing.dise_codg) == (True, "WH-S03", "M01600")
    assert [(b.med_type, b.dise_codg, b.totals.medfee_sumamt) for b in plan.batches] == [
        ("14", "M01600", Decimal("114.00"))
    ]


def test_a_local_filing_without_a_national_code_is_not_a_chronic_batch_in_region() -> None:
    # WH-S01 肺心病 has no national code (region_catalogues.csv, DOMAIN.md §3.3): nothing is sent under it.
    person = record(
        "15030000000000000009",
        insutype="310",
        place="150300",
        filings=[("WH-S01", "肺心病", date(2024, 1, 1), None)],
    )
    plan = _plan(
        person, [item("1", "Y011", "24", "0.30", "I27.900")], [("I27.900", "慢性肺源性心脏病")], at=HOHHOT
    )
    (filing,) = plan.eligibility.filings
    assert (filing.settleable, filing.refusal, filing.dise_codg) == (False, "local_code", "")
    assert [(b.med_type, b.dise_codg) for b in plan.batches] == [("11", "")]
    assert plan.decision_needed == ("WH-S01",)
