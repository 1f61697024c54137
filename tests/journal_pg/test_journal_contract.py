"""What every journal must do, checked on SQLite and on PostgreSQL alike (``journal_factory``).

A second ``journal_factory()`` is another process opening the same journal: what it reads is
what a crash would have left, or what another desk sees.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from decimal import Decimal

import pytest

from adapter import PersonBusyError
from adapter.execution import BatchState, CallStatus, ChainStatus, Journal, SettlementRecord
from adapter.execution._records import NewBatchData

from .conftest import JournalFactory

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
        plan_batch={"totals": {"medfee_sumamt": Decimal("114.00")}, "lines": [{"sn": "1"}]},
        visit={"begntime": "2026-11-22T09:30:00"},
        person={"psn_type": "21"},
        header={"fixmedins_code": "H42010200001", "ipt_otp_no": "MZ1"},
        acct_used_flag="1",
    )


def _settlement(setl_id: str, batch_id: int, when: datetime, medfee: str = "670.00") -> SettlementRecord:
    return SettlementRecord(
        setl_id=setl_id,
        batch_id=batch_id,
        psn_no="P",
        insutype="310",
        year=when.year,
        mdtrt_id=f"M-{setl_id}",
        chrg_bchno=f"B-{setl_id}",
        msgid=f"MSG-{setl_id}",
        setl_time=when,
        medfee_sumamt=Decimal(medfee),
        fund_pay_sumamt=Decimal("352.50"),
        acct_pay=Decimal("0.00"),
        psn_cash_pay=Decimal("317.50"),
        active=True,
        refund_setl_id="",
    )


def test_a_batch_round_trips_whole_and_its_states_move(journal_factory: JournalFactory) -> None:
    journal = journal_factory()
    first = journal.start_batch(_batch(1), now=NOW)
    second = journal.start_batch(_batch(2), now=NOW)
    assert (first.state, first.card["mdtrt_cert_no"], first.plan_batch["totals"]["medfee_sumamt"]) == (
        BatchState.NEW,
        "640104196203152010",
        Decimal("114.00"),
    )
    journal.update_batch(first.id, now=NOW, state=BatchState.SETTLED, setl_id="S1", mdtrt_id="M1")
    journal.update_batch(second.id, now=NOW, state=BatchState.UNWINDING, unwind_to=BatchState.SELF_PAY.value)
    reopened = journal_factory()
    assert [b.id for b in reopened.unfinished_batches()] == [second.id]
    assert (reopened.batch(first.id).setl_id, reopened.batch(first.id).mdtrt_id) == ("S1", "M1")
    assert reopened.batch(second.id).unwind_to == BatchState.SELF_PAY
    assert [b.batch_number for b in reopened.batches_of_visit("H42010200001:MZ1")] == [1, 2]
    assert reopened.batches_of_visit("other") == []
    with pytest.raises(ValueError, match="cannot update"):
        journal.update_batch(first.id, now=NOW, psn_no="other")
    with pytest.raises(KeyError, match="no batch 999"):
        journal.batch(999)
    with pytest.raises(Exception, match=r"(?i)unique"):
        journal.start_batch(_batch(1), now=NOW)  # the same attempt twice


def test_calls_keep_their_order_and_outcomes(journal_factory: JournalFactory) -> None:
    journal = journal_factory()
    record = journal.start_batch(_batch(), now=NOW)
    for msgid, infno in [
        ("MSG9", "2201"),
        ("MSG1", "2203"),
        ("MSG5", "2204"),
    ]:  # journaled order, not msgid order
        journal.record_intent(msgid, batch_id=record.id, infno=infno, keys={"mdtrt_id": "M1"}, now=NOW)
    journal.record_outcome("MSG9", status=CallStatus.OK, now=NOW, detail={"amount": Decimal("1.10")})
    journal.record_outcome("MSG1", status=CallStatus.UNKNOWN, now=NOW)
    other = journal_factory()
    assert [(c.msgid, c.status) for c in other.calls(record.id)] == [
        ("MSG9", CallStatus.OK),
        ("MSG1", CallStatus.UNKNOWN),
        ("MSG5", CallStatus.INTENT),
    ]
    assert other.calls(record.id)[0].detail == {"amount": Decimal("1.10")}
    assert [c.msgid for c in other.open_calls()] == ["MSG1", "MSG5"]
    assert other.last_msgid("MSG") == "MSG9"
    with pytest.raises(KeyError, match="no call NOPE"):
        journal.record_outcome("NOPE", status=CallStatus.OK, now=NOW)


def test_the_ledger_orders_a_scope_exactly_and_marks_refunds(journal_factory: JournalFactory) -> None:
    journal = journal_factory()
    record = journal.start_batch(_batch(), now=NOW)
    # S2 and S4 share a second: within it, the order they were journaled in.
    for setl_id, day in [("S2", 15), ("S1", 10), ("S4", 15), ("S3", 20)]:
        journal.record_settlement(_settlement(setl_id, record.id, datetime(2026, 3, day, 10, 0)))
    journal.record_settlement(_settlement("S0", record.id, datetime(2025, 3, 1, 10, 0), medfee="0.10"))
    assert [s.setl_id for s in journal.settlements_in_scope("P", "310", 2026)] == ["S1", "S2", "S4", "S3"]
    assert [s.medfee_sumamt for s in journal.settlements_in_scope("P", "310", 2025)] == [Decimal("0.10")]
    journal.mark_refunded("S3", refund_setl_id="R3")
    refunded = journal_factory().settlement("S3")
    assert refunded is not None
    assert (refunded.active, refunded.refund_setl_id, refunded.fund_pay_sumamt, refunded.acct_pay) == (
        False,
        "R3",
        Decimal("352.50"),
        Decimal("0.00"),
    )
    assert journal.settlement("nope") is None


def test_outbox_and_refund_chains(journal_factory: JournalFactory) -> None:
    journal = journal_factory()
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
    chain_id = journal.start_chain(target_setl_id="S1", plan={"steps": []}, steps=2, now=NOW)
    journal.update_chain(chain_id, now=NOW, next_step=1, progress=[{"attempts": [7], "result": {}}, {}])
    assert [c.id for c in journal_factory().unfinished_chains()] == [chain_id]
    journal.update_chain(chain_id, now=NOW, status=ChainStatus.DONE, note="done")
    chain = journal.chain(chain_id)
    assert (chain.next_step, chain.status, chain.progress[0]["attempts"], chain.note) == (
        1,
        ChainStatus.DONE,
        [7],
        "done",
    )
    assert journal.unfinished_chains() == []


def _outside(other: Journal) -> tuple[list[tuple[str, str]], list[str]]:
    """What another process reads now: open calls (in order) and batch states.

    ``other`` is opened before the group: SQLite cannot create a journal's tables while
    another connection holds the write lock.
    """
    calls = [(c.msgid, c.status.value) for c in other.open_calls()]
    done = [b.state.value for b in other.batches_of_visit("H42010200001:MZ1")]
    return calls, done


def test_in_a_group_an_intent_is_committed_before_it_returns_and_outcomes_ride_along(
    journal_factory: JournalFactory,
) -> None:
    journal, other = journal_factory(), journal_factory()
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        assert _outside(other) == ([("MSG1", "intent")], ["new"])  # durable before the call
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
        assert journal.batch(record.id).state == BatchState.REGISTERED  # the group reads its own writes
        assert _outside(other) == ([("MSG1", "intent")], ["new"])  # deferred
        journal.record_intent("MSG2", batch_id=record.id, infno="2203", keys={}, now=NOW)
        assert _outside(other) == ([("MSG2", "intent")], ["registered"])
    assert _outside(other) == ([("MSG2", "intent")], ["registered"])


class _Killed(BaseException):
    """As a killed process: not an Exception."""


def _register_then_raise(journal: Journal, failure: BaseException) -> None:
    with journal.group():
        record = journal.start_batch(_batch(1), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        raise failure


def _fail_in_a_group(journal: Journal, failure: BaseException) -> None:
    with journal.group():
        journal.record_outcome("MSG1", status=CallStatus.FAILED, now=NOW)
        raise failure


def test_a_killed_group_keeps_only_what_was_committed_and_a_failed_one_keeps_its_history(
    journal_factory: JournalFactory,
) -> None:
    journal, other = journal_factory(), journal_factory()
    with pytest.raises(_Killed):
        _register_then_raise(journal, _Killed())
    (record,) = other.batches_of_visit("H42010200001:MZ1")
    assert _outside(other) == ([("MSG1", "intent")], ["new"])  # the outcome died with the process
    with pytest.raises(RuntimeError):
        _fail_in_a_group(journal, RuntimeError("a failed step"))
    assert _outside(other) == ([], ["new"])  # an Exception keeps the failed step's history
    with journal.group():  # a write that fails inside a group undoes only itself
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED)
        with pytest.raises(KeyError):
            journal.record_outcome("NOPE", status=CallStatus.OK, now=NOW)
    assert other.batch(record.id).state == BatchState.REGISTERED


def test_a_settlement_is_committed_before_it_returns(journal_factory: JournalFactory) -> None:
    journal, other = journal_factory(), journal_factory()
    with journal.group():
        record = journal.start_batch(_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2207", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.record_settlement(_settlement("S1", record.id, NOW))
        assert other.settlement("S1") is not None
        assert [c.status for c in other.calls(record.id)] == [CallStatus.OK]


def test_one_person_at_a_time_a_second_waits_then_is_refused(journal_factory: JournalFactory) -> None:
    journal = journal_factory()
    events: list[str] = []
    holding = threading.Event()

    def desk_a() -> None:
        with journal.person_lock("P1"):
            events.append("a in")
            holding.set()
            time.sleep(0.3)
            events.append("a out")

    thread = threading.Thread(target=desk_a)
    thread.start()
    holding.wait(5)
    with journal.person_lock("P2", wait=0):
        events.append("other person at once")
    refused = "another desk is settling or refunding this patient"
    with pytest.raises(PersonBusyError, match=refused), journal.person_lock("P1", wait=0):
        events.append("never")
    with journal.person_lock("P1", wait=5):  # waits for desk A
        events.append("b in")
    thread.join()
    assert events == ["a in", "other person at once", "a out", "b in"]
