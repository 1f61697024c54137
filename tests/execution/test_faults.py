"""Every fault kind on 2207: the platform and the journal agree afterwards, and nothing settles twice.

After each fault the batch is either settled once (a delay) or unsettled with nothing left on the
platform — no visit (5201), no accumulators (5206), the account untouched (1101) — and settling the
bill again then settles it exactly once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.execution import BatchState, CallStatus

from .helpers import World, world

P1_PSN, P1_CERT, P1_PLACE = "64010000000000000001", "640104196203152010", "640100"
# P1's bill, diabetes part only: Y001 24.00 + Y002 45.00 + S002 45.00 = 114.00, paid from the account.
DIABETES = "examples/visits/P1.json"


def _platform_untouched(w: World) -> None:
    assert w.visits(P1_PSN, P1_PLACE) == []
    assert w.visits(P1_PSN, P1_PLACE, med_type="11") == []
    assert w.accumulators(P1_PSN, P1_PLACE).get("C0000", Decimal(0)) == 0
    assert w.balance(P1_CERT) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("kind", "reversed_with_2601"),
    [
        ("drop_after_commit", True),  # committed, answer lost → 冲正 reverses it
        ("timeout_after_commit", True),
        ("fail_before_commit", True),  # connection dropped before processing → 冲正 finds nothing
        ("bad_gateway", True),  # HTTP 502, not an envelope → unknown → 冲正
        ("maintenance", True),  # 停机 answer → treated as unknown (PROTOCOL.md §6.8)
        ("error", False),  # infcode -1: a definite refusal, nothing committed
        ("gateway_auth", False),  # the gateway refused: nothing reached the platform
    ],
)
def test_fault_on_2207_leaves_platform_and_journal_consistent(kind: str, reversed_with_2601: bool) -> None:
    with world() as w:
        w.mock.faults.add("2207", kind, message="个人账户余额不足" if kind == "error" else None)
        result = w.adapter.settle(DIABETES)
        first = result.batches[0]
        assert first.status == "unsettled", first.message
        record = w.journal.batch(first.journal_batch_id)
        assert record.state == BatchState.UNSETTLED
        calls = w.journal.calls(record.id)
        infnos = [call.infno for call in calls]
        assert ("2601" in infnos) is reversed_with_2601
        assert infnos[-2:] == ["2205", "2202"]  # unwound: details revoked, registration cancelled
        assert all(call.status in (CallStatus.OK, CallStatus.RESOLVED, CallStatus.FAILED) for call in calls)
        assert w.journal.open_calls() == []
        # The other batches (M03900, ordinary) settled; undo them to check the platform is clean.
        assert [b.status for b in result.batches[1:]] == ["settled", "settled"]
        assert w.journal.settlement(result.batches[0].chrg_bchno) is None

        again = w.adapter.settle(DIABETES)
        assert [b.status for b in again.batches] == ["settled", "settled", "settled"]
        assert again.batches[0].chrg_bchno == "MZ20261122001-1R1"  # a new attempt, new chrg_bchno
        ledger = w.journal.settlements_in_scope(P1_PSN, "310", 2026)
        assert len(ledger) == 3  # one settlement per batch, none twice
        assert w.accumulators(P1_PSN, P1_PLACE)["C0000"] == 3  # the platform counts three as well


def test_a_delay_within_the_timeout_settles_normally() -> None:
    with world() as w:
        w.mock.faults.add("2207", "delay", seconds=1)
        result = w.adapter.settle(DIABETES)
        assert [b.status for b in result.batches] == ["settled", "settled", "settled"]


def test_platform_down_falls_back_to_self_pay_with_an_outbox_entry() -> None:
    # 2204 answers 502: an ambiguous end of a state-changing call; and 5204, which would tell
    # whether the details arrived, answers 502 on every attempt too: the platform is down. The
    # batch is unwound (2205/2202 still work) and collected as self-pay; its details go to the
    # outbox. (With 5204 answering, the batch goes on: tests/execution/test_unwind_evidence.py.)
    with world() as w:
        w.mock.faults.add("2204", "bad_gateway", times=1)
        w.mock.faults.add("5204", "bad_gateway", times=10)
        result = w.adapter.settle(DIABETES)
        first = result.batches[0]
        assert first.status == "self_pay", first.message
        assert first.cash_to_collect == Decimal("114.00")
        assert w.journal.batch(first.journal_batch_id).state == BatchState.SELF_PAY
        (entry,) = w.adapter.outbox()
        assert entry.id == first.outbox_id
        assert [line.feedetl_sn for line in entry.payload.feedetail] == ["1", "2", "3"]
        assert w.visits(P1_PSN, P1_PLACE) != []  # the other chronic batch (M03900) did settle
        assert len(w.journal.settlements_in_scope(P1_PSN, "310", 2026)) == 2


def test_unknown_registration_is_found_with_5201_and_cancelled() -> None:
    with world() as w:
        w.mock.faults.add("2201", "drop_after_commit")
        result = w.adapter.settle(DIABETES)
        first = result.batches[0]
        assert first.status == "self_pay"
        infnos = [call.infno for call in w.journal.calls(first.journal_batch_id)]
        assert infnos == ["2201", "2202"]  # the lost registration was found (5201 is a query) and cancelled
        assert w.journal.open_calls() == []


def test_reversal_disabled_flags_the_batch_for_reconciliation() -> None:
    from adapter.execution import ExecutionPolicy

    with world(policy=ExecutionPolicy(use_reversal=False)) as w:
        w.mock.faults.add("2207", "drop_after_commit")
        result = w.adapter.settle(DIABETES)
        assert result.batches[0].status == "flagged"
        assert "3202" in result.batches[0].message


def test_resettle_after_reversal_when_configured() -> None:
    from adapter.execution import ExecutionPolicy

    with world(policy=ExecutionPolicy(resettle_after_reversal=True)) as w:
        w.mock.faults.add("2207", "drop_after_commit")
        result = w.adapter.settle(DIABETES)
        assert [b.status for b in result.batches] == ["settled", "settled", "settled"]
        assert result.batches[0].chrg_bchno == "MZ20261122001-1R1"
        assert len(w.journal.settlements_in_scope(P1_PSN, "310", 2026)) == 3
