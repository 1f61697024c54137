"""专病专治 (seed 002 三(一), 三(二); seed 003 二(三)): items of another disease in this disease's batch
are out of its scope and the platform does not pay them as chronic care.

P1 (Yinchuan 职工, filed M01600 糖尿病 and M03900 高血压) at the Wuhan demo hospital, cross-province: D 500 a
year, 75% (seed 001 一(二)2). Item scopes: mappings/data/item_disease_scope.csv (Y001 二甲双胍 → M01600, Y005
缬沙坦 → M03900, both 甲类 in Hubei's catalogue).
"""

from __future__ import annotations

from decimal import Decimal

from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1

D = Decimal


def test_a_hypertension_drug_in_the_diabetes_batch_is_not_paid(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit(dise_codg="M01600")
    upload = clinic.upload(
        mdtrt_id, [Line("Y001", "0.40", "2000"), Line("Y005", "2.10", "500")], dise_codg="M01600"
    )
    assert upload["infcode"] == 0, upload["err_msg"]
    metformin, valsartan = upload["output"]["result"]
    # Y001 0.40 × 2000 = 800.00 甲, in M01600's scope: all in scope.
    assert (metformin["inscp_scp_amt"], metformin["fulamt_ownpay_amt"]) == (D("800.00"), D("0.00"))
    # Y005 2.10 × 500 = 1050.00 treats M03900, not M01600: 全自费 in this batch.
    assert (valsartan["inscp_scp_amt"], valsartan["fulamt_ownpay_amt"]) == (D("0.00"), D("1050.00"))
    assert "专病专治" in valsartan["memo"]
    answer = clinic.settle(mdtrt_id)
    assert answer["infcode"] == 0, answer["err_msg"]
    info = answer["output"]["setlinfo"]
    # Fund (800 − 500) × 75% = 225.00 (had Y005 counted, (1850 − 500) × 75% = 1012.50); personal 1625.00.
    assert (info["inscp_scp_amt"], info["hifp_pay"], info["psn_part_amt"]) == (
        D("800.00"),
        D("225.00"),
        D("1625.00"),
    )


def test_the_same_drug_in_its_own_disease_batch_is_paid(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit(dise_codg="M03900")
    upload = clinic.upload(mdtrt_id, [Line("Y005", "2.10", "500")], dise_codg="M03900")
    [valsartan] = upload["output"]["result"]
    assert (valsartan["inscp_scp_amt"], valsartan["fulamt_ownpay_amt"]) == (D("1050.00"), D("0.00"))


def test_an_ordinary_item_in_a_chronic_batch_is_outside_it(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit(dise_codg="M01600")
    # Y011 阿莫西林 treats no chronic disease (empty scope): seed 003 二(三) 与门诊慢特病治疗无关.
    upload = clinic.upload(mdtrt_id, [Line("Y011", "0.30", "20")], dise_codg="M01600")
    [amoxicillin] = upload["output"]["result"]
    assert amoxicillin["fulamt_ownpay_amt"] == D("6.00")
