"""``opsp dry-run`` on the embedded mock: the README's main job."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapter import decode
from adapter.cli import main


def test_dry_run_prints_each_batch_and_leaves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dry-run", "examples/visits/P1.json"]) == 0
    out = capsys.readouterr().out
    assert "预结算（试算，平台状态已恢复）  门诊号 MZ20261122001" in out
    assert "患者 马*国  参保地 640100 银川市（跨省异地）" in out  # the plan comes first
    assert "批次 1 【门诊慢特病】  M01600" in out
    assert "批次 3 【普通门诊】" in out
    assert "预计应收现金合计：15.00" in out  # the 未贯标 line; the account pays the rest
    assert "640104196203152010" not in out


def test_dry_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dry-run", "examples/visits/P3.json", "--json"]) == 0
    document = decode(capsys.readouterr().out)
    assert [batch["status"] for batch in document["result"]["batches"]] == ["predicted", "predicted"]
    assert document["plan"]["eligibility"]["relation"] == "cross_province"


def test_settle_needs_nothing_but_a_journal_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = f"{tmp_path}/journal.sqlite3"
    assert main(["settle", "examples/visits/P8.json", "--journal", journal]) == 0
    out = capsys.readouterr().out
    assert "批次 1 【普通门诊】" in out
    assert "结算成功" in out


def test_plan_prints_the_cashier_view(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "examples/visits/P7.json"]) == 0
    out = capsys.readouterr().out
    assert "M03900  高血压  2027-01-01→  否          备案自 2027-01-01 起生效" in out
    assert "批次 1  【普通门诊】" in out  # the hypertension drug is settled as ordinary outpatient
    assert "提示：M03900 不能按门诊慢特病直接结算" in out


def test_plan_json_is_the_visit_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "examples/visits/P1.json", "--json"]) == 0
    document = decode(capsys.readouterr().out)
    assert [batch["dise_codg"] for batch in document["batches"]] == ["M01600", "M03900", ""]
    assert document["bill_total"] == Decimal("245.20")
