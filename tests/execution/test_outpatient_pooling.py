"""The adapter shows what the platform pays: 门诊统筹 for a Wuhai patient's ordinary bill (seed 000
三(三)), and the dry run says truthfully what a shared deductible does (issue #14).

门诊统筹 numbers are illustrative (config/policies/150300.toml, docs/policies.md): deductible 100 a year,
职工 60%, annual cap 2000.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from adapter.execution._render import render_result
from tests.execution.helpers import bill, world
from tests.mock_platform.seeds import YINCHUAN_EMPLOYEE

D = Decimal
COLD = (("J06.900", "急性上呼吸道感染"),)


def test_a_wuhai_ordinary_batch_is_paid_under_outpatient_pooling() -> None:
    visit = bill(
        "MZ-P3-11",
        [("S001", "25.00", "1"), ("Y011", "0.30", "500"), ("Y012", "10.00", "1")],
        card=("02", "150302196501093014"),
        diagnoses=COLD,
        diag="J06.900",
        acct_used_flag="1",
    )
    with world() as w:
        result = w.adapter.settle(visit)
    [batch] = result.batches
    assert (batch.med_type, batch.status) == ("11", "settled")
    assert batch.receipt is not None
    amounts = batch.receipt.amounts
    # 25.00 + 150.00 甲 = in scope 175.00; 丙 10.00. D 100.00; (175 − 100) × 60% = 45.00;
    # personal 185.00 − 45.00 = 140.00, all from P3's account (balance 500).
    assert (amounts.act_pay_dedc, amounts.hifp_pay, amounts.acct_pay, amounts.psn_cash_pay) == (
        D("100.00"),
        D("45.00"),
        D("140.00"),
        D("0.00"),
    )
    assert "基本医疗保险统筹基金 45.00" in render_result(result)


def test_the_dry_run_says_what_a_shared_deductible_does() -> None:
    with world() as w:
        result = w.adapter.dry_run("examples/visits/P1.json")
    text = render_result(result)
    assert len(result.batches) > 1
    assert "个人负担合计不变" not in text
    assert "起付线（及大病保险起付线）先被用掉，后面批次的基金支付可能增加" in text
    assert "支付限额和个人账户余额先被用掉，后面批次的基金或个人账户支付可能减少" in text


def test_a_deductible_used_by_the_first_batch_raises_the_second_batchs_fund() -> None:
    # What the dry run's closing sentence says, in numbers. A Yinchuan 职工 filed for M01600 and M03900 at
    # the Wuhan demo hospital: one deductible for the year, 500.00, 75% (seed 001 一(二)2; 640100.toml).
    # Batch M01600: Y001 甲 0.40 × 1000 = 400.00; batch M03900: Y005 甲 2.10 × 500 = 1050.00.
    # Dry run (each batch alone, 500.00 left): M01600 deductible 400.00, fund 0.00;
    #   M03900 deductible 500.00, fund (1050.00 − 500.00) × 75% = 412.50.
    # Settled in order: M01600 uses 400.00; M03900 meets the remaining 100.00:
    #   fund (1050.00 − 100.00) × 75% = 712.50, 300.00 more than predicted; cash 1050.00 − 712.50 = 337.50.
    employee = copy.deepcopy(YINCHUAN_EMPLOYEE)
    employee["filing"].append(
        {"opsp_dise_code": "M03900", "opsp_dise_name": "高血压", "begndate": "2024-01-01", "source": "test"}
    )
    document = bill(
        "MZ-SHARED-D",
        [("Y001", "0.40", "1000"), ("Y005", "2.10", "500")],
        card=("02", employee["certno"]),
        diagnoses=(("E11.900", "2型糖尿病"), ("I10.x00", "原发性高血压")),
    )
    document["items"][1]["diag_code"] = "I10.x00"
    with world(seed={"people": [employee]}) as w:
        predicted = w.adapter.dry_run(document)
        settled = w.adapter.settle(document)

    def paid(batches: Any) -> dict[str, tuple[Decimal, Decimal]]:
        found = {}
        for batch in batches:
            amounts = batch.receipt.amounts if batch.receipt is not None else batch.prediction
            found[batch.dise_codg] = (amounts.act_pay_dedc, amounts.fund_pay_sumamt)
        return found

    assert paid(predicted.batches) == {
        "M01600": (Decimal("400.00"), Decimal("0.00")),
        "M03900": (Decimal("500.00"), Decimal("412.50")),
    }
    assert paid(settled.batches) == {
        "M01600": (Decimal("400.00"), Decimal("0.00")),
        "M03900": (Decimal("100.00"), Decimal("712.50")),
    }
