"""What may be settled here today: the eligibility answer a cashier reads.

Not being eligible is an answer, not an error: each filing carries *settleable here
on this date: yes/no + reason*, and the answer carries guidance for the cashier.
The person appears masked; ``psn_no`` is the platform's own id, not personal data.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

__all__ = ["Eligibility", "FilingVerdict"]


class FilingVerdict(BaseModel):
    """One 5301 filing judged for this visit."""

    model_config = ConfigDict(frozen=True)

    opsp_dise_code: str
    opsp_dise_name: str
    begndate: date
    enddate: date | None
    settleable: bool
    reason: str
    dise_codg: str = ""
    """The national 门诊慢特病 code sent as ``dise_codg`` when settleable: the filed code itself, or for a
    local filing (Wuhai ``WH-S03``) its national equivalent from region_catalogues.csv (``M01600``); never a
    local code (seed 002 二(二)). ``""`` when not settleable."""
    benefit_code: str = ""
    """The insured region's benefit it falls under (e.g. ``WH-C02`` 糖尿病+高血压Ⅲ级), if any."""
    refusal: str = ""
    """Why not settleable, as a code (``Refusal``: suspended, before_filing, not_covered, not_opened)."""
    manual_claim: str = ""
    """What the insured place says about claiming these costs later (adapter/eligibility/_manual.py);
    a claim is possible when ``claimable``."""
    claimable: bool = False
    """A manual claim at the insured place is possible: the cashier chooses ordinary settlement or
    self-pay (keeping the receipt for the claim)."""


class Eligibility(BaseModel):
    """The patient, seen from this hospital on the visit date."""

    model_config = ConfigDict(frozen=True)

    psn_no: str
    psn_name_masked: str
    insutype: str
    psn_type: str
    insurance_status: str
    insurance_active: bool
    insurance_reason: str
    insured_admdvs: str
    insured_place: str
    hospital_code: str
    hospital_admdvs: str
    relation: str
    """local / in_province / cross_province."""
    visit_date: date
    filings: tuple[FilingVerdict, ...]
    guidance: tuple[str, ...]

    @property
    def settleable_filings(self) -> tuple[FilingVerdict, ...]:
        return tuple(f for f in self.filings if f.settleable)
