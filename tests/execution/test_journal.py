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


# -- groups: fewer commits, and a crash loses only a suffix ---------------------------------


def _seen_from_outside(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """What another connection (another process after a crash) reads: calls and batch states."""
    other = sqlite3.connect(path)
    try:
        calls = [(row[0], row[1]) for row in other.execute("SELECT msgid, status FROM calls ORDER BY rowid")]
        states = [row[0] for row in other.execute("SELECT state FROM batches ORDER BY id")]
    finally:
        other.close()
    return calls, states


def test_in_a_group_outcomes_wait_for_the_next_intent(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        assert _seen_from_outside(path) == ([], [])  # deferred: not committed yet
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        assert _seen_from_outside(path) == ([("MSG1", "intent")], ["new"])  # the intent took the batch along
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
        assert journal.batch(record.id).state == BatchState.REGISTERED  # this connection reads its own writes
        assert _seen_from_outside(path) == ([("MSG1", "intent")], ["new"])
        journal.record_intent("MSG2", batch_id=record.id, infno="2203", keys={}, now=NOW)
        assert _seen_from_outside(path) == ([("MSG1", "ok"), ("MSG2", "intent")], ["registered"])
        journal.record_outcome("MSG2", status=CallStatus.OK, now=NOW)
    assert _seen_from_outside(path) == ([("MSG1", "ok"), ("MSG2", "ok")], ["registered"])  # the group's end


def test_a_settlement_is_committed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2207", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.record_settlement(_settlement(record.id))
        other = sqlite3.connect(path)
        assert other.execute("SELECT setl_id FROM settlements").fetchall() == [("S1",)]
        assert other.execute("SELECT status FROM calls").fetchall() == [("ok",)]
        other.close()


class _Killed(BaseException):
    """As a killed process: not an Exception."""


def _register_then_raise(journal: SqliteJournal, status: CallStatus, failure: BaseException) -> None:
    """In a group: a batch, its 2201 intent, then outcome and state (deferred), then ``failure``."""
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=status, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
        raise failure


def test_a_kill_in_a_group_keeps_exactly_the_committed_prefix(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with pytest.raises(_Killed):
        _register_then_raise(journal, CallStatus.OK, _Killed())
    # As after a crash right after 2201 answered: the intent is open, the batch still new.
    assert _seen_from_outside(path) == ([("MSG1", "intent")], ["new"])
    assert [call.msgid for call in journal.open_calls()] == ["MSG1"]
    journal.close()


def test_an_error_in_a_group_keeps_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with pytest.raises(RuntimeError):
        _register_then_raise(journal, CallStatus.UNKNOWN, RuntimeError("the desk's own code failed"))
    assert _seen_from_outside(path) == ([("MSG1", "unknown")], ["registered"])


def test_a_failed_write_in_a_group_undoes_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED)
        with pytest.raises(KeyError, match="no call MSG9"):
            journal.record_outcome("MSG9", status=CallStatus.OK, now=NOW)
        with pytest.raises(sqlite3.IntegrityError):  # the same msgid twice
            journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
    assert _seen_from_outside(path) == ([("MSG1", "intent")], ["registered"])


def test_only_the_thread_that_opened_the_group_defers(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    with journal.group():
        worker = threading.Thread(target=lambda: journal.start_batch(_batch(2), now=NOW))
        worker.start()
        worker.join()
        assert _seen_from_outside(path) == ([], ["new"])  # the other thread's write is committed at once
        with journal.group():  # nested: the outer group still governs
            journal.start_batch(_batch(3), now=NOW)
        assert _seen_from_outside(path) == ([], ["new"])
    assert _seen_from_outside(path) == ([], ["new", "new"])


def _settlement(batch_id: int) -> SettlementRecord:
    return SettlementRecord(
        setl_id="S1",
        batch_id=batch_id,
        psn_no="64010000000000000001",
        insutype="310",
        year=2026,
        mdtrt_id="M1",
        chrg_bchno="MZ1-1",
        msgid="MSG1",
        setl_time=NOW,
        medfee_sumamt=Decimal("114.00"),
        fund_pay_sumamt=Decimal("0.00"),
        acct_pay=Decimal("114.00"),
        psn_cash_pay=Decimal("0.00"),
        active=True,
        refund_setl_id="",
    )


def test_last_msgid_of_one_node() -> None:
    journal = SqliteJournal(":memory:")
    for msgid in ("H42010200001202611220930003001", "H42010200001202611220930007001"):
        journal.record_intent(msgid, batch_id=None, infno="2601", keys={}, now=NOW)
    assert journal.last_msgid("H42010200001") == "H42010200001202611220930007001"
    assert journal.last_msgid("H42010200001", node=3) == "H42010200001202611220930003001"
    assert journal.last_msgid("H42010200001", node=5) == ""


def test_flush_commits_what_the_group_deferred(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    journal.flush()  # nothing waits: nothing happens
    with journal.group():
        journal.start_batch(_batch(), now=NOW)
        journal.flush()
        assert _seen_from_outside(path) == ([], ["new"])
        # No write lock is held now: another connection can write (as recover would, elsewhere).
        other = sqlite3.connect(path, timeout=0)
        other.execute("INSERT INTO meta VALUES ('probe', '1')")
        other.commit()
        other.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("SELECT * FROM batches WHERE visit_key = 'K' ORDER BY id", "batches_visit"),
        ("SELECT * FROM calls WHERE status IN ('intent', 'unknown') ORDER BY rowid", "calls_status"),
    ],
)
def test_lookups_that_run_on_every_settlement_or_restart_use_an_index(
    tmp_path: Path, query: str, index: str
) -> None:
    path = tmp_path / "journal.sqlite3"
    SqliteJournal(path).close()
    connection = sqlite3.connect(path)
    plan = connection.execute(f"EXPLAIN QUERY PLAN {query}").fetchall()
    connection.close()
    assert any(f"USING INDEX {index}" in row[-1] for row in plan), plan


def test_a_full_disk_in_a_group_fails_the_intent_and_loses_only_the_deferred_suffix(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    journal.record_intent("MSG1", batch_id=None, infno="2201", keys={}, now=NOW)
    # A real full disk, as SQLite sees one: no page may be added to the file.
    limit = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    with journal.group():
        journal._db.execute(f"PRAGMA max_page_count={limit}")
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)  # deferred
        with pytest.raises(sqlite3.OperationalError, match="full"):  # the real error, named
            journal.record_intent("MSG2", batch_id=None, infno="2203", keys={"pad": "z" * 20_000}, now=NOW)
        journal._db.execute("PRAGMA max_page_count=1000000")  # space again
        journal.record_intent("MSG3", batch_id=None, infno="2203", keys={}, now=NOW)
    # MSG2 was never sent, so it is not there; MSG1's outcome was lost with the suffix, as in a crash.
    assert _seen_from_outside(path) == ([("MSG1", "intent"), ("MSG3", "intent")], [])
