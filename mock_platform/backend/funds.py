"""The funds that pay after the basic pooled fund (PROTOCOL.md §3.12a setlinfo/setldetail); pure.

A policy scope lists its layers (`[[scope.layer]]`, mock_platform/config/policies.py); each pays a ratio of a
base, in file order:

* ``personal_in_scope``: the in-scope amount the person still bears (inscp − basic fund − earlier layers).
  With an annual `threshold` (大病保险's 起付线) only the part of the year's running base above it counts;
  the running base is the accumulator ``B<fund_pay_type>``.
* ``over_ceiling``: the in-scope amount above the basic fund's annual ceiling (职工大额's base).

A layer's annual `cap` limits what it pays in the year (accumulator ``J<fund_pay_type>``); what is left of it
is the row's `crt_payb_lmt_amt`. fund_pay_type codes are the national 基金支付类型 dictionary as public HIS
code spells it (310100, 320100, 330100, 370100, 390100, 390200, 610100, 999997).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mock_platform._money import ZERO, round2
from mock_platform.backend.people import InsuranceRecord, PersonRecord
from mock_platform.config.policies import FundLayer, Scope

BASIC_FUNDS = {
    "310": ("310100", "职工基本医疗保险统筹基金"),
    "390": ("390100", "城乡居民基本医疗保险基金"),
}
LAYER_FUNDS = {
    "hifob_pay": ("330100", "职工大额医疗费用补助基金"),
    "hifmi_pay": ("390200", "城乡居民大病医疗保险基金"),
    "cvlserv_pay": ("320100", "公务员医疗补助基金"),
    "hifes_pay": ("370100", "企业补充医疗保险基金"),
    "maf_pay": ("610100", "医疗救助基金"),
    "oth_pay": ("999997", "其他基金"),
}
_BASE_LABELS = {
    "personal_in_scope": "政策范围内个人负担",
    "over_ceiling": "超过统筹基金年度最高支付限额的政策范围内费用",
}


@dataclass(frozen=True)
class LayerRule:
    """One layer that applies to this person."""

    field: str  # the setlinfo field: hifmi_pay, hifob_pay, …
    fund_pay_type: str
    name: str
    base: str
    threshold: Decimal
    ratio: Decimal
    cap: Decimal | None

    @property
    def base_code(self) -> str:
        return "B" + self.fund_pay_type

    @property
    def paid_code(self) -> str:
        return "J" + self.fund_pay_type


@dataclass(frozen=True)
class LayerUsed:
    base: Decimal = ZERO  # the year's running base (for the threshold)
    paid: Decimal = ZERO  # what the layer paid this year (for the cap)


@dataclass(frozen=True)
class FundShare:
    """One setldetail row."""

    field: str
    fund_pay_type: str
    name: str
    inscp_scp_amt: Decimal  # the base this fund paid on
    crt_payb_lmt_amt: Decimal | None
    fund_payamt: Decimal
    setl_proc_info: str
    counted: Decimal = ZERO  # what this settlement adds to the layer's running base
    base_code: str = ""
    paid_code: str = ""


def layers_for(
    scope: Scope, person: PersonRecord, insurance: InsuranceRecord, day: date
) -> tuple[LayerRule, ...]:
    """The scope's layers that pay for this person on `day` (by insutype, 公务员 flag, identity)."""
    return tuple(_rule(layer) for layer in scope.layer if _applies(layer, person, insurance, day))


def _applies(layer: FundLayer, person: PersonRecord, insurance: InsuranceRecord, day: date) -> bool:
    if insurance.insutype not in layer.insutypes:
        return False
    if layer.who == "cvlserv":
        return insurance.cvlserv_flag == "1"
    if layer.who == "identity":
        return any(
            identity.psn_idet_type in layer.psn_idet_types
            and identity.begntime.date() <= day
            and (identity.endtime is None or day <= identity.endtime.date())
            for identity in person.identities
        )
    return True


def _rule(layer: FundLayer) -> LayerRule:
    fund_pay_type, name = LAYER_FUNDS[layer.fund]
    return LayerRule(layer.fund, fund_pay_type, name, layer.base, layer.threshold, layer.ratio, layer.cap)


def pay_layers(
    layers: tuple[LayerRule, ...],
    personal_in_scope: Decimal,
    over_ceiling: Decimal,
    used: dict[str, LayerUsed],
) -> list[FundShare]:
    """Each layer's share, in order; `personal_in_scope` shrinks by what each pays."""
    left = personal_in_scope
    shares = []
    for rule in layers:
        share = _pay(rule, left, over_ceiling, used.get(rule.field, LayerUsed()))
        left -= share.fund_payamt
        shares.append(share)
    return shares


def _pay(rule: LayerRule, left: Decimal, over_ceiling: Decimal, used: LayerUsed) -> FundShare:
    if rule.base == "over_ceiling":
        base = min(over_ceiling, left)
        counted = ZERO
        above = base
    else:
        base = left
        counted = base if rule.threshold else ZERO
        above = max(ZERO, base - max(ZERO, rule.threshold - used.base))
    raw = round2(above * rule.ratio)
    remaining = None if rule.cap is None else max(ZERO, rule.cap - used.paid)
    paid = min(raw, left) if remaining is None else min(raw, left, remaining)
    percent = f"{(rule.ratio * 100).normalize():f}%"
    text = f"{rule.name}：{_BASE_LABELS[rule.base]}{base}元"
    if rule.threshold:
        text += f"，年度起付线{rule.threshold}元（本年已累计{used.base}元），超出部分{above}元"
    text += f"，×{percent}={raw}元"
    if remaining is not None:
        text += f"；年度最高支付限额{rule.cap}元，已支付{used.paid}元，本次可支付限额{remaining}元"
    return FundShare(
        field=rule.field,
        fund_pay_type=rule.fund_pay_type,
        name=rule.name,
        inscp_scp_amt=base,
        crt_payb_lmt_amt=remaining,
        fund_payamt=paid,
        setl_proc_info=text + f"；支付{paid}元",
        counted=counted,
        base_code=rule.base_code if rule.threshold else "",
        paid_code=rule.paid_code,
    )
