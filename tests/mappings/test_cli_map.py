"""``opsp map``: human and JSON output, region coverage, exit codes.

The module is loaded from its file, so these tests exercise it without importing ``adapter.cli`` (the
command-line package, owned elsewhere, that calls ``register``). The parser is built here as
``adapter.cli`` builds it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .helpers import write_csv

_MAP_FILE = Path(__file__).resolve().parents[2] / "adapter" / "cli" / "_map.py"


def _register() -> Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]:
    spec = importlib.util.spec_from_file_location("opsp_cli_map_under_test", _MAP_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] = module.register
    return register


REGISTER = _register()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="opsp")
    REGISTER(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert run(*argv, "--json") == 0
    return json.loads(capsys.readouterr().out, parse_float=Decimal)


def test_diagnosis_json_prints_candidates_with_their_rules(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "map", "diagnosis", "E11.900")
    assert payload["code"] == "E11.900"
    (candidate,) = payload["candidates"]
    assert candidate["opsp_dise_code"] == "M01600"
    assert candidate["opsp_dise_name"] == "糖尿病"
    assert candidate["rule_id"] == "R-M01600-1"
    assert candidate["rule"] == "E10-E14 -> M01600"
    assert candidate["provenance"]
    assert payload["conditional"] == []


def test_diagnosis_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "diagnosis", "N18.902") == 0
    out = capsys.readouterr().out
    assert "M07800" in out
    assert "M07801 透析（还需要诊断 Z49|Z99.2）" in out


def test_ordinary_diagnosis_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "diagnosis", "J06.900") == 0
    assert "无：按普通门诊结算" in capsys.readouterr().out


def test_visit_of_several_codes(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "map", "diagnosis", "Z94.002", "Z94.401")
    assert [c["opsp_dise_code"] for c in payload["candidates"]] == ["M08306", "M08300"]
    assert [c["opsp_dise_code"] for c in payload["superseded"]] == ["M08301", "M08304"]


def test_region_coverage_with_compounds(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "map", "diagnosis", "E11.900", "--region", "150300")
    region = payload["region"]
    assert region["name"] == "乌海市"
    benefits = region["diseases"]["M01600"]
    assert [b["benefit_code"] for b in benefits] == ["WH-S03", "WH-C01", "WH-C02", "WH-S03"]
    assert benefits[0]["relations"] == ["local", "in_province"]
    assert benefits[3]["relations"] == ["cross_province"]


def test_region_local_disease_without_national_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "diagnosis", "I27.900", "--region", "150300") == 0
    out = capsys.readouterr().out
    assert "WH-S01 肺心病" in out
    assert "无国家病种编码：异地不能直接结算" in out


def test_region_without_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "diagnosis", "E11.900", "--region", "640100") == 0
    assert (
        "M01600：M01600 糖尿病（跨省异地就医可结算；险种 310 职工基本医疗保险、390 城乡居民基本医疗保险）"
        in capsys.readouterr().out
    )
    assert run("map", "diagnosis", "E11.900", "--region", "999999") == 0
    assert "未配置该地区的门诊慢特病目录" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ("map", "diagnosis", "E11.9y"),
        ("map", "diagnosis", "E11.900", "X"),
        ("map", "diagnosis", "E11.900", "--region", "4201"),
        ("map", "item", "Y999"),
        ("map", "item", "Y001", "--province", "640000"),
        ("map", "item", "Y001", "--hospital", "H00000000000"),
    ],
)
def test_unknown_or_malformed_codes_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("opsp：")


def test_item_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "item", "Y006", "--on", "2026-11-22") == 0
    out = capsys.readouterr().out
    assert "XC08CAA023A001010100006" in out
    assert "治疗病种：M03900 高血压" in out
    assert "420000 湖北省：乙类，先行自付比例 10%，无限价" in out
    assert "150000 内蒙古自治区：甲类，先行自付比例 0%，无限价" in out


def test_item_json_in_one_province(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "map", "item", "Y003", "--province", "420000", "--on", "2026-11-22")
    assert payload["mapping"]["national_code"] == "XA10AEG058B002010100003"
    assert payload["diseases"] == ["M01600"]
    (scope,) = payload["scopes"]
    assert scope["status"] == "in_catalogue"
    assert scope["scope"]["pric_uplmt_amt"] == Decimal("180.000000")  # a JSON number, as the wire writes
    assert scope["scope"]["selfpay_prop"] == Decimal("0.0500")


def test_unmapped_item(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("map", "item", "L999", "--hospital", "H15010200002") == 0
    assert "未贯标" in capsys.readouterr().out
    payload = run_json(capsys, "map", "item", "L999")
    assert payload["mapped"] is False
    assert {s["status"] for s in payload["scopes"]} == {"unmapped"}


def test_item_map_file_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = "hospital_code,national_code,name,list_type,med_chrgitm_type,provenance"
    good = write_csv(tmp_path, "mine.csv", header, ["A1,001102000010000,诊查费,201,02,ours"])
    payload = run_json(capsys, "map", "item", "A1", "--item-map", str(good), "--on", "2026-11-22")
    assert payload["item_map"] == "mine.csv"
    assert payload["hospital"] is None
    bad = write_csv(tmp_path, "bad.csv", header, ["A1,001102000010000,诊查费,201,02,"])
    assert run("map", "item", "A1", "--item-map", str(bad)) == 1
    assert "bad.csv, line 2: field 'provenance'" in capsys.readouterr().err
