"""Malformed requests: each is answered with a well-formed envelope, infcode -1 and a specific err_msg."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from mock_platform.backend.people import PersonRegistry
from tests.mock_platform.helpers import Caller, body, envelope, tif_headers

P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"}}


def refusal(response: httpx.Response) -> str:
    """Check the envelope is well formed (PROTOCOL.md §1.4) and return its err_msg."""
    assert response.status_code == 200
    answer = response.json()
    assert list(answer) == ["infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"]
    assert answer["infcode"] == -1
    assert re.fullmatch(r"\d{6}20261122100000\d{10}", answer["inf_refmsgid"])
    assert answer["refmsg_time"] == "20261122100000000"
    assert re.fullmatch(r"\d{17}", answer["respond_time"])
    assert answer["output"] == {}
    message: str = answer["err_msg"]
    return message


def with_changes(**changes: Any) -> dict[str, Any]:
    payload = envelope("1101", P1_QUERY, sign_no="unused")
    for key, value in changes.items():
        if value is ...:
            del payload[key]
        else:
            payload[key] = value
    return payload


@pytest.mark.parametrize(
    ("raw", "err_msg"),
    [
        (b"{not json", "请求报文不是合法的JSON"),
        (b"", "请求报文不是合法的JSON"),
        (b"\xff\xfe\x00garbage", "请求报文不是合法的JSON"),
        (b'{"infno": NaN}', "请求报文不是合法的JSON"),
        (b"[1, 2]", "请求报文必须是JSON对象"),
        (b'"1101"', "请求报文必须是JSON对象"),
    ],
)
def test_body_that_is_not_an_envelope(caller: Caller, raw: bytes, err_msg: str) -> None:
    assert refusal(caller.post(raw)) == err_msg


@pytest.mark.parametrize(
    ("changes", "err_msg"),
    [
        ({"infno": ...}, "报文头[infno]不能为空"),
        ({"infno": 1101}, "报文头[infno]类型错误，应为字符串"),
        ({"msgid": ""}, "报文头[msgid]不能为空"),
        ({"msgid": None}, "报文头[msgid]不能为空"),
        ({"msgid": "H" * 31}, "报文头[msgid]长度超过30位"),
        ({"mdtrtarea_admvs": "4201"}, "报文头[mdtrtarea_admvs]格式错误，应为6位医保区划代码"),
        ({"recer_sys_code": ...}, "报文头[recer_sys_code]不能为空"),
        ({"infver": ""}, "报文头[infver]不能为空"),
        ({"opter_type": "9"}, "报文头[opter_type]值[9]不在字典[opter_type]范围内"),
        ({"opter": ...}, "报文头[opter]不能为空"),
        ({"inf_time": "20261122100000"}, "报文头[inf_time]格式错误，应为yyyy-MM-dd HH:mm:ss"),
        ({"fixmedins_code": ""}, "报文头[fixmedins_code]不能为空"),
        ({"input": ...}, "报文头[input]不能为空"),
        ({"input": '{"data": {}}'}, "报文头[input]类型错误，应为JSON对象"),
        ({"infno": "1234"}, "不支持的交易编号[1234]"),
        (
            {"fixmedins_code": "H99999999999", "msgid": "H99999999999202611221000000001"},
            "未找到定点医药机构[H99999999999]信息",
        ),
        (
            {"mdtrtarea_admvs": "150100"},
            "报文头[mdtrtarea_admvs]值[150100]与定点医药机构所属医保区划[420100]不一致",
        ),
    ],
)
def test_bad_envelope_fields(caller: Caller, changes: dict[str, Any], err_msg: str) -> None:
    assert refusal(caller.post(with_changes(**changes))) == err_msg


def test_unknown_person_before_sign_in_check_order(signed_in: Caller) -> None:
    data = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011234"}}
    assert refusal(signed_in.post(envelope("1101", data, sign_no=signed_in.sign_no))) == "未找到人员信息"


@pytest.mark.parametrize(
    ("input_", "err_msg"),
    [
        ({}, "交易输入[data]不能为空"),
        ({"data": []}, "交易输入[data]类型错误，应为JSON对象"),
        ({"data": {}}, "交易输入[data.psn_no]不能为空"),
        ({"data": {"psn_no": ""}}, "交易输入[data.psn_no]不能为空"),
        ({"data": {"psn_no": 64010000000000000001}}, "交易输入[data.psn_no]类型错误，应为字符串"),
    ],
)
def test_bad_input_nodes(signed_in: Caller, input_: dict[str, Any], err_msg: str) -> None:
    payload = envelope("5301", input_, sign_no=signed_in.sign_no, insuplc_admdvs="640100")
    assert refusal(signed_in.post(payload)) == err_msg


def test_unknown_keys_and_nulls_are_tolerated(signed_in: Caller) -> None:
    # PROTOCOL.md §1.2: regional extra envelope keys; HN sends dev_no "null"; empty values may be null.
    payload = envelope("1101", P1_QUERY, sign_no=signed_in.sign_no)
    payload.update({"fixmedins_soft_fcty": "厂商", "dev_no": "null", "cainfo": None, "insuplc_admdvs": None})
    answer = signed_in.post(payload).json()
    assert answer["infcode"] == 0


def test_per_infno_url_takes_the_infno_from_the_path(signed_in: Caller) -> None:
    response = signed_in.post(envelope("1101", P1_QUERY, sign_no=signed_in.sign_no), path="/fsi/api/1101")
    assert response.json()["infcode"] == 0


def test_per_infno_url_must_agree_with_the_envelope(signed_in: Caller) -> None:
    response = signed_in.post(envelope("1101", P1_QUERY, sign_no=signed_in.sign_no), path="/fsi/api/5301")
    assert refusal(response) == "报文头[infno]值[1101]与请求地址中的交易编号[5301]不一致"


def test_per_infno_url_with_unknown_infno(signed_in: Caller) -> None:
    response = signed_in.post(envelope("1234", {}, sign_no=signed_in.sign_no), path="/fsi/api/1234")
    assert refusal(response) == "不支持的交易编号[1234]"


def test_success_envelope_shape(signed_in: Caller) -> None:
    response = signed_in.post(envelope("1101", P1_QUERY, sign_no=signed_in.sign_no))
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert response.content.startswith(b'{"infcode":0,"inf_refmsgid":"420100202611221000000')
    answer = response.json()
    assert answer["err_msg"] == ""
    assert answer["refmsg_time"] == "20261122100000000"


def test_inf_refmsgid_is_unique_and_uses_the_hospital_admdvs(signed_in: Caller) -> None:
    ids = {signed_in.call("1101", P1_QUERY)["inf_refmsgid"] for _ in range(3)}
    assert len(ids) == 3
    assert all(len(value) == 30 and value.startswith("420100") for value in ids)


def test_unknown_hospital_gets_the_fallback_admdvs(caller: Caller) -> None:
    response = caller.post(b"{not json")
    assert response.json()["inf_refmsgid"].startswith("000000")


def test_unexpected_exception_becomes_an_envelope(signed_in: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(PersonRegistry, "find_by_credential", explode)
    with capture_logs() as logs:
        response = signed_in.post(envelope("1101", P1_QUERY, sign_no=signed_in.sign_no))
    message = refusal(response)
    refmsgid = response.json()["inf_refmsgid"]
    assert message == f"医保平台内部错误，请稍后重试（参考号{refmsgid}）"
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["unexpected_error"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/fsi/api/rsfComIfsService/callService", 405),
        ("PUT", "/fsi/api/1101", 405),
        ("POST", "/fsi/api/", 404),
        ("POST", "/somewhere", 404),
        ("GET", "/_mock/nothing", 404),
        ("POST", "/_mock/journal", 405),
    ],
)
def test_other_routes_answer_json(client: httpx.Client, method: str, path: str, status: int) -> None:
    response = client.request(method, path, headers=tif_headers(), content=body({}))
    assert response.status_code == status
    assert response.json()["code"] == status


def test_lone_surrogate_is_refused_before_it_is_echoed(caller: Caller) -> None:
    # "\ud800" is valid JSON but not text: refused as such (issue #10), never echoed in an err_msg.
    raw = body(with_changes(infno="X")).replace(b'"infno": "X"', b'"infno": "\\ud800"')
    assert refusal(caller.post(raw)) == "请求报文含有无效的Unicode字符(孤立的UTF-16代理项)"
