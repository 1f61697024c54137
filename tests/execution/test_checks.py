"""Money identities of the platform's answers, and drift from the plan."""

from __future__ import annotations

from decimal import Decimal

from adapter.execution._checks import reversal_problems, settlement_problems
from adapter.transactions._settlement import FundPayment, SettlementInfo


def _info(**amounts: str) -> SettlementInfo:
    # DOMAIN.md Example 2, visit B: medfee 670.00 = fund 352.50 + personal 317.50; cash only.
    values = {
        "medfee_sumamt": "670.00",
        "fulamt_ownpay_amt": "130.00",
        "overlmt_selfpay": "20.00",
        "preselfpay_amt": "35.00",
        "inscp_scp_amt": "485.00",
        "fund_pay_sumamt": "352.50",
        "psn_part_amt": "317.50",
        "acct_pay": "0.00",
        "psn_cash_pay": "317.50",
        "hosp_part_amt": "0.00",
    }
    values.update(amounts)
    return SettlementInfo.model_validate(values)


FUND = (FundPayment.model_validate({"fund_pay_type": "310100", "fund_payamt": "352.50"}),)


def test_a_consistent_answer_has_no_problems() -> None:
    assert settlement_problems(_info(), FUND, expected_total=Decimal("670.00")) == []


def test_each_broken_identity_is_named() -> None:
    assert settlement_problems(_info(), FUND, expected_total=Decimal("669.99")) == [
        "medfee_sumamt 670.00 != batch total 669.99"
    ]
    assert settlement_problems(_info(preselfpay_amt="35.01"), FUND, expected_total=Decimal("670.00")) == [
        "fulamt + overlmt + preselfpay + inscp = 670.01 != medfee_sumamt 670.00"
    ]
    assert settlement_problems(_info(psn_cash_pay="317.49"), FUND, expected_total=Decimal("670.00")) == [
        "acct_pay 0.00 + acct_mulaid_pay 0.00 + psn_cash_pay 317.49 != psn_part_amt 317.50"
    ]
    assert settlement_problems(_info(fund_pay_sumamt="352.51"), FUND, expected_total=Decimal("670.00")) == [
        "fund 352.51 + psn_part_amt 317.50 + hosp_part_amt 0.00 != medfee_sumamt 670.00",
        "setldetail fund_payamt total 352.50 != fund_pay_sumamt 352.51",
    ]


def test_provinces_that_count_the_account_inside_the_fund() -> None:
    # Visit C with 200.00 from the account (DOMAIN.md Example 2): fund 363.75, personal 306.25.
    guangdong_style = _info(
        fund_pay_sumamt="563.75", psn_part_amt="306.25", acct_pay="200.00", psn_cash_pay="106.25"
    )
    assert (
        settlement_problems(guangdong_style, (), expected_total=Decimal("670.00"), fund_includes_account=True)
        == []
    )
    assert settlement_problems(guangdong_style, (), expected_total=Decimal("670.00")) != []


def test_a_refund_must_negate_the_settlement() -> None:
    original = _info()
    reversal = _info(
        medfee_sumamt="-670.00",
        fund_pay_sumamt="-352.50",
        psn_part_amt="-317.50",
        acct_pay="0.00",
        psn_cash_pay="-317.50",
    )
    assert reversal_problems(reversal, original) == []
    short = reversal.model_copy(update={"fund_pay_sumamt": Decimal("-352.49")})
    assert reversal_problems(short, original) == ["2208 fund_pay_sumamt -352.49 != -352.50"]
