"""Every fault kind on 2208, inside a refund chain: the chain ends done (at once, or after recover)
with DOMAIN.md §4.2's end state, and no settlement is refunded or settled twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.execution import ChainStatus

from .helpers import EXAMPLE2_SEED, example_tables, world
from .test_refund import P1_PSN, _accumulators, _settle_abc
from .test_refund_recovery import EXPECTED


@pytest.mark.parametrize(
    "kind",
    [
        "drop_after_commit",
        "timeout_after_commit",
        "fail_before_commit",
        "bad_gateway",
        "maintenance",
        "error",
        "gateway_auth",
        "delay",
    ],
)
def test_fault_on_2208_then_the_chain_completes(tmp_path: Path, kind: str) -> None:
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        ids = _settle_abc(w)
        w.mock.faults.add(
            "2208", kind, message="医保平台暂时无法撤销" if kind == "error" else None, seconds=1
        )
        result = w.adapter.refund(ids["A"])
        if kind in ("error", "gateway_auth"):
            # A definite refusal stops the chain before anything changed; the cashier retries.
            assert result.status == ChainStatus.STOPPED
            assert result.steps_done == 0
            result = w.adapter.refund(ids["A"])
        elif result.status != ChainStatus.DONE:
            w.adapter.recover()
            result = (
                w.adapter.refund(ids["A"])
                if w.journal.chain(result.chain_id).status != ChainStatus.DONE
                else result
            )
        assert w.journal.unfinished_chains() == []
        assert w.journal.unfinished_batches() == []
        assert _accumulators(w) == EXPECTED
        active = [s for s in w.journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active]
        assert len(active) == 2
        refunded = [s for s in w.journal.settlements_in_scope(P1_PSN, "310", 2026) if not s.active]
        assert len({s.refund_setl_id for s in refunded}) == len(refunded)  # each refunded once
