"""The national disease catalogue: every code of DOMAIN.md §3 and PROTOCOL.md §5, with provenance."""

from __future__ import annotations

import re

import pytest

from mappings import MalformedCodeError, UnknownCodeError
from mappings.shipped import diseases

# Written out from the reference documents, not read from the data file.
PROTOCOL_5 = re.findall(
    r"M[0-9]{5}",
    """M00105 M00201 M00202 M00300 M00503 M00504 M00904 M01001 M01102 M01103 M01200 M01600 M01601
M01609 M01902 M01903 M01908 M02101 M02102 M02103 M02104 M02105 M02106 M02207 M02300 M02500 M02700 M02900
M03701 M03703 M03704 M03900 M04000 M04301 M04600 M04803 M05300 M05400 M06000 M06201 M06501 M06700 M06900
M07101 M07200 M07800 M07803 M07804 M08300 M12100 M00500 M07801 M01603 M03902""",
)
DOMAIN_3 = re.findall(
    r"M[0-9]{5}",
    """M03900 M01600 M01609 M00500 M00503 M00504 M00501 M00599 M07801 M07800 M07803 M07804 M08300
M08301 M08302 M08303 M08304 M08305 M08306 M02101 M02100 M02102 M02103 M02104 M02218 M02105 M02106 M02207
M00201 M00202 M00105 M00101 M04600 M04301 M04803 M04000 M05300 M05400 M07101 M06900 M07200 M06000
M06501 M06700 M06201 M02300 M02500 M02900 M01200 M01102 M01103 M00300 M01001 M01908 M01903 M03701 M03703
M03704 M12100""",
)
CROSS_PROVINCE = {
    "M03900": "高血压",
    "M01600": "糖尿病",
    "M00500": "恶性肿瘤门诊治疗",
    "M07801": "透析",
    "M08301": "肾移植抗排异治疗",
    "M08302": "骨髓移植抗排异治疗",
    "M08303": "心移植抗排异治疗",
    "M08304": "肝移植抗排异治疗",
    "M08305": "肺移植抗排异治疗",
    "M08306": "肝肾移植抗排异治疗",
}


@pytest.mark.parametrize("code", sorted(set(PROTOCOL_5) | set(DOMAIN_3)))
def test_every_reference_code_is_in_the_catalogue(code: str) -> None:
    disease = diseases().get(code)
    assert disease.code == code
    assert disease.majcls_code == code[:4]
    assert disease.name
    assert disease.provenance


def test_the_five_cross_province_diseases_come_from_the_seeds() -> None:
    cross = diseases().cross_province()
    assert {d.code: d.name for d in cross} == CROSS_PROVINCE
    for disease in cross:
        assert disease.evidence == "SEED"
        assert "seed 002 附件1" in disease.provenance
        assert "seed 001" in disease.provenance
    assert diseases().get("M07801").majcls_name == "慢性肾功能衰竭"
    assert diseases().get("M08306").majcls_name == "器官移植抗排异治疗"


def test_codes_without_a_published_name_are_marked_as_inference() -> None:
    for code in ("M00501", "M00599", "M01603", "M02100", "M03902"):
        disease = diseases().get(code)
        assert "名称未公开" in disease.name
        assert disease.evidence == "INF"


def test_unknown_and_malformed_codes() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        diseases().get("M99999")
    assert caught.value.code == "M99999"
    assert "opsp_diseases.csv" in caught.value.table
    with pytest.raises(MalformedCodeError):
        diseases().get("M9999")
