"""9001 签到 / 9002 签退 and the sign-in check before every other transaction (PROTOCOL.md §3.1, §6.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import HOHHOT, Caller

P1_BY_ID = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"}}


def sign_out(caller: Caller, sign_no: str, opter_no: str = "0001") -> dict[str, Any]:
    return caller.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": opter_no}})


def test_sign_in_answers_time_and_number(caller: Caller) -> None:
    answer = caller.call(
        "9001", {"signIn": {"opter_no": "0001", "mac": "00-16-3E-00-00-01", "ip": "10.0.0.8"}}
    )
    assert answer["infcode"] == 0
    block = answer["output"]["signinoutb"]
    assert block["sign_time"] == "2026-11-22 10:00:00"
    assert isinstance(block["sign_no"], str)
    assert 0 < len(block["sign_no"]) <= 30


def test_same_operator_same_day_gets_the_same_number(caller: Caller, clock: MutableClock) -> None:
    first = caller.sign_in()
    clock.now += timedelta(hours=3)
    assert caller.sign_in() == first


def test_sign_in_without_mac_is_accepted(caller: Caller) -> None:
    # NT treats mac as optional (PROTOCOL.md §3.1).
    answer = caller.call("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}})
    assert answer["infcode"] == 0


def test_each_hospital_has_its_own_session(client: httpx.Client) -> None:
    wuhan, hohhot = Caller(client), Caller(client, HOHHOT)
    assert wuhan.sign_in() != hohhot.sign_in()
    wuhan.sign_no = hohhot.sign_no
    answer = wuhan.call("1101", P1_BY_ID)
    assert (answer["infcode"], answer["err_msg"]) == (
        -1,
        f"签到编号[{hohhot.sign_no}]不属于本定点医药机构，请重新签到",
    )


def test_sign_out_invalidates_the_number(signed_in: Caller) -> None:
    sign_no = signed_in.sign_no
    answer = sign_out(signed_in, sign_no)
    assert answer["infcode"] == 0
    assert answer["output"] == {"signoutoutb": {"sign_time": "2026-11-22 10:00:00"}}
    refused = signed_in.call("1101", P1_BY_ID)
    assert (refused["infcode"], refused["err_msg"]) == (-1, f"签到编号[{sign_no}]已签退，请重新签到")
    assert signed_in.sign_in() != sign_no


def test_sign_out_twice_is_refused(signed_in: Caller) -> None:
    sign_no = signed_in.sign_no
    sign_out(signed_in, sign_no)
    again = sign_out(signed_in, sign_no)
    assert (again["infcode"], again["err_msg"]) == (-1, f"签到编号[{sign_no}]已签退，请重新签到")


def test_sign_out_by_another_operator_is_refused(signed_in: Caller) -> None:
    answer = sign_out(signed_in, signed_in.sign_no, opter_no="0002")
    assert (answer["infcode"], answer["err_msg"]) == (
        -1,
        f"签到编号[{signed_in.sign_no}]不属于该操作员，不能签退",
    )


def test_sign_out_of_an_unknown_number_is_refused(caller: Caller) -> None:
    answer = sign_out(caller, "20261122000000nope")
    assert (answer["infcode"], answer["err_msg"]) == (-1, "签到编号[20261122000000nope]无效，请重新签到")


def test_yesterdays_number_has_expired(signed_in: Caller, clock: MutableClock) -> None:
    sign_no = signed_in.sign_no
    clock.now += timedelta(days=1)
    answer = signed_in.call("1101", P1_BY_ID)
    assert (answer["infcode"], answer["err_msg"]) == (
        -1,
        f"签到编号[{sign_no}]已过期（非当日签到），请重新签到",
    )
    assert signed_in.sign_in() != sign_no


def test_the_day_is_china_time_whatever_zone_the_clock_uses(signed_in: Caller, clock: MutableClock) -> None:
    # 15:59 UTC is 23:59 in China, still the sign-in day; 16:00 UTC is 00:00 on 2026-11-23 in China.
    clock.now = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
    assert signed_in.call("1101", P1_BY_ID)["infcode"] == 0
    clock.now = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert "已过期" in signed_in.call("1101", P1_BY_ID)["err_msg"]


@pytest.mark.parametrize(
    ("sign_no", "err_msg"),
    [
        ("", "报文头[sign_no]不能为空，请先签到(9001)"),
        ("20261122100000999", "签到编号[20261122100000999]无效，请重新签到"),
    ],
)
def test_transactions_require_a_valid_sign_no(caller: Caller, sign_no: str, err_msg: str) -> None:
    answer = caller.call("1101", P1_BY_ID, sign_no=sign_no)
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)
    assert "签到" in answer["err_msg"]


@pytest.mark.parametrize(
    ("sign_in", "err_msg"),
    [
        ({"opter_no": "9999", "ip": "10.0.0.8"}, "未找到操作员[9999]信息，签到失败"),
        ({"opter_no": "0001"}, "交易输入[signIn.ip]不能为空"),
        ({"opter_no": "", "ip": "10.0.0.8"}, "交易输入[signIn.opter_no]不能为空"),
    ],
)
def test_sign_in_refusals(caller: Caller, sign_in: dict[str, str], err_msg: str) -> None:
    answer = caller.call("9001", {"signIn": sign_in})
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_sign_in_node_is_required(caller: Caller) -> None:
    answer = caller.call("9001", {"data": {"opter_no": "0001"}})
    assert (answer["infcode"], answer["err_msg"]) == (-1, "交易输入[signIn]不能为空")
