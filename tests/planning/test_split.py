"""The 就医地 fee split (DOMAIN.md §2.2), reproduced on the worked examples by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.planning import CatalogueClass, LineSplit, split_line

D = Decimal

A = CatalogueClass(chrgitm_lv="01", selfpay_prop=D("0"), pric_uplmt_amt=None, lmt_used_flag="0")


def b(proportion: str, cap: str | None = None, restricted: bool = False) -> CatalogueClass:
    return CatalogueClass(
        chrgitm_lv="02",
        selfpay_prop=D(proportion),
        pric_uplmt_amt=D(cap) if cap else None,
        lmt_used_flag="1" if restricted else "0",
    )


C = CatalogueClass(chrgitm_lv="03", selfpay_prop=None, pric_uplmt_amt=None, lmt_used_flag="0")


def parts(line: LineSplit) -> tuple[D, D, D, D, D]:
    return (
        line.det_item_fee_sumamt,
        line.fulamt_ownpay_amt,
        line.overlmt_amt,
        line.preselfpay_amt,
        line.inscp_scp_amt,
    )


def test_official_example_1() -> None:
    # DOMAIN.md Example 1 (jingyanla.com official case): 阿卡波糖 甲 32.52; 瑞格列奈 乙 10% 31.77.
    # 瑞格列奈: 先行自付 31.77 × 10% = 3.177 → 3.18 (half up); in scope 31.77 − 3.18 = 28.59.
    acarbose = split_line(pric=D("32.52"), cnt=D("1"), hosp_appr_flag="0", catalogue=A)
    repaglinide = split_line(pric=D("31.77"), cnt=D("1"), hosp_appr_flag="0", catalogue=b("0.10"))
    assert parts(acarbose) == (D("32.52"), D("0"), D("0"), D("0"), D("32.52"))
    assert parts(repaglinide) == (D("31.77"), D("0"), D("0"), D("3.18"), D("28.59"))
    # Totals: 64.29 total, 3.18 先行自付, 61.11 in scope.
    assert acarbose.det_item_fee_sumamt + repaglinide.det_item_fee_sumamt == D("64.29")
    assert acarbose.inscp_scp_amt + repaglinide.inscp_scp_amt == D("61.11")


def test_example_2_split_table() -> None:
    # DOMAIN.md Example 2, line by line:
    # L1 甲 0.40 × 300 = 120.00, all in scope.
    # L2 乙 10% 300.00 × 1: 先行自付 30.00, in scope 270.00.
    # L3 乙 5% 60.00 × 2 = 120.00, cap 50.00: over-limit (60 − 50) × 2 = 20.00; base 100.00;
    #    先行自付 100.00 × 5% = 5.00; in scope 95.00.
    # L4 丙 80.00: all self-pay. L5 乙 restricted, not approved (hosp_appr_flag 0) 50.00: all self-pay.
    lines = [
        split_line(pric=D("0.40"), cnt=D("300"), hosp_appr_flag="0", catalogue=A),
        split_line(pric=D("300.00"), cnt=D("1"), hosp_appr_flag="0", catalogue=b("0.10")),
        split_line(pric=D("60.00"), cnt=D("2"), hosp_appr_flag="0", catalogue=b("0.05", "50.00")),
        split_line(pric=D("80.00"), cnt=D("1"), hosp_appr_flag="0", catalogue=C),
        split_line(pric=D("50.00"), cnt=D("1"), hosp_appr_flag="0", catalogue=b("0.10", restricted=True)),
    ]
    assert [parts(line) for line in lines] == [
        (D("120.00"), D("0"), D("0"), D("0"), D("120.00")),
        (D("300.00"), D("0"), D("0"), D("30.00"), D("270.00")),
        (D("120.00"), D("0"), D("20.00"), D("5.00"), D("95.00")),
        (D("80.00"), D("80.00"), D("0"), D("0"), D("0")),
        (D("50.00"), D("50.00"), D("0"), D("0"), D("0")),
    ]
    totals = [sum(column, D(0)) for column in zip(*(parts(line) for line in lines), strict=True)]
    # 670.00 total / 130.00 self-pay / 20.00 over-limit / 35.00 先行自付 / 485.00 in scope.
    assert totals == [D("670.00"), D("130.00"), D("20.00"), D("35.00"), D("485.00")]


@pytest.mark.parametrize(
    ("restricted", "approval", "self_paid"),
    [
        # National rule (PROTOCOL.md §3.8): restricted → 0/2 self-pay, 1 reimbursable;
        # unrestricted → 0/1 actual rules, 2 self-pay.
        (True, "0", True),
        (True, "1", False),
        (True, "2", True),
        (False, "0", False),
        (False, "1", False),
        (False, "2", True),
    ],
)
def test_restricted_use_and_hospital_approval(restricted: bool, approval: str, self_paid: bool) -> None:
    line = split_line(
        pric=D("10.00"), cnt=D("1"), hosp_appr_flag=approval, catalogue=b("0.10", restricted=restricted)
    )
    # Reimbursable: 先行自付 10.00 × 10% = 1.00, in scope 9.00.
    expected = (
        (D("10.00"), D("10.00"), D("0"), D("0"), D("0"))
        if self_paid
        else (D("10.00"), D("0"), D("0"), D("1.00"), D("9.00"))
    )
    assert parts(line) == expected


def test_not_in_catalogue_is_self_pay() -> None:
    line = split_line(pric=D("3.333333"), cnt=D("3"), hosp_appr_flag="0", catalogue=None)
    # 3.333333 × 3 = 9.999999 → 10.00 (half up); all self-pay.
    assert parts(line) == (D("10.00"), D("10.00"), D("0"), D("0"), D("0"))
    assert line.chrgitm_lv == ""


def test_price_cap_below_price_on_a_class_a_item() -> None:
    # S003 血液透析 in Hubei: 甲, cap 400.00, price 420.00 × 1: over-limit 20.00, in scope 400.00.
    capped = CatalogueClass(
        chrgitm_lv="01", selfpay_prop=D("0"), pric_uplmt_amt=D("400.00"), lmt_used_flag="0"
    )
    line = split_line(pric=D("420.00"), cnt=D("1"), hosp_appr_flag="0", catalogue=capped)
    assert parts(line) == (D("420.00"), D("0"), D("20.00"), D("0"), D("400.00"))
    assert "超限价" in line.basis
