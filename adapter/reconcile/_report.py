"""Rendering reconciliation and the day's ledger: terminal text, CSV and HTML (Jinja2) for the 医保办.

The models carry codes (DifferenceKind, RepairAction, reason codes); the wording a clerk reads is here.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from .._table import render_table
from ..transactions._settlement import FUND_LABELS
from ._day import DayLedger
from ._model import Difference, ReconcileReport

__all__ = [
    "ACTION_LABELS",
    "KIND_LABELS",
    "describe_reason",
    "render_day_csv",
    "render_day_text",
    "render_html",
    "render_reconcile_csv",
    "render_reconcile_text",
]

KIND_LABELS = {
    "platform_only": "单边账（仅医保中心有）",
    "journal_only": "仅医院账有",
    "amount_mismatch": "金额不一致",
    "refund_one_side": "退费仅一方有",
    "different_day": "结算日期不一致",
}
ACTION_LABELS = {
    "2601": "冲正（2601，原报文ID）",
    "2208": "结算撤销（2208，按时间倒序）",
    "import": "以医保中心记录补入医院账（留存证据）",
    "void": "作废医院账记录（留存证据）",
    "manual": "人工处理",
}
STATUS_LABELS = {"proposed": "建议", "done": "已执行", "failed": "执行失败"}
COLUMN_LABELS = {
    "medfee_sumamt": "医疗费总额",
    "fund_pay_sumamt": "基金支付",
    **FUND_LABELS,
    "act_pay_dedc": "起付线",
}
"""Column headings: the ledger's totals, then every fund and share as the receipts name them (FUND_LABELS)."""
_REASONS = {
    "settled_outside_his": (
        "医保中心有此结算而HIS无记录，且报文ID非本院HIS发出：系在医保客户端直接结算，按中心记录补入医院账"
    ),
    "answer_lost_same_day": "本院结算请求已在中心成功但应答丢失、未冲正；当日以原报文ID冲正",
    "answer_lost_earlier_day": (
        "本院结算请求已在中心成功但应答丢失、未冲正；已过结算当日，以2208撤销（为该参保人最新一笔）"
    ),
    "refunded_outside_his": "医保中心已退费（医保客户端操作）而HIS仍为有效结算：按中心记录补记退费",
    "refund_of_unknown_settlement": "中心退费所对应的原结算不在医院账中：请人工核实",
    "platform_amounts_clear": (
        "双方金额不一致：清算按中心金额进行，医院账改为中心金额；与患者的现金差额请人工处理"
    ),
    "refund_amounts_differ": "退费金额双方不一致：请人工核实",
    "platform_day": "双方结算日期不一致：医院账改为中心结算时间",
    "platform_has_no_record": "医保中心无此结算：基金不会支付，请联系经办机构核实或重新结算",
    "platform_reversed": "医保中心已冲正此结算：基金不会支付，请人工核实",
    "platform_lacks_refund": "医院账有退费而中心无：请核实后重新撤销（2208，按时间倒序）",
    "refund_not_applied": (
        "医院账已退费而中心无此退费、原结算在中心仍有效（退费应答成功但未生效或被回退）：以2208重新撤销原结算（按时间倒序）"
    ),
    "platform_lacks_settlement_and_refund": "医院账有结算及其退费，中心两者皆无：请人工核实",
    "platform_rolled_back": (
        "医保中心无此结算（应答后被回退），基金与个人账户均未支付，患者未付现金：医院账作废（留存证据），"
        "释放明细与挂号，账单待重新结算"
    ),
}


def describe_reason(reason: str) -> str:
    if reason.startswith("newest_first:"):
        later = reason.split(":", 1)[1].replace(",", "、")
        return (
            f"应答丢失的结算已过当日，但同一参保人其后仍有有效结算[{later}]："
            "须按时间倒序先退这些结算（opsp refund）"
        )
    if reason.startswith("refund_newest_first:"):
        later = reason.split(":", 1)[1].replace(",", "、")
        return (
            f"医院账已退费而中心无此退费，但同一参保人其后仍有有效结算[{later}]："
            "须按时间倒序先退这些结算，再重新撤销本笔（opsp refund）"
        )
    if reason.startswith("cash_collected:"):
        cash = reason.split(":", 1)[1]
        return (
            f"医保中心无此结算（基金不会支付），但已向患者收取现金{cash}元：请人工处理——退还现金，"
            "或与患者重新结算，或由患者持明细回参保地手工报销（seed 002 三(一)）"
        )
    return _REASONS.get(reason, reason)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _difference_row(d: Difference) -> dict[str, str]:
    return {
        "class": d.kind.value,
        "class_label": KIND_LABELS[d.kind.value],
        "setl_id": d.setl_id,
        "refd_setl_flag": d.refd_setl_flag,
        "psn_no": d.psn_no,
        "mdtrt_id": d.mdtrt_id,
        "msgid": d.msgid,
        "setl_optins": d.setl_optins,
        "clr_type": d.clr_type,
        "platform_medfee_sumamt": _money(d.platform.medfee_sumamt if d.platform else None),
        "journal_medfee_sumamt": _money(d.journal.medfee_sumamt if d.journal else None),
        "platform_acct_pay": _money(d.platform.acct_pay if d.platform else None),
        "journal_acct_pay": _money(d.journal.acct_pay if d.journal else None),
        "repair": d.repair.action.value,
        "repair_label": ACTION_LABELS[d.repair.action.value],
        "repair_status": d.repair.status.value,
        "reason": describe_reason(d.repair.reason),
        "detail": d.repair.detail,
    }


def render_reconcile_text(report: ReconcileReport) -> str:
    lines = [f"对账 {report.first} 至 {report.last}"]
    for g in report.groups:
        mark = "平" if g.balanced else "不平"
        lines.append(
            f"  险种{g.insutype} 清算类别{g.clr_type} 经办机构{g.setl_optins}: {g.totals.count}笔"
            f" 医疗费{g.totals.medfee_sumamt} 基金{g.totals.fund_pay_sumamt} 账户{g.totals.acct_pay}"
            f" — {mark}" + ("" if g.balanced else f"（{g.stmt_rslt_dscr}）")
        )
    if report.differences:
        lines.append(f"差异 {len(report.differences)} 笔:")
        for d in report.differences:
            row = _difference_row(d)
            lines.append(
                f"  [{row['class_label']}] {d.setl_id}{'（退费）' if d.refd_setl_flag == '1' else ''}"
                f" — {STATUS_LABELS[d.repair.status.value]}：{row['repair_label']}。{row['reason']}"
                + (f"（{d.repair.detail}）" if d.repair.detail else "")
            )
    verdict = "对账平" if report.balanced else "对账不平"
    lines.append(f"结果：{verdict}；{len(report.groups)} 组，差异 {len(report.differences)} 笔")
    return "\n".join(lines)


_CSV_COLUMNS = (
    "class",
    "class_label",
    "setl_id",
    "refd_setl_flag",
    "psn_no",
    "mdtrt_id",
    "msgid",
    "setl_optins",
    "clr_type",
    "platform_medfee_sumamt",
    "journal_medfee_sumamt",
    "platform_acct_pay",
    "journal_acct_pay",
    "repair",
    "repair_label",
    "repair_status",
    "reason",
    "detail",
)


def render_reconcile_csv(report: ReconcileReport) -> str:
    """Two sections: the totals per group, then each difference with its class and repair."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "section",
            "insutype",
            "clr_type",
            "setl_optins",
            "count",
            "medfee_sumamt",
            "fund_pay_sumamt",
            "acct_pay",
            "psn_cash_pay",
            "balanced",
            "stmt_rslt_dscr",
        ]
    )
    for g in report.groups:
        t = g.totals
        writer.writerow(
            [
                "total",
                g.insutype,
                g.clr_type,
                g.setl_optins,
                t.count,
                t.medfee_sumamt,
                t.fund_pay_sumamt,
                t.acct_pay,
                t.psn_cash_pay,
                "1" if g.balanced else "0",
                g.stmt_rslt_dscr,
            ]
        )
    writer.writerow([])
    writer.writerow(["section", *_CSV_COLUMNS])
    for d in report.differences:
        row = _difference_row(d)
        writer.writerow(["difference", *(row[c] for c in _CSV_COLUMNS)])
    return buffer.getvalue()


def render_html(
    report: ReconcileReport | None, ledger: DayLedger | None = None, *, hospital: str = ""
) -> str:
    """The report a 医保办 clerk hands on: totals, each difference, its class and its repair."""
    try:
        import jinja2
    except ImportError as missing:  # an optional extra: the embedding HIS may not need reports
        raise ImportError("HTML reports need Jinja2: pip install 'opsp-adapter[report]'") from missing
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("adapter.reconcile", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    context: dict[str, Any] = {
        "hospital": hospital,
        "report": report,
        "groups": report.groups if report else (),
        "differences": [_difference_row(d) for d in report.differences] if report else [],
        "status_labels": STATUS_LABELS,
        "ledger": ledger,
        "day_columns": shown_columns(ledger) if ledger else (),
        "column_labels": COLUMN_LABELS,
    }
    return environment.get_template("report.html.j2").render(**context)


_ALWAYS_SHOWN = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")


def shown_columns(ledger: DayLedger) -> tuple[str, ...]:
    """The columns a reader sees: the totals, account and cash always, a fund only when some entry of the day
    has it (a county hospital's 日结 is not twelve columns of 0.00); JSON and CSV keep every column."""
    entries = [e for g in ledger.groups for e in g.entries]
    return tuple(c for c in ledger.columns if c in _ALWAYS_SHOWN or any(e.amounts[c] for e in entries))


def render_day_text(ledger: DayLedger) -> str:
    columns = shown_columns(ledger)
    labels = [COLUMN_LABELS.get(c, c) for c in columns]
    rows = [
        [g.category, g.dise_codg or "-", g.insutype, str(g.settlements), str(g.refunds)]
        + [_money(g.totals[c]) for c in columns]
        for g in ledger.groups
    ]
    rows.append(["合计", "", "", "", ""] + [_money(ledger.totals[c]) for c in columns])
    money = range(5, 5 + len(labels))
    table = render_table(["收据类别", "病种", "险种", "结算", "退费", *labels], rows, right=[3, 4, *money])
    return f"{ledger.day} 日结（结算与退费，按收据类别、病种、险种）\n{table}"


def render_day_csv(ledger: DayLedger) -> str:
    """One line per settlement or refund, then a total line per group and the day's total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    head = ["line", "category", "dise_codg", "insutype", "kind", "setl_id", "original_setl_id", "time"]
    writer.writerow(head + list(ledger.columns))
    for g in ledger.groups:
        for e in g.entries:
            writer.writerow(
                [
                    "entry",
                    g.category,
                    g.dise_codg,
                    g.insutype,
                    e.kind,
                    e.setl_id,
                    e.original_setl_id,
                    e.time.isoformat(sep=" "),
                    *(_money(e.amounts[c]) for c in ledger.columns),
                ]
            )
        writer.writerow(
            ["group_total", g.category, g.dise_codg, g.insutype, "", "", "", ""]
            + [_money(g.totals[c]) for c in ledger.columns]
        )
    writer.writerow(
        ["day_total", "", "", "", "", "", "", ""] + [_money(ledger.totals[c]) for c in ledger.columns]
    )
    return buffer.getvalue()
