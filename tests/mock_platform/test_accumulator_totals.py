"""The accumulators' running totals (schema migration 11) always equal the full sum of the ledger.

2206/2207 and 5206 read `accumulator_total` instead of summing every ledger entry of the person's year (issue
#18). These tests recompute every (psn_no, insutype, year, cum_type_code, cum_ym) sum from `accumulator_entry`
here, independently of the mock's code, after settlements, 2208 refunds, 2601 冲正 of a 2207 and of a 2208,
and the reconciliation faults (a settlement or refund made outside HIS, an amount altered after the fact, a
settlement rolled back by the platform after its answer),
and compare them with the table, digit for digit; the 5206 answers are checked against DOMAIN.md Example 2's
amounts worked by hand. A file written by migration 10 (ledger, no totals) is migrated forward.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_platform import MockPlatform
from mock_platform.backend.schema import SCHEMA_VERSION
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic, Line
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, Caller
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient

D = Decimal
Key = tuple[str, str, int, str, str]


def ledger_sums(connection: sqlite3.Connection) -> dict[Key, str]:
    """Σ of every ledger entry per (psn_no, insutype, year, cum_type_code, cum_ym), from 0.00, as text."""
    sums: dict[Key, Decimal] = {}
    for psn_no, insutype, year, code, cum_ym, amount in connection.execute(
        "SELECT psn_no, insutype, year, cum_type_code, cum_ym, amount FROM accumulator_entry"
    ):
        key = (psn_no, insutype, year, code, cum_ym)
        sums[key] = sums.get(key, D("0.00")) + D(amount)
    return {key: str(amount) for key, amount in sums.items()}


def stored_totals(connection: sqlite3.Connection) -> dict[Key, str]:
    rows = connection.execute(
        "SELECT psn_no, insutype, year, cum_type_code, cum_ym, amount FROM accumulator_total"
    )
    return {
        (psn_no, insutype, year, code, cum_ym): amount
        for psn_no, insutype, year, code, cum_ym, amount in rows
    }


def assert_consistent(platform: MockPlatform) -> dict[Key, str]:
    """The running totals equal the ledger's sums (white-box: the store's own connection, tests only)."""
    with platform._backend.store.joined() as connection:
        expected, stored = ledger_sums(connection), stored_totals(connection)
    assert stored == expected
    return stored


@pytest.fixture
def clinic(platform: MockPlatform, signed_in: Caller) -> Clinic:
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    return Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))


def nonzero(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {code: amount for code, amount in totals.items() if amount}


def reverse(clinic: Clinic, omsgid: str, oinfno: str) -> dict[str, object]:
    data = {"psn_no": clinic.patient.psn_no, "omsgid": omsgid, "oinfno": oinfno}
    return clinic.ok("2601", {"data": data})


def test_totals_follow_settlements_refunds_reversals_and_reconciliation_faults(
    clinic: Clinic, platform: MockPlatform
) -> None:
    # DOMAIN.md Example 2, one visit a month: A (deductible 485.00, fund 0.00), B (deductible 15.00, fund
    # 352.50), C (fund 363.75, account 200.00); each 670.00 of fees.
    a, b, c = (
        clinic.visit(EXAMPLE2_LINES, begntime=f"2026-{month}-10 09:00:00", acct=acct)["output"]["setlinfo"]
        for month, acct in (("03", "0"), ("04", "0"), ("05", "1"))
    )
    totals = assert_consistent(platform)
    scope = (clinic.patient.psn_no, "310", 2026)
    # Per month: March A's 485.00 deductible, April B's 15.00, May none (the 500.00 deductible is used up).
    assert (totals[(*scope, "Q0000", "202603")], totals[(*scope, "Q0000", "202604")]) == ("485.00", "15.00")
    assert (*scope, "Q0000", "202605") not in totals
    assert totals[(*scope, "C0000", "202605")] == "1.00"
    assert nonzero(clinic.cuminfo("202612")) == {
        "310/Q0000": D("500.00"),  # 485.00 + 15.00
        "310/S0000": D("2010.00"),  # 3 × 670.00
        "310/J0000": D("716.25"),  # 352.50 + 363.75
        "310/C0000": D("3.00"),
        "310/FM01600": D("716.25"),
    }
    # Through April only: A and B.
    assert clinic.cuminfo("202604")["310/J0000"] == D("352.50")

    # 2208 of C: its entries come back negated; May's totals go to 0.00 (kept, as the ledger's sums are).
    clinic.ok("2208", {"data": {"setl_id": c["setl_id"], "mdtrt_id": c["mdtrt_id"], "psn_no": c["psn_no"]}})
    totals = assert_consistent(platform)
    assert totals[(*scope, "J0000", "202605")] == "0.00"
    assert clinic.cuminfo("202612")["310/J0000"] == D("352.50")

    # 冲正 of a 2208 whose answer was lost: B is refunded, then reinstated; the totals are as before.
    platform.faults.add("2208", "timeout_after_commit")
    with pytest.raises(httpx.ReadTimeout):
        clinic.refund(b["setl_id"], b["mdtrt_id"])
    omsgid = clinic.caller.msgid(clinic.caller.serial)
    assert clinic.cuminfo("202612")["310/Q0000"] == D("485.00")  # B's 15.00 given back
    assert_consistent(platform)
    reverse(clinic, omsgid, "2208")
    assert assert_consistent(platform) == totals
    assert clinic.cuminfo("202612")["310/Q0000"] == D("500.00")

    # 冲正 of a 2207 whose answer was lost: D (June) commits, then is refunded by the 2601.
    mdtrt_id = clinic.open_visit(begntime="2026-06-10 09:00:00")
    clinic.upload(mdtrt_id, EXAMPLE2_LINES)
    platform.faults.add("2207", "drop_after_commit")
    with pytest.raises(httpx.RemoteProtocolError):
        clinic.settle(mdtrt_id)
    omsgid = clinic.caller.msgid(clinic.caller.serial)
    assert clinic.cuminfo("202612")["310/C0000"] == D("3.00")  # A, B and D
    assert_consistent(platform)
    reverse(clinic, omsgid, "2207")
    assert assert_consistent(platform)[(*scope, "C0000", "202606")] == "0.00"

    # Reconciliation faults: a settlement made outside HIS like B writes no ledger entries, and its refund
    # gives back none; an amount altered after the fact changes the settlement row only.
    statements = platform._backend.statements
    outside = statements.outside_settlement(b["setl_id"], now=NOW)
    statements.outside_refund(outside.setl_id, now=NOW)
    statements.alter(a["setl_id"], {"medfee_sumamt": "600.00"})
    assert_consistent(platform)
    assert nonzero(clinic.cuminfo("202612")) == {
        "310/Q0000": D("500.00"),
        "310/S0000": D("1340.00"),  # A and B
        "310/J0000": D("352.50"),
        "310/C0000": D("2.00"),
        "310/FM01600": D("352.50"),
    }
    # The platform rolls B back after answering it (a reconciliation fault): B gives back its entries.
    statements.roll_back(b["setl_id"])
    assert_consistent(platform)
    assert nonzero(clinic.cuminfo("202612")) == {
        "310/Q0000": D("485.00"),
        "310/S0000": D("670.00"),
        "310/C0000": D("1.00"),
    }


def test_a_migration_10_file_gets_its_totals_from_the_ledger(tmp_path: Path, clock: MutableClock) -> None:
    db = tmp_path / "mock.sqlite3"
    with MockPlatform(clock=clock, db_path=db) as first:
        first.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        with httpx.Client(transport=first.transport(), base_url="http://mock.local") as client:
            caller = Caller(client, clock=clock)
            caller.sign_in()
            clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
            for month in ("03", "04"):
                clinic.visit(EXAMPLE2_LINES, begntime=f"2026-{month}-10 09:00:00")
            before = clinic.cuminfo("202612")
    # What a file of migration 10 holds: the ledger, without the totals, the ID-number index or the versions.
    connection = sqlite3.connect(db)
    try:
        connection.execute("DROP TABLE accumulator_total")
        connection.execute("DROP INDEX person_certno_upper")
        triggers = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE '%_version' OR name LIKE '%_call_state' OR name LIKE '%_settlement_inputs')"
        ).fetchall()
        for (name,) in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("DROP TABLE person_version")
        connection.execute("DROP TABLE call_state")  # migration 12
        connection.execute("PRAGMA user_version = 10")
        connection.commit()
    finally:
        connection.close()
    with MockPlatform(clock=clock, db_path=db) as second:
        assert second._backend.store.schema_version() == SCHEMA_VERSION
        totals = assert_consistent(second)
        assert totals[(clinic.patient.psn_no, "310", 2026, "Q0000", "202604")] == "15.00"
        with httpx.Client(transport=second.transport(), base_url="http://mock.local") as client:
            caller = Caller(client, clock=clock)
            caller.sign_in()
            caller.serial = 500  # msgids of the first run are processed ones now
            clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
            assert clinic.cuminfo("202612") == before
            # 485.00 + 15.00 = 500.00 deductible, B's fund 352.50: a third visit starts from there.
            assert nonzero(before) == {
                "310/Q0000": D("500.00"),
                "310/S0000": D("1340.00"),
                "310/J0000": D("352.50"),
                "310/C0000": D("2.00"),
                "310/FM01600": D("352.50"),
            }
            third = clinic.visit(EXAMPLE2_LINES, begntime="2026-05-10 09:00:00")["output"]["setlinfo"]
            assert (third["act_pay_dedc"], third["hifp_pay"]) == (D("0.00"), D("363.75"))
        assert_consistent(second)


def test_1101_by_id_number_uses_the_index(platform: MockPlatform) -> None:
    with platform._backend.store.joined() as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT psn_no FROM person WHERE upper(certno) = ?", ("X",)
        ).fetchall()
    assert any("person_certno_upper" in str(row[-1]) for row in plan), plan


# --- property: any sequence of settlements, refunds and 冲正 keeps the totals equal to the ledger's sums ---

steps = st.lists(
    st.tuples(
        st.sampled_from(["settle", "settle_lost", "refund", "refund_lost", "reverse"]),
        st.integers(min_value=100, max_value=2500),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None)
@given(plan=steps)
def test_totals_equal_the_ledger_after_any_sequence(
    demo_config: MockConfig, plan: list[tuple[str, int]]
) -> None:
    """Every step, accepted or refused (a refund out of order, a 冲正 with newer settlements in effect)."""
    clock = lambda: NOW  # noqa: E731
    with (
        MockPlatform(clock=clock, config=demo_config) as platform,
        httpx.Client(transport=platform.transport(), base_url="http://mock.local") as client,
    ):
        platform.seed({"people": [YINCHUAN_EMPLOYEE]})
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        answered: list[dict[str, str]] = []  # settlements whose answers arrived, oldest first
        lost: list[tuple[str, str]] = []  # (omsgid, oinfno) of calls whose answers did not
        for step, price in plan:
            if step.startswith("settle"):
                mdtrt_id = clinic.open_visit()
                clinic.upload(mdtrt_id, [Line("Y001", f"{price}.00")])
                if step == "settle_lost":
                    platform.faults.add("2207", "drop_after_commit")
                    with pytest.raises(httpx.RemoteProtocolError):
                        clinic.settle(mdtrt_id, acct="1")
                    lost.append((caller.msgid(caller.serial), "2207"))
                else:
                    answered.append(clinic.settle(mdtrt_id, acct="1")["output"]["setlinfo"])
            elif step.startswith("refund") and answered:
                info = answered.pop()
                if step == "refund_lost":
                    platform.faults.add("2208", "timeout_after_commit")
                    with pytest.raises(httpx.ReadTimeout):
                        clinic.refund(info["setl_id"], info["mdtrt_id"])
                    lost.append((caller.msgid(caller.serial), "2208"))
                else:
                    clinic.refund(info["setl_id"], info["mdtrt_id"])
            elif step == "reverse" and lost:
                omsgid, oinfno = lost.pop()
                data = {"psn_no": clinic.patient.psn_no, "omsgid": omsgid, "oinfno": oinfno}
                clinic.call("2601", {"data": data})
            assert_consistent(platform)
