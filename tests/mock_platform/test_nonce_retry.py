"""A nonce resent by an HTTP client's automatic retry (issue #17 point 5).

urllib3 resends a request whose answer it did not get with the same headers, so with the same x-tif-nonce and
the same msgid and body. PROTOCOL.md §2.1 makes a nonce single-use, and `national` (and every profile built on
it) refuses the resend; `lenient` takes it as the retry it is: the first call's answer again, reported in
warn_msg and in the journal's warnings. A used nonce with another msgid or body stays a replay everywhere.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock_platform.clinic import Clinic, Line, decode
from tests.mock_platform.helpers import SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import P1

QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010", "psn_cert_type": "01"}}
RETRY_NOTE = "x-tif-nonce重复使用：msgid[{msgid}]与报文均与首次请求相同，按客户端自动重发处理，返回首次应答"
REUSED = "请求已使用过的随机数(nonce)，且msgid或报文与首次请求不同，疑似重放!"


def lenient(client: httpx.Client) -> None:
    assert client.put("/_mock/profile", json={"profile": "lenient"}).status_code == 200


def send(client: httpx.Client, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post(SINGLE_URL, content=content, headers=headers)


def last_entry(client: httpx.Client) -> dict[str, Any]:
    entry: dict[str, Any] = client.get("/_mock/journal", params={"limit": "1"}).json()["entries"][0]
    return entry


def test_national_refuses_a_resent_nonce(signed_in: Caller, client: httpx.Client) -> None:
    content = body(envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=7))
    headers = tif_headers(nonce="urllib3-retry")
    assert send(client, content, headers).json()["infcode"] == 0
    again = send(client, content, headers)
    assert again.status_code == 401
    assert again.json() == {
        "code": 401,
        "message": "请求已使用过的随机数(nonce)，疑似重放!",
        "header": "x-tif-nonce",
    }


def test_lenient_answers_a_retry_with_the_first_answer(signed_in: Caller, client: httpx.Client) -> None:
    lenient(client)
    payload = envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=7)
    content, headers = body(payload), tif_headers(nonce="urllib3-retry")
    first = send(client, content, headers).json()
    retried = send(client, content, headers).json()
    note = RETRY_NOTE.format(msgid=payload["msgid"])
    assert retried["warn_msg"] == note  # the first answer had no warning
    assert retried == first | {"warn_msg": note}  # the same inf_refmsgid: not processed again
    entry = last_entry(client)
    assert (entry["outcome"], entry["warnings"], entry["msgid"]) == ("replayed", note, payload["msgid"])


@pytest.mark.parametrize("change", ["msgid", "body"])
def test_lenient_still_refuses_a_nonce_reused_for_another_request(
    signed_in: Caller, client: httpx.Client, change: str
) -> None:
    lenient(client)
    headers = tif_headers(nonce="captured")
    assert send(client, body(envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=7)), headers)
    other = envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=8 if change == "msgid" else 7)
    if change == "body":
        other["input"] = {"data": QUERY["data"] | {"psn_cert_type": "02"}}
    refused = send(client, body(other), headers)
    assert refused.status_code == 401
    assert refused.json() == {"code": 401, "message": REUSED, "header": "x-tif-nonce"}
    entry = last_entry(client)
    assert (entry["outcome"], entry["err_msg"]) == ("gateway_rejected", f"{REUSED} [x-tif-nonce]")


def test_a_lost_2207_answer_retried_by_urllib3_settles_once(signed_in: Caller, client: httpx.Client) -> None:
    lenient(client)
    clinic = Clinic(signed_in, P1)
    visit = clinic.open_visit()
    assert clinic.upload(visit, [Line("Y001", "0.40", "30")])["infcode"] == 0
    payload = envelope(
        "2207",
        {"data": clinic.settle_input(visit)},
        sign_no=signed_in.sign_no,
        msgid_serial=signed_in.next_msgid_serial(),
        insuplc_admdvs=P1.insuplc,
    )
    content, headers = body(payload), tif_headers(nonce="settle-once")
    client.post("/_mock/faults", json={"infno": "2207", "kind": "drop_after_commit"})
    with pytest.raises(httpx.RemoteProtocolError):
        send(client, content, headers)
    retried = decode(send(client, content, headers).content)
    assert retried["infcode"] == 0
    assert RETRY_NOTE.format(msgid=payload["msgid"]) in retried["warn_msg"].split("；")
    settlements = client.get("/_mock/journal", params={"infno": "2207"}).json()["entries"]
    assert [entry["outcome"] for entry in settlements] == ["success", "replayed"]
    assert [entry["fault"] for entry in settlements] == ["drop_after_commit", ""]
    # One settlement: 5203 by the answered setl_id finds it, and the visit has exactly one.
    setl_id = retried["output"]["setlinfo"]["setl_id"]
    found = clinic.ok("5203", {"data": {"setl_id": setl_id, "mdtrt_id": visit, "psn_no": P1.psn_no}})
    assert found["output"]["setlinfo"]["medfee_sumamt"] == retried["output"]["setlinfo"]["medfee_sumamt"]


def test_a_retry_of_a_call_never_processed_is_processed(signed_in: Caller, client: httpx.Client) -> None:
    lenient(client)
    content = body(envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=7))
    headers = tif_headers(nonce="dropped-before")
    client.post("/_mock/faults", json={"infno": "1101", "kind": "fail_before_commit"})
    with pytest.raises(httpx.RemoteProtocolError):
        send(client, content, headers)
    retried = send(client, content, headers).json()
    assert retried["infcode"] == 0
    assert retried["output"]["baseinfo"]["psn_no"] == P1.psn_no
    assert last_entry(client)["outcome"] == "success"
    assert last_entry(client)["warnings"].startswith("x-tif-nonce重复使用")


def test_a_nonce_kept_under_national_is_not_replayed_under_lenient(
    signed_in: Caller, client: httpx.Client
) -> None:
    content = body(envelope("1101", QUERY, sign_no=signed_in.sign_no, msgid_serial=7))
    headers = tif_headers(nonce="before-the-switch")
    first = send(client, content, headers).json()
    assert first["infcode"] == 0
    lenient(client)  # what the first call came with was not kept: the resend cannot be told from a replay
    replayed = "请求已使用过的随机数(nonce)，疑似重放!"
    assert send(client, content, headers).json() == {
        "code": 401,
        "message": replayed,
        "header": "x-tif-nonce",
    }
