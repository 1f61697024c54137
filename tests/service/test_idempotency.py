"""Idempotency from the HIS's side: its bill number as ``Idempotency-Key``.

The same key again answers the stored result and never settles twice, even while the first request is
still running ("in progress", 409 with Retry-After); the same key with a different bill is refused; a
key whose holder died is taken over; work it left in flight must be recovered first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapter import decode
from adapter.planning import parse_visit
from adapter.service import KeyStore, SqliteKeyStore
from adapter.service._idempotency import SettlementMark, request_hash

from .helpers import DESK2_TOKEN, Served, p1, served_app

P1_PSN = "64010000000000000001"


def _settlements(s: Served) -> int:
    return len([r for r in s.journal.settlements_in_scope(P1_PSN, "310", 2026) if r.active])


def test_the_same_key_returns_the_stored_answer_and_settles_once(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        first = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        assert first.status_code == 200
        again = s.post("/v1/settlements", p1(), key="HIS-BILL-0001", token=DESK2_TOKEN)
        assert again.status_code == 200
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == first.content  # byte for byte, desk-1 as the settling desk
        assert _settlements(s) == 3


def test_the_same_key_with_a_different_bill_is_refused(tmp_path: Path) -> None:
    other = p1()
    other["items"][0]["cnt"] = "30"
    with served_app(tmp_path) as s:
        assert s.post("/v1/settlements", p1(), key="HIS-BILL-0001").status_code == 200
        reply = s.post("/v1/settlements", other, key="HIS-BILL-0001")
        assert reply.status_code == 409
        error = decode(reply.content)["error"]
        assert (error["code"], error["retryable"], error["field"]) == (
            "idempotency_key_reused",
            False,
            "Idempotency-Key",
        )
        # A refund may not reuse a settlement's key either.
        setl_id = decode(s.get("/v1/settlements", day="2026-11-22").content)["settlements"][2]["setl_id"]
        assert s.post("/v1/refunds", {"setl_id": setl_id}, key="HIS-BILL-0001").status_code == 409
        assert _settlements(s) == 3


def test_the_same_bill_in_the_same_words_hashes_alike() -> None:
    # "60" and 60 are one quantity once parsed: the hash is taken of the parsed request.
    assert request_hash("settle", {"b": [1, {"y": 2, "x": 1}], "a": "x"}) == request_hash(
        "settle", {"a": "x", "b": [1, {"x": 1, "y": 2}]}
    )
    assert request_hash("settle", {"a": "x"}) != request_hash("refund", {"a": "x"})


def test_two_concurrent_posts_of_one_key_settle_once(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        s.mock.faults.add("2207", "delay", seconds=1.0)  # the first batch's settlement takes a second
        start = threading.Barrier(2)
        replies: list[Any] = []

        def post() -> None:
            start.wait()
            replies.append(s.post("/v1/settlements", p1(), key="HIS-BILL-0001"))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(r.status_code for r in replies) == [200, 409]
        done = next(r for r in replies if r.status_code == 200)
        busy = next(r for r in replies if r.status_code == 409)
        error = decode(busy.content)["error"]
        assert (error["code"], error["retryable"]) == ("in_progress", True)
        assert busy.headers["Retry-After"] == "2"
        assert _settlements(s) == 3
        later = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        assert (later.status_code, later.content) == (200, done.content)
        assert _settlements(s) == 3


def test_a_second_key_for_the_same_bill_does_not_settle_it_again(tmp_path: Path) -> None:
    # A HIS bug (two keys for one bill) still settles once: the journal knows the visit.
    with served_app(tmp_path) as s:
        s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        second = decode(s.post("/v1/settlements", p1(), key="HIS-BILL-0001-B").content)
        assert all("未重复结算" in batch["message"] for batch in second["result"]["batches"])
        assert _settlements(s) == 3


def test_a_key_held_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    with served_app(tmp_path) as s:
        # Another serve process claimed the key, then died: its lease was never renewed.
        dead = SqliteKeyStore(tmp_path / "journal.sqlite3", lease_seconds=0.001, holder="dead-process")
        visit = parse_visit(p1()).model_dump(mode="python")
        claim = dead.claim(
            "HIS-BILL-0001",
            operation="settle",
            request_hash=request_hash("settle", visit),
            desk="desk-1",
            opter="0001",
        )
        dead.close()
        assert claim.kind == "new"
        reply = s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        assert reply.status_code == 200, reply.text
        assert decode(reply.content)["complete"] is True
        assert _settlements(s) == 3


StoreAt = Callable[[str, Callable[[], float]], KeyStore]


@pytest.fixture(params=["sqlite", "postgres"])
def store_at(request: pytest.FixtureRequest, tmp_path: Path) -> StoreAt:
    """A maker of key stores on one database, for each implementation: both must keep one contract."""
    if request.param == "sqlite":
        return lambda holder, clock: SqliteKeyStore(
            tmp_path / "keys.sqlite3", lease_seconds=30, clock=clock, holder=holder
        )
    from adapter.service._idempotency_postgres import PostgresKeyStore

    url: str = request.getfixturevalue("postgres_url")
    return lambda holder, clock: PostgresKeyStore(url, lease_seconds=30, clock=clock, holder=holder)


def test_the_store_claims_once_and_honours_leases(store_at: StoreAt) -> None:
    now = [1000.0]
    store = store_at("a", lambda: now[0])
    other = store_at("b", lambda: now[0])
    try:
        claim = {"operation": "settle", "request_hash": "h1", "desk": "d", "opter": "o"}
        assert store.claim("K", **claim).kind == "new"
        assert other.claim("K", **claim).kind == "in_progress"
        assert other.claim("K", **{**claim, "request_hash": "h2"}).kind == "mismatch"
        now[0] += 20
        assert store.renew() == 1  # the holder is alive: lease until 1050
        now[0] += 20
        assert other.claim("K", **claim).kind == "in_progress"
        now[0] += 31  # the holder stopped renewing (died)
        assert other.claim("K", **claim).kind == "taken_over"
        store.finish("K", status=200, answer=b"{}")  # the old holder may no longer finish it
        assert other.claim("K", **claim).kind == "in_progress"
        other.finish("K", status=200, answer=b'{"ok":1}')
        assert store.claim("K", **claim) == type(store.claim("K", **claim))("replay", 200, b'{"ok":1}')
        assert store.claim("L", **claim).kind == "new"
        store.release("L")
        assert other.claim("L", **claim).kind == "new"
    finally:
        store.close()
        other.close()


def test_the_store_keeps_who_settled_what_by_day(store_at: StoreAt) -> None:
    store = store_at("a", lambda: 1000.0)
    try:
        mark = SettlementMark(
            "S1", date(2026, 11, 22), "K", "settle", "desk-1", "0001", "MZ1", datetime(2026, 11, 22, 9, 30)
        )
        later = SettlementMark(
            "S2", date(2026, 11, 22), "K", "settle", "desk-1", "0001", "MZ1", datetime(2026, 11, 22, 9, 31)
        )
        store.mark_settlements([later, mark])
        store.mark_settlements([mark])  # marked twice (a replay of the recording): kept once
        assert store.settlements_on(date(2026, 11, 22)) == [mark, later]
        assert store.settlements_on(date(2026, 11, 23)) == []
    finally:
        store.close()
