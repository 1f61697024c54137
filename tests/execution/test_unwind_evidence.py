"""Unwinding concludes only what the platform shows (issue #10 items 2 and 3).

* A refused 2202 is not "already cancelled" unless the platform says so for a 2202 of ours
  (the lost one, asked again under its own msgid): otherwise the batch stays in flight and
  ``recover`` finishes it. Before, 5201 not listing the visit (always so before 2203 is
  accepted) was read as "cancelled", and the registration stayed open on the platform.
* A 2204 whose answer was lost is resolved with the platform's own record of the visit's
  details (5204): the batch goes on and settles, instead of the whole chronic batch falling
  back to self-pay with the 2204 left ``unknown``.
"""

from __future__ import annotations

from decimal import Decimal

from adapter.execution import BatchState, CallStatus

from .helpers import World, bill, world

P1_PSN, P1_CERT, P1_PLACE = "64010000000000000001", "640104196203152010", "640100"
# One diabetes line: Y001 0.40 × 60 = 24.00 (乙类 in scope), one M01600 batch, paid from the account.
ONE_LINE = [("Y001", "0.40", "60")]


def _open_registrations(w: World) -> list[str]:
    connection = w.mock._backend.store._connection  # white-box: the platform's own truth
    rows = connection.execute("SELECT mdtrt_id FROM visit WHERE status = 'active'").fetchall()
    return [row["mdtrt_id"] for row in rows]


def test_a_refused_2202_is_not_reported_as_a_cancellation() -> None:
    with world() as w:
        w.mock.faults.add("2203", "error", message="就诊信息上传失败")  # the batch must unwind
        w.mock.faults.add("2202", "error", message="挂号撤销失败")  # ... and its 2202 is refused
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        record = w.journal.batch(batch.journal_batch_id)
        (open_visit,) = _open_registrations(w)  # the registration IS still open on the platform
        assert open_visit == record.mdtrt_id
        assert batch.status == "in_flight", batch.message  # not 已撤销，未结算
        assert "opsp recover" in batch.message
        assert record.state == BatchState.UNWINDING
        assert [b.id for b in w.journal.unfinished_batches()] == [record.id]

        (action,) = w.adapter.recover()  # the platform accepts 2202 now
        assert (action.before, action.after) == (BatchState.UNWINDING, BatchState.UNSETTLED)
        assert _open_registrations(w) == []
        assert w.journal.unfinished_batches() == []
        assert w.journal.open_calls() == []


def test_a_lost_2202_answer_is_confirmed_by_asking_again_under_its_msgid() -> None:
    # The 2202 is committed but its answer lost: the batch stays in flight. ``recover`` asks
    # again under the same msgid and gets the platform's stored answer (PROTOCOL.md §6.2):
    # positive evidence that the registration is cancelled. A new 2202 would only be refused.
    with world() as w:
        w.mock.faults.add("2203", "error", message="就诊信息上传失败")
        w.mock.faults.add("2202", "drop_after_commit")
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert batch.status == "in_flight", batch.message
        assert _open_registrations(w) == []  # the dropped 2202 did cancel it
        (action,) = w.adapter.recover()
        assert action.after == BatchState.UNSETTLED, action.message
        calls = w.journal.calls(batch.journal_batch_id)
        (cancel,) = [c for c in calls if c.infno == "2202"]  # no second 2202 was needed
        assert cancel.status == CallStatus.OK
        assert w.journal.open_calls() == []


def test_a_lost_2204_answer_is_resolved_with_5204_and_the_batch_settles() -> None:
    with world() as w:
        w.mock.faults.add("2204", "drop_after_commit")  # committed on the platform, answer lost
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert batch.status == "settled", batch.message
        record = w.journal.batch(batch.journal_batch_id)
        calls = w.journal.calls(record.id)
        assert [c.infno for c in calls] == ["2201", "2203", "2204", "2207"]
        (upload,) = [c for c in calls if c.infno == "2204"]
        assert upload.status == CallStatus.OK
        assert upload.detail.resolved_by == "5204"
        assert w.journal.open_calls() == []
        # 24.00 settled once: the receipt and the platform's accumulators agree.
        assert batch.receipt is not None
        assert batch.medfee_sumamt == Decimal("24.00")
        assert [line.inscp_scp_amt for line in batch.receipt.lines] == [Decimal("24.00")]
        assert w.accumulators(P1_PSN, P1_PLACE)["C0000"] == 1


def test_a_2204_that_never_arrived_is_uploaded_again() -> None:
    with world() as w:
        w.mock.faults.add("2204", "fail_before_commit")  # dropped before processing: nothing there
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert batch.status == "settled", batch.message
        calls = w.journal.calls(batch.journal_batch_id)
        uploads = [c for c in calls if c.infno == "2204"]
        assert [c.status for c in uploads] == [CallStatus.RESOLVED, CallStatus.OK]
        assert w.journal.open_calls() == []
        assert w.accumulators(P1_PSN, P1_PLACE)["C0000"] == 1


def test_a_2204_unknown_while_the_platform_is_down_falls_back_with_no_call_left_unknown() -> None:
    with world() as w:
        # 2204 answer lost, then 5204 unanswerable: the platform is down → self-pay, unwound.
        w.mock.faults.add("2204", "drop_after_commit")
        w.mock.faults.add("5204", "bad_gateway", times=10)
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert batch.status == "self_pay", batch.message
        assert w.journal.open_calls() == []  # the 2205 that revoked the details resolved the 2204
        assert _open_registrations(w) == []


def test_a_refused_repeat_of_a_lost_2201_proves_nothing() -> None:
    # The 2201 is committed but its answer lost; 5201 cannot list a visit without 2203, so the
    # lost 2201 is asked again under its msgid — and that repeat is refused (系统繁忙). The
    # registration exists: the batch must stay in flight, not end "unsettled" with it open.
    # (Found by the generative fault test.)
    with world() as w:
        w.mock.faults.add("2201", "drop_after_commit")
        w.mock.faults.add("2201", "error", message="系统繁忙")
        (batch,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert batch.status == "in_flight", batch.message
        assert len(_open_registrations(w)) == 1
        (action,) = w.adapter.recover()  # asked again, answered with the stored registration
        assert action.after == BatchState.UNSETTLED, action.message
        assert _open_registrations(w) == []
        assert w.journal.open_calls() == []
