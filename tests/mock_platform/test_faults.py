"""Faults on demand: each kind in-process, over the ASGI app, and over a real socket."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.backend.faults import FaultRuleError
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic, decode
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import P1
from tests.mock_platform.serving import serving

P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1.certno}}


def visit_count(clinic: Clinic) -> int:
    query = {"psn_no": P1.psn_no, "begntime": "2026-11-22 00:00:00", "endtime": "2026-11-22 23:59:59"}
    return len(clinic.ok("5201", {"data": {**query, "med_type": "14"}})["output"]["mdtrtinfo"])


def open_visit(clinic: Clinic, serial: int) -> dict[str, Any]:
    """2201 and, when it answered, 2203 (so 5201 lists the visit)."""
    data = {
        "psn_no": P1.psn_no,
        "insutype": "310",
        "begntime": "2026-11-22 09:00:00",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": P1.certno,
        "ipt_otp_no": "OP1",
        "dept_code": "K01",
        "dept_name": "内科",
        "caty": "A03",
    }
    return clinic.call("2201", {"data": data}, msgid_serial=serial)


def treat_all(clinic: Clinic, mdtrt_id: str) -> None:
    assert clinic.treatment(mdtrt_id, dise_codg="M01600")["infcode"] == 0


def test_drop_after_commit(platform: MockPlatform, signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    platform.faults.add("2201", "drop_after_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        open_visit(clinic, serial=900)
    # It committed: the same msgid gets the stored answer, and there is one visit.
    answer = open_visit(clinic, serial=900)
    treat_all(clinic, answer["output"]["data"]["mdtrt_id"])
    assert visit_count(clinic) == 1


def test_timeout_after_commit(platform: MockPlatform, signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    platform.faults.add("2201", "timeout_after_commit", seconds=5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        open_visit(clinic, serial=901)
    assert time.monotonic() - started < 1  # in-process there is nothing to wait for
    treat_all(clinic, open_visit(clinic, serial=901)["output"]["data"]["mdtrt_id"])
    assert visit_count(clinic) == 1


def test_fail_before_commit(platform: MockPlatform, signed_in: Caller) -> None:
    clinic = Clinic(signed_in, P1)
    platform.faults.add("2201", "fail_before_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        open_visit(clinic, serial=902)
    assert visit_count(clinic) == 0
    # Nothing was processed: the same msgid is processed now.
    treat_all(clinic, open_visit(clinic, serial=902)["output"]["data"]["mdtrt_id"])
    assert visit_count(clinic) == 1


@pytest.mark.parametrize(
    ("kind", "message", "err_msg"),
    [
        ("error", None, "医保平台系统异常，请稍后再试"),
        ("error", "数据库连接失败", "数据库连接失败"),
        ("maintenance", None, "系统停机维护中，请稍后再试"),
        ("maintenance", "系统升级，预计22:00恢复", "系统升级，预计22:00恢复"),
    ],
)
def test_error_and_maintenance(
    platform: MockPlatform, signed_in: Caller, kind: str, message: str | None, err_msg: str
) -> None:
    clinic = Clinic(signed_in, P1)
    platform.faults.add("2201", kind, message=message)
    answer = open_visit(clinic, serial=903)
    assert (answer["infcode"], answer["err_msg"], answer["output"]) == (-1, err_msg, {})
    assert visit_count(clinic) == 0
    assert open_visit(clinic, serial=903)["infcode"] == 0  # nothing processed, nothing recorded


def test_bad_gateway_and_gateway_auth(platform: MockPlatform, signed_in: Caller) -> None:
    platform.faults.add("1101", "bad_gateway")
    platform.faults.add("1101", "gateway_auth")
    payload = envelope("1101", P1_QUERY, sign_no=signed_in.sign_no)
    bad = signed_in.post(payload)
    assert bad.status_code == 502
    assert bad.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError, match="Expecting value"):
        bad.json()
    auth = signed_in.post(payload)
    assert (auth.status_code, auth.json()) == (401, {"code": 401, "message": "签名不一致!"})
    assert signed_in.post(payload).json()["infcode"] == 0  # both rules used up


def test_delay_uses_the_injected_sleep(clock: MutableClock, demo_config: MockConfig) -> None:
    slept: list[float] = []
    with (
        MockPlatform(clock=clock, config=demo_config, sleep=slept.append) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        mock.faults.add("1101", "delay", seconds=2.5)
        assert caller.call("1101", P1_QUERY)["infcode"] == 0
        assert caller.call("1101", P1_QUERY)["infcode"] == 0
    assert slept == [2.5]


def test_times_list_clear_and_other_transactions(platform: MockPlatform, signed_in: Caller) -> None:
    platform.faults.add("1101", "error", times=2)
    platform.faults.add("5301", "maintenance")
    assert [(f.infno, f.kind, f.remaining) for f in platform.faults.list()] == [
        ("1101", "error", 2),
        ("5301", "maintenance", 1),
    ]
    assert [signed_in.call("1101", P1_QUERY)["infcode"] for _ in range(3)] == [-1, -1, 0]
    assert platform.faults.clear() == 1
    assert signed_in.call("5301", {"data": {"psn_no": P1.psn_no}}, insuplc_admdvs="640100")["infcode"] == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"infno": "2207", "kind": "explode"}, "kind must be one of"),
        ({"infno": "2207", "kind": "error", "times": 0}, "times must be an integer >= 1"),
        ({"infno": "", "kind": "error"}, "infno must be"),
        ({"infno": "2207", "kind": "delay"}, "a delay needs seconds"),
        ({"infno": "2207", "kind": "delay", "seconds": -1}, "seconds must be a number >= 0"),
    ],
)
def test_invalid_rules(platform: MockPlatform, arguments: dict[str, Any], message: str) -> None:
    infno, kind = arguments.pop("infno"), arguments.pop("kind")
    with pytest.raises(FaultRuleError, match=message):
        platform.faults.add(infno, kind, **arguments)


def test_control_endpoints_and_journal(client: httpx.Client, signed_in: Caller) -> None:
    armed = client.post(
        "/_mock/faults", content=b'{"infno": "1101", "kind": "delay", "seconds": 0.0, "times": 1}'
    )
    assert armed.status_code == 200
    assert armed.json()["fault"] | {"id": 0} == {
        "id": 0,
        "infno": "1101",
        "kind": "delay",
        "remaining": 1,
        "message": None,
        "seconds": 0.0,  # written as 0.0 (a Decimal of the float given)
    }
    client.post("/_mock/faults", content=b'{"infno": "1101", "kind": "maintenance"}')
    assert [f["kind"] for f in client.get("/_mock/faults").json()["faults"]] == ["delay", "maintenance"]
    refused = client.post("/_mock/faults", content=b'{"infno": "1101", "kind": "nope"}')
    assert refused.status_code == 400
    assert "kind must be one of" in refused.json()["message"]
    assert client.post("/_mock/faults", content=b"[]").status_code == 400
    signed_in.call("1101", P1_QUERY)
    signed_in.call("1101", P1_QUERY)
    entries = client.get("/_mock/journal").json()["entries"][-2:]
    assert [(e["fault"], e["outcome"], e["infcode"]) for e in entries] == [
        ("delay", "success", 0),
        ("maintenance", "fault", -1),
    ]
    assert client.delete("/_mock/faults").json() == {"cleared": 0}


# --- over the ASGI app (httpx.ASGITransport): no socket needed for answers that arrive ---


def test_bad_gateway_and_delay_over_the_asgi_app(clock: MutableClock, demo_config: MockConfig) -> None:
    slept: list[float] = []

    async def scenario(mock: MockPlatform) -> tuple[int, bytes, int]:
        transport = httpx.ASGITransport(app=mock.asgi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.local") as client:
            await client.post("/_mock/faults", content=b'{"infno": "9001", "kind": "bad_gateway"}')
            await client.post("/_mock/faults", content=b'{"infno": "9001", "kind": "delay", "seconds": 1.5}')
            sign_in = body(
                envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}, msgid_serial=1)
            )
            bad = await client.post(SINGLE_URL, content=sign_in, headers=tif_headers(NOW))
            delayed = await client.post(SINGLE_URL, content=sign_in, headers=tif_headers(NOW))
        return bad.status_code, bad.content[:15], decode(delayed.content)["infcode"]

    with MockPlatform(clock=clock, config=demo_config, sleep=slept.append) as mock:
        assert asyncio.run(scenario(mock)) == (502, b"<html><head><ti", 0)
    assert slept == [1.5]


# --- over a real socket: a lost answer is a connection closed mid-response ---


def test_lost_answers_over_a_real_socket(clock: MutableClock, demo_config: MockConfig) -> None:
    with MockPlatform(clock=clock, config=demo_config) as mock, serving(mock) as url:
        with httpx.Client(base_url=url, timeout=5.0) as client:
            caller = Caller(client, clock=clock)
            caller.sign_in()
            clinic = Clinic(caller, P1)
            mock.faults.add("2201", "drop_after_commit")
            with pytest.raises(httpx.RemoteProtocolError):
                open_visit(clinic, serial=910)
            assert open_visit(clinic, serial=910)["infcode"] == 0  # committed: the stored answer
            mock.faults.add("1101", "fail_before_commit")
            with pytest.raises(httpx.RemoteProtocolError):
                caller.call("1101", P1_QUERY)
        with httpx.Client(base_url=url, timeout=0.3) as impatient:
            caller.client = impatient
            mock.faults.add("2201", "timeout_after_commit", seconds=0.8)
            with pytest.raises(httpx.ReadTimeout):
                open_visit(clinic, serial=911)
        time.sleep(0.6)  # let the held connection finish before the server stops
