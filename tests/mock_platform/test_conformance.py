"""The conformance kit (issue #17): scenarios, the rule checker, the report, and its self-test.

Self-test: a deliberately naive client written here (retries a lost 2207 with a new msgid instead of 冲正,
refunds oldest first, puts two diseases in one batch, uploads an unmapped item, settles a disease whose filing
is not valid yet, prints a receipt from its own arithmetic) fails exactly the six rules it breaks and passes
the others; our own adapter passes every scenario (tests/mock_platform/test_conformance_adapter.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_platform.conformance.rules import RULES
from mock_platform.conformance.scenarios import SCENARIOS
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1, P7


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {line["rule"]: line["verdict"] for line in report["rules"]}


def test_scenarios_are_listed_with_their_rules(client: httpx.Client) -> None:
    listed = client.get("/_mock/scenarios").json()["scenarios"]
    assert [scenario["name"] for scenario in listed] == list(SCENARIOS)
    known = {rule.id for rule in RULES}
    for scenario in listed:
        assert scenario["steps"]
        assert set(scenario["rules"]) <= known


def test_starting_a_scenario_arms_its_faults_and_profile(client: httpx.Client) -> None:
    client.put("/_mock/profile", json={"profile": "strict"})
    client.post("/_mock/faults", json={"infno": "1101", "kind": "error"})
    started = client.post("/_mock/scenarios/lost-2207-answer")
    assert started.status_code == 200
    assert started.json()["run"]["first_entry_id"] == 1
    faults = client.get("/_mock/faults").json()["faults"]
    assert [(fault["infno"], fault["kind"], fault["remaining"]) for fault in faults] == [
        ("2207", "drop_after_commit", 1)
    ]
    assert client.get("/_mock/profile").json()["profile"]["name"] == "national"
    assert client.post("/_mock/scenarios/nothing").status_code == 404
    assert client.get("/_mock/scenarios/happy-path").status_code == 405


def naive_session(caller: Caller, client: httpx.Client) -> None:
    """A HIS written without reading §6: every call well formed, the hard rules broken six ways."""
    clinic = Clinic(caller, P1)
    # 1. Two diseases in one batch (refused by the platform).
    first = clinic.open_visit()
    mixed = clinic.rows(first, [Line("Y001", "0.40", "30")], dise_codg="M01600")
    mixed += clinic.rows(first, [Line("Y005", "2.10", "28")], dise_codg="M03900")
    assert clinic.call("2204", {"feedetail": mixed})["infcode"] == -1
    # 2. An item without a national code (L999, 未贯标) uploaded under the HIS's own code: refused; then a
    # proper batch settled.
    unmapped = [Line("Y001", "0.40", "30"), Line("L999", "15.00", national="L999")]
    assert clinic.upload(first, unmapped, batch="B3", dise_codg="M01600")["infcode"] == -1
    assert clinic.upload(first, [Line("Y001", "0.40", "30")], batch="B2", dise_codg="M01600")["infcode"] == 0
    settled = clinic.settle(first, batch="B2")["output"]["setlinfo"]
    # 3. Its receipt printed from the HIS's own arithmetic (75% of 12.00 from the fund) instead of the answer.
    receipt = {
        "setl_id": settled["setl_id"],
        "medfee_sumamt": "12.00",
        "funds": {"hifp_pay": "9.00"},
        "fund_pay_sumamt": "9.00",
        "acct_pay": "0.00",
        "psn_cash_pay": "3.00",
    }
    assert client.post("/_mock/receipts", json=receipt).status_code == 200
    # 4. P7's 高血压 settled as 门诊慢特病 though the filing begins 2027-01-01: refused, the visit cancelled.
    p7 = Clinic(caller, P7)
    early = p7.open_visit(dise_codg="M03900")
    assert p7.upload(early, [Line("Y005", "2.10", "28")], dise_codg="M03900")["infcode"] == 0
    assert "2027-01-01" in p7.settle(early)["err_msg"]
    unwind = {"mdtrt_id": early, "psn_no": P7.psn_no}
    assert p7.call("2205", {"data": unwind | {"chrg_bchno": "0000"}})["infcode"] == 0
    assert p7.call("2202", {"data": unwind | {"ipt_otp_no": p7.otp_nos[early]}})["infcode"] == 0
    # 5. A 2207 answer lost after the platform settled: retried with a new msgid, no 2601.
    second = clinic.open_visit(begntime="2026-11-22 09:10:00")
    assert clinic.upload(second, [Line("Y001", "0.40", "10")], dise_codg="M01600")["infcode"] == 0
    client.post("/_mock/faults", json={"infno": "2207", "kind": "drop_after_commit"})
    with pytest.raises(httpx.RemoteProtocolError):
        clinic.settle(second)
    clinic.settle(second)  # whatever the platform says, the naive HIS goes on
    # 6. Two settlements refunded oldest first (the platform refuses), then in the order it insists on.
    older = clinic.visit([Line("Y001", "0.40", "5")], begntime="2026-11-22 09:20:00", dise_codg="M01600")
    newer = clinic.visit([Line("Y001", "0.40", "6")], begntime="2026-11-22 09:30:00", dise_codg="M01600")
    old_setl, old_visit = older["output"]["setlinfo"]["setl_id"], older["output"]["setlinfo"]["mdtrt_id"]
    new_setl, new_visit = newer["output"]["setlinfo"]["setl_id"], newer["output"]["setlinfo"]["mdtrt_id"]
    assert clinic.refund(old_setl, old_visit)["infcode"] == -1
    assert clinic.refund(new_setl, new_visit)["infcode"] == 0
    assert clinic.refund(old_setl, old_visit)["infcode"] == 0


def test_a_naive_client_fails_exactly_the_rules_it_breaks(signed_in: Caller, client: httpx.Client) -> None:
    naive_session(signed_in, client)
    report = client.get("/_mock/conformance").json()
    assert verdicts(report) == {
        "msgid-unique": "pass",
        "reverse-unknown-2207": "fail",
        "refund-newest-first": "fail",
        "one-disease-per-batch": "fail",
        "registration-closed": "pass",
        "unmapped-items-not-uploaded": "fail",
        "filing-valid-on-visit-day": "fail",
        "receipt-matches-2207": "fail",
        "deviations-reported": "pass",
    }
    assert report["verdict"] == "fail"
    by_rule = {line["rule"]: line for line in report["rules"]}
    (unmapped,) = by_rule["unmapped-items-not-uploaded"]["evidence"]
    assert (unmapped["infno"], unmapped["why"]) == (
        "2204",
        "feedetl_sn 4: item L999 is 未贯标 (mapped to no national code) at H42010200001, yet was uploaded",
    )
    (early,) = by_rule["filing-valid-on-visit-day"]["evidence"]
    assert early["infno"] == "2207"
    assert early["why"].startswith("2207 settles M03900 as 门诊慢特病 (med_type 14) for visit ")
    assert early["why"].endswith(" of 2026-11-22, but the filing begins 2027-01-01")
    assert by_rule["filing-valid-on-visit-day"]["clause"].startswith("seed 002 二(一)")
    # 12.00 = 30 × 0.40, all of it under P1's 500.00 Yinchuan deductible (DEMO_DATA.md): the fund paid 0.00
    # and without the account (acct_used_flag 0) the cash is 12.00; the receipt printed 9.00 / 9.00 / 3.00.
    receipt = by_rule["receipt-matches-2207"]["evidence"]
    assert [item["why"].split(": ", 1)[1] for item in receipt] == [
        "统筹基金支出 hifp_pay: receipt 9.00 ≠ 2207 answered 0.00",
        "基金支付总额 fund_pay_sumamt: receipt 9.00 ≠ 2207 answered 0.00",
        "个人现金支出 psn_cash_pay: receipt 3.00 ≠ 2207 answered 12.00",
    ]
    (mixed,) = by_rule["one-disease-per-batch"]["evidence"]
    assert (mixed["infno"], mixed["why"]) == ("2204", "batch B1 carries 2 dise_codg: M01600, M03900")
    unreversed = by_rule["reverse-unknown-2207"]["evidence"]
    assert [item["infno"] for item in unreversed] == ["2207"]
    assert "no 2601 reversed it" in unreversed[0]["why"]
    assert by_rule["reverse-unknown-2207"]["advice"].startswith("On a timeout or dropped answer of 2207")
    assert by_rule["refund-newest-first"]["clause"] == "PROTOCOL.md §6.5; the mock's 2208 ordering"


def test_a_scenario_run_is_judged_on_its_own_traffic(signed_in: Caller, client: httpx.Client) -> None:
    client.post("/_mock/scenarios/happy-path")
    clinic = Clinic(signed_in, P1)
    clinic.visit([Line("Y001", "0.40", "30")])
    client.post("/_mock/scenarios/two-diseases")
    visit = clinic.open_visit(begntime="2026-11-22 09:40:00")
    mixed = clinic.rows(visit, [Line("Y001", "0.40", "1")], dise_codg="M01600")
    mixed += clinic.rows(visit, [Line("Y005", "2.10", "1")], dise_codg="M03900")
    clinic.call("2204", {"feedetail": mixed})
    report = client.get("/_mock/conformance").json()
    lines = {line["scenario"]: line for line in report["scenarios"]}
    # 2201, 2203, 2204, 2207: the happy path's own calls, not the next run's.
    assert (lines["happy-path"]["verdict"], lines["happy-path"]["calls"]) == ("pass", 4)
    two = lines["two-diseases"]
    assert two["verdict"] == "fail"
    assert {rule["rule"]: rule["verdict"] for rule in two["rules"]}["registration-closed"] == "fail"


def test_the_report_as_a_page(signed_in: Caller, client: httpx.Client) -> None:
    naive_session(signed_in, client)
    page = client.get("/_mock/conformance.html", params={"since": "2026-11-22T00:00:00"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = page.text
    assert "医保接口一致性报告" in text
    assert 'class="fail">fail</td>' in text
    assert "batch B1 carries 2 dise_codg: M01600, M03900" in text


@pytest.mark.parametrize("since", ["yesterday", "2026-11-22 10:00:00", "<script>"])
def test_since_is_validated(client: httpx.Client, since: str) -> None:
    assert client.get("/_mock/conformance", params={"since": since}).status_code == 400


def test_since_limits_the_traffic(signed_in: Caller, client: httpx.Client) -> None:
    report = client.get("/_mock/conformance", params={"since": "2026-11-22T10:00:01"}).json()
    assert report["calls"] == 0
    assert set(verdicts(report).values()) <= {"not_applicable", "pass"}
