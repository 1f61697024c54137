"""2206 门诊预结算 / 2207 门诊结算: the insured place's benefits (DOMAIN.md §2.3, §2.4, DEMO_DATA.md).

Hand-computed amounts with the arithmetic in comments; every answer is checked against the money identities.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import (
    EXAMPLE2_CATALOGUE,
    EXAMPLE2_LINES,
    EXAMPLE4_LINES,
    P1,
    P3,
    P4,
    P5,
    P6,
    P7,
    P8,
    P9,
    P10,
    WUHAI_LOCAL_FILING,
    WUHAI_RESIDENT,
    YINCHUAN_EMPLOYEE,
    YINCHUAN_RESIDENT,
    patient,
    person,
)

D = Decimal
MONEY = (
    "medfee_sumamt",
    "act_pay_dedc",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
)


def check_identities(output: dict[str, Any], cash: str = "psn_cash_pay") -> dict[str, Any]:
    """PROTOCOL.md §3.10 / DOMAIN.md §2.2: the identities every settlement answer must satisfy."""
    info = output["setlinfo"]
    assert info["medfee_sumamt"] == info["fund_pay_sumamt"] + info["psn_part_amt"] + info["hosp_part_amt"]
    assert info["psn_part_amt"] == info["acct_pay"] + info[cash]
    assert info["fund_pay_sumamt"] == sum((row["fund_payamt"] for row in output["setldetail"]), D("0.00"))
    split = (
        info["fulamt_ownpay_amt"] + info["overlmt_selfpay"] + info["preselfpay_amt"] + info["inscp_scp_amt"]
    )
    assert info["medfee_sumamt"] == split
    return dict(info)


def money(answer: dict[str, Any]) -> tuple[Decimal, ...]:
    info = check_identities(answer["output"])
    return tuple(info[name] for name in MONEY)


@pytest.fixture
def example2(platform: MockPlatform, signed_in: Caller) -> Clinic:
    platform.seed({"people": [YINCHUAN_EMPLOYEE, YINCHUAN_RESIDENT], **EXAMPLE2_CATALOGUE})
    return Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))


def test_example_2_deductible_builds_up_over_three_visits(example2: Clinic) -> None:
    # Yinchuan employee, cross-province at Wuhan: D 500 per year, 75%, M01600 cap 3500 (seed 001).
    a = example2.visit(EXAMPLE2_LINES, begntime="2026-03-10 09:00:00")
    # A: act_pay_dedc = min(485, 500 − 0) = 485.00; fund = (485 − 485) × 75% = 0.00; personal 670.00.
    assert money(a) == (D("670.00"), D("485.00"), D("0.00"), D("0.00"), D("670.00"), D("0.00"), D("670.00"))
    b = example2.visit(EXAMPLE2_LINES, begntime="2026-04-10 09:00:00")
    # B: act_pay_dedc = min(485, 500 − 485) = 15.00; fund = (485 − 15) × 75% = 352.50; personal 317.50.
    assert money(b) == (
        D("670.00"),
        D("15.00"),
        D("352.50"),
        D("352.50"),
        D("317.50"),
        D("0.00"),
        D("317.50"),
    )
    c = example2.visit(EXAMPLE2_LINES, begntime="2026-05-10 09:00:00", acct="1")
    # C: deductible used up; fund = 485 × 75% = 363.75; personal 306.25;
    # balance 200 → acct 200.00, cash 106.25.
    assert money(c) == (
        D("670.00"),
        D("0.00"),
        D("363.75"),
        D("363.75"),
        D("306.25"),
        D("200.00"),
        D("106.25"),
    )
    assert c["output"]["setlinfo"]["balc"] == D("0.00")
    # Remaining cap before each visit: 3500.00, 3500.00, 3500 − 352.50 = 3147.50.
    caps = [v["output"]["setldetail"][0]["crt_payb_lmt_amt"] for v in (a, b, c)]
    assert caps == [D("3500.00"), D("3500.00"), D("3147.50")]
    assert example2.cuminfo("202612") == {
        "310/Q0000": D("500.00"),  # 485 + 15
        "310/S0000": D("2010.00"),  # 3 × 670
        "310/J0000": D("716.25"),  # 352.50 + 363.75
        "310/C0000": D("3.00"),
        "310/FM01600": D("716.25"),
    }
    assert example2.balance() == D("0.00")


def test_setlinfo_fields(example2: Clinic) -> None:
    answer = example2.visit(EXAMPLE2_LINES)
    info = answer["output"]["setlinfo"]
    assert info["setl_id"].startswith("S640100")
    assert len(info["setl_id"]) <= 30
    assert info["medins_setl_id"] == example2.caller.msgid(example2.caller.serial)  # the 2207 msgid
    assert (info["clr_optins"], info["clr_type"], info["clr_way"], info["med_type"]) == (
        "640100",
        "14",
        "1",
        "14",
    )
    assert (info["insutype"], info["psn_type"], info["pool_prop_selfpay"]) == ("310", "21", D("0.7500"))
    assert (info["overlmt_selfpay"], info["preselfpay_amt"], info["fulamt_ownpay_amt"]) == (
        D("20.00"),
        D("35.00"),
        D("130.00"),
    )
    for name in ("cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "hosp_part_amt"):
        assert info[name] == D("0.00")
    assert "pdn_cash_pay" not in info
    detail = answer["output"]["setldetail"]
    assert [(d["fund_pay_type"], d["fund_pay_type_name"]) for d in detail] == [
        ("310100", "职工基本医疗保险统筹基金")
    ]
    assert detail[0]["inscp_scp_amt"] == D("485.00")
    assert "起付线500.00元" in detail[0]["setl_proc_info"]
    assert "(485.00-485.00)×75%=0.00元" in detail[0]["setl_proc_info"]


def test_pre_settlement_computes_and_commits_nothing(example2: Clinic) -> None:
    mdtrt_id = example2.open_visit()
    example2.upload(mdtrt_id, EXAMPLE2_LINES)
    pre = example2.pre_settle(mdtrt_id, acct="1")
    assert pre["infcode"] == 0, pre["err_msg"]
    assert "setl_id" not in pre["output"]["setlinfo"]
    # First visit of the year: act_pay_dedc 485.00, fund 0.00, personal 670.00 → account 200.00, cash 470.00.
    expected = (D("670.00"), D("485.00"), D("0.00"), D("0.00"), D("670.00"), D("200.00"), D("470.00"))
    assert money(pre) == expected
    assert example2.cuminfo() == {}
    assert example2.balance() == D("200.00")
    settled = example2.settle(mdtrt_id, acct="1")
    assert money(settled) == expected


def test_example_3_resident_reaches_the_cap(example2: Clinic) -> None:
    resident = Clinic(example2.caller, patient(YINCHUAN_RESIDENT))
    # Visit 1: 500.00 in scope uses the whole 500 deductible; fund 0.
    first = resident.visit([Line("Y001", "500.00")], begntime="2026-02-01 09:00:00")
    assert money(first)[1:3] == (D("500.00"), D("0.00"))
    # Visit 2: 3833.33 × 60% = 2299.998 → 2300.00 (ROUND_HALF_UP): cap used 2300 of 2400.
    second = resident.visit([Line("Y001", "3833.33")], begntime="2026-03-01 09:00:00")
    assert money(second)[2] == D("2300.00")
    # Visit 3 (Example 2 lines): raw 485 × 60% = 291.00, but only 2400 − 2300 = 100.00 remains.
    third = resident.visit(EXAMPLE2_LINES, begntime="2026-04-01 09:00:00", acct="1")
    assert third["output"]["setldetail"][0]["crt_payb_lmt_amt"] == D("100.00")
    # hifp 100.00; personal 670 − 100 = 570.00, all cash:
    # residents have no account even with acct_used_flag 1.
    assert money(third) == (
        D("670.00"),
        D("0.00"),
        D("100.00"),
        D("100.00"),
        D("570.00"),
        D("0.00"),
        D("570.00"),
    )
    assert third["output"]["setlinfo"]["pool_prop_selfpay"] == D("0.6000")
    assert resident.cuminfo()["390/FM01600"] == D("2400.00")


def test_wuhai_resident_in_region_at_a_level_2_hospital(hohhot: Caller) -> None:
    # P4 (compound 糖尿病+高血压Ⅲ级) at Hohhot: in_province, 二级 → D 700, 80% (seed 000 三(一)2), no cap.
    clinic = Clinic(hohhot, P4)
    first = clinic.visit(EXAMPLE4_LINES, dise_codg="M01600", begntime="2026-05-01 09:00:00")
    # (8300 − 700) × 80% = 6080.00; personal 10000 − 6080 = 3920.00.
    assert money(first) == (
        D("10000.00"),
        D("700.00"),
        D("6080.00"),
        D("6080.00"),
        D("3920.00"),
        D("0.00"),
        D("3920.00"),
    )
    # No disease cap in seed 000, but the (illustrative) 居民 annual ceiling of 100000 limits the basic fund:
    # 本次可支付限额 = 100000 − 0 paid this year (config/policies/150300.toml, docs/policies.md).
    assert first["output"]["setldetail"][0]["crt_payb_lmt_amt"] == D("100000.00")
    assert first["output"]["setlinfo"]["clr_optins"] == "150300"
    # Second visit the same year, under the compound's other disease: the deductible is shared.
    second = clinic.visit(EXAMPLE4_LINES, dise_codg="M03900", begntime="2026-06-01 09:00:00")
    # 8300 × 80% = 6640.00.
    assert money(second)[1:3] == (D("0.00"), D("6640.00"))


def test_wuhai_employee_in_region_pays_from_the_account(platform: MockPlatform, hohhot: Caller) -> None:
    # A Wuhai 职工 filed under Wuhai's own code WH-S03 糖尿病 (seed 000 附件 自治区内 单病种 #3), balance 200,
    # at Hohhot: settled under the national code the catalogue maps WH-S03 to, M01600 (region_catalogues.csv;
    # seed 002 二(二): the interface carries national codes). 二级 → D 700, 85% (seed 000 三(一)1).
    platform.seed({"people": [WUHAI_LOCAL_FILING]})
    clinic = Clinic(hohhot, patient(WUHAI_LOCAL_FILING))
    answer = clinic.visit(EXAMPLE4_LINES, dise_codg="M01600", acct="1")
    # Y001 甲 2000.00 + Y002 乙 7000.00 at 10% (先行自付 700.00) + Y012 丙 1000.00 (全自费): inscp 8300.00.
    # (8300 − 700) × 85% = 6460.00 (DOMAIN.md Example 4, 二级 职工);
    # personal 3540.00 → account 200, cash 3340.
    assert money(answer) == (
        D("10000.00"),
        D("700.00"),
        D("6460.00"),
        D("6460.00"),
        D("3540.00"),
        D("200.00"),
        D("3340.00"),
    )
    assert answer["output"]["setlinfo"]["balc"] == D("0.00")


@pytest.mark.parametrize(("who", "code"), [("WH-S03 filing", "WH-S03"), ("P9", "WH-S01")])
def test_a_local_disease_code_is_refused_as_dise_codg(
    platform: MockPlatform, hohhot: Caller, who: str, code: str
) -> None:
    # A local code is never a 病种编码 on the national interface (seed 002 二(二)), even in region: the
    # person filed under WH-S03 is settled with M01600 (above); P9's WH-S01 肺心病 has no national code.
    platform.seed({"people": [WUHAI_LOCAL_FILING]})
    clinic = Clinic(hohhot, patient(WUHAI_LOCAL_FILING) if who != "P9" else P9)
    answer = clinic.treatment(clinic.register(), dise_codg=code)
    assert answer["infcode"] != 0
    assert answer["err_msg"].startswith(f"交易输入[mdtrtinfo.dise_codg]值[{code}]不是国家门诊慢特病病种代码")
    check = clinic.call("2001", treatment_check(clinic, code))
    assert check["err_msg"].startswith(f"交易输入[data.dise_codg]值[{code}]不是国家门诊慢特病病种代码")


def treatment_check(clinic: Clinic, code: str) -> dict[str, Any]:
    data = {
        "psn_no": clinic.patient.psn_no,
        "insutype": clinic.patient.insutype,
        "fixmedins_code": "H15010200002",
        "med_type": "14",
        "begntime": "2026-11-22 09:00:00",
        "dise_codg": code,
    }
    return {"data": data}


def test_p9_filed_under_a_code_without_national_equivalent_is_refused_at_settlement(hohhot: Caller) -> None:
    # WH-S01 maps to no national code: no national dise_codg matches P9's filing, so M01600 is refused too.
    clinic = Clinic(hohhot, P9)
    answer = clinic.treatment(clinic.register(), dise_codg="M01600")
    assert answer["err_msg"] == "参保人未办理门诊慢特病[M01600]备案，不享受门诊慢特病待遇"


def test_wuhai_out_of_region_employee_and_resident(platform: MockPlatform, signed_in: Caller) -> None:
    # At Wuhan (三级, cross-province): D 800 for every level, 75% employees / 70% residents (seed 000 三(二)).
    employee = Clinic(signed_in, P3)
    answer = employee.visit(EXAMPLE4_LINES, dise_codg="M00500", acct="1")
    # (8300 − 800) × 75% = 5625.00; personal 4375.00 → account 500.00 (P3's balance), cash 3875.00.
    assert money(answer) == (
        D("10000.00"),
        D("800.00"),
        D("5625.00"),
        D("5625.00"),
        D("4375.00"),
        D("500.00"),
        D("3875.00"),
    )
    platform.seed({"people": [WUHAI_RESIDENT]})
    resident = Clinic(signed_in, patient(WUHAI_RESIDENT))
    first = resident.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-07-01 09:00:00")
    # (8300 − 800) × 70% = 5250.00; personal 4750.00.
    assert money(first)[2:5] == (D("5250.00"), D("5250.00"), D("4750.00"))
    second = resident.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-08-01 09:00:00")
    # Per-year deductible already met: hifp 8300 × 70% = 5810.00; 居民大病保险 (illustrative: 60% above
    # 5000 of the year's in-scope personal share, 3050 + 2490 − 5000 = 540) pays 324.00 (see test_funds.py).
    assert money(second)[1:5] == (D("0.00"), D("5810.00"), D("6134.00"), D("3866.00"))


def test_yichang_in_province_at_wuhan(signed_in: Caller) -> None:
    # P5: 420500 policy (illustrative) in_province: D 600, 80% employees, M03900 cap 3000.
    clinic = Clinic(signed_in, P5)
    answer = clinic.visit([Line("Y005", "2.10", "500")], dise_codg="M03900")
    # 2.10 × 500 = 1050.00 甲; (1050 − 600) × 80% = 360.00; personal 690.00.
    assert money(answer)[:5] == (D("1050.00"), D("600.00"), D("360.00"), D("360.00"), D("690.00"))
    assert answer["output"]["setldetail"][0]["crt_payb_lmt_amt"] == D("3000.00")


def test_transplant_employee_has_no_cap(signed_in: Caller) -> None:
    answer = Clinic(signed_in, P10).visit([Line("Y001", "1000.00")], dise_codg="M08301")
    # (1000 − 500) × 75% = 375.00; seed 001 "无": crt_payb_lmt_amt null.
    assert money(answer)[2] == D("375.00")
    assert answer["output"]["setldetail"][0]["crt_payb_lmt_amt"] is None


@pytest.mark.parametrize(("clinic_patient", "insured"), [(P8, "420100"), (P1, "640100")])
def test_ordinary_outpatient_pays_nothing_from_the_fund(
    signed_in: Caller, clinic_patient: Any, insured: str
) -> None:
    clinic = Clinic(signed_in, clinic_patient)
    answer = clinic.visit([Line("S001", "25.00"), Line("Y011", "0.30", "20")], med_type="11", dise_codg="")
    # 25.00 + 6.00 = 31.00, all in scope, but med_type 11 has no pooled-fund payment (illustrative policy).
    assert money(answer)[:5] == (D("31.00"), D("0.00"), D("0.00"), D("0.00"), D("31.00"))
    info = answer["output"]["setlinfo"]
    assert (info["clr_type"], info["pool_prop_selfpay"], info["clr_optins"]) == ("11", D("0.0000"), insured)
    assert "无统筹基金支付" in answer["output"]["setldetail"][0]["setl_proc_info"]


@pytest.mark.parametrize(
    "field", ["medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"]
)
def test_2207_amounts_must_equal_the_uploaded_totals(example2: Clinic, field: str) -> None:
    mdtrt_id = example2.open_visit()
    example2.upload(mdtrt_id, EXAMPLE2_LINES)
    data = example2.settle_input(mdtrt_id)
    data[field] += D("0.01")
    answer = example2.call("2207", {"data": data})
    assert answer["infcode"] == -1
    assert answer["err_msg"].startswith(f"交易输入[data.{field}]值[{data[field]}]与已上传费用明细的汇总[")
    assert example2.cuminfo() == {}


def refusal(clinic: Clinic, lines: list[Line], **visit: Any) -> str:
    mdtrt_id = clinic.open_visit(**visit)
    assert clinic.upload(mdtrt_id, lines)["infcode"] == 0
    answer = clinic.settle(mdtrt_id, med_type=visit.get("med_type", "14"))
    assert answer["infcode"] == -1
    message: str = answer["err_msg"]
    return message


def test_refused_when_insurance_is_suspended(signed_in: Caller) -> None:
    # P6: 暂停参保 from 2026-09-01; the visit is on 2026-11-22.
    message = refusal(Clinic(signed_in, P6), [Line("Y001", "10.00")])
    assert message == "参保人自2026-09-01起暂停参保，就医日期2026-11-22处于停保状态，不享受医保待遇"


def test_refused_when_the_filing_is_not_yet_valid(signed_in: Caller) -> None:
    # P7: M03900 filed from 2027-01-01 (2203 accepts the filed code; the dated check is at settlement).
    message = refusal(Clinic(signed_in, P7), [Line("Y005", "10.00")], dise_codg="M03900")
    assert message == "门诊慢特病[M03900]备案自2027-01-01起生效，就医日期2026-11-22不在备案有效期内"


def test_refused_without_a_remote_filing(signed_in: Caller) -> None:
    # P1's 异地就医备案 to 420000 starts on 2025-01-01; a visit on 2024-06-01 has none.
    message = refusal(Clinic(signed_in, P1), [Line("Y001", "10.00")], begntime="2024-06-01 09:00:00")
    assert (
        message == "参保人无有效的异地就医备案（就医地420100，就医日期2024-06-01），不能跨省异地就医直接结算"
    )


def test_refused_when_the_policy_is_not_configured(platform: MockPlatform, signed_in: Caller) -> None:
    # A 鄂州 (420700) resident: no policy file for 420700, even for 普通门诊.
    ezhou = person("E1", psn_no="42070000000000000104", area="420702", insutype="390", insuplc="420700")
    platform.seed({"people": [ezhou]})
    message = refusal(Clinic(signed_in, patient(ezhou)), [Line("S001", "25.00")], med_type="11", dise_codg="")
    assert message == "参保地[420700]未配置省内异地就医普通门诊待遇政策（险种类型390）"


def test_refused_when_the_batch_disease_is_not_filed(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, [Line("Y007", "16.00")], dise_codg="M00500")
    answer = clinic.settle(mdtrt_id)
    assert answer["err_msg"] == "参保人未办理门诊慢特病[M00500]备案，不享受门诊慢特病待遇"


def test_refused_when_the_batch_was_not_uploaded_or_is_settled(example2: Clinic) -> None:
    mdtrt_id = example2.open_visit()
    example2.upload(mdtrt_id, EXAMPLE2_LINES)
    data = example2.settle_input(mdtrt_id)
    missing = example2.call("2207", {"data": {**data, "chrg_bchno": "B9"}})
    assert missing["err_msg"] == "收费批次号[B9]未上传费用明细，请先上传费用明细(2204)"
    first = example2.call("2207", {"data": data})
    again = example2.call("2207", {"data": data})  # a new msgid: a second settlement of the same batch
    setl_id = first["output"]["setlinfo"]["setl_id"]
    assert again["err_msg"] == f"收费批次号[B1]已结算（结算ID[{setl_id}]），不能重复结算"
    assert example2.pre_settle(mdtrt_id)["err_msg"] == again["err_msg"]


def test_refused_before_2203_and_on_a_mismatch(example2: Clinic) -> None:
    mdtrt_id = example2.register()
    example2.upload(mdtrt_id, EXAMPLE2_LINES)
    answer = example2.settle(mdtrt_id)
    assert answer["err_msg"] == f"就诊[{mdtrt_id}]未上传就诊信息，请先上传就诊信息(2203)"
    example2.treatment(mdtrt_id, dise_codg="M01600")
    wrong = example2.settle(mdtrt_id, med_type="11")
    assert wrong["err_msg"] == "交易输入[data.med_type]值[11]与就诊信息的医疗类别[14]不一致"


def test_accumulators_run_per_calendar_year_of_the_visit(example2: Clinic) -> None:
    # The accumulator year is the visit's, not the settlement's: a 2025-12-30 visit settled in 2026.
    example2.visit(EXAMPLE2_LINES, begntime="2025-12-30 09:00:00")
    assert example2.cuminfo("202512")["310/Q0000"] == D("485.00")
    assert example2.cuminfo("202611") == {}
