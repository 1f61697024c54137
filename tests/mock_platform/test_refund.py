"""2208 门诊结算撤销: newest-first ordering, exact restoration, the reversal answer (PROTOCOL.md §3.12, §6.5).

Seed 002: "应按时间倒序依次退费" (DOMAIN.md §4): only the most recent settlement in effect of (psn_no,
insutype, year) may be refunded, and the refund gives back exactly what it took.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_platform import MockPlatform
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import NOW, Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient
from tests.mock_platform.test_settlement import check_identities

D = Decimal


@pytest.fixture
def clinic(platform: MockPlatform, signed_in: Caller) -> Clinic:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    return Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))


def three_visits(clinic: Clinic) -> list[dict[str, Any]]:
    """DOMAIN.md Example 2: A (fund 0.00), B (352.50), C (363.75, account 200.00)."""
    visits = []
    for month, acct in (("03", "0"), ("04", "0"), ("05", "1")):
        answer = clinic.visit(EXAMPLE2_LINES, begntime=f"2026-{month}-10 09:00:00", acct=acct)
        visits.append(answer["output"]["setlinfo"])
    return visits


def nonzero(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {code: amount for code, amount in totals.items() if amount}


def test_refunds_go_newest_first(clinic: Clinic) -> None:
    a, b, c = three_visits(clinic)
    refused = clinic.refund(a["setl_id"], a["mdtrt_id"])
    assert (refused["infcode"], refused["err_msg"]) == (
        -1,
        f"请按时间倒序退费：须先撤销结算[{c['setl_id']}]、[{b['setl_id']}]",
    )
    refused = clinic.refund(b["setl_id"], b["mdtrt_id"])
    assert refused["err_msg"] == f"请按时间倒序退费：须先撤销结算[{c['setl_id']}]"
    assert clinic.cuminfo("202612")["310/Q0000"] == D("500.00")  # nothing changed


def test_refund_answer_and_exact_restoration(clinic: Clinic) -> None:
    a, b, c = three_visits(clinic)
    assert clinic.cuminfo("202612")["310/FM01600"] == D("716.25")  # 352.50 + 363.75
    answer = clinic.refund(c["setl_id"], c["mdtrt_id"])
    assert answer["infcode"] == 0, answer["err_msg"]
    info = check_identities(answer["output"], cash="pdn_cash_pay")
    assert "psn_cash_pay" not in info  # the national spelling of 2208 (PROTOCOL.md §3.12a ⚠)
    assert info["setl_id"] != c["setl_id"]
    assert info["medins_setl_id"] == clinic.caller.msgid(clinic.caller.serial)
    # C's amounts, negated: medfee 670.00, fund 363.75, personal 306.25 = account 200.00 + cash 106.25.
    assert [info[name] for name in ("medfee_sumamt", "hifp_pay", "fund_pay_sumamt", "psn_part_amt")] == [
        D("-670.00"),
        D("-363.75"),
        D("-363.75"),
        D("-306.25"),
    ]
    assert (info["acct_pay"], info["pdn_cash_pay"], info["inscp_scp_amt"]) == (
        D("-200.00"),
        D("-106.25"),
        D("-485.00"),
    )
    assert (info["act_pay_dedc"], info["balc"]) == (D("0.00"), D("200.00"))  # the account is refilled
    assert str(info["act_pay_dedc"]) == "0.00"  # not -0.00
    assert answer["output"]["setldetail"][0]["fund_payamt"] == D("-363.75")
    # After A and B only: deductible 485 + 15 = 500, fund 352.50, fees 2 × 670.
    assert nonzero(clinic.cuminfo("202612")) == {
        "310/Q0000": D("500.00"),
        "310/S0000": D("1340.00"),
        "310/J0000": D("352.50"),
        "310/C0000": D("2.00"),
        "310/FM01600": D("352.50"),
    }
    assert clinic.balance() == D("200.00")
    for visit in (b, a):
        assert clinic.refund(visit["setl_id"], visit["mdtrt_id"])["infcode"] == 0
    assert nonzero(clinic.cuminfo("202612")) == {}
    again = clinic.refund(c["setl_id"], c["mdtrt_id"])
    assert again["err_msg"].startswith(f"结算[{c['setl_id']}]已撤销（退费结算ID[S640100")


def test_refunded_details_can_be_revoked_or_settled_again(clinic: Clinic) -> None:
    answer = clinic.visit(EXAMPLE2_LINES)
    info = answer["output"]["setlinfo"]
    revoke = {"mdtrt_id": info["mdtrt_id"], "chrg_bchno": "B1", "psn_no": info["psn_no"]}
    refused = clinic.call("2205", {"data": revoke})
    assert refused["err_msg"] == f"收费批次号[B1]已参与结算[{info['setl_id']}]，已参与结算的明细不能撤销"
    assert clinic.refund(info["setl_id"], info["mdtrt_id"])["infcode"] == 0
    # Settled again after the refund: the same amounts (the accumulators are back where they were).
    again = clinic.settle(info["mdtrt_id"])
    assert again["output"]["setlinfo"]["act_pay_dedc"] == info["act_pay_dedc"] == D("485.00")
    assert clinic.refund(again["output"]["setlinfo"]["setl_id"], info["mdtrt_id"])["infcode"] == 0
    assert clinic.call("2205", {"data": revoke})["infcode"] == 0


def test_another_year_or_person_does_not_block_a_refund(clinic: Clinic, platform: MockPlatform) -> None:
    last_year = clinic.visit(EXAMPLE2_LINES, begntime="2025-12-30 09:00:00")["output"]["setlinfo"]
    clinic.visit(EXAMPLE2_LINES, begntime="2026-01-05 09:00:00")
    # Different (psn_no, insutype, year) scope: the 2025 settlement may be refunded while 2026's stands.
    assert clinic.refund(last_year["setl_id"], last_year["mdtrt_id"])["infcode"] == 0


def test_refund_refusals(clinic: Clinic) -> None:
    info = clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"]
    unknown = clinic.refund("S000000", info["mdtrt_id"])
    assert unknown["err_msg"] == "未找到结算信息[setl_id=S000000]"
    wrong_visit = clinic.refund(info["setl_id"], "M000")
    assert wrong_visit["err_msg"] == f"结算[{info['setl_id']}]不属于就诊[M000]或人员[{info['psn_no']}]"
    reversal = clinic.refund(info["setl_id"], info["mdtrt_id"])["output"]["setlinfo"]
    refund_of_refund = clinic.refund(reversal["setl_id"], info["mdtrt_id"])
    assert refund_of_refund["err_msg"] == f"结算ID[{reversal['setl_id']}]为退费结算记录，不能撤销"


# --- property: refunds newest-first leave the accumulators as if only the survivors had been settled ---

Operation = tuple[str, str]
operations = st.lists(
    st.one_of(
        st.tuples(st.just("settle"), st.integers(min_value=100, max_value=2500).map(lambda n: f"{n}.00")),
        st.tuples(st.just("refund"), st.just("")),
    ),
    min_size=1,
    max_size=7,
)


def run(config: MockConfig, steps: Sequence[Operation]) -> tuple[dict[str, Decimal], Decimal, list[str]]:
    """Apply the steps on a fresh platform; return the accumulators, the balance and the survivors."""
    clock = lambda: NOW  # noqa: E731
    with (
        MockPlatform(clock=clock, config=config) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        caller = Caller(client, clock=clock)
        caller.sign_in()
        mock.seed({"people": [YINCHUAN_EMPLOYEE]})
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        settled: list[tuple[str, str, str]] = []
        for kind, price in steps:
            if kind == "settle":
                info = clinic.visit([Line("Y001", price)], acct="1")["output"]["setlinfo"]
                settled.append((info["setl_id"], info["mdtrt_id"], price))
            elif settled:
                setl_id, mdtrt_id, _ = settled.pop()
                assert clinic.refund(setl_id, mdtrt_id)["infcode"] == 0
        return nonzero(clinic.cuminfo()), clinic.balance(), [price for _, _, price in settled]


@settings(max_examples=20, deadline=None)
@given(steps=operations)
def test_any_refund_sequence_equals_settling_only_the_survivors(
    demo_config: MockConfig, steps: list[Operation]
) -> None:
    # A Yinchuan employee: D 500, 75%, cap 3500 for M01600, account 200 — every accumulator is exercised.
    totals, balance, survivors = run(demo_config, steps)
    expected_totals, expected_balance, _ = run(demo_config, [("settle", price) for price in survivors])
    assert totals == expected_totals
    assert balance == expected_balance
