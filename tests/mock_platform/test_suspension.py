"""停保 by date on the platform (seed 001 一(四)1); the adapter's side: tests/execution/test_suspension.py."""

from __future__ import annotations

import pytest

from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import P6


@pytest.mark.parametrize(("day", "settled"), [("2026-08-31", True), ("2026-09-01", False)])
def test_the_platform_judges_suspension_by_the_date(signed_in: Caller, day: str, settled: bool) -> None:
    clinic = Clinic(signed_in, P6)
    mdtrt_id = clinic.open_visit(begntime=f"{day} 09:00:00")
    assert clinic.upload(mdtrt_id, [Line("Y001", "0.40", "60")], time=f"{day} 09:30:00")["infcode"] == 0
    answer = clinic.settle(mdtrt_id)
    assert (answer["infcode"] == 0) is settled, answer.get("err_msg")
    if not settled:
        assert "自2026-09-01起暂停参保" in answer["err_msg"]
