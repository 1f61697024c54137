"""Eligibility with the platform: 1101 → choose the insurance → 5301 → judge → 2001 → judge again.

The only I/O of planning. The pure judgement runs first; the platform's 待遇检查 (2001)
is then asked for every filing the judgement let through, and has the last word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mappings import shipped
from mappings.regions import RegionCatalogue

from .._client import PlatformClient
from .._hospital import HospitalProfile
from .._lookup import Card, PersonRecord, look_up_person
from ..transactions import t2001
from ._assess import assess, choose_insurance
from ._model import Eligibility

__all__ = ["EligibilityCheck", "check_eligibility"]


@dataclass(frozen=True)
class EligibilityCheck:
    """The judgement and the platform's record it was made from (execution needs the person)."""

    eligibility: Eligibility
    record: PersonRecord


def check_eligibility(
    client: PlatformClient,
    card: Card,
    *,
    hospital: HospitalProfile,
    visit_time: datetime,
    insutype: str | None = None,
    catalogue: RegionCatalogue | None = None,
    confirm_with_platform: bool = True,
) -> EligibilityCheck:
    """Ask the platform who the patient is and judge what may be settled here at ``visit_time``."""
    catalogue = catalogue or shipped.region_catalogue()
    record = look_up_person(client, card)
    insurance = choose_insurance(record, insutype)
    judged = assess(
        record, insurance=insurance, hospital=hospital, visit_date=visit_time.date(), catalogue=catalogue
    )
    if not confirm_with_platform or not judged.settleable_filings:
        return EligibilityCheck(judged, record)
    checks = {}
    for filing in judged.settleable_filings:
        query = t2001.TreatmentQuery(
            psn_no=judged.psn_no,
            insutype=insurance.insutype,
            fixmedins_code=hospital.fixmedins_code,
            med_type="14",
            begntime=visit_time,
            dise_codg=filing.dise_codg,
            dise_name=filing.opsp_dise_name,
        )
        reply = client.call(
            t2001.TRANSACTION, t2001.Input(data=query), insuplc_admdvs=insurance.insuplc_admdvs
        )
        refusals = [check for check in reply.output.trtinfo if not check.entitled]
        if refusals:
            checks[filing.opsp_dise_code] = refusals[0]
    confirmed = assess(
        record,
        insurance=insurance,
        hospital=hospital,
        visit_date=visit_time.date(),
        catalogue=catalogue,
        platform_checks=checks,
    )
    return EligibilityCheck(confirmed, record)
