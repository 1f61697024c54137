"""What a settlement or refund shows about money: the `setlinfo`/`setldetail` amounts, stored as JSON.

`SettlementAmounts.of(benefit)` records a settlement; `reversed()` gives its refund — every amount negated
(never a negative zero), the ratio and the cap remaining kept, the account balance after the refund given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from mock_platform.backend.benefits import Benefit

_SIGNED = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
)


@dataclass(frozen=True)
class SettlementAmounts:
    """Everything setlinfo/setldetail show about the money of one settlement or reversal."""

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    pool_prop_selfpay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    hosp_part_amt: Decimal
    balc: Decimal
    fund_pay_type: str
    fund_pay_type_name: str
    crt_payb_lmt_amt: Decimal | None
    setl_proc_info: str

    @classmethod
    def of(cls, benefit: Benefit) -> SettlementAmounts:
        totals = benefit.totals
        return cls(
            medfee_sumamt=totals.medfee_sumamt,
            fulamt_ownpay_amt=totals.fulamt_ownpay_amt,
            overlmt_selfpay=totals.overlmt_selfpay,
            preselfpay_amt=totals.preselfpay_amt,
            inscp_scp_amt=totals.inscp_scp_amt,
            act_pay_dedc=benefit.act_pay_dedc,
            hifp_pay=benefit.hifp_pay,
            pool_prop_selfpay=benefit.pool_prop_selfpay,
            fund_pay_sumamt=benefit.fund_pay_sumamt,
            psn_part_amt=benefit.psn_part_amt,
            acct_pay=benefit.acct_pay,
            psn_cash_pay=benefit.psn_cash_pay,
            hosp_part_amt=benefit.hosp_part_amt,
            balc=benefit.balc,
            fund_pay_type=benefit.rules.fund_pay_type,
            fund_pay_type_name=benefit.rules.fund_pay_type_name,
            crt_payb_lmt_amt=benefit.crt_payb_lmt_amt,
            setl_proc_info=benefit.setl_proc_info,
        )

    def reversed(self, *, balc: Decimal, setl_proc_info: str) -> SettlementAmounts:
        negated: dict[str, Any] = {name: -getattr(self, name) for name in _SIGNED}
        return replace(self, **negated, balc=balc, setl_proc_info=setl_proc_info)

    def to_json(self) -> str:
        # vars(), not dataclasses.asdict: the fields are flat, and asdict deep-copies every value first.
        return json.dumps(vars(self), ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> SettlementAmounts:
        values = json.loads(text)
        for name, value in values.items():
            if name not in ("fund_pay_type", "fund_pay_type_name", "setl_proc_info") and value is not None:
                values[name] = Decimal(value)
        return cls(**values)
