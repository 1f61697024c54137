"""Refunding a settlement that a refund chain made (found by the generative fault test).

隔笔退费 re-settles the later batches as new attempts (chrg_bchno ``…-2R1``) on their original
platform visits, registered under the first attempt's visit number (``…-2``). A full refund of
such a re-settlement releases the visit with 2202, whose ``ipt_otp_no`` must be the number the
visit was registered with: sending the attempt's own chrg_bchno was refused
(交易输入[data.ipt_otp_no]与就诊[…]的门诊号不一致), the chain stopped half-way and the later
batch's registration stayed open with nothing settled on it.
"""

from __future__ import annotations

from decimal import Decimal

from .helpers import World, world

P1_PSN, P1_PLACE = "64010000000000000001", "640100"
EXAMPLE = "examples/visits/P1.json"


def _active(w: World) -> list[tuple[str, str]]:
    return [
        (s.chrg_bchno, s.setl_id) for s in w.journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active
    ]


def test_a_re_settled_batch_can_be_refunded_in_full() -> None:
    with world() as w:
        w.adapter.settle(EXAMPLE)
        first = dict(_active(w))["MZ20261122001-1"]
        assert w.adapter.refund(first).status == "done"  # refunds -3, -2, -1; re-settles -2, -3
        active = dict(_active(w))
        assert sorted(active) == ["MZ20261122001-2R1", "MZ20261122001-3R1"]

        result = w.adapter.refund(active["MZ20261122001-2R1"])  # refunds -3R1, -2R1; re-settles -3
        assert result.status == "done", result.message
        assert [chrg for chrg, _ in _active(w)] == ["MZ20261122001-3R2"]
        # The platform agrees: one settlement in effect, one visit open (batch 3's), all else released.
        assert w.accumulators(P1_PSN, P1_PLACE)["C0000"] == Decimal(1)
        assert len(w.visits(P1_PSN, P1_PLACE, med_type="14")) + len(w.visits(P1_PSN, P1_PLACE, "11")) == 1


def test_a_refused_2202_keeps_the_refund_chain_in_progress_for_recover() -> None:
    # The target's 2208 and 2205 went through; releasing its visit (2202) is refused once. The
    # chain used to stop there, with batches 2 and 3 refunded and never settled again: their
    # registrations open with nothing on them. Now the step stays in progress and recover
    # finishes it. (Found by the generative fault test.)
    with world() as w:
        w.adapter.settle(EXAMPLE)
        first = dict(_active(w))["MZ20261122001-1"]
        w.mock.faults.add("2202", "error", message="系统繁忙")
        result = w.adapter.refund(first)
        assert result.status == "in_progress", result.message
        (action,) = w.adapter.recover()
        assert action.message == "退费完成", action.message
        assert sorted(chrg for chrg, _ in _active(w)) == ["MZ20261122001-2R1", "MZ20261122001-3R1"]
        assert w.accumulators(P1_PSN, P1_PLACE)["C0000"] == Decimal(2)
        # Batch 1's visit is released; batches 2 and 3 keep theirs, each with a settlement on it.
        assert len(w.visits(P1_PSN, P1_PLACE, med_type="14")) + len(w.visits(P1_PSN, P1_PLACE, "11")) == 2
