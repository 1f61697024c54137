"""The national 门诊慢特病 disease catalogue (``opsp_dise_code`` -> name, major class, provenance).

The shipped file (``data/opsp_diseases.csv``) lists every code of DOMAIN.md §3 and PROTOCOL.md §5. Only
the ten codes of the five cross-province diseases are national and fixed (seed 002 附件1, seed 001);
sub-codes differ between provinces (DOMAIN.md §3.1), so a deployment should replace the rest with the
1309 download of its own region. Each row says where it comes from (``evidence`` + ``provenance``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mappings._csv import Record, check_unique, frozen_mapping, read_table
from mappings.codes import OpspCode, parse_opsp_code
from mappings.errors import UnknownCodeError

__all__ = ["EVIDENCE", "Disease", "DiseaseCatalogue", "load_disease_catalogue"]

# Evidence labels of DOMAIN.md §0, plus DEMO for the synthetic demo dataset (DEMO_DATA.md).
EVIDENCE = {"SEED": "SEED", "SRC": "SRC", "INF": "INF", "DEMO": "DEMO"}
COLUMNS = (
    "opsp_dise_code",
    "opsp_dise_name",
    "opsp_dise_majcls_code",
    "opsp_dise_majcls_name",
    "cross_province",
    "evidence",
    "provenance",
)
_FLAG = {"0": False, "1": True}


@dataclass(frozen=True, slots=True)
class Disease:
    """One catalogue row. ``cross_province`` marks the five nationally fixed cross-province diseases."""

    code: OpspCode
    name: str
    majcls_code: str
    majcls_name: str | None
    cross_province: bool
    evidence: str
    provenance: str


@dataclass(frozen=True, slots=True, eq=False)
class DiseaseCatalogue:
    """The catalogue, read-only. ``get`` raises :class:`UnknownCodeError` for a code it lacks."""

    source: Path
    comments: tuple[str, ...]
    entries: Mapping[OpspCode, Disease]

    def get(self, code: str) -> Disease:
        disease = self.entries.get(parse_opsp_code(code))
        if disease is None:
            raise UnknownCodeError(code, table=f"national disease catalogue ({self.source.name})")
        return disease

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def cross_province(self) -> tuple[Disease, ...]:
        """The codes of the five cross-province diseases (M03900 ... M08306), in code order."""
        return tuple(d for d in sorted(self.entries.values(), key=lambda d: d.code) if d.cross_province)


def _disease(record: Record) -> Disease:
    code = record.parsed("opsp_dise_code", parse_opsp_code)
    majcls = record.text("opsp_dise_majcls_code")
    # The major class is "M" + 3 digits and the code's own prefix (1309 OPSP_DISE_MAJCLS_CODE; the digit
    # split is an inference, DOMAIN.md §3.1), so a mismatch is a typo.
    if majcls != code[:4]:
        raise record.error("opsp_dise_majcls_code", f"{majcls!r} is not the prefix of {code}")
    return Disease(
        code=code,
        name=record.text("opsp_dise_name"),
        majcls_code=majcls,
        majcls_name=record.optional_text("opsp_dise_majcls_name"),
        cross_province=record.choice("cross_province", _FLAG),
        evidence=record.choice("evidence", EVIDENCE),
        provenance=record.text("provenance"),
    )


def load_disease_catalogue(path: Path) -> DiseaseCatalogue:
    """Load and validate a catalogue file; raises :class:`DataFileError` on the first bad row."""
    table = read_table(path, COLUMNS)
    rows = [(_disease(record), record) for record in table.records]
    check_unique(((disease.code, record) for disease, record in rows), "opsp_dise_code")
    entries = frozen_mapping((disease.code, disease) for disease, _ in rows)
    return DiseaseCatalogue(path, table.comments, entries)
