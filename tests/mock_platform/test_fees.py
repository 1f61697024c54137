"""2204 费用明细上传 and 2205 费用明细撤销: batch rules and refusals (PROTOCOL.md §3.8, §3.9, §6.3)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1, P5

D = Decimal


@pytest.fixture
def clinic(signed_in: Caller) -> Clinic:
    return Clinic(signed_in, P1)


def upload_rows(clinic: Clinic, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return clinic.call("2204", {"feedetail": rows})


def test_several_batches_in_one_call(clinic: Clinic) -> None:
    mdtrt_id = clinic.open_visit()
    rows = clinic.rows(mdtrt_id, [Line("Y001", "0.40", "10")], batch="B1") + clinic.rows(
        mdtrt_id, [Line("Y005", "2.10", "10")], batch="B2", dise_codg="M03900"
    )
    answer = upload_rows(clinic, rows)
    assert answer["infcode"] == 0, answer["err_msg"]
    assert [row["inscp_scp_amt"] for row in answer["output"]["result"]] == [D("4.00"), D("21.00")]


def test_batch_refusals(clinic: Clinic) -> None:
    mdtrt_id = clinic.open_visit()
    assert clinic.upload(mdtrt_id, [Line("Y001", "1.00")], batch="B1")["infcode"] == 0
    again = clinic.upload(mdtrt_id, [Line("Y002", "1.00")], batch="B1")
    assert again["err_msg"] == "收费批次号[B1]已上传，请先撤销(2205)后重新上传"
    # feedetl_sn "1" was used by the first upload.
    clinic.sn = 0
    duplicate = clinic.upload(mdtrt_id, [Line("Y002", "1.00")], batch="B2")
    assert duplicate["err_msg"] == "费用明细流水号[1]重复"
    rows = clinic.rows(mdtrt_id, [Line("Y001", "1.00"), Line("Y002", "1.00")], batch="B3")
    rows[1]["feedetl_sn"] = rows[0]["feedetl_sn"]
    assert upload_rows(clinic, rows)["err_msg"] == f"费用明细流水号[{rows[0]['feedetl_sn']}]重复"
    rows = clinic.rows(mdtrt_id, [Line("Y001", "1.00"), Line("Y005", "1.00")], batch="B4", dise_codg="M01600")
    rows[1]["dise_codg"] = "M03900"
    assert upload_rows(clinic, rows)["err_msg"] == "收费批次号[B4]：同一收费批次号病种编号必须一致"
    reserved = clinic.upload(mdtrt_id, [Line("Y001", "1.00")], batch="0000")
    assert reserved["err_msg"] == "收费批次号[0000]为保留值（撤销全部明细），不能作为收费批次号"


@pytest.mark.parametrize(
    ("change", "err_msg"),
    [
        # 0.40 × 300 = 120.00, not 119.99.
        (
            {"det_item_fee_sumamt": D("119.99")},
            "费用明细[{sn}]明细项目费用总额[119.99]与数量×单价[120.00]不一致",
        ),
        ({"mdtrt_id": "M000"}, "未找到就诊信息[mdtrt_id=M000]"),
        ({"medins_list_codg": "Y999"}, "费用明细[{sn}]医药机构目录编码[Y999]未做医保目录对照"),
        ({"medins_list_codg": "L999"}, "费用明细[{sn}]医药机构目录编码[L999]未贯标，不能上传"),
        (
            {"med_list_codg": "XA10BXR027A001010100002"},
            "费用明细[{sn}]医疗目录编码[XA10BXR027A001010100002]与目录对照[XA10BAA059A001010100001]不一致",
        ),
        ({"cnt": D("0")}, "交易输入[feedetail[0].cnt]必须为正数"),
        ({"pric": D("0.1234567")}, "交易输入[feedetail[0].pric]小数位数超过6位"),
        ({"det_item_fee_sumamt": D("120.001")}, "交易输入[feedetail[0].det_item_fee_sumamt]小数位数超过2位"),
        ({"hosp_appr_flag": "3"}, "交易输入[feedetail[0].hosp_appr_flag]值[3]不在字典[hosp_appr_flag]范围内"),
        ({"fee_ocur_time": ""}, "交易输入[feedetail[0].fee_ocur_time]不能为空"),
    ],
)
def test_line_refusals(clinic: Clinic, change: dict[str, Any], err_msg: str) -> None:
    mdtrt_id = clinic.open_visit()
    rows = clinic.rows(mdtrt_id, [Line("Y001", "0.40", "300")])
    rows[0].update(change)
    answer = upload_rows(clinic, rows)
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg.format(sn=rows[0]["feedetl_sn"]))


def test_someone_elses_visit_is_refused(clinic: Clinic, signed_in: Caller) -> None:
    mdtrt_id = clinic.open_visit()
    other = Clinic(signed_in, P5)
    answer = other.upload(mdtrt_id, [Line("Y001", "1.00")])
    assert answer["err_msg"] == f"就诊[{mdtrt_id}]不属于人员[{P5.psn_no}]"
    rows = clinic.rows(mdtrt_id, [Line("Y001", "1.00"), Line("Y002", "1.00")])
    rows[1]["mdtrt_id"] = "M999"
    assert (
        upload_rows(clinic, rows)["err_msg"] == "同一次上传的费用明细必须属于同一就诊（mdtrt_id、psn_no一致）"
    )


def test_empty_upload(clinic: Clinic) -> None:
    assert upload_rows(clinic, [])["err_msg"] == "交易输入[feedetail]不能为空"


def test_revoke_a_batch_and_upload_it_again(clinic: Clinic) -> None:
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, [Line("Y001", "1.00")], batch="B1")
    revoke = {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": P1.psn_no}
    assert clinic.call("2205", {"data": revoke})["infcode"] == 0
    # The batch and its feedetl_sn are free again (PROTOCOL.md §6.3: clear, then upload again).
    clinic.sn = 0
    assert clinic.upload(mdtrt_id, [Line("Y001", "2.00")], batch="B1")["infcode"] == 0
    unknown = clinic.call("2205", {"data": {**revoke, "chrg_bchno": "B7"}})
    assert unknown["err_msg"] == "未找到收费批次号[B7]的有效费用明细"


def test_revoke_all_unsettled_keeps_settled_details(clinic: Clinic) -> None:
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, [Line("Y001", "10.00")], batch="B1")
    clinic.upload(mdtrt_id, [Line("Y001", "20.00")], batch="B2")
    clinic.upload(mdtrt_id, [Line("Y001", "30.00")], batch="B3")
    setl_id = clinic.settle(mdtrt_id, batch="B1")["output"]["setlinfo"]["setl_id"]
    clinic.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": P1.psn_no}})
    details = clinic.ok("5204", {"data": {"psn_no": P1.psn_no, "mdtrt_id": mdtrt_id}})["output"]
    assert [(row["det_item_fee_sumamt"], row["setl_id"]) for row in details] == [(D("10.00"), setl_id)]
    # Nothing unsettled left: "0000" again is a no-op, not an error.
    assert (
        clinic.call("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": P1.psn_no}})[
            "infcode"
        ]
        == 0
    )


def test_unmapped_hospital_is_refused(platform: MockPlatform, signed_in: Caller) -> None:
    # A seeded hospital without any 目录对照 (not in hospitals_demo.csv, no item_map file).
    platform.seed(
        {
            "hospitals": [
                {
                    "fixmedins_code": "H42010200011",
                    "fixmedins_name": "武汉无对照医院",
                    "admdvs": "420100",
                    "hosp_lv": "5",
                    "dedc_hosp_lv": "02",
                    "opsp_designated": True,
                    "opsp_open": [{"relation": "cross_province", "diseases": "all", "source": "test"}],
                    "source": "test",
                }
            ]
        }
    )
    caller = Caller(signed_in.client, ("H42010200011", "420100", "武汉无对照医院"), clock=signed_in.clock)
    caller.sign_in()
    clinic = Clinic(caller, P1)
    answer = clinic.upload(clinic.open_visit(), [Line("Y001", "1.00")])
    assert answer["err_msg"] == "定点医药机构[H42010200011]未上传医保目录对照(3301)，不能上传费用明细"


def test_details_stored_by_json_dumps_before_read_the_same(platform: MockPlatform, clinic: Clinic) -> None:
    # Rows written before issue #18 hold json.dumps(..., default=str) text (spaces after separators); the
    # details read from them are the ones read from the rows written now.
    mdtrt_id = clinic.open_visit()
    assert clinic.upload(mdtrt_id, [Line("Y001", "0.40", "10"), Line("Y005", "2.10", "3")])["infcode"] == 0
    fees, store = platform._backend.fees, platform._backend.store
    written_now = fees.in_effect(mdtrt_id)
    with store.transaction() as connection:
        rows = connection.execute("SELECT id, upload, split FROM fee_detail WHERE mdtrt_id = ?", (mdtrt_id,))
        for row_id, upload, split in rows.fetchall():
            assert ", " not in upload  # written compactly now
            connection.execute(
                "UPDATE fee_detail SET upload = ?, split = ? WHERE id = ?",
                (json.dumps(json.loads(upload), ensure_ascii=False), json.dumps(json.loads(split)), row_id),
            )
    assert fees.in_effect(mdtrt_id) == written_now
    assert [line.upload.pric for line in written_now] == [D("0.40"), D("2.10")]
