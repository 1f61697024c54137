"""Printable receipts: one per settlement, and a bill summary per visit — HTML, and PDF via Chromium.

Library use (the journal the settlements were written to)::

    from adapter.receipts import receipt_html, receipt_pdf, bill_html, bill_pdf
    html = receipt_html(journal, setl_id)         # a page with print styles
    receipt_pdf(journal, setl_id, "receipt.pdf")  # printed by headless Chromium
    bill_pdf(journal, setl_id, "bill.pdf")        # every live settlement of that visit

Needs the ``receipts`` extra (Jinja2) and, for PDFs, Debian's ``chromium`` package.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..execution import Journal
from . import _html
from ._answers import BillAnswer, ReceiptAnswer, bill_answer, receipt_answer
from ._document import BillSummary, SettlementReceipt, bill_summary, settlement_receipt
from ._html import FUND_LABELS
from ._pdf import chromium_path, html_to_pdf

__all__ = [
    "FUND_LABELS",
    "BillAnswer",
    "BillSummary",
    "ReceiptAnswer",
    "SettlementReceipt",
    "bill_answer",
    "bill_html",
    "bill_pdf",
    "bill_summary",
    "chromium_path",
    "html_to_pdf",
    "receipt_answer",
    "receipt_html",
    "receipt_pdf",
    "settlement_receipt",
]


def receipt_html(journal: Journal, setl_id: str, *, printed_at: datetime | None = None) -> str:
    """The receipt of settlement ``setl_id`` as printable HTML."""
    return _html.receipt_html(settlement_receipt(journal, setl_id), printed_at=printed_at)


def bill_html(journal: Journal, setl_id: str, *, printed_at: datetime | None = None) -> str:
    """The bill summary of the visit ``setl_id`` belongs to, as printable HTML."""
    return _html.bill_html(bill_summary(journal, setl_id), printed_at=printed_at)


def receipt_pdf(journal: Journal, setl_id: str, target: str | Path) -> Path:
    """The receipt of ``setl_id`` printed to the PDF file ``target``."""
    return html_to_pdf(receipt_html(journal, setl_id), target)


def bill_pdf(journal: Journal, setl_id: str, target: str | Path) -> Path:
    """The bill summary of ``setl_id``'s visit printed to the PDF file ``target``."""
    return html_to_pdf(bill_html(journal, setl_id), target)
