"""Property: for any bill, every item lands in exactly one place and all amounts reconcile."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.planning import plan_visit

from .helpers import P1, P4_LIKE, P6, P8, PLANNED_AT, hospital, item, judge, visit

CODES = [
    "Y001",
    "Y002",
    "Y003",
    "Y004",
    "Y005",
    "Y006",
    "Y007",
    "Y009",
    "Y010",
    "Y011",
    "Y012",
    "S001",
    "S002",
    "S003",
    "C001",
    "L999",
]
DIAGNOSES = [
    ("E11.900", "2型糖尿病"),
    ("I10.x09", "原发性高血压"),
    ("J06.900", "急性上呼吸道感染"),
    ("N18.902", "慢性肾衰竭"),
]

lines = st.lists(
    st.tuples(
        st.sampled_from(CODES),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=4),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("999.99"), places=6),
        st.sampled_from(["", "E11.900", "I10.x09", "J06.900", "N18.902"]),
        st.sampled_from(["0", "1", "2"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(
    lines=lines,
    person=st.sampled_from([P1, P4_LIKE, P6, P8]),
    at=st.sampled_from(["H42010200001", "H15010200002"]),
)
def test_every_item_in_exactly_one_place_and_amounts_reconcile(
    lines: list[tuple[str, Decimal, Decimal, str, str]], person: object, at: str
) -> None:
    items = [
        item(str(n), code, str(cnt), str(pric), diag, appr)
        for n, (code, cnt, pric, diag, appr) in enumerate(lines, 1)
    ]
    plan = plan_visit(visit(items, DIAGNOSES), judge(person, at=at), hospital=hospital(at), now=PLANNED_AT)  # type: ignore[arg-type]

    placed = [line.feedetl_sn for batch in plan.batches for line in batch.lines]
    placed += [line.feedetl_sn for line in plan.self_pay.lines]
    assert sorted(placed, key=int) == [str(n) for n in range(1, len(items) + 1)]

    expected_bill = sum(
        ((pric * cnt).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for _, cnt, pric, _, _ in lines),
        Decimal(0),
    )
    assert plan.bill_total == expected_bill
    for batch in plan.batches:
        t = batch.totals
        assert t.medfee_sumamt == sum((line.det_item_fee_sumamt for line in batch.lines), Decimal(0))
        assert t.medfee_sumamt == t.fulamt_ownpay_amt + t.overlmt_selfpay + t.preselfpay_amt + t.inscp_scp_amt
        assert all(line.med_list_codg for line in batch.lines)  # nothing 未贯标 is uploaded
        if batch.med_type == "14":
            assert batch.dise_codg in {f.opsp_dise_code for f in plan.eligibility.settleable_filings}
    assert len({batch.chrg_bchno for batch in plan.batches}) == len(plan.batches)
    if not plan.eligibility.insurance_active:
        assert plan.batches == ()
