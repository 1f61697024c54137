"""The adapter shows what the platform pays: 门诊统筹 for a Wuhai patient's ordinary bill (seed 000
三(三)), and the dry run says truthfully what a shared deductible does (issue #14).

门诊统筹 numbers are illustrative (config/policies/150300.toml, docs/policies.md): deductible 100 a year,
职工 60%, annual cap 2000.
"""

from __future__ import annotations

from decimal import Decimal

from adapter.execution._render import render_result
from tests.execution.helpers import bill, world

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
    assert "后面批次的基金支付因此增加、个人负担减少" in text
