"""``opsp day`` totals every fund the ledger keeps (issue #14's ``FundAmounts``) beside reconciliation's
columns, read back from each journal implementation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from adapter.execution import Journal
from adapter.reconcile import day_ledger, render_day_text
from adapter.transactions._settlement import FundAmounts

from ._samples import NOW, new_batch, settlement

D = Decimal


def test_the_day_totals_each_fund_and_a_refund_takes_them_back_on_its_own_day(journal: Journal) -> None:
    first = journal.start_batch(new_batch(1), now=NOW)
    second = journal.start_batch(new_batch(2), now=NOW)
    # S1: 300.00 = 统筹 150.00 + 大病 60.00 + 救助 30.00 (fund 240.00) + 门诊共济 20.00 + 现金 40.00.
    s1 = replace(
        settlement(first.id, "S1", when=NOW),
        medfee_sumamt=D("300.00"),
        fund_pay_sumamt=D("240.00"),
        acct_pay=D("0.00"),
        psn_cash_pay=D("40.00"),
        clr_type="14",
        clr_optins="640100",
        funds=FundAmounts(
            hifp_pay=D("150.00"), hifmi_pay=D("60.00"), maf_pay=D("30.00"), acct_mulaid_pay=D("20.00")
        ),
    )
    # S2: 100.00 = 统筹 70.00 + 大病 10.00 (fund 80.00) + 现金 20.00, refunded the next day.
    s2 = replace(
        settlement(second.id, "S2", when=NOW + timedelta(minutes=5)),
        medfee_sumamt=D("100.00"),
        fund_pay_sumamt=D("80.00"),
        acct_pay=D("0.00"),
        psn_cash_pay=D("20.00"),
        clr_type="14",
        funds=FundAmounts(hifp_pay=D("70.00"), hifmi_pay=D("10.00")),
    )
    journal.record_settlement(s1)
    journal.record_settlement(s2)
    assert journal.settlement("S1") == s1  # funds and the 3201 key come back as written
    journal.mark_refunded("S2", refund_setl_id="R2", refund_time=NOW + timedelta(days=1))

    today = day_ledger(journal, NOW.date())
    assert today.columns[:2] == ("medfee_sumamt", "fund_pay_sumamt")
    (group,) = today.groups
    assert (group.category, group.dise_codg, group.settlements, group.refunds) == (
        "门诊慢特病",
        "M01600",
        2,
        0,
    )
    totals = today.totals
    # 300.00 + 100.00; 150.00 + 70.00; 60.00 + 10.00; 30.00 + 0; 20.00 + 0; 40.00 + 20.00.
    assert (totals["medfee_sumamt"], totals["fund_pay_sumamt"]) == (D("400.00"), D("320.00"))
    assert (totals["hifp_pay"], totals["hifmi_pay"], totals["maf_pay"]) == (
        D("220.00"),
        D("70.00"),
        D("30.00"),
    )
    assert (totals["acct_mulaid_pay"], totals["psn_cash_pay"], totals["cvlserv_pay"]) == (
        D("20.00"),
        D("40.00") + D("20.00"),
        D("0.00"),
    )
    text = render_day_text(today)
    assert "大病保险" in text  # the receipts' FUND_LABELS
    assert "医疗救助" in text
    assert "公务员医疗补助" not in text  # a fund nobody had today is no column of 0.00

    tomorrow = day_ledger(journal, (NOW + timedelta(days=1)).date())
    (refund,) = tomorrow.groups[0].entries
    assert (refund.kind, refund.setl_id, refund.original_setl_id) == ("refund", "R2", "S2")
    # The refund negates S2 on its own day: -70.00 统筹, -10.00 大病, -20.00 现金.
    assert (tomorrow.totals["hifp_pay"], tomorrow.totals["hifmi_pay"], tomorrow.totals["psn_cash_pay"]) == (
        D("-70.00"),
        D("-10.00"),
        D("-20.00"),
    )
