"""The plan as the cashier reads it: who, what may be settled, then one table per batch."""

from __future__ import annotations

from decimal import Decimal

from mappings import Relation

from .._display import INSUTYPE_LABELS, cashier_text, label
from .._table import render_table
from ..eligibility import RELATION_LABELS
from ._model import PlanBatch, PlanLine, SelfPayBucket, VisitPlan

__all__ = ["render_plan"]

_LEVELS = {"01": "甲", "02": "乙", "03": "丙", "": "—"}
_HEADERS = [
    "序号",
    "项目",
    "等级",
    "数量",
    "单价",
    "金额",
    "全自费",
    "超限价",
    "先行自付",
    "政策范围内",
    "归属说明",
]
_AMOUNT_COLUMNS = (3, 4, 5, 6, 7, 8, 9)


def render_plan(plan: VisitPlan, *, explain: bool = False) -> str:
    """The plan for the cashier; ``explain`` keeps the regulation citations in the reasons."""
    sections = [_header(plan, explain), _filings(plan, explain)]
    sections.extend(_batch(batch) for batch in plan.batches)
    if plan.self_pay.lines:
        sections.append(_self_pay(plan.self_pay))
    sections.append(_summary(plan, explain))
    return "\n\n".join(section for section in sections if section)


def _header(plan: VisitPlan, explain: bool) -> str:
    e, visit = plan.eligibility, plan.visit
    relation = RELATION_LABELS[Relation(e.relation)]
    status = cashier_text(e.insurance_reason, explain=explain)
    status = status if status.startswith("参保状态") else f"参保状态 {status}"
    return "\n".join(
        [
            f"结算计划  {plan.fixmedins_name} ({plan.fixmedins_code})  "
            f"门诊号 {visit.ipt_otp_no}  {visit.begntime}",
            f"患者 {e.psn_name_masked}  参保地 {e.insured_place}（{relation}）  "
            f"险种 {label(e.insutype, INSUTYPE_LABELS)}  {status}",
        ]
    )


def _filings(plan: VisitPlan, explain: bool) -> str:
    filings = plan.eligibility.filings
    if not filings:
        return "门诊慢特病备案：无"
    rows = [
        [
            f.opsp_dise_code,
            f.opsp_dise_name,
            f"{f.begndate}→{f.enddate or ''}",
            "是" if f.settleable else "否",
            cashier_text(f.reason, explain=explain),
        ]
        for f in filings
    ]
    return "门诊慢特病备案（5301）\n" + render_table(["病种", "名称", "有效期", "可直接结算", "说明"], rows)


def _batch(batch: PlanBatch) -> str:
    disease = f"  {batch.dise_codg} {batch.dise_name}" if batch.dise_codg else ""
    title = (
        f"批次 {batch.number}  【{batch.receipt_category}】{disease}  "
        f"med_type {batch.med_type}  收费批次号 {batch.chrg_bchno}"
    )
    totals = batch.totals
    total_row = [
        "",
        "合计",
        "",
        "",
        "",
        _money(totals.medfee_sumamt),
        _money(totals.fulamt_ownpay_amt),
        _money(totals.overlmt_selfpay),
        _money(totals.preselfpay_amt),
        _money(totals.inscp_scp_amt),
        "",
    ]
    rows = [_row(line) for line in batch.lines] + [total_row]
    return title + "\n" + render_table(_HEADERS, rows, right=_AMOUNT_COLUMNS)


def _self_pay(bucket: SelfPayBucket) -> str:
    """Lines the patient pays in full: each line's 自费 is its whole amount, so the column adds up."""
    rows = [
        [
            line.feedetl_sn,
            line.medins_list_name,
            _LEVELS.get(line.chrgitm_lv, line.chrgitm_lv),
            _plain(line.cnt),
            _price(line.pric),
            _money(line.det_item_fee_sumamt),
            _money(line.det_item_fee_sumamt),
            cashier_text(line.placement),
        ]
        for line in bucket.lines
    ]
    rows.append(["", "合计", "", "", "", _money(bucket.total), _money(bucket.total), ""])
    headers = ["序号", "项目", "等级", "数量", "单价", "金额", "自费", "说明"]
    return "自费（不上传医保）\n" + render_table(headers, rows, right=(3, 4, 5, 6))


def _row(line: PlanLine) -> list[str]:
    return [
        line.feedetl_sn,
        line.medins_list_name,
        _LEVELS.get(line.chrgitm_lv, line.chrgitm_lv),
        _plain(line.cnt),
        _price(line.pric),
        _money(line.det_item_fee_sumamt),
        _money(line.fulamt_ownpay_amt),
        _money(line.overlmt_amt),
        _money(line.preselfpay_amt),
        _money(line.inscp_scp_amt),
        cashier_text(line.placement),
    ]


def _summary(plan: VisitPlan, explain: bool) -> str:
    parts = " + ".join(f"批次{b.number} {_money(b.totals.medfee_sumamt)}" for b in plan.batches)
    if plan.self_pay.lines:
        parts = (parts + " + " if parts else "") + f"自费 {_money(plan.self_pay.total)}"
    lines = [f"账单合计 {_money(plan.bill_total)} = {parts}"]
    lines.extend(f"提示：{cashier_text(text, explain=explain)}" for text in plan.eligibility.guidance)
    lines.extend(f"注意：{cashier_text(text, explain=explain)}" for text in plan.warnings)
    return "\n".join(lines)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _price(price: Decimal) -> str:
    """At least two decimals (0.40), more only when the price has them (3.333333)."""
    cents = price.quantize(Decimal("0.01"))
    return f"{cents:.2f}" if cents == price else _plain(price)
