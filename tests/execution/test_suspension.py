"""停保 is judged by its date (seed 001 一(四)1: "参保人员待遇异常（例：就医期间处于停保状态）" 不予报销).

P6 (Yinchuan 职工, diabetes) has psn_insu_stas 2 暂停参保 with paus_insu_date 2026-09-01 (DEMO_DATA.md).
A visit on 2026-08-31 falls before it: settleable, although 1101 says 暂停参保 today. A visit on 2026-09-01
falls on it: not settleable. The adapter (adapter/eligibility) and the mock
(mock_platform/backend/eligibility.py) judge the same way: the adapter does not refuse what the platform
would settle, nor send what it refuses.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from adapter._lookup import Card
from tests.execution.helpers import world


def _p6_on(day: str) -> dict[str, Any]:
    visit: dict[str, Any] = json.loads(Path("examples/visits/P6.json").read_text(encoding="utf-8"))
    visit["visit"]["begntime"] = f"{day} 09:30:00"
    visit["visit"]["ipt_otp_no"] = f"MZ-P6-{day}"
    for item in visit["items"]:
        item["fee_ocur_time"] = f"{day} 09:40:00"
    return visit


def test_the_day_before_suspension_is_settled_by_adapter_and_platform() -> None:
    with world() as w:
        result = w.adapter.settle(_p6_on("2026-08-31"))
    assert result.outbox_id is None
    assert {batch.status for batch in result.batches} == {"settled"}
    assert [batch.med_type for batch in result.batches] == ["14", "11"]


def test_the_day_of_suspension_is_not_settled_and_no_manual_claim_is_offered() -> None:
    with world() as w:
        card = Card("03", "A64010006", "64010000000000000000000000000006")
        eligibility = w.adapter.check_eligibility(card, visit_time=datetime(2026, 9, 1, 9, 30)).eligibility
        result = w.adapter.settle(_p6_on("2026-09-01"))
        (entry,) = w.adapter.outbox()
    assert not eligibility.insurance_active
    assert "暂停参保日期 2026-09-01" in eligibility.insurance_reason
    assert result.batches == ()  # nothing was sent
    assert entry.id == result.outbox_id
