"""What reconciliation finds and proposes: typed results, codes only (wording lives in rendering)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Difference",
    "DifferenceKind",
    "GroupResult",
    "GroupTotals",
    "ReconcileReport",
    "Repair",
    "RepairAction",
    "RepairStatus",
    "StatementRow",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatementRow(_Frozen):
    """One row of a detail file (PROTOCOL.md §3.15): a settlement (flag 0) or a refund (flag 1)."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    refd_setl_flag: str
    insutype: str = ""
    clr_type: str = ""
    setl_optins: str = ""
    setl_time: datetime | None = None
    msgid: str = ""


class GroupTotals(_Frozen):
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    count: int

    @classmethod
    def of(cls, rows: list[StatementRow]) -> GroupTotals:
        zero = Decimal("0.00")
        return cls(
            medfee_sumamt=sum((r.medfee_sumamt for r in rows), zero),
            fund_pay_sumamt=sum((r.fund_pay_sumamt for r in rows), zero),
            acct_pay=sum((r.acct_pay for r in rows), zero),
            psn_cash_pay=sum((r.psn_cash_pay for r in rows), zero),
            count=len(rows),
        )


class GroupResult(_Frozen):
    """3201 for one insutype × clr_type × setl_optins."""

    insutype: str
    clr_type: str
    setl_optins: str
    totals: GroupTotals
    balanced: bool
    stmt_rslt: str
    stmt_rslt_dscr: str


class DifferenceKind(StrEnum):
    PLATFORM_ONLY = "platform_only"
    """单边账: the platform has a settlement the journal does not (settled outside HIS, or an answer lost)."""
    JOURNAL_ONLY = "journal_only"
    """The journal has a settlement the platform does not hold."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """Both have it, with different amounts."""
    REFUND_ONE_SIDE = "refund_one_side"
    """A refund on one side only (made in the insurer's client, or a journal refund the platform lacks)."""
    DIFFERENT_DAY = "different_day"
    """Both have it, on different days (the journal's date is not the platform's setl_time)."""


class RepairAction(StrEnum):
    REVERSE_2601 = "2601"
    """冲正 with the original msgid: only the same day (before the day's clearing)."""
    REFUND_2208 = "2208"
    """门诊结算撤销 on a later day, newest first in the person's accumulator scope (DOMAIN.md §4.2)."""
    IMPORT = "import"
    """Bring the platform's record into the ledger, keeping the platform's answer as evidence."""
    VOID = "void"
    """Mark the ledger row void with the platform's evidence: it holds no such settlement, none was paid."""
    MANUAL = "manual"
    """Nothing the adapter may do alone: the reason says what a person must decide."""


class RepairStatus(StrEnum):
    PROPOSED = "proposed"
    DONE = "done"
    FAILED = "failed"


class Repair(_Frozen):
    action: RepairAction
    reason: str
    """Why this repair (a code-like English sentence; the report renders it)."""
    status: RepairStatus = RepairStatus.PROPOSED
    detail: str = ""
    """What happened when it ran (msgids, the platform's refusal)."""


class Difference(_Frozen):
    kind: DifferenceKind
    cause: str
    """Finer cause: outside_his, lost_answer, platform_refund, journal_refund, amounts, day, journal_only."""
    setl_id: str
    psn_no: str
    mdtrt_id: str
    refd_setl_flag: str
    setl_optins: str
    clr_type: str
    platform: StatementRow | None
    journal: StatementRow | None
    msgid: str
    """The platform's msgid of the row (for 冲正)."""
    repair: Repair


class ReconcileReport(_Frozen):
    first: date
    last: date
    groups: tuple[GroupResult, ...]
    differences: tuple[Difference, ...]
    repaired: bool
    """Whether repairs were run (``--repair``)."""

    @property
    def balanced(self) -> bool:
        return all(group.balanced for group in self.groups) and not self.differences
