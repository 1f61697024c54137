"""A plan together with what executing it needs: the card presented and the platform's person record."""

from __future__ import annotations

from dataclasses import dataclass

from ._lookup import Card, PersonRecord
from .planning import VisitPlan

__all__ = ["PlannedVisit"]


@dataclass(frozen=True)
class PlannedVisit:
    plan: VisitPlan
    card: Card
    record: PersonRecord
