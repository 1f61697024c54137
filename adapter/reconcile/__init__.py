"""Closing the day with the platform: reconciliation (3201/3202), its repairs, the day's ledger, reports.

``reconcile`` compares the journal's ledger with the platform for a date range of the platform's
``setl_time`` and classifies every difference with the repair it proposes (run only when asked);
``day_ledger`` totals a day's settlements and refunds per receipt category and insutype; ``render_html``
and ``render_csv`` make the report a 医保办 clerk hands on.
"""

from __future__ import annotations

from ._day import DayEntry, DayGroup, DayLedger, day_ledger, money_fields
from ._model import (
    Difference,
    DifferenceKind,
    GroupResult,
    GroupTotals,
    ReconcileReport,
    Repair,
    RepairAction,
    RepairStatus,
    StatementRow,
)
from ._report import (
    render_day_csv,
    render_day_text,
    render_html,
    render_reconcile_csv,
    render_reconcile_text,
)
from ._run import Progress, reconcile

__all__ = [
    "DayEntry",
    "DayGroup",
    "DayLedger",
    "Difference",
    "DifferenceKind",
    "GroupResult",
    "GroupTotals",
    "Progress",
    "ReconcileReport",
    "Repair",
    "RepairAction",
    "RepairStatus",
    "StatementRow",
    "day_ledger",
    "money_fields",
    "reconcile",
    "render_day_csv",
    "render_day_text",
    "render_html",
    "render_reconcile_csv",
    "render_reconcile_text",
]
