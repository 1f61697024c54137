"""What a filing (2503) and a revocation (2504) are asked with, and what came of them (typed, no wording)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FilingOutcome", "FilingRequest", "FilingStatus", "RevocationOutcome", "RevocationRequest"]

FilingStatus = Literal["filed", "refused", "unknown"]
"""filed: the platform took it (waiting for the insurer's approval); refused: nothing was filed; unknown: the
answer was lost — ``recover_filings`` asks again under the same msgid."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FilingRequest(_Frozen):
    """A chronic disease this hospital assessed (seed 000 二(一)), to file for the patient with the card."""

    mdtrt_cert_type: str
    mdtrt_cert_no: str = Field(repr=False)
    card_sn: str = Field(default="", repr=False)
    insutype: str = ""
    """Only when the patient has several insurances."""
    opsp_dise_code: str
    """A code of the insured place's list: national (M01600) or the place's own (Wuhai's WH-S03)."""
    opsp_dise_name: str = ""
    """Empty: the insured place's name for the code."""
    hosp_ide_date: date
    begndate: date
    enddate: date | None = None
    diag_dr_codg: str
    diag_dr_name: str


class FilingOutcome(_Frozen):
    status: FilingStatus
    msgid: str
    psn_no: str
    insutype: str
    insu_optins: str
    opsp_dise_code: str
    opsp_dise_name: str
    begndate: date
    enddate: date | None
    trt_dcla_detl_sn: str = ""
    err_msg: str = ""
    """The platform's refusal, or why the outcome is unknown (no personal data)."""
    replayed: bool = False
    """The answer came from asking again under the lost call's msgid (``recover_filings``)."""


class RevocationRequest(_Frozen):
    trt_dcla_detl_sn: str
    mdtrt_cert_type: str
    mdtrt_cert_no: str = Field(repr=False)
    card_sn: str = Field(default="", repr=False)
    memo: str
    """撤销原因 (required by 2504; kept in the journal: no personal data in it)."""


class RevocationOutcome(_Frozen):
    status: Literal["revoked", "refused", "unknown"]
    msgid: str
    psn_no: str
    trt_dcla_detl_sn: str
    err_msg: str = ""
    replayed: bool = False
