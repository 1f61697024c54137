"""Items: a hospital's 目录对照, the diseases each national item treats, and the combined item lookup.

* **目录对照** (``ItemMap``): hospital item code (``medins_list_codg``) -> national code
  (``med_list_codg``), name, ``list_type``, ``med_chrgitm_type``. Each hospital supplies its own CSV;
  the demo hospitals share ``data/item_map_demo.csv`` (DEMO_DATA.md). A row with an empty national
  code is an item the hospital has not mapped to the national standard (未贯标, e.g. ``L999``): the
  adapter settles it as self-pay and does not upload it (seed 002 三(四): "存在未贯标的数据时，应将已贯标
  的数据上传"). A code absent from the file is an :class:`UnknownCodeError`.
* **Item disease scope** (``ItemDiseaseScope``): national item -> the opsp diseases it treats; an item
  listed with no disease is ordinary (settled as 普通门诊, seed 002 三(二)).
* :func:`lookup_item` joins them with the payment scope of the province of care
  (``mappings.payment_scope``) for one day; :class:`ItemCatalogue` bundles the tables and caches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings.codes import (
    Admdvs,
    HospitalItemCode,
    NationalItemCode,
    OpspCode,
    national_item_family,
    parse_admdvs,
    parse_hospital_item_code,
    parse_national_item_code,
    parse_opsp_code,
)
from mappings.diseases import EVIDENCE, DiseaseCatalogue
from mappings.errors import UnknownCodeError
from mappings.payment_scope import PaymentScopeCatalogue, ScopeEntry

__all__ = [
    "ItemCatalogue",
    "ItemDiseaseScope",
    "ItemLookup",
    "ItemMap",
    "ItemMapping",
    "ItemStatus",
    "load_item_disease_scope",
    "load_item_map",
    "lookup_item",
]

MAP_COLUMNS = ("hospital_code", "national_code", "name", "list_type", "med_chrgitm_type", "provenance")
SCOPE_COLUMNS = ("national_code", "name", "opsp_dise_codes", "evidence", "provenance")
# list_type (PROTOCOL.md §4; HN's 106 accepted) -> the national code family it must have.
LIST_TYPE_FAMILY = {
    "101": "drug",
    "102": "drug",
    "103": "drug",
    "104": "drug",
    "105": "drug",
    "106": "drug",
    "201": "service",
    "301": "consumable",
}
ItemStatus = Literal["unmapped", "out_of_catalogue", "in_catalogue"]
MED_CHRGITM_TYPES = {f"{n:02d}": f"{n:02d}" for n in range(1, 15)}
# Lookups are pure functions of immutable tables, so results are cached; the bound keeps a stream of
# distinct (code, province, day) keys from growing the cache without limit.
_CACHE_LIMIT = 65_536


@dataclass(frozen=True, slots=True)
class ItemMapping:
    """One 目录对照 row. ``national_code`` is ``None`` for an unmapped (未贯标) item."""

    hospital_code: HospitalItemCode
    national_code: NationalItemCode | None
    name: str
    list_type: str | None
    med_chrgitm_type: str | None
    provenance: str

    @property
    def mapped(self) -> bool:
        return self.national_code is not None


@dataclass(frozen=True, slots=True, eq=False)
class ItemMap:
    """A hospital's 目录对照, read-only."""

    source: Path
    comments: tuple[str, ...]
    entries: Mapping[HospitalItemCode, ItemMapping]

    def lookup(self, hospital_code: str) -> ItemMapping:
        """The row of a hospital code; raises :class:`UnknownCodeError` (or ``MalformedCodeError``)."""
        found = self.entries.get(HospitalItemCode(hospital_code))
        if found is not None:
            return found
        code = parse_hospital_item_code(hospital_code)
        found = self.entries.get(code)
        if found is not None:
            return found
        # Matched the way diagnosis codes are (spaces and case do not matter), unless the table
        # holds several codes differing only in case: then the HIS must write the exact one.
        folded = [entry for key, entry in self.entries.items() if key.upper() == code.upper()]
        if len(folded) == 1:
            return folded[0]
        table = f"目录对照 {self.source.name}"
        if folded:
            codes = ", ".join(entry.hospital_code for entry in folded)
            raise UnknownCodeError(f"{hospital_code} (ambiguous: {codes} differ only in case)", table=table)
        raise UnknownCodeError(hospital_code, table=table)


@dataclass(frozen=True, slots=True, eq=False)
class ItemDiseaseScope:
    """National item -> opsp diseases it treats, read-only."""

    source: Path
    comments: tuple[str, ...]
    entries: Mapping[NationalItemCode, frozenset[OpspCode]]

    def diseases_for(self, national_code: str) -> frozenset[OpspCode]:
        """The diseases an item treats; empty for an ordinary or unlisted item."""
        return self.entries.get(NationalItemCode(national_code), frozenset())

    def items_for(self, opsp_code: str) -> tuple[NationalItemCode, ...]:
        """The national items that treat a disease (the disease's item scope), in file order."""
        wanted = parse_opsp_code(opsp_code)
        return tuple(code for code, diseases in self.entries.items() if wanted in diseases)


@dataclass(frozen=True, slots=True)
class ItemLookup:
    """A hospital item as the fee split needs it, for one province of care and one day."""

    mapping: ItemMapping
    province: Admdvs
    on: date
    scope: ScopeEntry | None
    diseases: frozenset[OpspCode]

    @property
    def status(self) -> ItemStatus:
        """``unmapped`` (未贯标: self-pay, not uploaded), ``out_of_catalogue`` (自费) or ``in_catalogue``."""
        if not self.mapping.mapped:
            return "unmapped"
        return "in_catalogue" if self.scope is not None else "out_of_catalogue"


def lookup_item(
    hospital_code: str,
    *,
    province: str,
    on: date,
    item_map: ItemMap,
    scopes: Mapping[Admdvs, PaymentScopeCatalogue],
    disease_scope: ItemDiseaseScope,
) -> ItemLookup:
    """Map a hospital item and class it in the province of care's catalogue on ``on``."""
    mapping = item_map.lookup(hospital_code)
    catalogue = scopes.get(Admdvs(province))
    if catalogue is None:
        catalogue = scopes.get(parse_admdvs(province))
        if catalogue is None:
            raise UnknownCodeError(province, table="payment-scope catalogues (province of care)")
    if mapping.national_code is None:
        return ItemLookup(mapping, catalogue.province, on, None, frozenset())
    scope = catalogue.get(mapping.national_code, on=on)
    diseases = disease_scope.diseases_for(mapping.national_code)
    return ItemLookup(mapping, catalogue.province, on, scope, diseases)


@dataclass(frozen=True, slots=True, eq=False)
class ItemCatalogue:
    """A hospital's 目录对照 joined with the payment scopes and the item disease scope.

    :meth:`lookup` is :func:`lookup_item` over these tables, cached per (code, province, day).
    """

    item_map: ItemMap
    scopes: Mapping[Admdvs, PaymentScopeCatalogue]
    disease_scope: ItemDiseaseScope
    _cache: dict[tuple[str, str, date], ItemLookup] = field(default_factory=dict, repr=False)

    def lookup(self, hospital_code: str, *, province: str, on: date) -> ItemLookup:
        key = (hospital_code, province, on)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = lookup_item(
            hospital_code,
            province=province,
            on=on,
            item_map=self.item_map,
            scopes=self.scopes,
            disease_scope=self.disease_scope,
        )
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result


def _mapping(record: Record) -> ItemMapping:
    national = record.optional("national_code", parse_national_item_code)
    list_type = record.optional("list_type", lambda text: _choice(text, LIST_TYPE_FAMILY))
    chrgitm_type = record.optional("med_chrgitm_type", lambda text: _choice(text, MED_CHRGITM_TYPES))
    if national is not None and (list_type is None or chrgitm_type is None):
        field = "list_type" if list_type is None else "med_chrgitm_type"
        raise record.error(field, "required when the item has a national code")
    if national is None and (list_type is not None or chrgitm_type is not None):
        raise record.error("national_code", "empty (未贯标) but list_type/med_chrgitm_type are given")
    family = LIST_TYPE_FAMILY.get(str(list_type))
    if national is not None and national_item_family(national) != family:
        raise record.error("national_code", f"not a {family} code (list_type {list_type})")
    return ItemMapping(
        hospital_code=record.parsed("hospital_code", parse_hospital_item_code),
        national_code=national,
        name=record.text("name"),
        list_type=list_type,
        med_chrgitm_type=chrgitm_type,
        provenance=record.text("provenance"),
    )


def _choice(text: str, choices: Mapping[str, str]) -> str:
    if text not in choices:
        raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
    return text


def load_item_map(path: Path) -> ItemMap:
    """Load a hospital's 目录对照 CSV; bad rows raise :class:`DataFileError` (file, line, column)."""
    table = read_table(path, MAP_COLUMNS)
    rows = [(_mapping(record), record) for record in table.records]
    check_unique(((row.hospital_code, record) for row, record in rows), "hospital_code")
    return ItemMap(path, table.comments, frozen_mapping((row.hospital_code, row) for row, _ in rows))


def _scope_row(record: Record, diseases: DiseaseCatalogue) -> tuple[NationalItemCode, frozenset[OpspCode]]:
    code = record.parsed("national_code", parse_national_item_code)
    record.text("name")
    record.choice("evidence", EVIDENCE)
    treated = record.items("opsp_dise_codes", parse_opsp_code)
    for opsp in treated:
        if opsp not in diseases:
            raise record.error("opsp_dise_codes", f"{opsp} is not in the national disease catalogue")
    return code, frozenset(treated)


def load_item_disease_scope(path: Path, *, diseases: DiseaseCatalogue) -> ItemDiseaseScope:
    table = read_table(path, SCOPE_COLUMNS)
    rows = [(_scope_row(record, diseases), record) for record in table.records]
    check_unique(((code, record) for (code, _), record in rows), "national_code")
    return ItemDiseaseScope(path, table.comments, frozen_mapping(row for row, _ in rows))
