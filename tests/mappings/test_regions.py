"""Regions: relation, names, and the four insured regions' catalogues (seeds 000-003)."""

from __future__ import annotations

import pytest

from mappings import MalformedCodeError, Relation, UnknownCodeError, region_name, relation
from mappings.regions import BenefitKind
from mappings.shipped import region_catalogue, region_names

TRANSPLANT = tuple(f"M0830{n}" for n in range(1, 7))


@pytest.mark.parametrize(
    ("hospital", "insured", "expected"),
    [
        ("420100", "420100", Relation.LOCAL),
        ("420100", "420500", Relation.IN_PROVINCE),  # P5 宜昌 at the Wuhan hospital
        ("150100", "150300", Relation.IN_PROVINCE),  # Wuhai 自治区范围内
        ("420100", "640100", Relation.CROSS_PROVINCE),  # P1 银川 at the Wuhan hospital
        ("420100", "150300", Relation.CROSS_PROVINCE),  # Wuhai 自治区范围外
        ("150100", "640100", Relation.CROSS_PROVINCE),
    ],
)
def test_relation(hospital: str, insured: str, expected: Relation) -> None:
    assert relation(hospital, insured) is expected


def test_relation_rejects_malformed_admdvs() -> None:
    with pytest.raises(MalformedCodeError):
        relation("4201", "420100")


@pytest.mark.parametrize(
    ("admdvs", "name"),
    [
        ("420100", "武汉市"),
        ("150100", "呼和浩特市"),
        ("420500", "宜昌市"),
        ("640100", "银川市"),
        ("150300", "乌海市"),
        ("150000", "内蒙古自治区"),
        ("640000", "宁夏回族自治区"),
        ("420000", "湖北省"),
        ("429021", "神农架林区"),
        ("422800", "恩施土家族苗族自治州"),
    ],
)
def test_region_names(admdvs: str, name: str) -> None:
    assert region_name(admdvs) == name


def test_every_hubei_city_of_domain_1_1_has_a_name() -> None:
    cities = "420100 420200 420300 420500 420600 420700 420800 420900 421000 421100 421200 421300 422800"
    for admdvs in [*cities.split(), "429004", "429005", "429006", "429021"]:
        assert region_names().get(admdvs)
    with pytest.raises(UnknownCodeError):
        region_name("999999")


# --- Wuhai 150300 (seed 000 附件) ----------------------------------------------------------------------


def _codes(admdvs: str, relation_: Relation, insutype: str) -> list[str]:
    return [
        b.benefit_code for b in region_catalogue().benefits(admdvs, relation=relation_, insutype=insutype)
    ]


def test_wuhai_in_region_catalogues() -> None:
    singles = [f"WH-S{n:02d}" for n in range(1, 20)]
    compounds = ["WH-C01", "WH-C02", "WH-C03"]
    for rel in (Relation.LOCAL, Relation.IN_PROVINCE):
        assert _codes("150300", rel, "310") == singles + compounds  # 22 = 19 + 3
        assert _codes("150300", rel, "390") == singles[:10] + compounds  # 13 = 10 + 3


def test_wuhai_single_disease_names_follow_the_seed_order() -> None:
    names = [
        *("肺心病", "高血压Ⅲ级", "糖尿病", "恶性肿瘤放化疗", "慢性肾功能衰竭及尿毒症透析治疗"),
        *("器官移植手术后的抗排斥治疗", "精神分裂症", "抑郁狂躁症", "慢性乙型肝炎", "肺结核"),
        *("冠心病及手术后期治疗", "系统性红斑狼疮", "股骨头坏死", "脑梗塞", "银屑病", "过敏性紫癜"),
        *("类风湿关节炎", "结节病", "重度精神性皮炎"),
    ]
    rows = region_catalogue().benefits("150300", relation=Relation.LOCAL, insutype="310")
    assert [row.benefit_name for row in rows[:19]] == names


@pytest.mark.parametrize(
    ("code", "national"),
    [
        ("WH-S01", ()),  # 肺心病
        ("WH-S13", ()),  # 股骨头坏死
        ("WH-S16", ()),  # 过敏性紫癜
        ("WH-S18", ()),  # 结节病
        ("WH-S19", ()),  # 重度精神性皮炎
        ("WH-S02", ("M03900",)),
        ("WH-S03", ("M01600",)),
        ("WH-S14", ("M04803",)),
    ],
)
def test_wuhai_local_codes_map_to_national_codes_only_where_domain_gives_one(
    code: str, national: tuple[str, ...]
) -> None:
    (row,) = (r for r in region_catalogue().benefit("150300", code) if Relation.LOCAL in r.relations)
    assert row.national_codes == national
    assert row.has_national_code is bool(national)
    assert row.evidence == "INF"


@pytest.mark.parametrize(
    ("compound", "components", "national"),
    [
        ("WH-C01", ("WH-S03", "WH-S01"), {"M01600"}),  # 糖尿病+肺心病
        ("WH-C02", ("WH-S03", "WH-S02"), {"M01600", "M03900"}),  # 糖尿病+高血压Ⅲ级
        ("WH-C03", ("WH-S02", "WH-S01"), {"M03900"}),  # 高血压Ⅲ级+肺心病
    ],
)
def test_wuhai_compound_benefits(compound: str, components: tuple[str, ...], national: set[str]) -> None:
    (row,) = region_catalogue().benefit("150300", compound)
    assert row.kind is BenefitKind.COMPOUND
    assert row.components == components
    assert set(row.national_codes) == national
    assert row.relations == {Relation.LOCAL, Relation.IN_PROVINCE}
    assert row.insutypes == {"310", "390"}


def test_compound_wh_c02_covers_both_diabetes_and_hypertension() -> None:
    for code in ("M01600", "M03900"):
        covering = region_catalogue().covering("150300", code, relation=Relation.IN_PROVINCE, insutype="390")
        assert "WH-C02" in [b.benefit_code for b in covering]


def test_wuhai_out_of_region_is_the_five_national_diseases_only() -> None:
    for insutype in ("310", "390"):
        rows = region_catalogue().benefits("150300", relation=Relation.CROSS_PROVINCE, insutype=insutype)
        assert [r.benefit_code for r in rows] == ["WH-S02", "WH-S03", "WH-S04", "WH-S05", "WH-S06"]
        national = {code for row in rows for code in row.national_codes}
        assert national == {"M03900", "M01600", "M00500", "M07801", *TRANSPLANT}
    # P9's WH-S01 肺心病 cannot be settled out of region: it is not in that list and has no national code.
    assert not region_catalogue().covering("150300", "M04803", relation=Relation.CROSS_PROVINCE)
    assert "WH-S01" not in _codes("150300", Relation.CROSS_PROVINCE, "310")


def test_wuhai_local_disease_without_national_code_is_found_by_icd_hint() -> None:
    rows = region_catalogue().covering_diagnosis("150300", "I27.900")
    assert [r.benefit_code for r in rows] == ["WH-S01", "WH-C01", "WH-C03"]
    assert not rows[0].has_national_code
    assert region_catalogue().covering_diagnosis("150300", "I27.900", relation=Relation.CROSS_PROVINCE) == ()


# --- Yinchuan 640100, Hubei 420000, Inner Mongolia 150000 ------------------------------------------------

FIVE = ("M03900", "M01600", "M00500", "M07801", *TRANSPLANT)


@pytest.mark.parametrize("admdvs", ["640100", "420000"])
def test_cross_province_one_to_one_tables(admdvs: str) -> None:
    rows = region_catalogue().benefits(admdvs)
    assert [row.seq for row in rows] == list(range(1, 11))
    assert tuple(row.benefit_code for row in rows) == FIVE
    for row in rows:
        assert row.kind is BenefitKind.NATIONAL
        assert row.national_codes == (row.benefit_code,)  # one-to-one
        assert row.relations == {Relation.CROSS_PROVINCE}
        assert row.evidence == "SEED"
    assert rows[3].benefit_name == "透析"
    assert rows[3].category == "慢性肾功能衰竭"
    assert {row.category for row in rows[4:]} == {"器官移植抗排异治疗"}


def test_hubei_cities_use_the_hubei_table_across_provinces_and_their_own_in_province() -> None:
    catalogue = region_catalogue()
    # Cross-province: the national one-to-one table of seed 002 附件1, defined for the province.
    assert catalogue.defining_admdvs("420500", relation=Relation.CROSS_PROVINCE) == "420000"
    assert catalogue.defining_admdvs("420100", relation=Relation.CROSS_PROVINCE) == "420000"
    # In-province: each city (参保地) sets its own diseases (seed 002 三(一)). Yichang has an
    # illustrative list (DEMO_DATA.md's 420500 policy); Wuhan has none: not configured.
    assert catalogue.defining_admdvs("420500", relation=Relation.IN_PROVINCE) == "420500"
    assert catalogue.is_configured("420500", relation=Relation.IN_PROVINCE)
    assert not catalogue.is_configured("420100", relation=Relation.IN_PROVINCE)
    cross = catalogue.benefits("420500", relation=Relation.CROSS_PROVINCE, insutype="310")
    assert [b.admdvs for b in cross] == ["420000"] * 10
    assert [b.benefit_code for b in catalogue.covering("420500", "M03900")] == ["M03900", "M03900"]


def test_yinchuan_only_cross_province_is_configured() -> None:
    catalogue = region_catalogue()
    assert not catalogue.is_configured("640100", relation=Relation.LOCAL)
    assert not catalogue.is_configured("640100", relation=Relation.IN_PROVINCE)
    assert catalogue.covering("640100", "M04600") == ()


def test_inner_mongolia_base_catalogue_has_12_rows_in_11_categories() -> None:
    rows = region_catalogue().benefits("150000")
    assert len(rows) == 12
    assert len({row.category for row in rows}) == 11
    assert [row.benefit_name for row in rows[1:3]] == [
        "慢性肾功能衰竭（血液透析）",
        "慢性肾功能衰竭（腹膜透析）",
    ]
    assert rows[1].category == rows[2].category == "二 慢性肾功能衰竭"
    for row in rows:
        assert row.insutypes == {"310"}  # 职工 only
        assert row.relations == {Relation.LOCAL, Relation.IN_PROVINCE}
        assert row.has_national_code
        assert "seed 003" in row.provenance


def test_hohhot_insured_fall_back_to_the_inner_mongolia_catalogue_but_wuhai_keeps_its_own() -> None:
    catalogue = region_catalogue()
    assert catalogue.defining_admdvs("150100") == "150000"
    assert [b.benefit_code for b in catalogue.covering("150100", "M04000")] == ["NM-B05"]
    assert catalogue.defining_admdvs("150302") == "150300"  # a Wuhai district
    assert catalogue.defining_admdvs("640000") is None


def test_unknown_benefit_code() -> None:
    with pytest.raises(UnknownCodeError):
        region_catalogue().benefit("150300", "WH-S99")
