"""Settling a plan: each batch its own journaled visit, 2201 → 2203 → 2204 → 2206 → 2207.

Outcomes per batch (see ``_records`` for the states):

* settled — a receipt; the settlement is in the ledger;
* predicted — a dry run stopped after 2206 and unwound everything it created;
* unsettled — the platform refused, or the answers broke a money identity, or a 2207
  whose outcome was unknown was reversed (冲正): nothing remains on the platform and the
  batch may be settled again;
* self_pay — the platform was unreachable or down beyond the retry budget: the cashier
  collects the batch in full and its details go to the outbox (seed 002 三(四));
* flagged — a settlement exists but its answer broke an identity, or its unknown outcome
  could not be reversed: a person must reconcile it;
* in_flight — cleanup could not finish (platform down): ``recover`` will.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from .._client import Reply
from .._errors import (
    AdapterError,
    AmountMismatchError,
    ConnectError,
    OutcomeUnknownError,
    PlatformError,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
)
from ..planning import PlanBatch
from ..transactions import InputModel, OutputModel, Transaction, t2201, t2203, t2204, t2206, t2207
from ..transactions._settlement import FundPayment, SettlementInfo, SettlementOutput
from . import _requests as requests
from ._calls import JournaledCalls
from ._checks import fee_problems, line_drift, settlement_problems, totals_of
from ._context import ExecutionPolicy, VisitContext
from ._ledger import record_settlement
from ._receipts import prediction_of, receipt_of
from ._records import BatchRecord, BatchState, CallDetail, LineSplit, OutboxPayload, RemoteFields
from ._requests import Parties
from ._results import BatchResult, BatchStatus, Prediction, Receipt
from ._unwind import details_on_platform, find_registration, reverse_call, unwind_batch

__all__ = ["BatchAttempt", "outbox_payload", "settle_batch", "settlement_detail"]

_PLATFORM_DOWN = (ConnectError, PlatformTimeoutError, PlatformUnavailableError, ProtocolError)

InT = TypeVar("InT", bound=InputModel)
OutT = TypeVar("OutT", bound=OutputModel)


class BatchAttempt:
    """One attempt at one batch: the steps, and what each left behind.

    Its requests are built from the journal's record of the attempt alone (the batch, the
    visit, the credential, the 异地 fields), as a refund chain or ``recover`` builds them.
    """

    def __init__(
        self,
        calls: JournaledCalls,
        record: BatchRecord,
        policy: ExecutionPolicy,
        *,
        identity: RemoteFields | None = None,
    ) -> None:
        self.calls, self.record, self.policy = calls, record, policy
        # Whom a self-pay upload names (4205): the visit's 1101 person, else the journal's 异地 fields.
        self.identity = identity or record.remote
        self.parties = Parties.of_record(record)
        self.batch: PlanBatch = record.plan_batch
        self.mdtrt_id = record.mdtrt_id
        self.results: tuple[t2204.FeeResult, ...] = ()
        # The platform's 2204 split of each line, as the journal keeps it (made once: journal and receipt).
        self.splits: tuple[LineSplit, ...] = ()
        self.drift: tuple[str, ...] = ()
        self.details: tuple[FundPayment, ...] = ()

    def _call(
        self,
        transaction: Transaction[InT, OutT],
        payload: InT,
        summary: Callable[[OutT], CallDetail] | None = None,
    ) -> Reply[OutT]:
        keys: Mapping[str, str] = {"mdtrt_id": self.mdtrt_id, "chrg_bchno": self.record.chrg_bchno}
        return self.calls.call(
            transaction,
            payload,
            batch_id=self.record.id,
            insuplc_admdvs=self.parties.insuplc_admdvs,
            keys=keys,
            summary=summary,
        )

    def _state(
        self,
        state: BatchState,
        *,
        mdtrt_id: str | None = None,
        setl_id: str | None = None,
        note: str | None = None,
        fee_split: tuple[LineSplit, ...] | None = None,
    ) -> None:
        self.calls.journal.update_batch(
            self.record.id,
            now=self.calls.clock(),
            state=state,
            mdtrt_id=mdtrt_id,
            setl_id=setl_id,
            note=note,
            fee_split=fee_split,
        )

    def register(self) -> None:
        reply = self._call(
            t2201.TRANSACTION,
            requests.registration(self.parties, self.record.chrg_bchno),
            summary=lambda out: CallDetail(mdtrt_id=out.data.mdtrt_id),
        )
        self.mdtrt_id = reply.output.data.mdtrt_id
        self._state(BatchState.REGISTERED, mdtrt_id=self.mdtrt_id)

    def upload_visit(self) -> None:
        self._call(t2203.TRANSACTION, requests.visit_info(self.parties, self.batch, self.mdtrt_id))
        self._state(BatchState.VISIT_UPLOADED)

    def upload_details(self) -> None:
        payload = requests.fee_details(self.parties, self.batch, self.mdtrt_id, self.record.chrg_bchno)
        try:
            reply = self._call(t2204.TRANSACTION, payload)
            results, msgid = reply.output.result, reply.msgid
        except OutcomeUnknownError as lost:
            # Ask the platform what it holds (5204) rather than give the bill up to self-pay.
            found = details_on_platform(self.calls, self.calls.journal.batch(self.record.id), lost.msgid)
            if found is None:  # nothing arrived: upload again, under a new msgid
                reply = self._call(t2204.TRANSACTION, payload)
                results, msgid = reply.output.result, reply.msgid
            else:
                results, msgid = found, lost.msgid
        self.results = results
        self.splits = tuple(LineSplit.of(result) for result in results)
        # The platform's split, in the same write as the state: a receipt printed later prints it.
        self._state(BatchState.DETAILS_UPLOADED, fee_split=self.splits)
        problems = fee_problems(self.results, self.batch.lines)
        if problems:
            raise AmountMismatchError(
                "2204 answer does not add up", infno="2204", msgid=msgid, problems=tuple(problems)
            )
        self.drift = tuple(str(d) for d in line_drift(self.results, self.batch.lines))
        if self.drift and self.policy.drift == "stop":
            raise AmountMismatchError("catalogue drift (policy: stop)", infno="2204", problems=self.drift)

    def presettle(self) -> Prediction:
        reply = self._call(
            t2206.TRANSACTION,
            requests.presettlement(self.parties, self.batch, self.mdtrt_id, self.record.chrg_bchno),
        )
        self._check(reply.output, "2206", reply.msgid)
        self._state(BatchState.PRESETTLED)
        return prediction_of(reply.output.setlinfo, reply.output.setldetail)

    def settle(self) -> tuple[SettlementInfo, list[str]]:
        """2207; the settlement is in the ledger before its identities are judged."""
        self._state(BatchState.SETTLING)
        payload = requests.settlement(
            self.parties, self.batch, self.mdtrt_id, self.record.chrg_bchno, totals_of(self.results)
        )
        reply = self._call(t2207.TRANSACTION, payload, summary=settlement_detail)
        info = reply.output.setlinfo
        self.details = reply.output.setldetail
        year = self.parties.visit.begntime.year
        record_settlement(self.calls.journal, self.record, info, msgid=reply.msgid, year=year)
        self.calls.checkpoint("ledger 2207")  # the settlement (and the 2207 outcome) are on disk
        problems = self._problems(reply.output)
        state = BatchState.FLAGGED if problems else BatchState.SETTLED
        self._state(state, setl_id=info.setl_id, note="; ".join(problems))
        return info, problems

    def _problems(self, output: SettlementOutput) -> list[str]:
        return settlement_problems(
            output.setlinfo,
            output.setldetail,
            expected_total=self.batch.totals.medfee_sumamt,
            fund_includes_account=self.policy.fund_includes_account,
        )

    def _check(self, output: SettlementOutput, infno: str, msgid: str) -> None:
        problems = self._problems(output)
        if problems:
            raise AmountMismatchError(
                f"{infno} answer does not add up", infno=infno, msgid=msgid, problems=tuple(problems)
            )

    def unwind(self, note: str) -> BatchState:
        return unwind_batch(
            self.calls, self.calls.journal.batch(self.record.id), mdtrt_id=self.mdtrt_id, note=note
        )


def settle_batch(
    calls: JournaledCalls,
    ctx: VisitContext,
    batch: PlanBatch,
    *,
    policy: ExecutionPolicy,
    attempt: int = 0,
    dry_run: bool = False,
) -> BatchResult:
    """Run one batch to an outcome; never raises for a platform failure (the result says what happened)."""
    record = calls.journal.start_batch(ctx.new_batch(batch, attempt, dry_run=dry_run), now=calls.clock())
    run = BatchAttempt(calls, record, policy, identity=ctx.person)
    try:
        run.register()
        run.upload_visit()
        run.upload_details()
        prediction = run.presettle()
        if dry_run:
            run.unwind("dry run: nothing settled")
            return _result(run, "predicted", "预结算（dry run），已撤销", prediction=prediction)
        info, problems = run.settle()
    except OutcomeUnknownError as error:
        again = partial(settle_batch, calls, ctx, batch, policy=policy, attempt=attempt + 1)
        return _after_unknown(run, error, dry_run=dry_run, resettle=again)
    except AmountMismatchError as error:
        return _unwound(run, "unsettled", f"平台返回金额核对不符，已撤销：{error}")
    except _PLATFORM_DOWN as error:
        return _fallback(run, error, dry_run=dry_run)
    except PlatformError as error:
        return _unwound(run, "unsettled", f"医保平台拒绝：{error.err_msg}（已撤销，未结算）")
    receipt = receipt_of(run.record.header, run.batch, run.record, info, run.splits, run.details)
    if problems:
        return _result(
            run, "flagged", "已结算，但返回金额核对不符，请人工核对：" + "; ".join(problems), receipt=receipt
        )
    return _result(run, "settled", "结算成功", receipt=receipt)


def _after_unknown(
    run: BatchAttempt, error: OutcomeUnknownError, *, dry_run: bool, resettle: Callable[[], BatchResult]
) -> BatchResult:
    journal = run.calls.journal
    if error.infno != "2207":
        if error.infno == "2201":
            try:
                run.mdtrt_id = find_registration(run.calls, journal.batch(run.record.id))
            except AdapterError as lookup_error:
                return _result(
                    run, "in_flight", f"挂号结果不明且无法查询（{lookup_error}）：请运行 opsp recover"
                )
        return _fallback(run, error, dry_run=dry_run)
    if not run.policy.use_reversal:
        run._state(BatchState.FLAGGED, note="2207 结果不明；未启用冲正：请通过对账（3202）核实")
        return _result(run, "flagged", "结算结果不明；未启用冲正：请通过对账（3202）核实")
    original = next(call for call in journal.calls(run.record.id) if call.msgid == error.msgid)
    try:
        reverse_call(run.calls, journal.batch(run.record.id), original)
    except PlatformError as refusal:
        run._state(BatchState.FLAGGED, note=f"2207 结果不明，冲正被拒绝：{refusal.err_msg}")
        return _result(run, "flagged", f"结算结果不明，冲正被拒绝：{refusal.err_msg}，请人工核对")
    except AdapterError as failure:
        return _result(run, "in_flight", f"结算结果不明，冲正未完成（{failure}）：请运行 opsp recover")
    if run.policy.resettle_after_reversal and not dry_run:
        unwound = _unwound(run, "unsettled", "结算结果不明，已冲正并撤销")
        if unwound.status != "unsettled":
            return unwound
        return resettle()
    return _unwound(run, "unsettled", "结算结果不明，已冲正：本批次未结算，可重新结算")


def _fallback(run: BatchAttempt, error: Exception, *, dry_run: bool) -> BatchResult:
    if dry_run:
        return _unwound(run, "unsettled", f"医保平台不可用（{error}）：预结算未完成")
    journal = run.calls.journal
    journal.update_batch(run.record.id, now=run.calls.clock(), unwind_to=BatchState.SELF_PAY)
    today = run.calls.clock().date()
    due = run.policy.calendar.add_working_days(today, run.policy.upload_working_days)
    outbox_id = journal.add_outbox(
        visit_key=run.record.visit_key,
        batch_number=run.batch.number,
        reason=f"医保平台不可用，按自费结算：{error}{run.policy.calendar.note(today, due)}",
        payload=outbox_payload(run.parties, run.batch),
        now=run.calls.clock(),
        due=due,
        identity=run.identity,
    )
    result = _unwound(run, "self_pay", f"医保平台不可用（{error}）：本批次按自费收取，费用明细待上传")
    return result.model_copy(update={"outbox_id": outbox_id})


def _unwound(run: BatchAttempt, status: BatchStatus, message: str) -> BatchResult:
    try:
        run.unwind(message)
    except AdapterError as error:
        return _result(run, "in_flight", f"{message}；平台清理未完成（{error}）：请运行 opsp recover")
    return _result(run, status, message)


def _result(
    run: BatchAttempt,
    status: BatchStatus,
    message: str,
    *,
    receipt: Receipt | None = None,
    prediction: Prediction | None = None,
) -> BatchResult:
    return BatchResult(
        batch_number=run.batch.number,
        chrg_bchno=run.record.chrg_bchno,
        med_type=run.batch.med_type,
        dise_codg=run.batch.dise_codg,
        receipt_category=run.batch.receipt_category,
        status=status,
        message=message,
        journal_batch_id=run.record.id,
        medfee_sumamt=run.batch.totals.medfee_sumamt,
        drift=run.drift,
        receipt=receipt,
        prediction=prediction,
    )


def outbox_payload(parties: Parties, batch: PlanBatch) -> OutboxPayload:
    """What the 3-working-day upload needs: the batch's lines (all 已贯标) and the diagnoses."""
    return OutboxPayload(
        psn_no=parties.psn_no,
        insuplc_admdvs=parties.insuplc_admdvs,
        feedetail=batch.lines,
        diseinfo=parties.visit.diagnoses,
    )


def settlement_detail(output: SettlementOutput) -> CallDetail:
    """Enough of a 2207/2208 answer to finish a batch or print its receipt: amounts and ids, no person.

    The name, certno, birthday, sex, nationality and age the platform echoes are not kept.
    """
    personal = {"psn_name": "", "certno": "", "brdy": None, "gend": "", "naty": "", "age": None}
    return CallDetail(setlinfo=output.setlinfo.model_copy(update=personal), setldetail=output.setldetail)
