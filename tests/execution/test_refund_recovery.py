"""Kill a refund chain between any two steps; ``recover`` completes it, with the same end state.

The end state is DOMAIN.md §4.2's: after refunding A of A, B, C, the platform's accumulators are
those of a year with only B and C (deductible 500.00, fund 352.50, two settlements in effect).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapter.execution import ChainStatus, SqliteJournal

from .helpers import EXAMPLE2_ITEMS, EXAMPLE2_SEED, bill, example_tables, world
from .test_recover import SimulatedCrash
from .test_refund import P1_PLACE, P1_PSN, _accumulators, _settle_abc

EXPECTED = {
    "Q0000": Decimal("500.00"),
    "S0000": Decimal("1340.00"),
    "J0000": Decimal("352.50"),
    "C0000": Decimal("2"),
    "FM01600": Decimal("352.50"),
}
# The chain's state-changing calls, in order: 2208 ×3 (C, B, A) each followed by 2205 (and 2202 for
# A, released), then 2204, 2207 for B and for C (2206 is a query: no checkpoint).
CRASH_POINTS = [
    (f"{moment} {infno}", nth)
    for infno, count in (("2208", 3), ("2205", 3), ("2202", 1), ("2204", 2), ("2207", 2))
    for nth in range(1, count + 1)
    for moment in ("before", "after", "recorded")
]


def _crash_on(point: str, nth: int) -> object:
    seen = [0]

    def checkpoint(name: str) -> None:
        if name == point:
            seen[0] += 1
            if seen[0] == nth:
                raise SimulatedCrash(f"{name} #{nth}")

    return checkpoint


@pytest.mark.parametrize(
    ("point", "nth"), CRASH_POINTS, ids=[f"{p.replace(' ', '-')}#{n}" for p, n in CRASH_POINTS]
)
def test_crash_inside_the_chain_then_recover_completes_it(tmp_path: Path, point: str, nth: int) -> None:
    journal = SqliteJournal(":memory:")
    tables = example_tables(tmp_path)
    arm = [False]
    inner = _crash_on(point, nth)

    def checkpoint(name: str) -> None:
        if arm[0]:
            inner(name)  # type: ignore[operator]

    with world(tables=tables, seed=EXAMPLE2_SEED, journal=journal, checkpoint=checkpoint) as crashed:
        ids = _settle_abc(crashed)
        arm[0] = True
        with pytest.raises(SimulatedCrash):
            crashed.adapter.refund(ids["A"])
        with world(tables=tables, journal=journal, mock=crashed.mock) as restarted:
            restarted.adapter.recover()
            assert journal.unfinished_chains() == []
            assert journal.unfinished_batches() == []
            assert journal.open_calls() == []
            (chain,) = [journal.chain(1)]
            assert chain.status == ChainStatus.DONE
            assert _accumulators(restarted) == EXPECTED
            active = [s for s in journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active]
            assert [s.fund_pay_sumamt for s in active] == [Decimal("0.00"), Decimal("352.50")]
            assert len(restarted.visits(P1_PSN, P1_PLACE)) == 2  # A's visit was released


def test_chain_stopped_by_a_refusal_is_not_retried_by_recover(tmp_path: Path) -> None:
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        ids = _settle_abc(w)
        w.mock.faults.add("2207", "error", message="医保平台拒绝重新结算", times=1)
        result = w.adapter.refund(ids["A"])
        assert result.status == ChainStatus.STOPPED
        assert "医保平台拒绝重新结算" in result.message
        assert w.adapter.recover() == []  # nothing in progress: a person decides
        assert w.journal.unfinished_batches() == []  # the refused attempt was abandoned cleanly
        w.adapter.settle(
            bill("MZ-extra", EXAMPLE2_ITEMS, when="2026-06-10 09:30:00")
        )  # the platform is usable
