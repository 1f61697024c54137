"""A state-changing request is done once per msgid (PROTOCOL.md §6.2, STYLE.md §4)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.backend.messages import request_digest
from tests.mock_platform.clinic import Clinic, decode
from tests.mock_platform.helpers import SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, P1, YINCHUAN_EMPLOYEE, patient

D = Decimal


def send(caller: Caller, infno: str, input_: dict[str, Any], serial: int, insuplc: str = "640100") -> bytes:
    payload = envelope(
        infno,
        input_,
        sign_no=caller.sign_no,
        hospital=caller.hospital,
        insuplc_admdvs=insuplc,
        msgid_serial=serial,
    )
    response = caller.client.post(SINGLE_URL, content=body(payload), headers=tif_headers(caller.clock()))
    assert response.status_code == 200
    return response.content


def registration(ipt_otp_no: str = "OP0001") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": P1.psn_no,
            "insutype": "310",
            "begntime": "2026-11-22 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": P1.certno,
            "ipt_otp_no": ipt_otp_no,
            "dept_code": "K01",
            "dept_name": "内科",
            "caty": "A03",
        }
    }


def visits(clinic: Clinic) -> int:
    query = {"psn_no": P1.psn_no, "begntime": "2026-01-01 00:00:00", "endtime": "2026-12-31 23:59:59"}
    return len(clinic.ok("5201", {"data": {**query, "med_type": "14"}})["output"]["mdtrtinfo"])


def test_same_msgid_same_body_gets_the_stored_answer(signed_in: Caller, client: httpx.Client) -> None:
    first = send(signed_in, "2201", registration(), serial=500)
    again = send(signed_in, "2201", registration(), serial=500)
    assert again == first  # byte for byte, the same mdtrt_id and inf_refmsgid
    mdtrt_id = decode(first)["output"]["data"]["mdtrt_id"]
    clinic = Clinic(signed_in, P1)
    clinic.treatment(mdtrt_id, dise_codg="M01600")
    assert visits(clinic) == 1  # only one visit was opened
    journal = client.get("/_mock/journal").json()["entries"]
    assert [e["outcome"] for e in journal if e["infno"] == "2201"] == ["success", "replayed"]


def test_same_msgid_different_body_is_refused(signed_in: Caller) -> None:
    send(signed_in, "2201", registration(), serial=501)
    answer = decode(send(signed_in, "2201", registration("OP0002"), serial=501))
    msgid = signed_in.msgid(501)
    assert (answer["infcode"], answer["err_msg"]) == (-1, f"发送方报文ID[{msgid}]重复")


def test_a_refused_request_leaves_its_msgid_free(signed_in: Caller) -> None:
    refused = decode(send(signed_in, "2201", {"data": {**registration()["data"], "caty": ""}}, serial=502))
    assert refused["infcode"] == -1
    assert decode(send(signed_in, "2201", registration(), serial=502))["infcode"] == 0


def test_a_lost_settlement_is_answered_again_not_settled_twice(
    platform: MockPlatform, signed_in: Caller
) -> None:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    serial = clinic.caller.next_msgid_serial()
    platform.faults.add("2207", "drop_after_commit")
    data = {"data": clinic.settle_input(mdtrt_id, acct="1")}
    with pytest.raises(httpx.RemoteProtocolError):
        clinic.call("2207", data, msgid_serial=serial)
    retried = clinic.call("2207", data, msgid_serial=serial)
    assert retried["infcode"] == 0
    assert retried["output"]["setlinfo"]["medins_setl_id"] == clinic.caller.msgid(serial)
    assert clinic.cuminfo()["310/C0000"] == D("1.00")
    assert clinic.balance() == D("0.00")  # 200.00 taken once


def test_sign_out_is_idempotent(signed_in: Caller) -> None:
    sign_out = {"signOut": {"sign_no": signed_in.sign_no, "opter_no": "0001"}}
    first = send(signed_in, "9002", sign_out, serial=503)
    assert send(signed_in, "9002", sign_out, serial=503) == first
    # A new msgid is a new sign-out: refused, the session is closed.
    assert "已签退" in decode(send(signed_in, "9002", sign_out, serial=504))["err_msg"]


def test_queries_are_not_recorded(signed_in: Caller) -> None:
    query = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1.certno}}
    other = {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p2"}}
    send(signed_in, "1101", query, serial=505)
    assert decode(send(signed_in, "1101", other, serial=505))["output"]["baseinfo"]["psn_no"] != P1.psn_no


def test_request_digest_bytes_never_change() -> None:
    # Stored digests outlive upgrades (a file database): a resend must still match the digest a previous
    # version stored. The canonical form: {"infno", "fixmedins_code", "input" with every object's keys
    # sorted}, compact JSON, Decimals digit for digit.
    input_ = {
        "feedetail": [{"pric": D("12.50"), "cnt": D("2"), "med_list_codg": "X01", "memo": "一日三次"}],
        "data": {"psn_no": "64010000000000000001", "insutype": "310"},
    }
    canonical = (
        '{"infno":"2204","fixmedins_code":"H42010200001","input":{"data":{"insutype":"310",'
        '"psn_no":"64010000000000000001"},"feedetail":[{"cnt":2,"med_list_codg":"X01","memo":"一日三次",'
        '"pric":12.50}]}}'
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "debb7de323aae9e82368ff6e5fccdaaf6ce6c1d2c693588f442abed1cb2b3530"
    )
    assert request_digest("2204", "H42010200001", input_) == hashlib.sha256(canonical.encode()).hexdigest()
