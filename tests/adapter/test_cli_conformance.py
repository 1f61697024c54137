"""`opsp conformance` against a served mock: what a vendor does (README "Testing your HIS against the mock").

The HIS side here is plain HTTP (as curl would send it), not the adapter.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.cli import main
from mock_platform import MockPlatform
from tests.mock_platform.serving import serving

SINGLE_URL = "/fsi/api/rsfComIfsService/callService"


def signed() -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = uuid.uuid4().hex
    signature = hashlib.sha256(f"{timestamp}opsp-demo-token{nonce}{timestamp}".encode()).hexdigest()
    return {
        "content-type": "application/json",
        "x-tif-paasid": "opsp-demo",
        "x-tif-timestamp": timestamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": signature,
    }


def call(url: str, infno: str, serial: int, input_: dict[str, Any], sign_no: str = "") -> dict[str, Any]:
    now = datetime.now(timezone(timedelta(hours=8)))
    payload = {
        "infno": infno,
        "msgid": f"H42010200001{now:%Y%m%d%H%M%S}{serial:04d}",
        "mdtrtarea_admvs": "420100",
        "insuplc_admdvs": "640100",
        "recer_sys_code": "HIS",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": "0001",
        "opter_name": "收费员甲",
        "inf_time": f"{now:%Y-%m-%d %H:%M:%S}",
        "fixmedins_code": "H42010200001",
        "fixmedins_name": "武汉市示范医院",
        "sign_no": sign_no,
        "input": input_,
    }
    answer: dict[str, Any] = httpx.post(url + SINGLE_URL, json=payload, headers=signed()).json()
    return answer


def test_scenarios_are_listed_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "scenarios", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["scenarios"]
    assert "lost-2207-answer" in [scenario["name"] for scenario in listed]


def test_a_vendor_runs_a_scenario_and_reads_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with MockPlatform() as mock, serving(mock) as url:
        assert main(["conformance", "start", "two-diseases", "--url", url]) == 0
        assert "two-diseases" in capsys.readouterr().out
        sign_in = call(url, "9001", 1, {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}})
        assert sign_in["infcode"] == 0
        sign_no = sign_in["output"]["signinoutb"]["sign_no"]
        rows = [
            {"feedetl_sn": str(n), "mdtrt_id": "M1", "psn_no": "64010000000000000001", "chrg_bchno": "B1",
             "dise_codg": code, "rx_circ_flag": "0", "fee_ocur_time": "2026-11-22 09:30:00",
             "med_list_codg": "X", "medins_list_codg": item, "det_item_fee_sumamt": 1, "cnt": 1, "pric": 1,
             "bilg_dept_codg": "K01", "bilg_dept_name": "内科", "bilg_dr_codg": "D1", "bilg_dr_name": "医生",
             "hosp_appr_flag": "0"}
            for n, (item, code) in enumerate([("Y001", "M01600"), ("Y005", "M03900")], start=1)
        ]  # fmt: skip
        refused = call(url, "2204", 2, {"feedetail": rows}, sign_no)
        assert refused["infcode"] == -1
        code = main(["conformance", "report", "--url", url, "--out", str(tmp_path)])
        out = capsys.readouterr().out
    assert code == 3  # a rule failed: something for a person to fix
    assert "rule one-disease-per-batch: fail" in out
    assert (
        "      fix: Split a bill with two chronic diseases into one 2204 batch (chrg_bchno) per disease."
        in out
    )
    assert "scenario two-diseases started " in out
    assert ": fail (one-disease-per-batch)\n" in out
    report = json.loads((tmp_path / "conformance-report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "fail"
    assert [line["scenario"] for line in report["scenarios"]] == ["two-diseases"]
    assert "batch B1 carries 2 dise_codg" in (tmp_path / "conformance-report.html").read_text(
        encoding="utf-8"
    )


def test_an_unreachable_mock_is_exit_4(tmp_path: Path) -> None:
    assert main(["conformance", "report", "--url", "http://127.0.0.1:9", "--out", str(tmp_path)]) == 4
