"""Filings this hospital makes (2503) and revokes (2504), through the adapter against the mock (issue #16).

Seed 000 二(一): a 二级-and-above designated hospital may accept an application after its own assessment; the
insurer approves it later (the mock: `/_mock/filings/approve`), and only a filing not yet approved can be
revoked (PROTOCOL.md §3.17). Journaled: intent before the call, outcome after; a lost answer is asked again
under its own msgid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapter import Adapter, BusinessRuleError, InputError, PlatformClient, fixed_clock, load_settings
from adapter._embedded import demo_settings_path
from adapter._hospital import hospital_profile
from adapter.execution import CallStatus, SqliteJournal
from adapter.filings import FilingRequest, RevocationRequest
from mock_platform import MockPlatform
from tests.execution.helpers import NOW, bill, world

P7_CARD = ("02", "640106198002124031")  # Yinchuan 职工 (在职), M03900 filed from 2027-01-01, 备案 to Hubei
TODAY = date(2026, 11, 22)


def request(**changes: Any) -> FilingRequest:
    fields: dict[str, Any] = {
        "mdtrt_cert_type": P7_CARD[0],
        "mdtrt_cert_no": P7_CARD[1],
        "opsp_dise_code": "M01600",
        "hosp_ide_date": TODAY,
        "begndate": TODAY,
        "diag_dr_codg": "D001",
        "diag_dr_name": "医生甲",
    }
    return FilingRequest(**{**fields, **changes})


def revocation(serial: str, memo: str = "诊断依据不足，撤回申请") -> RevocationRequest:
    return RevocationRequest(
        trt_dcla_detl_sn=serial, mdtrt_cert_type=P7_CARD[0], mdtrt_cert_no=P7_CARD[1], memo=memo
    )


def approve(mock: MockPlatform, serial: str) -> httpx.Response:
    with httpx.Client(transport=mock.transport(), base_url="http://mock") as http:
        return http.post("/_mock/filings/approve", json={"trt_dcla_detl_sn": serial})


def sent(mock: MockPlatform, infno: str) -> list[str]:
    """The msgids of every request the platform received for ``infno`` (its traffic journal)."""
    with httpx.Client(transport=mock.transport(), base_url="http://mock") as http:
        entries = http.get("/_mock/journal", params={"infno": infno, "bodies": "0"}).json()["entries"]
    return [str(entry["msgid"]) for entry in entries]


def test_a_filing_approved_the_same_day_is_settled_that_day() -> None:
    with world() as w:
        filed = w.adapter.file_disease(request())
        document = bill("MZ-FILED-1", [("Y001", "0.40", "2000")], card=P7_CARD)
        before = w.adapter.plan(document)
        assert approve(w.mock, filed.trt_dcla_detl_sn).status_code == 200
        result = w.adapter.settle(document)
        call = w.journal.call(filed.msgid)
        assert call is not None
    assert (filed.status, filed.opsp_dise_code, filed.opsp_dise_name, filed.insu_optins) == (
        "filed",
        "M01600",
        "糖尿病",
        "640100",
    )
    assert filed.trt_dcla_detl_sn.startswith("DCL20261122")
    # Journaled: the intent with the request's fields, the outcome with the platform's number.
    assert (call.status, call.detail.trt_dcla_detl_sn) == (CallStatus.OK, filed.trt_dcla_detl_sn)
    assert call.keys["opsp_dise_code"] == "M01600"
    assert "tel" not in call.keys
    # Not approved yet: 5301 does not list it, so the bill would have gone to an ordinary batch.
    assert [f.opsp_dise_code for f in before.plan.eligibility.filings] == ["M03900"]
    # Approved: Y001 甲 0.40 × 2000 = 800.00 settles as M01600. Yinchuan 职工 cross-province (seed 001
    # 一(二)2; config/policies/640100.toml): deductible 500.00 a year, 75%: fund (800.00 − 500.00) × 75% =
    # 225.00; no account used: cash 800.00 − 225.00 = 575.00.
    (batch,) = result.batches
    assert batch.receipt is not None
    paid = batch.receipt.amounts
    assert (batch.dise_codg, paid.act_pay_dedc, paid.fund_pay_sumamt, paid.psn_cash_pay) == (
        "M01600",
        Decimal("500.00"),
        Decimal("225.00"),
        Decimal("575.00"),
    )


def test_an_unapproved_filing_is_revoked() -> None:
    with world() as w:
        filed = w.adapter.file_disease(request())
        revoked = w.adapter.revoke_filing(revocation(filed.trt_dcla_detl_sn))
        late = approve(w.mock, filed.trt_dcla_detl_sn)
        call = w.journal.call(revoked.msgid)
        assert call is not None
    assert (revoked.status, revoked.trt_dcla_detl_sn) == ("revoked", filed.trt_dcla_detl_sn)
    assert call.status == CallStatus.OK
    assert call.keys == {
        "trt_dcla_detl_sn": filed.trt_dcla_detl_sn,
        "psn_no": "64010000000000000007",
        "memo": "诊断依据不足，撤回申请",
        "insuplc_admdvs": "640100",
    }
    assert late.status_code == 400  # nothing left to approve


def test_revoking_an_approved_filing_is_refused() -> None:
    with world() as w:
        filed = w.adapter.file_disease(request())
        approve(w.mock, filed.trt_dcla_detl_sn)
        with pytest.raises(BusinessRuleError) as refused:
            w.adapter.revoke_filing(revocation(filed.trt_dcla_detl_sn))
        call = w.journal.call(refused.value.msgid)
        assert call is not None
    assert refused.value.err_msg == (
        f"备案[{filed.trt_dcla_detl_sn}]医保经办机构已审核通过，不能撤销（只能撤销尚未审核的备案）"
    )
    assert call.status == CallStatus.FAILED


def test_a_hospital_below_level_2_is_refused_by_the_platform() -> None:
    # Seed 000 二(一): 二级及以上 may accept applications; a 一级 community hospital seeded into the mock.
    clock = fixed_clock(NOW)
    with MockPlatform(clock=clock, sleep=lambda _s: None) as mock:
        mock.seed(
            {
                "hospitals": [
                    {
                        "fixmedins_code": "H42010200009",
                        "fixmedins_name": "武汉市示范社区卫生服务中心",
                        "admdvs": "420100",
                        "hosp_lv": "8",  # 一级甲等
                        "dedc_hosp_lv": "01",
                        "opsp_designated": True,
                        "source": "test: a 一级 hospital",
                    }
                ]
            }
        )
        demo = load_settings(demo_settings_path())
        settings = demo.model_copy(
            update={"fixmedins_code": "H42010200009", "fixmedins_name": "武汉市示范社区卫生服务中心"}
        )
        with PlatformClient(
            settings, transport=mock.transport(), clock=clock, sleep=lambda _s: None
        ) as client:
            adapter = Adapter(
                client, clock=clock, hospital=hospital_profile(demo), journal=SqliteJournal(":memory:")
            )
            with pytest.raises(BusinessRuleError) as refused:
                adapter.file_disease(request())
    assert refused.value.err_msg == (
        "定点医疗机构[H42010200009]医院等级为一级（hosp_lv 8），参保地[640100]只允许二级及以上定点医疗机构"
        "受理门诊慢特病申请，请参保人到参保地医保经办窗口或符合条件的医疗机构申请"
    )


def test_a_lost_filing_answer_is_asked_again_under_its_own_msgid_and_never_filed_twice() -> None:
    with world() as w:
        w.mock.faults.add("2503", "drop_after_commit")
        lost = w.adapter.file_disease(request())
        (open_call,) = w.journal.open_calls()
        again = w.adapter.file_disease(request())  # the cashier tries again: resolved, not filed twice
        resolved = w.journal.call(lost.msgid)
        still_open = w.journal.open_calls()
        approved = approve(w.mock, again.trt_dcla_detl_sn)
        received = sent(w.mock, "2503")
    assert (lost.status, lost.trt_dcla_detl_sn) == ("unknown", "")
    assert (open_call.infno, open_call.msgid) == ("2503", lost.msgid)
    assert (again.status, again.msgid, again.replayed) == ("filed", lost.msgid, True)
    assert resolved is not None
    assert (resolved.status, resolved.detail.trt_dcla_detl_sn) == (CallStatus.OK, again.trt_dcla_detl_sn)
    assert still_open == []
    assert received == [lost.msgid, lost.msgid]  # the same call asked twice; no second filing made
    assert approved.status_code == 200  # the number the platform holds


def test_a_lost_revocation_answer_is_recovered() -> None:
    with world() as w:
        filed = w.adapter.file_disease(request())
        w.mock.faults.add("2504", "drop_after_commit")
        lost = w.adapter.revoke_filing(revocation(filed.trt_dcla_detl_sn))
        recovered = w.adapter.recover_filings()
        nothing_left = w.adapter.recover_filings()
    assert lost.status == "unknown"
    assert [(r.status, r.msgid, r.replayed) for r in recovered] == [("revoked", lost.msgid, True)]
    assert nothing_left == []


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"begndate": date(2026, 11, 1)}, "begndate"),
        ({"hosp_ide_date": date(2026, 11, 23), "begndate": date(2026, 11, 23)}, "hosp_ide_date"),
        ({"enddate": date(2026, 11, 21)}, "enddate"),
        ({"diag_dr_name": " "}, "diag_dr_name"),
        ({"opsp_dise_code": "M02300"}, "opsp_dise_code"),  # 帕金森病: not on Yinchuan's list
        ({"opsp_dise_code": "WH-S03"}, "opsp_dise_code"),  # Wuhai's own code, not Yinchuan's
        ({"mdtrt_cert_type": "04"}, "mdtrt_cert_type"),
    ],
)
def test_bad_input_is_refused_before_anything_is_filed(changes: dict[str, Any], where: str) -> None:
    with world() as w:
        with pytest.raises(InputError) as bad:
            w.adapter.file_disease(request(**changes))
        received = sent(w.mock, "2503")
    assert bad.value.where == where
    assert received == []


def test_while_the_platform_stays_silent_the_same_filing_is_not_sent_as_a_new_call() -> None:
    with world() as w:
        w.mock.faults.add("2503", "drop_after_commit")
        lost = w.adapter.file_disease(request())
        w.mock.faults.add("2503", "maintenance")  # the repeat is not answered either
        still = w.adapter.file_disease(request())
        (open_call,) = w.journal.open_calls()
        received = sent(w.mock, "2503")
    assert (still.status, still.msgid) == ("unknown", lost.msgid)
    assert open_call.msgid == lost.msgid  # one call, still open for `opsp filing recover`
    assert received == [lost.msgid, lost.msgid]
