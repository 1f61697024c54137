"""Receipts as HTML with print styles, from Jinja2 templates (adapter/receipts/templates/).

Jinja2 (the `receipts` extra) rather than string building: the markup is autoescaped, so a
hospital's item name can never break the page, and a hospital can restyle the templates.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .._clock import china_now
from ..execution._results import Receipt
from ..transactions._settlement import FUND_LABELS
from ._document import BillSummary, SettlementReceipt

__all__ = ["FUND_LABELS", "bill_html", "receipt_html"]

_LEVELS = {"01": "甲类", "02": "乙类", "03": "丙类"}
_SELF_PAY_REASONS = {"unmapped": "自费项目（不经医保结算）", "platform_down": "医保平台不可用，按自费收取"}


def _money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"{amount:,.2f}"


def _environment() -> Any:
    try:
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    except ImportError as error:  # pragma: no cover - the extra is installed in tests
        from .._errors import ConfigurationError

        raise ConfigurationError(
            "printing receipts needs Jinja2: pip install 'opsp-adapter[receipts]'"
        ) from error
    environment = Environment(
        loader=PackageLoader("adapter.receipts", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = _money
    environment.filters["level"] = lambda code: _LEVELS.get(code, code or "—")
    environment.filters["fund"] = lambda field: FUND_LABELS.get(field, field)
    environment.filters["self_pay_reason"] = lambda reason: _SELF_PAY_REASONS.get(reason, reason)
    return environment


def _category(receipt: Receipt) -> str:
    """The receipt category (seed 002 附件2): 门诊慢特病 with its disease, or 普通门诊."""
    if receipt.med_type == "14" or receipt.receipt_category == "门诊慢特病":
        disease = " ".join(part for part in (receipt.dise_codg, receipt.dise_name) if part)
        return f"{receipt.receipt_category}（{disease}）" if disease else receipt.receipt_category
    return receipt.receipt_category


def receipt_html(document: SettlementReceipt, *, printed_at: datetime | None = None) -> str:
    """One settlement's receipt as a printable HTML page."""
    return str(
        _environment()
        .get_template("receipt.html.j2")
        .render(
            items=[document],
            title=f"门诊医疗费用结算单 {document.receipt.setl_id}",
            category=_category,
            printed_at=_when(printed_at),
            bill=None,
        )
    )


def bill_html(summary: BillSummary, *, printed_at: datetime | None = None) -> str:
    """A visit's bill summary: the totals, then every live settlement's receipt."""
    return str(
        _environment()
        .get_template("receipt.html.j2")
        .render(
            items=list(summary.receipts),
            title=f"门诊费用汇总 {summary.ipt_otp_no}",
            category=_category,
            printed_at=_when(printed_at),
            bill=summary,
        )
    )


def _when(printed_at: datetime | None) -> str:
    return (printed_at or china_now()).strftime("%Y-%m-%d %H:%M:%S")
