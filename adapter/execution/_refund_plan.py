"""Planning a refund (退费重结): which settlements are reversed, in which order, and what is re-settled.

Seed 002 三(二): "门诊慢特病直接结算费用因故需要退费重结时，应按时间倒序依次退费，积极探索隔笔退费。"
Every settlement was computed from the running deductible and caps of its scope
(person, insurance type, year — DOMAIN.md §4.2), so refunding one alone would leave
the later ones wrong (§4.2: the fund would overpay 363.75 in Example 2). The plan:

1. refund every later settlement of the scope, newest first (2208 each);
2. refund the target (2208); a full refund also releases its visit (2205, 2202);
3. re-settle the target's kept lines (a partial refund: "先全退，再自动生成未退部分的收费信息",
   PROTOCOL.md §6.5), then every later settlement in its original order — fresh
   2204 → 2206 → 2207 with new msgids and chrg_bchno, the same lines.

Settlements of another scope (another year, another person, another insurance) are
untouched. Planning reads only the journal's ledger; it sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .._errors import ConfigurationError, InputError
from ._journal_protocol import Journal
from ._records import SettlementRecord
from ._refund_models import RefundPlan, RefundStep

__all__ = ["RefundPlan", "RefundStep", "live_settlement", "plan_refund"]


def plan_refund(journal: Journal, setl_id: str, *, lines: Sequence[str] | None = None) -> RefundPlan:
    """The steps that refund ``setl_id`` (all of it, or ``lines``) and keep its scope right."""
    target = journal.settlement(setl_id)
    if target is None:
        raise InputError(f"settlement {setl_id} is not in the journal", where="setl_id")
    if not target.active:
        live = live_settlement(journal, target)
        if live is not None:
            raise InputError(
                f"settlement {setl_id} was refunded and settled again as {live.setl_id}: "
                f"refund {live.setl_id}",
                where="setl_id",
            )
        raise InputError(f"settlement {setl_id} was already refunded", where="setl_id")
    all_lines = _lines_of(journal, target)
    refunded = _refunded_lines(all_lines, lines)
    kept = tuple(sn for sn in all_lines if sn not in refunded)
    scope = [s for s in journal.settlements_in_scope(target.psn_no, target.insutype, target.year) if s.active]
    later = scope[[s.setl_id for s in scope].index(setl_id) + 1 :]
    steps: list[RefundStep] = []
    for settlement in reversed(later):
        steps.append(_step(journal, len(steps) + 1, "refund", settlement, _lines_of(journal, settlement)))
    steps.append(_step(journal, len(steps) + 1, "refund", target, all_lines, release=not kept))
    if kept:
        steps.append(_step(journal, len(steps) + 1, "resettle", target, kept))
    for settlement in later:
        steps.append(_step(journal, len(steps) + 1, "resettle", settlement, _lines_of(journal, settlement)))
    for step in steps:
        if step.action == "resettle" and journal.batch(step.batch_id).card is None:
            # Found now, before a single 2208 is sent: the chain could refund but never settle again.
            raise ConfigurationError(
                f"settlement {step.setl_id} must be settled again, but its credential was purged from"
                " the journal (past the refund window): 请在医保平台人工办理"
            )
    return RefundPlan(
        target_setl_id=setl_id,
        psn_no=target.psn_no,
        insutype=target.insutype,
        year=target.year,
        partial=bool(kept),
        refunded_lines=refunded,
        steps=tuple(steps),
    )


def live_settlement(journal: Journal, settlement: SettlementRecord) -> SettlementRecord | None:
    """The settlement now standing for a refunded one's batch: its newest active re-settlement.

    A refund chain re-settles the later batches (and a partial refund's kept lines) as new
    attempts of the same batch; the cashier must refund that one, not the refunded original
    or its 2208 reversal.
    """
    batch = journal.batch(settlement.batch_id)
    attempts = [
        record
        for record in journal.batches_of_visit(batch.visit_key)
        if record.batch_number == batch.batch_number and record.id > batch.id and record.setl_id
    ]
    for record in sorted(attempts, key=lambda r: r.id, reverse=True):
        found = journal.settlement(record.setl_id)
        if found is not None and found.active:
            return found
    return None


def _lines_of(journal: Journal, settlement: SettlementRecord) -> tuple[str, ...]:
    batch = journal.batch(settlement.batch_id)
    return tuple(line.feedetl_sn for line in batch.plan_batch.lines)


def _refunded_lines(all_lines: tuple[str, ...], asked: Sequence[str] | None) -> tuple[str, ...]:
    if not asked:
        return all_lines
    unknown = [sn for sn in asked if sn not in all_lines]
    if unknown:
        raise InputError(
            f"feedetl_sn {', '.join(unknown)} not in this settlement (it has {', '.join(all_lines)})",
            where="lines",
        )
    return tuple(sn for sn in all_lines if sn in asked)


def _step(
    journal: Journal,
    number: int,
    action: Literal["refund", "resettle"],
    settlement: SettlementRecord,
    lines: tuple[str, ...],
    *,
    release: bool = False,
) -> RefundStep:
    batch = journal.batch(settlement.batch_id)
    return RefundStep(
        number=number,
        action=action,
        setl_id=settlement.setl_id,
        batch_id=settlement.batch_id,
        ipt_otp_no=batch.ipt_otp_no,
        chrg_bchno=batch.chrg_bchno,
        dise_codg=batch.dise_codg,
        setl_time=settlement.setl_time,
        medfee_sumamt=settlement.medfee_sumamt,
        fund_pay_sumamt=settlement.fund_pay_sumamt,
        acct_pay=settlement.acct_pay,
        psn_cash_pay=settlement.psn_cash_pay,
        lines=lines,
        release=release,
    )
