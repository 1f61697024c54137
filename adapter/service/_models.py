"""What the service's routes take and answer, built from the library's own models.

A bill is the visit file's ``Visit``; a plan is ``VisitPlan``; a settlement ``VisitResult``; a refund
``RefundPlan``/``RefundResult``. Answers add what the library computes as properties (cash to collect,
补收/补退) and who asked (desk, operator). Money is an exact decimal: answers carry JSON numbers written by
the adapter's codec (never through a float), requests accept numbers or strings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..execution import OutboxEntry, RecoveryAction, RefundPlan, RefundResult, VisitResult
from ..planning import VisitPlan

__all__ = [
    "DaySettlement",
    "DaySettlements",
    "DryRunAnswer",
    "Health",
    "LookupRequest",
    "OutboxAnswer",
    "RecoveryAnswer",
    "RefundAnswer",
    "RefundMoney",
    "RefundPlanAnswer",
    "RefundRequest",
    "SettleAnswer",
]


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Health(_Answer):
    status: Literal["ok"]
    fixmedins_code: str


class LookupRequest(BaseModel):
    """The card presented at the cashier (the visit file's ``patient``), and when the visit is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mdtrt_cert_type: Literal["01", "02", "03"]
    mdtrt_cert_no: str = Field(min_length=1, max_length=600, repr=False)
    card_sn: str = Field(default="", max_length=64, repr=False)
    insutype: str = Field(default="", max_length=6)
    visit_time: datetime | None = None
    """Default: now, in China time."""


class DryRunAnswer(_Answer):
    plan: VisitPlan
    result: VisitResult
    cash_to_collect: Decimal
    """What the cashier would collect: every batch's predicted cash share plus the self-pay bucket."""


class SettleAnswer(_Answer):
    idempotency_key: str
    desk: str
    opter: str
    complete: bool
    """True when every batch ended settled or self-pay; otherwise a batch needs recover or a person."""
    cash_to_collect: Decimal
    result: VisitResult


class RefundRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    setl_id: str = Field(min_length=1, max_length=64)
    lines: list[str] | None = Field(default=None, min_length=1)
    """Refund only these lines (feedetl_sn): a partial refund. Default: the whole settlement."""
    expect_steps: int | None = Field(default=None, ge=1)
    """The number of steps of the chain the cashier was shown (``/v1/refunds/plan``); when given and the
    chain has changed since, nothing is done (409 ``refund_chain_changed``)."""


class RefundPlanAnswer(_Answer):
    chain_length: int
    """How many later settlements are refunded and settled again along with the target."""
    plan: RefundPlan


class RefundMoney(_Answer):
    """One settlement of a chain: what the cashier collects (补收) or pays back (补退) for it now."""

    setl_id: str
    new_setl_id: str
    refunded: bool
    collect: Decimal
    pay_back: Decimal


class RefundAnswer(_Answer):
    idempotency_key: str
    desk: str
    opter: str
    complete: bool
    total_collect: Decimal
    total_pay_back: Decimal
    money: tuple[RefundMoney, ...]
    result: RefundResult


class RecoveryAnswer(_Answer):
    complete: bool
    """True when every batch the journal showed in flight reached an end."""
    actions: tuple[RecoveryAction, ...]


class OutboxAnswer(_Answer):
    entries: tuple[OutboxEntry, ...]


class DaySettlement(_Answer):
    """A settlement made through the service, who made it, and whether it still stands."""

    setl_id: str
    ipt_otp_no: str
    operation: Literal["settle", "resettle"]
    idempotency_key: str
    desk: str
    opter: str
    recorded_at: datetime
    setl_time: datetime | None
    active: bool
    refund_setl_id: str
    medfee_sumamt: Decimal | None
    fund_pay_sumamt: Decimal | None
    acct_pay: Decimal | None
    psn_cash_pay: Decimal | None


class DaySettlements(_Answer):
    day: date
    settlements: tuple[DaySettlement, ...]
