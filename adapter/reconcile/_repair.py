"""Running the proposed repairs: every platform call journaled, every ledger change kept with its evidence.

Order: refunds (2208) newest first by the platform's setl_time of the settlement refunded, then the rest. A
repair that fails is reported as failed with the platform's words; the others still run. Nothing here is
retried blindly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._errors import AdapterError, AmountMismatchError, PlatformError
from ..execution import (
    BatchState,
    CallStatus,
    ExecutionPolicy,
    Journal,
    JournaledCalls,
    SettlementRecord,
)
from ..execution._checks import reversal_problems
from ..execution._records import CallDetail
from ..execution._refund import send_refund
from ..execution._unwind import find_registration, reverse_call, unwind_batch
from ..transactions import t5203
from ._classify import Finding
from ._evidence import evidence_of, query_details
from ._model import Difference, Repair, RepairAction, RepairStatus

__all__ = ["run_repairs"]


def run_repairs(
    calls: JournaledCalls,
    findings: list[Finding],
    rows: dict[str, dict[str, str]],
    *,
    policy: ExecutionPolicy,
) -> list[Difference]:
    del policy  # reserved: a region that forbids 2601 would turn REVERSE_2601 into a manual case
    ordered = sorted(
        findings,
        key=lambda f: (
            f.difference.repair.action != RepairAction.REFUND_2208,
            -(f.platform.setl_time.timestamp() if f.platform and f.platform.setl_time else 0),
        ),
    )
    done: dict[str, Difference] = {}
    for finding in ordered:
        difference = finding.difference
        repair = difference.repair
        if repair.action == RepairAction.MANUAL:
            done[_key(difference)] = difference
            continue
        try:
            detail = _run(calls, finding, rows[_key(difference)])
            outcome = Repair(
                action=repair.action, reason=repair.reason, status=RepairStatus.DONE, detail=detail
            )
        except (AdapterError, ValueError, KeyError) as failure:
            message = failure.err_msg if isinstance(failure, PlatformError) else str(failure)
            outcome = Repair(
                action=repair.action, reason=repair.reason, status=RepairStatus.FAILED, detail=message
            )
        done[_key(difference)] = difference.model_copy(update={"repair": outcome})
    return [done[_key(f.difference)] for f in findings]


def _key(difference: Difference) -> str:
    return f"{difference.setl_id}/{difference.refd_setl_flag}"


def _run(calls: JournaledCalls, finding: Finding, row: dict[str, str]) -> str:
    difference, journal, now = finding.difference, calls.journal, calls.clock()
    platform = finding.platform
    evidence = evidence_of(platform, row)
    action = difference.repair.action
    if action == RepairAction.REVERSE_2601:
        return _reverse(calls, finding)
    if action == RepairAction.REFUND_2208 and difference.cause == "journal_refund":
        return _refund_again(calls, finding, evidence)
    if action == RepairAction.REFUND_2208:
        return _refund(calls, finding, evidence)
    if action == RepairAction.VOID:
        return _void(calls, finding, evidence)
    if platform is None:
        raise ValueError("the platform no longer answers 5203 for this row: nothing to import")
    reason = f"reconcile:{difference.cause}"
    if difference.cause == "outside_his":
        _import(calls, platform, msgid=platform.medins_setl_id or difference.msgid, evidence=evidence)
        return f"imported {platform.setl_id}"
    ledger = finding.ledger
    if ledger is None:
        raise ValueError(f"{difference.setl_id} is not in the ledger")
    changes: dict[str, Any]
    if difference.cause == "amounts":
        changes = {
            "medfee_sumamt": platform.medfee_sumamt,
            "fund_pay_sumamt": platform.fund_pay_sumamt,
            "acct_pay": platform.acct_pay,
            "psn_cash_pay": platform.psn_cash_pay,
        }
    elif difference.cause == "platform_refund":
        changes = {
            "active": False,
            "refund_setl_id": platform.setl_id,
            "refund_time": _naive(platform.setl_time),
        }
    elif difference.cause == "day" and platform.is_refund:
        changes = {"refund_time": _naive(platform.setl_time)}
    elif difference.cause == "day":
        changes = {"setl_time": _naive(platform.setl_time)}
    else:
        raise ValueError(f"no import for {difference.cause}")
    journal.amend_settlement(ledger.setl_id, reason=reason, evidence=evidence, now=now, changes=changes)
    return f"ledger {ledger.setl_id}: " + ", ".join(sorted(changes))


def _reverse(calls: JournaledCalls, finding: Finding) -> str:
    """2601 with the lost 2207's msgid, then the batch's details and registration are released."""
    journal = calls.journal
    call = journal.call(finding.lost_msgid)
    if call is None or call.batch_id is None:
        raise ValueError(f"call {finding.lost_msgid} is not in the journal")
    record = journal.batch(call.batch_id)
    reverse_call(calls, record, call)
    _release(calls, call.batch_id, final=None)
    return f"2601 omsgid={call.msgid}"


def _refund(calls: JournaledCalls, finding: Finding, evidence: dict[str, Any]) -> str:
    """2208 of a settlement whose answer was lost: it enters the ledger, then leaves it refunded."""
    platform = finding.platform
    journal = calls.journal
    call = journal.call(finding.lost_msgid)
    if platform is None or call is None or call.batch_id is None:
        raise ValueError("the lost settlement cannot be found on both sides")
    record = journal.batch(call.batch_id)
    # The platform's row and the batch name the same visit (the lost call is this batch's 2207), so
    # the refund flow's own sender serves: an unknown outcome of this 2208 is reversed, never guessed.
    reversal = send_refund(calls, record, platform.setl_id)
    resolved = CallDetail(resolved_by=_refund_msgid(journal, record.id, reversal.setl_id) or "2208")
    journal.record_outcome(call.msgid, status=CallStatus.RESOLVED, now=calls.clock(), detail=resolved)
    _import(calls, platform, msgid=call.msgid, evidence=evidence, batch_id=record.id)
    journal.mark_refunded(platform.setl_id, refund_setl_id=reversal.setl_id, refund_time=reversal.setl_time)
    journal.update_batch(record.id, now=calls.clock(), setl_id=platform.setl_id)
    _release(calls, record.id, final=BatchState.REFUNDED)
    return f"2208 {platform.setl_id} -> {reversal.setl_id}"


def _refund_again(calls: JournaledCalls, finding: Finding, evidence: dict[str, Any]) -> str:
    """2208 again of a settlement whose refund the journal holds and the platform does not.

    The ledger keeps the refund, now with the new reversal's setl_id and time (it counts on the day the
    platform applied it); the amendment keeps the journal's first answer (its 2208 msgid and reversal
    setl_id) beside the 3202 row and 5203 as evidence. The answer must negate the settlement exactly, as
    every refund's.
    """
    ledger, journal = finding.ledger, calls.journal
    if ledger is None or finding.platform is None:
        raise ValueError("the refunded settlement cannot be found on both sides")
    record = journal.batch(ledger.batch_id)
    kept = {
        "refund_setl_id": ledger.refund_setl_id,
        "refund_time": ledger.refund_time.isoformat() if ledger.refund_time else None,
        "2208_msgid": _refund_msgid(journal, record.id, ledger.refund_setl_id or ""),
    }
    reversal = send_refund(calls, record, ledger.setl_id)
    changes = {"refund_setl_id": reversal.setl_id, "refund_time": _naive(reversal.setl_time)}
    journal.amend_settlement(
        ledger.setl_id,
        reason="reconcile:journal_refund",
        evidence={**evidence, "journal": kept},
        now=calls.clock(),
        changes=changes,
    )
    problems = reversal_problems(reversal, ledger)
    if problems:
        journal.update_batch(record.id, now=calls.clock(), state=BatchState.FLAGGED, note="; ".join(problems))
        raise AmountMismatchError(
            "2208 does not negate the settlement", infno="2208", problems=tuple(problems)
        )
    return f"2208 {ledger.setl_id} -> {reversal.setl_id} (journal had {ledger.refund_setl_id})"


def _refund_msgid(journal: Journal, batch_id: int, refund_setl_id: str) -> str | None:
    """The msgid of the batch's last answered 2208 whose reversal is ``refund_setl_id``."""
    found = [
        c.msgid
        for c in journal.calls(batch_id)
        if c.infno == "2208"
        and c.status == CallStatus.OK
        and c.detail.setlinfo is not None
        and c.detail.setlinfo.setl_id == refund_setl_id
    ]
    return found[-1] if found else None


def _void(calls: JournaledCalls, finding: Finding, evidence: dict[str, Any]) -> str:
    """Void a ledger row the platform does not hold, then release its batch to be settled again.

    Only when 5204 agrees: no detail of the visit still carries the settlement (else the platform's books
    contradict its 5203, and a person looks). The row stays, ``voided``, with the 3202 row, 5203 and 5204 as
    evidence; the visit's details and (if this batch registered it and nothing else of the visit stays
    settled) its registration are revoked, as after a 冲正, so the cashier can settle the bill again.
    """
    ledger, journal = finding.ledger, calls.journal
    if ledger is None:
        raise ValueError(f"{finding.difference.setl_id} is not in the ledger")
    record = journal.batch(ledger.batch_id)
    details = query_details(
        calls, psn_no=ledger.psn_no, mdtrt_id=ledger.mdtrt_id, insuplc_admdvs=record.insuplc_admdvs
    )
    if ledger.setl_id in details.get("setl_ids", ()):
        raise ValueError(f"5204: details of {ledger.mdtrt_id} still carry {ledger.setl_id}; not voided")
    journal.amend_settlement(
        ledger.setl_id,
        reason="reconcile:void",
        evidence={**evidence, "5204": details},
        now=calls.clock(),
        changes={"active": False, "voided": True},
    )
    others = [
        s
        for s in journal.settlements_in_scope(ledger.psn_no, ledger.insutype, ledger.year)
        if s.mdtrt_id == ledger.mdtrt_id and s.active and not s.voided
    ]
    made_registration = any(c.infno == "2201" for c in journal.calls(record.id))
    unwind_batch(
        calls,
        record,
        mdtrt_id=record.mdtrt_id or ledger.mdtrt_id,
        note=f"reconcile: {ledger.setl_id} voided, the platform holds no such settlement",
        cancel_registration=made_registration and not others,
        final=BatchState.UNSETTLED,
    )
    return f"ledger {ledger.setl_id}: voided; batch released"


def _release(calls: JournaledCalls, batch_id: int, *, final: BatchState | None) -> None:
    """Revoke the batch's details and its registration (2205, 2202) unless it already ended unsettled."""
    record = calls.journal.batch(batch_id)
    if record.state in (BatchState.UNSETTLED, BatchState.SELF_PAY) and final is None:
        return
    history = calls.journal.calls(record.id)
    made_registration = any(c.infno == "2201" for c in history)
    try:
        mdtrt_id = record.mdtrt_id or find_registration(calls, record)
    except PlatformError:
        mdtrt_id = ""
    unwind_batch(
        calls,
        record,
        mdtrt_id=mdtrt_id,
        note="reconcile: released after the platform-only settlement was undone",
        cancel_registration=made_registration,
        final=final,
    )


def _import(
    calls: JournaledCalls,
    platform: t5203.SettlementRecord,
    *,
    msgid: str,
    evidence: dict[str, Any],
    batch_id: int | None = None,
) -> None:
    """Put a settlement the platform holds into the ledger, on the batch of the same platform visit.

    A settlement made outside HIS on a visit HIS never registered has no batch to hang on: that is a
    manual case (``ValueError`` here, reported as a failed repair naming why).
    """
    journal, now = calls.journal, calls.clock()
    settled_at = _naive(platform.setl_time) or now
    year = int(platform.year) if platform.year.isdigit() else settled_at.year
    if batch_id is None:
        same_visit = [
            s
            for s in journal.settlements_in_scope(platform.psn_no, platform.insutype, year)
            if s.mdtrt_id == platform.mdtrt_id
        ]
        if not same_visit:
            raise ValueError(f"visit {platform.mdtrt_id} is unknown to HIS: record the settlement by hand")
        batch_id = same_visit[0].batch_id
    journal.record_settlement(
        SettlementRecord(
            setl_id=platform.setl_id,
            batch_id=batch_id,
            psn_no=platform.psn_no,
            insutype=platform.insutype,
            year=year,
            mdtrt_id=platform.mdtrt_id,
            chrg_bchno="",
            msgid=msgid,
            setl_time=settled_at,
            medfee_sumamt=platform.medfee_sumamt,
            fund_pay_sumamt=platform.fund_pay_sumamt,
            acct_pay=platform.acct_pay,
            psn_cash_pay=platform.psn_cash_pay,
            active=True,
            refund_setl_id="",
            clr_type=platform.clr_type,
            clr_optins=platform.clr_optins,
        )
    )
    journal.amend_settlement(
        platform.setl_id, reason="reconcile:import", evidence=evidence, now=now, changes={}
    )


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=None)
