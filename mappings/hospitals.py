"""Hospitals known to this installation and the hospital-supplied tables each one uses.

Shipped with the two demo hospitals of DEMO_DATA.md (``data/hospitals_demo.csv``). A row names the
hospital's admdvs (its province is the province of care whose payment scope applies) and the file
names, relative to the registry file, of its 目录对照 and local-diagnosis tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings.codes import Admdvs, parse_admdvs, province_of
from mappings.errors import UnknownCodeError

__all__ = ["Hospital", "HospitalRegistry", "load_hospitals"]

COLUMNS = ("fixmedins_code", "fixmedins_name", "admdvs", "item_map", "local_diagnoses", "provenance")
# fixmedins_code: C30 on the wire; the demo codes are "H" + 11 digits.
_FIXMEDINS = re.compile(r"[0-9A-Za-z]{1,30}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Hospital:
    fixmedins_code: str
    fixmedins_name: str
    admdvs: Admdvs
    item_map: Path
    local_diagnoses: Path
    provenance: str

    @property
    def province(self) -> Admdvs:
        """The province of care: its payment-scope catalogue classes the hospital's lines."""
        return province_of(self.admdvs)


@dataclass(frozen=True, slots=True, eq=False)
class HospitalRegistry:
    source: Path
    hospitals: Mapping[str, Hospital]

    def get(self, fixmedins_code: str) -> Hospital:
        found = self.hospitals.get(fixmedins_code.strip())
        if found is None:
            raise UnknownCodeError(fixmedins_code, table=f"hospitals ({self.source.name})")
        return found


def _fixmedins(text: str) -> str:
    if _FIXMEDINS.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a fixmedins_code")
    return text


def _file(record: Record, field: str) -> Path:
    name = record.text(field)
    path = record.path.parent / name
    if Path(name).name != name or not path.is_file():
        raise record.error(field, f"{name!r} is not a file beside {record.path.name}")
    return path


def _hospital(record: Record) -> Hospital:
    return Hospital(
        fixmedins_code=record.parsed("fixmedins_code", _fixmedins),
        fixmedins_name=record.text("fixmedins_name"),
        admdvs=record.parsed("admdvs", parse_admdvs),
        item_map=_file(record, "item_map"),
        local_diagnoses=_file(record, "local_diagnoses"),
        provenance=record.text("provenance"),
    )


def load_hospitals(path: Path) -> HospitalRegistry:
    table = read_table(path, COLUMNS)
    rows = [(_hospital(record), record) for record in table.records]
    check_unique(((row.fixmedins_code, record) for row, record in rows), "fixmedins_code")
    return HospitalRegistry(path, frozen_mapping((row.fixmedins_code, row) for row, _ in rows))
