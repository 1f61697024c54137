"""Hospital-local diagnosis codes -> ICD-10, from a table the hospital supplies.

Most HIS diagnosis dictionaries already use ICD-10 医保版 codes; some keep their own codes. For those
the hospital supplies a CSV (``local_code,local_name,icd_code,provenance``) that is validated at load:
a malformed ICD-10 code or a duplicate local code fails with file, line and column. The demo example is
``data/local_diagnoses_demo.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings.codes import HospitalDiagnosisCode, IcdCode, parse_hospital_diagnosis_code, parse_icd
from mappings.errors import UnknownCodeError

__all__ = ["LocalDiagnosis", "LocalDiagnosisMap", "load_local_diagnoses"]

COLUMNS = ("local_code", "local_name", "icd_code", "provenance")


@dataclass(frozen=True, slots=True)
class LocalDiagnosis:
    local_code: HospitalDiagnosisCode
    local_name: str
    icd_code: IcdCode
    provenance: str


@dataclass(frozen=True, slots=True, eq=False)
class LocalDiagnosisMap:
    """A hospital's diagnosis dictionary mapping, read-only."""

    source: Path
    comments: tuple[str, ...]
    entries: Mapping[HospitalDiagnosisCode, LocalDiagnosis]

    def to_icd(self, local_code: str) -> IcdCode:
        """The ICD-10 code of a local code; raises :class:`UnknownCodeError` for an unlisted one."""
        found = self.entries.get(parse_hospital_diagnosis_code(local_code))
        if found is None:
            raise UnknownCodeError(local_code, table=f"hospital diagnoses {self.source.name}")
        return found.icd_code

    def translate(self, local_codes: Iterable[str]) -> tuple[IcdCode, ...]:
        """A visit's local codes as ICD-10 codes, in order."""
        return tuple(self.to_icd(code) for code in local_codes)


def _row(record: Record) -> LocalDiagnosis:
    return LocalDiagnosis(
        local_code=record.parsed("local_code", parse_hospital_diagnosis_code),
        local_name=record.text("local_name"),
        icd_code=record.parsed("icd_code", parse_icd),
        provenance=record.text("provenance"),
    )


def load_local_diagnoses(path: Path) -> LocalDiagnosisMap:
    """Load and validate a hospital's local-diagnosis CSV."""
    table = read_table(path, COLUMNS)
    rows = [(_row(record), record) for record in table.records]
    check_unique(((row.local_code, record) for row, record in rows), "local_code")
    return LocalDiagnosisMap(path, table.comments, frozen_mapping((row.local_code, row) for row, _ in rows))
