"""The mock's catalogue transactions as a HIS sees them: 1312 paging and refusals, 1901, 1309 versions."""

from __future__ import annotations

from typing import Any

import pytest

from mock_platform import MockPlatform
from mock_platform.backend.files import read_table
from mock_platform.handlers.catalogue import ITEM_FILE_COLUMNS
from tests.mock_platform.helpers import Caller, envelope

FILES = ("1301", "1305", "1306")


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


def test_1301_1305_1306_give_the_catalogue_as_files_by_version(
    signed_in: Caller, platform: MockPlatform
) -> None:
    # The shipped payment scopes (v0001): drugs by 1301, services by 1305, consumables by 1306.
    for infno in FILES:
        assert signed_in.call(infno, {"data": {"ver": "v0000"}})["output"]["data_cnt"] > 0, infno
    platform.publish_catalogue(
        [{"op": "add", "insu_admdvs": "420000", "hilist_code": f"XB01AC{n:017d}", "hilist_name": f"药{n}",
          "list_type": "101", "med_chrgitm_type": "09", "chrgitm_lv": "01", "begndate": "2026-12-01"}
         for n in range(3)]
    )  # fmt: skip
    answer = signed_in.call("1301", {"data": {"ver": "v0001"}})["output"]
    assert answer["data_cnt"] == 3  # only the rows of versions after v0001: the three drugs of v0002
    assert signed_in.call("1305", {"data": {"ver": "v0001"}})["output"]["data_cnt"] == 0
    download = {"fsDownloadIn": {"file_qury_no": answer["file_qury_no"], "fixmedins_code": "plc"}}
    request = envelope(
        "9102",
        download,
        hospital=signed_in.hospital,
        sign_no=signed_in.sign_no,
        msgid_serial=signed_in.next_msgid_serial(),
    )
    rows = read_table(signed_in.post(request).content, columns=len(ITEM_FILE_COLUMNS))
    assert sorted((row[0], row[5], row[9], row[14]) for row in rows) == [
        (f"XB01AC{n:017d}", "01", "2026-12-01", "v0002") for n in range(3)
    ]
