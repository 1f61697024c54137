"""Hospital-local diagnosis codes -> ICD-10 (the demo table and a hospital's own file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings import UnknownCodeError, lookup_visit
from mappings.local_diagnoses import load_local_diagnoses
from mappings.shipped import local_diagnoses

from .helpers import write_csv


@pytest.mark.parametrize(
    ("local", "icd"),
    [("ZD0001", "E11.900"), ("ZD0002", "I10.x09"), ("ZD0004", "Z99.201"), ("ZD0009", "I27.900")],
)
def test_demo_local_codes(local: str, icd: str) -> None:
    assert local_diagnoses().to_icd(local) == icd


def test_a_visit_in_local_codes_goes_through_icd() -> None:
    icd = local_diagnoses().translate(["ZD0003", "ZD0004", "ZD0008"])
    assert icd == ("N18.902", "Z99.201", "J06.900")
    assert lookup_visit(icd).opsp_codes == ("M07801", "M07803")


def test_unknown_local_code() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        local_diagnoses().to_icd("ZD9999")
    assert caught.value.code == "ZD9999"


def test_a_hospital_supplied_file_is_normalised(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "dx.csv", "local_code,local_name,icd_code,provenance", ["K-01,高血压,i10.X09,HIS 字典"]
    )
    assert load_local_diagnoses(path).to_icd("K-01") == "I10.x09"
