"""Every fund of a 2207 answer (PROTOCOL.md §3.12a): the layers after the basic fund, the annual ceiling,
门诊共济 and 门诊统筹 for ordinary bills (issue #14).

Parameters: seed 000 (乌海) for the deductible and ratios; the ceiling, the layers and every 门诊统筹
number are illustrative (config/policies/150300.toml, docs/policies.md). Hospital: the Wuhan demo
hospital (三级, cross-province for a Wuhai patient: D 800, 75% employees / 70% residents, seed 000 三(二)).
Amounts by hand.
"""

from __future__ import annotations

import copy
import json
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import EXAMPLE4_LINES, P3, WUHAI_RESIDENT, patient, person

D = Decimal
FUNDS = ("hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay", "hifes_pay", "oth_pay")


def wuhai_employee(key: str, sequence: str, **insurance: Any) -> dict[str, Any]:
    seeded = person(
        key,
        psn_no=f"150300000000000001{sequence[-2:]}",
        area="150302",
        insutype="310",
        insuplc="150300",
        filings=(("M00500", "恶性肿瘤门诊治疗", "2025-06-01"),),
        remote=(("420000", "2025-06-01"),),
        sequence=sequence,
    )
    seeded = copy.deepcopy(seeded)
    seeded["insurance"][0].update(insurance)
    return seeded


def funds(answer: dict[str, Any]) -> dict[str, Decimal]:
    """Every fund field, after checking fund = Σ fields = Σ setldetail and personal = acct + 共济 + cash."""
    info = answer["output"]["setlinfo"]
    fields = {name: info[name] for name in FUNDS}
    assert info["fund_pay_sumamt"] == sum(fields.values(), D("0.00"))
    assert info["fund_pay_sumamt"] == sum(
        (row["fund_payamt"] for row in answer["output"]["setldetail"]), D(0)
    )
    assert info["psn_part_amt"] == info["acct_pay"] + info["acct_mulaid_pay"] + info["psn_cash_pay"]
    assert info["medfee_sumamt"] == info["fund_pay_sumamt"] + info["psn_part_amt"] + info["hosp_part_amt"]
    return {name: value for name, value in fields.items() if value}


def detail(answer: dict[str, Any], fund_pay_type: str) -> dict[str, Any]:
    rows = [row for row in answer["output"]["setldetail"] if row["fund_pay_type"] == fund_pay_type]
    assert len(rows) == 1, answer["output"]["setldetail"]
    return dict(rows[0])


def test_a_resident_reaches_serious_illness_insurance(platform: MockPlatform, signed_in: Caller) -> None:
    # Wuhai resident, M00500, Example 4 lines each visit: medfee 10000, inscp 8300 (DOMAIN.md §2.4).
    # Basic fund: seed 000 三(二) D 800 per year, 70%. 居民大病保险 (illustrative): 60% of the year's in-scope
    # personal share (inscp − basic fund) above 5000.
    platform.seed({"people": [WUHAI_RESIDENT]})
    clinic = Clinic(signed_in, patient(WUHAI_RESIDENT))
    first = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-07-01 09:00:00")
    # hifp (8300 − 800) × 70% = 5250.00; in-scope personal 8300 − 5250 = 3050.00, below 5000: 大病 pays 0.
    assert funds(first) == {"hifp_pay": D("5250.00")}
    assert detail(first, "390200")["fund_payamt"] == D("0.00")  # the row shows the running base
    second = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-08-01 09:00:00")
    # hifp 8300 × 70% = 5810.00; in-scope personal 2490.00; the year so far 3050, threshold left 1950;
    # above it 2490 − 1950 = 540.00 × 60% = 324.00. Fund 6134.00, cash 10000 − 6134 = 3866.00.
    assert funds(second) == {"hifp_pay": D("5810.00"), "hifmi_pay": D("324.00")}
    assert second["output"]["setlinfo"]["psn_cash_pay"] == D("3866.00")
    row = detail(second, "390200")
    assert (row["inscp_scp_amt"], row["fund_payamt"]) == (D("2490.00"), D("324.00"))
    third = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-09-01 09:00:00")
    # The threshold is behind: 2490.00 × 60% = 1494.00.
    assert funds(third) == {"hifp_pay": D("5810.00"), "hifmi_pay": D("1494.00")}
    cum = clinic.cuminfo("202609")
    # 5206: the running base 3050 + 2490 + 2490 = 8030; 大病 paid 324 + 1494 = 1818.
    assert (cum["390/B390200"], cum["390/J390200"]) == (D("8030.00"), D("1818.00"))


def test_an_employee_with_civil_servant_subsidy(platform: MockPlatform, signed_in: Caller) -> None:
    servant = wuhai_employee("C1", "051", cvlserv_flag="1")
    platform.seed({"people": [servant]})
    answer = Clinic(signed_in, patient(servant)).visit(EXAMPLE4_LINES, dise_codg="M00500")
    # hifp (8300 − 800) × 75% = 5625.00; 公务员医疗补助 (illustrative 50% of the in-scope personal share):
    # (8300 − 5625) × 50% = 1337.50. Fund 6962.50; cash 10000 − 6962.50 = 3037.50.
    assert funds(answer) == {"hifp_pay": D("5625.00"), "cvlserv_pay": D("1337.50")}
    assert answer["output"]["setlinfo"]["psn_cash_pay"] == D("3037.50")
    assert answer["output"]["setlinfo"]["cvlserv_flag"] == "1"
    assert detail(answer, "320100")["fund_pay_type_name"] == "公务员医疗补助基金"


def test_the_annual_ceiling_and_the_large_expense_fund_above_it(signed_in: Caller) -> None:
    # P3 (Wuhai 职工, M00500, no disease cap in seed 000). Illustrative: basic-fund ceiling 150000 a year,
    # 职工大额 80% of the in-scope amount above it, cap 300000.
    clinic = Clinic(signed_in, P3)
    big = clinic.visit([Line("Y001", "0.40", "625000")], dise_codg="M00500", begntime="2026-03-01 09:00:00")
    # 0.40 × 625000 = 250000.00 甲, all in scope. Eligible 250000 − 800 = 249200; raw 249200 × 75% = 186900.00
    # > ceiling 150000 → hifp 150000.00. The fund covered 150000 / 75% = 200000.00 of the eligible amount;
    # above the ceiling 249200 − 200000 = 49200.00 × 80% = 39360.00 (大额). Personal 250000 − 189360 = 60640.
    assert funds(big) == {"hifp_pay": D("150000.00"), "hifob_pay": D("39360.00")}
    assert detail(big, "310100")["crt_payb_lmt_amt"] == D("150000.00")
    assert detail(big, "330100")["crt_payb_lmt_amt"] == D("300000.00")
    after = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", begntime="2026-04-01 09:00:00")
    # Ceiling reached: hifp 0.00 although "no cap" (a 无 disease cap is not an unlimited fund); the whole
    # eligible 8300.00 (deductible met) is above it: 8300 × 80% = 6640.00; 大额 left 300000 − 39360 = 260640.
    assert funds(after) == {"hifob_pay": D("6640.00")}
    assert detail(after, "310100")["crt_payb_lmt_amt"] == D("0.00")
    assert detail(after, "330100")["crt_payb_lmt_amt"] == D("260640.00")


def test_medical_assistance_for_an_identity(platform: MockPlatform, signed_in: Caller) -> None:
    assisted = wuhai_employee("A1", "071")
    assisted["identity"] = [
        {"psn_idet_type": "2301", "begntime": "2025-01-01 00:00:00", "source": "test (illustrative code)"}
    ]
    platform.seed({"people": [assisted]})
    answer = Clinic(signed_in, patient(assisted)).visit(EXAMPLE4_LINES, dise_codg="M00500")
    # hifp 5625.00; 医疗救助 (illustrative 70%, cap 10000): (8300 − 5625) × 70% = 1872.50.
    assert funds(answer) == {"hifp_pay": D("5625.00"), "maf_pay": D("1872.50")}
    assert detail(answer, "610100")["crt_payb_lmt_amt"] == D("10000.00")


def test_outpatient_mutual_aid_pays_after_the_own_account_and_a_refund_gives_it_back(
    platform: MockPlatform, signed_in: Caller
) -> None:
    family = wuhai_employee("F1", "091", balc="100.00", mulaid_balc="1000.00")
    platform.seed({"people": [family]})
    clinic = Clinic(signed_in, patient(family))
    answer = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", acct="1")
    info = answer["output"]["setlinfo"]
    # hifp 5625.00, personal 4375.00: own account 100.00, 门诊共济 (seed 003: 门诊共济保障机制)
    # min(4275, 1000) = 1000.00, cash 3275.00.
    assert (info["acct_pay"], info["acct_mulaid_pay"], info["psn_cash_pay"]) == (
        D("100.00"),
        D("1000.00"),
        D("3275.00"),
    )
    refund = clinic.refund(info["setl_id"], info["mdtrt_id"])
    assert refund["infcode"] == 0, refund["err_msg"]
    assert refund["output"]["setlinfo"]["acct_mulaid_pay"] == D("-1000.00")
    again = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500", acct="1")
    # Both balances came back: the same split again.
    assert again["output"]["setlinfo"]["acct_mulaid_pay"] == D("1000.00")
    assert again["output"]["setlinfo"]["acct_pay"] == D("100.00")


def test_ordinary_outpatient_of_a_wuhai_patient_is_settled_under_outpatient_pooling(
    signed_in: Caller,
) -> None:
    # Seed 000 三(三): from 2022-10-01 out-of-area ordinary bills within 门诊统筹 are settled under 门诊统筹.
    # Illustrative 门诊统筹: D 100 per year (its own, apart from 门诊慢特病's), 60% employees, cap 2000.
    clinic = Clinic(signed_in, P3)
    lines = [Line("S001", "25.00"), Line("Y011", "0.30", "500"), Line("Y012", "10.00")]
    answer = clinic.visit(lines, med_type="11", dise_codg="", acct="1")
    # 25.00 + 150.00 甲 = inscp 175.00; 丙 10.00; medfee 185.00. D min(175, 100) = 100.00;
    # (175 − 100) × 60% = 45.00; personal 140.00, from P3's account (balance 500).
    info = answer["output"]["setlinfo"]
    assert funds(answer) == {"hifp_pay": D("45.00")}
    assert (info["act_pay_dedc"], info["acct_pay"], info["psn_cash_pay"]) == (
        D("100.00"),
        D("140.00"),
        D("0.00"),
    )
    assert detail(answer, "310100")["crt_payb_lmt_amt"] == D("2000.00")
    cum = clinic.cuminfo()
    assert cum["310/Q0000_11"] == D("100.00")
    assert "310/Q0000" not in cum  # the 门诊慢特病 deductible is untouched
    chronic = clinic.visit(EXAMPLE4_LINES, dise_codg="M00500")
    assert chronic["output"]["setlinfo"]["act_pay_dedc"] == D("800.00")


def test_no_outpatient_pooling_before_2022_10_01(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P3)
    mdtrt_id = clinic.open_visit(med_type="11", dise_codg="", begntime="2022-09-30 09:00:00")
    assert clinic.upload(mdtrt_id, [Line("S001", "25.00")], time="2022-09-30 09:30:00")["infcode"] == 0
    answer = clinic.settle(mdtrt_id, med_type="11")
    # "其他门诊单据不予结算" before the 门诊统筹 clause took effect.
    assert answer["infcode"] != 0
    assert "未配置" in answer["err_msg"]


@pytest.mark.parametrize(("psn_type", "ratio"), [("11", "0.80"), ("21", "0.85")])
def test_a_ratio_by_person_type(psn_type: str, ratio: str) -> None:
    from mock_platform.config.policies import Scope

    scope = Scope.model_validate(
        {
            "relations": ["local"],
            "med_type": "14",
            "insutypes": ["310"],
            "pooled_fund": True,
            "remote_filing": {"required": False, "source": "t"},
            "deductible": {"basis": "per_year", "amount": [{"amount": "0", "source": "t"}], "source": "t"},
            "ratio": [
                {"insutype": "310", "value": "0.80", "source": "t"},
                {"insutype": "310", "psn_types": ["21"], "value": "0.85", "source": "t (退休)"},
            ],
            "pharmacy": {"allowed": False, "source": "t"},
            "source": "t",
        }
    )
    assert scope.ratio_for("310", psn_type) == D(ratio)


def test_an_account_that_may_pay_only_the_in_scope_share(platform: MockPlatform, signed_in: Caller) -> None:
    # The same Wuhai policy with `[scope.account] pays = "in_scope"` (illustrative): the account pays neither
    # 全自费 nor 超限价 amounts.
    text = (Path("config/policies/150300.toml")).read_text(encoding="utf-8")
    policy = tomllib.loads(text.replace('pays = "all"', 'pays = "in_scope"'), parse_float=D)
    rich = wuhai_employee("R1", "111", balc="5000.00")
    platform.seed({"people": [rich], "policies": [json.loads(json.dumps(policy, default=str))]})
    answer = Clinic(signed_in, patient(rich)).visit(EXAMPLE4_LINES, dise_codg="M00500", acct="1")
    info = answer["output"]["setlinfo"]
    # Personal 10000 − 5625 = 4375.00, of which 丙 1000.00 is 全自费: the account pays 3375.00, cash 1000.00.
    assert (info["acct_pay"], info["psn_cash_pay"]) == (D("3375.00"), D("1000.00"))
