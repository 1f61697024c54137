"""Eligibility: who the patient is, and which of their filed diseases may be settled here today."""

from __future__ import annotations

from ._assess import RELATION_LABELS, assess, choose_insurance
from ._check import EligibilityCheck, check_eligibility
from ._manual import Refusal
from ._model import Eligibility, FilingVerdict

__all__ = [
    "RELATION_LABELS",
    "Eligibility",
    "EligibilityCheck",
    "FilingVerdict",
    "Refusal",
    "assess",
    "check_eligibility",
    "choose_insurance",
]
