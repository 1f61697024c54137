"""The tables shipped in ``mappings/data/``, each loaded and validated on first use, and lookups over them.

Every accessor is cached: the first call loads and validates its file (a malformed file raises
:class:`DataFileError` there, naming file, line and field), later calls return the same immutable
object. :func:`load_all` loads everything at once, for a host that wants to fail at start-up.

The lookup functions take the tables as keyword arguments, defaulting to the shipped ones, so a host
with its own files (its 1309 download, its 目录对照) loads them with the ``load_*`` functions and passes
them in; nothing here is global configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType

from mappings.codes import Admdvs
from mappings.diagnosis import DiagnosisLookup, DiagnosisRules, VisitDiagnoses, load_diagnosis_rules
from mappings.diseases import DiseaseCatalogue, load_disease_catalogue
from mappings.errors import DataFileError
from mappings.hospitals import HospitalRegistry, load_hospitals
from mappings.items import (
    ItemCatalogue,
    ItemDiseaseScope,
    ItemLookup,
    ItemMap,
    load_item_disease_scope,
    load_item_map,
)
from mappings.local_diagnoses import LocalDiagnosisMap, load_local_diagnoses
from mappings.payment_scope import PaymentScopeCatalogue, load_payment_scope
from mappings.regions import RegionCatalogue, RegionNames, load_region_catalogue, load_region_names

__all__ = [
    "DATA_DIR",
    "DEMO_HOSPITAL",
    "data_files",
    "diagnosis_rules",
    "diseases",
    "hospitals",
    "item_catalogue",
    "item_disease_scope",
    "item_map",
    "load_all",
    "local_diagnoses",
    "lookup_diagnosis",
    "lookup_item",
    "lookup_visit",
    "payment_scopes",
    "region_catalogue",
    "region_name",
    "region_names",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_HOSPITAL = "H42010200001"
# One payment-scope file per province of care that has a catalogue (DEMO_DATA.md: Hubei, Inner Mongolia).
PAYMENT_SCOPE_FILES = ("payment_scope_420000.csv", "payment_scope_150000.csv")


def data_files() -> tuple[Path, ...]:
    """Every shipped CSV data file."""
    return tuple(sorted(DATA_DIR.glob("*.csv")))


@cache
def diseases() -> DiseaseCatalogue:
    return load_disease_catalogue(DATA_DIR / "opsp_diseases.csv")


@cache
def diagnosis_rules() -> DiagnosisRules:
    return load_diagnosis_rules(DATA_DIR / "icd_rules.csv", diseases=diseases())


@cache
def region_catalogue() -> RegionCatalogue:
    return load_region_catalogue(DATA_DIR / "region_catalogues.csv", diseases=diseases())


@cache
def region_names() -> RegionNames:
    return load_region_names(DATA_DIR / "region_names.csv")


@cache
def hospitals() -> HospitalRegistry:
    return load_hospitals(DATA_DIR / "hospitals_demo.csv")


@cache
def _item_map_file(path: Path) -> ItemMap:
    return load_item_map(path)


def item_map(fixmedins_code: str = DEMO_HOSPITAL) -> ItemMap:
    """The 目录对照 of a known hospital (the demo hospitals share one file)."""
    return _item_map_file(hospitals().get(fixmedins_code).item_map)


@cache
def _local_diagnoses_file(path: Path) -> LocalDiagnosisMap:
    return load_local_diagnoses(path)


def local_diagnoses(fixmedins_code: str = DEMO_HOSPITAL) -> LocalDiagnosisMap:
    """The local-diagnosis table of a known hospital."""
    return _local_diagnoses_file(hospitals().get(fixmedins_code).local_diagnoses)


@cache
def payment_scopes() -> Mapping[Admdvs, PaymentScopeCatalogue]:
    """Province of care -> its payment-scope catalogue."""
    catalogues: dict[Admdvs, PaymentScopeCatalogue] = {}
    for name in PAYMENT_SCOPE_FILES:
        catalogue = load_payment_scope(DATA_DIR / name)
        if catalogue.province in catalogues:
            reason = f"a second catalogue for {catalogue.province}"
            raise DataFileError(catalogue.source, line=None, field="insu_admdvs", reason=reason)
        catalogues[catalogue.province] = catalogue
    return MappingProxyType(catalogues)


@cache
def item_disease_scope() -> ItemDiseaseScope:
    return load_item_disease_scope(DATA_DIR / "item_disease_scope.csv", diseases=diseases())


def item_catalogue(fixmedins_code: str = DEMO_HOSPITAL, *, item_map: ItemMap | None = None) -> ItemCatalogue:
    """A known hospital's 目录对照 (or ``item_map``) joined with the shipped scopes; cached per hospital."""
    if item_map is not None:
        return ItemCatalogue(item_map, payment_scopes(), item_disease_scope())
    return _hospital_items(fixmedins_code)


@cache
def _hospital_items(fixmedins_code: str) -> ItemCatalogue:
    return ItemCatalogue(item_map(fixmedins_code), payment_scopes(), item_disease_scope())


def load_all() -> None:
    """Load and validate every shipped table now (they are otherwise loaded on first use)."""
    diagnosis_rules()
    region_catalogue()
    region_names()
    payment_scopes()
    item_disease_scope()
    for code in hospitals().hospitals:
        item_map(code)
        local_diagnoses(code)


def lookup_diagnosis(code: str, *, rules: DiagnosisRules | None = None) -> DiagnosisLookup:
    """Candidates for one ICD-10 code (see ``mappings.diagnosis``)."""
    return (rules if rules is not None else diagnosis_rules()).lookup(code)


def lookup_visit(codes: Iterable[str], *, rules: DiagnosisRules | None = None) -> VisitDiagnoses:
    """Candidates for a visit's diagnosis list, combinations and precedence applied."""
    return (rules if rules is not None else diagnosis_rules()).lookup_visit(codes)


def lookup_item(
    hospital_code: str, *, province: str, on: date, items: ItemCatalogue | None = None
) -> ItemLookup:
    """A hospital item's 目录对照 row, payment scope in ``province`` on ``on``, and diseases treated.

    ``items`` defaults to the demo hospital's tables (:func:`item_catalogue`).
    """
    return (items if items is not None else _demo_items()).lookup(hospital_code, province=province, on=on)


@cache
def _demo_items() -> ItemCatalogue:
    return item_catalogue(DEMO_HOSPITAL)


def region_name(admdvs: str) -> str:
    """The name of an admdvs; raises :class:`UnknownCodeError` for one not in the table."""
    return region_names().name(admdvs)
