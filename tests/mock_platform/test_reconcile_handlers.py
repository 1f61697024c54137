"""3201/3202/9101/9102 on the mock: bad input gets a specific refusal (never an internal error); files
round-trip."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from mock_platform.backend.files import read_table, zip_table
from tests.mock_platform.helpers import Caller, envelope

TOTALS = {
    "insutype": "310",
    "clr_type": "14",
    "setl_optins": "640100",
    "stmt_begndate": "2026-11-22",
    "stmt_enddate": "2026-11-22",
    "medfee_sumamt": "0.00",
    "fund_pay_sumamt": "0",
    "acct_pay": 0,
    "fixmedins_setl_cnt": 0,
}


def _data(**changes: Any) -> dict[str, Any]:
    return {"data": {**TOTALS, **changes}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stmt_begndate": "2026/11/22"}, "stmt_begndate"),
        ({"stmt_enddate": "2026-11-21"}, "对账结束日期不能早于对账开始日期"),
        ({"medfee_sumamt": {"x": 1}}, "medfee_sumamt"),
        ({"acct_pay": "0.001"}, "acct_pay"),
        ({"fixmedins_setl_cnt": -1}, "fixmedins_setl_cnt"),
        ({"insutype": ""}, "insutype"),
    ],
)
def test_3201_refuses_bad_input_naming_the_field(
    signed_in: Caller, changes: dict[str, Any], message: str
) -> None:
    answer = signed_in.call("3201", _data(**changes))
    assert answer["infcode"] == -1
    assert message in answer["err_msg"]
    assert "内部错误" not in answer["err_msg"]


def test_3201_on_an_empty_day_is_balanced_and_a_wrong_count_is_not(signed_in: Caller) -> None:
    balanced = signed_in.call("3201", _data())
    assert balanced["output"]["stmtinfo"] == {
        "setl_optins": "640100",
        "stmt_rslt": "0",
        "stmt_rslt_dscr": "对账平",
    }
    off = signed_in.call("3201", _data(medfee_sumamt="-12.50", fixmedins_setl_cnt=1))
    assert off["output"]["stmtinfo"]["stmt_rslt"] == "1"
    assert (
        off["output"]["stmtinfo"]["stmt_rslt_dscr"]
        == "医疗费总额：医药机构-12.50，中心0.00；结算笔数：医药机构1，中心0"
    )


def _upload(caller: Caller, content: Any, filename: str = "detail.zip") -> dict[str, Any]:
    return caller.call(
        "9101", {"fsUploadIn": {"in": content, "filename": filename, "fixmedins_code": "H42010200001"}}
    )


def test_a_file_round_trips_through_9101_and_9102_as_bytes(signed_in: Caller) -> None:
    content = zip_table(
        "detail.txt",
        [["S1", "M1", "P1", "10.00", "0.00", "0.00", "0"], ["S2", "", "P2", "-1", "0", "0", "1"]],
    )
    stored = _upload(signed_in, list(content))
    assert stored["infcode"] == 0, stored
    number = stored["output"]["file_qury_no"]
    assert len(number) == 25
    assert stored["output"]["filename"] == "detail.zip"
    response = signed_in.post(
        envelope(
            "9102",
            {
                "fsDownloadIn": {
                    "file_qury_no": number,
                    "filename": "detail.zip",
                    "fixmedins_code": "H42010200001",
                }
            },
            sign_no=signed_in.sign_no,
            msgid_serial=signed_in.next_msgid_serial(),
        )
    )
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == content
    # The empty mdtrt_id travels as null and comes back empty (PROTOCOL.md §1.6).
    assert read_table(response.content, columns=7)[1] == ["S2", "", "P2", "-1", "0", "0", "1"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("detail.txt").decode("utf-8").splitlines()[1] == "S2\tnull\tP2\t-1\t0\t0\t1"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "fsUploadIn.in"),
        ([], "fsUploadIn.in"),
        ("not base64!", "不是字节数组或base64编码"),
        ([1, 2, 999], "字节值超出范围"),
    ],
)
def test_9101_refuses_what_is_not_a_file(signed_in: Caller, content: Any, message: str) -> None:
    answer = _upload(signed_in, content)
    assert answer["infcode"] == -1
    assert message in answer["err_msg"]


def test_9102_refuses_an_unknown_number(signed_in: Caller) -> None:
    answer = signed_in.call(
        "9102", {"fsDownloadIn": {"file_qury_no": "F1", "filename": "", "fixmedins_code": "H42010200001"}}
    )
    assert (answer["infcode"], answer["err_msg"]) == (-1, "文件查询号[F1]不存在")


def test_3202_refuses_a_file_whose_totals_differ_from_its_header(signed_in: Caller) -> None:
    content = zip_table("d.txt", [["S1", "M1", "P1", "10.00", "0.00", "0.00", "0"]])
    number = _upload(signed_in, list(content))["output"]["file_qury_no"]
    answer = signed_in.call(
        "3202",
        {
            "data": {
                "setl_optins": "640100",
                "file_qury_no": number,
                "stmt_begndate": "2026-11-22",
                "stmt_enddate": "2026-11-22",
                "medfee_sumamt": "9.00",
                "fund_pay_sumamt": "0.00",
                "cash_payamt": "0.00",
                "fixmedins_setl_cnt": 1,
                "clr_type": "14",
            }
        },
    )
    assert answer["infcode"] == -1
    assert (
        answer["err_msg"]
        == "对账明细文件合计（医疗费总额10.00，基金支付总额0.00，1笔）与交易输入（9.00，0.00，1笔）不一致"
    )
