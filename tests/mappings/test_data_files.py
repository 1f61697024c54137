"""Data files: malformed files fail at load with file, line and field; shipped files carry provenance;
loaded tables are immutable; the package stays a low layer."""

from __future__ import annotations

import ast
import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mappings import Admdvs, DataFileError
from mappings.diagnosis import load_diagnosis_rules
from mappings.diseases import load_disease_catalogue
from mappings.hospitals import load_hospitals
from mappings.items import load_item_disease_scope, load_item_map
from mappings.local_diagnoses import load_local_diagnoses
from mappings.payment_scope import load_payment_scope
from mappings.regions import load_region_catalogue, load_region_names
from mappings.shipped import (
    DATA_DIR,
    data_files,
    diagnosis_rules,
    diseases,
    item_map,
    load_all,
    payment_scopes,
    region_catalogue,
)

from .helpers import write_csv

Loader = Callable[[Path], object]


def _with_diseases(load: Callable[..., object]) -> Loader:
    return lambda path: load(path, diseases=diseases())


DISEASES = (
    "opsp_dise_code,opsp_dise_name,opsp_dise_majcls_code,opsp_dise_majcls_name,cross_province,evidence,"
    "provenance"
)
RULES = "rule_id,opsp_dise_code,match,with,precedence,supersedes,description,evidence,provenance"
REGIONS = (
    "admdvs,seq,category,benefit_code,benefit_name,kind,insutypes,relations,national_codes,components,"
    "icd_patterns,evidence,provenance,begndate,enddate"
)
SCOPE = (
    "insu_admdvs,national_code,name,chrgitm_lv,selfpay_prop,pric_uplmt_amt,lmt_used_flag,begndate,enddate,"
    "provenance"
)
ITEM_MAP = "hospital_code,national_code,name,list_type,med_chrgitm_type,provenance"
ITEM_SCOPE = "national_code,name,opsp_dise_codes,evidence,provenance"
LOCAL_DX = "local_code,local_name,icd_code,provenance"
NAMES = "admdvs,name,provenance"

GOOD_DISEASE = "M01600,糖尿病,M016,糖尿病,1,SEED,seed 002 附件1 序号2"
GOOD_RULE = "R-M01600-1,M01600,E10-E14,,10,,糖尿病,INF,DOMAIN.md §3.2"
GOOD_SCOPE = "420000,XA10BAA059A001010100001,二甲双胍片,01,0,,0,2020-01-01,,test"
OTHER_SCOPE = "XA10BXR027A001010100002"
GOOD_ITEM = "Y001,XA10BAA059A001010100001,二甲双胍片,101,09,hospital 目录对照"
S01 = "150300,1,单病种,WH-S01,肺心病,single,310,local,,,I27.9,INF,seed 000"
S03 = "150300,3,单病种,WH-S03,糖尿病,single,310,local,M01600,,,INF,seed 000"
C01 = "150300,20,复合,WH-C01,糖尿病+肺心病,compound,310,local"


def _scope(old: str, new: str) -> list[str]:
    return [GOOD_SCOPE.replace(old, new)]


# Per file: case -> (rows, line of the error, field of the error, words of the reason). Line 1 is a
# comment, line 2 the header, so the first row is line 3.
Spec = tuple[list[str], int, str | None, str]
DISEASE_CASES: dict[str, Spec] = {
    "duplicate key": ([GOOD_DISEASE, GOOD_DISEASE], 4, "opsp_dise_code", "duplicate"),
    "bad code": (["M1600,糖尿病,M016,,1,SEED,x"], 3, "opsp_dise_code", "malformed"),
    "missing provenance": (["M01600,糖尿病,M016,,1,SEED,"], 3, "provenance", "required"),
    "too few cells": (["M01600,糖尿病,M016,,1,SEED"], 3, "provenance", "6 cells"),
    "too many cells": ([GOOD_DISEASE + ",extra"], 3, "column 8", "8 cells"),
    "bad major class": (["M01600,糖尿病,M039,,1,SEED,x"], 3, "opsp_dise_majcls_code", "prefix"),
    "bad evidence": (["M01600,糖尿病,M016,,1,GUESS,x"], 3, "evidence", "not one of"),
    "bad flag": (["M01600,糖尿病,M016,,yes,SEED,x"], 3, "cross_province", "not one of"),
}
RULE_CASES: dict[str, Spec] = {
    "bad pattern": ([GOOD_RULE.replace("E10-E14", "E1O")], 3, "match", "bad ICD pattern"),
    "bad range": ([GOOD_RULE.replace("E10-E14", "E14-E10")], 3, "match", "range"),
    "unknown disease": ([GOOD_RULE.replace(",M01600,", ",M99999,")], 3, "opsp_dise_code", "not in the"),
    "duplicate id": ([GOOD_RULE, GOOD_RULE], 4, "rule_id", "duplicate"),
    "bad precedence": ([GOOD_RULE.replace(",10,", ",ten,")], 3, "precedence", "integer"),
    "single supersedes": ([GOOD_RULE.replace(",10,,", ",10,R-X,")], 3, "supersedes", "combination"),
    "unknown superseded": (["R-A,M07801,N18,Z49,10,R-NONE,x,INF,x"], 3, "supersedes", "not another rule"),
}
SCOPE_CASES: dict[str, Spec] = {
    "bad decimal": (_scope(",01,0,", ",02,0.1x,"), 3, "selfpay_prop", "not a non-negative decimal"),
    "too many places": (_scope(",01,0,", ",02,0.12345,"), 3, "selfpay_prop", "4 decimal places"),
    "ratio above 1": (_scope(",01,0,", ",02,1.5,"), 3, "selfpay_prop", "above 1"),
    "negative ratio": (_scope(",01,0,", ",02,-0.1,"), 3, "selfpay_prop", "not a non-negative"),
    "bad cap": (_scope(",0,,0,", ",0,1.1234567,0,"), 3, "pric_uplmt_amt", "6 decimal places"),
    "甲 with ratio": (_scope(",01,0,", ",01,0.1,"), 3, "selfpay_prop", "must be 0"),
    "乙 without ratio": (_scope(",01,0,", ",02,,"), 3, "selfpay_prop", "required"),
    "丙 with ratio": (_scope(",01,0,", ",03,0,"), 3, "selfpay_prop", "must be empty"),
    "bad level": (_scope(",01,0,", ",04,0,"), 3, "chrgitm_lv", "not one of"),
    "bad date": (_scope("2020-01-01", "2020-13-01"), 3, "begndate", "not a date"),
    "end before start": (_scope("01,,", "01,2019-01-01,"), 3, "enddate", "before"),
    "overlap": ([GOOD_SCOPE, *_scope("2020-01-01,,", "2021-01-01,2021-12-31,")], 4, "begndate", "overlaps"),
    "duplicate key": ([GOOD_SCOPE, GOOD_SCOPE], 4, "national_code", "duplicate"),
    "bad national code": (_scope("A001010100001", ""), 3, "national_code", "malformed"),
    "mixed provinces": ([GOOD_SCOPE, *_scope("420000,XA10BAA059A001010100001", f"150000,{OTHER_SCOPE}")],
                        4, "insu_admdvs", "province"),
    "city, not province": (_scope("420000,", "420100,"), 3, "insu_admdvs", "province"),
}  # fmt: skip
ITEM_CASES: dict[str, Spec] = {
    "duplicate": ([GOOD_ITEM, GOOD_ITEM], 4, "hospital_code", "duplicate"),
    "bad national code": ([GOOD_ITEM.replace("A001010100001", "")], 3, "national_code", "malformed"),
    "family mismatch": ([GOOD_ITEM.replace(",101,", ",201,")], 3, "national_code", "not a service code"),
    "missing list type": ([GOOD_ITEM.replace(",101,", ",,")], 3, "list_type", "required"),
    "bad charge type": ([GOOD_ITEM.replace(",09,", ",15,")], 3, "med_chrgitm_type", "not one of"),
    "unmapped with types": (["L999,,茶饮,101,09,x"], 3, "national_code", "未贯标"),
    "bad hospital code": ([GOOD_ITEM.replace("Y001", "Y 001")], 3, "hospital_code", "malformed"),
    "missing provenance": ([GOOD_ITEM.replace(",hospital 目录对照", ",")], 3, "provenance", "required"),
    "too few cells": (["Y001,XA10BAA059A001010100001,二甲双胍片"], 3, "list_type", "3 cells"),
}
ITEM_SCOPE_CASES: dict[str, Spec] = {
    "unknown disease": ([f"{OTHER_SCOPE},x,M99999,DEMO,x"], 3, "opsp_dise_codes", "not in the national"),
    "duplicate list item": ([f"{OTHER_SCOPE},x,M01600;M01600,DEMO,x"], 3, "opsp_dise_codes", "duplicate"),
    "empty list item": ([f"{OTHER_SCOPE},x,M01600;,DEMO,x"], 3, "opsp_dise_codes", "empty item"),
}
LOCAL_DX_CASES: dict[str, Spec] = {
    "bad icd": (["ZD1,糖尿病,E11.9y,x"], 3, "icd_code", "malformed ICD-10"),
    "duplicate": (["ZD1,糖尿病,E11.900,x", "ZD1,高血压,I10,x"], 4, "local_code", "duplicate"),
}
NAME_CASES: dict[str, Spec] = {
    "bad admdvs": (["4201,武汉市,x"], 3, "admdvs", "malformed admdvs"),
    "duplicate": (["420100,武汉市,x", "420100,武汉,x"], 4, "admdvs", "duplicate"),
}
REGION_CASES: dict[str, Spec] = {
    "bad relation": ([S03.replace(",local,", ",abroad,")], 3, "relations", "abroad"),
    "bad insutype": ([S03.replace(",310,", ",311,")], 3, "insutypes", "insutype"),
    "no insutype": ([S03.replace(",310,", ",,")], 3, "insutypes", "empty"),
    "duplicate scope": ([S03, S03.replace(",local,", ",local;in_province,")], 4, "benefit_code", "duplicate"),
    "national mismatch": (["640100,1,x,M03900,x,national,310,cross_province,M01600,,,SEED,x"],
                          3, "national_codes", "exactly its own"),
    "hint with code": ([S03.replace(",,,INF,", ",,E11,INF,")], 3, "icd_patterns", "only a single"),
    "compound codes": ([S01, S03, f"{C01},M03900,WH-S03;WH-S01,,INF,x"], 5, "national_codes", "M01600"),
    "compound part": ([S03, f"{C01},M01600,WH-S03;WH-S09,,INF,x"], 4, "components", "WH-S09"),
    "one component": ([S03, f"{C01},M01600,WH-S03,,INF,x"], 4, "components", "at least two"),
}  # fmt: skip
TABLES: list[tuple[str, Loader, str, dict[str, Spec]]] = [
    ("diseases", load_disease_catalogue, DISEASES, DISEASE_CASES),
    ("rules", _with_diseases(load_diagnosis_rules), RULES, RULE_CASES),
    ("payment scope", load_payment_scope, SCOPE, SCOPE_CASES),
    ("item map", load_item_map, ITEM_MAP, ITEM_CASES),
    ("item scope", _with_diseases(load_item_disease_scope), ITEM_SCOPE, ITEM_SCOPE_CASES),
    ("local diagnoses", load_local_diagnoses, LOCAL_DX, LOCAL_DX_CASES),
    ("region names", load_region_names, NAMES, NAME_CASES),
    ("regions", _with_diseases(load_region_catalogue), REGIONS, {
        name: ([row + ",," for row in rows], line, field, reason)
        for name, (rows, line, field, reason) in REGION_CASES.items()
    }),
    ("header", load_disease_catalogue, DISEASES.replace(",cross_province", ""), {
        "missing column": ([], 2, "cross_province", "missing column"),
    }),
    ("header", load_disease_catalogue, DISEASES + ",note", {
        "unexpected column": ([], 2, "note", "unexpected column"),
    }),
]  # fmt: skip
CASES = [
    pytest.param(load, header, spec, id=f"{table}: {name}")
    for table, load, header, cases in TABLES
    for name, spec in cases.items()
]


@pytest.mark.parametrize(("load", "header", "spec"), CASES)
def test_malformed_file_fails_with_file_line_and_field(
    load: Loader, header: str, spec: Spec, tmp_path: Path
) -> None:
    rows, line, field, reason = spec
    path = write_csv(tmp_path, "bad.csv", header, rows, comments=["file-level provenance"])
    with pytest.raises(DataFileError) as caught:
        load(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, line, field)
    assert reason in error.reason
    assert str(error).startswith(f"bad.csv, line {line}")
    if field is not None:
        assert repr(field) in str(error)


def test_non_utf8_file_fails_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(f"{ITEM_MAP}\n{GOOD_ITEM}\n".encode() + "Y002,,茶饮,,,x\n".encode("gbk"))
    with pytest.raises(DataFileError) as caught:
        load_item_map(path)
    assert (caught.value.line, caught.value.field) == (3, None)


def test_missing_or_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_item_map(tmp_path / "absent.csv")
    empty = write_csv(tmp_path, "empty.csv", "", [], comments=["only a comment"])
    with pytest.raises(DataFileError, match="no header row"):
        load_item_map(empty)
    no_rows = write_csv(tmp_path, "scope.csv", SCOPE, [])
    with pytest.raises(DataFileError, match="no rows"):
        load_payment_scope(no_rows)


def test_hospital_registry_checks_its_files(tmp_path: Path) -> None:
    header = "fixmedins_code,fixmedins_name,admdvs,item_map,local_diagnoses,provenance"
    path = write_csv(tmp_path, "hospitals.csv", header, ["H1,医院,420100,absent.csv,absent.csv,x"])
    with pytest.raises(DataFileError) as caught:
        load_hospitals(path)
    assert (caught.value.line, caught.value.field) == (2, "item_map")


def test_a_hospital_file_with_bom_quotes_and_blank_lines_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    text = (
        f'\ufeff# exported from the HIS\n\n{ITEM_MAP}\n{GOOD_ITEM}\n\n"Y002",,"茶饮, 自制",,,"ours, 2026"\n'
    )
    path.write_text(text, encoding="utf-8")
    table = load_item_map(path)
    assert table.comments == ("exported from the HIS",)
    assert table.lookup("Y002").name == "茶饮, 自制"
    assert table.lookup("Y002").national_code is None


# --- shipped files ----------------------------------------------------------------------------------


def test_every_shipped_row_has_provenance() -> None:
    """Read independently of the loaders: a row without provenance fails this test."""
    files = data_files()
    assert len(files) == 10
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("#"), f"{path.name}: no file-level provenance comment"
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
        assert rows, path.name
        for number, row in enumerate(rows, 1):
            assert (row.get("provenance") or "").strip(), f"{path.name}: data row {number} lacks provenance"


def test_every_shipped_file_is_documented() -> None:
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for path in data_files():
        name = "payment_scope_<admdvs>.csv" if path.name.startswith("payment_scope_") else path.name
        assert f"`{name}`" in readme, path.name


def test_all_shipped_tables_load_and_are_cached() -> None:
    load_all()
    assert diseases() is diseases()
    assert diagnosis_rules() is diagnosis_rules()
    assert sorted(payment_scopes()) == ["150000", "420000"]


# --- immutability -------------------------------------------------------------------------------------


def _mutations() -> list[tuple[str, Callable[[], Any]]]:
    disease = diseases().get("M01600")
    benefit = region_catalogue().benefit("150300", "WH-C02")[0]
    scope = payment_scopes()[Admdvs("420000")].entries
    return [
        ("table mapping", lambda: diseases().entries.__setitem__("M01600", disease)),  # type: ignore[index]
        ("table attribute", lambda: setattr(diseases(), "entries", {})),
        ("row attribute", lambda: setattr(disease, "name", "x")),
        ("rule tuple", lambda: diagnosis_rules().rules.__setitem__(0, None)),  # type: ignore[index]
        ("benefit codes", lambda: benefit.national_codes.append("M00500")),  # type: ignore[attr-defined]
        ("benefit relations", lambda: benefit.relations.add("local")),  # type: ignore[attr-defined]
        ("scope mapping", lambda: scope.pop("XA10BAA059A001010100001")),  # type: ignore[attr-defined]
        ("scopes by province", lambda: payment_scopes().clear()),  # type: ignore[attr-defined]
        ("item map", lambda: item_map().entries.clear()),  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize(("what", "mutate"), _mutations(), ids=[what for what, _ in _mutations()])
def test_loaded_tables_are_immutable(what: str, mutate: Callable[[], Any]) -> None:
    with pytest.raises((TypeError, AttributeError, dataclasses.FrozenInstanceError)):
        mutate()


# --- layering -----------------------------------------------------------------------------------------


def test_mappings_imports_neither_adapter_nor_mock_platform() -> None:
    for path in Path(DATA_DIR.parent).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"adapter", "mock_platform"}, f"{path.name} imports {name}"
