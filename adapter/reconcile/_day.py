"""The day's ledger: settlements and refunds of one day per receipt category and insutype, with totals.

What the cashier's 日结 and the 医保办's report need: per 门诊慢特病 disease (dise_codg) and 普通门诊, per
insutype, the totals of medical fees, each fund, account and cash. A refund counts on its own day with the
amounts negated. The money columns are the ledger row's totals (medfee_sumamt, fund_pay_sumamt) and then
every fund and personal share it keeps, in ``FUND_LABELS`` order (its ``funds``: ``FundAmounts``, issue #14),
so a fund added there is totalled without a change here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ..execution import Journal, SettlementRecord
from ..transactions._settlement import FUND_LABELS, FundAmounts

__all__ = ["DayEntry", "DayGroup", "DayLedger", "day_ledger", "money_fields"]

CHRONIC = "门诊慢特病"
ORDINARY = "普通门诊"


def money_fields() -> tuple[str, ...]:
    """The ledger row's money columns, in their order: medfee, the fund total, then each fund and share."""
    return ("medfee_sumamt", "fund_pay_sumamt", *FUND_LABELS)


def _amount(s: SettlementRecord, name: str) -> Decimal:
    """A money column of a ledger row: on the row itself (totals, account, cash) or in its ``funds``."""
    owner: SettlementRecord | FundAmounts = s.funds if name in FundAmounts.model_fields else s
    value: Decimal | None = getattr(owner, name)
    return value if value is not None else Decimal("0.00")


class DayEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    """settlement | refund"""
    setl_id: str
    original_setl_id: str
    time: datetime
    psn_no: str
    mdtrt_id: str
    amounts: dict[str, Decimal]


class DayGroup(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    dise_codg: str
    insutype: str
    entries: tuple[DayEntry, ...]
    totals: dict[str, Decimal]
    settlements: int
    refunds: int


class DayLedger(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    columns: tuple[str, ...]
    groups: tuple[DayGroup, ...]
    totals: dict[str, Decimal]


def day_ledger(journal: Journal, day: date) -> DayLedger:
    columns = money_fields()
    buckets: dict[tuple[str, str, str], list[DayEntry]] = {}
    for s in journal.settlements_between(day, day):
        if s.voided:
            continue  # the platform never held it and nothing was paid: not the day's money
        batch = journal.batch(s.batch_id)
        chronic = (s.clr_type or batch.med_type) == "14"
        key = (CHRONIC if chronic else ORDINARY, batch.dise_codg if chronic else "", s.insutype)
        amounts = {name: _amount(s, name) for name in columns}
        common = {"psn_no": s.psn_no, "mdtrt_id": s.mdtrt_id}
        if s.setl_time.date() == day:
            buckets.setdefault(key, []).append(
                DayEntry(
                    kind="settlement",
                    setl_id=s.setl_id,
                    original_setl_id="",
                    time=s.setl_time,
                    amounts=amounts,
                    **common,
                )
            )
        if s.refund_setl_id and s.refund_time is not None and s.refund_time.date() == day:
            negated = {name: -value for name, value in amounts.items()}
            buckets.setdefault(key, []).append(
                DayEntry(
                    kind="refund",
                    setl_id=s.refund_setl_id,
                    original_setl_id=s.setl_id,
                    time=s.refund_time,
                    amounts=negated,
                    **common,
                )
            )
    groups = tuple(
        DayGroup(
            category=key[0],
            dise_codg=key[1],
            insutype=key[2],
            entries=tuple(sorted(entries, key=lambda e: e.time)),
            totals=_total(entries, columns),
            settlements=sum(1 for e in entries if e.kind == "settlement"),
            refunds=sum(1 for e in entries if e.kind == "refund"),
        )
        for key, entries in sorted(buckets.items())
    )
    every = [entry for group in groups for entry in group.entries]
    return DayLedger(day=day, columns=columns, groups=groups, totals=_total(every, columns))


def _total(entries: list[DayEntry] | tuple[DayEntry, ...], columns: tuple[str, ...]) -> dict[str, Decimal]:
    return {name: sum((e.amounts[name] for e in entries), Decimal("0.00")) for name in columns}
