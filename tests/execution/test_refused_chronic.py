"""The adapter never spends a receipt silently: refused chronic items that could be claimed wait for the
cashier's choice (issue #14; seed 001 一(三) manual claims, seed 002 三(四) upload of what was not settled).

The hospital profile says Wuhan's demo hospital has not opened 门诊慢特病 (opsp_designated false) while the
platform still settles ordinary bills: P1's diabetes items may be claimed in Yinchuan.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter._embedded import demo_settings_path
from adapter._errors import InputError
from adapter._paths import config_dir
from tests.execution.helpers import bill, world

P1_DIABETES = [("Y001", "0.40", "60"), ("Y002", "1.50", "30")]  # 24.00 + 45.00 = 69.00


def _closed_settings(tmp_path: Path) -> Path:
    hospitals = (config_dir() / "demo" / "hospitals.toml").read_text(encoding="utf-8")
    closed = tmp_path / "hospitals.toml"
    closed.write_text(
        hospitals.replace("opsp_designated = true", "opsp_designated = false", 1), encoding="utf-8"
    )
    settings = tmp_path / "settings.toml"
    text = demo_settings_path().read_text(encoding="utf-8")
    settings.write_text(f'hospital_file = "{closed}"\n' + text, encoding="utf-8")
    return settings


def _visit(choice: str | None) -> dict[str, Any]:
    visit = bill("MZ-R1", P1_DIABETES)
    if choice is not None:
        visit["refused_chronic"] = choice
    return visit


def test_without_a_choice_nothing_is_sent(tmp_path: Path) -> None:
    with world(settings=_closed_settings(tmp_path)) as w:
        with pytest.raises(InputError, match="refused_chronic"):
            w.adapter.settle(_visit(None))
        assert w.visits("64010000000000000001", "640100") == []  # no visit registered on the platform


def test_self_pay_keeps_the_receipt_and_queues_the_details(tmp_path: Path) -> None:
    with world(settings=_closed_settings(tmp_path)) as w:
        result = w.adapter.settle(_visit("self_pay"))
        (entry,) = w.adapter.outbox()
    assert result.batches == ()
    assert result.cash_to_collect == Decimal("69.00")
    assert entry.id == result.outbox_id
    assert [line.feedetl_sn for line in entry.payload.feedetail] == ["1", "2"]
    assert "保留票据手工报销" in entry.reason


def test_ordinary_settles_them_as_ordinary_outpatient(tmp_path: Path) -> None:
    with world(settings=_closed_settings(tmp_path)) as w:
        result = w.adapter.settle(_visit("ordinary"))
    assert [(b.med_type, b.status) for b in result.batches] == [("11", "settled")]
    assert result.outbox_id is None
