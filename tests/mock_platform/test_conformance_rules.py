"""The conformance rules added for the receipt upload, unmapped items and filings (issue #17), one by one.

Each test drives the mock as a HIS would (tests/mock_platform/clinic.py) and reads the report's line for the
rule; amounts are computed by hand from DEMO_DATA.md.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock_platform.clinic import ITEMS, Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P1


def rule(client: httpx.Client, name: str) -> dict[str, Any]:
    report = client.get("/_mock/conformance").json()
    (line,) = [line for line in report["rules"] if line["rule"] == name]
    return dict(line)


def receipt(setl_id: str, **amounts: Any) -> dict[str, Any]:
    # 12.00 = 30 × 0.40 (Y001), all under P1's 500.00 deductible: the fund pays 0.00; with the account
    # (acct_used_flag 1, balance 1000.00) the account pays 12.00, the cash is 0.00 and 988.00 is left.
    return {
        "setl_id": setl_id,
        "medfee_sumamt": "12.00",
        "funds": {"hifp_pay": "0.00"},
        "fund_pay_sumamt": "0.00",
        "acct_pay": "12.00",
        "psn_cash_pay": "0.00",
    } | amounts


def settle(caller: Caller) -> str:
    answer = Clinic(caller, P1).visit([Line("Y001", "0.40", "30")], acct="1")
    return str(answer["output"]["setlinfo"]["setl_id"])


def test_a_receipt_that_prints_the_answer_passes(signed_in: Caller, client: httpx.Client) -> None:
    setl_id = settle(signed_in)
    assert rule(client, "receipt-matches-2207")["verdict"] == "not_applicable"
    uploaded = client.post("/_mock/receipts", json=receipt(setl_id, balc=988))
    assert uploaded.status_code == 200
    assert uploaded.json()["receipt"] == {"entry_id": 6, "setl_id": setl_id}  # 9001, 2201, 2203, 2204, 2207
    assert rule(client, "receipt-matches-2207")["verdict"] == "pass"
    (kept,) = client.get("/_mock/journal", params={"after_id": 5}).json()["entries"]
    assert (kept["path"], kept["subject"]) == ("/_mock/receipts", setl_id)
    assert "<td>/_mock/receipts</td>" in client.get("/_mock/ui").text  # the console's traffic names it


def test_a_receipt_is_compared_fund_by_fund_account_and_balance(
    signed_in: Caller, client: httpx.Client
) -> None:
    setl_id = settle(signed_in)
    wrong = receipt(setl_id, funds={"hifmi_pay": "1.00"}, acct_pay=11, psn_cash_pay="1.00", balc="989.00")
    assert client.post("/_mock/receipts", json=wrong).status_code == 200
    line = rule(client, "receipt-matches-2207")
    assert line["verdict"] == "fail"
    assert [item["why"] for item in line["evidence"]] == [
        f"receipt vs the 2207 answer of journal entry 5: {text}"
        for text in (
            "居民大病保险资金支出 hifmi_pay: receipt 1.00 ≠ 2207 answered 0.00",
            "个人账户支出 acct_pay: receipt 11.00 ≠ 2207 answered 12.00",
            "个人现金支出 psn_cash_pay: receipt 1.00 ≠ 2207 answered 0.00",
            "余额 balc: receipt 989.00 ≠ 2207 answered 988.00",
        )
    ]
    assert {item["entry_id"] for item in line["evidence"]} == {6}
    assert line["advice"].startswith("Print each fund")


def test_a_receipt_of_a_settlement_the_traffic_never_answered_fails(
    signed_in: Caller, client: httpx.Client
) -> None:
    assert client.post("/_mock/receipts", json=receipt("S000")).status_code == 200
    (item,) = rule(client, "receipt-matches-2207")["evidence"]
    assert item["why"] == "receipt of setl_id S000: no 2207 in this traffic answered that setl_id"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"setl_id": ""}, "receipt field 'setl_id' is required"),
        ({"acct_pay": "1.005"}, "receipt field 'acct_pay' must be an amount to the fen, ≥ 0"),
        ({"psn_cash_pay": -1}, "receipt field 'psn_cash_pay' must be an amount to the fen, ≥ 0"),
        ({"funds": {"fund": "1.00"}}, "receipt funds key 'fund' is not a fund; the funds are: hifp_pay, "),
        ({"funds": []}, "receipt field 'funds' must be an object"),
        ({"cash": "1.00"}, "receipt field 'cash' is not known; the fields are: setl_id, "),
    ],
)
def test_a_bad_receipt_is_refused_naming_the_field(
    client: httpx.Client, change: dict[str, Any], message: str
) -> None:
    refused = client.post("/_mock/receipts", json=receipt("S1") | change)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith(message)
    assert client.get("/_mock/journal").json()["entries"] == []  # nothing kept


def test_a_receipt_without_a_required_total_is_refused(client: httpx.Client) -> None:
    incomplete = receipt("S1")
    del incomplete["psn_cash_pay"]
    assert client.post("/_mock/receipts", json=incomplete).json()["message"] == (
        "receipt field 'psn_cash_pay' is required"
    )
    assert client.post("/_mock/receipts", content=b"[]").status_code == 400


def test_unmapped_and_wrongly_coded_items_are_evidence(signed_in: Caller, client: httpx.Client) -> None:
    clinic = Clinic(signed_in, P1)
    visit = clinic.open_visit()
    assert clinic.upload(visit, [Line("Z999", "1.00", national="XZ9990000000")])["infcode"] == -1
    wrong = Line("Y001", "0.40", "30", national=ITEMS["Y002"])
    mapped_to, sent_as = ITEMS["Y001"], ITEMS["Y002"]
    assert clinic.upload(visit, [wrong], batch="B2")["infcode"] == -1
    assert clinic.upload(visit, [Line("Y001", "0.40", "30")], batch="B3")["infcode"] == 0
    line = rule(client, "unmapped-items-not-uploaded")
    assert [(item["entry_id"], item["why"]) for item in line["evidence"]] == [
        (4, "feedetl_sn 1: item Z999 has no 目录对照 at H42010200001, yet was uploaded as a 医保 item"),
        (
            5,
            f"feedetl_sn 2: item Y001 was uploaded as {sent_as}, but the 目录对照 maps it to {mapped_to}",
        ),
    ]


def test_settling_within_the_filing_passes(signed_in: Caller, client: httpx.Client) -> None:
    assert rule(client, "filing-valid-on-visit-day")["verdict"] == "not_applicable"
    Clinic(signed_in, P1).visit([Line("Y001", "0.40", "30")])  # M01600 filed from 2024-01-01
    assert rule(client, "filing-valid-on-visit-day")["verdict"] == "pass"
    assert rule(client, "unmapped-items-not-uploaded")["verdict"] == "pass"
