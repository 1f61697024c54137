"""A refund chain's plan as data: the steps, journaled when the chain starts (see ``_refund_plan``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["RefundPlan", "RefundStep"]


class RefundStep(BaseModel):
    """One step: refund a settlement, or settle a batch's lines again."""

    model_config = ConfigDict(frozen=True)

    number: int
    action: Literal["refund", "resettle"]
    setl_id: str
    """The settlement refunded, or (resettle) the settlement whose lines are settled again."""
    batch_id: int
    ipt_otp_no: str
    chrg_bchno: str
    dise_codg: str
    setl_time: datetime
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    lines: tuple[str, ...]
    """feedetl_sn of the lines refunded (refund) or settled again (resettle)."""
    release: bool = False
    """After the refund, revoke the details and cancel the visit: nothing of it is settled again."""


class RefundPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    target_setl_id: str
    psn_no: str
    insutype: str
    year: int
    partial: bool
    refunded_lines: tuple[str, ...]
    steps: tuple[RefundStep, ...]

    @property
    def chain_length(self) -> int:
        """How many settlements the chain touches besides the target (0: the newest was asked for)."""
        return sum(1 for step in self.steps if step.action == "refund") - 1
