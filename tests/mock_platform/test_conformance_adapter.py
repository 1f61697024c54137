"""Self-test of the conformance kit (issue #17): our own adapter passes every scenario.

Each test starts a scenario on an in-process mock (tests/execution's world: the adapter wired to it, no
served process), does at the "HIS" what the scenario's steps say with the adapter's public API, and asserts
the report: the scenario's run passes, the rule the scenario is about passes (it was exercised, not merely
not applicable), and no rule fails over the whole traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from adapter.execution import Receipt, VisitResult
from mock_platform.conformance.receipts import FUND_LABELS
from mock_platform.conformance.scenarios import SCENARIOS
from tests.execution.helpers import World, world

P1 = "examples/visits/P1.json"  # 糖尿病 + 高血压 + ordinary items + the 未贯标 L999 (DEMO_DATA.md)
P7 = "examples/visits/P7.json"  # 高血压, filed from 2027-01-01


@contextmanager
def scenario(name: str) -> Iterator[tuple[World, httpx.Client]]:
    with world() as w, httpx.Client(transport=w.mock.transport(), base_url="http://mock.local") as control:
        assert control.post(f"/_mock/scenarios/{name}").status_code == 200
        yield w, control


def receipt_upload(receipt: Receipt) -> dict[str, Any]:
    """Our printed receipt's totals in the kit's upload shape (ReceiptUpload)."""
    amounts = receipt.amounts
    return {
        "setl_id": receipt.setl_id,
        "medfee_sumamt": str(amounts.medfee_sumamt),
        "funds": {fund.field: str(fund.amount) for fund in receipt.funds if fund.field in FUND_LABELS},
        "fund_pay_sumamt": str(amounts.fund_pay_sumamt),
        "acct_pay": str(amounts.acct_pay),
        "acct_mulaid_pay": str(amounts.acct_mulaid_pay),
        "psn_cash_pay": str(amounts.psn_cash_pay),
        **({} if amounts.balc is None else {"balc": str(amounts.balc)}),
    }


def settled(result: VisitResult) -> list[Receipt]:
    receipts = [batch.receipt for batch in result.batches if batch.receipt is not None]
    assert [batch.status for batch in result.batches] == ["settled"] * len(receipts)
    return receipts


def happy_path(w: World, control: httpx.Client) -> None:
    for receipt in settled(w.adapter.settle(P1)):
        assert control.post("/_mock/receipts", json=receipt_upload(receipt)).status_code == 200


def lost_2207_answer(w: World, control: httpx.Client) -> None:
    first = w.adapter.settle(P1)
    assert first.batches[0].status == "unsettled"  # reversed with 2601 and unwound
    assert len(settled(w.adapter.settle(P1))) == 3


def maintenance_during_2204(w: World, control: httpx.Client) -> None:
    assert len(settled(w.adapter.settle(P1))) == 3


def refund_order(w: World, control: httpx.Client) -> None:
    first, *_ = settled(w.adapter.settle(P1))
    # Refunding the oldest settlement refunds the two newer ones first (one accumulator scope), then
    # settles them again: every 2208 newest first.
    w.adapter.refund(first.setl_id)


def settle_p1(w: World, control: httpx.Client) -> None:
    assert [receipt.med_type for receipt in settled(w.adapter.settle(P1))] == ["14", "14", "11"]


def filing_not_yet_valid(w: World, control: httpx.Client) -> None:
    (ordinary,) = settled(w.adapter.settle(P7))
    assert (ordinary.med_type, ordinary.dise_codg) == ("11", "")  # 普通门诊, not 门诊慢特病


# scenario -> (what the HIS does, the rules that must pass: exercised, not merely not applicable)
RUNS: dict[str, tuple[Callable[[World, httpx.Client], None], tuple[str, ...]]] = {
    "happy-path": (happy_path, ("registration-closed", "one-disease-per-batch", "receipt-matches-2207")),
    "lost-2207-answer": (lost_2207_answer, ("reverse-unknown-2207", "registration-closed")),
    "maintenance-during-2204": (maintenance_during_2204, ("registration-closed",)),
    "refund-order": (refund_order, ("refund-newest-first",)),
    "two-diseases": (settle_p1, ("one-disease-per-batch",)),
    "unmapped-items": (settle_p1, ("unmapped-items-not-uploaded",)),
    "filing-not-yet-valid": (filing_not_yet_valid, ("filing-valid-on-visit-day", "registration-closed")),
}


def test_every_scenario_has_a_run() -> None:
    assert set(RUNS) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(RUNS))
def test_our_adapter_passes(name: str) -> None:
    steps, exercised = RUNS[name]
    with scenario(name) as (w, control):
        steps(w, control)
        report = control.get("/_mock/conformance").json()
    (line,) = report["scenarios"]
    assert line["verdict"] == "pass", line
    by_rule = {rule["rule"]: rule["verdict"] for rule in line["rules"]}
    assert set(by_rule) == set(SCENARIOS[name].rules)
    assert {rule: by_rule[rule] for rule in exercised} == dict.fromkeys(exercised, "pass")
    assert report["verdict"] == "pass", [rule for rule in report["rules"] if rule["verdict"] == "fail"]
