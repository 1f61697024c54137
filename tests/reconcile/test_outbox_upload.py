"""The outbox worked: bills not settled directly are uploaded (4205 + 4203), overdue first, marked sent with
the platform's acknowledgement kept (seed 002 三(四): the 已贯标 lines, within 3 working days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapter import BusinessRuleError
from adapter.transactions import t4205

from .helpers import World, at, example_visit, world


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


def test_the_platform_refuses_a_line_without_a_national_code(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        line = t4205.OwnPayDetail(
            fixmedins_mdtrt_id="MZ1-0",
            med_type="11",
            bkkp_sn="8",
            fee_ocur_time=at(date(2026, 11, 23), 9).replace(tzinfo=None),
            fixmedins_code=w.client.settings.fixmedins_code,
            cnt=Decimal("1"),
            pric=Decimal("15.00"),
            det_item_fee_sumamt=Decimal("15.00"),
            med_list_codg="",
            medins_list_codg="L999",
        )
        visit = t4205.OwnPayVisit(
            fixmedins_mdtrt_id="MZ1-0",
            fixmedins_code=w.client.settings.fixmedins_code,
            psn_no="64010000000000000001",
            begntime=line.fee_ocur_time,
            endtime=line.fee_ocur_time,
            med_type="11",
        )
        payload = t4205.Input(mdtrtinfo=visit, diseinfo=(), feedetail=(line,))
        with pytest.raises(
            BusinessRuleError, match="第1条费用明细\\[8\\]医疗目录编码为空：未贯标的明细不上传"
        ):
            w.client.call(t4205.TRANSACTION, payload, insuplc_admdvs="640100")
