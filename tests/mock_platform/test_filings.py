"""2503 / 2504 on the platform: a hospital files a chronic disease, the insurer approves it, 5301 reflects it.

Rules (mock_platform/backend/filings.py): seed 000 二(一) "乌海市内二级及以上定点医疗" may accept applications
(Wuhai's `[filing]` in config/policies/150300.toml); elsewhere the mock asks 二级 and above; a filing waits
for approval (`/_mock/filings/approve`) and only then is in force; 2504 revokes only one not yet approved
(PROTOCOL.md §3.17).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P3, P7

P7_INSURED = "640100"
CLINIC_LEVEL_1 = {
    "fixmedins_code": "H42010200009",
    "fixmedins_name": "武汉市示范社区卫生服务中心",
    "admdvs": "420100",
    "hosp_lv": "8",  # 一级甲等
    "dedc_hosp_lv": "01",
    "opsp_designated": True,
    "source": "test: a 一级 hospital",
}


def application(psn_no: str = P7.psn_no, **changes: str) -> dict[str, Any]:
    data = {
        "psn_no": psn_no,
        "insutype": "310",
        "opsp_dise_code": "M01600",
        "opsp_dise_name": "糖尿病",
        "insu_optins": P7_INSURED,
        "ide_fixmedins_no": "H42010200001",
        "ide_fixmedins_name": "武汉市示范医院",
        "hosp_ide_date": "2026-11-22",
        "diag_dr_codg": "D001",
        "diag_dr_name": "医生甲",
        "begndate": "2026-11-22",
    }
    return {"data": {**data, **changes}}


def filings(caller: Caller, psn_no: str = P7.psn_no, insured: str = P7_INSURED) -> list[str]:
    answer = caller.call("5301", {"data": {"psn_no": psn_no}}, insuplc_admdvs=insured)
    return [row["opsp_dise_code"] for row in answer["output"]["feedetail"]]


def file(caller: Caller, **changes: str) -> dict[str, Any]:
    return caller.call("2503", application(**changes), insuplc_admdvs=P7_INSURED)


def approve(client: httpx.Client, serial: str) -> httpx.Response:
    return client.post("/_mock/filings/approve", json={"trt_dcla_detl_sn": serial})


def revoke(caller: Caller, serial: str, psn_no: str = P7.psn_no) -> dict[str, Any]:
    data = {"trt_dcla_detl_sn": serial, "psn_no": psn_no, "memo": "诊断有误"}
    return caller.call("2504", {"data": data}, insuplc_admdvs=P7_INSURED)


def test_a_filing_waits_for_approval_then_5301_lists_it_and_it_cannot_be_revoked(
    signed_in: Caller, client: httpx.Client
) -> None:
    answer = file(signed_in)
    assert answer["infcode"] == 0, answer["err_msg"]
    serial = answer["output"]["result"]["trt_dcla_detl_sn"]
    assert serial.startswith("DCL20261122")
    assert filings(signed_in) == ["M03900"]  # filed, not approved: not in force
    assert approve(client, serial).json() == {"trt_dcla_detl_sn": serial, "status": "approved"}
    assert filings(signed_in) == ["M03900", "M01600"]
    refused = revoke(signed_in, serial)
    assert refused["infcode"] != 0
    assert refused["err_msg"] == f"备案[{serial}]医保经办机构已审核通过，不能撤销（只能撤销尚未审核的备案）"
    again = approve(client, serial)
    assert (again.status_code, again.json()["message"]) == (
        400,
        f"备案[{serial}]状态为已审核，只有待审核的备案可以审核",
    )


def test_an_unapproved_filing_is_revoked_and_never_comes_into_force(
    signed_in: Caller, client: httpx.Client
) -> None:
    serial = file(signed_in)["output"]["result"]["trt_dcla_detl_sn"]
    assert revoke(signed_in, serial)["infcode"] == 0
    assert approve(client, serial).status_code == 400
    assert filings(signed_in) == ["M03900"]
    assert revoke(signed_in, serial)["err_msg"] == f"备案[{serial}]已撤销，不能重复撤销"
    # Revoked, the disease may be filed again.
    assert file(signed_in)["infcode"] == 0


def test_a_filed_disease_is_settled_once_approved(signed_in: Caller, client: httpx.Client) -> None:
    serial = file(signed_in)["output"]["result"]["trt_dcla_detl_sn"]
    clinic = Clinic(signed_in, P7)
    refused = clinic.treatment(clinic.register(), dise_codg="M01600")
    assert refused["err_msg"] == "参保人未办理门诊慢特病[M01600]备案，不享受门诊慢特病待遇"
    approve(client, serial)
    answer = clinic.visit([Line("Y001", "0.40", "100")], dise_codg="M01600")
    assert answer["infcode"] == 0, answer["err_msg"]


@pytest.mark.parametrize(
    ("changes", "err_msg"),
    [
        ({"insu_optins": "640200"}, "交易输入[data.insu_optins]值[640200]与人员参保地[640100]不一致"),
        (
            {"ide_fixmedins_no": "H15010200002"},
            "交易输入[data.ide_fixmedins_no]值[H15010200002]与报文头[fixmedins_code]不一致（本院鉴定本院申报）",
        ),
        (
            {"hosp_ide_date": "2026-11-23"},
            "交易输入[data.hosp_ide_date]值[2026-11-23]晚于当前日期，医院鉴定日期不能在将来",
        ),
        ({"begndate": "2026-11-01"}, "交易输入[data.begndate]值[2026-11-01]早于医院鉴定日期[2026-11-22]"),
        ({"enddate": "2026-11-21"}, "交易输入[data.enddate]值[2026-11-21]早于开始日期[2026-11-22]"),
        ({"begndate": "2026/11/22"}, "交易输入[data.begndate]格式错误，应为yyyy-MM-dd"),
        (
            {"opsp_dise_code": "M02300"},
            "交易输入[data.opsp_dise_code]值[M02300]不在参保地[640100]门诊慢特病病种目录（险种类型310）中",
        ),
        (
            {"opsp_dise_code": "M03900"},
            "参保人已有门诊慢特病[M03900]备案（已审核，参保地备案），有效期重叠，不能重复备案",
        ),
        ({"insutype": "390"}, "交易输入[data.insutype]人员无险种类型[390]的参保信息"),
    ],
)
def test_a_bad_application_is_refused_naming_the_field(
    signed_in: Caller, changes: dict[str, str], err_msg: str
) -> None:
    answer = file(signed_in, **changes)
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_a_second_filing_of_the_same_disease_is_refused_while_the_first_waits(signed_in: Caller) -> None:
    serial = file(signed_in)["output"]["result"]["trt_dcla_detl_sn"]
    answer = file(signed_in)
    assert (
        answer["err_msg"] == f"参保人已有门诊慢特病[M01600]备案（待审核，{serial}），有效期重叠，不能重复备案"
    )


def test_a_hospital_below_level_2_may_not_accept_an_application(
    platform: MockPlatform, client: httpx.Client
) -> None:
    platform.seed({"hospitals": [CLINIC_LEVEL_1]})
    clinic = Caller(client, ("H42010200009", "420100", "武汉市示范社区卫生服务中心"))
    clinic.sign_in()
    answer = file(clinic, ide_fixmedins_no="H42010200009", ide_fixmedins_name="武汉市示范社区卫生服务中心")
    assert answer["err_msg"] == (
        "定点医疗机构[H42010200009]医院等级为一级（hosp_lv 8），参保地[640100]只允许二级及以上定点医疗机构"
        "受理门诊慢特病申请，请参保人到参保地医保经办窗口或符合条件的医疗机构申请"
    )


def test_wuhai_accepts_applications_only_from_hospitals_in_wuhai(hohhot: Caller) -> None:
    # Seed 000 二(一): "乌海市内二级及以上定点医疗" — Hohhot's 二级 hospital is not in Wuhai.
    answer = hohhot.call(
        "2503",
        application(
            P3.psn_no,
            insu_optins="150300",
            opsp_dise_code="WH-S03",
            ide_fixmedins_no="H15010200002",
            ide_fixmedins_name="呼和浩特市示范医院",
        ),
        insuplc_admdvs="150300",
    )
    assert answer["err_msg"] == (
        "参保地[150300]只允许本市定点医疗机构受理门诊慢特病申请，定点医疗机构[H15010200002]（150100）不能申报，"
        "请参保人到参保地办理"
    )


def test_another_hospital_may_not_revoke_a_filing(signed_in: Caller, hohhot: Caller) -> None:
    serial = file(signed_in)["output"]["result"]["trt_dcla_detl_sn"]
    answer = hohhot.call(
        "2504",
        {"data": {"trt_dcla_detl_sn": serial, "psn_no": P7.psn_no, "memo": "x"}},
        insuplc_admdvs=P7_INSURED,
    )
    assert answer["err_msg"] == f"备案[{serial}]由其他定点医疗机构申报，本机构不能撤销"
    unknown = revoke(signed_in, "DCL2026112299999999")
    assert (
        unknown["err_msg"] == "交易输入[data.trt_dcla_detl_sn]值[DCL2026112299999999]：未找到该待遇申报明细"
    )
