"""Hostile and careless input against the mock (issue #10 items 6, 7, 9, 10; item 8 is in test_gateway).

Each test failed before its fix: a bare HTTP 500 without a journal row, an event loop stalled for seconds
writing out `1e1000000000`, whitespace and full-width digits accepted, err_msg quoting a 1,000-character
value, the control plane open to any address.
"""

from __future__ import annotations

import asyncio
import json
import socket
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform.config import MockConfig
from mock_platform.dispatch import MAX_BODY_BYTES
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import P1
from tests.mock_platform.serving import serving

OUT_OF_RANGE = "请求报文中的数值超出范围(最多40个字符，指数不超过±40)"
ENVELOPE_KEYS = ["infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg", "output"]


def journal(client: httpx.Client) -> list[dict[str, Any]]:
    return list(client.get("/_mock/journal").json()["entries"])


def registration(**data: Any) -> dict[str, Any]:
    return {
        "data": {
            "psn_no": P1.psn_no,
            "insutype": P1.insutype,
            "begntime": "2026-11-22 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": P1.certno,
            "ipt_otp_no": "OP-HOSTILE",
            "dept_code": "K01",
            "dept_name": "内科",
            "caty": "A03",
            **data,
        }
    }


# --- 6. No HTTP 500, ever ---------------------------------------------------------------------------------


def test_an_integer_over_4300_digits_is_an_envelope_with_a_journal_row(
    signed_in: Caller, client: httpx.Client
) -> None:
    raw = body(envelope("2201", registration(), sign_no=signed_in.sign_no))
    raw = raw.replace(b'"ipt_otp_no": "OP-HOSTILE"', b'"ipt_otp_no": ' + b"9" * 4301)
    before = len(journal(client))
    response = signed_in.post(raw)
    assert response.status_code == 200
    answer = response.json()
    assert list(answer) == ENVELOPE_KEYS
    assert (answer["infcode"], answer["err_msg"]) == (-1, OUT_OF_RANGE)
    rows = journal(client)
    assert len(rows) == before + 1
    # Not JSON the platform reads, so no infno: the journal shows the refusal and the body's size only.
    assert (rows[-1]["outcome"], rows[-1]["err_msg"]) == ("error", OUT_OF_RANGE)
    assert rows[-1]["request_body"] == f"<{len(raw)} bytes, not JSON>"


def test_an_unsigned_request_with_a_superscript_timestamp_is_journaled(client: httpx.Client) -> None:
    response = client.post(SINGLE_URL, content=b"{}", headers={b"x-tif-timestamp": "²".encode()})
    assert response.status_code == 401
    assert response.json()["code"] == 401
    assert journal(client)[-1]["outcome"] == "gateway_rejected"


def test_a_defect_outside_every_guard_is_still_an_envelope(
    caller: Caller, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A defect where a call is read (before its transaction): it used to escape as a bare HTTP 500.
    def broken(raw_input: Any) -> str:
        raise RuntimeError("a defect")

    monkeypatch.setattr("mock_platform.dispatch._subject", broken)
    response = caller.post(envelope("1101", {"data": {}}))
    assert response.status_code == 200
    answer = response.json()
    assert answer["infcode"] == -1
    assert answer["err_msg"] == f"医保平台内部错误，请稍后重试（参考号{answer['inf_refmsgid']}）"
    assert journal(client)[-1]["outcome"] == "internal_error"


# --- 7. No denial of service ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e1000000000", "-1E-1000000000", "0." + "0" * 50 + "1", "1" * 41])
def test_numbers_are_bounded_on_input(signed_in: Caller, number: str) -> None:
    # The 479-byte 2201: request_digest wrote 1e1000000000 out in fixed point (11 s, 2.9 GB).
    raw = body(envelope("2201", registration(), sign_no=signed_in.sign_no))
    raw = raw.replace(b'"ipt_otp_no": "OP-HOSTILE"', b'"ipt_otp_no": ' + number.encode())
    answer = signed_in.post(raw).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, OUT_OF_RANGE)


def test_numbers_within_the_bounds_still_reach_the_checks(signed_in: Caller) -> None:
    # 40 characters and exponent 40 are still read (and then refused by the field's own rule).
    raw = body(envelope("2201", registration(), sign_no=signed_in.sign_no))
    raw = raw.replace(b'"ipt_otp_no": "OP-HOSTILE"', b'"ipt_otp_no": 1e40')
    answer = signed_in.post(raw).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, "交易输入[data.ipt_otp_no]类型错误，应为字符串")


def test_a_body_over_the_limit_is_an_envelope(caller: Caller, client: httpx.Client) -> None:
    raw = body(envelope("1101", {"data": {"pad": "x" * MAX_BODY_BYTES}}))
    answer = caller.post(raw).json()
    assert list(answer) == ENVELOPE_KEYS
    assert (answer["infcode"], answer["err_msg"]) == (-1, "请求报文超过4194304字节上限")
    row = journal(client)[-1]
    assert (row["outcome"], row["request_body"]) == ("error", "")  # never read, so nothing to show


def _send_head_only(url: str, head: bytes) -> bytes:
    """Send a request head announcing a body that never comes; read the answer the server gives anyway."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(head)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    return received


def test_served_the_size_and_the_gateway_are_checked_before_the_body_is_read(
    clock: MutableClock, demo_config: MockConfig
) -> None:
    # The head announces 100 MB that are never sent: an answer comes at once (a read would wait for it,
    # and the socket's 5 s timeout would fail the test).
    with MockPlatform(clock=clock, config=demo_config) as mock, serving(mock) as url:
        signed = "".join(f"{name}: {value}\r\n" for name, value in tif_headers(clock()).items())
        head = f"POST {SINGLE_URL} HTTP/1.1\r\nHost: mock\r\n{signed}Content-Length: 100000000\r\n\r\n"
        received = _send_head_only(url, head.encode())
        assert received.startswith(b"HTTP/1.1 200 ")
        assert "请求报文超过4194304字节上限".encode() in received
        unsigned = f"POST {SINGLE_URL} HTTP/1.1\r\nHost: mock\r\nContent-Length: 100000000\r\n\r\n"
        received = _send_head_only(url, unsigned.encode())
        assert received.startswith(b"HTTP/1.1 401 ")
        assert b'"header":"x-tif-paasid"' in received


# --- 9. Strict where the real platform is strict -----------------------------------------------------------


@pytest.mark.parametrize("blank", [" ", "\u3000", "\t", " \u3000 "])
@pytest.mark.parametrize("name", ["opter_name", "recer_sys_code", "fixmedins_name", "infver"])
def test_whitespace_only_required_envelope_fields_are_empty(caller: Caller, name: str, blank: str) -> None:
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {name: blank}
    answer = caller.post(payload).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, f"报文头[{name}]不能为空")


@pytest.mark.parametrize(
    ("value", "err_msg"),
    [
        (" " * 6, "报文头[infver]不能为空"),
        (" " * 7, "报文头[infver]不能为空"),  # blank is reported before the length
        ("1" * 7, "报文头[infver]长度超过6位"),
        ("", "报文头[infver]不能为空"),
        (None, "报文头[infver]不能为空"),
        (7, "报文头[infver]类型错误，应为字符串"),
    ],
)
def test_a_required_text_field_reports_type_length_and_blank_in_order(
    caller: Caller, value: Any, err_msg: str
) -> None:
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {"infver": value}
    answer = caller.post(payload).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


@pytest.mark.parametrize(
    ("changes", "err_msg"),
    [
        ({"inf_time": "２０２６-11-22 10:00:00"}, "报文头[inf_time]格式错误，应为yyyy-MM-dd HH:mm:ss"),
        ({"mdtrtarea_admvs": "４２０１００"}, "报文头[mdtrtarea_admvs]格式错误，应为6位医保区划代码"),
        ({"insuplc_admdvs": "٤٢٠١٠٠"}, "报文头[insuplc_admdvs]格式错误，应为6位医保区划代码"),
    ],
)
def test_non_ascii_digits_in_the_envelope_are_refused(
    caller: Caller, changes: dict[str, str], err_msg: str
) -> None:
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | changes
    answer = caller.post(payload).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def _fee_row(amount: Any) -> dict[str, Any]:
    return {
        "feedetl_sn": "1",
        "mdtrt_id": "M-1",
        "psn_no": P1.psn_no,
        "chrg_bchno": "B1",
        "dise_codg": "M01600",
        "rxno": "",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2026-11-22 09:30:00",
        "med_list_codg": "X",
        "medins_list_codg": "Y001",
        "det_item_fee_sumamt": amount,
        "cnt": Decimal("1"),
        "pric": Decimal("1"),
        "bilg_dept_codg": "K01",
        "bilg_dept_name": "内科",
        "bilg_dr_codg": "D01",
        "bilg_dr_name": "医生",
        "hosp_appr_flag": "1",
    }


@pytest.mark.parametrize(
    ("amount", "err_msg"),
    [
        ("１２０.００", "交易输入[feedetail[0].det_item_fee_sumamt]类型错误，应为数值"),
        ("120.00\u0663", "交易输入[feedetail[0].det_item_fee_sumamt]类型错误，应为数值"),
        (Decimal("123456789012345.00"), "交易输入[feedetail[0].det_item_fee_sumamt]整数位数超过14位(N16,2)"),
        ("123456789012345", "交易输入[feedetail[0].det_item_fee_sumamt]整数位数超过14位(N16,2)"),
    ],
)
def test_amounts_must_be_ascii_and_fit_n16_2(signed_in: Caller, amount: Any, err_msg: str) -> None:
    answer = signed_in.post(
        envelope("2204", {"feedetail": [_fee_row(amount)]}, sign_no=signed_in.sign_no, msgid_serial=7)
    ).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, err_msg)


def test_fourteen_integer_digits_fit_n16_2(signed_in: Caller) -> None:
    # 99999999999999.99 has 14 + 2 digits: the field accepts it (the visit check refuses it next).
    row = _fee_row(Decimal("99999999999999.99"))
    answer = signed_in.post(envelope("2204", {"feedetail": [row]}, sign_no=signed_in.sign_no)).json()
    assert "整数位数" not in answer["err_msg"]


@pytest.mark.parametrize(
    "changes",
    [
        {"opter_type": "9" * 1000},
        {"fixmedins_code": "H" + "9" * 29},
        {"infno": "9" * 10},
        {"input": {"data": {"psn_no": "p" * 5000}}},
    ],
)
def test_err_msg_is_short_and_never_echoes_the_input_at_length(
    caller: Caller, changes: dict[str, Any]
) -> None:
    answer = caller.post(envelope("1101", {"data": {}}) | changes).json()
    assert answer["infcode"] == -1
    assert len(answer["err_msg"]) <= 200
    assert "9" * 31 not in answer["err_msg"]
    assert "p" * 31 not in answer["err_msg"]
    assert "医保平台内部错误" not in answer["err_msg"]


def test_a_long_value_is_shown_cut(caller: Caller) -> None:
    answer = caller.post(envelope("1101", {"data": {}}) | {"opter_type": "9" * 1000}).json()
    assert answer["err_msg"] == "报文头[opter_type]值[" + "9" * 29 + "…]不在字典[opter_type]范围内"


def test_a_msgid_not_of_the_national_form_is_reported_not_refused(
    caller: Caller, client: httpx.Client
) -> None:
    # A public HIS client sends UUID-derived msgids (issue #10 item 9): accepted, reported in warn_msg and
    # in the traffic journal.
    msgid = "3f2b9c1e8a7d4e6fb0c2d1a9e8f7b6c5"[:30]
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {"msgid": msgid}
    answer = caller.post(payload).json()
    expected = f"msgid[{msgid}]不符合国家规范格式(定点医药机构编号+yyyyMMddHHmmss+4位顺序号)"
    assert (answer["infcode"], answer["warn_msg"]) == (0, expected)
    assert journal(client)[-1]["warnings"] == expected


@pytest.mark.parametrize(
    "msgid",
    [
        "H42010200001202611221000000001",  # the form: code + time + 4 digits
        "H42010200001202611221000009999",
    ],
)
def test_a_national_msgid_has_no_warning(caller: Caller, msgid: str) -> None:
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {"msgid": msgid}
    assert "warn_msg" not in caller.post(payload).json()


@pytest.mark.parametrize(
    "msgid",
    [
        "H4201020000120261122100000001",  # HN's 29-character sample: 3-digit sequence
        "H42010200001202613221000000001",  # month 13
        "H42010200001２０２６11221000000001"[:30],
        "X42010200001202611221000000001",  # another hospital's code
    ],
)
def test_msgid_deviations_are_each_reported(caller: Caller, msgid: str) -> None:
    payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {"msgid": msgid}
    answer = caller.post(payload).json()
    assert answer["warn_msg"].startswith(f"msgid[{msgid}]不符合国家规范格式")


# --- 10. The control plane ---------------------------------------------------------------------------------


def from_address(mock: MockPlatform, host: str, method: str, path: str, **options: Any) -> httpx.Response:
    """One request to the served app as if from `host` (the ASGI scope's client address)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=mock.asgi_app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock.local") as client:
            return await client.request(method, path, **options)

    return asyncio.run(send())


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/_mock/journal"), ("POST", "/_mock/faults"), ("POST", "/_mock/seed")]
)
def test_the_control_plane_refuses_a_remote_caller_without_a_token(
    platform: MockPlatform, method: str, path: str
) -> None:
    response = from_address(platform, "203.0.113.7", method, path, content=b"{}")
    assert response.status_code == 403
    assert "OPSP_MOCK_CONTROL_TOKEN" in response.json()["message"]
    assert platform.faults.list() == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"])
def test_the_control_plane_answers_loopback(platform: MockPlatform, host: str) -> None:
    assert from_address(platform, host, "GET", "/_mock/health").status_code == 200


@pytest.mark.parametrize("host", ["203.0.113.7", "127.0.0.1"])
def test_with_a_token_the_control_plane_needs_it_from_everyone(
    clock: MutableClock, demo_config: MockConfig, host: str
) -> None:
    with MockPlatform(clock=clock, config=demo_config, control_token="s3cret") as mock:
        assert from_address(mock, host, "GET", "/_mock/health").status_code == 403
        wrong = from_address(mock, host, "GET", "/_mock/health", headers={"X-Mock-Control-Token": "guess"})
        assert wrong.status_code == 403
        right = from_address(mock, host, "GET", "/_mock/health", headers={"X-Mock-Control-Token": "s3cret"})
        assert right.status_code == 200


def test_the_platform_endpoint_is_not_affected_by_the_control_rule(
    platform: MockPlatform, clock: MutableClock
) -> None:
    sign_in = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}})
    answer = from_address(
        platform, "203.0.113.7", "POST", SINGLE_URL, content=body(sign_in), headers=tif_headers(clock())
    )
    assert answer.json()["infcode"] == 0


@pytest.mark.parametrize("where", ["psn_no", "msgid"])
def test_a_lone_surrogate_is_refused_and_journaled(caller: Caller, client: httpx.Client, where: str) -> None:
    # Found by the fuzz test: "\ud800" is valid JSON but not text; SQLite could not store the journal row.
    payload = envelope("1101", {"data": {"psn_no": "\ud800"}})
    if where == "msgid":
        payload = envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}) | {"msgid": "m\ud800"}
    raw = json.dumps(payload).encode()  # ASCII escapes: the surrogate travels as \ud800
    before = len(journal(client))
    answer = caller.post(raw).json()
    assert (answer["infcode"], answer["err_msg"]) == (-1, "请求报文含有无效的Unicode字符(孤立的UTF-16代理项)")
    assert len(journal(client)) == before + 1
