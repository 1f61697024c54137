"""Classify each row the platform's 3202 result marks as not balanced, and propose its repair.

``stmt_rslt`` (PROTOCOL.md §4): 1 中心多 (only the platform), 2 医药机构多 (only our file), 3 数据不一致.
The journal and 5203 tell the causes apart:

* platform only, its msgid a 2207 of ours whose answer was lost → 2601 with that msgid the same day, else
  2208 — newest first in the person's accumulator scope (seed 002 "应按时间倒序依次退费", DOMAIN.md §4.2), so
  a later settlement still in effect makes it a manual case naming what must be refunded first;
* platform only, a msgid we never sent → settled outside HIS: import it with the platform's evidence;
* a refund only on the platform → refunded outside HIS: import the refund;
* only in the journal, the platform holding no such settlement (5203): the fund pays only what the platform
  holds and clears (seed 002 三(六): 门慢特费用中应由医保基金支付的部分…统一清算), and the account was never
  debited there. If the cashier took no cash either, the ledger row is voided with the evidence and the batch
  released to be settled again; if cash was taken from the patient, a person decides (pay it back, or settle
  again, or the patient claims it at the insured place with the uploaded details, DOMAIN.md §1.9) — manual;
* a refund only in the journal (the platform acknowledged or rolled back a 2208) → 2208 of the settlement
  again, newest first; a later settlement in effect makes it a manual case naming it;
* the same row with other amounts → import the platform's amounts (the fund clears what the platform
  holds); the cash difference with the patient is for a person to settle, so the reason says it;
* the same row on another day → import the platform's setl_time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..execution import CallStatus, Journal, SettlementRecord
from ..transactions import t5203
from ._model import Difference, DifferenceKind, Repair, RepairAction, StatementRow

__all__ = ["Finding", "classify"]

Lookup = Callable[[str, str, str, str], "t5203.SettlementRecord | None"]
"""5203 by (psn_no, setl_id, mdtrt_id, insuplc_admdvs)."""


@dataclass(frozen=True)
class Finding:
    """A difference with what its repair needs: the platform's record and our ledger row or lost call."""

    difference: Difference
    platform: t5203.SettlementRecord | None
    ledger: SettlementRecord | None
    lost_msgid: str = ""


def classify(
    row: dict[str, str],
    *,
    journal: Journal,
    ours: dict[str, StatementRow],
    originals: dict[str, str],
    lookup: Lookup,
    today: datetime,
    setl_optins: str,
    clr_type: str,
) -> Finding:
    """One result row that is not 0 平 → a finding; ``ours`` is our uploaded rows by setl_id."""
    setl_id, flag, stmt = row["setl_id"], row["refd_setl_flag"], row["stmt_rslt"]
    mine = ours.get(setl_id)
    platform_row = None if stmt == "2" else _platform_row(row)

    def finding(
        kind: DifferenceKind,
        cause: str,
        action: RepairAction,
        reason: str,
        platform: t5203.SettlementRecord | None,
        ledger: SettlementRecord | None,
        lost_msgid: str = "",
    ) -> Finding:
        difference = Difference(
            kind=kind,
            cause=cause,
            setl_id=setl_id,
            psn_no=row["psn_no"],
            mdtrt_id=row["mdtrt_id"],
            refd_setl_flag=flag,
            setl_optins=setl_optins,
            clr_type=clr_type,
            platform=platform_row,
            journal=mine,
            msgid=row["msgid"],
            repair=Repair(action=action, reason=reason),
        )
        return Finding(difference, platform, ledger, lost_msgid)

    admdvs = setl_optins
    if stmt == "3":
        ledger = journal.settlement(setl_id if flag == "0" else originals.get(setl_id, ""))
        record = lookup(row["psn_no"], setl_id, row["mdtrt_id"], admdvs)
        if flag == "1" or ledger is None:
            return finding(
                DifferenceKind.AMOUNT_MISMATCH,
                "amounts",
                RepairAction.MANUAL,
                "refund_amounts_differ",
                record,
                ledger,
            )
        return finding(
            DifferenceKind.AMOUNT_MISMATCH,
            "amounts",
            RepairAction.IMPORT,
            "platform_amounts_clear",
            record,
            ledger,
        )
    if stmt == "1" and flag == "0":
        record = lookup(row["psn_no"], setl_id, row["mdtrt_id"], admdvs)
        ledger = journal.settlement(setl_id)
        if ledger is not None:
            return finding(
                DifferenceKind.DIFFERENT_DAY, "day", RepairAction.IMPORT, "platform_day", record, ledger
            )
        call = journal.call(row["msgid"]) if row["msgid"] else None
        if call is None or call.infno != "2207" or call.status == CallStatus.OK:
            return finding(
                DifferenceKind.PLATFORM_ONLY,
                "outside_his",
                RepairAction.IMPORT,
                "settled_outside_his",
                record,
                None,
            )
        settled_at = record.setl_time if record is not None and record.setl_time else today
        if settled_at.date() == today.date():
            return finding(
                DifferenceKind.PLATFORM_ONLY,
                "lost_answer",
                RepairAction.REVERSE_2601,
                "answer_lost_same_day",
                record,
                None,
                call.msgid,
            )
        later = _later_in_scope(journal, record, settled_at)
        if later:
            return finding(
                DifferenceKind.PLATFORM_ONLY,
                "lost_answer",
                RepairAction.MANUAL,
                "newest_first:" + ",".join(later),
                record,
                None,
                call.msgid,
            )
        return finding(
            DifferenceKind.PLATFORM_ONLY,
            "lost_answer",
            RepairAction.REFUND_2208,
            "answer_lost_earlier_day",
            record,
            None,
            call.msgid,
        )
    if stmt == "1":  # a refund row only the platform has
        record = lookup(row["psn_no"], setl_id, row["mdtrt_id"], admdvs)
        refunded = _refunded_by(journal, record, setl_id)
        if refunded is not None:
            return finding(
                DifferenceKind.DIFFERENT_DAY, "day", RepairAction.IMPORT, "platform_day", record, refunded
            )
        original = _original_of(journal, record)
        if original is None:
            return finding(
                DifferenceKind.REFUND_ONE_SIDE,
                "platform_refund",
                RepairAction.MANUAL,
                "refund_of_unknown_settlement",
                record,
                None,
            )
        return finding(
            DifferenceKind.REFUND_ONE_SIDE,
            "platform_refund",
            RepairAction.IMPORT,
            "refunded_outside_his",
            record,
            original,
        )
    # stmt 2: only in our file
    original_id = setl_id if flag == "0" else originals.get(setl_id, "")
    ledger = journal.settlement(original_id)
    record = lookup(row["psn_no"], setl_id, row["mdtrt_id"], admdvs)
    if (
        record is not None
        and record.setl_time is not None
        and mine is not None
        and mine.setl_time is not None
    ) and record.setl_time.date() != mine.setl_time.date():
        return finding(
            DifferenceKind.DIFFERENT_DAY, "day", RepairAction.IMPORT, "platform_day", record, ledger
        )
    if flag == "1":
        if record is not None or ledger is None:
            return finding(
                DifferenceKind.REFUND_ONE_SIDE,
                "journal_refund",
                RepairAction.MANUAL,
                "platform_lacks_refund",
                record,
                ledger,
            )
        # The platform holds no such refund: is the settlement it refunded still in effect there?
        held = lookup(ledger.psn_no, ledger.setl_id, ledger.mdtrt_id, admdvs)
        action, reason = _refund_again(journal, ledger, held)
        return finding(DifferenceKind.REFUND_ONE_SIDE, "journal_refund", action, reason, held, ledger)
    if record is not None or ledger is None or not ledger.active:
        return finding(
            DifferenceKind.JOURNAL_ONLY,
            "journal_only",
            RepairAction.MANUAL,
            "platform_has_no_record" if record is None else "platform_reversed",
            record,
            ledger,
        )
    if ledger.psn_cash_pay != 0:
        return finding(
            DifferenceKind.JOURNAL_ONLY,
            "journal_only",
            RepairAction.MANUAL,
            f"cash_collected:{ledger.psn_cash_pay}",
            None,
            ledger,
        )
    return finding(
        DifferenceKind.JOURNAL_ONLY, "journal_only", RepairAction.VOID, "platform_rolled_back", None, ledger
    )


def _refund_again(
    journal: Journal, ledger: SettlementRecord, original: t5203.SettlementRecord | None
) -> tuple[RepairAction, str]:
    """A refund the journal holds and the platform does not: send its 2208 again, newest first.

    The journal's 2208 was answered (the ledger keeps the reversal's setl_id), yet the platform holds no such
    refund and still holds the settlement: the refund was acknowledged but not applied, or rolled back. The
    patient was paid back at the desk (or the bill was re-settled), so the platform's side must follow:
    2208 of the same settlement. Seed 002 "应按时间倒序依次退费" (DOMAIN.md §4.2): a later settlement of
    the scope still in effect on both sides makes it a manual case naming what must be refunded first;
    later ones whose refunds the platform also lacks are re-sent in the same run, newest first
    (``run_repairs`` orders them).
    """
    if original is None:
        return RepairAction.MANUAL, "platform_lacks_settlement_and_refund"
    later = [
        s
        for s in journal.settlements_in_scope(ledger.psn_no, ledger.insutype, ledger.year)
        if s.active and not s.voided and s.setl_time > ledger.setl_time
    ]
    if later:
        newest = sorted(later, key=lambda s: s.setl_time, reverse=True)
        return RepairAction.MANUAL, "refund_newest_first:" + ",".join(s.setl_id for s in newest)
    return RepairAction.REFUND_2208, "refund_not_applied"


def _platform_row(row: dict[str, str]) -> StatementRow:
    return StatementRow(
        setl_id=row["setl_id"],
        mdtrt_id=row["mdtrt_id"],
        psn_no=row["psn_no"],
        medfee_sumamt=Decimal(row["medfee_sumamt"] or "0"),
        fund_pay_sumamt=Decimal(row["fund_pay_sumamt"] or "0"),
        acct_pay=Decimal(row["acct_pay"] or "0"),
        psn_cash_pay=Decimal("0"),
        refd_setl_flag=row["refd_setl_flag"],
        msgid=row["msgid"],
    )


def _scope(journal: Journal, record: t5203.SettlementRecord | None) -> list[SettlementRecord]:
    if record is None or not record.insutype or not record.year.isdigit():
        return []
    return journal.settlements_in_scope(record.psn_no, record.insutype, int(record.year))


def _later_in_scope(
    journal: Journal, record: t5203.SettlementRecord | None, settled_at: datetime
) -> list[str]:
    """Settlements of the same scope still in effect and made after ``settled_at``, newest first."""
    later = [s for s in _scope(journal, record) if s.active and s.setl_time > settled_at.replace(tzinfo=None)]
    return [s.setl_id for s in sorted(later, key=lambda s: s.setl_time, reverse=True)]


def _refunded_by(
    journal: Journal, record: t5203.SettlementRecord | None, refund_setl_id: str
) -> SettlementRecord | None:
    return next((s for s in _scope(journal, record) if s.refund_setl_id == refund_setl_id), None)


def _original_of(journal: Journal, record: t5203.SettlementRecord | None) -> SettlementRecord | None:
    """Our active settlement of the same visit that this refund negates exactly."""
    if record is None:
        return None
    for s in _scope(journal, record):
        if s.active and s.mdtrt_id == record.mdtrt_id and s.medfee_sumamt == -record.medfee_sumamt:
            return s
    return None
