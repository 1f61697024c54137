"""The mapping tables planning reads, resolved for one hospital (immutable, loaded once)."""

from __future__ import annotations

from dataclasses import dataclass

from mappings import shipped
from mappings.diagnosis import DiagnosisRules
from mappings.items import ItemCatalogue
from mappings.local_diagnoses import LocalDiagnosisMap
from mappings.regions import RegionCatalogue

__all__ = ["PlanningTables"]


@dataclass(frozen=True)
class PlanningTables:
    """目录对照 + payment scopes + item scopes, diagnosis rules, local diagnoses, region catalogues."""

    items: ItemCatalogue
    diagnosis_rules: DiagnosisRules
    local_diagnoses: LocalDiagnosisMap | None
    regions: RegionCatalogue

    @classmethod
    def shipped(cls, fixmedins_code: str) -> PlanningTables:
        """The shipped tables for a hospital listed in mappings/data/hospitals_demo.csv."""
        return cls(
            items=shipped.item_catalogue(fixmedins_code),
            diagnosis_rules=shipped.diagnosis_rules(),
            local_diagnoses=shipped.local_diagnoses(fixmedins_code),
            regions=shipped.region_catalogue(),
        )
