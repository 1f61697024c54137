"""Visit planning: given a bill, decide what can be settled how — before anything is sent.

Pure: no network, no clock read (``now`` is passed in). Eligibility (the only I/O that
feeds it) lives in ``adapter.eligibility``.
"""

from __future__ import annotations

from ._model import PlanBatch, PlanDiagnosis, PlanLine, PlanVisit, SelfPayBucket, SplitTotals, VisitPlan
from ._plan import batch_number, plan_visit
from ._split import CatalogueClass, LineSplit, split_line
from ._tables import PlanningTables
from ._visit import Diagnosis, Item, Patient, Visit, VisitInfo, load_visit, parse_visit

__all__ = [
    "CatalogueClass",
    "Diagnosis",
    "Item",
    "LineSplit",
    "Patient",
    "PlanBatch",
    "PlanDiagnosis",
    "PlanLine",
    "PlanVisit",
    "PlanningTables",
    "SelfPayBucket",
    "SplitTotals",
    "Visit",
    "VisitInfo",
    "VisitPlan",
    "batch_number",
    "load_visit",
    "parse_visit",
    "plan_visit",
    "split_line",
]
