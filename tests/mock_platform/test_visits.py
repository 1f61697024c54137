"""2201 门诊挂号, 2202 挂号撤销, 2203 就诊信息上传 (PROTOCOL.md §3.5-3.7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1, P4, P7, P9


def registration(**changes: Any) -> dict[str, Any]:
    data = {
        "psn_no": P1.psn_no,
        "insutype": "310",
        "begntime": "2026-11-22 09:00:00",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": P1.certno,
        "ipt_otp_no": "OP0001",
        "atddr_no": "D001",
        "dr_name": "医生甲",
        "dept_code": "K01",
        "dept_name": "内科",
        "caty": "A03",
        **changes,
    }
    return {"data": data}


def test_registration_issues_a_unique_visit_id(signed_in: Caller) -> None:
    first = signed_in.call("2201", registration(), insuplc_admdvs="640100")
    second = signed_in.call("2201", registration(ipt_otp_no="OP0002"), insuplc_admdvs="640100")
    assert first["infcode"] == 0, first["err_msg"]
    out = first["output"]["data"]
    assert (out["psn_no"], out["ipt_otp_no"]) == (P1.psn_no, "OP0001")
    ids = {out["mdtrt_id"], second["output"]["data"]["mdtrt_id"]}
    assert len(ids) == 2
    assert all(0 < len(mdtrt_id) <= 30 for mdtrt_id in ids)


@pytest.mark.parametrize(
    ("changes", "err_msg"),
    [
        ({"psn_no": "64010000000000000099"}, "未找到人员信息"),
        ({"insutype": "390"}, "交易输入[data.insutype]人员无险种类型[390]的参保信息"),
        ({"mdtrt_cert_no": "640105195807221023"}, "交易输入[data.mdtrt_cert_no]就诊凭证与人员编号不一致"),
        ({"mdtrt_cert_type": "04"}, "交易输入[data.mdtrt_cert_type]值[04]不在字典[mdtrt_cert_type]范围内"),
        ({"caty": ""}, "交易输入[data.caty]不能为空"),
        ({"begntime": "2026-11-22"}, "交易输入[data.begntime]格式错误，应为yyyy-MM-dd HH:mm:ss"),
    ],
)
def test_registration_refusals(signed_in: Caller, changes: dict[str, Any], err_msg: str) -> None:
    answer = signed_in.call("2201", registration(**changes), insuplc_admdvs="640100")
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_registration_by_e_voucher_and_card(signed_in: Caller) -> None:
    by_token = registration(mdtrt_cert_type="01", mdtrt_cert_no="ec-demo-p1")
    by_card = registration(mdtrt_cert_type="03", mdtrt_cert_no="A64010001")
    assert signed_in.call("2201", by_token, insuplc_admdvs="640100")["infcode"] == 0
    assert signed_in.call("2201", by_card, insuplc_admdvs="640100")["infcode"] == 0


def test_cancel_an_empty_visit(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.register()
    cancel = {"psn_no": P1.psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": "wrong"}
    wrong = clinic.call("2202", {"data": cancel})
    assert wrong["err_msg"] == f"交易输入[data.ipt_otp_no]与就诊[{mdtrt_id}]的门诊号不一致"
    answer = clinic.call("2202", {"data": {**cancel, "ipt_otp_no": clinic.otp_nos[mdtrt_id]}})
    assert answer["infcode"] == 0, answer["err_msg"]
    refused = clinic.treatment(mdtrt_id, dise_codg="M01600")
    assert refused["err_msg"] == f"就诊[{mdtrt_id}]已撤销"


def test_cancel_refused_with_unsettled_details_or_a_settlement(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit()
    otp_no = clinic.otp_nos[mdtrt_id]
    clinic.upload(mdtrt_id, [Line("Y001", "10.00")])
    cancel = {"data": {"psn_no": P1.psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": otp_no}}
    answer = clinic.call("2202", cancel)
    assert answer["err_msg"] == f"就诊[{mdtrt_id}]存在1条未结算的费用明细，请先撤销费用明细(2205)"
    setl_id = clinic.settle(mdtrt_id)["output"]["setlinfo"]["setl_id"]
    answer = clinic.call("2202", cancel)
    assert answer["err_msg"] == f"就诊[{mdtrt_id}]存在有效结算[{setl_id}]，请先撤销结算(2208)"
    clinic.refund(setl_id, mdtrt_id)
    clinic.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": P1.psn_no}})
    assert clinic.call("2202", cancel)["infcode"] == 0


@pytest.mark.parametrize(
    ("patient", "dise_codg", "err_msg"),
    [
        (P1, "", "交易输入[mdtrtinfo.dise_codg]不能为空（门诊慢特病须传病种编码）"),
        (P1, "M00500", "参保人未办理门诊慢特病[M00500]备案，不享受门诊慢特病待遇"),
        # 肺心病 (a Wuhai local code) is never a 病种编码 on the national interface (seed 002 二(二)).
        (
            P9,
            "WH-S01",
            "交易输入[mdtrtinfo.dise_codg]值[WH-S01]不是国家门诊慢特病病种代码（M加5位数字）：参保地自有病种代码"
            "不能通过国家医保平台结算，请传参保人备案病种对应的国家病种代码",
        ),
    ],
)
def test_treatment_upload_requires_a_filed_and_covered_disease(
    signed_in: Caller, patient: Any, dise_codg: str, err_msg: str
) -> None:
    clinic = Clinic(signed_in, patient)
    mdtrt_id = clinic.register()
    answer = clinic.treatment(mdtrt_id, dise_codg=dise_codg)
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_filed_code_with_a_future_filing_is_accepted_until_settlement(signed_in: Caller) -> None:
    # P7's M03900 filing starts 2027-01-01: 2203 accepts the filed code, 2207 refuses on the date.
    clinic = Clinic(signed_in, P7)
    assert clinic.treatment(clinic.register(), dise_codg="M03900")["infcode"] == 0


def test_coverage_not_configured(platform: MockPlatform, client: httpx.Client, clock: MutableClock) -> None:
    # A Yinchuan hospital: P1 is local there, and region_catalogues.csv has no 640100 local rows.
    platform.seed(
        {
            "hospitals": [
                {
                    "fixmedins_code": "H64010000003",
                    "fixmedins_name": "银川测试医院",
                    "admdvs": "640100",
                    "hosp_lv": "2",
                    "dedc_hosp_lv": "03",
                    "opsp_designated": True,
                    "item_map": "item_map_demo.csv",
                    "source": "test",
                }
            ]
        }
    )
    caller = Caller(client, ("H64010000003", "640100", "银川测试医院"), clock=clock)
    caller.sign_in()
    clinic = Clinic(caller, P1)
    answer = clinic.treatment(clinic.register(), dise_codg="M01600")
    assert answer["err_msg"] == "参保地[640100]未配置本地就医门诊慢特病病种目录（险种类型310）"


def test_one_med_type_per_visit(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit()
    # A resend with the same med_type may correct the disease.
    assert clinic.treatment(mdtrt_id, dise_codg="M03900")["infcode"] == 0
    answer = clinic.treatment(mdtrt_id, med_type="11")
    assert answer["err_msg"] == f"就诊[{mdtrt_id}]已上传医疗类别[14]，一次就诊只能有一个医疗类别"
    unsupported = clinic.treatment(clinic.register(), med_type="21")
    assert unsupported["err_msg"] == "交易输入[mdtrtinfo.med_type]医疗类别[21]暂不支持"


def test_compound_benefit_codes_in_region(hohhot: Caller) -> None:
    clinic = Clinic(hohhot, P4)
    for code in ("M01600", "M03900"):
        assert clinic.treatment(clinic.register(), dise_codg=code)["infcode"] == 0


def test_diagnoses_are_stored_and_voided(signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.open_visit()
    query = {
        "data": {
            "psn_no": P1.psn_no,
            "begntime": "2026-11-22 00:00:00",
            "endtime": "2026-11-22 23:59:59",
            "med_type": "14",
        }
    }
    assert clinic.ok("5201", query)["output"]["mdtrtinfo"][0]["otp_diag_info"] == "E11.900 2型糖尿病"
    diagnosis = {
        "diag_type": "1",
        "diag_srt_no": 1,
        "diag_code": "E11.900",
        "diag_name": "2型糖尿病",
        "diag_dept": "内科",
        "dise_dor_no": "D001",
        "dise_dor_name": "医生甲",
        "diag_time": "2026-11-22 09:00:00",
        "vali_flag": "0",
    }
    info = {"mdtrt_id": mdtrt_id, "psn_no": P1.psn_no, "med_type": "14", "begntime": "2026-11-22 09:00:00"}
    clinic.ok("2203", {"mdtrtinfo": {**info, "dise_codg": "M01600"}, "diseinfo": diagnosis})
    assert clinic.ok("5201", query)["output"]["mdtrtinfo"][0]["otp_diag_info"] == ""
    bad = clinic.call(
        "2203", {"mdtrtinfo": {**info, "dise_codg": "M01600"}, "diseinfo": [{**diagnosis, "vali_flag": "9"}]}
    )
    assert bad["err_msg"] == "交易输入[diseinfo[0].vali_flag]值[9]不在字典[vali_flag]范围内"


def test_numeric_fields_sent_as_0(signed_in: Caller) -> None:
    # PROTOCOL.md §1.6: a numeric parameter with no value is sent as 0 (geso_val N2, prd_days N4,2).
    clinic = Clinic(signed_in, P1)
    mdtrt_id = clinic.register()
    info = {
        "mdtrt_id": mdtrt_id,
        "psn_no": P1.psn_no,
        "med_type": "14",
        "begntime": "2026-11-22 09:00:00",
        "dise_codg": "M01600",
        "geso_val": 0,
    }
    assert clinic.call("2203", {"mdtrtinfo": info})["infcode"] == 0
    assert clinic.call("2203", {"mdtrtinfo": {**info, "geso_val": ""}})["infcode"] == 0
    rows = clinic.rows(mdtrt_id, [Line("Y001", "1.00")])
    rows[0]["prd_days"] = 0
    assert clinic.call("2204", {"feedetail": rows})["infcode"] == 0
    wrong = clinic.call("2203", {"mdtrtinfo": {**info, "geso_val": "twelve"}})
    assert wrong["err_msg"] == "交易输入[mdtrtinfo.geso_val]类型错误，应为数值"
