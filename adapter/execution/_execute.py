"""Settling a whole visit: every batch in plan order, and the outbox for a bill not settled at all."""

from __future__ import annotations

from decimal import Decimal

from .._errors import InFlightError, InputError
from ._calls import JournaledCalls
from ._context import ExecutionPolicy, VisitContext
from ._journal_protocol import Journal
from ._receipts import receipt_from_journal
from ._records import BatchRecord, BatchState, OutboxPayload
from ._results import BatchResult, BatchStatus, VisitResult
from ._settle import settle_batch

__all__ = ["settle_visit"]


def settle_visit(
    calls: JournaledCalls, ctx: VisitContext, *, policy: ExecutionPolicy, dry_run: bool = False
) -> VisitResult:
    """Settle (or, with ``dry_run``, pre-settle and undo) every batch of the plan.

    Settling a visit again settles only its batches that ended unsettled (a new attempt,
    with new msgids and chrg_bchno); a settled or self-paid batch is not touched, and a
    batch still in flight must be recovered first.
    """
    if ctx.plan.decision_needed and not dry_run:
        codes = "、".join(ctx.plan.decision_needed)
        raise InputError(
            f"visit {ctx.plan.visit.ipt_otp_no}: the items of {codes} cannot be settled as 门诊慢特病"
            " here but may be claimed at the insured place; set refused_chronic to 'ordinary' (settle"
            " them as 普通门诊, the receipt is used) or 'self_pay' (collect them in full, the receipt"
            " stays with the patient for the claim); nothing was sent"
        )
    previous = calls.journal.batches_of_visit(("dry-run:" if dry_run else "") + ctx.visit_key)
    results = []
    for batch in ctx.plan.batches:
        attempts = [record for record in previous if record.batch_number == batch.number]
        if any(not record.state.terminal for record in attempts):
            visit = ctx.plan.visit.ipt_otp_no
            raise InFlightError(f"batch {batch.number} of visit {visit} is in flight: run recover first")
        done = [record for record in attempts if record.state in _DONE and not dry_run]
        if done:
            results.append(_already(calls.journal, done[-1], batch.totals.medfee_sumamt))
            continue
        results.append(settle_batch(calls, ctx, batch, policy=policy, attempt=len(attempts), dry_run=dry_run))
    outbox_id = None if dry_run else _outbox_unsettled_bill(calls, ctx, policy)
    return VisitResult(
        ipt_otp_no=ctx.plan.visit.ipt_otp_no,
        dry_run=dry_run,
        batches=tuple(results),
        self_pay_total=ctx.plan.self_pay.total,
        outbox_id=outbox_id,
    )


_DONE = frozenset({BatchState.SETTLED, BatchState.FLAGGED, BatchState.SELF_PAY, BatchState.REFUNDED})


def _already(journal: Journal, record: BatchRecord, total: Decimal) -> BatchResult:
    """A batch an earlier run finished: shown with its receipt, so its cash counts at its real share."""
    statuses: dict[BatchState, BatchStatus] = {BatchState.SELF_PAY: "self_pay", BatchState.FLAGGED: "flagged"}
    status = statuses.get(record.state, "settled")
    receipt = None
    if record.setl_id and record.state in (BatchState.SETTLED, BatchState.FLAGGED):
        receipt = receipt_from_journal(journal, record.setl_id)
    return BatchResult(
        batch_number=record.batch_number,
        chrg_bchno=record.chrg_bchno,
        med_type=record.med_type,
        dise_codg=record.dise_codg,
        receipt_category=record.plan_batch.receipt_category,
        status=status,
        message="此前已结算，本次未重复结算" if receipt else "此前已处理，本次未重复结算",
        journal_batch_id=record.id,
        medfee_sumamt=total,
        receipt=receipt,
        earlier=True,
    )


def _why(ctx: VisitContext) -> str:
    eligibility = ctx.plan.eligibility
    if not eligibility.insurance_active:
        return eligibility.insurance_reason
    return (
        "；".join(f"{f.opsp_dise_code} {f.reason}" for f in eligibility.filings if f.claimable)
        + "（保留票据手工报销）"
    )


def _outbox_unsettled_bill(calls: JournaledCalls, ctx: VisitContext, policy: ExecutionPolicy) -> int | None:
    """Lines not settled directly go to the outbox (seed 002 三(四)): every 已贯标 line of a patient who could
    not use insurance at all, or the lines collected as self-pay so the patient can claim them."""
    eligibility = ctx.plan.eligibility
    kept = set(ctx.plan.kept_for_claim)
    lines = [
        line
        for line in ctx.plan.self_pay.lines
        if line.med_list_codg and (not eligibility.insurance_active or line.feedetl_sn in kept)
    ]
    if not lines:
        return None
    # This visit's entries only: every entry ever queued was read, unsealed and decoded on each such visit.
    queued = calls.journal.outbox(include_sent=True, visit_key=ctx.visit_key)
    if any(entry.batch_number == 0 for entry in queued):
        return None  # the bill was queued when it was first presented
    today = calls.clock().date()
    due = policy.calendar.add_working_days(today, policy.upload_working_days)
    return calls.journal.add_outbox(
        visit_key=ctx.visit_key,
        batch_number=0,
        reason=f"未直接结算（按自费结算）：{_why(ctx)}{policy.calendar.note(today, due)}",
        payload=OutboxPayload(
            psn_no=ctx.psn_no,
            insuplc_admdvs=ctx.insuplc_admdvs,
            feedetail=tuple(lines),
            diseinfo=ctx.plan.visit.diagnoses,
        ),
        now=calls.clock(),
        due=due,
        identity=ctx.person,
    )
