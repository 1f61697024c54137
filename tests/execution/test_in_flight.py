"""Nothing new for a person while one of their batches is in flight (found by the generative fault test).

The platform refunds and reverses one person's settlements newest first. A crash after a 2207
reached the platform leaves that batch in flight; if another bill of the same person were
settled before ``recover``, the 冲正 of the first would be refused (a later settlement is in
effect) and the first settlement could never be finished: journal and platform would disagree
for good. So settling or refunding for that person is refused until ``recover`` has run.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter import InFlightError
from adapter.execution import BatchState, SqliteJournal

from .helpers import bill, world
from .test_recover import SimulatedCrash, crash_at

P1_PSN, P1_PLACE = "64010000000000000001", "640100"
ONE_LINE = [("Y001", "0.40", "60")]  # 0.40 × 60 = 24.00, one M01600 batch


def test_a_second_bill_waits_for_recover_after_a_crash_after_2207() -> None:
    journal = SqliteJournal(":memory:")
    with world(journal=journal, checkpoint=crash_at("after 2207")) as crashed:  # type: ignore[arg-type]
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle(bill("MZ1", ONE_LINE))
        with world(journal=journal, mock=crashed.mock) as restarted:
            with pytest.raises(InFlightError, match=r"MZ1-1.*opsp recover"):
                restarted.adapter.settle(bill("MZ2", ONE_LINE))
            assert journal.batches_of_visit("H42010200001:MZ2") == []  # nothing was sent for MZ2
            (action,) = restarted.adapter.recover()
            assert action.after == BatchState.UNSETTLED  # reversed (2601): nothing later blocked it
            (batch,) = restarted.adapter.settle(bill("MZ2", ONE_LINE)).batches
            assert batch.status == "settled"
            ledger = [s for s in journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active]
            assert [s.chrg_bchno for s in ledger] == ["MZ2-1"]
            assert restarted.accumulators(P1_PSN, P1_PLACE)["C0000"] == 1
            assert restarted.accumulators(P1_PSN, P1_PLACE)["S0000"] == Decimal("24.00")


def test_a_refund_waits_for_recover_while_a_batch_is_in_flight() -> None:
    journal = SqliteJournal(":memory:")
    with world(journal=journal) as w:
        (settled,) = w.adapter.settle(bill("MZ1", ONE_LINE)).batches
        assert settled.receipt is not None
        setl_id = settled.receipt.setl_id
        crash = crash_at("after 2207")
        with world(journal=journal, mock=w.mock, checkpoint=crash) as crashed, pytest.raises(SimulatedCrash):  # type: ignore[arg-type]
            crashed.adapter.settle(bill("MZ2", ONE_LINE))
        with world(journal=journal, mock=w.mock) as restarted:
            with pytest.raises(InFlightError, match="MZ2-1"):
                restarted.adapter.refund(setl_id)
            restarted.adapter.recover()
            assert restarted.adapter.refund(setl_id).status == "done"
            assert [s for s in journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active] == []
            assert restarted.accumulators(P1_PSN, P1_PLACE).get("C0000", Decimal(0)) == 0


def test_the_cli_says_run_recover_with_exit_3() -> None:
    from adapter.cli._failure import EXIT_ATTENTION, failure_of

    failure = failure_of(InFlightError("该患者有未完成的结算或退费（MZ1-1）：请先运行 opsp recover"))
    assert (failure.code, failure.exit_code) == ("in_flight", EXIT_ATTENTION)
    assert "opsp recover" in failure.action


def test_the_same_bill_again_after_a_crash_is_in_flight_not_a_settings_error() -> None:
    # Resending the crashed bill itself is the cashier's first reflex; it must read as "recover
    # first" (exit 3 / 409 recovery_needed), never as 设置或数据文件有误 (a ConfigurationError once).
    journal = SqliteJournal(":memory:")
    with world(journal=journal, checkpoint=crash_at("after 2207")) as crashed:  # type: ignore[arg-type]
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle(bill("MZ1", ONE_LINE))
        restarted = world(journal=journal, mock=crashed.mock)
        with restarted as w, pytest.raises(InFlightError, match="MZ1-1"):
            w.adapter.settle(bill("MZ1", ONE_LINE))
