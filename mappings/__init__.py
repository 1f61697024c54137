"""Mappings: local diagnoses and hospital items to national codes, region catalogues, with provenance.

A low layer: it imports neither ``adapter`` nor ``mock_platform``. The data lives in ``mappings/data/``
(plain CSV with a provenance column, described in ``data/README.md``); each table is validated when
first used and immutable afterwards. The root exports the everyday entry points; the submodules hold
the table types and loaders:

* ``mappings.codes``: code types (``IcdCode``, ``OpspCode``...) and their parsers;
* ``mappings.diseases``: the national 门诊慢特病 catalogue;
* ``mappings.diagnosis``: ICD-10 -> opsp rules, single-code and visit lookups;
* ``mappings.local_diagnoses``: hospital-local diagnosis codes -> ICD-10;
* ``mappings.regions``: region names, :func:`relation`, insured regions' catalogues;
* ``mappings.items`` and ``mappings.payment_scope``: 目录对照, item disease scope, payment scope;
* ``mappings.hospitals``: the hospitals and their supplied tables;
* ``mappings.shipped``: the shipped tables (loaded on first use) and lookups over them.
"""

from mappings.codes import (
    Admdvs,
    HospitalDiagnosisCode,
    HospitalItemCode,
    IcdCode,
    LocalDiseaseCode,
    NationalItemCode,
    OpspCode,
)
from mappings.errors import DataFileError, MalformedCodeError, MappingError, UnknownCodeError
from mappings.regions import Relation, relation
from mappings.shipped import load_all, lookup_diagnosis, lookup_item, lookup_visit, region_name

__all__ = [
    "Admdvs",
    "DataFileError",
    "HospitalDiagnosisCode",
    "HospitalItemCode",
    "IcdCode",
    "LocalDiseaseCode",
    "MalformedCodeError",
    "MappingError",
    "NationalItemCode",
    "OpspCode",
    "Relation",
    "UnknownCodeError",
    "load_all",
    "lookup_diagnosis",
    "lookup_item",
    "lookup_visit",
    "region_name",
    "relation",
]
