"""Data files: the demo set loads with provenance; a malformed file fails with file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel

from mock_platform import MockPlatform
from mock_platform.backend.coverage import Coverage
from mock_platform.config import load_config
from mock_platform.config._base import Sourced
from mock_platform.errors import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "config"
DATA = Path(__file__).resolve().parents[2] / "mappings" / "data"
NATIONAL_FIVE = frozenset(
    {
        "M03900",
        "M01600",
        "M00500",
        "M07801",
        "M08301",
        "M08302",
        "M08303",
        "M08304",
        "M08305",
        "M08306",
    }
)


def sourced_rows(model: BaseModel) -> list[Sourced]:
    found = [model] if isinstance(model, Sourced) else []
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, BaseModel):
                found.extend(sourced_rows(item))
    return found


def test_demo_config_loads() -> None:
    config = load_config(CONFIG)
    assert [p.key for p in config.people] == [f"P{n}" for n in range(1, 11)]
    assert sorted(config.hospitals) == ["H15010200002", "H42010200001"]
    assert sorted(config.policies) == ["150300", "420100", "420500", "640100"]
    assert config.platform.gateway.scheme == "tif"
    assert config.platform.gateway.tif is not None
    assert (config.platform.gateway.tif.paasid, config.platform.gateway.tif.token) == (
        "opsp-demo",
        "opsp-demo-token",
    )
    assert config.platform.gateway.timestamp_tolerance_seconds == 1800
    assert [(o.opter_no, o.opter_name, o.opter_type) for o in config.platform.operator] == [
        ("0001", "收费员甲", "1")
    ]
    assert (config.platform.envelope.infver, config.platform.envelope.recer_sys_code) == ("V1.0", "HIS")


def test_every_row_has_provenance() -> None:
    config = load_config(CONFIG)
    models: list[BaseModel] = [
        *config.people,
        *config.hospitals.values(),
        *config.policies.values(),
        *config.platform.operator,
        config.platform.envelope,
    ]
    rows = [row for model in models for row in sourced_rows(model)]
    assert len(rows) > 100
    assert all(row.source.strip() for row in rows)


def test_illustrative_values_are_marked() -> None:
    config = load_config(CONFIG)
    for person in config.people:
        for insurance in person.insurance:
            assert {"psn_insu_date", "cvlserv_flag", "emp_name"} <= set(insurance.illustrative)
    assert config.platform.gateway.csb is not None
    assert "illustrative" in config.platform.gateway.csb.source
    yichang = config.policies["420500"].scope[0]
    assert yichang.deductible is not None
    assert all(
        "illustrative" in row.source for row in (*yichang.ratio, *yichang.cap, *yichang.deductible.amount)
    )


def test_policies_hold_no_disease_list() -> None:
    # The region catalogue (mappings/data/region_catalogues.csv) is the only source of covered diseases.
    for path in (CONFIG / "policies").glob("*.toml"):
        assert "[[scope.disease]]" not in path.read_text(encoding="utf-8"), path.name


def test_wuhai_coverage_comes_from_the_region_catalogue() -> None:
    # seed 000 附件: in-region 22 (职工) and 13 (居民) diseases, out of region the 5 national ones.
    config = load_config(CONFIG)
    wuhai = [row for row in config.catalogue if row.admdvs == "150300"]
    employee_rows = [r for r in wuhai if "local" in r.relations and "310" in r.insutypes]
    resident_rows = [r for r in wuhai if "local" in r.relations and "390" in r.insutypes]
    assert [r.benefit_code for r in employee_rows] == [f"WH-S{n:02d}" for n in range(1, 20)] + [
        "WH-C01",
        "WH-C02",
        "WH-C03",
    ]
    assert len(resident_rows) == 13
    coverage = Coverage(config.catalogue)
    resident = coverage.codes_for("150300", "local", "390")
    employee = coverage.codes_for("150300", "in_province", "310")
    assert resident is not None
    assert employee is not None
    # 肺心病 has no national code: filed under its local code. 精神分裂症 is M02101 (the CSV's mapping).
    assert {"WH-S01", "M03900", "M01600", "M02101"} <= resident
    assert {"WH-S13", "WH-S16", "WH-S18", "WH-S19", "M04600"} <= employee  # employee-only diseases
    assert "M04600" not in resident
    assert coverage.codes_for("150300", "cross_province", "390") == NATIONAL_FIVE


def test_coverage_fallback_and_not_configured() -> None:
    coverage = Coverage(load_config(CONFIG).catalogue)
    # 宜昌 420500 has its own illustrative in-province rows; cross-province it falls back to Hubei 420000.
    assert coverage.codes_for("420500", "in_province", "310") == NATIONAL_FIVE
    assert coverage.codes_for("420500", "cross_province", "390") == NATIONAL_FIVE
    # A district of Yichang without rows uses its city's.
    assert coverage.codes_for("420502", "in_province", "310") == NATIONAL_FIVE
    # No rows for the relation at any level: not configured (None), unlike "covers nothing".
    assert coverage.codes_for("640100", "local", "310") is None
    assert coverage.codes_for("420100", "local", "390") is None
    # Inner Mongolia's base catalogue is for employees only: a Baotou resident is not configured.
    assert coverage.codes_for("150200", "local", "390") is None
    assert "M02300" in (coverage.codes_for("150200", "local", "310") or set())


def test_compound_benefit_files_under_its_components() -> None:
    # WH-C01 糖尿病+肺心病: its own national code M01600 plus its components WH-S03 (M01600) and WH-S01
    # (no national code: its local code).
    config = load_config(CONFIG)
    compound = [r for r in config.catalogue if r.benefit_code == "WH-C01"]
    only = Coverage(compound + [r for r in config.catalogue if r.benefit_code in ("WH-S01", "WH-S03")])
    assert only.codes_for("150300", "local", "390") == frozenset({"M01600", "WH-S01"})


def test_yinchuan_policy() -> None:
    yinchuan = load_config(CONFIG).policies["640100"]
    assert yinchuan.scope_for("local", "14", "310") is None
    assert yinchuan.scope_for("in_province", "14", "310") is None
    cross = yinchuan.scope_for("cross_province", "14", "390")
    assert cross is not None
    assert cross.deductible is not None
    assert str(cross.deductible.for_level("03")) == "500.00"
    assert str(cross.ratio_for("310")) == "0.75"
    transplant = [cap for cap in cross.cap if cap.group == "M08301-M08306" and cap.insutype == "390"]
    assert [(len(cap.codes), str(cap.amount)) for cap in transplant] == [(6, "28000.00")]
    ordinary = yinchuan.scope_for("local", "11", "310")
    assert ordinary is not None
    assert not ordinary.pooled_fund


# --- malformed files ---


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target


def edit(path: Path, old: str, new: str, *, occurrence: int = 1) -> int:
    """Replace the n-th occurrence of `old`; return the 1-based line where `new` now starts."""
    text = path.read_text(encoding="utf-8")
    index = -1
    for _ in range(occurrence):
        index = text.index(old, index + 1)
    text = text[:index] + new + text[index + len(old) :]
    path.write_text(text, encoding="utf-8")
    return text[:index].count("\n") + 1


def load_error(config_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    return caught.value


def test_toml_syntax_error_names_file_and_line(config_copy: Path) -> None:
    people = config_copy / "demo" / "people.toml"
    line = edit(people, 'psn_name = "王志强"', 'psn_name = "王志强')
    error = load_error(config_copy)
    assert (error.file, error.line) == (str(people), line)
    assert "invalid TOML" in str(error)
    assert str(error).startswith(f"{people}:{line}: ")


def test_bad_date_names_field_and_line(config_copy: Path) -> None:
    people = config_copy / "demo" / "people.toml"
    line = edit(people, "begndate = 2024-07-01", 'begndate = "July"')  # P4's first filing
    error = load_error(config_copy)
    assert (error.file, error.field, error.line) == (str(people), "person[3].filing[0].begndate", line)


def test_wrong_check_digit_points_at_the_person(config_copy: Path) -> None:
    people = config_copy / "demo" / "people.toml"
    edit(people, 'certno = "150302196501093014"', 'certno = "150302196501093015"')
    error = load_error(config_copy)
    header = people.read_text(encoding="utf-8").splitlines().index('key = "P3"')  # the line after [[person]]
    assert (error.field, error.line) == ("person[2]", header)
    assert "check digit" in str(error)


def test_money_with_three_decimals(config_copy: Path) -> None:
    people = config_copy / "demo" / "people.toml"
    line = edit(people, "balc = 800.00", "balc = 800.001")
    error = load_error(config_copy)
    assert (error.field, error.line) == ("person[4].insurance[0].balc", line)
    assert "at most 2 decimals" in str(error)


def test_missing_key_in_a_person(config_copy: Path) -> None:
    people = config_copy / "demo" / "people.toml"
    edit(people, 'ec_token = "ec-demo-p2"\n', "")
    error = load_error(config_copy)
    assert error.field == "person[1].ec_token"
    assert "Field required" in str(error)


def test_duplicate_credential_across_people(config_copy: Path) -> None:
    edit(config_copy / "demo" / "people.toml", 'ec_token = "ec-demo-p2"', 'ec_token = "ec-demo-p1"')
    assert "ec_token values must be unique" in str(load_error(config_copy))


def test_unknown_key_in_a_policy_is_an_error(config_copy: Path) -> None:
    policy = config_copy / "policies" / "640100.toml"
    line = edit(policy, "pooled_fund = true", "pooled_fund = true\nratoi = 1")
    error = load_error(config_copy)
    assert (error.file, error.field, error.line) == (str(policy), "scope[0].ratoi", line + 1)


def test_policy_missing_a_ratio(config_copy: Path) -> None:
    policy = config_copy / "policies" / "640100.toml"
    edit(policy, 'insutype = "390"\nvalue = 0.60', 'insutype = "391"\nvalue = 0.60')
    error = load_error(config_copy)
    assert error.field == "scope[0]"
    assert "one ratio row per insutype" in str(error)
    assert error.line == policy.read_text(encoding="utf-8").splitlines().index("[[scope]]") + 1


def test_ratio_above_one(config_copy: Path) -> None:
    policy = config_copy / "policies" / "150300.toml"
    line = edit(policy, "value = 0.85", "value = 1.85")
    error = load_error(config_copy)
    assert (error.field, error.line) == ("scope[0].ratio[0].value", line)


def test_deductible_levels_must_be_complete(config_copy: Path) -> None:
    edit(config_copy / "policies" / "150300.toml", 'dedc_hosp_lv = "02"', 'dedc_hosp_lv = "01"')
    error = load_error(config_copy)
    assert error.field == "scope[0].deductible"


def test_cap_outside_the_covered_diseases(config_copy: Path) -> None:
    # The cap check needs the policy and the region catalogue: it runs when the platform starts.
    policy = config_copy / "policies" / "420500.toml"
    line = edit(policy, 'group = "M01600"\ncodes = ["M01600"]', 'group = "X"\ncodes = ["M99999"]')
    with pytest.raises(ConfigError) as caught:
        MockPlatform(config_dir=config_copy)
    error = caught.value
    assert "M99999, which the scope does not cover" in str(error)
    assert (error.file, error.field, error.line) == (str(policy), "scope[0].cap[2].codes", line + 1)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_csv_with_a_bad_cell_names_file_line_and_column(data_copy: Path) -> None:
    path = data_copy / "payment_scope_420000.csv"
    line = edit(
        path,
        "420000,XA10BXR027A001010100002,瑞格列奈片 1mg,02,0.1000",
        "420000,XA10BXR027A001010100002,瑞格列奈片 1mg,02,",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(CONFIG, data_copy)
    assert (caught.value.file, caught.value.field, caught.value.line) == (str(path), "(row)", line)
    assert "selfpay_prop is required for chrgitm_lv 02" in str(caught.value)


def test_csv_with_a_wrong_header(data_copy: Path) -> None:
    edit(data_copy / "region_catalogues.csv", ",evidence,provenance", ",evidence,source")
    with pytest.raises(ConfigError, match="missing provenance"):
        load_config(CONFIG, data_copy)


def test_csv_overlapping_periods(data_copy: Path) -> None:
    path = data_copy / "payment_scope_150000.csv"
    with path.open("a", encoding="utf-8") as file:
        file.write("150000,XA10BAA059A001010100001,二甲双胍片 0.5g,01,0.0000,,0,2025-01-01,,test\n")
    with pytest.raises(ConfigError, match="validity periods of XA10BAA059A001010100001 overlap"):
        load_config(CONFIG, data_copy)


def test_policy_file_name_must_match_its_admdvs(config_copy: Path) -> None:
    (config_copy / "policies" / "640100.toml").rename(config_copy / "policies" / "640101.toml")
    error = load_error(config_copy)
    assert error.field == "admdvs"
    assert error.file.endswith("640101.toml")


def test_hospital_with_a_bad_code(config_copy: Path) -> None:
    hospitals = config_copy / "demo" / "hospitals.toml"
    line = edit(hospitals, 'fixmedins_code = "H15010200002"', 'fixmedins_code = "H1501"')
    error = load_error(config_copy)
    assert (error.field, error.line) == ("hospital[1].fixmedins_code", line)


def test_the_mock_refuses_to_start_on_bad_config(config_copy: Path) -> None:
    edit(config_copy / "demo" / "platform.toml", 'scheme = "tif"', 'scheme = "sm4"')
    with pytest.raises(ConfigError, match=r"platform\.toml:\d+: gateway\.scheme"):
        MockPlatform(config_dir=config_copy)


def test_missing_file(config_copy: Path) -> None:
    (config_copy / "demo" / "hospitals.toml").unlink()
    assert "cannot read" in str(load_error(config_copy))
