"""Resolving a bill against the mapping tables: each item's national code and class, each
diagnosis's chronic diseases. Pure; unknown or malformed codes become ``InputError`` naming
the item or diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from mappings import MappingError, Relation, UnknownCodeError
from mappings.codes import parse_icd
from mappings.items import ItemLookup

from .._errors import InputError
from ._split import CatalogueClass
from ._tables import PlanningTables
from ._visit import Item, Visit

__all__ = ["Resolution", "ResolvedDiagnoses", "resolve_diagnoses", "resolve_items"]


@dataclass(frozen=True, slots=True, eq=False)
class Resolution:
    """A hospital item code on one day: its 目录对照 row and the province of care's class.

    One per distinct (code, day) of a bill, shared by every line that bills that code that day
    (a long bill repeats a few items); compared by identity, so it is a cheap dictionary key.
    """

    lookup: ItemLookup
    catalogue: CatalogueClass | None
    """The class the fee split uses; None when the item is not in the catalogue (or 未贯标)."""
    treats: frozenset[str]
    """The opsp codes whose item scope contains this item."""

    @property
    def unmapped(self) -> bool:
        """未贯标: no national code; settled as self-pay and not uploaded (seed 002 三(四))."""
        return self.lookup.status == "unmapped"


def resolve_items(visit: Visit, tables: PlanningTables, province: str) -> tuple[Resolution, ...]:
    """Each item's resolution, in bill order; resolved once per (code, day) of the bill."""
    known: dict[tuple[str, date], Resolution] = {}
    resolutions = []
    for index, item in enumerate(visit.items):
        key = (item.medins_list_codg, item.fee_ocur_time.date())
        resolution = known.get(key)
        if resolution is None:
            resolution = known[key] = _resolve(index, item, tables, province)
        resolutions.append(resolution)
    return tuple(resolutions)


def _resolve(index: int, item: Item, tables: PlanningTables, province: str) -> Resolution:
    where = f"items[{index}] (feedetl_sn {item.feedetl_sn}).medins_list_codg"
    try:
        lookup = tables.items.lookup(item.medins_list_codg, province=province, on=item.fee_ocur_time.date())
    except UnknownCodeError:
        raise InputError(f"{item.medins_list_codg} is not in this hospital's 目录对照", where=where) from None
    except MappingError as error:
        raise InputError(str(error), where=where) from error
    return Resolution(lookup, _catalogue_class(lookup), frozenset(lookup.diseases))


def _catalogue_class(lookup: ItemLookup) -> CatalogueClass | None:
    scope = lookup.scope
    if scope is None:
        return None
    return CatalogueClass(
        chrgitm_lv=scope.chrgitm_lv,
        selfpay_prop=scope.selfpay_prop,
        pric_uplmt_amt=scope.pric_uplmt_amt,
        lmt_used_flag=scope.lmt_used_flag,
    )


@dataclass(frozen=True)
class ResolvedDiagnoses:
    """Per diag_code as the HIS wrote it: its ICD-10 code, and the chronic diseases it supports."""

    icd: Mapping[str, str]
    supports: Mapping[str, tuple[str, ...]]


def resolve_diagnoses(
    visit: Visit, tables: PlanningTables, *, insured_admdvs: str, relation: Relation
) -> ResolvedDiagnoses:
    """diag_code → its ICD-10 code and the chronic diseases it supports, best first.

    National opsp codes come from the ICD-10 rules over the whole visit (so combinations
    such as N18 + Z99.2 → M07801 apply); local benefits without a national code (Wuhai
    肺心病 WH-S01) come from the insured region's ICD hints.
    """
    icd_of = {
        diagnosis.diag_code: _icd(index, diagnosis.diag_code, tables)
        for index, diagnosis in enumerate(visit.diagnoses)
    }
    visit_lookup = tables.diagnosis_rules.lookup_visit(icd_of.values())
    supported: dict[str, tuple[str, ...]] = {}
    for code, icd in icd_of.items():
        national = [c.opsp_dise_code for c in visit_lookup.for_code(icd)]
        local = [
            row.benefit_code
            for row in tables.regions.covering_diagnosis(insured_admdvs, icd, relation=relation)
            if not row.has_national_code
        ]
        supported[code] = tuple(dict.fromkeys([*national, *local]))
    return ResolvedDiagnoses(icd=MappingProxyType(icd_of), supports=MappingProxyType(supported))


def _icd(index: int, code: str, tables: PlanningTables) -> str:
    where = f"diagnoses[{index}].diag_code"
    try:
        return parse_icd(code)
    except MappingError:
        pass
    if tables.local_diagnoses is None:
        raise InputError(f"{code} is not an ICD-10 code and no local diagnosis table is loaded", where=where)
    try:
        return tables.local_diagnoses.to_icd(code)
    except MappingError:
        raise InputError(
            f"{code} is neither an ICD-10 code nor in the hospital's local diagnosis table", where=where
        ) from None
