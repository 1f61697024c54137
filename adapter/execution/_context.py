"""What executing a plan needs besides the plan: the card, the person's 异地 fields, the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .._display import INSUTYPE_LABELS, label
from .._lookup import Card
from .._planned import PlannedVisit
from .._workdays import WorkingCalendar, default_calendar
from ..planning import PlanBatch, VisitPlan, batch_number
from ._records import NewBatchData, ReceiptHeader, RemoteFields

__all__ = ["ExecutionPolicy", "VisitContext"]


@dataclass(frozen=True)
class ExecutionPolicy:
    """How execution reacts where the spec leaves a choice to the region or the hospital."""

    drift: Literal["warn", "stop"] = "warn"
    """Catalogue drift (the platform's 2204 split differs from the plan): record it, or unwind."""
    use_reversal: bool = True
    """Resolve an unknown 2207/2208 with 冲正 2601 (HN discourages it: PROTOCOL.md §3.13 ⚠)."""
    resettle_after_reversal: bool = False
    """After a reversed unknown 2207, settle the batch again at once (new msgids and chrg_bchno)."""
    fund_includes_account: bool = False
    """The province counts the personal account inside fund_pay_sumamt (DOMAIN.md §2.3)."""
    upload_working_days: int = 3
    """Seed 002 三(四): fee details not settled directly are uploaded within 3 working days."""
    calendar: WorkingCalendar = field(default_factory=default_calendar, compare=False)
    """Chinese working days (holidays, 调休): the library plus config/calendar/workdays_cn.csv."""


@dataclass(frozen=True)
class VisitContext:
    """A planned visit, ready to execute."""

    plan: VisitPlan
    card: Card
    person: RemoteFields
    """psn_cert_type, certno, psn_name, psn_type: sent on 2201/2206/2207 for 异地 business only."""

    @classmethod
    def of(cls, planned: PlannedVisit) -> VisitContext:
        record = planned.record
        insurance = next(i for i in record.insurances if i.insutype == planned.plan.eligibility.insutype)
        person = RemoteFields(
            psn_cert_type=record.person.psn_cert_type,
            certno=record.person.certno,
            psn_name=record.person.psn_name,
            psn_type=insurance.psn_type,
        )
        return cls(plan=planned.plan, card=planned.card, person=person)

    @property
    def psn_no(self) -> str:
        return self.plan.eligibility.psn_no

    @property
    def insutype(self) -> str:
        return self.plan.eligibility.insutype

    @property
    def insuplc_admdvs(self) -> str:
        return self.plan.eligibility.insured_admdvs

    @property
    def header(self) -> ReceiptHeader:
        """What each receipt of this visit prints besides the batch."""
        eligibility = self.plan.eligibility
        return ReceiptHeader(
            fixmedins_code=self.plan.fixmedins_code,
            fixmedins_name=self.plan.fixmedins_name,
            ipt_otp_no=self.plan.visit.ipt_otp_no,
            psn_name_masked=eligibility.psn_name_masked,
            insured_place=eligibility.insured_place,
            insutype=label(eligibility.insutype, INSUTYPE_LABELS),
        )

    @property
    def visit_key(self) -> str:
        return f"{self.plan.fixmedins_code}:{self.plan.visit.ipt_otp_no}"

    def new_batch(self, batch: PlanBatch, attempt: int, *, dry_run: bool = False) -> NewBatchData:
        # Dry runs are journaled too (a crash mid-dry-run leaves platform state to clean up),
        # under their own key so they never count as the visit's settlements.
        return NewBatchData(
            visit_key=("dry-run:" if dry_run else "") + self.visit_key,
            ipt_otp_no=self.plan.visit.ipt_otp_no,
            batch_number=batch.number,
            attempt=attempt,
            med_type=batch.med_type,
            dise_codg=batch.dise_codg,
            psn_no=self.psn_no,
            insutype=self.insutype,
            insuplc_admdvs=self.insuplc_admdvs,
            card=self.card,
            chrg_bchno=batch_number(self.plan.visit.ipt_otp_no, batch.number, attempt=attempt),
            plan_batch=batch,
            visit=self.plan.visit,
            remote=None if self.plan.eligibility.relation == "local" else self.person,
            header=self.header,
            acct_used_flag=self.plan.visit.acct_used_flag,
            self_pay=self.plan.self_pay,
        )
