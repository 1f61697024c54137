"""Code systems: one type per system, and the parsers that normalise and validate them.

Every parser takes a raw string, strips surrounding whitespace, normalises case where the system is
case-insensitive, and returns the typed code or raises :class:`MalformedCodeError`. The types are
``NewType``s over ``str`` so that mypy keeps a hospital item code from being passed where a national code
is expected (STYLE.md §5), while costing nothing at run time.
"""

from __future__ import annotations

import re
from typing import NewType

from mappings.errors import MalformedCodeError

__all__ = [
    "Admdvs",
    "BenefitCode",
    "HospitalDiagnosisCode",
    "HospitalItemCode",
    "IcdCode",
    "LocalDiseaseCode",
    "NationalItemCode",
    "OpspCode",
    "parse_admdvs",
    "parse_benefit_code",
    "parse_hospital_diagnosis_code",
    "parse_hospital_item_code",
    "parse_icd",
    "parse_local_disease_code",
    "parse_national_item_code",
    "parse_opsp_code",
    "province_of",
]

IcdCode = NewType("IcdCode", str)
"""ICD-10 (医保版 extended codes included), normalised: upper-case letter, lower-case ``x``."""
OpspCode = NewType("OpspCode", str)
"""National 门诊慢特病 disease code, ``M`` + 5 digits (PROTOCOL.md §5)."""
LocalDiseaseCode = NewType("LocalDiseaseCode", str)
"""A region's own disease or benefit code that is not a national code, e.g. ``WH-S01``."""
HospitalDiagnosisCode = NewType("HospitalDiagnosisCode", str)
"""A hospital's own diagnosis dictionary code (mapped to ICD-10 by a table the hospital supplies)."""
HospitalItemCode = NewType("HospitalItemCode", str)
"""A hospital's own item code (``medins_list_codg`` on the wire), e.g. ``Y001``."""
NationalItemCode = NewType("NationalItemCode", str)
"""A national catalogue code (``med_list_codg`` / ``hilist_code`` on the wire)."""
Admdvs = NewType("Admdvs", str)
"""Administrative division code, 6 digits (GB/T 2260)."""

BenefitCode = OpspCode | LocalDiseaseCode
"""What a region catalogue lists: a national code or a local one."""

# ICD-10 医保版: letter + 2 digits, optionally "." + 1-4 digits/x, optionally "x" + 3 digits
# (E11.900, I10.x09, C49.900x003, F20.800x001, D66.x01, E11). Matched on the upper-cased text; the
# checks run on ASCII only so that Unicode digits or case-folding tricks cannot slip through.
_ICD = re.compile(r"([A-Z])([0-9]{2})(?:\.([0-9X]{1,4})(?:X([0-9]{3}))?)?", re.ASCII)
_OPSP = re.compile(r"M[0-9]{5}", re.ASCII)
# Local codes are "<region letters>-<letters/digits>": WH-S01, WH-C02, NM-B02H.
_LOCAL_DISEASE = re.compile(r"[A-Z]{2,4}-[A-Z0-9]{2,8}", re.ASCII)
# Hospital dictionaries: C30 on the wire; letters, digits and a few separators, case kept.
_HOSPITAL_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.\-/]{0,29}", re.ASCII)
_ADMDVS = re.compile(r"[0-9]{6}", re.ASCII)
# National item codes by family (DEMO_DATA.md: "follow the national format"):
#   drugs        X/Z + ATC anatomical letter + 2 digits + 19 more = 23 (XA10BAA059A001010100001)
#   services     15 digits, optionally "-" + the province's price-item code (001102000010000)
#   consumables  C + 19-26 digits (C03123456000000000000001)
NATIONAL_ITEM_FAMILIES: dict[str, re.Pattern[str]] = {
    "drug": re.compile(r"[XZ][A-Z][0-9]{2}[A-Z0-9]{19}", re.ASCII),
    "service": re.compile(r"[0-9]{15}(?:-[0-9A-Za-z]{1,15})?", re.ASCII),
    "consumable": re.compile(r"C[0-9]{19,26}", re.ASCII),
}


def _clean(raw: str, *, system: str) -> str:
    if not raw.isascii():
        raise MalformedCodeError(raw, system=system)
    return raw.strip()


def parse_icd(raw: str) -> IcdCode:
    """Validate and normalise an ICD-10 code: ``i10.X09`` -> ``I10.x09``."""
    text = _clean(raw, system="ICD-10").upper()
    match = _ICD.fullmatch(text)
    if match is None:
        raise MalformedCodeError(raw, system="ICD-10")
    letter, category, sub, suffix = match.groups()
    code = letter + category
    if sub is not None:
        code += "." + sub.lower()
    if suffix is not None:
        code += "x" + suffix
    return IcdCode(code)


def parse_opsp_code(raw: str) -> OpspCode:
    """Validate a national 门诊慢特病 code (``M`` + 5 digits)."""
    text = _clean(raw, system="opsp_dise_code").upper()
    if _OPSP.fullmatch(text) is None:
        raise MalformedCodeError(raw, system="opsp_dise_code")
    return OpspCode(text)


def parse_local_disease_code(raw: str) -> LocalDiseaseCode:
    """Validate a region-local disease/benefit code such as ``WH-S01``."""
    text = _clean(raw, system="local disease").upper()
    if _LOCAL_DISEASE.fullmatch(text) is None:
        raise MalformedCodeError(raw, system="local disease")
    return LocalDiseaseCode(text)


def parse_benefit_code(raw: str) -> BenefitCode:
    """A national code if it looks like one, otherwise a local code."""
    text = _clean(raw, system="benefit").upper()
    if _OPSP.fullmatch(text) is not None:
        return OpspCode(text)
    return parse_local_disease_code(raw)


def parse_hospital_item_code(raw: str) -> HospitalItemCode:
    """Validate a hospital item code (case is kept: hospital dictionaries are case-sensitive)."""
    text = _clean(raw, system="hospital item")
    if _HOSPITAL_CODE.fullmatch(text) is None:
        raise MalformedCodeError(raw, system="hospital item")
    return HospitalItemCode(text)


def parse_hospital_diagnosis_code(raw: str) -> HospitalDiagnosisCode:
    """Validate a hospital-local diagnosis code."""
    text = _clean(raw, system="hospital diagnosis")
    if _HOSPITAL_CODE.fullmatch(text) is None:
        raise MalformedCodeError(raw, system="hospital diagnosis")
    return HospitalDiagnosisCode(text)


def national_item_family(code: str) -> str | None:
    """``drug``, ``service`` or ``consumable`` for a well-formed national item code, else ``None``."""
    for family, pattern in NATIONAL_ITEM_FAMILIES.items():
        if pattern.fullmatch(code) is not None:
            return family
    return None


def parse_national_item_code(raw: str) -> NationalItemCode:
    """Validate a national catalogue code against the three family patterns."""
    text = _clean(raw, system="national item")
    if national_item_family(text) is None:
        raise MalformedCodeError(raw, system="national item")
    return NationalItemCode(text)


def parse_admdvs(raw: str) -> Admdvs:
    """Validate a 6-digit administrative division code."""
    text = _clean(raw, system="admdvs")
    if _ADMDVS.fullmatch(text) is None:
        raise MalformedCodeError(raw, system="admdvs")
    return Admdvs(text)


def province_of(admdvs: Admdvs) -> Admdvs:
    """The province-level division: the first two digits + ``0000`` (420100 -> 420000)."""
    return Admdvs(admdvs[:2] + "0000")
