"""The journal contract: what every implementation (SQLite, PostgreSQL …) must do, tested the same way.

Durability is checked from outside (``seen_from_outside``, another connection) and across a
restart (``journal_factory.open()`` on the same store); records must come back typed and equal
to what was written.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from adapter import CHINA_TZ, Card, ConfigurationError, JournalOwnerError, PersonBusyError
from adapter.execution import (
    BatchState,
    CallStatus,
    ChainStatus,
    Journal,
    JournalOwner,
    SqliteJournal,
)
from adapter.execution._records import CallDetail, RemoteFields, Resettled, StepProgress
from adapter.transactions._settlement import SettlementInfo

from ._implementations import JournalFactory
from ._samples import (
    BATCH,
    CERTNO,
    HEADER,
    NOW,
    REMOTE,
    SELF_PAY,
    SPLIT,
    VISIT,
    new_batch,
    outbox_payload,
    refund_plan,
    settlement,
)

PREFIX = "H42010200001"
MOMENT = datetime(2026, 11, 22, 9, 30, tzinfo=CHINA_TZ)

# -- batches -------------------------------------------------------------------------------


def test_a_batch_comes_back_typed_and_equal_after_a_restart(journal_factory: JournalFactory) -> None:
    journal = journal_factory.open()
    record = journal.start_batch(new_batch(), now=NOW)
    journal.close()
    reopened = journal_factory.open()
    again = reopened.batch(record.id)
    assert again == record
    assert again.card == Card("02", CERTNO)
    assert (again.plan_batch, again.visit, again.remote, again.header) == (BATCH, VISIT, REMOTE, HEADER)
    assert again.plan_batch.totals.medfee_sumamt == Decimal("114.00")  # exact, not a float
    assert (again.state, again.unwind_to, again.mdtrt_id, again.setl_id) == (
        BatchState.NEW,
        BatchState.UNSETTLED,
        "",
        "",
    )
    reopened.close()


def test_a_local_patient_has_no_remote_fields(journal: Journal) -> None:
    record = journal.start_batch(new_batch(remote=False), now=NOW)
    assert journal.batch(record.id).remote is None


def test_unfinished_batches_are_those_in_every_state_but_the_five_final_ones(journal: Journal) -> None:
    final = {
        BatchState.SETTLED,
        BatchState.UNSETTLED,
        BatchState.SELF_PAY,
        BatchState.REFUNDED,
        BatchState.FLAGGED,
    }
    ids = {}
    for number, state in enumerate(BatchState, start=1):  # one batch in each of the 13 states
        ids[state] = journal.start_batch(new_batch(number), now=NOW).id
        journal.update_batch(ids[state], now=NOW, state=state)
    in_flight = [batch.id for batch in journal.unfinished_batches()]
    assert in_flight == [ids[state] for state in BatchState if state not in final]  # oldest first
    assert len(in_flight) == 8  # new … settling, unwinding, refunding


def test_batch_updates_change_only_what_is_given(journal: Journal) -> None:
    first = journal.start_batch(new_batch(1), now=NOW)
    second = journal.start_batch(new_batch(2), now=NOW)
    journal.update_batch(first.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
    journal.update_batch(first.id, now=NOW, state=BatchState.SETTLED, setl_id="S1", note="ok")
    journal.update_batch(second.id, now=NOW, unwind_to=BatchState.SELF_PAY)
    journal.update_batch(second.id, now=NOW, state=BatchState.UNWINDING)
    one, two = journal.batch(first.id), journal.batch(second.id)
    assert (one.state, one.mdtrt_id, one.setl_id, one.note) == (BatchState.SETTLED, "M1", "S1", "ok")
    assert (two.state, two.unwind_to) == (BatchState.UNWINDING, BatchState.SELF_PAY)
    assert [b.id for b in journal.unfinished_batches()] == [second.id]
    with pytest.raises(KeyError, match="no batch 99"):
        journal.update_batch(99, now=NOW, state=BatchState.SETTLED)
    with pytest.raises(KeyError, match="no batch 99"):
        journal.batch(99)


def test_a_batch_keeps_the_platforms_split_and_its_visits_self_pay_exactly(
    journal_factory: JournalFactory,
) -> None:
    journal = journal_factory.open()
    record = journal.start_batch(new_batch(), now=NOW)
    assert (record.fee_split, record.self_pay) == ((), SELF_PAY)  # no 2204 answer yet
    journal.update_batch(record.id, now=NOW, state=BatchState.DETAILS_UPLOADED, fee_split=(SPLIT,))
    journal.update_batch(record.id, now=NOW, state=BatchState.PRESETTLED)  # leaves the split as it is
    journal.close()
    again = journal_factory.open()
    stored = again.batch(record.id)
    assert stored.fee_split == (SPLIT,)
    assert stored.fee_split[0].preselfpay_amt == Decimal("11.40")  # exact, not a float
    assert str(stored.fee_split[0].selfpay_prop) == "0.1000"  # the scale the platform sent
    assert stored.fee_split[0].pric_uplmt_amt is None  # left out by the platform, not made 0
    assert stored.self_pay == SELF_PAY
    assert stored.self_pay is not None
    assert stored.self_pay.total == Decimal("15.00")
    again.close()


def test_the_same_attempt_twice_is_refused(journal_factory: JournalFactory, journal: Journal) -> None:
    journal.start_batch(new_batch(1), now=NOW)
    with pytest.raises(journal_factory.integrity_error):
        journal.start_batch(new_batch(1), now=NOW)


def test_batches_of_a_visit_oldest_first(journal: Journal) -> None:
    a = journal.start_batch(new_batch(1, 0), now=NOW)
    b = journal.start_batch(new_batch(2, 0), now=NOW)
    journal.start_batch(new_batch(1, 0, key="H42010200001:MZ2"), now=NOW)
    c = journal.start_batch(new_batch(1, 1), now=NOW)
    assert [r.id for r in journal.batches_of_visit("H42010200001:MZ1")] == [a.id, b.id, c.id]
    assert journal.batches_of_visit("nothing") == []


# -- calls ---------------------------------------------------------------------------------


def test_calls_keep_journal_order_whatever_their_times_and_ids(journal: Journal) -> None:
    record = journal.start_batch(new_batch(), now=NOW)
    # Written in this order, with times and msgids that sort the other way round.
    for minute, msgid in ((9, "MSG9"), (5, "MSG5"), (1, "MSG1")):
        journal.record_intent(
            msgid, batch_id=record.id, infno="2201", keys={}, now=NOW + timedelta(minutes=minute)
        )
    calls = journal.calls(record.id)
    assert [c.msgid for c in calls] == ["MSG9", "MSG5", "MSG1"]
    assert calls[0].seq < calls[1].seq < calls[2].seq
    assert [c.msgid for c in journal.open_calls()] == ["MSG9", "MSG5", "MSG1"]


def test_outcomes_close_calls_and_keep_a_typed_detail(journal: Journal) -> None:
    record = journal.start_batch(new_batch(), now=NOW)
    journal.record_intent("MSG1", batch_id=record.id, infno="2207", keys={"mdtrt_id": "M1"}, now=NOW)
    info = SettlementInfo.model_validate(
        {
            "setl_id": "S1",
            "mdtrt_id": "M1",
            "medfee_sumamt": Decimal("114.00"),
            "fund_pay_sumamt": Decimal("0.00"),
            "psn_part_amt": Decimal("114.00"),
            "acct_pay": Decimal("114.00"),
            "psn_cash_pay": Decimal("0.00"),
        }
    )
    journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW, detail=CallDetail(setlinfo=info))
    (call,) = journal.calls(record.id)
    assert (call.status, call.keys, call.finished_at) == (CallStatus.OK, {"mdtrt_id": "M1"}, NOW)
    assert call.detail.setlinfo == info
    assert call.detail.setlinfo is not None
    assert call.detail.setlinfo.acct_pay == Decimal("114.00")
    assert journal.open_calls() == []
    with pytest.raises(KeyError, match="no call NOPE"):
        journal.record_outcome("NOPE", status=CallStatus.OK, now=NOW)


def test_an_outcome_without_detail_reads_as_an_empty_detail(journal: Journal) -> None:
    journal.record_intent("MSG1", batch_id=None, infno="2601", keys={}, now=NOW)
    journal.record_outcome("MSG1", status=CallStatus.FAILED, now=NOW, detail=CallDetail(error="refused"))
    journal.record_intent("MSG2", batch_id=None, infno="2601", keys={}, now=NOW)
    journal.record_outcome("MSG2", status=CallStatus.UNKNOWN, now=NOW)
    assert [c.msgid for c in journal.open_calls()] == ["MSG2"]
    (open_call,) = journal.open_calls()
    assert open_call.detail == CallDetail()


def test_the_same_msgid_twice_is_refused(journal_factory: JournalFactory, journal: Journal) -> None:
    journal.record_intent("MSG1", batch_id=None, infno="2201", keys={}, now=NOW)
    with pytest.raises(journal_factory.integrity_error):
        journal.record_intent("MSG1", batch_id=None, infno="2201", keys={}, now=NOW)


# -- settlements ---------------------------------------------------------------------------


def test_the_ledger_orders_a_scope_by_time_then_journal_order(journal: Journal) -> None:
    record = journal.start_batch(new_batch(), now=NOW)
    march = datetime(2026, 3, 10, 10, 0)
    for setl_id, when in (
        ("S3", march + timedelta(days=10)),
        ("S2", march),
        ("S1", march),
        ("S0", march.replace(year=2025)),
    ):
        journal.record_settlement(settlement(record.id, setl_id, when=when))
    # S2 and S1 share one setl_time: the one journaled first comes first.
    assert [s.setl_id for s in journal.settlements_in_scope("64010000000000000001", "310", 2026)] == [
        "S2",
        "S1",
        "S3",
    ]
    assert [s.setl_id for s in journal.settlements_in_scope("64010000000000000001", "310", 2025)] == ["S0"]
    journal.mark_refunded("S3", refund_setl_id="R3")
    refunded = journal.settlement("S3")
    assert refunded is not None
    assert (refunded.active, refunded.refund_setl_id, refunded.acct_pay) == (False, "R3", Decimal("114.00"))
    assert journal.settlement("nothing") is None


# -- outbox --------------------------------------------------------------------------------


def _queue(journal: Journal, batch_number: int, due: date, identity: RemoteFields | None = None) -> int:
    """Visit V's batch queued for upload (the platform was down), due on ``due``."""
    return journal.add_outbox(
        visit_key="V",
        batch_number=batch_number,
        reason="down",
        payload=outbox_payload(),
        now=NOW,
        due=due,
        identity=identity,
    )


def test_the_outbox_keeps_a_typed_payload_and_its_due_dates(journal: Journal) -> None:
    first = _queue(journal, 1, date(2026, 11, 25))
    _queue(journal, 2, date(2026, 11, 30))
    (due,) = journal.outbox(due_by=date(2026, 11, 25))
    assert due.id == first
    assert due.payload == outbox_payload()
    assert due.payload.feedetail[0].det_item_fee_sumamt == Decimal("114.00")
    journal.mark_sent(first, now=NOW)
    assert [e.batch_number for e in journal.outbox()] == [2]
    assert [e.sent_at for e in journal.outbox(include_sent=True)] == [NOW, None]


def test_the_outbox_of_one_visit(journal: Journal) -> None:
    _queue(journal, 1, date(2026, 11, 25))
    other = journal.add_outbox(
        visit_key="W",
        batch_number=0,
        reason="self-pay",
        payload=outbox_payload(),
        now=NOW,
        due=date(2026, 11, 26),
    )
    journal.mark_sent(other, now=NOW)
    assert [(e.visit_key, e.batch_number) for e in journal.outbox(visit_key="V")] == [("V", 1)]
    assert journal.outbox(visit_key="W") == []  # sent
    assert [e.id for e in journal.outbox(visit_key="W", include_sent=True)] == [other]
    assert journal.outbox(visit_key="X", include_sent=True) == []


def test_the_outbox_keeps_whom_the_upload_names_until_purged_after_it_was_sent(journal: Journal) -> None:
    sent = _queue(journal, 1, date(2026, 11, 25), REMOTE)
    waiting = _queue(journal, 2, date(2026, 11, 30), REMOTE)
    assert [e.identity for e in journal.outbox()] == [REMOTE, REMOTE]
    journal.mark_sent(sent, now=NOW)
    journal.purge(NOW + timedelta(days=1))
    # The uploaded entry's identity is erased; the one still waiting keeps it (it has yet to be sent).
    identities = {e.id: e.identity for e in journal.outbox(include_sent=True)}
    assert identities == {sent: None, waiting: REMOTE}


def test_a_voided_ledger_row_comes_back_voided_with_its_amendment(journal: Journal) -> None:
    record = journal.start_batch(new_batch(), now=NOW)
    journal.record_settlement(settlement(record.id, "S1"))
    evidence = {"5203": None, "5204": {"lines": 2, "setl_ids": []}}
    journal.amend_settlement(
        "S1", reason="reconcile:void", evidence=evidence, now=NOW, changes={"active": False, "voided": True}
    )
    voided = journal.settlement("S1")
    assert voided is not None
    assert (voided.active, voided.voided) == (False, True)
    (amendment,) = journal.amendments("S1")
    assert (amendment.before, amendment.after, amendment.evidence) == (
        {"active": 1, "voided": 0},
        {"active": 0, "voided": 1},
        evidence,
    )


# -- refund chains -------------------------------------------------------------------------


def test_a_refund_chain_keeps_its_typed_plan_and_progress(journal_factory: JournalFactory) -> None:
    journal = journal_factory.open()
    record = journal.start_batch(new_batch(), now=NOW)
    plan = refund_plan(record.id)
    chain_id = journal.start_chain(plan, now=NOW)
    chain = journal.chain(chain_id)
    assert (chain.plan, chain.target_setl_id, chain.next_step, chain.status) == (
        plan,
        "S1",
        0,
        ChainStatus.IN_PROGRESS,
    )
    assert chain.progress == (StepProgress(), StepProgress())
    progress = (StepProgress(), StepProgress(attempts=(7,), result=Resettled(new_setl_id="S9", batch_id=7)))
    journal.update_chain(chain_id, now=NOW, next_step=1, progress=progress, note="step 2")
    journal.close()
    reopened = journal_factory.open()
    assert [c.id for c in reopened.unfinished_chains()] == [chain_id]
    chain = reopened.chain(chain_id)
    assert (chain.progress, chain.next_step, chain.note) == (progress, 1, "step 2")
    reopened.update_chain(chain_id, now=NOW, status=ChainStatus.DONE)
    assert reopened.unfinished_chains() == []
    assert reopened.chain(chain_id).progress == progress  # untouched by an update that does not name it
    with pytest.raises(KeyError, match="no refund chain 99"):
        reopened.chain(99)
    with pytest.raises(KeyError, match="no refund chain 99"):
        reopened.update_chain(99, now=NOW, status=ChainStatus.DONE)
    reopened.close()


def test_unfinished_chains_are_those_in_progress_not_the_done_or_stopped_ones(journal: Journal) -> None:
    record = journal.start_batch(new_batch(), now=NOW)
    ids = {}
    for status in (ChainStatus.DONE, ChainStatus.IN_PROGRESS, ChainStatus.STOPPED):  # one in each status
        ids[status] = journal.start_chain(refund_plan(record.id), now=NOW)
        journal.update_chain(ids[status], now=NOW, status=status)
    later = journal.start_chain(refund_plan(record.id), now=NOW)  # in progress as started
    assert [chain.id for chain in journal.unfinished_chains()] == [ids[ChainStatus.IN_PROGRESS], later]
    assert {chain.status for chain in journal.unfinished_chains()} == {ChainStatus.IN_PROGRESS}


# -- msgids --------------------------------------------------------------------------------


def test_msgid_blocks_never_overlap_even_after_a_restart_in_the_same_second(
    journal_factory: JournalFactory,
) -> None:
    journal = journal_factory.open()
    first = journal.reserve_msgids(PREFIX, None, 16, MOMENT)
    second = journal.reserve_msgids(PREFIX, None, 16, MOMENT)
    assert (first.first, first.last, second.first, second.last) == (1, 16, 17, 32)
    journal.close()
    reopened = journal_factory.open()  # the process died having used only some of block two
    third = reopened.reserve_msgids(PREFIX, None, 16, MOMENT)
    assert (third.second, third.first, third.last) == (MOMENT, 33, 48)
    behind = reopened.reserve_msgids(PREFIX, None, 16, MOMENT - timedelta(hours=1))  # clock stepped back
    assert (behind.second, behind.first) == (MOMENT, 49)
    later = reopened.reserve_msgids(PREFIX, None, 16, MOMENT + timedelta(seconds=2))
    assert (later.second, later.first) == (MOMENT + timedelta(seconds=2), 1)
    reopened.close()


def test_msgid_blocks_are_kept_per_node_and_per_institution(journal: Journal) -> None:
    desk3 = journal.reserve_msgids(PREFIX, 3, 16, MOMENT)
    desk7 = journal.reserve_msgids(PREFIX, 7, 16, MOMENT)
    other = journal.reserve_msgids("H15010200002", 3, 16, MOMENT)
    assert (desk3.first, desk3.last, desk7.first, other.first) == (3001, 3016, 7001, 3001)
    assert journal.reserve_msgids(PREFIX, 3, 16, MOMENT).first == 3017


def test_a_journal_with_calls_but_no_marks_continues_after_its_last_msgid(journal: Journal) -> None:
    # A journal written before marks existed (schema 1): the calls are the only record of ids used.
    journal.record_intent(f"{PREFIX}202611220930000041", batch_id=None, infno="2201", keys={}, now=NOW)
    assert journal.reserve_msgids(PREFIX, None, 4, MOMENT).first == 42


# -- owner ---------------------------------------------------------------------------------


def test_a_journal_belongs_to_the_first_platform_and_hospital_that_claims_it(
    journal_factory: JournalFactory,
) -> None:
    demo = JournalOwner(platform="embedded-demo", fixmedins_code=PREFIX)
    journal = journal_factory.open()
    assert journal.owner() is None
    journal.claim(demo)
    journal.claim(demo)  # the same owner again: fine
    journal.close()
    reopened = journal_factory.open()
    assert reopened.owner() == demo
    with pytest.raises(JournalOwnerError, match="医保平台") as refused:
        reopened.claim(JournalOwner(platform="http://10.1.2.3:8080/fsi/api", fixmedins_code=PREFIX))
    assert refused.value.found == demo
    with pytest.raises(JournalOwnerError, match="定点医药机构编号"):
        reopened.claim(JournalOwner(platform="embedded-demo", fixmedins_code="H15010200002"))
    reopened.close()


def test_a_journal_owner_refusal_does_not_print_the_endpoint_credentials(
    journal_factory: JournalFactory,
) -> None:
    # Before: both endpoints were printed whole, user name and password included.
    journal = journal_factory.open()
    journal.claim(JournalOwner(platform="https://his:pa@ss@10.1.2.3:8443/fsi/api", fixmedins_code=PREFIX))
    with pytest.raises(JournalOwnerError) as refused:
        journal.claim(JournalOwner(platform="http://desk7:s3cret@10.1.2.4/fsi/api", fixmedins_code=PREFIX))
    journal.close()
    message = str(refused.value)
    assert "（https://***@10.1.2.3:8443/fsi/api，" in message
    assert "（http://***@10.1.2.4/fsi/api，" in message
    for secret in ("his:", "pa@ss", "desk7", "s3cret"):
        assert secret not in message


# -- schema --------------------------------------------------------------------------------


def test_a_journal_newer_than_the_code_is_refused(journal_factory: JournalFactory) -> None:
    journal_factory.open().close()
    journal_factory.set_schema_version(999)
    with pytest.raises(ConfigurationError, match="schema version 999, newer than"):
        journal_factory.open()


# -- groups: fewer commits, and a crash loses only a suffix --------------------------------


def test_in_a_group_outcomes_wait_for_the_next_intent(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    outside = journal_factory.seen_from_outside
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        assert outside() == ([], [])  # deferred: not committed yet
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        assert outside() == ([("MSG1", "intent")], ["new"])  # the intent took the batch along
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
        assert journal.batch(record.id).state == BatchState.REGISTERED  # reads its own writes
        assert outside() == ([("MSG1", "intent")], ["new"])
        journal.record_intent("MSG2", batch_id=record.id, infno="2203", keys={}, now=NOW)
        assert outside() == ([("MSG1", "ok"), ("MSG2", "intent")], ["registered"])
        journal.record_outcome("MSG2", status=CallStatus.OK, now=NOW)
    assert outside() == ([("MSG1", "ok"), ("MSG2", "ok")], ["registered"])  # the group's end


def test_a_settlement_and_a_msgid_block_are_committed_at_once(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2207", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.record_settlement(settlement(record.id))
        assert journal_factory.seen_from_outside() == ([("MSG1", "ok")], ["new"])
        journal.update_batch(record.id, now=NOW, state=BatchState.SETTLED)
        journal.reserve_msgids(PREFIX, None, 16, MOMENT)
        assert journal_factory.seen_from_outside() == ([("MSG1", "ok")], ["settled"])


class _Killed(BaseException):
    """As a killed process: not an Exception."""


def _register_then_raise(journal: Journal, status: CallStatus, failure: BaseException) -> None:
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=status, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="M1")
        raise failure


def test_a_kill_in_a_group_keeps_exactly_the_committed_prefix(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    with pytest.raises(_Killed):
        _register_then_raise(journal, CallStatus.OK, _Killed())
    # As after a crash right after 2201 answered: the intent is open, the batch still new.
    assert journal_factory.seen_from_outside() == ([("MSG1", "intent")], ["new"])
    assert [call.msgid for call in journal.open_calls()] == ["MSG1"]


def test_an_error_in_a_group_keeps_what_was_written(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    with pytest.raises(RuntimeError):
        _register_then_raise(journal, CallStatus.UNKNOWN, RuntimeError("the desk's own code failed"))
    assert journal_factory.seen_from_outside() == ([("MSG1", "unknown")], ["registered"])


def test_a_failed_write_in_a_group_undoes_only_itself(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED)
        with pytest.raises(KeyError, match="no call MSG9"):
            journal.record_outcome("MSG9", status=CallStatus.OK, now=NOW)
        with pytest.raises(journal_factory.integrity_error):  # the same msgid twice
            journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
    assert journal_factory.seen_from_outside() == ([("MSG1", "intent")], ["registered"])


def test_a_failed_batch_start_keeps_the_groups_waiting_writes_for_the_next_commit(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    # The outcome and state waiting in memory open the transaction of the next write; a batch start
    # (two rows) that fails there rolls the transaction back without a savepoint: they wait again,
    # are committed with the next intent, and no write lock is held meanwhile.
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2201", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW, detail=CallDetail(mdtrt_id="MD1"))
        journal.update_batch(record.id, now=NOW, state=BatchState.REGISTERED, mdtrt_id="MD1")
        with pytest.raises(journal_factory.integrity_error):
            journal.start_batch(new_batch(), now=NOW)  # the same attempt again
        journal.flush()
        assert journal_factory.seen_from_outside() == ([("MSG1", "intent")], ["new"])
        other = journal_factory.open()  # no write lock is held
        other.record_intent("MSG0", batch_id=None, infno="9001", keys={}, now=NOW)
        other.close()
        journal.record_intent("MSG2", batch_id=record.id, infno="2204", keys={}, now=NOW)
        assert journal_factory.seen_from_outside() == (
            [("MSG1", "ok"), ("MSG0", "intent"), ("MSG2", "intent")],
            ["registered"],
        )
    assert journal.batch(record.id).mdtrt_id == "MD1"


def test_flush_commits_what_the_group_deferred(journal_factory: JournalFactory, journal: Journal) -> None:
    journal.flush()  # nothing waits: nothing happens
    with journal.group():
        journal.start_batch(new_batch(), now=NOW)
        journal.flush()
        assert journal_factory.seen_from_outside() == ([], ["new"])
        # No write lock is held now: another connection can write (as recover would, elsewhere).
        other = journal_factory.open()
        other.start_batch(new_batch(2), now=NOW)
        other.close()
    assert journal_factory.seen_from_outside() == ([], ["new", "new"])


def test_outcomes_wait_in_memory_across_a_query_and_go_with_the_next_intent(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    # 2204 answered, then a query (2206): its flush commits nothing, for nothing holds a lock open.
    outside = journal_factory.seen_from_outside
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2204", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.DETAILS_UPLOADED, fee_split=(SPLIT,))
        journal.flush()  # before the query
        assert outside() == ([("MSG1", "intent")], ["new"])
        other = journal_factory.open()  # another desk or process writes meanwhile: no lock is held
        other.start_batch(new_batch(2), now=NOW)
        other.close()
        journal.update_batch(record.id, now=NOW, state=BatchState.PRESETTLED)  # the query answered
        journal.update_batch(record.id, now=NOW, state=BatchState.SETTLING)
        assert journal.batch(record.id).state == BatchState.SETTLING  # reads its own writes
        journal.record_intent("MSG2", batch_id=record.id, infno="2207", keys={}, now=NOW)
        assert outside() == ([("MSG1", "ok"), ("MSG2", "intent")], ["settling", "new"])
    stored = journal.batch(record.id)
    assert (stored.state, stored.fee_split) == (BatchState.SETTLING, (SPLIT,))  # both changes kept


def _details_uploaded_then_killed(journal: Journal) -> None:
    with journal.group():
        record = journal.start_batch(new_batch(), now=NOW)
        journal.record_intent("MSG1", batch_id=record.id, infno="2204", keys={}, now=NOW)
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.DETAILS_UPLOADED)
        journal.flush()
        raise _Killed  # the process dies while waiting on the query


def test_a_kill_after_a_query_loses_the_outcomes_that_waited_in_memory(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    with pytest.raises(_Killed):
        _details_uploaded_then_killed(journal)
    (record,) = journal.unfinished_batches()
    # As after a crash right after 2204 answered: the intent is open, for recover to resolve.
    assert journal_factory.seen_from_outside() == ([("MSG1", "intent")], ["new"])
    assert [call.msgid for call in journal.open_calls()] == ["MSG1"]
    with journal.group():  # the same journal goes on, its next group as any other
        journal.record_outcome("MSG1", status=CallStatus.FAILED, now=NOW)
        journal.update_batch(record.id, now=NOW, state=BatchState.UNSETTLED)
    assert journal_factory.seen_from_outside() == ([("MSG1", "failed")], ["unsettled"])


def test_in_a_group_an_update_of_a_row_it_did_not_write_still_fails_at_once(journal: Journal) -> None:
    earlier = journal.start_batch(new_batch(), now=NOW)  # outside the group
    journal.record_intent("MSG1", batch_id=earlier.id, infno="2201", keys={}, now=NOW)
    with journal.group():
        journal.record_outcome("MSG1", status=CallStatus.OK, now=NOW)  # exists: runs, no error
        journal.flush()
        with pytest.raises(KeyError, match="no batch 99"):
            journal.update_batch(99, now=NOW, state=BatchState.REGISTERED)
        with pytest.raises(KeyError, match="no call NOPE"):
            journal.record_outcome("NOPE", status=CallStatus.OK, now=NOW)
        with pytest.raises(KeyError, match="no refund chain 99"):
            journal.update_chain(99, now=NOW, next_step=1)
    assert [(call.msgid, call.status) for call in journal.calls(earlier.id)] == [("MSG1", CallStatus.OK)]


# -- retention -----------------------------------------------------------------------------


def test_purge_erases_credentials_of_finished_batches_outside_any_chain(journal: Journal) -> None:
    done = journal.start_batch(new_batch(1), now=NOW)
    journal.update_batch(done.id, now=NOW, state=BatchState.SETTLED)
    in_flight = journal.start_batch(new_batch(2), now=NOW)
    journal.update_batch(in_flight.id, now=NOW, state=BatchState.REGISTERED)
    chained = journal.start_batch(new_batch(3), now=NOW)
    journal.update_batch(chained.id, now=NOW, state=BatchState.SETTLED)
    journal.start_chain(refund_plan(chained.id), now=NOW)  # a refund chain in progress names it
    recent = journal.start_batch(new_batch(4), now=NOW + timedelta(days=30))
    journal.update_batch(recent.id, now=NOW + timedelta(days=30), state=BatchState.SETTLED)
    report = journal.purge(NOW + timedelta(days=1))
    assert report.batches == 1
    purged = journal.batch(done.id)
    assert (purged.card, purged.remote, purged.state, purged.plan_batch) == (
        None,
        None,
        BatchState.SETTLED,
        BATCH,
    )
    assert [journal.batch(b.id).card for b in (in_flight, chained, recent)] == [Card("02", CERTNO)] * 3
    assert journal.purge(NOW + timedelta(days=1)).batches == 0


# -- one patient at a time -------------------------------------------------------------------


def test_one_person_at_a_time_another_waits_then_is_refused(journal_factory: JournalFactory) -> None:
    """Two desks (two journals on one store; on SQLite, two threads of one process)."""
    desk_a = journal_factory.open()
    # A SQLite journal is one desk's file: its lock keeps that desk's threads apart.
    desk_b = desk_a if isinstance(desk_a, SqliteJournal) else journal_factory.open()
    events: list[str] = []
    holding = threading.Event()

    def settle_at_a() -> None:
        with desk_a.person_lock("P1"):
            events.append("a in")
            holding.set()
            time.sleep(0.3)
            events.append("a out")

    thread = threading.Thread(target=settle_at_a)
    thread.start()
    holding.wait(5)
    with desk_b.person_lock("P2", wait=0):
        events.append("another person at once")
    refused = "another desk is settling or refunding this patient"
    with pytest.raises(PersonBusyError, match=refused), desk_b.person_lock("P1", wait=0.05):
        events.append("never")
    with desk_b.person_lock("P1", wait=5):  # waits for desk A to finish
        events.append("b in")
    thread.join()
    assert events == ["a in", "another person at once", "a out", "b in"]
    for desk in {id(desk_a): desk_a, id(desk_b): desk_b}.values():
        desk.close()


def test_two_connections_reserving_at_once_never_share_an_id(journal_factory: JournalFactory) -> None:
    # Two desks (processes) on one journal, same node, same second: each block comes after the other's.
    desk_a, desk_b = journal_factory.open(), journal_factory.open()
    issued: list[int] = []
    for desk in (desk_a, desk_b, desk_a, desk_b, desk_b, desk_a):
        block = desk.reserve_msgids(PREFIX, 3, 16, MOMENT)
        issued.extend(range(block.first, block.last + 1))
    assert issued == list(range(3001, 3001 + 6 * 16))  # 96 ids, in order, none twice
    desk_a.close()
    desk_b.close()


def test_a_settlement_recorded_once_keeps_the_one_already_in_the_ledger(
    journal_factory: JournalFactory, journal: Journal
) -> None:
    # A recovery replaying a 2207 answer: the ledger row stays as it was, in one statement, no error.
    record = journal.start_batch(new_batch(), now=NOW)
    journal.record_settlement(settlement(record.id, "S1"))
    replayed = replace(settlement(record.id, "S1"), medfee_sumamt=Decimal("1.00"))
    journal.record_settlement(replayed, once=True)
    kept = journal.settlement("S1")
    assert kept is not None
    assert kept.medfee_sumamt == settlement(record.id, "S1").medfee_sumamt
    assert [s.setl_id for s in journal.settlements_in_scope(kept.psn_no, kept.insutype, kept.year)] == ["S1"]
    with pytest.raises(journal_factory.integrity_error):  # without once, the same setl_id twice is refused
        journal.record_settlement(replayed)
