"""``opsp catalogue sync | diff | check`` on the embedded demo platform, run in-process through ``main``."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapter._embedded import embedded_state_path
from adapter.cli import main
from mock_platform import MockPlatform
from tests.served import served

from .helpers import HUBEI, METFORMIN, ONDANSETRON, SHIPPED_ROWS


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sync_diff_and_check_from_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "catalogue", "sync", "--json")
    assert code == 0, err
    assert err == ""  # no progress bar when stderr is not a terminal
    summary = json.loads(out)
    assert (summary["sync_no"], summary["resumed"], summary["province"]) == (1, False, HUBEI)
    assert [(s["infno"], s["rows_fetched"]) for s in summary["sources"]] == [
        ("1312", SHIPPED_ROWS),
        ("1319", 2),
        ("1320", 8),
    ]
    assert summary["disease_version_after"] == "v0001"

    code, out, _ = _run(capsys, "catalogue", "check", "--on", "2026-11-24", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["findings"], report["needs_attention"], report["mapped_items"]) == ([], False, 16)

    # The platform publishes v0002 (the embedded platform keeps its state in the data directory).
    with MockPlatform(db_path=embedded_state_path()) as platform:
        platform.publish_catalogue(
            [
                {"op": "withdraw", "insu_admdvs": HUBEI, "hilist_code": ONDANSETRON, "enddate": "2026-11-30"},
                {"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "2026-12-01",
                 "chrgitm_lv": "02", "selfpay_prop": "0.1"},
            ]
        )  # fmt: skip
    code, out, _ = _run(capsys, "catalogue", "sync")
    assert code == 0
    assert "医保目录同步 #2" in out

    changes = tmp_path / "changes.csv"
    code, out, _ = _run(capsys, "catalogue", "diff", "--csv", str(changes))
    assert code == 0
    assert "同步 #1 → #2" in out
    rows = list(csv.DictReader(io.StringIO(changes.read_text(encoding="utf-8-sig"))))
    assert {(r["hilist_code"], r["kind"], r["effective"], r["before"], r["after"]) for r in rows} == {
        (ONDANSETRON, "withdrawn", "2026-12-01", "02/0.1/-", ""),
        (METFORMIN, "chrgitm_lv", "2026-12-01", "01", "02"),
        (METFORMIN, "selfpay_prop", "2026-12-01", "0", "0.1"),
    }

    findings = tmp_path / "findings.csv"
    code, out, _ = _run(capsys, "catalogue", "check", "--on", "2026-11-24", "--csv", str(findings))
    assert code == 3  # findings to work through
    assert "Y008" in out
    assert "Y001" in out
    assert len(list(csv.DictReader(io.StringIO(findings.read_text(encoding="utf-8-sig"))))) == 3

    code, out, _ = _run(capsys, "catalogue", "diff", "9", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "FROM")
    assert "#9" in error["problems"][0]["message"]


def test_check_before_any_sync_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "catalogue", "check")
    assert code == 2
    assert "请先运行 opsp catalogue sync" in err


def test_check_reads_the_hospitals_own_item_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    own = tmp_path / "own_item_map.csv"
    own.write_text(
        "hospital_code,national_code,name,list_type,med_chrgitm_type,provenance\n"
        f"Z1,{METFORMIN},二甲双胍片 0.5g,101,09,test: as the catalogue\n"
        "Z2,XA10BAA059A001010100099,不在目录的药,101,09,test: a code the catalogue has not\n",
        encoding="utf-8",
    )
    assert _run(capsys, "catalogue", "sync")[0] == 0
    code, out, _ = _run(capsys, "catalogue", "check", "--on", "2026-11-24", "--item-map", str(own), "--json")
    assert code == 3  # findings to work through
    report = json.loads(out)
    # Two mapped rows of the file (not the shipped 16); only the code missing from the catalogue is found.
    assert report["mapped_items"] == 2
    assert [(f["hospital_code"], f["kind"]) for f in report["findings"]] == [("Z2", "not_in_catalogue")]
    # A bad row is refused naming the file, line and field, before anything is checked.
    own.write_text(
        "hospital_code,national_code,name,list_type,med_chrgitm_type,provenance\n"
        "Z1,not-a-code,二甲双胍片 0.5g,101,09,test\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "catalogue", "check", "--item-map", str(own))
    assert (code, out) == (2, "")  # a bad argument
    assert "目录对照文件有误" in err
    assert "own_item_map.csv" in err
    assert "line 2" in err
    assert "national_code" in err


def _publish_metformin_as_class_b() -> None:
    """Publish Y001 metformin as 乙类, 先行自付 0.1, from 2026-11-01 (P1's bill, 2026-11-22, is after it)."""
    with MockPlatform(db_path=embedded_state_path()) as platform:
        platform.publish_catalogue(
            [{"op": "change", "insu_admdvs": HUBEI, "hilist_code": METFORMIN, "from": "2026-11-01",
              "chrgitm_lv": "02", "selfpay_prop": "0.1"}]
        )  # fmt: skip


def _sync_metformin_as_class_b(capsys: pytest.CaptureFixture[str]) -> None:
    """Sync, publish metformin as 乙类 (above), sync again."""
    assert _run(capsys, "catalogue", "sync")[0] == 0
    _publish_metformin_as_class_b()
    assert _run(capsys, "catalogue", "sync")[0] == 0


def test_plan_classes_lines_with_the_synced_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    _sync_metformin_as_class_b(capsys)
    code, out, err = _run(capsys, "plan", "examples/visits/P1.json", "--json")
    assert code == 0, err
    lines = [line for batch in json.loads(out, parse_float=Decimal)["batches"] for line in batch["lines"]]
    (metformin,) = [line for line in lines if line["medins_list_codg"] == "Y001"]
    # 60 x 0.40 = 24.00; 先行自付 24.00 x 0.1 = 2.40; in scope 24.00 - 2.40 = 21.60.
    assert (metformin["chrgitm_lv"], metformin["preselfpay_amt"], metformin["inscp_scp_amt"]) == (
        "02",
        Decimal("2.40"),
        Decimal("21.60"),
    )


def test_opsp_serve_plans_with_each_finished_sync_without_a_restart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A HIS planning through `opsp serve` must see the same class as the desk's `opsp plan` (issue #16), and a
    # sync the 医保办 runs while the service is up counts from the next request on: the real process on the
    # embedded platform, the class change published and synced while it serves.
    assert _run(capsys, "catalogue", "sync")[0] == 0
    config = tmp_path / "serve.toml"
    config.write_text('[[desks]]\ndesk = "desk-1"\nopter = "0001"\ntoken = "desk-1-token-catalogue"\n')
    opsp = str(Path(sys.executable).parent / "opsp")
    command = [
        opsp,
        "serve",
        "--config",
        str(config),
        "--journal",
        str(tmp_path / "j.sqlite3"),
        "--port",
        "0",
    ]
    listening = re.compile(r"opsp serve listening on (http://127\.0\.0\.1:\d+)")

    def metformin(service_url: str) -> tuple[str, Decimal, Decimal]:
        reply = httpx.post(
            service_url + "/v1/plan",
            content=Path("examples/visits/P1.json").read_bytes(),
            headers={"Authorization": "Bearer desk-1-token-catalogue", "Content-Type": "application/json"},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        batches = json.loads(reply.text, parse_float=Decimal)["batches"]
        (line,) = [line for batch in batches for line in batch["lines"] if line["medins_list_codg"] == "Y001"]
        return line["chrgitm_lv"], line["preselfpay_amt"], line["inscp_scp_amt"]

    with served(command, listening=listening) as service:
        # The first sync holds the shipped class: 60 x 0.40 = 24.00, 甲类, nothing paid first.
        assert metformin(service.url) == ("01", Decimal("0.00"), Decimal("24.00"))
        _publish_metformin_as_class_b()
        assert _run(capsys, "catalogue", "sync")[0] == 0
        time.sleep(1.1)  # the service looks at the store at most once a second
        # As in the desk's plan above: 60 x 0.40 = 24.00; 先行自付 24.00 x 0.1 = 2.40; in scope 21.60.
        assert metformin(service.url) == ("02", Decimal("2.40"), Decimal("21.60"))
