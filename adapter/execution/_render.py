"""Settlement results as the cashier reads them: a receipt per batch, then what to collect."""

from __future__ import annotations

from decimal import Decimal

from .._display import cashier_text
from .._table import render_table
from ..transactions._settlement import FUND_FIELDS, FUND_LABELS
from ._records import OutboxEntry
from ._recover import RecoveryAction
from ._refund_plan import RefundPlan
from ._refund_result import RefundResult
from ._results import BatchResult, Prediction, Receipt, VisitResult

__all__ = ["render_outbox", "render_recovery", "render_refund", "render_refund_plan", "render_result"]

_STATUS = {
    "settled": "结算成功",
    "predicted": "预结算（未结算）",
    "unsettled": "未结算",
    "self_pay": "按自费收取",
    "flagged": "需人工核对",
    "in_flight": "处理中（请运行 opsp recover）",
}
_LEVELS = {"01": "甲", "02": "乙", "03": "丙"}
_STATES = {
    "new": "新建",
    "registered": "已挂号",
    "visit_uploaded": "就诊信息已上传",
    "details_uploaded": "明细已上传",
    "presettled": "已预结算",
    "settling": "结算中",
    "settled": "已结算",
    "unwinding": "撤销中",
    "unsettled": "未结算（已撤销）",
    "self_pay": "按自费",
    "refunding": "退费中",
    "refunded": "已退费",
    "flagged": "需人工核对",
}


def render_result(result: VisitResult) -> str:
    title = "预结算（试算，平台状态已恢复）" if result.dry_run else "结算结果"
    sections = [f"{title}  门诊号 {result.ipt_otp_no}"]
    sections.extend(_batch(batch) for batch in result.batches)
    if result.self_pay_total:
        sections.append(f"自费部分（按自费收取，不经医保结算）：{_money(result.self_pay_total)}")
    if result.outbox_id is not None:
        sections.append(f"未直接结算的费用明细已记入待上传队列（outbox #{result.outbox_id}）")
    label = "预计应收现金合计" if result.dry_run else "应收现金合计"
    total = f"{label}：{_money(result.cash_to_collect)}"
    if result.settled_earlier:
        total += f"（整张账单；其中此前已结算批次 {_money(result.settled_earlier)}）"
    sections.append(total)
    if result.dry_run and len(result.batches) > 1:
        sections.append(
            # What is true (issue #14): a deductible (or 大病 threshold) used by an earlier batch can only
            # raise a later batch's fund payment; a cap or a balance used by it can only lower what the fund
            # or the account pays later. Either may change nothing (a batch all within the deductible).
            "说明：各批次的预结算互相独立，都以当前的年度累计和账户余额计算。实际结算按批次顺序进行，"
            "同类批次共用的额度由先结算的批次先用：起付线（及大病保险起付线）先被用掉，后面批次的基金支付"
            "可能增加；支付限额和个人账户余额先被用掉，后面批次的基金或个人账户支付可能减少、现金相应增加。"
            "所以实际合计可能与预计合计不同，以结算结果为准。"
        )
    return "\n\n".join(sections)


def _batch(batch: BatchResult) -> str:
    disease = f"  {batch.dise_codg}" if batch.dise_codg else ""
    head = f"批次 {batch.batch_number} 【{batch.receipt_category}】{disease}  收费批次号 {batch.chrg_bchno}"
    parts = [head, f"  状态：{_status_line(batch)}"]
    if batch.receipt is not None:
        parts.append(_receipt(batch.receipt))
    elif batch.prediction is not None:
        parts.append(_amounts(batch.prediction, predicted=True))
    parts.extend(f"  目录差异：{item}" for item in batch.drift)
    if batch.outbox_id is not None:
        parts.append(f"  费用明细待上传（outbox #{batch.outbox_id}）")
    return "\n".join(parts)


def _status_line(batch: BatchResult) -> str:
    """One status per line: the status word, and the message only when it says more."""
    status = _STATUS[batch.status]
    if batch.status == "predicted":
        return "已预结算，随即撤销（未结算）"
    message = cashier_text(batch.message)
    if not message or message == status or message.startswith(status):
        return message or status
    return f"{status}（{message}）"


def _receipt(receipt: Receipt) -> str:
    rows = [
        [
            line.feedetl_sn,
            line.name,
            _LEVELS.get(line.chrgitm_lv, line.chrgitm_lv),
            _money(line.det_item_fee_sumamt),
            _money(line.fulamt_ownpay_amt),
            _money(line.overlmt_amt),
            _money(line.preselfpay_amt),
            _money(line.inscp_scp_amt),
        ]
        for line in receipt.lines
    ]
    table = render_table(
        ["序号", "项目", "等级", "金额", "自费", "超限价", "先行自付", "政策范围内"],
        rows,
        right=(3, 4, 5, 6, 7),
    )
    ids = f"  结算ID {receipt.setl_id}  就诊ID {receipt.mdtrt_id}  结算时间 {receipt.setl_time or ''}"
    return "\n".join([ids, table, _amounts(receipt.amounts, predicted=False)])


def _amounts(amounts: Prediction, *, predicted: bool) -> str:
    prefix = "  预计：" if predicted else "  "
    balance = f"  账户余额 {_money(amounts.balc)}" if amounts.balc is not None else ""
    mulaid = f"  门诊共济 {_money(amounts.acct_mulaid_pay)}" if amounts.acct_mulaid_pay else ""
    hospital = f"  医院负担 {_money(amounts.hosp_part_amt)}" if amounts.hosp_part_amt else ""
    return (
        f"{prefix}医疗费总额 {_money(amounts.medfee_sumamt)}  本次计入起付线 {_money(amounts.act_pay_dedc)}  "
        f"基金支付 {_money(amounts.fund_pay_sumamt)}（{_funds(amounts)}）  "
        f"个人账户 {_money(amounts.acct_pay)}"
        f"{mulaid}  现金 {_money(amounts.psn_cash_pay)}{hospital}{balance}"
    )


def _funds(amounts: Prediction) -> str:
    """Each fund that paid, by its label, the basic fund always.

    E.g. 基本医疗保险统筹基金 5,810.00；居民大病保险 324.00.
    """
    paid = [
        f"{FUND_LABELS[name]} {_money(getattr(amounts, name))}"
        for name in FUND_FIELDS
        if name == "hifp_pay" or getattr(amounts, name)
    ]
    return "；".join(paid)


def render_recovery(actions: list[RecoveryAction]) -> str:
    if not actions:
        return "没有处理中的批次。"
    rows = [
        [
            a.visit_key,
            a.chrg_bchno,
            _STATES.get(a.before.value, a.before.value),
            _STATES.get(a.after.value, a.after.value),
            cashier_text(a.message),
        ]
        for a in actions
    ]
    return render_table(["就诊", "收费批次号", "原状态", "现状态", "说明"], rows)


def render_outbox(entries: list[OutboxEntry]) -> str:
    if not entries:
        return "待上传队列为空。"
    rows = [
        [
            str(e.id),
            e.visit_key,
            str(e.batch_number),
            e.due.isoformat(),
            str(len(e.payload.feedetail)),
            cashier_text(e.reason),
        ]
        for e in entries
    ]
    return render_table(["#", "就诊", "批次", "上传期限", "明细条数", "原因"], rows)


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def render_refund_plan(plan: RefundPlan, *, explain: bool = False) -> str:
    kind = "部分退费" if plan.partial else "全额退费"
    head = f"{kind}：结算 {plan.target_setl_id}（{plan.year} 年，险种 {plan.insutype}）" + (
        f"，退费明细 {', '.join(plan.refunded_lines)}" if plan.partial else ""
    )
    if plan.chain_length:
        head += f"\n按时间倒序须先撤销其后的 {plan.chain_length} 笔结算，退费后按原顺序重新结算" + (
            "（seed 002 三(二)：应按时间倒序依次退费）" if explain else ""
        )
    rows = [
        [
            str(step.number),
            {"refund": "撤销结算 2208", "resettle": "重新结算 2204→2207"}[step.action],
            step.setl_id,
            step.ipt_otp_no,
            step.dise_codg or "普通门诊",
            step.setl_time.strftime("%Y-%m-%d %H:%M"),
            _money(step.fund_pay_sumamt),
            _money(step.acct_pay),
            _money(step.psn_cash_pay),
            ("释放就诊（2205、2202）" if step.release else "")
            if step.action == "refund"
            else f"明细 {', '.join(step.lines)}",
        ]
        for step in plan.steps
    ]
    table = render_table(
        ["步骤", "操作", "结算ID", "门诊号", "病种", "结算时间", "原统筹", "原个账", "原现金", "说明"],
        rows,
        right=(6, 7, 8),
    )
    return head + "\n" + table


def render_refund(result: RefundResult, *, with_plan: bool = True) -> str:
    rows = [
        [
            change.setl_id,
            change.new_setl_id or "—",
            f"{_money(change.old_fund)} → {_money(change.new_fund)}",
            f"{_money(change.old_acct)} → {_money(change.new_acct)}",
            f"{_money(change.old_cash)} → {_money(change.new_cash)}",
            _money(change.collect) if change.collect else "",
            _money(change.pay_back) if change.pay_back else "",
        ]
        for change in result.changes
    ]
    table = render_table(["原结算", "新结算", "统筹", "个人账户", "现金", "补收", "补退"], rows, right=(5, 6))
    sections = [render_refund_plan(result.plan)] if with_plan else []
    sections += [
        f"结果：{cashier_text(result.message)}（完成 {result.steps_done}/{len(result.plan.steps)} 步）",
        table,
        f"合计补收 {_money(result.total_collect)}，合计补退 {_money(result.total_pay_back)}",
    ]
    return "\n\n".join(sections)
