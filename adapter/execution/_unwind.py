"""Leaving nothing dangling: resolving unknown outcomes and unwinding a batch's platform state.

Shared by settlement (after a failure) and ``recover`` (after a crash). Everything here
is derived from the journal's call records, so it works on a batch whose in-memory
state died with the process:

* an unknown or unfinished **2207/2208** is reversed with 冲正 **2601** (omsgid/oinfno),
  PROTOCOL.md §6.4 — after which the original is known not to be in effect;
* an unknown **2201** is looked up with **5201** (our visit number is the batch's
  chrg_bchno) so that the registration, if it exists, can be cancelled;
* unwinding = **2205** (``chrg_bchno`` ``"0000"``: every unsettled detail of the visit)
  when details may have been uploaded, then **2202**; a 2202 the platform refuses is
  checked with 5201 (already gone counts as done).
"""

from __future__ import annotations

from datetime import timedelta

from .._errors import BusinessRuleError, ProtocolError
from ..transactions import t2201, t2202, t2205, t2601, t5201
from ._calls import JournaledCalls
from ._checks import settlement_problems
from ._context import ExecutionPolicy
from ._ledger import record_settlement
from ._records import BatchRecord, BatchState, CallDetail, CallRecord, CallStatus
from ._requests import Parties, registration

__all__ = [
    "close_open_calls",
    "details_may_exist",
    "find_registration",
    "finish_settlement",
    "release_registration",
    "reverse_call",
    "succeeded",
    "unwind_batch",
]

_ALL_UNSETTLED = "0000"  # 2205: "删除所有未结算的明细" (PROTOCOL.md §3.9)
_OPEN = (CallStatus.INTENT, CallStatus.UNKNOWN)


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
    calls.journal.flush()  # its intent is already on disk; hold no write lock while waiting
    reply = calls.client.call(
        t2201.TRANSACTION, payload, insuplc_admdvs=record.insuplc_admdvs, msgid=lost.msgid
    )
    mdtrt_id = reply.output.data.mdtrt_id
    calls.journal.record_outcome(
        lost.msgid,
        status=CallStatus.OK,
        now=calls.clock(),
        detail=CallDetail(mdtrt_id=mdtrt_id, replayed=True),
    )
    return mdtrt_id


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
    ending = final or record.unwind_to
    journal.update_batch(record.id, now=now(), state=ending)
    return ending


def release_registration(calls: JournaledCalls, record: BatchRecord, mdtrt_id: str) -> None:
    data = t2202.RegistrationCancel(psn_no=record.psn_no, mdtrt_id=mdtrt_id, ipt_otp_no=record.chrg_bchno)
    try:
        calls.call(
            t2202.TRANSACTION,
            t2202.Input(data=data),
            batch_id=record.id,
            insuplc_admdvs=record.insuplc_admdvs,
            keys={"mdtrt_id": mdtrt_id},
        )
    except BusinessRuleError:
        # Refused: perhaps an earlier 2202 whose answer was lost already cancelled it.
        if _listed_registration(calls, record) == mdtrt_id:
            raise


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
