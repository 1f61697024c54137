"""The mock's catalogue transactions as a HIS sees them: 1312 paging and refusals, 1901, 1309 versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mock_platform.helpers import Caller


def _query(page_num: Any = 1, page_size: Any = 5, updt_time: str = "2000-01-01") -> dict[str, Any]:
    return {
        "data": {
            "updt_time": updt_time,
            "page_num": page_num,
            "page_size": page_size,
            "insu_admdvs": "420000",
        }
    }


def test_1312_pages_the_province_catalogue(signed_in: Caller) -> None:
    first = signed_in.call("1312", _query())["output"]
    last = signed_in.call("1312", _query(page_num=4))["output"]
    # Hubei's shipped catalogue: 16 rows, pages of 5 -> 4 pages, the last holding 16 - 15 = 1 row.
    assert (first["recordCounts"], first["pages"], first["size"], first["startRow"]) == (16, 4, 5, 1)
    assert (last["size"], last["startRow"], last["endRow"]) == (1, 16, 16)
    rids = {
        row["rid"] for page in range(1, 5) for row in signed_in.call("1312", _query(page))["output"]["data"]
    }
    assert len(rids) == 16
    # A time (not a date) asks for rows updated strictly after it: none since the shipped version.
    after = signed_in.call("1312", _query(updt_time="2020-01-01 00:00:00"))["output"]
    assert (after["recordCounts"], after["data"]) == (0, [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_query(page_size=0), "交易输入[data.page_size]应为1至1000的整数"),
        (_query(page_size=1001), "交易输入[data.page_size]应为1至1000的整数"),
        (_query(page_num="x"), "交易输入[data.page_num]应为1至9999的整数"),
        (_query(updt_time="2020/01/01"), "交易输入[data.updt_time]格式错误"),
        ({"data": {"page_num": 1, "page_size": 5}}, "交易输入[data.updt_time]不能为空"),
    ],
)
def test_1312_refuses_a_bad_query_naming_the_field(
    signed_in: Caller, query: dict[str, Any], message: str
) -> None:
    answer = signed_in.call("1312", query)
    assert answer["infcode"] == -1
    assert message in answer["err_msg"]


def test_1901_answers_in_the_casing_it_was_asked_in(signed_in: Caller) -> None:
    camel = signed_in.call(
        "1901", {"data": {"type": "chrgitm_lv", "parentValue": "", "admdvs": "420000", "date": "2026-11-22",
                          "valiFlag": "1"}}
    )["output"]["list"]  # fmt: skip
    snake = signed_in.call(
        "1901", {"data": {"type": "chrgitm_lv", "parent_value": "", "admdvs": "420000", "date": "2026-11-22",
                          "Vali_Flag": "1"}}
    )["output"]["list"]  # fmt: skip
    assert [(e["value"], e["label"], e["valiFlag"]) for e in camel] == [
        ("01", "甲类", "1"),
        ("02", "乙类", "1"),
        ("03", "丙类", "1"),
    ]
    assert [(e["value"], e["vali_flag"], e["parent_value"]) for e in snake] == [
        ("01", "1", ""),
        ("02", "1", ""),
        ("03", "1", ""),
    ]


def test_1309_gives_a_file_of_the_versions_after_the_one_held(signed_in: Caller) -> None:
    everything = signed_in.call("1309", {"data": {"ver": "v0000"}})["output"]
    assert everything["data_cnt"] == 30
    assert everything["file_qury_no"].startswith("F")
    assert signed_in.call("1309", {"data": {"ver": "v0001"}})["output"]["data_cnt"] == 0
    refused = signed_in.call("1309", {"data": {"ver": "0001"}})
    assert refused["infcode"] == -1
    assert "交易输入[data.ver]" in refused["err_msg"]
