"""The journal is a real database: durable intents, batch states, the ledger and the outbox."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapter.execution import BatchState, CallStatus, SettlementRecord, SqliteJournal
from adapter.execution._records import NewBatchData

NOW = datetime(2026, 11, 22, 9, 30)


def _batch(number: int = 1, attempt: int = 0, key: str = "H42010200001:MZ1") -> NewBatchData:
    return NewBatchData(
        visit_key=key,
        ipt_otp_no="MZ1",
        batch_number=number,
        attempt=attempt,
        med_type="14",
        dise_codg="M01600",
        psn_no="64010000000000000001",
        insutype="310",
        insuplc_admdvs="640100",
        card={"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010", "card_sn": ""},
        chrg_bchno=f"MZ1-{number}",
        plan_batch={"totals": {"medfee_sumamt": "114.00"}},
        visit={"begntime": "2026-11-22T09:30:00"},
        person={"psn_type": "21"},
        header={"fixmedins_code": "H42010200001", "ipt_otp_no": "MZ1"},
        acct_used_flag="1",
    )


def test_file_journal_is_wal_with_full_sync_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    record = journal.start_batch(_batch(), now=NOW)
    journal.record_intent("MSG1", batch_id=record.id, infno="2207", keys={"mdtrt_id": "M1"}, now=NOW)
    journal.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened = SqliteJournal(path)
    (open_call,) = reopened.open_calls()
    assert (open_call.msgid, open_call.infno, open_call.status, open_call.keys) == (
        "MSG1",
        "2207",
        CallStatus.INTENT,
        {"mdtrt_id": "M1"},
    )
    assert [b.id for b in reopened.unfinished_batches()] == [record.id]
    assert reopened.batch(record.id).card["mdtrt_cert_no"] == "640104196203152010"


def test_batch_states_and_terminality() -> None:
    journal = SqliteJournal(":memory:")
    first = journal.start_batch(_batch(1), now=NOW)
    second = journal.start_batch(_batch(2), now=NOW)
    journal.update_batch(first.id, now=NOW, state=BatchState.SETTLED, setl_id="S1", mdtrt_id="M1")
    journal.update_batch(second.id, now=NOW, state=BatchState.UNWINDING, unwind_to=BatchState.SELF_PAY.value)
    assert [b.id for b in journal.unfinished_batches()] == [second.id]
    assert journal.batch(first.id).setl_id == "S1"
    assert journal.batch(second.id).unwind_to == BatchState.SELF_PAY
    with pytest.raises(ValueError, match="cannot update"):
        journal.update_batch(first.id, now=NOW, psn_no="other")
    with pytest.raises(sqlite3.IntegrityError):
        journal.start_batch(_batch(1), now=NOW)  # the same attempt twice


def test_outcomes_close_calls() -> None:
    journal = SqliteJournal(":memory:")
    record = journal.start_batch(_batch(), now=NOW)
    journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
    journal.record_outcome(
        "MSG1", status=CallStatus.OK, now=NOW, detail={"mdtrt_id": "M1", "amount": Decimal("1.10")}
    )
    (call,) = journal.calls(record.id)
    assert call.status == CallStatus.OK
    assert call.detail == {"mdtrt_id": "M1", "amount": Decimal("1.10")}
    assert journal.open_calls() == []
    with pytest.raises(KeyError, match="no call NOPE"):
        journal.record_outcome("NOPE", status=CallStatus.OK, now=NOW)


def test_the_ledger_orders_a_scope_and_marks_refunds() -> None:
    journal = SqliteJournal(":memory:")
    record = journal.start_batch(_batch(), now=NOW)
    for number, (setl_id, day) in enumerate([("S2", 15), ("S1", 10), ("S3", 20)]):
        journal.record_settlement(
            SettlementRecord(
                setl_id=setl_id,
                batch_id=record.id,
                psn_no="P",
                insutype="310",
                year=2026,
                mdtrt_id=f"M{number}",
                chrg_bchno=f"B{number}",
                msgid=f"MSG{number}",
                setl_time=datetime(2026, 3, day, 10, 0),
                medfee_sumamt=Decimal("670.00"),
                fund_pay_sumamt=Decimal("352.50"),
                acct_pay=Decimal("0.00"),
                psn_cash_pay=Decimal("317.50"),
                active=True,
                refund_setl_id="",
            )
        )
    assert [s.setl_id for s in journal.settlements_in_scope("P", "310", 2026)] == ["S1", "S2", "S3"]
    assert journal.settlements_in_scope("P", "310", 2025) == []
    journal.mark_refunded("S3", refund_setl_id="R3")
    refunded = journal.settlement("S3")
    assert refunded is not None
    assert (refunded.active, refunded.refund_setl_id, refunded.fund_pay_sumamt) == (
        False,
        "R3",
        Decimal("352.50"),
    )


def test_outbox_due_dates() -> None:
    journal = SqliteJournal(":memory:")
    first = journal.add_outbox(
        visit_key="V",
        batch_number=1,
        reason="down",
        payload={"feedetail": []},
        now=NOW,
        due=date(2026, 11, 25),
    )
    journal.add_outbox(
        visit_key="V",
        batch_number=2,
        reason="down",
        payload={"feedetail": []},
        now=NOW,
        due=date(2026, 11, 30),
    )
    assert [e.id for e in journal.outbox(due_by=date(2026, 11, 25))] == [first]
    journal.mark_sent(first, now=NOW)
    assert [e.batch_number for e in journal.outbox()] == [2]
    assert len(journal.outbox(include_sent=True)) == 2
