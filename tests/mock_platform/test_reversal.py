"""2601 冲正: undo a 2207 or 2208 whose answer was lost (PROTOCOL.md §3.13, §6.4)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient

D = Decimal
NOTHING_TO_DO = "原交易[{omsgid}]未成功或已冲正，无需冲正"


@pytest.fixture
def clinic(platform: MockPlatform, signed_in: Caller) -> Clinic:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    return Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))


def reverse(clinic: Clinic, omsgid: str, oinfno: str) -> dict[str, Any]:
    return clinic.call(
        "2601", {"data": {"psn_no": clinic.patient.psn_no, "omsgid": omsgid, "oinfno": oinfno}}
    )


def lost_settlement(clinic: Clinic, platform: MockPlatform, mdtrt_id: str, **options: Any) -> str:
    """A 2207 that commits but whose answer never arrives; returns its msgid."""
    platform.faults.add("2207", "drop_after_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        clinic.settle(mdtrt_id, **options)
    return clinic.caller.msgid(clinic.caller.serial)


def test_reverses_a_committed_settlement(clinic: Clinic, platform: MockPlatform) -> None:
    first = clinic.visit(EXAMPLE2_LINES)  # A: deductible 485.00
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    omsgid = lost_settlement(clinic, platform, mdtrt_id, acct="1")
    # B committed: deductible 485 + 15 = 500, fund 352.50, account 200 − 200 = 0.
    assert clinic.cuminfo()["310/Q0000"] == D("500.00")
    assert clinic.balance() == D("0.00")
    answer = reverse(clinic, omsgid, "2207")
    assert (answer["infcode"], answer["output"]) == (0, {})
    assert "warn_msg" not in answer
    # Back to A only: deductible 485.00, no fund payment, the account refilled.
    assert {k: v for k, v in clinic.cuminfo().items() if v} == {
        "310/Q0000": D("485.00"),
        "310/S0000": D("670.00"),
        "310/C0000": D("1.00"),
    }
    assert clinic.balance() == D("200.00")
    # The batch is unsettled again: a new 2207 (new msgid) settles it with the same numbers.
    again = clinic.settle(mdtrt_id, acct="1")["output"]["setlinfo"]
    assert (again["act_pay_dedc"], again["hifp_pay"], again["acct_pay"]) == (
        D("15.00"),
        D("352.50"),
        D("200.00"),
    )
    assert first["output"]["setlinfo"]["setl_id"] != again["setl_id"]
    # The same 2601 (new msgid) again: already reversed, nothing to do.
    repeat = reverse(clinic, omsgid, "2207")
    assert (repeat["infcode"], repeat["warn_msg"]) == (0, NOTHING_TO_DO.format(omsgid=omsgid))


def test_nothing_to_reverse_when_the_settlement_never_committed(
    clinic: Clinic, platform: MockPlatform
) -> None:
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    platform.faults.add("2207", "fail_before_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        clinic.settle(mdtrt_id)
    omsgid = clinic.caller.msgid(clinic.caller.serial)
    answer = reverse(clinic, omsgid, "2207")
    assert (answer["infcode"], answer["err_msg"], answer["warn_msg"], answer["output"]) == (
        0,
        "",
        NOTHING_TO_DO.format(omsgid=omsgid),
        {},
    )
    assert clinic.cuminfo() == {}
    assert reverse(clinic, "H42010200001209901010000000000", "2207")["warn_msg"].startswith("原交易[H4201")


def test_unsupported_transaction(clinic: Clinic) -> None:
    answer = reverse(clinic, "whatever", "2201")
    assert (answer["infcode"], answer["err_msg"]) == (-1, "交易[2201]不支持冲正")


def test_reversal_follows_the_refund_order(clinic: Clinic, platform: MockPlatform) -> None:
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    omsgid = lost_settlement(clinic, platform, mdtrt_id)
    later = clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"]
    answer = reverse(clinic, omsgid, "2207")
    assert (answer["infcode"], answer["err_msg"]) == (
        -1,
        f"请按时间倒序退费：须先撤销结算[{later['setl_id']}]",
    )


def test_reversing_a_refund_reinstates_the_settlement(clinic: Clinic, platform: MockPlatform) -> None:
    info = clinic.visit(EXAMPLE2_LINES, acct="1")["output"]["setlinfo"]
    before = clinic.cuminfo()
    platform.faults.add("2208", "timeout_after_commit")
    with pytest.raises(httpx.ReadTimeout):
        clinic.refund(info["setl_id"], info["mdtrt_id"])
    omsgid = clinic.caller.msgid(clinic.caller.serial)
    assert clinic.balance() == D("200.00")  # the refund committed: the 200.00 came back
    answer = reverse(clinic, omsgid, "2208")
    assert (answer["infcode"], answer["output"]) == (0, {})
    assert clinic.cuminfo() == before  # the settlement's amounts are taken again
    assert clinic.balance() == D("0.00")
    # The original settlement is in effect again: it is the one to refund now.
    assert clinic.refund(info["setl_id"], info["mdtrt_id"])["infcode"] == 0
    assert reverse(clinic, omsgid, "2208")["warn_msg"] == NOTHING_TO_DO.format(omsgid=omsgid)


def test_reinstating_a_refund_needs_nothing_in_effect_after_it(
    clinic: Clinic, platform: MockPlatform
) -> None:
    info = clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"]
    clinic.refund(info["setl_id"], info["mdtrt_id"])
    omsgid = clinic.caller.msgid(clinic.caller.serial)
    later = clinic.visit(EXAMPLE2_LINES)["output"]["setlinfo"]
    answer = reverse(clinic, omsgid, "2208")
    assert answer["err_msg"] == f"请按时间倒序冲正：须先撤销结算[{later['setl_id']}]"


def test_wrong_person_is_refused(clinic: Clinic, platform: MockPlatform) -> None:
    mdtrt_id = clinic.open_visit()
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    omsgid = lost_settlement(clinic, platform, mdtrt_id)
    data = {"psn_no": "64010000000000000001", "omsgid": omsgid, "oinfno": "2207"}
    answer = clinic.call("2601", {"data": data}, insuplc_admdvs="640100")
    assert answer["err_msg"] == f"交易输入[data.psn_no]与原交易[{omsgid}]的人员编号不一致"


def test_2601_requests_are_recorded(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with (
        MockPlatform(clock=clock, db_path=db) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        mock.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        mdtrt_id = clinic.open_visit()
        clinic.upload(mdtrt_id, EXAMPLE2_LINES)
        omsgid = lost_settlement(clinic, mock, mdtrt_id)
        reverse(clinic, omsgid, "2207")
        reverse(clinic, "never-sent", "2208")
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT omsgid, oinfno, result FROM reversal_request ORDER BY received_at, rowid"
        )
        assert rows.fetchall() == [(omsgid, "2207", "refunded"), ("never-sent", "2208", "nothing")]
    finally:
        connection.close()
