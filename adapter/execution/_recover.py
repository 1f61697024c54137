"""``recover``: finish or unwind every batch a crash (or an unreachable platform) left in flight.

Each batch and chain is recovered holding its person's lock, taken without waiting: one a
live process is working on (it holds the lock) is skipped and reported, one whose process
died (its lock died with it) is finished — from any node sharing the journal.

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

from .._errors import AdapterError, InFlightError, PersonBusyError, PlatformError
from ._calls import JournaledCalls
from ._context import ExecutionPolicy
from ._journal import Journal
from ._records import BatchRecord, BatchState, CallRecord, CallStatus, ChainRecord, ChainStatus
from ._refund import resume_refund
from ._unwind import close_open_calls, find_registration, finish_settlement, reverse_call, unwind_batch

__all__ = ["RecoveryAction", "recover", "require_nothing_in_flight"]

_OPEN = (CallStatus.INTENT, CallStatus.UNKNOWN)
_BUSY = "另一收费窗口正在办理该参保人的结算或退费：未处理，稍后再运行 recover"


@dataclass(frozen=True)
class RecoveryAction:
    batch_id: int
    visit_key: str
    chrg_bchno: str
    before: BatchState
    after: BatchState
    message: str


def recover(calls: JournaledCalls, *, policy: ExecutionPolicy) -> list[RecoveryAction]:
    """Complete every refund chain in progress, then bring every other unfinished batch to an end."""

    actions = []
    chained: set[int] = set()
    journal = calls.journal
    for chain in journal.unfinished_chains():
        target = journal.settlement(chain.target_setl_id)
        try:
            with journal.person_lock(target.psn_no if target else "", wait=0):
                result = resume_refund(calls, chain.id, policy=policy)
        except PersonBusyError:
            chained.update(_chain_batches(chain))
            actions.append(
                RecoveryAction(
                    0,
                    f"refund chain {chain.id}",
                    chain.target_setl_id,
                    BatchState.REFUNDING,
                    BatchState.REFUNDING,
                    _BUSY,
                )
            )
            continue
        chained.update(_chain_batches(calls.journal.chain(chain.id)))
        actions.append(
            RecoveryAction(
                0,
                f"refund chain {chain.id}",
                chain.target_setl_id,
                BatchState.REFUNDING,
                _chain_state(result.status),
                result.message,
            )
        )
    still_chained = {b for c in calls.journal.unfinished_chains() for b in _chain_batches(c)}
    for record in calls.journal.unfinished_batches():
        if record.id in still_chained:
            continue
        try:
            # Only a batch whose person no live process holds: a dead process's lock died with it.
            with journal.person_lock(record.psn_no, wait=0):
                current = journal.batch(record.id)  # it may have ended while we waited
                if current.state.terminal:
                    continue
                after, message = _recover_batch(calls, current, policy)
        except PersonBusyError:
            after, message = record.state, _BUSY
        except AdapterError as error:
            after, message = calls.journal.batch(record.id).state, f"未完成，稍后重试：{error}"
        actions.append(
            RecoveryAction(record.id, record.visit_key, record.chrg_bchno, record.state, after, message)
        )
    return actions


def require_nothing_in_flight(journal: Journal, psn_no: str) -> None:
    """Refuse to settle or refund for a person while one of their batches or refunds is in flight.

    The platform refunds and reverses one person's settlements newest first (PROTOCOL.md
    §6.4), so a settlement made now would block the 冲正 of an earlier 2207 whose outcome is
    unknown, and the earlier batch could never be finished (found by the generative fault
    test, tests/execution/fault_machine.py).
    """
    batches = [
        record.chrg_bchno
        for record in journal.unfinished_batches()
        if record.psn_no == psn_no and not _refund_refused(journal, record)
    ]
    chains = [
        chain.target_setl_id
        for chain in journal.unfinished_chains()
        if (target := journal.settlement(chain.target_setl_id)) is not None and target.psn_no == psn_no
    ]
    if batches or chains:
        pending = "、".join([*batches, *(f"退费 {setl_id}" for setl_id in chains)])
        raise InFlightError(f"该患者有未完成的结算或退费（{pending}）：请先运行 opsp recover")


def _refund_refused(journal: Journal, record: BatchRecord) -> bool:
    """A batch left ``refunding`` by a chain the platform stopped: its settlement is plainly in effect.

    (2208 refused, nothing open, nothing answered): no platform state is in doubt, so it
    blocks nothing; ``recover`` marks it settled again.
    """
    if record.state != BatchState.REFUNDING or not record.setl_id:
        return False
    ledger = journal.settlement(record.setl_id)
    calls = journal.calls(record.id)
    return (
        ledger is not None
        and ledger.active
        and not any(call.status in _OPEN for call in calls)
        and not any(call.infno == "2208" and call.status == CallStatus.OK for call in calls)
    )


def _recover_batch(
    calls: JournaledCalls, record: BatchRecord, policy: ExecutionPolicy
) -> tuple[BatchState, str]:
    journal = calls.journal
    history = journal.calls(record.id)
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
    settled = journal.settlement(record.setl_id) if record.setl_id else None
    if settled is not None:
        # A settled batch whose refund was interrupted: the 2208 is now resolved either way.
        state = BatchState.SETTLED if settled.active else BatchState.REFUNDED
        journal.update_batch(record.id, now=calls.clock(), state=state)
        close_open_calls(calls, record)
        return state, f"结算 {settled.setl_id} {'仍有效' if settled.active else '已退费'}"
    answered = [c for c in history if c.infno == "2207" and c.status == CallStatus.OK]
    if answered:
        return finish_settlement(calls, record, answered[-1], policy)
    mdtrt_id = _registration(calls, record, history)
    # Cancel only a registration this attempt made: a re-settlement after a refund shares
    # its visit with the refunded settlement and has no 2201 of its own.
    made_registration = any(call.infno == "2201" for call in history)
    final = unwind_batch(
        calls,
        record,
        mdtrt_id=mdtrt_id,
        note=f"recover: unwound from {record.state}",
        cancel_registration=made_registration,
    )
    close_open_calls(calls, record)
    return (
        final,
        f"已撤销平台上的未结算明细{'与挂号' if made_registration else ''}（{record.state} → {final}）",
    )


def _registration(calls: JournaledCalls, record: BatchRecord, history: list[CallRecord]) -> str:
    if record.mdtrt_id:
        return record.mdtrt_id
    for call in history:
        if call.infno == "2201" and call.status == CallStatus.OK:
            return call.detail.mdtrt_id
    if any(call.infno == "2201" and call.status in _OPEN for call in history):
        return find_registration(calls, record)
    return ""


def _chain_batches(chain: ChainRecord) -> set[int]:
    ids = {step.batch_id for step in chain.plan.steps}
    for state in chain.progress:
        ids.update(state.attempts)
    return ids


def _chain_state(status: ChainStatus) -> BatchState:
    return {ChainStatus.DONE: BatchState.REFUNDED, ChainStatus.STOPPED: BatchState.FLAGGED}.get(
        status, BatchState.REFUNDING
    )
