"""The 就医地 fee split of one line: 甲/乙/丙, 超限价, 先行自付, 限制使用 (DOMAIN.md §2.2).

The place of care classes each line with its own catalogue (seed 002 三(二): "就医地按照本地
支付范围和规定对每条费用明细进行费用分割"); the platform does the same on 2204, and the
adapter's estimate lets the cashier see the split before anything is sent and lets
execution spot catalogue drift in the platform's answer.

Per line, in this order (the order reproduces the public worked examples)::

    amount = round2(pric × cnt)                                  det_item_fee_sumamt
    self-pay whole line if: not in the catalogue, 丙类, hosp_appr_flag 2,
                            or lmt_used_flag 1 with hosp_appr_flag 0 (限制使用未审批)
    otherwise: overlmt = round2(max(0, pric − cap) × cnt)          超限价, only with a cap
               base    = amount − overlmt
               presel  = round2(base × selfpay_prop)              先行自付 (0 for 甲类)
               inscp   = base − presel                            符合政策范围

and always ``amount == fulamt_ownpay + overlmt + preselfpay + inscp`` (checked).
Rounding is half-up to the fen (DEMO_DATA.md; DOMAIN.md §2.3 "Rounding").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .._money import round_amount

__all__ = ["CatalogueClass", "LineSplit", "split_line"]

ZERO = Decimal("0.00")
_LEVEL_NAMES = {"01": "甲类", "02": "乙类", "03": "丙类"}


@dataclass(frozen=True, slots=True)
class CatalogueClass:
    """How the province of care classes an item (1312/1319/1320 fields)."""

    chrgitm_lv: str
    """01 甲 / 02 乙 / 03 丙."""
    selfpay_prop: Decimal | None
    """先行自付比例 (0 for 甲, None for 丙)."""
    pric_uplmt_amt: Decimal | None
    """Price cap (None: no cap)."""
    lmt_used_flag: str
    """1: restricted use, reimbursable only when the hospital approved it."""


@dataclass(frozen=True, slots=True)
class LineSplit:
    """The four parts of one line, and the one-line basis of the decision."""

    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    chrgitm_lv: str
    """``""`` when the item is not in the catalogue."""
    selfpay_prop: Decimal | None
    pric_uplmt_amt: Decimal | None
    lmt_used_flag: str
    basis: str

    def __post_init__(self) -> None:
        parts = self.fulamt_ownpay_amt + self.overlmt_amt + self.preselfpay_amt + self.inscp_scp_amt
        if parts != self.det_item_fee_sumamt:
            raise ArithmeticError(f"split parts {parts} do not add up to the line {self.det_item_fee_sumamt}")
        if min(self.fulamt_ownpay_amt, self.overlmt_amt, self.preselfpay_amt, self.inscp_scp_amt) < 0:
            raise ArithmeticError("a split part is negative")


def line_amount(pric: Decimal, cnt: Decimal) -> Decimal:
    """det_item_fee_sumamt = round2(pric × cnt)."""
    return round_amount(pric * cnt)


def split_line(
    *, pric: Decimal, cnt: Decimal, hosp_appr_flag: str, catalogue: CatalogueClass | None
) -> LineSplit:
    """Split one fee line with the province of care's class for the item (None: not in catalogue)."""
    amount = line_amount(pric, cnt)
    if catalogue is None:
        return _self_pay(amount, None, "目录外项目：全额自费")
    refusal = _self_pay_reason(catalogue, hosp_appr_flag)
    if refusal:
        return _self_pay(amount, catalogue, refusal)
    cap = catalogue.pric_uplmt_amt
    overlmt = round_amount(max(Decimal(0), pric - cap) * cnt) if cap is not None else ZERO
    base = amount - overlmt
    proportion = catalogue.selfpay_prop or Decimal(0)
    preselfpay = round_amount(base * proportion)
    return LineSplit(
        det_item_fee_sumamt=amount,
        fulamt_ownpay_amt=ZERO,
        overlmt_amt=overlmt,
        preselfpay_amt=preselfpay,
        inscp_scp_amt=base - preselfpay,
        chrgitm_lv=catalogue.chrgitm_lv,
        selfpay_prop=catalogue.selfpay_prop,
        pric_uplmt_amt=cap,
        lmt_used_flag=catalogue.lmt_used_flag,
        basis=_basis(catalogue, overlmt, proportion),
    )


def _self_pay_reason(catalogue: CatalogueClass, hosp_appr_flag: str) -> str:
    # National rule on hosp_appr_flag × lmt_used_flag (PROTOCOL.md §3.8, DOMAIN.md §2.2).
    if catalogue.chrgitm_lv == "03":
        return "丙类：全额自费"
    if hosp_appr_flag == "2":
        return "医院审批不通过：全额自费"
    if catalogue.lmt_used_flag == "1" and hosp_appr_flag != "1":
        return "限制使用项目未经审批：全额自费"
    return ""


def _self_pay(amount: Decimal, catalogue: CatalogueClass | None, basis: str) -> LineSplit:
    return LineSplit(
        det_item_fee_sumamt=amount,
        fulamt_ownpay_amt=amount,
        overlmt_amt=ZERO,
        preselfpay_amt=ZERO,
        inscp_scp_amt=ZERO,
        chrgitm_lv=catalogue.chrgitm_lv if catalogue else "",
        selfpay_prop=catalogue.selfpay_prop if catalogue else None,
        pric_uplmt_amt=catalogue.pric_uplmt_amt if catalogue else None,
        lmt_used_flag=catalogue.lmt_used_flag if catalogue else "",
        basis=basis,
    )


def _basis(catalogue: CatalogueClass, overlmt: Decimal, proportion: Decimal) -> str:
    words = [_LEVEL_NAMES.get(catalogue.chrgitm_lv, catalogue.chrgitm_lv)]
    if proportion:
        words.append(f"先行自付{(proportion * 100).normalize():f}%")
    if overlmt:
        words.append(f"超限价（限价{catalogue.pric_uplmt_amt}）")
    if catalogue.lmt_used_flag == "1":
        words.append("限制使用已审批")
    return "，".join(words)
