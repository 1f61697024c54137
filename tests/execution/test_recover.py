"""Kill the settlement between any two steps; ``recover`` then leaves no batch in flight.

A crash is simulated by a checkpoint raising a BaseException that no handler catches (as
a killed process would not run any). A fresh adapter on the same journal and platform then
recovers. Afterwards journal and platform agree: the batch is settled exactly once (crash
after the settlement reached the ledger) or nothing of it remains on the platform.

The settlement runs in a journal group, so a crash loses what was written since the last
commit (an intent or a settlement): at ``recorded 2207`` the 2207 outcome is lost with the
process and recovery must reverse (2601) a settlement that did happen, and at
``recorded 2201`` the registration's mdtrt_id is lost and recovery must find it (5201).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapter.execution import BatchState, SqliteJournal

from .helpers import world

P1_PSN, P1_CERT, P1_PLACE = "64010000000000000001", "640104196203152010", "640100"
STEPS = ("2201", "2203", "2204", "2207")
POINTS = [f"{moment} {infno}" for infno in STEPS for moment in ("before", "after", "recorded")]
POINTS.append("ledger 2207")


class SimulatedCrash(BaseException):
    """Not an Exception: nothing in the adapter may catch it, as nothing survives a kill."""


def crash_at(point: str) -> object:
    def checkpoint(name: str) -> None:
        if name == point:
            raise SimulatedCrash(name)

    return checkpoint


@pytest.mark.parametrize("point", POINTS)
def test_crash_anywhere_then_recover(point: str) -> None:
    journal = SqliteJournal(":memory:")
    with world(journal=journal, checkpoint=crash_at(point)) as crashed:  # type: ignore[arg-type]
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle("examples/visits/P1.json")
        (in_flight,) = journal.unfinished_batches()
        with world(journal=journal, mock=crashed.mock) as restarted:
            (action,) = restarted.adapter.recover()
            assert journal.unfinished_batches() == []
            assert journal.open_calls() == []
            settled = point == "ledger 2207"
            assert action.after == (BatchState.SETTLED if settled else BatchState.UNSETTLED)
            ledger = journal.settlements_in_scope(P1_PSN, "310", 2026)
            assert len(ledger) == (1 if settled else 0)
            # The platform agrees: one settlement in effect, or none and no visit at all.
            assert restarted.accumulators(P1_PSN, P1_PLACE).get("C0000", Decimal(0)) == len(ledger)
            assert len(restarted.visits(P1_PSN, P1_PLACE)) == len(ledger)
            expected_balance = Decimal("886.00") if settled else Decimal("1000.00")  # 114.00 from the account
            assert restarted.balance(P1_CERT) == expected_balance

            # The cashier settles the bill again: every batch ends settled exactly once.
            again = restarted.adapter.settle("examples/visits/P1.json")
            assert [b.status for b in again.batches] == ["settled"] * 3
            assert len(journal.settlements_in_scope(P1_PSN, "310", 2026)) == 3
            assert restarted.accumulators(P1_PSN, P1_PLACE)["C0000"] == 3
        assert in_flight.chrg_bchno == "MZ20261122001-1"


def test_crash_while_unwinding_is_finished_by_recover() -> None:
    # 2207 fails definitively (infcode -1), so the batch unwinds; the process dies after 2205.
    journal = SqliteJournal(":memory:")
    with world(journal=journal, checkpoint=crash_at("recorded 2205")) as crashed:  # type: ignore[arg-type]
        crashed.mock.faults.add("2207", "error", message="个人账户余额不足")
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle("examples/visits/P1.json")
        with world(journal=journal, mock=crashed.mock) as restarted:
            (action,) = restarted.adapter.recover()
            assert (action.before, action.after) == (BatchState.UNWINDING, BatchState.UNSETTLED)
            assert restarted.visits(P1_PSN, P1_PLACE) == []


def test_recover_with_nothing_in_flight_does_nothing() -> None:
    with world() as w:
        w.adapter.settle("examples/visits/P1.json")
        assert w.adapter.recover() == []


def test_recover_waits_when_the_platform_is_down() -> None:
    journal = SqliteJournal(":memory:")
    with world(journal=journal, checkpoint=crash_at("after 2207")) as crashed:  # type: ignore[arg-type]
        with pytest.raises(SimulatedCrash):
            crashed.adapter.settle("examples/visits/P1.json")
        crashed.mock.faults.add("2601", "bad_gateway", times=1)
        with world(journal=journal, mock=crashed.mock) as restarted:
            (action,) = restarted.adapter.recover()
            assert action.after == BatchState.SETTLING  # still in flight: nothing guessed
            assert "未完成" in action.message
            (retry,) = restarted.adapter.recover()  # the platform is back
            assert retry.after == BatchState.UNSETTLED
