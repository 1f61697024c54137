"""``Adapter``: the one entry point a HIS uses — eligibility and planning now; settling next.

It owns nothing global: the platform client, the clock, the hospital profile and the
mapping tables are injected or built from settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ._client import PlatformClient
from ._clock import Clock, china_now
from ._hospital import HospitalProfile, hospital_profile
from ._lookup import Card, PersonRecord
from ._settings import AdapterSettings
from .eligibility import EligibilityCheck, check_eligibility
from .planning import PlanningTables, Visit, VisitPlan, load_visit, parse_visit, plan_visit

__all__ = ["Adapter", "PlannedVisit"]


@dataclass(frozen=True)
class PlannedVisit:
    """A plan and what execution needs beside it: the card presented and the platform's person record."""

    plan: VisitPlan
    card: Card
    record: PersonRecord


class Adapter:
    """Settle 门诊慢特病 bills for one hospital with one platform."""

    def __init__(
        self,
        client: PlatformClient,
        *,
        clock: Clock = china_now,
        hospital: HospitalProfile | None = None,
        tables: PlanningTables | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._hospital = hospital or hospital_profile(client.settings)
        self._tables = tables

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

    def plan(self, visit: Visit | dict[str, object] | str | Path) -> PlannedVisit:
        """Eligibility with the platform, then the pure plan of the bill."""
        visit = load_visit(visit) if isinstance(visit, str | Path) else parse_visit(visit)
        patient = visit.patient
        card = Card(patient.mdtrt_cert_type, patient.mdtrt_cert_no, patient.card_sn)
        check = self.check_eligibility(
            card, visit_time=visit.visit.begntime, insutype=patient.insutype or None
        )
        plan = plan_visit(
            visit, check.eligibility, hospital=self._hospital, now=self._clock(), tables=self._tables
        )
        return PlannedVisit(plan=plan, card=card, record=check.record)
