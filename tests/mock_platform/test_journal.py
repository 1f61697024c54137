"""The traffic journal (`GET /_mock/journal`), health, and that logs and journal carry no personal data."""

from __future__ import annotations

import json

import httpx
import pytest
from structlog.testing import capture_logs

from mock_platform.backend.schema import SCHEMA_VERSION
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.helpers import Caller, body, envelope
from tests.mock_platform.seeds import P1

P1_CERTNO = "640104196203152010"


def test_journal_records_each_call_without_personal_data(signed_in: Caller, client: httpx.Client) -> None:
    signed_in.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1_CERTNO}})
    signed_in.call("5301", {"data": {"psn_no": "64010000000000000001"}}, insuplc_admdvs="640100")
    signed_in.call("1234", {})
    client.post("/fsi/api/1101", content=b"{}")  # no gateway headers
    entries = client.get("/_mock/journal").json()["entries"]
    assert [(e["infno"], e["outcome"], e["infcode"], e["http_status"]) for e in entries] == [
        ("9001", "success", 0, 200),
        ("1101", "success", 0, 200),
        ("5301", "success", 0, 200),
        ("1234", "error", -1, 200),
        ("1101", "gateway_rejected", None, 401),  # infno from the path, the body is never read
    ]
    assert entries[1]["subject"] == "mdtrt_cert_no=6401**********2010"
    assert entries[2]["subject"] == "psn_no=64010000000000000001"
    assert entries[3]["err_msg"] == "不支持的交易编号[1234]"
    assert entries[4]["err_msg"] == "缺少服务网关的请求头! [x-tif-paasid]"  # the header at fault
    assert entries[1]["msgid"] == "H42010200001202611221000000002"  # the Caller numbers its calls
    assert entries[1]["received_at"] == "2026-11-22T10:00:00.000+08:00"
    text = json.dumps(entries, ensure_ascii=False)
    assert P1_CERTNO not in text
    assert "马建国" not in text


def test_journal_limit(signed_in: Caller, client: httpx.Client) -> None:
    for _ in range(3):
        signed_in.call("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1"}})
    entries = client.get("/_mock/journal", params={"limit": "2"}).json()["entries"]
    assert len(entries) == 2
    assert entries[0]["id"] < entries[1]["id"]
    assert entries[-1]["subject"] == "mdtrt_cert_no=ec-d**o-p1"


@pytest.mark.parametrize("limit", ["0", "abc", "1001"])
def test_journal_limit_is_validated(client: httpx.Client, limit: str) -> None:
    response = client.get("/_mock/journal", params={"limit": limit})
    assert response.status_code == 400


def test_health(client: httpx.Client) -> None:
    assert client.get("/_mock/health").json() == {
        "status": "ok",
        "time": "2026-11-22T10:00:00+08:00",
        "schema_version": SCHEMA_VERSION,
        "gateway": "tif",
        "profile": "national",
        "transactions": [
            "1101",
            "1301",
            "1305",
            "1306",
            "1309",
            "1312",
            "1319",
            "1320",
            "1901",
            "2001",
            "2201",
            "2202",
            "2203",
            "2204",
            "2205",
            "2206",
            "2207",
            "2208",
            "2503",
            "2504",
            "2601",
            "3201",
            "3202",
            "4203",
            "4205",
            "5201",
            "5203",
            "5204",
            "5206",
            "5301",
            "9001",
            "9002",
            "9101",
            "9102",
        ],
    }


def test_logs_carry_no_personal_data(signed_in: Caller) -> None:
    with capture_logs() as logs:
        signed_in.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1_CERTNO}})
        signed_in.call("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "ec-demo-p1"}})
        signed_in.call("1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": "A64010001"}})
    assert [entry["event"] for entry in logs] == ["transaction"] * 3
    text = repr(logs)
    for secret in (P1_CERTNO, "ec-demo-p1", "A64010001", "马建国", "1962-03-15"):
        assert secret not in text
    assert logs[0]["infno"] == "1101"


def test_journal_keeps_masked_bodies_and_filters(signed_in: Caller, client: httpx.Client) -> None:
    # Issue #17: bodies with personal fields masked; filters by infno, msgid, psn_no, time, after_id.
    signed_in.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1_CERTNO}})
    signed_in.call("5301", {"data": {"psn_no": "64010000000000000001"}}, insuplc_admdvs="640100")
    by_infno = client.get("/_mock/journal", params={"infno": "1101"}).json()["entries"]
    assert [entry["infno"] for entry in by_infno] == ["1101"]
    request = json.loads(by_infno[0]["request_body"])
    assert request["input"]["data"]["mdtrt_cert_no"] == "6401**********2010"
    answer = json.loads(by_infno[0]["answer_body"])
    assert answer["output"]["baseinfo"]["psn_name"] == "***"  # 马建国, 3 characters, fully masked
    assert answer["output"]["baseinfo"]["certno"] == "6401**********2010"
    by_person = client.get("/_mock/journal", params={"psn_no": "64010000000000000001"}).json()["entries"]
    assert [entry["infno"] for entry in by_person] == ["5301"]
    first = by_person[0]["id"]
    msgid = by_person[0]["msgid"]
    by_msgid = client.get("/_mock/journal", params={"msgid": msgid}).json()["entries"]
    assert [entry["id"] for entry in by_msgid] == [first]
    assert client.get("/_mock/journal", params={"after_id": str(first)}).json()["entries"] == []
    later = client.get("/_mock/journal", params={"since": "2026-11-22T10:00:01"}).json()["entries"]
    assert later == []  # the pinned clock: every call at 10:00:00.000
    lean = client.get("/_mock/journal", params={"bodies": "0", "limit": "1"}).json()["entries"][0]
    assert "request_body" not in lean
    assert "answer_body" not in lean


@pytest.mark.parametrize("query", [{"person": "x"}, {"after_id": "-1"}, {"bodies": "yes"}])
def test_journal_parameters_are_validated(client: httpx.Client, query: dict[str, str]) -> None:
    response = client.get("/_mock/journal", params=query)
    assert response.status_code == 400


def test_journal_finds_psn_no_and_mdtrt_id_however_the_body_spells_them(
    signed_in: Caller, client: httpx.Client
) -> None:
    # The journal's psn_no / mdtrt_id come from the decoded request: a key written with a \u escape or a
    # body in UTF-16 is found as well as a plain one (the walk is skipped only for a key the body lacks).
    lookup = {"psn_no": "64010000000000000001", "mdtrt_id": "M-NOT-THERE"}
    plain = body(envelope("5201", {"data": lookup}, sign_no=signed_in.sign_no, msgid_serial=11))
    escaped = plain.replace(b'"psn_no"', b'"psn\\u005fno"').replace(b'"mdtrt_id"', b'"mdtrt\\u005fid"')
    utf16 = plain.decode().replace("0011", "0013").encode("utf-16")
    signed_in.post(plain)
    signed_in.post(escaped.replace(b"0011", b"0012"))
    signed_in.post(utf16)
    entries = client.get("/_mock/journal").json()["entries"][-3:]
    assert [(e["psn_no"], e["mdtrt_id"]) for e in entries] == [("64010000000000000001", "M-NOT-THERE")] * 3


def test_journal_takes_mdtrt_id_from_the_answer_when_the_request_has_none(
    signed_in: Caller, client: httpx.Client
) -> None:
    mdtrt_id = Clinic(signed_in, P1).register()  # 2201 issues it
    signed_in.call("5301", {"data": {"psn_no": P1.psn_no}}, insuplc_admdvs="640100")  # none either way
    entries = client.get("/_mock/journal", params={"infno": "2201"}).json()["entries"]
    assert [(e["psn_no"], e["mdtrt_id"]) for e in entries] == [(P1.psn_no, mdtrt_id)]
    entries = client.get("/_mock/journal", params={"infno": "5301"}).json()["entries"]
    assert [(e["psn_no"], e["mdtrt_id"]) for e in entries] == [(P1.psn_no, "")]
