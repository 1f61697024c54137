"""Property (issue: refunds): any sequence of settlements and refunds leaves every accumulator equal
to what settling only the surviving visits, in their original order, would produce.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.execution import BatchState

from .helpers import EXAMPLE2_ITEMS, EXAMPLE2_SEED, World, bill, example_tables, world
from .test_refund import P1_PLACE, P1_PSN

# Bills of different sizes so that order matters: the deductible (500) and the diabetes cap
# (3500 for 职工) are reached at different visits depending on which survive.
BILLS: list[list[tuple[str, ...]]] = [
    EXAMPLE2_ITEMS,
    [("Y003", "200.00", "5")],
    [("Y002", "300.00", "3")],
    [("Y001", "0.40", "100")],
]
KEYS = ("Q0000", "S0000", "J0000", "C0000", "FM01600")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("settle"), st.integers(0, len(BILLS) - 1)),
        st.tuples(st.just("refund"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=7,
)


def _visit(number: int, kind: int) -> dict[str, object]:
    return bill(f"MZ-{number:02d}", BILLS[kind], when=f"2026-03-{number + 1:02d} 09:30:00")


def _active_setl_id(w: World, number: int) -> str:
    records = [
        r
        for r in w.journal.batches_of_visit(f"H42010200001:MZ-{number:02d}")
        if r.state == BatchState.SETTLED
    ]
    return records[-1].setl_id


def _accumulators(w: World) -> dict[str, Decimal]:
    values = w.accumulators(P1_PSN, P1_PLACE)
    return {key: values.get(key, Decimal(0)) for key in KEYS}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_accumulators_equal_settling_only_the_survivors(tmp_path: Path, ops: list[tuple[str, int]]) -> None:
    tables = example_tables(tmp_path / "tables")
    survivors: list[tuple[int, int]] = []
    with world(tables=tables, seed=EXAMPLE2_SEED) as w:
        for number, (operation, value) in enumerate(ops):
            if operation == "settle":
                w.adapter.settle(_visit(number, value))
                survivors.append((number, value))
            elif survivors:
                victim = survivors[value % len(survivors)]
                result = w.adapter.refund(_active_setl_id(w, victim[0]))
                assert result.status.value == "done", result.message
                survivors.remove(victim)
        observed = _accumulators(w)
    with world(tables=tables, seed=EXAMPLE2_SEED) as fresh:
        for number, kind in survivors:
            fresh.adapter.settle(_visit(number, kind))
        assert _accumulators(fresh) == observed
