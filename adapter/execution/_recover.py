"""``recover``: finish or unwind every batch a crash (or an unreachable platform) left in flight.

For each unfinished batch, from its journaled calls alone:

1. a 2207 the platform answered (recorded OK) → finish: ledger + settled (or flagged);
2. a 2207/2208 whose outcome is unknown (intent without outcome, or unknown) → 冲正 2601;
3. find the registration (the recorded 2201 answer, or 5201 if that answer was lost);
4. unwind: 2205 ``"0000"`` if details may exist, 2202 → the batch's ``unwind_to`` state;
5. mark the calls that were left open as resolved.

Finishing a batch that stopped before 2207 is deliberately *not* attempted: the patient
may have left, and only the cashier can decide to settle again (PROTOCOL.md §6.4:
"Only after that, re-run 2206/2207 with a new msgid").
"""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import AdapterError, PlatformError
from ..planning import PlanBatch
from ..transactions._settlement import SettlementInfo
from ._calls import JournaledCalls
from ._checks import settlement_problems
from ._context import ExecutionPolicy
from ._ledger import record_settlement
from ._records import BatchRecord, BatchState, CallRecord, CallStatus
from ._unwind import find_registration, reverse_call, unwind_batch

__all__ = ["RecoveryAction", "recover"]

_OPEN = (CallStatus.INTENT, CallStatus.UNKNOWN)


@dataclass(frozen=True)
class RecoveryAction:
    batch_id: int
    visit_key: str
    chrg_bchno: str
    before: BatchState
    after: BatchState
    message: str


def recover(calls: JournaledCalls, *, policy: ExecutionPolicy) -> list[RecoveryAction]:
    """Bring every unfinished batch to a terminal state; report what was done to each."""
    actions = []
    for record in calls.journal.unfinished_batches():
        try:
            after, message = _recover_batch(calls, record, policy)
        except AdapterError as error:
            after, message = calls.journal.batch(record.id).state, f"未完成，稍后重试：{error}"
        actions.append(
            RecoveryAction(record.id, record.visit_key, record.chrg_bchno, record.state, after, message)
        )
    return actions


def _recover_batch(
    calls: JournaledCalls, record: BatchRecord, policy: ExecutionPolicy
) -> tuple[BatchState, str]:
    journal = calls.journal
    history = journal.calls(record.id)
    answered = [c for c in history if c.infno == "2207" and c.status == CallStatus.OK]
    if answered:
        return _finish_settlement(calls, record, answered[-1], policy)
    for call in history:
        if call.infno in ("2207", "2208") and call.status in _OPEN:
            if not policy.use_reversal:
                journal.update_batch(
                    record.id, now=calls.clock(), state=BatchState.FLAGGED, note="结果不明；未启用冲正"
                )
                return BatchState.FLAGGED, f"{call.infno} 结果不明；未启用冲正：请对账核实"
            try:
                reverse_call(calls, record, call)
            except PlatformError as refusal:
                note = f"{call.infno} 结果不明，冲正被拒绝：{refusal.err_msg}"
                journal.update_batch(record.id, now=calls.clock(), state=BatchState.FLAGGED, note=note)
                return BatchState.FLAGGED, note
    mdtrt_id = _registration(calls, record, history)
    final = unwind_batch(calls, record, mdtrt_id=mdtrt_id, note=f"recover: unwound from {record.state}")
    _close_open_calls(calls, record)
    return final, f"已撤销平台上的挂号与明细（{record.state} → {final}）"


def _finish_settlement(
    calls: JournaledCalls, record: BatchRecord, call: CallRecord, policy: ExecutionPolicy
) -> tuple[BatchState, str]:
    info = SettlementInfo.model_validate(call.detail["setlinfo"])
    year = int(str(record.visit["begntime"])[:4])
    record_settlement(calls.journal, record, info, msgid=call.msgid, year=year)
    expected = PlanBatch.model_validate(record.plan_batch).totals.medfee_sumamt
    problems = settlement_problems(
        info, (), expected_total=expected, fund_includes_account=policy.fund_includes_account
    )
    state = BatchState.FLAGGED if problems else BatchState.SETTLED
    calls.journal.update_batch(
        record.id, now=calls.clock(), state=state, setl_id=info.setl_id, note="; ".join(problems)
    )
    _close_open_calls(calls, record)
    return state, f"结算已完成（setl_id {info.setl_id}），补记账"


def _registration(calls: JournaledCalls, record: BatchRecord, history: list[CallRecord]) -> str:
    if record.mdtrt_id:
        return record.mdtrt_id
    for call in history:
        if call.infno == "2201" and call.status == CallStatus.OK:
            return str(call.detail.get("mdtrt_id", ""))
    if any(call.infno == "2201" and call.status in _OPEN for call in history):
        return find_registration(calls, record)
    return ""


def _close_open_calls(calls: JournaledCalls, record: BatchRecord) -> None:
    for call in calls.journal.calls(record.id):
        if call.status in _OPEN:
            calls.journal.record_outcome(
                call.msgid, status=CallStatus.RESOLVED, now=calls.clock(), detail={"resolved_by": "recover"}
            )
