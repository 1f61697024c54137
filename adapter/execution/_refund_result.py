"""What a refund chain did, per settlement: old and new fund / account / cash, and 补收 / 补退.

For the cashier: a re-settled visit whose patient now pays more cash is *collected* (补收),
less is *paid back* (补退); a refunded visit that is not settled again pays back all its
cash. Account amounts go back to and out of the personal account on the platform.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ._journal_protocol import Journal
from ._records import ChainStatus, StepProgress
from ._refund_models import RefundPlan

__all__ = ["RefundResult", "SettlementChange", "refund_result"]

ZERO = Decimal("0.00")


class SettlementChange(BaseModel):
    """One settlement of the chain, before and after."""

    model_config = ConfigDict(frozen=True)

    setl_id: str
    ipt_otp_no: str
    dise_codg: str
    refunded: bool
    new_setl_id: str
    old_fund: Decimal
    new_fund: Decimal
    old_acct: Decimal
    new_acct: Decimal
    old_cash: Decimal
    new_cash: Decimal

    @property
    def collect(self) -> Decimal:
        """补收: what the cashier collects now."""
        return max(ZERO, self.new_cash - self.old_cash)

    @property
    def pay_back(self) -> Decimal:
        """补退: what the cashier pays back now."""
        return max(ZERO, self.old_cash - self.new_cash)


class RefundResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    chain_id: int
    plan: RefundPlan
    status: ChainStatus
    steps_done: int
    message: str
    changes: tuple[SettlementChange, ...]

    @property
    def total_collect(self) -> Decimal:
        return sum((change.collect for change in self.changes), ZERO)

    @property
    def total_pay_back(self) -> Decimal:
        return sum((change.pay_back for change in self.changes), ZERO)


def refund_result(journal: Journal, chain_id: int) -> RefundResult:
    chain = journal.chain(chain_id)
    plan = chain.plan
    changes = []
    for step in (s for s in plan.steps if s.action == "refund"):
        old = journal.settlement(step.setl_id)
        resettled = _resettled(chain.progress, plan, step.setl_id)
        new = journal.settlement(resettled) if resettled else None
        changes.append(
            SettlementChange(
                setl_id=step.setl_id,
                ipt_otp_no=step.ipt_otp_no,
                dise_codg=step.dise_codg,
                refunded=old is not None and not old.active,
                new_setl_id=resettled,
                old_fund=step.fund_pay_sumamt,
                new_fund=new.fund_pay_sumamt if new else ZERO,
                old_acct=step.acct_pay,
                new_acct=new.acct_pay if new else ZERO,
                old_cash=step.psn_cash_pay,
                new_cash=new.psn_cash_pay if new else ZERO,
            )
        )
    message = {
        ChainStatus.DONE: "退费完成",
        ChainStatus.STOPPED: f"已停止：{chain.note}",
        ChainStatus.IN_PROGRESS: f"未完成（{chain.note}）：请运行 opsp recover",
    }[chain.status]
    return RefundResult(
        chain_id=chain_id,
        plan=plan,
        status=chain.status,
        steps_done=chain.next_step,
        message=message,
        changes=tuple(sorted(changes, key=lambda change: _settled_order(plan, change.setl_id))),
    )


def _resettled(progress: tuple[StepProgress, ...], plan: RefundPlan, setl_id: str) -> str:
    for step, state in zip(plan.steps, progress, strict=True):
        if step.action == "resettle" and step.setl_id == setl_id:
            return state.result.new_setl_id if state.result else ""
    return ""


def _settled_order(plan: RefundPlan, setl_id: str) -> datetime:
    step = next(s for s in plan.steps if s.setl_id == setl_id)
    return step.setl_time
