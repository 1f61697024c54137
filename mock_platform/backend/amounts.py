"""What a settlement or refund shows about money: the `setlinfo`/`setldetail` amounts, stored as JSON.

`SettlementAmounts.of(benefit)` records a settlement; `reversed()` gives its refund — every amount negated
(never a negative zero), the ratio and the cap remaining kept, the account balance after the refund given.
Each setldetail row (one per fund that paid: the basic fund, then 大病/大额/公务员/救助/企业补充/其他) is kept
with its base, the limit left before it (`crt_payb_lmt_amt`) and its 结算过程信息.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from mock_platform._money import ZERO
from mock_platform.backend.benefits import Benefit
from mock_platform.config.policies import FUND_FIELDS

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
    "acct_mulaid_pay",
)


@dataclass(frozen=True)
class FundRow:
    """One setldetail row."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt: Decimal
    crt_payb_lmt_amt: Decimal | None
    fund_payamt: Decimal
    setl_proc_info: str

    def negated(self, setl_proc_info: str) -> FundRow:
        return replace(
            self,
            inscp_scp_amt=-self.inscp_scp_amt + ZERO,
            fund_payamt=-self.fund_payamt + ZERO,
            setl_proc_info=setl_proc_info,
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
    acct_mulaid_pay: Decimal = ZERO
    funds: dict[str, Decimal] = field(default_factory=dict)
    """The supplementary fund fields (hifmi_pay, hifob_pay, cvlserv_pay, maf_pay, hifes_pay, oth_pay)."""
    rows: tuple[FundRow, ...] = ()

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
            acct_mulaid_pay=benefit.acct_mulaid_pay,
            funds={name: benefit.fund(name) for name in FUND_FIELDS},
            rows=tuple(
                FundRow(
                    share.fund_pay_type,
                    share.name,
                    share.inscp_scp_amt,
                    share.crt_payb_lmt_amt,
                    share.fund_payamt,
                    share.setl_proc_info,
                )
                for share in benefit.shares
            ),
        )

    def fund(self, name: str) -> Decimal:
        return self.funds.get(name, ZERO)

    def reversed(self, *, balc: Decimal, setl_proc_info: str) -> SettlementAmounts:
        negated: dict[str, Any] = {name: -getattr(self, name) + ZERO for name in _SIGNED}
        return replace(
            self,
            **negated,
            balc=balc,
            setl_proc_info=setl_proc_info,
            funds={name: -value + ZERO for name, value in self.funds.items()},
            rows=tuple(row.negated(setl_proc_info) for row in self.rows),
        )

    def to_json(self) -> str:
        values: dict[str, Any] = dict(vars(self))
        values["rows"] = [vars(row) for row in self.rows]
        return json.dumps(values, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> SettlementAmounts:
        values = json.loads(text)
        values["funds"] = {name: Decimal(value) for name, value in values.get("funds", {}).items()}
        values["rows"] = tuple(_row(row) for row in values.get("rows", ()))
        for name, value in values.items():
            if name in _TEXT or value is None or name in ("funds", "rows"):
                continue
            values[name] = Decimal(value)
        return cls(**values)


_TEXT = ("fund_pay_type", "fund_pay_type_name", "setl_proc_info")


def _row(row: dict[str, Any]) -> FundRow:
    limit = row["crt_payb_lmt_amt"]
    return FundRow(
        fund_pay_type=row["fund_pay_type"],
        fund_pay_type_name=row["fund_pay_type_name"],
        inscp_scp_amt=Decimal(row["inscp_scp_amt"]),
        crt_payb_lmt_amt=None if limit is None else Decimal(limit),
        fund_payamt=Decimal(row["fund_payamt"]),
        setl_proc_info=row["setl_proc_info"],
    )
