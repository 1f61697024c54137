"""Conformance profiles (issue #17): lenient / national / strict and regional variants as data.

Each deviation a real client sends is reported (warn_msg and the journal's warnings) where a profile accepts
it, and refused with infcode -1 where it does not; never accepted silently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from mock_platform.conformance import PROFILES
from tests.mock_platform.helpers import Caller, body, envelope, tif_headers
from tests.mock_platform.test_hostile import _fee_row

UUID_MSGID = "3f2b9c1e8a7d4e6fb0c2d1a9e8f7b6"  # 30 characters of a UUID, as a public HIS client sends
MSGID_TEXT = f"msgid[{UUID_MSGID}]不符合国家规范格式(定点医药机构编号+yyyyMMddHHmmss+4位顺序号)"
SIGN_IN = {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}


def use(client: httpx.Client, name: str) -> None:
    response = client.put("/_mock/profile", json={"profile": name})
    assert response.status_code == 200
    assert response.json()["profile"]["name"] == name


def last_warnings(client: httpx.Client) -> str:
    return str(client.get("/_mock/journal", params={"limit": "1"}).json()["entries"][0]["warnings"])


def test_the_shipped_profiles() -> None:
    assert list(PROFILES) == ["lenient", "national", "strict", "hunan", "replay-refused"]
    assert PROFILES["strict"].as_dict()["refused"] == [
        "amount_as_string",
        "content_type",
        "inf_time_skew",
        "msgid_form",
        "nonce_retry",
        "unknown_infver",
    ]
    assert PROFILES["lenient"].as_dict()["refused"] == []
    assert PROFILES["national"].as_dict()["refused"] == ["nonce_retry"]
    assert PROFILES["hunan"].sign_in_required is False


@pytest.mark.parametrize("profile", ["lenient", "national"])
def test_a_uuid_msgid_is_reported(caller: Caller, client: httpx.Client, profile: str) -> None:
    use(client, profile)
    answer = caller.post(envelope("9001", SIGN_IN) | {"msgid": UUID_MSGID}).json()
    assert (answer["infcode"], answer["warn_msg"]) == (0, MSGID_TEXT)
    assert last_warnings(client) == MSGID_TEXT


def test_strict_refuses_a_uuid_msgid(caller: Caller, client: httpx.Client) -> None:
    use(client, "strict")
    answer = caller.post(envelope("9001", SIGN_IN) | {"msgid": UUID_MSGID}).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, MSGID_TEXT + "（strict规则拒绝）")


@pytest.mark.parametrize(
    ("changes", "headers", "text"),
    [
        ({"inf_time": "2026-11-22 11:00:00"}, {}, "报文头[inf_time]与平台时间相差3600秒(超过{limit}秒)"),
        ({"infver": "1.0.0"}, {}, "报文头[infver]值[1.0.0]不是平台下发的接口版本号[V1.0]"),
        ({}, {"content-type": "text/plain"}, "Content-Type[text/plain]不是application/json"),
    ],
)
def test_national_reports_and_strict_refuses(
    caller: Caller, client: httpx.Client, changes: dict[str, str], headers: dict[str, str], text: str
) -> None:
    # national: clock skew limit 600 s, strict 300 s (profiles.toml); 11:00 against the platform's 10:00.
    payload = envelope("9001", SIGN_IN) | changes
    answer = client.post(
        "/fsi/api/rsfComIfsService/callService",
        content=body(payload),
        headers=tif_headers(caller.clock()) | headers,
    ).json()
    assert (answer["infcode"], answer["warn_msg"]) == (0, text.format(limit=600))
    use(client, "strict")
    payload["msgid"] = caller.msgid(2)
    answer = client.post(
        "/fsi/api/rsfComIfsService/callService",
        content=body(payload),
        headers=tif_headers(caller.clock()) | headers,
    ).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, text.format(limit=300) + "（strict规则拒绝）")


def test_the_literal_null_in_optional_fields_is_reported_everywhere(
    caller: Caller, client: httpx.Client
) -> None:
    use(client, "strict")
    answer = caller.post(envelope("9001", SIGN_IN) | {"dev_no": "null", "cainfo": "null"}).json()
    assert (answer["infcode"], answer["warn_msg"]) == (
        0,
        '报文头[dev_no]、[cainfo]为字符串"null"，空值应为""',
    )


def _amount_call(signed_in: Caller, amount: Any) -> dict[str, Any]:
    payload = envelope("2204", {"feedetail": [_fee_row(amount)]}, sign_no=signed_in.sign_no, msgid_serial=9)
    return dict(signed_in.post(payload).json())


def test_an_amount_as_a_string_is_reported_by_national_refused_by_strict(
    signed_in: Caller, client: httpx.Client
) -> None:
    reported = _amount_call(signed_in, "120.00")
    assert "数值字段[det_item_fee_sumamt]以字符串发送，应为JSON数值" in reported["warn_msg"].split("；")
    use(client, "strict")
    refused = _amount_call(signed_in, "120.00")
    assert (
        refused["err_msg"] == "交易输入[feedetail[0].det_item_fee_sumamt]类型错误，应为JSON数值(不接受字符串)"
    )
    # A number is no deviation in either.
    assert "以字符串发送" not in _amount_call(signed_in, Decimal("120.00")).get("warn_msg", "")


def test_hunan_accepts_an_empty_sign_no(caller: Caller, client: httpx.Client) -> None:
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010", "psn_cert_type": "01"}}
    national = caller.post(envelope("1101", query)).json()
    assert national["infcode"] == -1
    use(client, "hunan")
    assert caller.post(envelope("1101", query, msgid_serial=2)).json()["infcode"] == 0


def test_a_region_may_refuse_a_duplicate_msgid_with_the_same_body(
    signed_in: Caller, client: httpx.Client
) -> None:
    sign_out = envelope(
        "9002", {"signOut": {"sign_no": signed_in.sign_no, "opter_no": "0001"}}, msgid_serial=5
    )
    first = signed_in.post(sign_out).json()
    assert first["infcode"] == 0
    assert signed_in.post(sign_out).json() == first  # national: the stored answer, byte for byte
    use(client, "replay-refused")
    again = signed_in.post(sign_out).json()
    assert (again["infcode"], again["err_msg"]) == (-1, f"发送方报文ID[{sign_out['msgid']}]重复")


def test_profile_control(client: httpx.Client) -> None:
    current = client.get("/_mock/profile").json()
    assert current["profile"]["name"] == "national"
    assert [entry["name"] for entry in current["available"]] == list(PROFILES)
    unknown = client.put("/_mock/profile", json={"profile": "loose"})
    assert unknown.status_code == 400
    assert "unknown profile 'loose'" in unknown.json()["message"]
    assert client.put("/_mock/profile", json={}).status_code == 400
    assert client.get("/_mock/health").json()["profile"] == "national"
