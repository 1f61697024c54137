"""A vendor's receipt, uploaded to be compared with the platform's 2207 answer (issue #17).

`POST /_mock/receipts` takes the totals the HIS printed on one settlement's receipt (`ReceiptUpload`, fields
spelled as 2207's `setlinfo`, PROTOCOL.md §3.12a) and keeps it in the traffic journal (path
`/_mock/receipts`), so a scenario run and `since` cover it like any call. The rule `receipt-matches-2207`
compares it, amount by amount, with the 2207 answer that returned its `setl_id`: the seed's rule is that the
insured place computes every fund's share and the person's part and sends them back (seed 002 三(二)), so a
receipt that prints other figures tells the patient something the platform did not settle.

Amounts are JSON numbers or strings with at most two decimals (to the fen). A fund the receipt leaves out
counts as 0.00; `balc` (the account balance after) is compared only when given.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mock_platform.wire import Amount, Req

RECEIPTS_PATH = "/_mock/receipts"

FundField = Literal[
    "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "hifdm_pay"
]
# Every fund field of 2207's setlinfo (PROTOCOL.md §3.12a), in the answer's order, with the receipt's label.
FUND_LABELS: Mapping[str, str] = {
    "hifp_pay": "统筹基金支出",
    "cvlserv_pay": "公务员医疗补助资金支出",
    "hifes_pay": "企业补充医疗保险基金支出",
    "hifmi_pay": "居民大病保险资金支出",
    "hifob_pay": "职工大额医疗费用补助基金支出",
    "maf_pay": "医疗救助基金支出",
    "oth_pay": "其他支出",
    "hifdm_pay": "伤残人员医疗保障基金支出",
}
# The totals compared besides the funds, with their labels.
TOTAL_LABELS: Mapping[str, str] = {
    "medfee_sumamt": "医疗费总额",
    "fund_pay_sumamt": "基金支付总额",
    "acct_pay": "个人账户支出",
    "acct_mulaid_pay": "个人账户共济支付金额",
    "psn_cash_pay": "个人现金支出",
    "balc": "余额",
}
_ZERO = Decimal("0.00")


class ReceiptUpload(BaseModel):
    """The totals printed on one settlement's receipt (a field the model does not know is refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    setl_id: Req = Field(description="The setl_id 2207 answered for this settlement.")
    medfee_sumamt: Amount = Field(description="医疗费总额")
    funds: dict[FundField, Amount] = Field(
        description="Every fund printed on the receipt, by its setlinfo field (a fund left out is 0.00)."
    )
    fund_pay_sumamt: Amount = Field(description="基金支付总额")
    acct_pay: Amount = Field(description="个人账户支出")
    acct_mulaid_pay: Amount = Field(default=_ZERO, description="个人账户共济支付金额 (0.00 when left out)")
    psn_cash_pay: Amount = Field(
        description="个人现金支出 (2208 spells it pdn_cash_pay; a receipt is of 2207)"
    )
    balc: Amount | None = Field(default=None, description="余额 after the settlement; compared when given.")

    def differences(self, setlinfo: Mapping[str, Any]) -> list[str]:
        """Each amount of the receipt that differs from 2207's `setlinfo`, label and field named."""
        printed: dict[str, Decimal | None] = {
            "medfee_sumamt": self.medfee_sumamt,
            **{name: self.funds.get(name, _ZERO) for name in FUND_LABELS},  # type: ignore[call-overload]
            "fund_pay_sumamt": self.fund_pay_sumamt,
            "acct_pay": self.acct_pay,
            "acct_mulaid_pay": self.acct_mulaid_pay,
            "psn_cash_pay": self.psn_cash_pay,
            "balc": self.balc,
        }
        found = []
        for name, amount in printed.items():
            if amount is None:
                continue
            answered = _amount(setlinfo.get(name))
            if answered != amount:
                label = FUND_LABELS.get(name) or TOTAL_LABELS[name]
                shown = "absent" if answered is None else f"{answered:.2f}"
                found.append(f"{label} {name}: receipt {amount:.2f} ≠ 2207 answered {shown}")
        return found


def receipt_problem(error: ValidationError) -> str:
    """The first problem of a refused upload, naming the field and what to send instead."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])[:80]
    kind = first["type"]
    if kind == "extra_forbidden":
        known = ", ".join(ReceiptUpload.model_fields)
        return f"receipt field {where!r} is not known; the fields are: {known}"
    if kind in ("missing", "string_too_short", "too_short", "opsp_blank"):
        return f"receipt field {where!r} is required"
    if first["loc"][0] == "funds" and len(first["loc"]) == 3:  # ("funds", key, "[key]"): not a fund
        key = str(first["loc"][1])[:40]
        return f"receipt funds key {key!r} is not a fund; the funds are: {', '.join(FUND_LABELS)}"
    if first["loc"] == ("funds",):
        return 'receipt field \'funds\' must be an object: fund field -> amount, e.g. {"hifp_pay": "12.50"}'
    if kind.startswith("opsp_") or kind.startswith("decimal"):
        return f'receipt field {where!r} must be an amount to the fen, ≥ 0 (a number or a string: "12.50")'
    return f"receipt field {where!r} is not valid: {first['msg']}"


def _amount(value: Any) -> Decimal | None:
    """An amount of the answer (a JSON number, decoded as Decimal or int); None when absent."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        return None
