"""Settling for real against the mock platform: amounts computed by hand from the seed policies.

Policies (DEMO_DATA.md, seeds): Yinchuan 640100 cross-province — deductible 500 per person per year
shared by the chronic diseases, ratio 0.75 (职工) / 0.60 (居民), diabetes cap 3500 / 2400 on the fund
(seed 001 一(二)2). Wuhai 150300 — in region: deductible by hospital level 600/700/800, ratio 0.85 /
0.80; out of region: 800, 0.75 / 0.70 (seed 000 三).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from adapter.execution import BatchState, VisitResult
from tests.mock_platform.seeds import YINCHUAN_EMPLOYEE, YINCHUAN_RESIDENT

from .helpers import EXAMPLE2_ITEMS, EXAMPLE2_SEED, bill, example_tables, world

HOHHOT_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "adapter" / "demo-hohhot.toml"


def _diabetes(result: VisitResult) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    (batch,) = result.batches
    assert batch.status == "settled", batch.message
    assert batch.receipt is not None
    a = batch.receipt.amounts
    return a.act_pay_dedc, a.fund_pay_sumamt, a.acct_pay, a.psn_cash_pay


def test_example_2_deductible_consumed_across_three_visits(tmp_path: Path) -> None:
    # DOMAIN.md Example 2, P1 (Yinchuan 职工, diabetes) at Wuhan, no account used; in scope 485.00 each:
    #   A: deductible 485.00 (of 500), fund 0.00, cash 670.00
    #   B: deductible 15.00, (485 − 15) × 0.75 = 352.50 fund, cash 670 − 352.50 = 317.50
    #   C: deductible 0, 485 × 0.75 = 363.75 fund, cash 306.25
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        results = [
            w.adapter.settle(bill(f"MZ2026031{n}", EXAMPLE2_ITEMS, when=f"2026-0{month}-10 09:30:00"))
            for n, month in enumerate((3, 4, 5))
        ]
        assert [_diabetes(r) for r in results] == [
            (Decimal("485.00"), Decimal("0.00"), Decimal("0.00"), Decimal("670.00")),
            (Decimal("15.00"), Decimal("352.50"), Decimal("0.00"), Decimal("317.50")),
            (Decimal("0.00"), Decimal("363.75"), Decimal("0.00"), Decimal("306.25")),
        ]
        (first,) = results[0].batches
        assert first.receipt is not None
        assert first.receipt.receipt_category == "门诊慢特病"
        assert [line.chrgitm_lv for line in first.receipt.lines] == ["01", "02", "02", "03", "02"]
        assert [line.preselfpay_amt for line in first.receipt.lines] == [
            Decimal("0.00"),
            Decimal("30.00"),
            Decimal("5.00"),
            Decimal("0.00"),
            Decimal("0.00"),
        ]
        # The platform's accumulators agree: deductible 500.00 used, fund 716.25 against the cap.
        totals = w.accumulators("64010000000000000001", "640100")
        assert (totals["Q0000"], totals["FM01600"]) == (Decimal("500.00"), Decimal("716.25"))
        ledger = w.journal.settlements_in_scope("64010000000000000001", "310", 2026)
        assert [s.fund_pay_sumamt for s in ledger] == [Decimal("0.00"), Decimal("352.50"), Decimal("363.75")]


def test_employee_pays_from_the_personal_account(tmp_path: Path) -> None:
    # Visit C for an employee with 200.00 in the account and acct_used_flag 1 (DOMAIN.md Example 2):
    # personal 306.25 → account 200.00, cash 106.25; balance after 0.00.
    certno = YINCHUAN_EMPLOYEE["certno"]
    with world(tables=example_tables(tmp_path), seed={**EXAMPLE2_SEED, "people": [YINCHUAN_EMPLOYEE]}) as w:
        for n, month in enumerate((3, 4)):
            w.adapter.settle(
                bill(f"MZ{n}", EXAMPLE2_ITEMS, card=("02", certno), when=f"2026-0{month}-10 09:30:00")
            )
        result = w.adapter.settle(
            bill("MZ2", EXAMPLE2_ITEMS, card=("02", certno), when="2026-05-10 09:30:00", acct_used_flag="1")
        )
        assert _diabetes(result) == (Decimal("0.00"), Decimal("363.75"), Decimal("200.00"), Decimal("106.25"))
        (batch,) = result.batches
        assert batch.receipt is not None
        assert batch.receipt.amounts.balc == Decimal("0.00")
        assert w.balance(certno) == Decimal("0.00")
        assert result.cash_to_collect == Decimal("106.25")


def test_example_3_resident_reaches_the_cap(tmp_path: Path) -> None:
    # Yinchuan 居民, diabetes: ratio 0.60, cap 2400 on the fund. Visit 1: 485.00 to the deductible, fund 0.
    # Visit 2: (485 − 15) × 0.60 = 282.00. Then 485 × 0.60 = 291.00 a visit: cumulative 573, 864, 1155,
    # 1446, 1737, 2028, 2319 after visit 9; visit 10 may pay only 2400 − 2319 = 81.00; visit 11: 0.00.
    certno = YINCHUAN_RESIDENT["certno"]
    with world(tables=example_tables(tmp_path), seed={**EXAMPLE2_SEED, "people": [YINCHUAN_RESIDENT]}) as w:
        funds = [
            _diabetes(
                w.adapter.settle(
                    bill(f"MZ{n:02d}", EXAMPLE2_ITEMS, card=("02", certno), when=f"2026-03-{n:02d} 09:30:00")
                )
            )[1]
            for n in range(1, 12)
        ]
    expected = ["0.00", "282.00", *["291.00"] * 7, "81.00", "0.00"]
    assert funds == [Decimal(amount) for amount in expected]


def test_wuhai_in_region_at_a_level_two_hospital() -> None:
    # P4 (Wuhai 居民, WH-C02 糖尿病+高血压Ⅲ级) at the Hohhot demo hospital (二级, in-province = in region):
    # Y003 insulin 200.00 × 5 = 1000.00, cap 180: over-limit 100.00; base 900.00; 先行自付 5% 45.00;
    # in scope 855.00. Deductible 700 (二级), ratio 0.80: fund (855 − 700) × 0.80 = 124.00; cash 876.00.
    with world(settings=HOHHOT_SETTINGS) as w:
        result = w.adapter.settle(bill("MZ-P4", [("Y003", "200.00", "5")], card=("01", "ec-demo-p4")))
        assert _diabetes(result) == (Decimal("700.00"), Decimal("124.00"), Decimal("0.00"), Decimal("876.00"))


def test_wuhai_out_of_region_employee_with_account() -> None:
    # P3 (Wuhai 职工, M00500, balance 500) at Wuhan (out of region): Y007 16.00 × 100 = 1600.00, 乙 20%:
    # 先行自付 320.00, in scope 1280.00. Deductible 800, ratio 0.75: fund (1280 − 800) × 0.75 = 360.00;
    # personal 1240.00 → account 500.00, cash 740.00.
    cancer = (("C16.9", "胃恶性肿瘤"),)
    with world() as w:
        visit = bill(
            "MZ-P3",
            [("Y007", "16.00", "100")],
            card=("02", "150302196501093014"),
            diagnoses=cancer,
            diag="C16.9",
            acct_used_flag="1",
        )
        result = w.adapter.settle(visit)
        assert _diabetes(result) == (
            Decimal("800.00"),
            Decimal("360.00"),
            Decimal("500.00"),
            Decimal("740.00"),
        )


def test_p1_three_batches_settle_and_a_second_settle_does_not_repeat_them() -> None:
    with world() as w:
        first = w.adapter.settle("examples/visits/P1.json")
        assert [(b.dise_codg, b.status) for b in first.batches] == [
            ("M01600", "settled"),
            ("M03900", "settled"),
            ("", "settled"),
        ]
        assert [b.receipt.receipt_category for b in first.batches if b.receipt] == [
            "门诊慢特病",
            "门诊慢特病",
            "普通门诊",
        ]
        # Deductible (500, shared): 109.50 + 81.48 in scope both go to it; 普通门诊 has no pooled fund.
        # Personal account (balance 1000.00) pays every batch: 114.00 + 84.00 + 32.20 → balance 769.80.
        assert [b.receipt.amounts.acct_pay for b in first.batches if b.receipt] == [
            Decimal("114.00"),
            Decimal("84.00"),
            Decimal("32.20"),
        ]
        assert first.cash_to_collect == Decimal("15.00")  # only the 未贯标 line
        again = w.adapter.settle("examples/visits/P1.json")
        assert {b.status for b in again.batches} == {"settled"}
        assert all("未重复结算" in b.message for b in again.batches)
        assert len(w.journal.settlements_in_scope("64010000000000000001", "310", 2026)) == 3
        assert all(
            b.state == BatchState.SETTLED for b in w.journal.batches_of_visit("H42010200001:MZ20261122001")
        )


def test_not_eligible_bill_goes_to_the_outbox() -> None:
    # P6's insurance is suspended: nothing is sent; the 已贯标 lines are queued for upload within
    # 3 working days (seed 002 三(四)): 2026-11-22 is a Sunday → due Wednesday 2026-11-25.
    with world() as w:
        result = w.adapter.settle("examples/visits/P6.json")
        assert result.batches == ()
        assert result.cash_to_collect == Decimal("94.00")  # 24.00 + 45.00 + 25.00, all self-pay
        (entry,) = w.adapter.outbox()
        assert entry.id == result.outbox_id
        assert str(entry.due) == "2026-11-25"
        assert [line.medins_list_codg for line in entry.payload.feedetail] == ["Y001", "S002", "S001"]
        w.adapter.settle("examples/visits/P6.json")
        assert len(w.adapter.outbox()) == 1  # queued once
