"""Every fund of a settlement reaches the cashier: parsed, checked, on the receipt, in ``--json`` (#14).

Policy: seed 000 (乌海) cross-province D 800 / 75% employees; 公务员医疗补助 50% of the in-scope personal
share is illustrative (config/policies/150300.toml, docs/policies.md).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from adapter.execution._checks import settlement_problems
from adapter.execution._render import render_result
from adapter.transactions._settlement import FUND_FIELDS, FUND_LABELS, SettlementInfo
from tests.execution.helpers import bill, world
from tests.mock_platform.seeds import person

D = Decimal
CANCER = (("C16.9", "胃恶性肿瘤"),)


def _servant() -> dict[str, Any]:
    seeded = copy.deepcopy(
        person(
            "C2",
            psn_no="15030000000000000152",
            area="150302",
            insutype="310",
            insuplc="150300",
            filings=(("M00500", "恶性肿瘤门诊治疗", "2025-06-01"),),
            remote=(("420000", "2025-06-01"),),
            sequence="053",
        )
    )
    seeded["insurance"][0]["cvlserv_flag"] = "1"
    return seeded


def test_an_employee_with_civil_servant_subsidy_gets_every_fund_on_the_receipt_and_in_json() -> None:
    servant = _servant()
    with world(seed={"people": [servant]}) as w:
        visit = bill(
            "MZ-C2",
            [("Y007", "16.00", "100")],
            card=("02", str(servant["certno"])),
            diagnoses=CANCER,
            diag="C16.9",
        )
        result = w.adapter.settle(visit)
        [batch] = result.batches
        assert batch.receipt is not None
        ledger = w.journal.settlement(batch.receipt.setl_id)
    # The ledger row keeps every fund, for reconciliation and the day's report.
    assert ledger is not None
    assert (ledger.funds.hifp_pay, ledger.funds.cvlserv_pay, ledger.funds.hifmi_pay) == (
        D("360.00"),
        D("460.00"),
        D("0.00"),
    )
    assert batch.status == "settled", batch.message
    assert batch.receipt is not None
    amounts = batch.receipt.amounts
    # Y007 16.00 × 100 = 1600.00, 乙 20%: 先行自付 320.00, in scope 1280.00.
    # hifp (1280 − 800) × 75% = 360.00; 公务员医疗补助 (1280 − 360) × 50% = 460.00; fund 820.00;
    # cash 1600 − 820 = 780.00.
    assert (amounts.hifp_pay, amounts.cvlserv_pay, amounts.fund_pay_sumamt) == (
        D("360.00"),
        D("460.00"),
        D("820.00"),
    )
    assert amounts.psn_cash_pay == D("780.00")
    assert [(row.fund_pay_type, row.fund_payamt) for row in amounts.fund_details] == [
        ("310100", D("360.00")),
        ("320100", D("460.00")),
    ]
    text = render_result(result)
    assert "基本医疗保险统筹基金 360.00；公务员医疗补助 460.00" in text
    document = json.loads(result.model_dump_json())
    receipt = document["batches"][0]["receipt"]["amounts"]
    assert {name: receipt[name] for name in FUND_FIELDS} == {
        "hifp_pay": "360.00",
        "hifob_pay": "0.00",
        "hifmi_pay": "0.00",
        "cvlserv_pay": "460.00",
        "maf_pay": "0.00",
        "hifes_pay": "0.00",
        "hifdm_pay": "0.00",
        "oth_pay": "0.00",
    }


def _info(**amounts: str) -> SettlementInfo:
    base = {
        "medfee_sumamt": "1000.00",
        "fund_pay_sumamt": "700.00",
        "hifp_pay": "600.00",
        "hifmi_pay": "100.00",
        "psn_part_amt": "300.00",
        "acct_pay": "100.00",
        "acct_mulaid_pay": "50.00",
        "psn_cash_pay": "150.00",
    }
    return SettlementInfo.model_validate({**base, **amounts})


def test_fund_fields_must_add_up_to_the_fund_total() -> None:
    assert settlement_problems(_info(), (), expected_total=D("1000.00")) == []
    # hifp 600 + 大病 100 = 700 = fund_pay_sumamt; an extra 公务员 20 the total does not carry is caught.
    [problem] = settlement_problems(_info(cvlserv_pay="20.00"), (), expected_total=D("1000.00"))
    assert (
        "hifp_pay 600.00 + hifmi_pay 100.00 + cvlserv_pay 20.00 = 720.00 != fund_pay_sumamt 700.00" in problem
    )


def test_personal_share_is_account_plus_mutual_aid_plus_cash() -> None:
    # 100 account + 50 门诊共济 + 150 cash = 300 = psn_part_amt; without the 共济 it would not add up.
    [problem] = settlement_problems(_info(acct_mulaid_pay="0.00"), (), expected_total=D("1000.00"))
    assert "acct_mulaid_pay 0.00" in problem
    assert "!= psn_part_amt 300.00" in problem


def test_every_fund_has_a_chinese_label() -> None:
    assert set(FUND_FIELDS) <= set(FUND_LABELS)
    assert FUND_LABELS["hifmi_pay"] == "大病保险"


def mutual_aid_visit() -> tuple[dict[str, Any], dict[str, Any]]:
    """The 公务员 with 10.00 in her account and 100.00 in the family's (门诊共济), and her 1,600.00 bill."""
    family = _servant()
    family["insurance"][0].update({"balc": "10.00", "mulaid_balc": "100.00"})
    visit = bill(
        "MZ-C3",
        [("Y007", "16.00", "100")],
        card=("02", str(family["certno"])),
        diagnoses=CANCER,
        diag="C16.9",
        acct_used_flag="1",
    )
    return family, visit


def test_the_printed_receipt_lists_each_fund_and_the_mutual_aid_share() -> None:
    from adapter.receipts import receipt_html

    family, visit = mutual_aid_visit()
    with world(seed={"people": [family]}) as w:
        [batch] = w.adapter.settle(visit).batches
        assert batch.receipt is not None
        html = receipt_html(w.journal, batch.receipt.setl_id)
    amounts = batch.receipt.amounts
    # Fund 820.00 as above; personal 780.00: own account 10.00, 门诊共济 100.00, cash 670.00.
    assert (amounts.acct_pay, amounts.acct_mulaid_pay, amounts.psn_cash_pay) == (
        D("10.00"),
        D("100.00"),
        D("670.00"),
    )
    assert [fund.field for fund in batch.receipt.funds] == ["hifp_pay", "cvlserv_pay"]  # 共济 is not a fund
    assert "公务员医疗补助" in html
    assert "个人账户共济支付" in html
