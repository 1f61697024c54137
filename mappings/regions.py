"""Regions: names, the hospital/insured-place relation, and each insured region's disease catalogue.

**Relation** (DEMO_DATA.md): ``local`` = same admdvs, ``in_province`` = same first two digits,
``cross_province`` otherwise. Wuhai's "自治区范围内" is local or in_province (seed 000 一(二)).

**Region catalogues** (``data/region_catalogues.csv``) list, per insured region, the benefits it grants:
which diseases, for which insutypes, and under which relations of hospital to insured place. A row's
``benefit_code`` is a national code (Yinchuan, Hubei: the codes the seeds print) or a local code
(Wuhai ``WH-S01``...; Inner Mongolia ``NM-B01``...). ``national_codes`` are the opsp codes the benefit
is settled under; empty means the disease has no national code (e.g. ``WH-S01`` 肺心病), so it can be
settled only where a local code is accepted and never out of region. A **compound** benefit (Wuhai
``WH-C02`` 糖尿病+高血压Ⅲ级) is one local benefit covering its components' national codes (DOMAIN.md §3.3).

Lookup by insured admdvs uses that admdvs' own rows when it has any, otherwise its city's (a district
150302 uses Wuhai's), otherwise its province's (a Hubei city uses the Hubei table of seed 002; Hohhot
the Inner Mongolia base catalogue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings._icd_patterns import IcdPattern, parse_pattern
from mappings.codes import (
    Admdvs,
    BenefitCode,
    LocalDiseaseCode,
    OpspCode,
    parse_admdvs,
    parse_benefit_code,
    parse_icd,
    parse_local_disease_code,
    parse_opsp_code,
    province_of,
)
from mappings.diseases import EVIDENCE, DiseaseCatalogue
from mappings.errors import UnknownCodeError

__all__ = [
    "BenefitKind",
    "RegionBenefit",
    "RegionCatalogue",
    "RegionNames",
    "Relation",
    "load_region_catalogue",
    "load_region_names",
    "relation",
]

# insutype dictionary values of PROTOCOL.md §4 (national baseline).
INSUTYPES = frozenset({"310", "320", "330", "340", "390", "392", "510"})
CATALOGUE_COLUMNS = (
    "admdvs",
    "seq",
    "category",
    "benefit_code",
    "benefit_name",
    "kind",
    "insutypes",
    "relations",
    "national_codes",
    "components",
    "icd_patterns",
    "evidence",
    "provenance",
    "begndate",
    "enddate",
)
NAME_COLUMNS = ("admdvs", "name", "provenance")


class Relation(StrEnum):
    """Where the hospital is, seen from the insured place."""

    LOCAL = "local"
    IN_PROVINCE = "in_province"
    CROSS_PROVINCE = "cross_province"


class BenefitKind(StrEnum):
    NATIONAL = "national"  # the benefit is a national code itself (Yinchuan, Hubei cross-province)
    SINGLE = "single"  # a local disease (mapped to national codes where one is known)
    COMPOUND = "compound"  # a local benefit covering two component diseases (Wuhai 复合病种)


def relation(hospital_admdvs: str, insured_admdvs: str) -> Relation:
    """The relation of the hospital to the insured place; raises :class:`MalformedCodeError`."""
    hospital, insured = parse_admdvs(hospital_admdvs), parse_admdvs(insured_admdvs)
    if hospital == insured:
        return Relation.LOCAL
    if hospital[:2] == insured[:2]:
        return Relation.IN_PROVINCE
    return Relation.CROSS_PROVINCE


@dataclass(frozen=True, slots=True, eq=False)
class RegionNames:
    """admdvs -> name (GB/T 2260), read-only."""

    source: Path
    names: Mapping[Admdvs, str]

    def get(self, admdvs: str) -> str | None:
        """The name, or ``None`` for a well-formed admdvs the table lacks."""
        return self.names.get(parse_admdvs(admdvs))

    def name(self, admdvs: str) -> str:
        """The name; raises :class:`UnknownCodeError` for an admdvs the table lacks."""
        found = self.names.get(parse_admdvs(admdvs))
        if found is None:
            raise UnknownCodeError(admdvs, table=f"region names ({self.source.name})")
        return found


@dataclass(frozen=True, slots=True)
class RegionBenefit:
    """One benefit of an insured region's catalogue."""

    admdvs: Admdvs
    seq: int
    category: str
    benefit_code: BenefitCode
    benefit_name: str
    kind: BenefitKind
    insutypes: frozenset[str]
    relations: frozenset[Relation]
    national_codes: tuple[OpspCode, ...]
    components: tuple[LocalDiseaseCode, ...]
    icd_patterns: IcdPattern | None
    evidence: str
    provenance: str
    begndate: date | None = None
    enddate: date | None = None
    """In force from ``begndate`` to ``enddate`` inclusive (``None`` = open): Wuhai's notice from
    2022-07-05, Inner Mongolia's base list from 2025-01-01."""

    def in_force(self, day: date | None) -> bool:
        """Whether the row applies on ``day`` (``None`` = any day)."""
        if day is None:
            return True
        return (self.begndate is None or self.begndate <= day) and (
            self.enddate is None or day <= self.enddate
        )

    @property
    def has_national_code(self) -> bool:
        """False for a local disease with no national code: not settleable out of region."""
        return bool(self.national_codes)

    def applies(
        self, *, relation: Relation | None = None, insutype: str | None = None, day: date | None = None
    ) -> bool:
        """Whether the benefit applies to that relation and insutype on ``day`` (``None`` = any)."""
        return (
            (relation is None or relation in self.relations)
            and (insutype is None or insutype in self.insutypes)
            and self.in_force(day)
        )


@dataclass(frozen=True, slots=True, eq=False)
class RegionCatalogue:
    """Every region's benefits, read-only, grouped by the admdvs that defines them."""

    source: Path
    comments: tuple[str, ...]
    by_admdvs: Mapping[Admdvs, tuple[RegionBenefit, ...]]
    _answers: dict[tuple[str, Relation | None, str | None, date | None], tuple[RegionBenefit, ...]] = field(
        default_factory=dict, init=False, repr=False
    )
    """``benefits`` answers already given. The rows never change, so neither do the answers; eligibility
    asks the same question for every filing of a visit (is the place configured, which rows cover the
    code), and every visit of a day at one place asks it again."""

    def defining_admdvs(
        self, insured_admdvs: str, *, relation: Relation | None = None, day: date | None = None
    ) -> Admdvs | None:
        """The admdvs whose rows apply to an insured place for ``relation``: its own, its city's, its
        province's, or None.

        The fallback runs per relation: a city may publish its own in-province list and still take
        the province's cross-province table (seed 002 三(一): the 参保地 decides the disease range,
        二(二): cross-province uses the national one-to-one codes).
        """
        admdvs = parse_admdvs(insured_admdvs)
        for candidate in (admdvs, Admdvs(admdvs[:4] + "00"), province_of(admdvs)):
            rows = self.by_admdvs.get(candidate, ())
            if any(row.applies(relation=relation, day=day) for row in rows):
                return candidate
        return None

    def benefits(
        self,
        insured_admdvs: str,
        *,
        relation: Relation | None = None,
        insutype: str | None = None,
        day: date | None = None,
    ) -> tuple[RegionBenefit, ...]:
        """The benefits that apply to an insured place, optionally for one relation, insutype and day."""
        key = (insured_admdvs, relation, insutype, day)
        answer = self._answers.get(key)
        if answer is None:
            if len(self._answers) >= _MAX_ANSWERS:  # bounded: places and days are many over a year
                self._answers.clear()
            answer = self._answers[key] = self._benefits(insured_admdvs, relation, insutype, day)
        return answer

    def _benefits(
        self, insured_admdvs: str, relation: Relation | None, insutype: str | None, day: date | None
    ) -> tuple[RegionBenefit, ...]:
        relations = tuple(Relation) if relation is None else (relation,)
        found: list[RegionBenefit] = []
        # A row reached under two relations is one object of one admdvs' tuple, and no two rows of a
        # loaded catalogue are equal (check_unique on admdvs, code, relation, insutype): the same row
        # is found by identity, without comparing every field of every row found before (the generated
        # __eq__ ran some 500 times per settled visit, eligibility asks this for every filing).
        seen: set[int] = set()
        for wanted in relations:
            defining = self.defining_admdvs(insured_admdvs, relation=wanted, day=day)
            for row in self.by_admdvs.get(defining, ()) if defining is not None else ():
                if row.applies(relation=wanted, insutype=insutype, day=day) and id(row) not in seen:
                    seen.add(id(row))
                    found.append(row)
        return tuple(found)

    def is_configured(
        self, insured_admdvs: str, *, relation: Relation, insutype: str | None = None, day: date | None = None
    ) -> bool:
        """Whether any catalogue exists for that place and relation (else: "policy not configured")."""
        return bool(self.benefits(insured_admdvs, relation=relation, insutype=insutype, day=day))

    def benefit(self, insured_admdvs: str, code: str) -> tuple[RegionBenefit, ...]:
        """Every row of one benefit code (one per scope); raises :class:`UnknownCodeError`."""
        wanted = parse_benefit_code(code)
        rows = tuple(row for row in self.benefits(insured_admdvs) if row.benefit_code == wanted)
        if not rows:
            raise UnknownCodeError(code, table=f"region catalogue of {insured_admdvs}")
        return rows

    def covering(
        self,
        insured_admdvs: str,
        opsp_code: str,
        *,
        relation: Relation | None = None,
        insutype: str | None = None,
        day: date | None = None,
    ) -> tuple[RegionBenefit, ...]:
        """The benefits under which that region settles an opsp code (compounds included)."""
        wanted = parse_opsp_code(opsp_code)
        rows = self.benefits(insured_admdvs, relation=relation, insutype=insutype, day=day)
        return tuple(row for row in rows if wanted in row.national_codes)

    def covering_diagnosis(
        self, insured_admdvs: str, icd_code: str, *, relation: Relation | None = None
    ) -> tuple[RegionBenefit, ...]:
        """Local benefits without a national code whose ICD hint matches (肺心病 I27.9 -> WH-S01).

        Compounds containing such a benefit are included (WH-C01 糖尿病+肺心病).
        """
        code = parse_icd(icd_code)
        rows = self.benefits(insured_admdvs, relation=relation)
        direct = {row.benefit_code for row in rows if row.icd_patterns and row.icd_patterns.matches(code)}
        return tuple(
            row for row in rows if row.benefit_code in direct or any(c in direct for c in row.components)
        )


_MAX_ANSWERS = 1024
_KINDS = {kind.value: kind for kind in BenefitKind}


def _parse_insutype(text: str) -> str:
    if text not in INSUTYPES:
        raise ValueError(f"{text!r} is not an insutype ({', '.join(sorted(INSUTYPES))})")
    return text


def _benefit(record: Record, diseases: DiseaseCatalogue) -> RegionBenefit:
    kind = record.choice("kind", _KINDS)
    parse_code: Callable[[str], BenefitCode] = (
        parse_opsp_code if kind is BenefitKind.NATIONAL else parse_local_disease_code
    )
    national_codes = record.items("national_codes", parse_opsp_code)
    for code in national_codes:
        if code not in diseases:
            raise record.error("national_codes", f"{code} is not in the national disease catalogue")
    insutypes, relations = record.items("insutypes", _parse_insutype), record.items("relations", Relation)
    for field_name, values in (("insutypes", insutypes), ("relations", relations)):
        if not values:
            raise record.error(field_name, "empty")
    return RegionBenefit(
        admdvs=record.parsed("admdvs", parse_admdvs),
        seq=record.integer("seq"),
        category=record.text("category"),
        benefit_code=record.parsed("benefit_code", parse_code),
        benefit_name=record.text("benefit_name"),
        kind=kind,
        insutypes=frozenset(insutypes),
        relations=frozenset(relations),
        national_codes=national_codes,
        components=record.items("components", parse_local_disease_code),
        icd_patterns=record.optional("icd_patterns", parse_pattern),
        evidence=record.choice("evidence", EVIDENCE),
        provenance=record.text("provenance"),
        begndate=record.date("begndate"),
        enddate=record.date("enddate"),
    )


def _check_shape(row: RegionBenefit, record: Record) -> None:
    """Each kind's own constraints (see the module docstring)."""
    if row.kind is BenefitKind.NATIONAL and row.national_codes != (row.benefit_code,):
        raise record.error("national_codes", "a national benefit lists exactly its own code")
    if (row.kind is BenefitKind.COMPOUND) != bool(row.components):
        raise record.error("components", "a compound benefit, and only one, lists its components")
    if row.kind is BenefitKind.COMPOUND and len(row.components) < 2:
        raise record.error("components", "a compound benefit has at least two components")
    if row.icd_patterns is not None and (row.national_codes or row.kind is not BenefitKind.SINGLE):
        raise record.error("icd_patterns", "only a single local disease without national codes has ICD hints")


def _check_compounds(rows: list[tuple[RegionBenefit, Record]]) -> None:
    """A compound's national codes are exactly the union of its components' (same admdvs and scope)."""
    for row, record in rows:
        if row.kind is not BenefitKind.COMPOUND:
            continue
        expected: set[OpspCode] = set()
        for component in row.components:
            parts = [other for other, _ in rows if _is_component(other, row, component)]
            if not parts:
                reason = f"{component} is not a single benefit of {row.admdvs} in scope"
                raise record.error("components", reason)
            expected.update(code for part in parts for code in part.national_codes)
        if set(row.national_codes) != expected:
            reason = f"must be the components' codes: {';'.join(sorted(expected))}"
            raise record.error("national_codes", reason)


def _is_component(other: RegionBenefit, compound: RegionBenefit, code: LocalDiseaseCode) -> bool:
    return (
        other.admdvs == compound.admdvs
        and other.benefit_code == code
        and other.kind is BenefitKind.SINGLE
        and compound.relations <= other.relations
    )


def _scope_keys(rows: list[tuple[RegionBenefit, Record]]) -> list[tuple[tuple[str, str, str, str], Record]]:
    return [
        ((row.admdvs, row.benefit_code, rel.value, insutype), record)
        for row, record in rows
        for rel in sorted(row.relations)
        for insutype in sorted(row.insutypes)
    ]


def load_region_catalogue(path: Path, *, diseases: DiseaseCatalogue) -> RegionCatalogue:
    """Load and validate region catalogues; a benefit may appear once per (relation, insutype)."""
    table = read_table(path, CATALOGUE_COLUMNS)
    rows = [(_benefit(record, diseases), record) for record in table.records]
    for row, record in rows:
        _check_shape(row, record)
    check_unique(_scope_keys(rows), "benefit_code")
    _check_compounds(rows)
    grouped: dict[Admdvs, list[RegionBenefit]] = {}
    for row, _ in rows:
        grouped.setdefault(row.admdvs, []).append(row)
    return RegionCatalogue(path, table.comments, frozen_mapping((k, tuple(v)) for k, v in grouped.items()))


def _name_row(record: Record) -> tuple[Admdvs, str]:
    return record.parsed("admdvs", parse_admdvs), record.text("name")


def load_region_names(path: Path) -> RegionNames:
    table = read_table(path, NAME_COLUMNS)
    rows = [(_name_row(record), record) for record in table.records]
    check_unique(((admdvs, record) for (admdvs, _), record in rows), "admdvs")
    return RegionNames(path, frozen_mapping(row for row, _ in rows))
