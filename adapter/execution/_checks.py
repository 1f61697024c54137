"""Checking what comes back: every money identity of 2204/2206/2207/2208, and drift from the plan.

PROTOCOL.md §3.10 (JX/HN 重点说明) states the identities; STYLE.md §5 says each is
checked where the numbers arrive and a mismatch is an error, not a log line:

* 2204 per line: the four parts add up to ``det_item_fee_sumamt``, which equals what
  we sent; every line we sent comes back once.
* setlinfo: ``medfee_sumamt`` = the batch total = fulamt + overlmt + preselfpay +
  inscp; ``medfee_sumamt`` = ``fund_pay_sumamt`` + ``psn_part_amt`` (+ ``hosp_part_amt``);
  ``fund_pay_sumamt`` = the sum of the fund fields (hifp + 大额 + 大病 + 公务员 + 救助 +
  企业补充 + 伤残 + 其他, ``FUND_FIELDS``) = Σ setldetail ``fund_payamt``;
  ``psn_part_amt`` = ``acct_pay`` + ``acct_mulaid_pay`` (门诊共济) + ``psn_cash_pay``.
  Some provinces count the personal account inside ``fund_pay_sumamt`` (DOMAIN.md §2.3:
  "湖南省的 fundPaySumamt 字段不包括个人账户支付部分，广东省…包括"); a setting says so.
* 2208: each amount is exactly the negative of the settlement it reverses.

*Drift* is the platform's 2204 split differing from the adapter's estimate (the two
catalogues disagree): reported per line and field; policy decides warn or stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ..planning import PlanLine, SplitTotals
from ..transactions import t2204
from ..transactions._settlement import FundPayment, SettlementInfo

__all__ = ["Drift", "fee_problems", "line_drift", "reversal_problems", "settlement_problems", "totals_of"]

ZERO = Decimal("0.00")
_DRIFT_FIELDS = ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


@dataclass(frozen=True)
class Drift:
    """One difference between the plan's split and the platform's."""

    feedetl_sn: str
    field: str
    planned: str
    platform: str

    def __str__(self) -> str:
        return f"feedetl_sn {self.feedetl_sn} {self.field}: planned {self.planned}, platform {self.platform}"


def fee_problems(results: Sequence[t2204.FeeResult], lines: Sequence[PlanLine]) -> list[str]:
    """Broken identities in a 2204 answer for the lines we sent."""
    problems = []
    sent = {line.feedetl_sn: line for line in lines}
    seen: set[str] = set()
    for result in results:
        sn = result.feedetl_sn
        if sn not in sent or sn in seen:
            problems.append(f"feedetl_sn {sn} was not sent, or came back twice")
            continue
        seen.add(sn)
        if result.det_item_fee_sumamt != sent[sn].det_item_fee_sumamt:
            sent_amount = sent[sn].det_item_fee_sumamt
            problems.append(
                f"feedetl_sn {sn} det_item_fee_sumamt {result.det_item_fee_sumamt} != sent {sent_amount}"
            )
        parts = sum((_amount(result, name) for name in _DRIFT_FIELDS), ZERO)
        if parts != result.det_item_fee_sumamt:
            problems.append(
                f"feedetl_sn {sn} parts {parts} != det_item_fee_sumamt {result.det_item_fee_sumamt}"
            )
    problems.extend(f"feedetl_sn {sn} has no result" for sn in sent if sn not in seen)
    return problems


def line_drift(results: Sequence[t2204.FeeResult], lines: Sequence[PlanLine]) -> list[Drift]:
    planned = {line.feedetl_sn: line for line in lines}
    drift = []
    for result in results:
        line = planned.get(result.feedetl_sn)
        if line is None:
            continue
        for name in _DRIFT_FIELDS:
            ours, theirs = getattr(line, name), _amount(result, name)
            if ours != theirs:
                drift.append(Drift(result.feedetl_sn, name, str(ours), str(theirs)))
        if line.chrgitm_lv and result.chrgitm_lv != line.chrgitm_lv:
            drift.append(Drift(result.feedetl_sn, "chrgitm_lv", line.chrgitm_lv, result.chrgitm_lv))
    return drift


def settlement_problems(
    info: SettlementInfo,
    details: Sequence[FundPayment],
    *,
    expected_total: Decimal,
    fund_includes_account: bool = False,
) -> list[str]:
    """Broken identities in a 2206/2207 (or, with a negative total, 2208) setlinfo."""
    problems = []
    if info.medfee_sumamt != expected_total:
        problems.append(f"medfee_sumamt {info.medfee_sumamt} != batch total {expected_total}")
    classes = (info.fulamt_ownpay_amt, info.overlmt_selfpay, info.preselfpay_amt, info.inscp_scp_amt)
    if all(value is not None for value in classes):
        parts = sum((value or ZERO for value in classes), ZERO)
        if parts != info.medfee_sumamt:
            problems.append(
                f"fulamt + overlmt + preselfpay + inscp = {parts} != medfee_sumamt {info.medfee_sumamt}"
            )
    hospital = info.hosp_part_amt or ZERO
    fund = info.fund_pay_sumamt - (info.acct_pay if fund_includes_account else ZERO)
    if fund + info.psn_part_amt + hospital != info.medfee_sumamt:
        problems.append(
            f"fund {fund} + psn_part_amt {info.psn_part_amt} + hosp_part_amt {hospital}"
            f" != medfee_sumamt {info.medfee_sumamt}"
        )
    mulaid = info.acct_mulaid_pay or ZERO
    if info.acct_pay + mulaid + info.psn_cash_pay != info.psn_part_amt:
        problems.append(
            f"acct_pay {info.acct_pay} + acct_mulaid_pay {mulaid} + psn_cash_pay {info.psn_cash_pay}"
            f" != psn_part_amt {info.psn_part_amt}"
        )
    problems.extend(_fund_problems(info, details, fund))
    return problems


def _fund_problems(info: SettlementInfo, details: Sequence[FundPayment], fund: Decimal) -> list[str]:
    """The fund fields add up to the fund total (without the account where it counts as a fund), and so do
    the setldetail rows (PROTOCOL.md §3.12a)."""
    problems = []
    if info.hifp_pay is not None:  # a platform that leaves the funds out has nothing to add up
        fields = info.fund_amounts()
        named = sum(fields.values(), ZERO)
        if named != fund:
            parts = " + ".join(f"{name} {value}" for name, value in fields.items() if value)
            problems.append(f"fund fields {parts or '0'} = {named} != fund_pay_sumamt {fund}")
    if details:  # where the account counts as a fund, setldetail carries its row too
        paid = sum((row.fund_payamt for row in details), ZERO)
        if paid != info.fund_pay_sumamt:
            problems.append(f"setldetail fund_payamt total {paid} != fund_pay_sumamt {info.fund_pay_sumamt}")
    return problems


class SettledAmounts(Protocol):
    """The amounts a refund must give back: a 2207 answer or the ledger's record of it."""

    @property
    def medfee_sumamt(self) -> Decimal: ...
    @property
    def fund_pay_sumamt(self) -> Decimal: ...
    @property
    def acct_pay(self) -> Decimal: ...
    @property
    def psn_cash_pay(self) -> Decimal: ...


def reversal_problems(reversal: SettlementInfo, original: SettledAmounts) -> list[str]:
    """A 2208 answer must negate the settlement exactly (PROTOCOL.md §3.12: negative amounts)."""
    problems = []
    for name in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"):
        theirs, ours = getattr(reversal, name), getattr(original, name)
        if theirs != -ours:
            problems.append(f"2208 {name} {theirs} != -{ours}")
    return problems


def totals_of(results: Sequence[t2204.FeeResult]) -> SplitTotals:
    """The batch's class totals as the platform split it (the amounts 2207 repeats)."""
    return SplitTotals(
        medfee_sumamt=sum((r.det_item_fee_sumamt for r in results), ZERO),
        fulamt_ownpay_amt=sum((_amount(r, "fulamt_ownpay_amt") for r in results), ZERO),
        overlmt_selfpay=sum((_amount(r, "overlmt_amt") for r in results), ZERO),
        preselfpay_amt=sum((_amount(r, "preselfpay_amt") for r in results), ZERO),
        inscp_scp_amt=sum((_amount(r, "inscp_scp_amt") for r in results), ZERO),
    )


def _amount(result: t2204.FeeResult, name: str) -> Decimal:
    value = getattr(result, name)
    return value if value is not None else ZERO
