"""``Adapter``: the one entry point a HIS uses — eligibility, planning, settling, recovery.

It owns nothing global: the platform client, the clock, the hospital profile, the
mapping tables and the journal are injected or built from settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from mappings import shipped

from ._client import PlatformClient
from ._clock import Clock, china_now
from ._errors import ClientClosedError, ConfigurationError
from ._hospital import HospitalProfile, hospital_profile
from ._lookup import Card
from ._planned import PlannedVisit
from ._settings import AdapterSettings
from .eligibility import EligibilityCheck, check_eligibility
from .execution import (
    Checkpoint,
    ExecutionPolicy,
    Journal,
    JournaledCalls,
    JournalOwner,
    OutboxEntry,
    OutboxUpload,
    RecoveryAction,
    RefundPlan,
    RefundResult,
    SqliteJournal,
    VisitContext,
    VisitResult,
    no_checkpoint,
    plan_refund,
    recover,
    require_nothing_in_flight,
    run_refund,
    settle_visit,
    upload_outbox,
)
from .filings import (
    FilingOutcome,
    FilingRequest,
    RevocationOutcome,
    RevocationRequest,
    file_disease,
    recover_filings,
    revoke_filing,
)
from .planning import PlanningTables, Visit, load_visit, parse_visit, plan_visit
from .reconcile import DayLedger, Progress, ReconcileReport, day_ledger, reconcile

__all__ = ["Adapter", "PlannedVisit", "TablesSource", "VisitInput"]

TablesSource = Callable[[], PlanningTables | None]
"""A function returning the tables to plan with now (None: the shipped ones) — for a long-running process
whose tables change while it runs, e.g. :class:`adapter.catalogue.SyncedTables` following the catalogue
store."""

VisitInput = Visit | dict[str, object] | str | Path | PlannedVisit
"""A bill as a visit file path, a decoded document, a ``Visit``, or an already planned visit."""


class Adapter:
    """Settle 门诊慢特病 bills for one hospital with one platform."""

    def __init__(
        self,
        client: PlatformClient,
        *,
        clock: Clock = china_now,
        hospital: HospitalProfile | None = None,
        tables: PlanningTables | TablesSource | None = None,
        journal: Journal | None = None,
        policy: ExecutionPolicy | None = None,
        checkpoint: Checkpoint = no_checkpoint,
    ) -> None:
        self._client = client
        self._clock = clock
        self._hospital = hospital or hospital_profile(client.settings)
        self._tables = tables
        self._journal = journal
        if journal is not None:
            # One journal, one platform and hospital; and every msgid from a block the journal
            # made durable first, so no restart can issue one again.
            journal.claim(
                JournalOwner(platform=client.platform, fixmedins_code=client.settings.fixmedins_code)
            )
            client.reserve_msgids_from(journal.reserve_msgids)
        self._policy = policy or ExecutionPolicy()
        self._checkpoint = checkpoint

    def _tables_now(self) -> PlanningTables | None:
        tables = self._tables
        return tables() if callable(tables) else tables

    @property
    def client(self) -> PlatformClient:
        return self._client

    @property
    def settings(self) -> AdapterSettings:
        return self._client.settings

    @property
    def hospital(self) -> HospitalProfile:
        return self._hospital

    def check_eligibility(
        self, card: Card, *, visit_time: datetime | None = None, insutype: str | None = None
    ) -> EligibilityCheck:
        """1101 → 5301 → judgement → 2001: what this patient may settle here at ``visit_time``."""
        when = visit_time or self._clock().replace(tzinfo=None)
        return check_eligibility(
            self._client, card, hospital=self._hospital, visit_time=when, insutype=insutype
        )

    def plan(self, visit: VisitInput) -> PlannedVisit:
        """Eligibility with the platform, then the pure plan of the bill."""
        if isinstance(visit, PlannedVisit):
            return visit
        visit = load_visit(visit) if isinstance(visit, str | Path) else parse_visit(visit)
        patient = visit.patient
        card = Card(patient.mdtrt_cert_type, patient.mdtrt_cert_no, patient.card_sn)
        check = self.check_eligibility(
            card, visit_time=visit.visit.begntime, insutype=patient.insutype or None
        )
        plan = plan_visit(
            visit, check.eligibility, hospital=self._hospital, now=self._clock(), tables=self._tables_now()
        )
        return PlannedVisit(plan=plan, card=card, record=check.record)

    def settle(self, visit: VisitInput) -> VisitResult:
        """Plan (unless given a plan), then settle every batch, journaled; needs a journal."""
        if self._journal is None:
            raise ConfigurationError("settling needs a journal (Adapter(..., journal=SqliteJournal(path)))")
        context = self._context(visit)
        # One settlement of a person at a time, hospital-wide: the platform's answers depend on the order.
        with self._journal.person_lock(context.psn_no), self._journal.group():
            require_nothing_in_flight(self._journal, context.psn_no)  # a dead desk's batch: recover first
            return settle_visit(self._calls(self._journal), context, policy=self._policy)

    def dry_run(self, visit: VisitInput) -> VisitResult:
        """Plan, pre-settle every batch (2201…2206), then undo it all: the platform is left as found."""
        journal = self._journal or SqliteJournal(":memory:")
        context = self._context(visit)
        with journal.group():
            return settle_visit(self._calls(journal), context, policy=self._policy, dry_run=True)

    def recover(self) -> list[RecoveryAction]:
        """Finish or unwind every batch the journal shows in flight."""
        if self._journal is None:
            raise ConfigurationError("recover needs the journal the settlements were written to")
        with self._journal.group():
            return recover(self._calls(self._journal), policy=self._policy)

    def plan_refund(self, setl_id: str, *, lines: Sequence[str] | None = None) -> RefundPlan:
        """The steps that refund ``setl_id`` (or some of its lines) newest-first; nothing is sent."""
        return plan_refund(self._require_journal("refunds"), setl_id, lines=lines)

    def refund(self, setl_id: str, *, lines: Sequence[str] | None = None) -> RefundResult:
        """Refund ``setl_id`` (隔笔退费 included): refund the later ones, the target, re-settle the rest."""
        journal = self._require_journal("refunds")
        person = plan_refund(journal, setl_id, lines=lines).psn_no  # refuses an unknown or refunded one
        # Planned again and run under the person's lock: no other desk settles them meanwhile.
        with journal.person_lock(person):
            require_nothing_in_flight(journal, person)
            plan = plan_refund(journal, setl_id, lines=lines)
            with journal.group():
                return run_refund(self._calls(journal), plan, policy=self._policy)

    def _require_journal(self, what: str) -> Journal:
        if self._journal is None:
            raise ConfigurationError(f"{what} need the journal the settlements were written to")
        return self._journal

    def outbox(self, *, due_by: date | None = None, include_sent: bool = False) -> list[OutboxEntry]:
        """Fee details of bills not settled directly, due for upload (seed 002 三(四))."""
        if self._journal is None:
            raise ConfigurationError("the outbox lives in the journal: give the Adapter one")
        return self._journal.outbox(due_by=due_by, include_sent=include_sent)

    def reconcile(
        self, first: date, last: date | None = None, *, repair: bool = False, progress: Progress | None = None
    ) -> ReconcileReport:
        """3201/3202 for ``first``..``last`` (the platform's setl_time): every difference classified with its
        repair; the repairs run only with ``repair=True`` (journaled like every state-changing call)."""
        journal = self._require_journal("reconciliation")
        with journal.group():
            return reconcile(
                self._calls(journal),
                first,
                last or first,
                repair=repair,
                policy=self._policy,
                **({"progress": progress} if progress else {}),
            )

    def day(self, day: date) -> DayLedger:
        """The day's settlements and refunds per receipt category and insutype, with totals (日结)."""
        return day_ledger(self._require_journal("the day's ledger"), day)

    def upload_outbox(self, *, due_by: date | None = None) -> list[OutboxUpload]:
        """Work the outbox: 4205 + 4203 per entry, overdue first, marked sent with the platform's answer."""
        journal = self._require_journal("the outbox")
        with journal.group():
            return upload_outbox(
                self._calls(journal), fixmedins_name=self.settings.fixmedins_name, due_by=due_by
            )

    def file_disease(self, request: FilingRequest) -> FilingOutcome:
        """2503: file a chronic disease this hospital assessed, journaled; then the insurer approves it."""
        journal = self._require_journal("filings")
        tables = self._tables_now()
        catalogue = tables.regions if tables is not None else shipped.region_catalogue()
        with journal.group():
            return file_disease(self._calls(journal), request, catalogue=catalogue, today=self._now().date())

    def revoke_filing(self, request: RevocationRequest) -> RevocationOutcome:
        """2504: revoke a filing the insurer has not approved yet, journaled."""
        journal = self._require_journal("filings")
        with journal.group():
            return revoke_filing(self._calls(journal), request)

    def recover_filings(self) -> list[FilingOutcome | RevocationOutcome]:
        """Ask again, under its own msgid, every 2503/2504 whose answer was lost."""
        journal = self._require_journal("filings")
        with journal.group():
            return recover_filings(self._calls(journal))

    def _calls(self, journal: Journal) -> JournaledCalls:
        if self._client.is_closed:
            # Refused here, before the journal records a batch or an intent that a closed client
            # would leave in flight (the next settlement of that person would then ask for recover).
            raise ClientClosedError("the Adapter's PlatformClient is closed: nothing was sent")
        return JournaledCalls(self._client, journal, clock=self._now, checkpoint=self._checkpoint)

    def _now(self) -> datetime:
        return self._clock().replace(tzinfo=None, microsecond=0)

    def _context(self, visit: VisitInput) -> VisitContext:
        return VisitContext.of(self.plan(visit))
