"""The outbox worked: bills not settled directly are uploaded (4205 + 4203), overdue first, marked sent with
the platform's acknowledgement kept (seed 002 三(四): the 已贯标 lines, within 3 working days)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapter import BusinessRuleError, decode
from adapter.transactions import t4205

from .helpers import World, at, example_visit, world

CERTNO_P1 = "640104196203152010"  # P1 马建国 (DEMO_DATA.md, synthetic)


def _self_pay_p1(w: World, day: date, number: int) -> None:
    """P1's first batch (M01600) falls back to self-pay: 2204 and 5204 answer 502 (the platform is down)."""
    w.clock.set(day, 10)
    w.mock.faults.add("2204", "bad_gateway", times=1)
    w.mock.faults.add("5204", "bad_gateway", times=10)  # and 5204 cannot tell whether the details arrived
    result = w.adapter().settle(example_visit("P1", number, at(day, 10)))
    assert result.batches[0].status == "self_pay", result.batches[0].message
    w.mock.faults.clear()


def _traffic(w: World) -> list[tuple[str, str]]:
    with httpx.Client(transport=w.mock.transport(), base_url="http://mock") as http:
        entries = http.get("/_mock/journal", params={"limit": "1000"}).json()["entries"]
    return [(e["infno"], e["outcome"]) for e in entries if e["infno"] in ("4205", "4203")]


def test_the_outbox_is_uploaded_overdue_first_and_marked_sent_with_the_acknowledgement(
    tmp_path: Path,
) -> None:
    with world(tmp_path) as w:
        _self_pay_p1(w, date(2026, 11, 25), 2)  # Wednesday: due Monday 11-30 (3 working days)
        _self_pay_p1(w, date(2026, 11, 20), 1)  # Friday: due Wednesday 11-25
        assert [e.due for e in w.journal.outbox()] == [date(2026, 11, 25), date(2026, 11, 30)]
        w.clock.set(date(2026, 11, 27), 9)  # Friday: the first is overdue
        results = w.adapter().upload_outbox()
        assert [(r.due, r.overdue, r.status) for r in results] == [
            (date(2026, 11, 25), True, "sent"),
            (date(2026, 11, 30), False, "sent"),
        ]
        # P1's M01600 batch: Y001 60 × 0.40 = 24.00, Y002 30 × 1.50 = 45.00, S002 45.00 → 114.00, all coded.
        assert [(r.lines, r.medfee_sumamt) for r in results] == [(3, Decimal("114.00"))] * 2
        assert w.journal.outbox() == []
        sent = w.journal.outbox(include_sent=True)
        assert all(e.sent_at is not None for e in sent)
        for entry in sent:
            for infno in ("4205", "4203"):
                ack = entry.ack[infno]
                assert ack["msgid"].startswith(w.client.settings.fixmedins_code)
                assert len(ack["inf_refmsgid"]) == 30
        assert _traffic(w) == [("4205", "success"), ("4203", "success")] * 2
        assert w.adapter().upload_outbox() == []  # nothing left to send


def test_an_upload_whose_answer_was_lost_is_completed_on_the_next_run(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        _self_pay_p1(w, date(2026, 11, 23), 1)
        w.clock.set(date(2026, 11, 24), 9)
        w.mock.faults.add("4203", "drop_after_commit")
        (first,) = w.adapter().upload_outbox()
        assert first.status == "unknown"
        assert len(w.journal.outbox()) == 1  # not marked sent
        (second,) = w.adapter().upload_outbox()
        # The platform already holds the visit complete: a new 4205 is refused, 4203 (idempotent) confirms.
        assert second.status == "sent", second.message
        assert second.ack["4205"] == {"refused": "就诊[MZ202611230001-1]已上传完成，不能再次上传"}
        assert w.journal.outbox() == []


def _one_line_upload(
    code: str,
    *,
    med_list_codg: str,
    psn_cert_type: str = "01",
    certno: str = CERTNO_P1,
    psn_name: str = "马建国",
) -> t4205.Input:
    """A one-line 4205 by hand: 15.00 of item L999 (1 × 15.00) on visit MZ1-0, naming the given person."""
    when = at(date(2026, 11, 23), 9).replace(tzinfo=None)
    line = t4205.OwnPayDetail(
        fixmedins_mdtrt_id="MZ1-0",
        med_type="11",
        bkkp_sn="8",
        fee_ocur_time=when,
        fixmedins_code=code,
        cnt=Decimal("1"),
        pric=Decimal("15.00"),
        det_item_fee_sumamt=Decimal("15.00"),
        med_list_codg=med_list_codg,
        medins_list_codg="L999",
    )
    visit = t4205.OwnPayVisit(
        fixmedins_mdtrt_id="MZ1-0",
        fixmedins_code=code,
        psn_cert_type=psn_cert_type,
        certno=certno,
        psn_name=psn_name,
        begntime=when,
        endtime=when,
        med_type="11",
    )
    return t4205.Input(mdtrtinfo=visit, diseinfo=(), feedetail=(line,))


def test_the_platform_refuses_a_line_without_a_national_code(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        payload = _one_line_upload(w.client.settings.fixmedins_code, med_list_codg="")
        with pytest.raises(
            BusinessRuleError, match="第1条费用明细\\[8\\]医疗目录编码为空：未贯标的明细不上传"
        ):
            w.client.call(t4205.TRANSACTION, payload, insuplc_admdvs="640100")


def test_the_upload_names_the_person_by_certificate_sealed_in_the_journal_and_masked_in_traffic(
    tmp_path: Path,
) -> None:
    with world(tmp_path) as w:
        _self_pay_p1(w, date(2026, 11, 23), 1)
        (entry,) = w.journal.outbox()
        assert entry.identity is not None
        assert (entry.identity.psn_cert_type, entry.identity.certno, entry.identity.psn_name) == (
            "01",
            CERTNO_P1,
            "马建国",
        )
        raw = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.name.startswith("journal.sqlite3"))
        assert CERTNO_P1.encode() not in raw  # sealed at rest, as a batch's personal fields
        assert "马建国".encode() not in raw
        w.clock.set(date(2026, 11, 24), 9)
        (sent,) = w.adapter().upload_outbox()
        assert sent.status == "sent", sent.message
        with httpx.Client(transport=w.mock.transport(), base_url="http://mock") as http:
            answer = http.get("/_mock/journal", params={"infno": "4205", "bodies": "1"})
        (traffic,) = answer.json()["entries"]
        # On the wire (the platform's traffic journal masks it): the certificate, no psn_no — the platform
        # accepted it, so it found P1 by certificate type, number and name.
        visit = decode(traffic["request_body"])["input"]["mdtrtinfo"]
        assert (visit["psn_cert_type"], visit["certno"], visit["psn_name"]) == (
            "01",
            "6401**********2010",
            "***",
        )
        assert "psn_no" not in visit
        assert CERTNO_P1 not in answer.text
        assert "马建国" not in answer.text
        # Once uploaded and past the window, the identity is erased with the batches' personal fields.
        w.journal.purge(datetime(2026, 12, 31))
        (purged,) = w.journal.outbox(include_sent=True)
        assert purged.identity is None


def test_an_entry_without_the_persons_certificate_is_not_sent_and_says_why(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        _self_pay_p1(w, date(2026, 11, 23), 1)
        with sqlite3.connect(tmp_path / "journal.sqlite3") as db:  # as a journal from before schema 7 left it
            db.execute("UPDATE outbox SET person = '{}'")
        w.clock.set(date(2026, 11, 24), 9)
        (result,) = w.adapter().upload_outbox()
        assert result.status == "failed"
        assert "证件类型、证件号码和姓名" in result.message
        assert _traffic(w) == []  # nothing half-sent
        assert len(w.journal.outbox()) == 1  # still waiting, for a person to upload by hand


@pytest.mark.parametrize(
    ("psn_cert_type", "certno", "psn_name", "field"),
    [
        ("02", CERTNO_P1, "马建国", "psn_cert_type"),
        ("01", CERTNO_P1, "马建华", "psn_name"),
        ("01", "640104196203152011", "马建国", "certno"),
    ],
)
def test_the_platform_refuses_an_upload_naming_someone_else(
    tmp_path: Path, psn_cert_type: str, certno: str, psn_name: str, field: str
) -> None:
    with world(tmp_path) as w:
        payload = _one_line_upload(
            w.client.settings.fixmedins_code,
            med_list_codg="001201000010000-120100001",
            psn_cert_type=psn_cert_type,
            certno=certno,
            psn_name=psn_name,
        )
        with pytest.raises(BusinessRuleError, match=rf"交易输入\[mdtrtinfo\.{field}\]") as refused:
            w.client.call(t4205.TRANSACTION, payload, insuplc_admdvs="640100")
        assert certno not in str(refused.value)
        assert psn_name not in str(refused.value)
