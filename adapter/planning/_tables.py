"""The mapping tables planning reads, resolved for one hospital (immutable, loaded once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from mappings import shipped
from mappings.codes import Admdvs
from mappings.diagnosis import DiagnosisRules
from mappings.items import ItemCatalogue
from mappings.local_diagnoses import LocalDiagnosisMap
from mappings.payment_scope import PaymentScopeCatalogue
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

    def with_scopes(self, scopes: Mapping[Admdvs, PaymentScopeCatalogue]) -> PlanningTables:
        """These tables with the payment scopes of some provinces replaced (a synced catalogue,
        ``adapter.catalogue``); the other provinces keep theirs."""
        merged = MappingProxyType({**self.items.scopes, **scopes})
        items = ItemCatalogue(self.items.item_map, merged, self.items.disease_scope)
        return replace(self, items=items)
