"""5201 就诊信息, 5203 结算信息, 5204 费用明细, 5206 人员累计信息 (PROTOCOL.md §3.14)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, P1, YINCHUAN_EMPLOYEE, patient

D = Decimal


@pytest.fixture
def clinic(platform: MockPlatform, signed_in: Caller) -> Clinic:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    return Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))


def visit_query(clinic: Clinic, **changes: str) -> list[dict[str, Any]]:
    data = {
        "psn_no": clinic.patient.psn_no,
        "begntime": "2026-01-01 00:00:00",
        "endtime": "2026-12-31 23:59:59",
        "med_type": "14",
        **changes,
    }
    rows: list[dict[str, Any]] = clinic.ok("5201", {"data": data})["output"]["mdtrtinfo"]
    return rows


def test_5201_lists_the_visits_in_the_range(clinic: Clinic) -> None:
    march = clinic.open_visit(begntime="2026-03-10 09:00:00")
    may = clinic.open_visit(begntime="2026-05-10 09:00:00")
    ordinary = clinic.open_visit(med_type="11", dise_codg="", begntime="2026-05-11 09:00:00")
    assert [row["mdtrt_id"] for row in visit_query(clinic)] == [march, may]
    assert [row["mdtrt_id"] for row in visit_query(clinic, med_type="11")] == [ordinary]
    assert [row["mdtrt_id"] for row in visit_query(clinic, endtime="2026-04-30 23:59:59")] == [march]
    assert [row["mdtrt_id"] for row in visit_query(clinic, mdtrt_id=may)] == [may]
    row = visit_query(clinic, mdtrt_id=may)[0]
    assert (row["psn_no"], row["insutype"], row["psn_type"], row["med_type"]) == (
        clinic.patient.psn_no,
        "310",
        "21",
        "14",
    )
    assert (row["begntime"], row["endtime"], row["dise_codg"], row["ipt_otp_no"]) == (
        "2026-05-10 09:00:00",
        "2026-05-10 09:00:00",
        "M01600",
        clinic.otp_nos[may],
    )
    assert row["psn_name"] == "测试Y1"
    assert len(row) == 61  # every field of PROTOCOL.md §3.14 5201
    cancel = {"psn_no": clinic.patient.psn_no, "mdtrt_id": march, "ipt_otp_no": clinic.otp_nos[march]}
    clinic.ok("2202", {"data": cancel})
    assert [row["mdtrt_id"] for row in visit_query(clinic)] == [may]


def test_5203_settlement_and_refund_records(clinic: Clinic) -> None:
    info = clinic.visit(EXAMPLE2_LINES, acct="1")["output"]["setlinfo"]
    lookup = {"psn_no": info["psn_no"], "setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"]}
    answer = clinic.ok("5203", {"data": lookup})["output"]
    setlinfo = answer["setlinfo"]
    # 5203 spells the personal part psn_pay and the cash cash_payamt (PROTOCOL.md §3.14).
    assert "psn_part_amt" not in setlinfo
    assert "psn_cash_pay" not in setlinfo
    # First visit: 670.00 = fund 0.00 + personal 670.00 = account 200.00 + cash 470.00.
    assert (setlinfo["psn_pay"], setlinfo["acct_pay"], setlinfo["cash_payamt"]) == (
        D("670.00"),
        D("200.00"),
        D("470.00"),
    )
    assert (setlinfo["refd_setl_flag"], setlinfo["year"], setlinfo["pay_loc"]) == ("0", "2026", "4")
    assert (setlinfo["medins_setl_id"], setlinfo["clr_type"], setlinfo["dise_codg"]) == (
        info["medins_setl_id"],
        "14",
        "M01600",
    )
    assert (setlinfo["fixmedins_code"], setlinfo["fixmedins_name"], setlinfo["hosp_lv"]) == (
        "H42010200001",
        "武汉市示范医院",
        "2",
    )
    assert answer["setldetail"][0]["fund_pay_type"] == "310100"
    reversal = clinic.refund(info["setl_id"], info["mdtrt_id"])["output"]["setlinfo"]
    refund = clinic.ok("5203", {"data": {**lookup, "setl_id": reversal["setl_id"]}})["output"]["setlinfo"]
    assert (refund["refd_setl_flag"], refund["medfee_sumamt"], refund["cash_payamt"]) == (
        "1",
        D("-670.00"),
        D("-470.00"),
    )
    unknown = clinic.call("5203", {"data": {**lookup, "setl_id": "S0"}})
    assert unknown["err_msg"] == "未找到结算信息[setl_id=S0]"


def test_5204_is_an_array_directly_under_output(clinic: Clinic) -> None:
    info = clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"]
    lookup = {"psn_no": info["psn_no"], "setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"]}
    rows = clinic.ok("5204", {"data": lookup})["output"]
    assert isinstance(rows, list)
    assert [(r["medins_list_codg"], r["inscp_scp_amt"], r["setl_id"]) for r in rows] == [
        ("Y001", D("120.00"), info["setl_id"]),
        ("Y002", D("270.00"), info["setl_id"]),
        ("C099", D("95.00"), info["setl_id"]),
        ("Y012", D("0.00"), info["setl_id"]),
        ("Y004", D("0.00"), info["setl_id"]),
    ]
    consumable = rows[2]
    assert (consumable["overlmt_amt"], consumable["hilist_code"], consumable["list_type"]) == (
        D("20.00"),
        "C03123456000000000000099",
        "301",
    )
    assert (consumable["med_chrgitm_type"], consumable["hosp_appr_flag"], consumable["bilg_dr_codg"]) == (
        "08",
        "0",
        "D001",
    )
    reversal = clinic.refund(info["setl_id"], info["mdtrt_id"])["output"]["setlinfo"]
    negated = clinic.ok("5204", {"data": {**lookup, "setl_id": reversal["setl_id"]}})["output"]
    assert [(r["cnt"], r["det_item_fee_sumamt"]) for r in negated][:2] == [
        (D("-300.0000"), D("-120.00")),
        (D("-1.0000"), D("-300.00")),
    ]
    assert str(negated[0]["fulamt_ownpay_amt"]) == "0.00"  # no negative zero on the wire
    # Without setl_id: the visit's details in effect (unsettled again after the refund).
    in_effect = clinic.ok("5204", {"data": {"psn_no": info["psn_no"], "mdtrt_id": info["mdtrt_id"]}})[
        "output"
    ]
    assert [r["setl_id"] for r in in_effect] == [""] * 5


def test_5206_accumulators_through_a_month(clinic: Clinic) -> None:
    clinic.visit(EXAMPLE2_LINES, begntime="2026-03-10 09:00:00")  # deductible 485.00
    clinic.visit(EXAMPLE2_LINES, begntime="2026-05-10 09:00:00")  # deductible 15.00, fund 352.50
    answer = clinic.ok("5206", {"data": {"psn_no": clinic.patient.psn_no, "cum_ym": "202604"}})
    rows = answer["output"]["cuminfo"]
    assert rows == [
        {"insutype": "310", "year": "2026", "cum_ym": "202604", "cum_type_code": "Q0000", "cum": D("485.00")},
        {"insutype": "310", "year": "2026", "cum_ym": "202604", "cum_type_code": "S0000", "cum": D("670.00")},
        {"insutype": "310", "year": "2026", "cum_ym": "202604", "cum_type_code": "C0000", "cum": D("1.00")},
    ]
    # Through May: 485 + 15 = 500.00; fund 352.50 against the M01600 cap group.
    assert clinic.cuminfo("202605") == {
        "310/Q0000": D("500.00"),
        "310/S0000": D("1340.00"),
        "310/J0000": D("352.50"),
        "310/C0000": D("2.00"),
        "310/FM01600": D("352.50"),
    }
    # Without cum_ym: the current month (2026-11).
    assert (
        clinic.ok("5206", {"data": {"psn_no": clinic.patient.psn_no}})["output"]["cuminfo"][0]["cum_ym"]
        == "202611"
    )
    assert clinic.cuminfo("202512") == {}
    bad = clinic.call("5206", {"data": {"psn_no": clinic.patient.psn_no, "cum_ym": "202613"}})
    assert bad["err_msg"] == "交易输入[data.cum_ym]格式错误，应为yyyyMM"


def test_a_second_disease_shares_the_deductible_not_the_cap(clinic: Clinic, platform: MockPlatform) -> None:
    # P1 has M01600 and M03900: one deductible per person per year, a cap per disease (DEMO_DATA.md).
    p1 = Clinic(clinic.caller, P1)
    p1.visit([Line("Y001", "600.00")], dise_codg="M01600")  # deductible 500; fund (600 − 500) × 75% = 75.00
    p1.visit([Line("Y005", "100.00")], dise_codg="M03900")  # fund 100 × 75% = 75.00
    assert p1.cuminfo() == {
        "310/Q0000": D("500.00"),
        "310/S0000": D("700.00"),
        "310/J0000": D("150.00"),
        "310/C0000": D("2.00"),
        "310/FM01600": D("75.00"),
        "310/FM03900": D("75.00"),
    }
