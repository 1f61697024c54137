"""The insured place's benefit calculation (参保地 待遇, DOMAIN.md §2.3); pure, no state.

::

    act_pay_dedc     = min(inscp, max(0, D − D_used))          # D by the hospital's 起付线等级 (policy)
    raw_fund         = round2((inscp − act_pay_dedc) × ratio)  # ratio by insutype
    crt_payb_lmt_amt = max(0, CAP − CAP_used)                   # None ("无") = unlimited
    hifp_pay         = min(raw_fund, crt_payb_lmt_amt)
    fund_pay_sumamt  = hifp_pay                                 # no supplementary funds in the demo
    psn_part_amt     = medfee − fund_pay_sumamt − hosp_part_amt (0)
    acct_pay         = min(psn_part_amt, balance)  for insutype 310 with acct_used_flag 1, else 0
    psn_cash_pay     = psn_part_amt − acct_pay

`D_used` is the deductible already used by the person for this insutype in the calendar year of the visit,
shared by all their chronic diseases (DEMO_DATA.md "Benefit policies"); for a `per_visit` basis it is what
this visit's other settlements used. `CAP_used` is the fund already paid this year against the cap of the
disease's cap group (one cap for a group of codes: seed 001's merged transplant cell). A scope without
pooled-fund payment (med_type 11, illustrative) pays nothing: hifp_pay 0, ratio 0. Every identity is checked
before returning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_platform._money import ZERO, ratio4, round2
from mock_platform.backend.fee_split import LineSplit
from mock_platform.config.policies import Scope

FUND_PAY_TYPES = {
    "310": ("310100", "职工基本医疗保险统筹基金"),
    "390": ("390100", "城乡居民基本医疗保险基金"),
}


@dataclass(frozen=True)
class BatchTotals:
    """The settlement-level sums of one charge batch (DOMAIN.md §2.2 "Settlement level")."""

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal

    @classmethod
    def of(cls, lines: list[LineSplit]) -> BatchTotals:
        totals = cls(
            medfee_sumamt=sum((line.det_item_fee_sumamt for line in lines), ZERO),
            fulamt_ownpay_amt=sum((line.fulamt_ownpay_amt for line in lines), ZERO),
            overlmt_selfpay=sum((line.overlmt_amt for line in lines), ZERO),
            preselfpay_amt=sum((line.preselfpay_amt for line in lines), ZERO),
            inscp_scp_amt=sum((line.inscp_scp_amt for line in lines), ZERO),
        )
        parts = (
            totals.fulamt_ownpay_amt + totals.overlmt_selfpay + totals.preselfpay_amt + totals.inscp_scp_amt
        )
        _check(parts == totals.medfee_sumamt, "medfee = fulamt + overlmt + preselfpay + inscp")
        return totals


@dataclass(frozen=True)
class BenefitRules:
    """The policy parameters that apply to one settlement."""

    pooled_fund: bool
    deductible: Decimal
    per_visit: bool
    ratio: Decimal
    cap_code: str | None  # the accumulator (cum_type_code) of the cap group, for a finite cap only
    cap_group: str | None
    cap_amount: Decimal | None  # None: no cap ("无", or none stated)
    fund_pay_type: str
    fund_pay_type_name: str


@dataclass(frozen=True)
class Benefit:
    totals: BatchTotals
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    pool_prop_selfpay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    hosp_part_amt: Decimal
    balc: Decimal  # the account balance after this settlement
    crt_payb_lmt_amt: Decimal | None  # remaining cap before this settlement; None = unlimited
    rules: BenefitRules
    setl_proc_info: str


def cap_code(codes: tuple[str, ...]) -> str:
    """cum_type_code of a cap group: "F" + its smallest code (C10: "FM01600", "FM08301", "FWH-S01")."""
    return "F" + min(codes)


def rules_for(scope: Scope, *, insutype: str, dedc_hosp_lv: str, disease: str) -> BenefitRules:
    """Resolve the parameters of `scope` for a person's insutype, the hospital's level and the disease."""
    fund_pay_type, name = FUND_PAY_TYPES.get(insutype, (insutype + "100", f"险种{insutype}统筹基金"))
    if not scope.pooled_fund or scope.deductible is None:
        return BenefitRules(False, ZERO, False, Decimal(0), None, None, None, fund_pay_type, name)
    cap = scope.cap_for(insutype, disease)
    finite = cap is not None and cap.amount is not None
    return BenefitRules(
        pooled_fund=True,
        deductible=scope.deductible.for_level(dedc_hosp_lv),
        per_visit=scope.deductible.basis == "per_visit",
        ratio=scope.ratio_for(insutype),
        cap_code=cap_code(cap.codes) if cap is not None and finite else None,
        cap_group=None if cap is None else cap.group,
        cap_amount=None if cap is None else cap.amount,
        fund_pay_type=fund_pay_type,
        fund_pay_type_name=name,
    )


def compute(
    totals: BatchTotals,
    rules: BenefitRules,
    *,
    deductible_used: Decimal,
    cap_used: Decimal,
    insutype: str,
    use_account: bool,
    balance: Decimal,
) -> Benefit:
    """One settlement's amounts."""
    inscp = totals.inscp_scp_amt
    deductible = min(inscp, max(ZERO, rules.deductible - deductible_used)) if rules.pooled_fund else ZERO
    raw_fund = round2((inscp - deductible) * rules.ratio) if rules.pooled_fund else ZERO
    remaining = None if rules.cap_amount is None else max(ZERO, rules.cap_amount - cap_used)
    fund = raw_fund if remaining is None else min(raw_fund, remaining)
    personal = totals.medfee_sumamt - fund
    account = min(personal, max(ZERO, balance)) if insutype == "310" and use_account else ZERO
    benefit = Benefit(
        totals=totals,
        act_pay_dedc=deductible,
        hifp_pay=fund,
        pool_prop_selfpay=ratio4(rules.ratio),
        fund_pay_sumamt=fund,
        psn_part_amt=personal,
        acct_pay=account,
        psn_cash_pay=personal - account,
        hosp_part_amt=ZERO,
        balc=balance - account,
        crt_payb_lmt_amt=remaining,
        rules=rules,
        setl_proc_info=describe(rules, inscp, deductible, deductible_used, raw_fund, remaining, cap_used),
    )
    check_identities(benefit)
    return benefit


def check_identities(benefit: Benefit) -> None:
    """medfee = fund + psn_part + hosp_part; psn_part = acct + cash; the parts of medfee add up."""
    totals = benefit.totals
    _check(
        totals.medfee_sumamt == benefit.fund_pay_sumamt + benefit.psn_part_amt + benefit.hosp_part_amt,
        "medfee = fund + psn_part + hosp_part",
    )
    _check(benefit.psn_part_amt == benefit.acct_pay + benefit.psn_cash_pay, "psn_part = acct + cash")
    _check(benefit.fund_pay_sumamt == benefit.hifp_pay, "fund = hifp (the only fund)")
    parts = totals.fulamt_ownpay_amt + totals.overlmt_selfpay + totals.preselfpay_amt + totals.inscp_scp_amt
    _check(parts == totals.medfee_sumamt, "medfee = fulamt + overlmt + preselfpay + inscp")


def describe(
    rules: BenefitRules,
    inscp: Decimal,
    deductible: Decimal,
    deductible_used: Decimal,
    raw_fund: Decimal,
    remaining: Decimal | None,
    cap_used: Decimal,
) -> str:
    """结算过程信息 (setl_proc_info): the computation in words and numbers."""
    if not rules.pooled_fund:
        return "参保地政策：该医疗类别无统筹基金支付，费用由个人负担"
    basis = "本次就诊" if rules.per_visit else "本年度"
    percent = f"{(rules.ratio * 100).normalize():f}%"
    text = (
        f"起付线{rules.deductible}元（{basis}已累计{deductible_used}元），本次支付起付线{deductible}元；"
        f"统筹基金=({inscp}-{deductible})×{percent}={raw_fund}元"
    )
    if rules.cap_amount is None:
        return text + f"；病种组[{rules.cap_group or '-'}]无年度支付限额"
    assert remaining is not None
    paid = min(raw_fund, remaining)
    return (
        text + f"；病种组[{rules.cap_group}]年度最高支付限额{rules.cap_amount}元，已支付{cap_used}元，"
        f"本次可支付限额{remaining}元，统筹基金支付{paid}元"
    )


class IdentityError(AssertionError):
    """A settlement identity does not hold: a bug, never a client error."""


def _check(holds: bool, identity: str) -> None:
    if not holds:
        raise IdentityError(identity)
