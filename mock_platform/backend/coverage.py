"""Which 门诊慢特病 codes an insured region covers, from `region_catalogues.csv` (the single source).

The insured place decides the disease range (seed 002 三(一): "执行参保地的…门诊慢特病病种范围"). For (insured
admdvs, relation of the hospital to it, insutype) the covered codes — the codes a person may be filed under
and settled with — are:

* every `national_codes` entry of the applicable rows,
* the `benefit_code` of applicable rows whose `national_codes` is empty (a local code, e.g. WH-S01 肺心病),
* for a compound (Wuhai 复合病种), its components' codes resolved the same way (WH-C01 -> M01600 + WH-S01).

Applicable rows: those naming the relation and the insutype, taken from the insured admdvs' own rows, else its
city's (first 4 digits + "00"), else its province's (first 2 + "0000") (data README: "A city or district
without rows of its own uses its city's, then its province's"). No rows at any level means "not configured".
Decision: the fallback looks for rows matching both relation and insutype, so a city whose province lists only
employees (Inner Mongolia's 职工 base catalogue) is "not configured" for residents rather than "covers
nothing".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from mock_platform.config._base import Relation
from mock_platform.config.tables import CatalogueRow

_NATIONAL = re.compile(r"M[0-9]{5}")


class Coverage:
    """Catalogue rows indexed by admdvs; answers `codes_for` (pure, immutable)."""

    def __init__(self, rows: Iterable[CatalogueRow]) -> None:
        by_admdvs: dict[str, list[CatalogueRow]] = defaultdict(list)
        for row in rows:
            by_admdvs[row.admdvs].append(row)
        self._by_admdvs = {admdvs: tuple(found) for admdvs, found in by_admdvs.items()}

    def rows(self) -> tuple[CatalogueRow, ...]:
        return tuple(row for found in self._by_admdvs.values() for row in found)

    def codes_for(
        self, insured_admdvs: str, relation: Relation, insutype: str, day: date | None = None
    ) -> frozenset[str] | None:
        """The covered codes on `day` (any day when None), or None when no level of the insured place
        configures this relation/insutype then."""
        found = self._applicable(insured_admdvs, relation, insutype, day)
        if found is None:
            return None
        level, applicable = found
        codes: set[str] = set()
        for row in applicable:
            codes |= self._resolve(level, row, relation, frozenset())
        return frozenset(codes)

    def benefit_codes(
        self, insured_admdvs: str, relation: Relation, insutype: str, day: date | None = None
    ) -> frozenset[str]:
        """The benefit codes of the applicable rows, local ones included (one may be filed under WH-S03)."""
        found = self._applicable(insured_admdvs, relation, insutype, day)
        return frozenset(row.benefit_code for row in found[1]) if found else frozenset()

    def _applicable(
        self, insured_admdvs: str, relation: Relation, insutype: str, day: date | None
    ) -> tuple[str, list[CatalogueRow]] | None:
        for level in _levels(insured_admdvs):
            applicable = [
                row
                for row in self._by_admdvs.get(level, ())
                if relation in row.relations and insutype in row.insutypes and row.in_force(day)
            ]
            if applicable:
                return level, applicable
        return None

    def settled_as(
        self, insured_admdvs: str, relation: Relation, insutype: str, code: str, day: date | None = None
    ) -> frozenset[str]:
        """The national codes a filing under `code` is settled with through the national interface.

        A national code stands for itself; a local benefit (Wuhai's WH-S03 糖尿病) for the national codes its
        applicable row lists, compounds resolved through their components (WH-C02 -> M01600 + M03900). A local
        benefit without a national code (WH-S01 肺心病) has none: the interface carries national codes only
        (seed 002 二(二)), so it cannot be settled as 门诊慢特病 there.
        """
        if is_national(code):
            return frozenset({code})
        for level in _levels(insured_admdvs):
            rows = [
                row
                for row in self._by_admdvs.get(level, ())
                if row.benefit_code == code
                and relation in row.relations
                and insutype in row.insutypes
                and row.in_force(day)
            ]
            if rows:
                resolved: set[str] = set()
                for row in rows:
                    resolved |= self._resolve(level, row, relation, frozenset())
                return frozenset(c for c in resolved if is_national(c))
        return frozenset()

    def _resolve(self, level: str, row: CatalogueRow, relation: Relation, seen: frozenset[str]) -> set[str]:
        codes = set(row.national_codes) if row.national_codes else {row.benefit_code}
        for component in row.components:
            if component in seen:
                continue
            definition = self._component(level, component, relation)
            if definition is not None:
                codes |= self._resolve(level, definition, relation, seen | {row.benefit_code})
        return codes

    def _component(self, level: str, code: str, relation: Relation) -> CatalogueRow | None:
        """A compound's component row at the same level, preferring the row for the same relation."""
        candidates = [row for row in self._by_admdvs.get(level, ()) if row.benefit_code == code]
        same_relation = [row for row in candidates if relation in row.relations]
        found = same_relation or candidates
        return found[0] if found else None


def is_national(code: str) -> bool:
    """A national 门诊慢特病 code: `M` + 5 digits (PROTOCOL.md §5; local codes such as WH-S03 are not)."""
    return _NATIONAL.fullmatch(code) is not None


def _levels(admdvs: str) -> tuple[str, ...]:
    levels: list[str] = []
    for level in (admdvs, admdvs[:4] + "00", admdvs[:2] + "0000"):
        if level not in levels:
            levels.append(level)
    return tuple(levels)
