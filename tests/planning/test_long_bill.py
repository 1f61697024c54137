"""A long bill: P1's items repeated, planned to the sums of its lines; the shortcuts planning takes on a
long bill (one split per distinct line, lines built without a second validation, texts read once) give
what the plain way gives. Amounts by hand from DEMO_DATA.md prices, classes Hubei's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter import InputError
from adapter.planning import PlanLine, VisitPlan, plan_visit

from .helpers import P1, PLANNED_AT, hospital, item, judge, visit

DIAGNOSES = [("E11.900", "2型糖尿病"), ("I10.x09", "原发性高血压"), ("J06.900", "急性上呼吸道感染")]
COPIES = 50


def _p1_items(copy: int) -> list[dict[str, object]]:
    """P1's eight items, numbered after ``copy`` earlier copies; odd copies write the same numbers
    differently (0.4 for 0.40, 60.0 for 60), which must split alike and keep their digits."""
    odd = copy % 2 == 1
    rows = [
        ("Y001", "60.0" if odd else "60", "0.4" if odd else "0.40", "E11.900"),
        ("Y002", "30", "1.5" if odd else "1.50", "E11.900"),
        ("S002", "1", "45" if odd else "45.00", "E11.900"),
        ("Y005", "28", "2.10", "I10.x09"),
        ("Y006", "28", "0.90", "I10.x09"),
        ("Y011", "24", "0.30", "J06.900"),
        ("S001", "1", "25.00", ""),
        ("L999", "1", "15.00", ""),
    ]
    return [item(str(copy * 8 + n + 1), *row) for n, row in enumerate(rows)]


def _long_plan() -> VisitPlan:
    items = [row for copy in range(COPIES) for row in _p1_items(copy)]
    return plan_visit(visit(items, DIAGNOSES), judge(P1), hospital=hospital(), now=PLANNED_AT)


def test_a_long_bill_plans_to_the_sums_of_its_lines() -> None:
    plan = _long_plan()
    diabetes, hypertension, ordinary = plan.batches
    # One copy (test_plan.py, P1): M01600 24.00 + 45.00 + 45.00 = 114.00, 先行自付 4.50 (Y002 乙 10%),
    # in scope 109.50; M03900 58.80 + 25.20 = 84.00, 先行自付 2.52 (Y006 乙 10%), in scope 81.48;
    # ordinary 7.20 + 25.00 = 32.20; self-pay L999 15.00; the bill 245.20. Fifty copies:
    # 114.00 × 50 = 5700.00, 4.50 × 50 = 225.00, 109.50 × 50 = 5475.00; 84.00 × 50 = 4200.00,
    # 2.52 × 50 = 126.00, 81.48 × 50 = 4074.00; 32.20 × 50 = 1610.00; 15.00 × 50 = 750.00;
    # 245.20 × 50 = 12260.00 = 5700.00 + 4200.00 + 1610.00 + 750.00.
    assert [(b.dise_codg, len(b.lines)) for b in plan.batches] == [
        ("M01600", 150),
        ("M03900", 100),
        ("", 100),
    ]
    assert (diabetes.totals.medfee_sumamt, diabetes.totals.preselfpay_amt, diabetes.totals.inscp_scp_amt) == (
        Decimal("5700.00"),
        Decimal("225.00"),
        Decimal("5475.00"),
    )
    assert (
        hypertension.totals.medfee_sumamt,
        hypertension.totals.preselfpay_amt,
        hypertension.totals.inscp_scp_amt,
    ) == (Decimal("4200.00"), Decimal("126.00"), Decimal("4074.00"))
    assert (ordinary.totals.medfee_sumamt, ordinary.totals.inscp_scp_amt) == (
        Decimal("1610.00"),
        Decimal("1610.00"),
    )
    assert (len(plan.self_pay.lines), plan.self_pay.total) == (50, Decimal("750.00"))
    assert plan.bill_total == Decimal("12260.00")
    # Bill order within each batch, every line its own feedetl_sn.
    assert [line.feedetl_sn for line in diabetes.lines[:6]] == ["1", "2", "3", "9", "10", "11"]
    assert [line.feedetl_sn for line in plan.self_pay.lines[-2:]] == ["392", "400"]


def test_equal_numbers_written_differently_split_alike_and_keep_their_digits() -> None:
    plan = _long_plan()
    first, second = plan.batches[0].lines[0], plan.batches[0].lines[3]  # Y001 of copies 0 and 1
    assert (first.cnt, first.pric, second.cnt, second.pric) == (
        Decimal("60"),
        Decimal("0.40"),
        Decimal("60.0"),
        Decimal("0.4"),
    )
    assert (str(first.cnt), str(first.pric), str(second.cnt), str(second.pric)) == (
        "60",
        "0.40",
        "60.0",
        "0.4",
    )
    assert str(first.det_item_fee_sumamt) == str(second.det_item_fee_sumamt) == "24.00"  # 60 × 0.40
    assert str(plan.batches[0].lines[5].pric) == "45"  # S002 of copy 1, written "45": 45.00 all the same
    # A price of -0 is not negative, so it is accepted, and its amount prints as -0.00 (as it always has):
    # never the 0.00 of a price of 0 for the same item and quantity.
    zero = plan_visit(
        visit([item("1", "Y001", "60", "0"), item("2", "Y001", "60", "-0")], DIAGNOSES[:1]),
        judge(P1),
        hospital=hospital(),
        now=PLANNED_AT,
    )
    assert [str(line.det_item_fee_sumamt) for line in zero.batches[0].lines] == ["0.00", "-0.00"]


def test_planned_lines_are_what_validation_builds() -> None:
    plan = _long_plan()
    lines = [line for batch in plan.batches for line in batch.lines] + list(plan.self_pay.lines)
    for line in lines[:16]:
        validated = PlanLine.model_validate(line.model_dump())
        assert validated == line
        assert list(validated.model_dump()) == list(line.model_dump()) == list(PlanLine.model_fields)
        assert (repr(validated), hash(validated)) == (repr(line), hash(line))
        assert validated.model_fields_set == line.model_fields_set
        changed = line.model_copy(update={"rxno": "R1"})
        assert (changed.rxno, line.rxno) == ("R1", "")
    # The plan read back from its JSON, as the journal reads it, is an equal plan.
    assert VisitPlan.model_validate_json(plan.to_json()) == plan


def test_a_bad_number_repeated_on_several_lines_is_reported_on_each() -> None:
    # Texts are read once per bill; a text that fails is not remembered as read.
    items = [
        item("1", "Y001", "60", "0.1234567"),
        item("2", "Y001", "60", "0.1234567"),
        item("3", "Y001", "1", "1"),
    ]
    with pytest.raises(InputError) as raised:
        visit(items, DIAGNOSES[:1])
    assert str(raised.value) == (
        "invalid visit: items[0] (feedetl_sn 1).pric: has more than 6 decimal places; "
        "items[1] (feedetl_sn 2).pric: has more than 6 decimal places"
    )


def test_lines_split_alike_keep_their_own_details() -> None:
    # Two Y001 lines equal in price, quantity and diagnosis share their split; each keeps what the
    # bill says of it alone. 60 × 0.40 = 24.00 each.
    first = {**item("1", "Y001", "60", "0.40", "E11.900"), "rxno": "RX1", "bilg_dr_name": "医生甲"}
    second = {
        **item("2", "Y001", "60", "0.40", "E11.900"),
        "medins_list_name": "二甲双胍（院内名）",
        "fee_ocur_time": "2026-11-22 10:05:00",
        "prd_days": "30",
    }
    plan = plan_visit(visit([first, second], DIAGNOSES[:1]), judge(P1), hospital=hospital(), now=PLANNED_AT)
    one, two = plan.batches[0].lines
    assert (one.feedetl_sn, one.rxno, one.bilg_dr_name, one.medins_list_name, one.prd_days) == (
        "1",
        "RX1",
        "医生甲",
        "二甲双胍片 0.5g",  # the 目录对照's name when the bill gives none
        Decimal(0),
    )
    assert (two.feedetl_sn, two.rxno, two.bilg_dr_name, two.medins_list_name, two.prd_days) == (
        "2",
        "",
        "",
        "二甲双胍（院内名）",
        Decimal("30"),
    )
    assert str(two.fee_ocur_time) == "2026-11-22 10:05:00"
    assert (one.det_item_fee_sumamt, two.det_item_fee_sumamt) == (Decimal("24.00"), Decimal("24.00"))
    assert one.split_basis == two.split_basis == "甲类"
