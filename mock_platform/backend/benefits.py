"""The insured place's benefit calculation (参保地 待遇, DOMAIN.md §2.3): every fund, in layers; pure.

::

    act_pay_dedc     = min(inscp, max(0, D − D_used))          # D by the hospital's 起付线等级 (policy)
    eligible         = inscp − act_pay_dedc
    raw_fund         = round2(eligible × ratio)                # ratio by insutype (and 人员类别 where given)
    crt_payb_lmt_amt = max(0, CAP − CAP_used)                   # disease (or 门诊统筹) cap; None = unlimited
    hifp_pay         = min(raw_fund, crt_payb_lmt_amt, CEILING − J_used)   # 统筹基金年度最高支付限额
    then each layer of the policy, in order (``funds.pay_layers``): 职工大额 on the in-scope amount above the
    ceiling, 大病保险 / 公务员补助 / 医疗救助 / 企业补充 / 其他 on the in-scope personal share still left
    fund_pay_sumamt  = hifp_pay + Σ layers                      (= Σ setldetail.fund_payamt)
    psn_part_amt     = medfee − fund_pay_sumamt − hosp_part_amt (0)
    acct_pay         = min(payable, balance)        payable: what the account may pay (policy: in_scope | all)
    acct_mulaid_pay  = min(payable − acct_pay, 共济 balance)   门诊共济, where the policy allows it
    psn_cash_pay     = psn_part_amt − acct_pay − acct_mulaid_pay

`D_used` is the deductible already used by the person for this insutype and med_type in the calendar year
of the visit, shared by all their chronic diseases (DEMO_DATA.md "Benefit policies"); for a `per_visit`
basis it is what this visit's other settlements used. `CAP_used` is the fund already paid this year against
the cap of the disease's cap group. `J_used` is every basic-fund payment of the year (all med_types). A
scope without pooled-fund payment pays nothing: hifp_pay 0, ratio 0. Every identity is checked before
returning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mock_platform._money import ZERO, ratio4, round2
from mock_platform.backend.fee_split import LineSplit
from mock_platform.backend.funds import (
    BASIC_FUNDS,
    FundShare,
    LayerRule,
    LayerUsed,
    pay_layers,
)
from mock_platform.config.policies import Scope


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
    deductible_code: str = "Q0000"
    ceiling: Decimal | None = None  # 统筹基金年度最高支付限额; None: none stated
    layers: tuple[LayerRule, ...] = ()
    account_pays: str = "all"  # in_scope | all | none
    mutual_aid: bool = False


@dataclass(frozen=True)
class Used:
    """The person's year so far (accumulators before this settlement)."""

    deductible: Decimal = ZERO
    cap: Decimal = ZERO
    fund_year: Decimal = ZERO
    layers: dict[str, LayerUsed] = field(default_factory=dict)


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
    shares: tuple[FundShare, ...] = ()  # setldetail: the basic fund first, then each layer that paid
    acct_mulaid_pay: Decimal = ZERO
    mulaid_balc: Decimal = ZERO  # the 共济 balance after this settlement

    def fund(self, name: str) -> Decimal:
        """One setlinfo fund field (hifmi_pay, cvlserv_pay, …): what that layer paid, 0 if none."""
        return sum((share.fund_payamt for share in self.shares if share.field == name), ZERO)


def cap_code(codes: tuple[str, ...], med_type: str = "14") -> str:
    """cum_type_code of a cap group: "F" + its smallest code (C10: "FM01600", "FM08301", "FWH-S01");
    a cap of a whole scope (门诊统筹) is "F" + the med_type ("F11")."""
    return "F" + (min(codes) if codes else med_type)


def deductible_code(med_type: str) -> str:
    """The chronic-disease deductible is Q0000 (DOMAIN.md §2.3); 门诊统筹 keeps its own, Q0000_11."""
    return "Q0000" if med_type == "14" else f"Q0000_{med_type}"


def rules_for(
    scope: Scope,
    *,
    insutype: str,
    dedc_hosp_lv: str,
    disease: str,
    psn_type: str = "",
    layers: tuple[LayerRule, ...] = (),
) -> BenefitRules:
    """Resolve the parameters of `scope` for a person's insutype, the hospital's level and the disease.

    `layers` are the scope's layers that apply to this person (resolved by `funds.layers_for`).
    """
    fund_pay_type, name = BASIC_FUNDS.get(insutype, (insutype + "100", f"险种{insutype}统筹基金"))
    account = scope.account
    account_pays = "all" if insutype == "310" else "none"  # residents have no account (DOMAIN.md §2.3)
    if account is not None:
        account_pays = account.pays if insutype in account.insutypes else "none"
    mutual_aid = account is not None and account.mutual_aid and account_pays != "none"
    if not scope.pooled_fund or scope.deductible is None:
        return BenefitRules(
            False, ZERO, False, Decimal(0), None, None, None, fund_pay_type, name,
            account_pays=account_pays, mutual_aid=mutual_aid,
        )  # fmt: skip
    cap = scope.cap_for(insutype, disease)
    finite = cap is not None and cap.amount is not None
    return BenefitRules(
        pooled_fund=True,
        deductible=scope.deductible.for_level(dedc_hosp_lv),
        per_visit=scope.deductible.basis == "per_visit",
        ratio=scope.ratio_for(insutype, psn_type),
        cap_code=cap_code(cap.codes, scope.med_type) if cap is not None and finite else None,
        cap_group=None if cap is None else cap.group,
        cap_amount=None if cap is None else cap.amount,
        fund_pay_type=fund_pay_type,
        fund_pay_type_name=name,
        deductible_code=deductible_code(scope.med_type),
        ceiling=scope.ceiling_for(insutype),
        layers=layers,
        account_pays=account_pays,
        mutual_aid=mutual_aid,
    )


@dataclass(frozen=True)
class Basic:
    """The basic fund's part: deductible, hifp_pay, what limited it, the in-scope amount over the ceiling."""

    deductible: Decimal
    raw: Decimal
    hifp: Decimal
    cap_remaining: Decimal | None
    ceiling_remaining: Decimal | None
    over_ceiling: Decimal


def basic_fund(inscp: Decimal, rules: BenefitRules, used: Used) -> Basic:
    if not rules.pooled_fund:
        return Basic(ZERO, ZERO, ZERO, None, None, ZERO)
    deductible = min(inscp, max(ZERO, rules.deductible - used.deductible))
    eligible = inscp - deductible
    raw = round2(eligible * rules.ratio)
    cap_remaining = None if rules.cap_amount is None else max(ZERO, rules.cap_amount - used.cap)
    after_cap = raw if cap_remaining is None else min(raw, cap_remaining)
    ceiling_remaining = None if rules.ceiling is None else max(ZERO, rules.ceiling - used.fund_year)
    hifp = after_cap if ceiling_remaining is None else min(after_cap, ceiling_remaining)
    over = ZERO
    if hifp < after_cap and rules.ratio:
        # The ceiling stopped the fund: the in-scope amount it still covered is hifp / ratio; the rest is
        # "above the ceiling" (the base of 职工大额, a layer).
        over = max(ZERO, eligible - round2(hifp / rules.ratio))
    return Basic(deductible, raw, hifp, cap_remaining, ceiling_remaining, over)


def compute(
    totals: BatchTotals,
    rules: BenefitRules,
    *,
    used: Used,
    use_account: bool,
    balance: Decimal,
    mulaid_balance: Decimal = ZERO,
) -> Benefit:
    """One settlement's amounts."""
    inscp = totals.inscp_scp_amt
    basic = basic_fund(inscp, rules, used)
    basic_share = FundShare(
        field="hifp_pay",
        fund_pay_type=rules.fund_pay_type,
        name=rules.fund_pay_type_name,
        inscp_scp_amt=inscp,
        crt_payb_lmt_amt=_least(basic.cap_remaining, basic.ceiling_remaining),
        fund_payamt=basic.hifp,
        setl_proc_info=describe(rules, inscp, basic, used),
    )
    layer_shares = pay_layers(rules.layers, inscp - basic.hifp, basic.over_ceiling, used.layers)
    shares = (basic_share, *(share for share in layer_shares if share.fund_payamt or share.counted))
    fund = sum((share.fund_payamt for share in shares), ZERO)
    personal = totals.medfee_sumamt - fund
    payable = _account_payable(rules, totals, personal) if use_account else ZERO
    account = min(payable, max(ZERO, balance))
    mulaid = min(payable - account, max(ZERO, mulaid_balance)) if rules.mutual_aid else ZERO
    benefit = Benefit(
        totals=totals,
        act_pay_dedc=basic.deductible,
        hifp_pay=basic.hifp,
        pool_prop_selfpay=ratio4(rules.ratio),
        fund_pay_sumamt=fund,
        psn_part_amt=personal,
        acct_pay=account,
        psn_cash_pay=personal - account - mulaid,
        hosp_part_amt=ZERO,
        balc=balance - account,
        crt_payb_lmt_amt=basic_share.crt_payb_lmt_amt,
        rules=rules,
        setl_proc_info=basic_share.setl_proc_info,
        shares=shares,
        acct_mulaid_pay=mulaid,
        mulaid_balc=mulaid_balance - mulaid,
    )
    check_identities(benefit)
    return benefit


def _account_payable(rules: BenefitRules, totals: BatchTotals, personal: Decimal) -> Decimal:
    """What the personal account may pay: nothing, the in-scope personal share, or all of it."""
    if rules.account_pays == "none":
        return ZERO
    if rules.account_pays == "in_scope":
        return max(ZERO, personal - totals.fulamt_ownpay_amt - totals.overlmt_selfpay)
    return personal


def _least(*limits: Decimal | None) -> Decimal | None:
    given = [limit for limit in limits if limit is not None]
    return min(given) if given else None


def check_identities(benefit: Benefit) -> None:
    """medfee = fund + psn_part + hosp_part; psn_part = acct + 共济 + cash; fund = Σ setldetail."""
    totals = benefit.totals
    _check(
        totals.medfee_sumamt == benefit.fund_pay_sumamt + benefit.psn_part_amt + benefit.hosp_part_amt,
        "medfee = fund + psn_part + hosp_part",
    )
    _check(
        benefit.psn_part_amt == benefit.acct_pay + benefit.acct_mulaid_pay + benefit.psn_cash_pay,
        "psn_part = acct + acct_mulaid + cash",
    )
    _check(benefit.psn_cash_pay >= ZERO, "psn_cash_pay >= 0")
    paid = sum((share.fund_payamt for share in benefit.shares), ZERO)
    _check(benefit.fund_pay_sumamt == paid, "fund = Σ setldetail")
    parts = totals.fulamt_ownpay_amt + totals.overlmt_selfpay + totals.preselfpay_amt + totals.inscp_scp_amt
    _check(parts == totals.medfee_sumamt, "medfee = fulamt + overlmt + preselfpay + inscp")


def describe(rules: BenefitRules, inscp: Decimal, basic: Basic, used: Used) -> str:
    """结算过程信息 (setl_proc_info) of the basic fund: the computation in words and numbers."""
    if not rules.pooled_fund:
        return "参保地政策：该医疗类别无统筹基金支付，费用由个人负担"
    basis = "本次就诊" if rules.per_visit else "本年度"
    percent = f"{(rules.ratio * 100).normalize():f}%"
    text = (
        f"起付线{rules.deductible}元（{basis}已累计{used.deductible}元），本次支付起付线{basic.deductible}元；"
        f"统筹基金=({inscp}-{basic.deductible})×{percent}={basic.raw}元"
    )
    if rules.cap_amount is None:
        text += f"；病种组[{rules.cap_group or '-'}]无年度支付限额"
    else:
        assert basic.cap_remaining is not None
        text += (
            f"；病种组[{rules.cap_group}]年度最高支付限额{rules.cap_amount}元，已支付{used.cap}元，"
            f"本次可支付限额{basic.cap_remaining}元"
        )
    if rules.ceiling is not None:
        assert basic.ceiling_remaining is not None
        text += (
            f"；统筹基金年度最高支付限额{rules.ceiling}元，本年已支付{used.fund_year}元，"
            f"尚可支付{basic.ceiling_remaining}元"
        )
    return text + f"；统筹基金支付{basic.hifp}元"


class IdentityError(AssertionError):
    """A settlement identity does not hold: a bug, never a client error."""


def _check(holds: bool, identity: str) -> None:
    if not holds:
        raise IdentityError(identity)
