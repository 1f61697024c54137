"""``dry-run`` pre-settles every batch and then leaves the platform exactly as it found it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapter import decode

from .helpers import World, world

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "visits").glob("P*.json"))


def _observable(w: World, psn_no: str, place: str, certno: str) -> tuple[object, ...]:
    """What the platform shows about a person: visits (14 and 11), accumulators, account balance."""
    return (
        w.visits(psn_no, place, "14"),
        w.visits(psn_no, place, "11"),
        w.accumulators(psn_no, place),
        w.balance(certno),
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_dry_run_leaves_the_platform_as_found(example: Path) -> None:
    with world() as w:
        planned = w.adapter.plan(example)
        eligibility = planned.plan.eligibility
        who = (eligibility.psn_no, eligibility.insured_admdvs, planned.record.person.certno)
        before = _observable(w, *who)
        result = w.adapter.dry_run(planned)
        assert _observable(w, *who) == before
        assert w.journal.unfinished_batches() == []
        assert {b.status for b in result.batches} <= {"predicted"}
        for batch in result.batches:
            assert batch.prediction is not None
            p = batch.prediction
            assert p.medfee_sumamt == p.fund_pay_sumamt + p.acct_pay + p.psn_cash_pay


def test_dry_run_predicts_what_settling_then_does() -> None:
    # P3: M00500 batch 995.00 and an ordinary batch 31.00; the employee account holds 500.00.
    # Each 2206 sees today's state, so the first batch is predicted exactly; the second is
    # predicted with the whole balance still there (account 31.00), but settles after the first
    # emptied it (cash 31.00). The personal share of each batch does not move.
    with world() as w:
        predicted = w.adapter.dry_run("examples/visits/P3.json")
        settled = w.adapter.settle("examples/visits/P3.json")
    first_predicted, second_predicted = (b.prediction for b in predicted.batches)
    first_settled, second_settled = (b.receipt.amounts for b in settled.batches if b.receipt)
    assert first_predicted == first_settled
    assert second_predicted is not None
    assert (second_predicted.acct_pay, second_settled.acct_pay) == (Decimal("31.00"), Decimal("0.00"))
    assert second_predicted.psn_part_amt == second_settled.psn_part_amt == Decimal("31.00")
    assert settled.cash_to_collect == Decimal("526.00")  # 995.00 − 500.00 from the account + 31.00


def test_dry_run_json_has_amounts_as_numbers() -> None:
    from adapter._codec import encode

    with world() as w:
        document = decode(encode(w.adapter.dry_run("examples/visits/P1.json").model_dump(mode="python")))
    assert document["batches"][0]["prediction"]["acct_pay"] == Decimal("114.00")
    assert document["dry_run"] is True
