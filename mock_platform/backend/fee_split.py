"""The place of care's per-line fee split (就医地 分割, DOMAIN.md §2.2), exactly its pseudo-code; pure.

::

    amt = round2(pric × cnt)                                   # det_item_fee_sumamt
    if chrgitm_lv == '03' or not in the catalogue
       or (lmt_used_flag == '1' and hosp_appr_flag in ('0', '2'))
       or hosp_appr_flag == '2':
          fulamt_ownpay_amt = amt; overlmt_amt = preselfpay_amt = inscp_scp_amt = 0
    else:
          overlmt_amt    = round2(max(0, pric − pric_uplmt_amt) × cnt)   if a cap exists else 0
          base           = amt − overlmt_amt
          preselfpay_amt = round2(base × selfpay_prop)                    # 0 for 甲类
          inscp_scp_amt  = base − preselfpay_amt
    invariant: amt == fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt

The hosp_appr_flag rule is the national text (PROTOCOL.md §3.8, TZ T2204.cs): with a restricted item
(目录限制使用标志 "是") flags 0 and 2 mean self-pay and 1 reimbursable; with an unrestricted item 0 and 1
follow the actual rules and 2 means self-pay. Every self-pay decision carries a `memo` saying why
(明细分割信息).

Decisions where the spec is silent: a self-paid line reports the catalogue's `selfpay_prop`/`pric_uplmt_amt`
when the item is in the catalogue (so the cashier sees the item's attributes) and 0 otherwise; an item outside
the catalogue is reported as chrgitm_lv 03 and lmt_used_flag 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_platform._money import ZERO, plain, ratio4, round2
from mock_platform.config.tables import ScopeEntry

NOT_IN_CATALOGUE = "目录外项目，按自费处理"
CLASS_C = "丙类项目，按自费处理"
RESTRICTED_NOT_APPROVED = "限制使用未审批，按自费处理"
RESTRICTED_REFUSED = "限制使用审批不通过，按自费处理"
APPROVAL_REFUSED = "医院审批不通过，按自费处理"


@dataclass(frozen=True)
class LineSplit:
    """One line's 2204 `result` amounts and catalogue attributes."""

    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str
    selfpay_prop: Decimal
    pric_uplmt_amt: Decimal | None
    lmt_used_flag: str
    memo: str

    def parts_sum(self) -> Decimal:
        return self.fulamt_ownpay_amt + self.overlmt_amt + self.preselfpay_amt + self.inscp_scp_amt


class SplitInvariantError(AssertionError):
    """A line's four parts do not add up to the line: a bug, never a client error."""


def split_line(*, pric: Decimal, cnt: Decimal, hosp_appr_flag: str, item: ScopeEntry | None) -> LineSplit:
    """Split one fee line with its catalogue row valid on the fee date (`item` None: not in the catalogue)."""
    amount = round2(pric * cnt)
    reason = self_pay_reason(item, hosp_appr_flag)
    if reason is not None:
        split = _self_paid(amount, item, reason)
    else:
        assert item is not None  # self_pay_reason returns a reason for an item outside the catalogue
        split = _reimbursable(amount, pric, cnt, item)
    if split.parts_sum() != split.det_item_fee_sumamt:
        raise SplitInvariantError(f"line parts {split.parts_sum()} != line {split.det_item_fee_sumamt}")
    return split


def self_pay_reason(item: ScopeEntry | None, hosp_appr_flag: str) -> str | None:
    """Why the whole line is self-paid, or None when it follows the catalogue's rules."""
    if item is None:
        return NOT_IN_CATALOGUE
    if item.chrgitm_lv == "03":
        return CLASS_C
    if item.lmt_used_flag == "1" and hosp_appr_flag == "0":
        return RESTRICTED_NOT_APPROVED
    if item.lmt_used_flag == "1" and hosp_appr_flag == "2":
        return RESTRICTED_REFUSED
    if hosp_appr_flag == "2":
        return APPROVAL_REFUSED
    return None


def _self_paid(amount: Decimal, item: ScopeEntry | None, reason: str) -> LineSplit:
    return LineSplit(
        det_item_fee_sumamt=amount,
        fulamt_ownpay_amt=amount,
        overlmt_amt=ZERO,
        preselfpay_amt=ZERO,
        inscp_scp_amt=ZERO,
        chrgitm_lv="03" if item is None else item.chrgitm_lv,
        selfpay_prop=ratio4((item.selfpay_prop if item else None) or Decimal(0)),
        pric_uplmt_amt=None if item is None else item.pric_uplmt_amt,
        lmt_used_flag="0" if item is None else item.lmt_used_flag,
        memo=reason,
    )


def _reimbursable(amount: Decimal, pric: Decimal, cnt: Decimal, item: ScopeEntry) -> LineSplit:
    cap = item.pric_uplmt_amt
    over_limit = round2(max(Decimal(0), pric - cap) * cnt) if cap is not None else ZERO
    base = amount - over_limit
    proportion = item.selfpay_prop or Decimal(0)
    pre_self_pay = round2(base * proportion)
    notes = []
    if over_limit and cap is not None:
        notes.append(f"单价超过限价{plain(cap)}，超限价金额{over_limit}元由个人负担")
    if pre_self_pay:
        notes.append(f"乙类先行自付比例{ratio4(proportion)}，先行自付{pre_self_pay}元")
    return LineSplit(
        det_item_fee_sumamt=amount,
        fulamt_ownpay_amt=ZERO,
        overlmt_amt=over_limit,
        preselfpay_amt=pre_self_pay,
        inscp_scp_amt=base - pre_self_pay,
        chrgitm_lv=item.chrgitm_lv,
        selfpay_prop=ratio4(proportion),
        pric_uplmt_amt=cap,
        lmt_used_flag=item.lmt_used_flag,
        memo="；".join(notes),
    )
