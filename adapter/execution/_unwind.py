"""Leaving nothing dangling: resolving unknown outcomes and unwinding a batch's platform state.

Shared by settlement (after a failure) and ``recover`` (after a crash). Everything here
is derived from the journal's call records, so it works on a batch whose in-memory
state died with the process:

* an unknown or unfinished **2207/2208** is reversed with 冲正 **2601** (omsgid/oinfno),
  PROTOCOL.md §6.4 — after which the original is known not to be in effect;
* an unknown **2201** is looked up with **5201** (our visit number is the batch's
  chrg_bchno) so that the registration, if it exists, can be cancelled;
* unwinding = **2205** (``chrg_bchno`` ``"0000"``: every unsettled detail of the visit)
  when details may have been uploaded, then **2202**. "Cancelled" is concluded only from
  the platform's positive answer: a 2202 whose answer was lost is asked again under its
  own msgid (the platform answers a processed msgid with its stored answer, PROTOCOL.md
  §6.2); a refused 2202 leaves the batch in flight for ``recover``. (5201 cannot serve as
  evidence: a visit without 2203 is never listed, cancelled or not.)
* once unwound, calls left open before it (2201/2203/2204 without an answer) are known
  to have no effect any more and are marked resolved.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from .._errors import AmountMismatchError, ProtocolError
from ..transactions import t2201, t2202, t2204, t2205, t2601, t5201, t5204
from ._calls import JournaledCalls
from ._checks import settlement_problems
from ._context import ExecutionPolicy
from ._ledger import record_settlement
from ._records import BatchRecord, BatchState, CallDetail, CallRecord, CallStatus
from ._requests import Parties, registration

__all__ = [
    "ask_again",
    "close_open_calls",
    "details_may_exist",
    "details_on_platform",
    "find_registration",
    "finish_settlement",
    "release_registration",
    "reverse_call",
    "succeeded",
    "unwind_batch",
]

_ALL_UNSETTLED = "0000"  # 2205: "删除所有未结算的明细" (PROTOCOL.md §3.9)
_OPEN = (CallStatus.INTENT, CallStatus.UNKNOWN)
_MOOT_ONCE_UNWOUND = ("2201", "2202", "2203", "2204", "2205")


def reverse_call(calls: JournaledCalls, record: BatchRecord, original: CallRecord) -> None:
    """冲正 the call ``original`` (2207 or 2208); mark it resolved once the platform agrees."""
    payload = t2601.Input(
        data=t2601.Reversal(psn_no=record.psn_no, omsgid=original.msgid, oinfno=original.infno)
    )
    reply = calls.call(
        t2601.TRANSACTION,
        payload,
        batch_id=record.id,
        insuplc_admdvs=record.insuplc_admdvs,
        keys={"omsgid": original.msgid, "oinfno": original.infno},
    )
    calls.journal.record_outcome(
        original.msgid,
        status=CallStatus.RESOLVED,
        now=calls.clock(),
        detail=CallDetail(reversed_by="2601", warn_msg=reply.envelope.warn_msg),
    )


def find_registration(calls: JournaledCalls, record: BatchRecord) -> str:
    """The mdtrt_id of a registration whose 2201 answer was lost, or ``""`` if there is none.

    First 5201 (our visit number is the batch's chrg_bchno). A registration without 2203
    may not be listed (med_type arrives with 2203), so then the lost 2201 is sent again
    with its *own* msgid and the same body: the msgid is the idempotency key (STYLE.md
    §4), so the platform answers with the registration it made, or makes the one it never
    made. Either way exactly one registration exists and is known.
    """
    found = _listed_registration(calls, record)
    if found:
        return found
    lost = [c for c in calls.journal.calls(record.id) if c.infno == "2201" and c.status in _OPEN]
    if not lost:
        return ""
    return _replay_registration(calls, record, lost[-1])


def _replay_registration(calls: JournaledCalls, record: BatchRecord, lost: CallRecord) -> str:
    payload = registration(Parties.of_record(record), record.chrg_bchno)
    reply = ask_again(calls, record, lost, t2201.TRANSACTION, payload)
    mdtrt_id: str = reply.output.data.mdtrt_id
    calls.journal.record_outcome(
        lost.msgid,
        status=CallStatus.OK,
        now=calls.clock(),
        detail=CallDetail(mdtrt_id=mdtrt_id, replayed=True),
    )
    return mdtrt_id


def ask_again(
    calls: JournaledCalls, record: BatchRecord, lost: CallRecord, transaction: Any, payload: Any
) -> Any:
    """Send a call whose answer was lost again, under its *own* msgid and with the same body.

    The msgid is the idempotency key (STYLE.md §4): the platform answers a msgid it processed
    with the answer it stored, and processes one it never saw. Any failure leaves the call
    open (unknown): a refusal of the repeat (系统繁忙, …) proves nothing about the original.
    """
    calls.journal.flush()  # its intent is already on disk; hold no write lock while waiting
    return calls.client.call(transaction, payload, insuplc_admdvs=record.insuplc_admdvs, msgid=lost.msgid)


def _listed_registration(calls: JournaledCalls, record: BatchRecord) -> str:
    begntime = record.visit.begntime
    query = t5201.VisitQuery(
        psn_no=record.psn_no,
        begntime=begntime - timedelta(days=1),
        endtime=calls.clock().replace(tzinfo=None) + timedelta(days=1),
        med_type=record.med_type,
    )
    reply = calls.call(
        t5201.TRANSACTION, t5201.Input(data=query), batch_id=record.id, insuplc_admdvs=record.insuplc_admdvs
    )
    for visit in reply.output.mdtrtinfo:
        if visit.ipt_otp_no == record.chrg_bchno:
            return visit.mdtrt_id
    return ""


def details_on_platform(
    calls: JournaledCalls, record: BatchRecord, msgid: str
) -> tuple[t2204.FeeResult, ...] | None:
    """Resolve a 2204 whose answer was lost from the platform's own record (5204).

    Each batch is its own visit, so the visit's unsettled details are this batch's. All of
    them there: the 2204 took effect, and 5204 carries each line's split as 2204 would
    have (PROTOCOL.md §3.14) → recorded OK. None there: it never took effect → resolved,
    and the caller uploads again. Anything in between is not ours to guess: the batch is
    unwound (2205 revokes whatever arrived).
    """
    query = t5204.FeeQuery(psn_no=record.psn_no, mdtrt_id=record.mdtrt_id)
    reply = calls.call(
        t5204.TRANSACTION, t5204.Input(data=query), batch_id=record.id, insuplc_admdvs=record.insuplc_admdvs
    )
    held = {row.feedetl_sn: row for row in reply.output.feedetail if not row.setl_id}
    wanted = [line.feedetl_sn for line in record.plan_batch.lines]
    if not held:
        calls.journal.record_outcome(
            msgid, status=CallStatus.RESOLVED, now=calls.clock(), detail=CallDetail(resolved_by="5204")
        )
        return None
    if sorted(held) != sorted(wanted):
        raise AmountMismatchError(
            "2204 outcome unknown and the platform holds other details than the batch's",
            infno="2204",
            msgid=msgid,
            problems=(f"held {sorted(held)}, batch {sorted(wanted)}",),
        )
    try:
        results = tuple(_as_fee_result(held[number]) for number in wanted)
    except ValidationError as error:
        raise AmountMismatchError(
            "2204 outcome unknown and 5204 does not give each line's split", infno="2204", msgid=msgid
        ) from error
    calls.journal.record_outcome(
        msgid, status=CallStatus.OK, now=calls.clock(), detail=CallDetail(resolved_by="5204")
    )
    return results


def _as_fee_result(row: t5204.FeeRecord) -> t2204.FeeResult:
    shared = t2204.FeeResult.model_fields.keys() & t5204.FeeRecord.model_fields.keys()
    return t2204.FeeResult.model_validate({name: getattr(row, name) for name in shared})


def unwind_batch(
    calls: JournaledCalls,
    record: BatchRecord,
    *,
    mdtrt_id: str,
    note: str,
    cancel_registration: bool = True,
    final: BatchState | None = None,
) -> BatchState:
    """Revoke the batch's details and (unless told otherwise) its registration.

    A re-settlement attempt after a refund shares its visit with the refunded settlement
    and must leave the registration alone (``cancel_registration=False``). The batch ends
    in ``final``, by default its ``unwind_to`` state.
    """
    journal, now = calls.journal, calls.clock
    journal.update_batch(record.id, now=now(), state=BatchState.UNWINDING, note=note)
    history = journal.calls(record.id)
    if mdtrt_id and details_may_exist(history):
        data = t2205.FeeDetailCancel(mdtrt_id=mdtrt_id, chrg_bchno=_ALL_UNSETTLED, psn_no=record.psn_no)
        calls.call(
            t2205.TRANSACTION,
            t2205.Input(data=data),
            batch_id=record.id,
            insuplc_admdvs=record.insuplc_admdvs,
            keys={"mdtrt_id": mdtrt_id, "chrg_bchno": _ALL_UNSETTLED},
        )
    if cancel_registration and mdtrt_id and not succeeded(history, "2202"):
        release_registration(calls, record, mdtrt_id)
    _resolve_moot_calls(calls, record)
    ending = final or record.unwind_to
    journal.update_batch(record.id, now=now(), state=ending)
    return ending


def _resolve_moot_calls(calls: JournaledCalls, record: BatchRecord) -> None:
    """Details revoked and registration released: what was left open before has no effect now."""
    for call in calls.journal.calls(record.id):
        if call.infno in _MOOT_ONCE_UNWOUND and call.status in _OPEN:
            calls.journal.record_outcome(
                call.msgid,
                status=CallStatus.RESOLVED,
                now=calls.clock(),
                detail=CallDetail(resolved_by="unwind"),
            )


def release_registration(calls: JournaledCalls, record: BatchRecord, mdtrt_id: str) -> None:
    """2202, concluding "cancelled" only from the platform's own positive answer.

    A 2202 of ours whose answer was lost is asked again under its msgid rather than sending
    a new one (which a platform that did cancel would refuse, proving nothing). A refusal
    propagates: the batch stays in flight and ``recover`` tries again later.
    """
    data = t2202.RegistrationCancel(
        psn_no=record.psn_no, mdtrt_id=mdtrt_id, ipt_otp_no=_registered_as(calls, record, mdtrt_id)
    )
    payload = t2202.Input(data=data)
    lost = [
        c
        for c in calls.journal.calls(record.id)
        if c.infno == "2202" and c.status in _OPEN and c.keys.get("mdtrt_id") == mdtrt_id
    ]
    if lost:
        ask_again(calls, record, lost[-1], t2202.TRANSACTION, payload)
        calls.journal.record_outcome(
            lost[-1].msgid, status=CallStatus.OK, now=calls.clock(), detail=CallDetail(replayed=True)
        )
        return
    calls.call(
        t2202.TRANSACTION,
        payload,
        batch_id=record.id,
        insuplc_admdvs=record.insuplc_admdvs,
        keys={"mdtrt_id": mdtrt_id},
    )


def _registered_as(calls: JournaledCalls, record: BatchRecord, mdtrt_id: str) -> str:
    """The visit number the registration was made with: the chrg_bchno of the attempt that sent 2201.

    A re-settlement after a refund (``…-2R1``) reuses the visit registered as ``…-2``; the
    platform checks 2202's ipt_otp_no against the registration.
    """
    for other in calls.journal.batches_of_visit(record.visit_key):
        same_visit = other.batch_number == record.batch_number and other.mdtrt_id == mdtrt_id
        if same_visit and any(call.infno == "2201" for call in calls.journal.calls(other.id)):
            return other.chrg_bchno
    return record.chrg_bchno


def details_may_exist(history: list[CallRecord]) -> bool:
    """A 2204 that may have reached the platform, not followed by a successful 2205."""
    uploaded = False
    for call in history:
        if call.infno == "2204" and call.status != CallStatus.FAILED:
            uploaded = True
        elif call.infno == "2205" and call.status == CallStatus.OK:
            uploaded = False
    return uploaded


def succeeded(history: list[CallRecord], infno: str) -> bool:
    return any(call.infno == infno and call.status == CallStatus.OK for call in history)


def finish_settlement(
    calls: JournaledCalls, record: BatchRecord, call: CallRecord, policy: ExecutionPolicy
) -> tuple[BatchState, str]:
    """A 2207 whose answer was recorded, but the process died before the batch was marked."""
    info = call.detail.setlinfo
    if info is None:
        raise ProtocolError("its recorded answer has no setlinfo", infno="2207", msgid=call.msgid)
    year = record.visit.begntime.year
    record_settlement(calls.journal, record, info, msgid=call.msgid, year=year)
    expected = record.plan_batch.totals.medfee_sumamt
    problems = settlement_problems(
        info, (), expected_total=expected, fund_includes_account=policy.fund_includes_account
    )
    state = BatchState.FLAGGED if problems else BatchState.SETTLED
    calls.journal.update_batch(
        record.id, now=calls.clock(), state=state, setl_id=info.setl_id, note="; ".join(problems)
    )
    close_open_calls(calls, record)
    return state, f"结算已完成（setl_id {info.setl_id}），补记账"


def close_open_calls(calls: JournaledCalls, record: BatchRecord) -> None:
    """Mark calls left open as resolved, once their effects have been dealt with."""
    for call in calls.journal.calls(record.id):
        if call.status in _OPEN:
            calls.journal.record_outcome(
                call.msgid,
                status=CallStatus.RESOLVED,
                now=calls.clock(),
                detail=CallDetail(resolved_by="recover"),
            )
