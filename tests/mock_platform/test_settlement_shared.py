"""2206 and its 2207 share one computation (issue #18), and can never diverge because of it.

A 2207 that follows its 2206 with nothing changed takes the settlement 2206 computed
(`settling.ComputedMemo`). Each scenario below runs twice on fresh platforms with the same clock: once as
shipped, once with a memo that keeps nothing (every 2207 computes afresh, the code before issue #18's
change); both must answer the 2207 byte for byte alike, whatever changed between the 2206 and the 2207 and by
whatever code. White-box checks (SQLite's trace callback) show which 2207s took the kept computation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_platform import MockPlatform, codec
from mock_platform.backend import schema, settlements
from mock_platform.backend.schema import SCHEMA_VERSION, SETTLEMENT_INPUT_TABLES
from mock_platform.backend.settlements import SettlementBook, SettlementRecord
from mock_platform.backend.settling import ComputedMemo, _Kept
from mock_platform.config import MockConfig
from tests.mock_platform.clinic import Clinic
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import EXAMPLE2_CATALOGUE, EXAMPLE2_LINES, YINCHUAN_EMPLOYEE, patient

Change = Callable[[MockPlatform, Clinic, str], None]
PSN_NO = patient(YINCHUAN_EMPLOYEE).psn_no


class Forgetful(ComputedMemo):
    """A memo that keeps nothing: every settlement is computed afresh."""

    @property
    def last(self) -> _Kept | None:
        return None

    @last.setter
    def last(self, value: _Kept | None) -> None:
        pass


def nothing(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    pass


def another_visit_settled(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    # The person's accumulators move: the first visit's deductible is partly used by the time it settles.
    clinic.visit(EXAMPLE2_LINES, begntime="2026-03-10 09:00:00")


def the_batch_settled_by_another_msgid(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
    assert clinic.settle(mdtrt_id, acct="1")["infcode"] == 0


def _by_any_code(statement: str, *parameters: Any) -> Change:
    def change(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
        with platform._backend.store.transaction() as connection:
            connection.execute(statement, tuple(mdtrt_id if p is _MDTRT_ID else p for p in parameters))

    return change


_MDTRT_ID = object()

LEDGER_ENTRY = (
    "INSERT INTO accumulator_entry (psn_no, insutype, year, cum_ym, cum_type_code, amount, setl_id, reason)"
    " VALUES (?, '310', 2026, '202603', 'C0000', '1.00', 'S0', 'settle')"
)
CHANGES: dict[str, Change] = {
    "nothing": nothing,
    "another visit settled": another_visit_settled,
    "the batch settled by another msgid": the_batch_settled_by_another_msgid,
    "the account balance, by any code": _by_any_code(
        "UPDATE insurance SET balc = '50.00' WHERE psn_no = ?", PSN_NO
    ),
    "the deductible used, by any code": _by_any_code(
        "INSERT INTO accumulator_total (psn_no, insutype, year, cum_type_code, cum_ym, amount)"
        " VALUES (?, '310', 2026, 'Q0000', '202603', '500.00')",
        PSN_NO,
    ),
    "a ledger entry, by any code": _by_any_code(
        LEDGER_ENTRY,
        PSN_NO,
    ),
    "the fee details, by any code": _by_any_code("DELETE FROM fee_detail WHERE mdtrt_id = ?", _MDTRT_ID),
    "the visit, by any code": _by_any_code("UPDATE visit SET med_type = '11' WHERE mdtrt_id = ?", _MDTRT_ID),
    # (after another visit's settlement, made before the 2206: `BEFORE`)
    "a settlement row, by any code": _by_any_code("UPDATE settlement SET status = status"),
}
BEFORE: dict[str, Change] = {"a settlement row, by any code": another_visit_settled}


def scenario(
    demo_config: MockConfig,
    change: Change,
    *,
    memo: bool,
    before: Change = nothing,
    db_path: Path | None = None,
) -> tuple[dict[str, Any], bytes, bool]:
    """`before`, 2206, the change, 2207: the 2206 answer, the 2207's bytes, and whether the 2207 read its
    batch (computed afresh). In memory, or on the file `db_path`."""
    clock = MutableClock(NOW)
    with (
        MockPlatform(clock=clock, config=demo_config, db_path=db_path) as platform,
        httpx.Client(transport=platform.transport(), base_url="http://mock.local") as client,
    ):
        if not memo:
            platform._backend.settlement_memo = Forgetful()
        platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        mdtrt_id = clinic.open_visit(begntime="2026-04-10 09:00:00")
        assert clinic.upload(mdtrt_id, EXAMPLE2_LINES)["infcode"] == 0
        before(platform, clinic, mdtrt_id)
        pre = clinic.pre_settle(mdtrt_id, acct="1")
        assert pre["infcode"] == 0, pre["err_msg"]
        change(platform, clinic, mdtrt_id)
        seen: list[str] = []
        connection = platform._backend.store._connection
        connection.set_trace_callback(seen.append)
        try:
            response = client.post(
                "/fsi/api/rsfComIfsService/callService",
                content=_settle_body(clinic, mdtrt_id),
                headers=tif_headers(clock()),
            )
        finally:
            connection.set_trace_callback(None)
        return pre, response.content, any(s.startswith("SELECT * FROM fee_detail") for s in seen)


def _settle_body(clinic: Clinic, mdtrt_id: str) -> bytes:
    payload = envelope(
        "2207",
        {"data": clinic.settle_input(mdtrt_id, acct="1")},
        hospital=clinic.caller.hospital,
        sign_no=clinic.caller.sign_no,
        msgid_serial=clinic.caller.next_msgid_serial(),
        insuplc_admdvs=clinic.patient.insuplc,
    )
    return body(payload)


@pytest.mark.parametrize("name", list(CHANGES))
def test_the_2207_answers_as_if_it_computed_afresh(demo_config: MockConfig, name: str) -> None:
    before = BEFORE.get(name, nothing)
    _, shared, _ = scenario(demo_config, CHANGES[name], memo=True, before=before)
    _, afresh, _ = scenario(demo_config, CHANGES[name], memo=False, before=before)
    assert shared == afresh


def test_with_nothing_changed_the_2207_takes_the_2206_computation_and_settles_its_amounts(
    demo_config: MockConfig,
) -> None:
    pre, raw, read_batch = scenario(demo_config, nothing, memo=True)
    assert not read_batch  # the kept computation was taken
    settled = codec.decode(raw)
    assert settled["infcode"] == 0, settled["err_msg"]
    # Example 2's visit with nothing used yet: deductible 485.00 of 500, no fund; the account's 200.00 paid.
    for answer in (pre, settled):
        info = answer["output"]["setlinfo"]
        assert (info["medfee_sumamt"], info["act_pay_dedc"], info["hifp_pay"], info["acct_pay"]) == (
            Decimal("670.00"),
            Decimal("485.00"),
            Decimal("0.00"),
            Decimal("200.00"),
        )
    assert settled["output"]["setldetail"] == pre["output"]["setldetail"]
    money = ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt")
    assert [settled["output"]["setlinfo"][n] for n in money] == [pre["output"]["setlinfo"][n] for n in money]


@pytest.mark.parametrize(
    "name", ["another visit settled", "the deductible used, by any code", "a settlement row, by any code"]
)
def test_after_any_change_to_what_it_was_computed_from_the_2207_computes_again(
    demo_config: MockConfig, name: str
) -> None:
    _, _, read_batch = scenario(demo_config, CHANGES[name], memo=True, before=BEFORE.get(name, nothing))
    assert read_batch


def test_nothing_computed_inside_a_rolled_back_transaction_is_taken(demo_config: MockConfig) -> None:
    def undone(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
        store = platform._backend.store

        def change_then_fail() -> None:
            with store.transaction() as connection:
                connection.execute("UPDATE visit SET med_type = med_type WHERE mdtrt_id = ?", (mdtrt_id,))
                raise RuntimeError("undo")

        with pytest.raises(RuntimeError):
            change_then_fail()

    _, shared, read_batch = scenario(demo_config, undone, memo=True)
    assert read_batch  # a rollback since: computed again, although the version is back where it was
    _, afresh, _ = scenario(demo_config, undone, memo=False)
    assert shared == afresh


def test_a_store_of_migration_13_keeps_the_settlement_inputs_version_out_of_the_file(
    tmp_path: Path, demo_config: MockConfig
) -> None:
    # Migration 13 kept the version in a table raised by triggers: one more WAL page per state-changing
    # call. Migration 14 drops both; the store's connection counts its own changes (TEMP triggers).
    db = tmp_path / "mock.sqlite3"
    clock = MutableClock(NOW)
    with MockPlatform(clock=clock, config=demo_config, db_path=db):
        pass
    connection = sqlite3.connect(db)
    try:  # What a file of migration 13 holds: the version's table and the triggers raising it.
        schema._settlement_inputs(connection)
        connection.execute("PRAGMA user_version = 13")
        connection.commit()
    finally:
        connection.close()
    with (
        MockPlatform(clock=clock, config=demo_config, db_path=db) as second,
        httpx.Client(transport=second.transport(), base_url="http://mock.local") as client,
    ):
        store = second._backend.store
        assert store.schema_version() == SCHEMA_VERSION == 16
        with store.transaction() as connection:
            in_file = connection.execute(
                "SELECT type, name FROM main.sqlite_master WHERE name LIKE '%settlement_inputs%'"
            ).fetchall()
            watching = connection.execute(
                "SELECT count(*) FROM temp.sqlite_master"
                " WHERE type = 'trigger' AND name LIKE '%_settlement_inputs'"
            ).fetchone()[0]
        assert in_file == []
        assert watching == 3 * len(SETTLEMENT_INPUT_TABLES)
        second.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
        caller = Caller(client, clock=clock)
        caller.sign_in()
        clinic = Clinic(caller, patient(YINCHUAN_EMPLOYEE))
        opened = store.settlement_inputs
        mdtrt_id = clinic.open_visit(begntime="2026-04-10 09:00:00")  # a visit inserted and updated
        assert store.settlement_inputs == opened + 2
        assert clinic.upload(mdtrt_id, EXAMPLE2_LINES)["infcode"] == 0
        uploaded = store.settlement_inputs
        assert uploaded > opened + 2
        assert clinic.pre_settle(mdtrt_id, acct="1")["infcode"] == 0
        assert store.settlement_inputs == uploaded  # 2206 changes nothing it reads
        assert clinic.settle(mdtrt_id, acct="1")["infcode"] == 0
        assert store.settlement_inputs > uploaded


def _by_another_connection(db: Path, statement: str, *parameters: Any) -> Change:
    def change(platform: MockPlatform, clinic: Clinic, mdtrt_id: str) -> None:
        other = sqlite3.connect(db)  # another connection, as another process would have
        try:
            other.execute(statement, tuple(mdtrt_id if p is _MDTRT_ID else p for p in parameters))
            other.commit()
        finally:
            other.close()

    return change


OTHER_CONNECTION = {
    "the deductible used": (
        "INSERT INTO accumulator_total (psn_no, insutype, year, cum_type_code, cum_ym, amount)"
        " VALUES (?, '310', 2026, 'Q0000', '202603', '500.00')",
        PSN_NO,
    ),
    "the fee details": ("DELETE FROM fee_detail WHERE mdtrt_id = ?", _MDTRT_ID),
    "the visit": ("UPDATE visit SET med_type = '11' WHERE mdtrt_id = ?", _MDTRT_ID),
}


@pytest.mark.parametrize("name", list(OTHER_CONNECTION))
def test_a_change_committed_by_another_connection_between_2206_and_2207_is_seen(
    tmp_path: Path, demo_config: MockConfig, name: str
) -> None:
    # The store's TEMP triggers see only its own connection's changes; another connection's (or process's)
    # commit moves ``PRAGMA data_version``, and the 2207 computes again.
    answers = []
    for memo in (True, False):
        db = tmp_path / f"memo-{memo}.sqlite3"
        change = _by_another_connection(db, *OTHER_CONNECTION[name])
        _, answer, read_batch = scenario(demo_config, change, memo=memo, db_path=db)
        # Computed again: the batch read, or refused on the changed visit (the kept settlement would settle).
        assert read_batch or codec.decode(answer)["infcode"] == -1
        answers.append(answer)
    assert answers[0] == answers[1]


def test_the_record_a_settlement_or_refund_returns_is_the_row_it_stored(
    monkeypatch: pytest.MonkeyPatch, platform: MockPlatform, signed_in: Caller
) -> None:
    # The new row is built from what was inserted instead of read back (issue #18): every field, type and
    # exponent as `_load` reads it, for settlements with and without the account and for a refund.
    pairs: list[tuple[str, str]] = []

    def checked(method: Callable[..., SettlementRecord]) -> Callable[..., SettlementRecord]:
        def run(book: SettlementBook, *args: Any, **options: Any) -> SettlementRecord:
            record = method(book, *args, **options)
            with platform._backend.store.joined() as connection:
                pairs.append(
                    (repr(record), repr(settlements._load(connection, "setl_id = ?", (record.setl_id,))))
                )
            return record

        return run

    monkeypatch.setattr(SettlementBook, "settle", checked(SettlementBook.settle))
    monkeypatch.setattr(SettlementBook, "refund", checked(SettlementBook.refund))
    platform.seed({"people": [YINCHUAN_EMPLOYEE], **EXAMPLE2_CATALOGUE})
    clinic = Clinic(signed_in, patient(YINCHUAN_EMPLOYEE))
    answers = [
        clinic.visit(EXAMPLE2_LINES, begntime=f"2026-{month}-10 09:00:00", acct=acct)["output"]["setlinfo"]
        for month, acct in (("03", "0"), ("04", "0"), ("05", "1"))
    ]
    refund = clinic.refund(answers[2]["setl_id"], answers[2]["mdtrt_id"])
    assert refund["infcode"] == 0, refund["err_msg"]
    assert len(pairs) == 4
    for returned, stored in pairs:
        assert returned == stored
