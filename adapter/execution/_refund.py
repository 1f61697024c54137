"""Running a refund chain, one journaled step at a time; ``resume_refund`` continues after a crash.

Each step is idempotent against the journal:

* refund — if the ledger still shows the settlement active: 冲正 any 2208 of it whose
  outcome is unknown, then 2208 (one fresh attempt after an unknown outcome); the answer
  must negate the settlement exactly. Then revoke its details (2205 "0000") and, when
  the visit is released, cancel it (2202).
* resettle — a new attempt of the batch on the same platform visit: 2204 (the kept
  lines, a new chrg_bchno) → 2206 → 2207. An earlier attempt left in flight is abandoned
  first (冲正 of its 2207, 2205), never guessed.

The chain's cursor moves only after a step completed. A platform refusal stops the chain
(a person decides); a transport failure leaves it in progress for ``recover``.
"""

from __future__ import annotations

from contextlib import suppress

from .._errors import (
    AdapterError,
    AmountMismatchError,
    InFlightError,
    OutcomeUnknownError,
    PlatformError,
    PlatformUnavailableError,
)
from ..planning import PlanBatch, SplitTotals, batch_number
from ..transactions import t2205, t2208
from ..transactions._settlement import SettlementInfo
from ._calls import JournaledCalls
from ._checks import reversal_problems
from ._context import ExecutionPolicy
from ._journal_protocol import Journal
from ._records import (
    BatchRecord,
    BatchState,
    CallRecord,
    CallStatus,
    ChainStatus,
    NewBatchData,
    Resettled,
    StepProgress,
)
from ._refund_models import RefundPlan, RefundStep
from ._refund_result import RefundResult, refund_result
from ._requests import Parties
from ._settle import BatchAttempt, settlement_detail
from ._unwind import (
    close_open_calls,
    details_may_exist,
    finish_settlement,
    release_registration,
    reverse_call,
    succeeded,
    unwind_batch,
)

__all__ = ["resume_refund", "run_refund", "send_refund"]

_OPEN = (CallStatus.INTENT, CallStatus.UNKNOWN)


def run_refund(calls: JournaledCalls, plan: RefundPlan, *, policy: ExecutionPolicy) -> RefundResult:
    chain_id = calls.journal.start_chain(plan, now=calls.clock())
    return resume_refund(calls, chain_id, policy=policy)


def resume_refund(calls: JournaledCalls, chain_id: int, *, policy: ExecutionPolicy) -> RefundResult:
    journal = calls.journal
    chain = journal.chain(chain_id)
    plan = chain.plan
    progress = list(chain.progress)
    for index in range(chain.next_step, len(plan.steps)):
        step = plan.steps[index]
        try:
            if step.action == "refund":
                _refund(calls, step)
            else:
                _resettle(calls, chain_id, progress, index, step, policy)
        except (AmountMismatchError, PlatformError) as refusal:
            if isinstance(refusal, PlatformUnavailableError):
                journal.update_chain(chain_id, now=calls.clock(), note=f"step {step.number}: {refusal}")
                return refund_result(journal, chain_id)
            _abandon_open_attempt(calls, progress[index])
            message = refusal.err_msg if isinstance(refusal, PlatformError) else str(refusal)
            note = f"step {step.number} ({step.action} {step.setl_id}) refused: {message}"
            journal.update_chain(chain_id, now=calls.clock(), status=ChainStatus.STOPPED, note=note)
            return refund_result(journal, chain_id)
        except AdapterError as failure:
            journal.update_chain(chain_id, now=calls.clock(), note=f"step {step.number}: {failure}")
            return refund_result(journal, chain_id)
        journal.update_chain(chain_id, now=calls.clock(), next_step=index + 1, progress=progress)
    journal.update_chain(chain_id, now=calls.clock(), status=ChainStatus.DONE, note="")
    return refund_result(journal, chain_id)


def _refund(calls: JournaledCalls, step: RefundStep) -> None:
    journal = calls.journal
    record = journal.batch(step.batch_id)
    ledger = journal.settlement(step.setl_id)
    if ledger is None:
        raise AmountMismatchError(f"settlement {step.setl_id} vanished from the ledger")
    if ledger.active:
        for call in journal.calls(record.id):
            if call.infno == "2208" and call.status in _OPEN:
                reverse_call(calls, record, call)  # a lost 2208 that committed is undone first
        answered = _answered_2208(journal.calls(record.id), step.setl_id)
        if answered is None:
            journal.update_batch(record.id, now=calls.clock(), state=BatchState.REFUNDING)
        reversal = answered or send_refund(calls, record, step.setl_id)
        journal.mark_refunded(step.setl_id, refund_setl_id=reversal.setl_id, refund_time=reversal.setl_time)
        problems = reversal_problems(reversal, ledger)
        if problems:
            journal.update_batch(
                record.id, now=calls.clock(), state=BatchState.FLAGGED, note="; ".join(problems)
            )
            raise AmountMismatchError(
                "2208 does not negate the settlement", infno="2208", problems=tuple(problems)
            )
    _release_details(calls, journal.batch(record.id), cancel_visit=step.release)
    close_open_calls(calls, journal.batch(record.id))


def _answered_2208(history: list[CallRecord], setl_id: str) -> SettlementInfo | None:
    """A 2208 of this settlement answered and recorded, whose refund the ledger has not yet noted."""
    for call in reversed(history):
        answered = call.infno == "2208" and call.status == CallStatus.OK
        if answered and call.keys.get("setl_id") == setl_id and call.detail.setlinfo is not None:
            return call.detail.setlinfo
    return None


def send_refund(calls: JournaledCalls, record: BatchRecord, setl_id: str) -> SettlementInfo:
    """2208 of ``setl_id`` on the batch's visit, journaled; an unknown outcome is reversed (2601) and sent
    once more with a new msgid, never guessed (reconciliation re-sends a missing refund with it too)."""
    payload = t2208.Input(
        data=t2208.SettlementCancel(setl_id=setl_id, mdtrt_id=record.mdtrt_id, psn_no=record.psn_no)
    )

    def send() -> SettlementInfo:
        reply = calls.call(
            t2208.TRANSACTION,
            payload,
            batch_id=record.id,
            insuplc_admdvs=record.insuplc_admdvs,
            keys={"setl_id": setl_id, "mdtrt_id": record.mdtrt_id},
            summary=settlement_detail,
        )
        return reply.output.setlinfo

    try:
        return send()
    except OutcomeUnknownError as error:
        lost = next(call for call in calls.journal.calls(record.id) if call.msgid == error.msgid)
        reverse_call(calls, record, lost)
        return send()


def _release_details(calls: JournaledCalls, record: BatchRecord, *, cancel_visit: bool) -> None:
    """After 2208 the details are unsettled again: revoke them; release the visit if asked."""
    journal = calls.journal
    keys = {"mdtrt_id": record.mdtrt_id}
    if not _revoked_since_refund(journal.calls(record.id)):
        data = t2205.FeeDetailCancel(mdtrt_id=record.mdtrt_id, chrg_bchno="0000", psn_no=record.psn_no)
        payload = t2205.Input(data=data)
        calls.call(
            t2205.TRANSACTION, payload, batch_id=record.id, insuplc_admdvs=record.insuplc_admdvs, keys=keys
        )
    if cancel_visit and not succeeded(journal.calls(record.id), "2202"):
        try:
            release_registration(calls, record, record.mdtrt_id)
        except PlatformError as refusal:
            # Not a reason to stop the chain half-way (the later batches are refunded and
            # wait to be settled again): the step stays in progress and ``recover`` retries it.
            raise InFlightError(
                f"2202 refused ({refusal.err_msg}): the visit is still registered"
            ) from refusal
    journal.update_batch(record.id, now=calls.clock(), state=BatchState.REFUNDED)


def _revoked_since_refund(history: list[CallRecord]) -> bool:
    revoked = False
    for call in history:
        if call.infno == "2208" and call.status == CallStatus.OK:
            revoked = False
        elif call.infno == "2205" and call.status == CallStatus.OK:
            revoked = True
    return revoked


def _resettle(
    calls: JournaledCalls,
    chain_id: int,
    progress: list[StepProgress],
    index: int,
    step: RefundStep,
    policy: ExecutionPolicy,
) -> None:
    """Settle the step's lines again; ``progress[index]`` records each attempt before it calls."""
    journal = calls.journal
    state = progress[index]
    if state.attempts:
        last = journal.batch(state.attempts[-1])
        answered = [c for c in journal.calls(last.id) if c.infno == "2207" and c.status == CallStatus.OK]
        if answered and last.state not in (BatchState.SETTLED, BatchState.FLAGGED):
            finish_settlement(calls, last, answered[-1], policy)  # settled; the process died before noting it
            last = journal.batch(last.id)
        if last.state in (BatchState.SETTLED, BatchState.FLAGGED):
            progress[index] = state.model_copy(
                update={"result": Resettled(new_setl_id=last.setl_id, batch_id=last.id)}
            )
            return
        _abandon(calls, last)
    old = journal.batch(step.batch_id)
    batch = _kept(old.plan_batch, step.lines)
    record = journal.start_batch(_attempt_of(journal, old, batch), now=calls.clock())
    journal.update_batch(record.id, now=calls.clock(), state=BatchState.VISIT_UPLOADED)
    state = progress[index] = StepProgress(attempts=(*state.attempts, record.id))
    journal.update_chain(chain_id, now=calls.clock(), progress=progress)  # durable before any call
    run = BatchAttempt(calls, journal.batch(record.id), policy)
    run.upload_details()
    run.presettle()
    info, _problems = run.settle()
    progress[index] = state.model_copy(
        update={"result": Resettled(new_setl_id=info.setl_id, batch_id=record.id)}
    )


def _kept(batch: PlanBatch, lines: tuple[str, ...]) -> PlanBatch:
    kept = tuple(line for line in batch.lines if line.feedetl_sn in lines)
    return batch.model_copy(update={"lines": kept, "totals": SplitTotals.of(kept)})


def _attempt_of(journal: Journal, old: BatchRecord, batch: PlanBatch) -> NewBatchData:
    attempts = [
        r.attempt for r in journal.batches_of_visit(old.visit_key) if r.batch_number == old.batch_number
    ]
    attempt = max(attempts) + 1
    parties = Parties.of_record(old)  # refuses a batch whose credential was purged
    return NewBatchData(
        visit_key=old.visit_key,
        ipt_otp_no=old.ipt_otp_no,
        batch_number=old.batch_number,
        attempt=attempt,
        med_type=old.med_type,
        dise_codg=old.dise_codg,
        psn_no=old.psn_no,
        insutype=old.insutype,
        insuplc_admdvs=old.insuplc_admdvs,
        card=parties.card,
        chrg_bchno=batch_number(old.ipt_otp_no, old.batch_number, attempt=attempt),
        plan_batch=batch,
        visit=old.visit,
        remote=old.remote,
        header=old.header,
        acct_used_flag=old.acct_used_flag,
        mdtrt_id=old.mdtrt_id,
        self_pay=old.self_pay,
    )


def _abandon(calls: JournaledCalls, record: BatchRecord) -> None:
    """Give up an attempt left in flight: 冲正 its unknown 2207, revoke its details, keep the visit."""
    for call in calls.journal.calls(record.id):
        if call.infno == "2207" and call.status in _OPEN:
            reverse_call(calls, record, call)
    if details_may_exist(calls.journal.calls(record.id)):
        unwind_batch(
            calls,
            record,
            mdtrt_id=record.mdtrt_id,
            note="refund chain: attempt abandoned",
            cancel_registration=False,
            final=BatchState.UNSETTLED,
        )
    else:
        calls.journal.update_batch(record.id, now=calls.clock(), state=BatchState.UNSETTLED)
    close_open_calls(calls, calls.journal.batch(record.id))


def _abandon_open_attempt(calls: JournaledCalls, state: StepProgress) -> None:
    if not state.attempts:
        return
    last = calls.journal.batch(state.attempts[-1])
    if not last.state.terminal:
        # Best effort: if the platform is unreachable now, the attempt stays in flight and
        # the generic recover unwinds it later (it never cancels a visit it did not register).
        with suppress(AdapterError):
            _abandon(calls, last)
