"""Refunds (退费重结): newest first, re-settling what follows, partial refunds, 隔笔退费.

DOMAIN.md §4.2 with Example 2's visits A, B, C (P1, Yinchuan employee, diabetes, no account used):
settled with fund 0.00 / 352.50 / 363.75. Refunding A alone would leave the fund overpaying 363.75;
the chain refunds C, B, A, then settles B and C again: B now meets the deductible (485.00 of 500,
fund 0.00), C takes the last 15.00 (fund (485 − 15) × 0.75 = 352.50).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapter import BusinessRuleError
from adapter.execution import CallStatus, ChainStatus
from adapter.transactions import t2208

from .helpers import EXAMPLE2_ITEMS, EXAMPLE2_SEED, World, bill, example_tables, world

P1_PSN, P1_CERT, P1_PLACE = "64010000000000000001", "640104196203152010", "640100"
MONTHS = {"A": 3, "B": 4, "C": 5}


def _settle_abc(w: World) -> dict[str, str]:
    setl_ids = {}
    for key, month in MONTHS.items():
        result = w.adapter.settle(bill(f"MZ-{key}", EXAMPLE2_ITEMS, when=f"2026-0{month}-10 09:30:00"))
        (batch,) = result.batches
        assert batch.receipt is not None
        setl_ids[key] = batch.receipt.setl_id
    return setl_ids


def _accumulators(w: World) -> dict[str, Decimal]:
    return {
        k: v
        for k, v in w.accumulators(P1_PSN, P1_PLACE).items()
        if k in {"Q0000", "S0000", "J0000", "C0000", "FM01600"}
    }


def test_refunding_a_reverses_c_b_a_and_resettles_b_and_c(tmp_path: Path) -> None:
    tables = example_tables(tmp_path)
    with world(tables=tables, seed=EXAMPLE2_SEED) as w:
        ids = _settle_abc(w)
        plan = w.adapter.plan_refund(ids["A"])
        assert [(s.action, s.setl_id) for s in plan.steps] == [
            ("refund", ids["C"]),
            ("refund", ids["B"]),
            ("refund", ids["A"]),
            ("resettle", ids["B"]),
            ("resettle", ids["C"]),
        ]
        assert plan.chain_length == 2
        assert [s.release for s in plan.steps[:3]] == [False, False, True]

        result = w.adapter.refund(ids["A"])
        assert result.status == ChainStatus.DONE, result.message
        changes = {change.setl_id: change for change in result.changes}
        a, b, c = changes[ids["A"]], changes[ids["B"]], changes[ids["C"]]
        assert (a.new_setl_id, a.pay_back, a.collect) == ("", Decimal("670.00"), Decimal("0.00"))
        assert (b.old_fund, b.new_fund, b.collect) == (Decimal("352.50"), Decimal("0.00"), Decimal("352.50"))
        assert (c.old_fund, c.new_fund, c.collect) == (Decimal("363.75"), Decimal("352.50"), Decimal("11.25"))
        assert (b.old_cash, b.new_cash, c.old_cash, c.new_cash) == (
            Decimal("317.50"),
            Decimal("670.00"),
            Decimal("306.25"),
            Decimal("317.50"),
        )
        assert (result.total_collect, result.total_pay_back) == (Decimal("363.75"), Decimal("670.00"))
        after_refund = _accumulators(w)
        # The adapter never sent an out-of-order 2208: every one it sent was accepted.
        for record in w.journal.batches_of_visit("H42010200001:MZ-C"):
            assert all(
                call.status == CallStatus.OK for call in w.journal.calls(record.id) if call.infno == "2208"
            )

    # The platform's accumulators equal those of a year in which only B and C happened.
    with world(tables=example_tables(tmp_path / "fresh"), seed=EXAMPLE2_SEED) as fresh:
        for key in ("B", "C"):
            fresh.adapter.settle(bill(f"MZ-{key}", EXAMPLE2_ITEMS, when=f"2026-0{MONTHS[key]}-10 09:30:00"))
        assert _accumulators(fresh) == after_refund
    # Deductible 500.00 (485.00 + 15.00), fund 352.50, two settlements, fees 1340.00.
    assert after_refund == {
        "Q0000": Decimal("500.00"),
        "S0000": Decimal("1340.00"),
        "J0000": Decimal("352.50"),
        "C0000": Decimal("2"),
        "FM01600": Decimal("352.50"),
    }


def test_refunding_the_newest_needs_no_chain(tmp_path: Path) -> None:
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        ids = _settle_abc(w)
        result = w.adapter.refund(ids["C"])
        assert [(s.action, s.setl_id) for s in result.plan.steps] == [("refund", ids["C"])]
        assert result.plan.chain_length == 0
        (change,) = result.changes
        assert change.pay_back == Decimal("306.25")
        assert _accumulators(w)["J0000"] == Decimal("352.50")  # B's fund only


def test_the_platform_refuses_an_out_of_order_2208(tmp_path: Path) -> None:
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        ids = _settle_abc(w)
        a = w.journal.settlement(ids["A"])
        assert a is not None
        payload = t2208.Input(
            data=t2208.SettlementCancel(setl_id=ids["A"], mdtrt_id=a.mdtrt_id, psn_no=P1_PSN)
        )
        with pytest.raises(BusinessRuleError) as caught:
            w.client.call(t2208.TRANSACTION, payload, insuplc_admdvs=P1_PLACE)
        assert "倒序" in caught.value.err_msg
        assert ids["C"] in caught.value.err_msg
        assert ids["B"] in caught.value.err_msg


def test_partial_refund_resettles_the_kept_lines_and_everything_after() -> None:
    # P1's bill: M01600 (Y001 24.00, Y002 45.00, S002 45.00), M03900 (84.00), ordinary (32.20), all
    # from the account (balance 1000.00 → 769.80). Refund Y002 (feedetl_sn 2) alone: the chain
    # refunds ordinary, M03900, M01600, then settles M01600's kept lines (69.00), M03900 and the
    # ordinary batch again. Balance after: 1000.00 − 69.00 − 84.00 − 32.20 = 814.80.
    with world() as w:
        first = w.adapter.settle("examples/visits/P1.json")
        diabetes = first.batches[0].receipt
        assert diabetes is not None
        result = w.adapter.refund(diabetes.setl_id, lines=["2"])
        assert result.status == ChainStatus.DONE, result.message
        assert [s.action for s in result.plan.steps] == [
            "refund",
            "refund",
            "refund",
            "resettle",
            "resettle",
            "resettle",
        ]
        assert result.plan.steps[3].lines == ("1", "3")
        assert w.balance(P1_CERT) == Decimal("814.80")
        active = [s for s in w.journal.settlements_in_scope(P1_PSN, "310", 2026) if s.active]
        assert [s.medfee_sumamt for s in active] == [Decimal("69.00"), Decimal("84.00"), Decimal("32.20")]
        assert all(change.collect == change.pay_back == 0 for change in result.changes)  # the account pays


def test_unknown_lines_and_refunded_settlements_are_input_errors() -> None:
    from adapter import InputError

    with world() as w:
        first = w.adapter.settle("examples/visits/P1.json")
        setl_id = first.batches[2].receipt.setl_id  # type: ignore[union-attr]
        with pytest.raises(InputError, match="feedetl_sn 9 not in this settlement"):
            w.adapter.plan_refund(setl_id, lines=["9"])
        w.adapter.refund(setl_id)
        with pytest.raises(InputError, match="already refunded"):
            w.adapter.plan_refund(setl_id)
        with pytest.raises(InputError, match="not in the journal"):
            w.adapter.plan_refund("S-NOPE")


def test_other_scopes_are_untouched(tmp_path: Path) -> None:
    # A settlement in 2025 belongs to another accumulator year: refunding 2026's A ignores it.
    with world(tables=example_tables(tmp_path), seed=EXAMPLE2_SEED) as w:
        w.adapter.settle(bill("MZ-2025", EXAMPLE2_ITEMS, when="2025-06-10 09:30:00"))
        ids = _settle_abc(w)
        plan = w.adapter.plan_refund(ids["A"])
        assert {s.setl_id for s in plan.steps} == set(ids.values())
