"""Group commit in the served app: concurrent calls share one COMMIT, and nothing is answered before it.

The app is driven here as raw ASGI on an asyncio loop, so that two requests are really in flight at once and
every `send` can be ordered against the store's statements (its connection's trace callback).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from mock_platform import MockPlatform
from mock_platform.backend.store import Store
from mock_platform.config import MockConfig
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import SINGLE_URL, body, envelope, tif_headers

Events = list[tuple[str, str]]


def sign_in(serial: int) -> bytes:
    return body(envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}, msgid_serial=serial))


@pytest.fixture
def mock(clock: MutableClock, demo_config: MockConfig, tmp_path: Path) -> Iterator[MockPlatform]:
    with MockPlatform(clock=clock, config=demo_config, db_path=tmp_path / "mock.sqlite3") as platform:
        yield platform


def connection(mock: MockPlatform) -> sqlite3.Connection:
    return mock._backend.store._connection


def trace_commits(mock: MockPlatform, events: Events) -> None:
    connection(mock).set_trace_callback(
        lambda statement: events.append(("sql", statement)) if statement == "COMMIT" else None
    )


async def post(
    mock: MockPlatform,
    events: Events,
    name: str,
    content: bytes,
    path: str = SINGLE_URL,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    gate: asyncio.Event | None = None,
) -> tuple[int, bytes]:
    """One request through the ASGI app; each message it sends is recorded as (name, type).

    With `gate`, its body arrives only once the gate is set (its head is admitted at once)."""
    headers = {**(headers or tif_headers()), "content-length": str(len(content))}
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(key.encode(), value.encode()) for key, value in headers.items()],
        "client": ("127.0.0.1", 50000),
    }
    received = False
    status, answer = 0, b""

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.Event().wait()  # no disconnect while the answer is being made
        received = True
        if gate is not None:
            await gate.wait()
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, answer
        events.append((name, message["type"]))
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            answer += message.get("body", b"")

    await mock.asgi_app(scope, receive, send)
    return status, answer


async def two_sign_ins(mock: MockPlatform, events: Events) -> list[tuple[int, bytes]]:
    return list(
        await asyncio.gather(
            post(mock, events, "first", sign_in(1)), post(mock, events, "second", sign_in(2))
        )
    )


def sign_ins_stored(mock: MockPlatform) -> int:
    return int(connection(mock).execute("SELECT count(*) FROM sign_in").fetchone()[0])


def journal(mock: MockPlatform) -> list[str]:
    rows = connection(mock).execute("SELECT outcome FROM traffic WHERE infno = '9001' ORDER BY id").fetchall()
    return [str(row[0]) for row in rows]


def test_concurrent_calls_share_one_commit_and_are_answered_after_it(mock: MockPlatform) -> None:
    events: Events = []
    trace_commits(mock, events)

    answers = asyncio.run(two_sign_ins(mock, events))

    assert [status for status, _ in answers] == [200, 200]
    assert all(b'"infcode":0' in answer for _, answer in answers), answers
    # One COMMIT for both calls (without group commit: one each), and no byte of either answer before it.
    assert events.count(("sql", "COMMIT")) == 1
    assert events[0] == ("sql", "COMMIT")
    answered = [
        (name, kind) for name in ("first", "second") for kind in ("http.response.start", "http.response.body")
    ]
    assert sorted(events[1:]) == sorted(answered)
    assert sign_ins_stored(mock) == 1  # one operator's session
    assert journal(mock) == ["success", "success"]


def test_a_failed_commit_answers_every_call_in_the_batch_as_a_store_failure(mock: MockPlatform) -> None:
    refused: list[str] = []

    def deny_the_first_commit(action: int, first: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_TRANSACTION and first == "COMMIT" and not refused:
            refused.append(first)
            return sqlite3.SQLITE_DENY  # the COMMIT statement fails, as on a full disk
        return sqlite3.SQLITE_OK

    connection(mock).set_authorizer(deny_the_first_commit)
    answers = asyncio.run(two_sign_ins(mock, []))
    connection(mock).set_authorizer(None)

    assert refused == ["COMMIT"]
    for status, answer in answers:  # both, not only the call whose step began the batch
        assert status == 200
        assert b'"infcode":-1' in answer
        assert "医保平台内部错误".encode() in answer
        assert b'"sign_no"' not in answer
    assert sign_ins_stored(mock) == 0  # nothing of either call
    assert journal(mock) == ["internal_error", "internal_error"]  # written apart, afterwards


def deny_the_first_commit(mock: MockPlatform, then: asyncio.Event) -> None:
    """The first COMMIT fails (as on a full disk), and `then` is set right there, inside the batch's commit:
    a request waiting on it is the first step to run after the failed batch (before its calls' answers)."""

    def authorizer(action: int, first: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_TRANSACTION and first == "COMMIT" and not then.is_set():
            then.set()
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    connection(mock).set_authorizer(authorizer)


def test_a_failed_batchs_calls_are_answered_after_their_error_rows_commit(mock: MockPlatform) -> None:
    events: Events = []
    trace_commits(mock, events)

    async def two_failing_and_one_after() -> list[tuple[int, bytes]]:
        failed = asyncio.Event()
        deny_the_first_commit(mock, failed)
        return list(
            await asyncio.gather(
                post(mock, events, "first", sign_in(1)),
                post(mock, events, "second", sign_in(2)),
                post(mock, events, "third", sign_in(3), gate=failed),  # its step opens the next batch
            )
        )

    answers = asyncio.run(two_failing_and_one_after())

    connection(mock).set_authorizer(None)
    connection(mock).set_trace_callback(None)
    assert [b'"infcode":-1' in answer for _, answer in answers] == [True, True, False]
    # The failed calls' error rows were written into the third call's batch: no answer before its COMMIT
    # (without waiting for it, both were sent while that batch was still open).
    assert events[0] == ("sql", "COMMIT"), events
    assert events.count(("sql", "COMMIT")) == 1
    assert journal(mock) == ["success", "internal_error", "internal_error"]


def test_a_retry_admitted_during_a_batch_that_then_fails_is_processed_afresh(
    clock: MutableClock, demo_config: MockConfig, tmp_path: Path
) -> None:
    # lenient: a resend with the same nonce, msgid and body is a client's retry, answered as the first was.
    with MockPlatform(
        clock=clock, config=demo_config, db_path=tmp_path / "mock.sqlite3", profile="lenient"
    ) as platform:
        headers = tif_headers()

        async def call_and_its_retry() -> list[tuple[int, bytes]]:
            failed = asyncio.Event()
            deny_the_first_commit(platform, failed)
            return list(
                await asyncio.gather(
                    post(platform, [], "first", sign_in(1), headers=headers),
                    # Admitted on its head while the first call's nonce is in the open batch; its body comes
                    # after that batch failed, so the nonce was never used.
                    post(platform, [], "retry", sign_in(1), headers=headers, gate=failed),
                )
            )

        (first_status, first), (retry_status, retry) = asyncio.run(call_and_its_retry())
        connection(platform).set_authorizer(None)

        assert first_status == 200
        assert b'"infcode":-1' in first
        assert retry_status == 200, retry.decode()  # not refused as a replay of a nonce never stored
        assert b'"infcode":0' in retry
        assert b'"sign_no"' in retry
        assert sign_ins_stored(platform) == 1


def test_answers_that_wrote_nothing_keep_their_answer_when_the_batch_they_waited_for_fails(
    mock: MockPlatform,
) -> None:
    async def a_call_and_requests_beside_it() -> list[tuple[int, bytes]]:
        deny_the_first_commit(mock, asyncio.Event())
        return list(
            await asyncio.gather(
                post(mock, [], "call", sign_in(1)),
                post(mock, [], "missing", b"", path="/fsi/api/no/such/path"),
                post(mock, [], "openapi", b"", path="/openapi.json", method="GET"),
                post(mock, [], "unsigned", sign_in(2), headers={"content-type": "application/json"}),
            )
        )

    call, missing, openapi, unsigned = asyncio.run(a_call_and_requests_beside_it())

    connection(mock).set_authorizer(None)
    assert b'"infcode":-1' in call[1]
    # Answered by their route alone (nothing of theirs was in the batch): as ever, not as a store failure.
    assert missing[0] == 404
    assert openapi[0] == 200
    assert b'"openapi"' in openapi[1]
    # The gateway's refusal wrote a journal row into the failed batch: a store failure (an envelope).
    assert unsigned[0] == 200
    assert "医保平台内部错误".encode() in unsigned[1]


def test_the_store_is_free_for_other_threads_once_the_calls_are_answered(mock: MockPlatform) -> None:
    asyncio.run(two_sign_ins(mock, []))

    listed: list[object] = []
    other = threading.Thread(target=lambda: listed.append(mock.faults.list()))
    other.start()
    other.join(timeout=5)

    assert listed == [[]]  # the batch was committed and its lock released, not left open
    assert not connection(mock).in_transaction


def test_a_control_request_commits_on_its_own_beside_calls(mock: MockPlatform) -> None:
    events: Events = []
    trace_commits(mock, events)
    rule = body({"infno": "1101", "kind": "error", "times": 1})

    async def calls_and_control() -> list[tuple[int, bytes]]:
        return list(
            await asyncio.gather(
                post(mock, events, "first", sign_in(1)),
                post(mock, events, "control", rule, path="/_mock/faults"),
                post(mock, events, "second", sign_in(2)),
            )
        )

    answers = asyncio.run(calls_and_control())

    connection(mock).set_trace_callback(None)
    assert [status for status, _ in answers] == [200, 200, 200]
    # The two calls' batch, then the control request's own transaction: it waited for the batch to end.
    commits = [index for index, event in enumerate(events) if event == ("sql", "COMMIT")]
    assert len(commits) == 2, events
    assert commits[0] == 0
    assert [name for name, _ in events[commits[1] :]].count("control") == 2
    assert [rule.infno for rule in mock.faults.list()] == ["1101"]
    assert sign_ins_stored(mock) == 1  # one operator's session
    assert journal(mock) == ["success", "success"]


def test_a_delayed_call_commits_its_countdown_and_then_its_work_before_answering(mock: MockPlatform) -> None:
    mock.faults.add("9001", "delay", seconds=0.01)
    events: Events = []
    trace_commits(mock, events)

    status, answer = asyncio.run(post(mock, events, "delayed", sign_in(1)))

    connection(mock).set_trace_callback(None)
    assert status == 200
    assert b'"infcode":0' in answer
    # The fault's countdown (its batch is committed before the wait), then the call's work, then the answer.
    assert events == [
        ("sql", "COMMIT"),
        ("sql", "COMMIT"),
        ("delayed", "http.response.start"),
        ("delayed", "http.response.body"),
    ]
    assert mock.faults.list() == []
    assert journal(mock) == ["success"]


def test_calls_after_sqlite_rolled_the_batch_back_store_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite3")
    try:
        store.begin_batch()
        with store.transaction() as connection:
            connection.execute("INSERT INTO sequence (name, value) VALUES ('first', 1)")
        connection.execute("ROLLBACK")  # as SQLite does by itself on some errors (disk full)
        with pytest.raises(sqlite3.OperationalError), store.transaction() as connection:
            connection.execute("INSERT INTO sequence (name, value) VALUES ('second', 1)")
        rollbacks = store.rollbacks
        with pytest.raises(sqlite3.OperationalError):
            store.end_batch()
        assert store.rollbacks == rollbacks + 1
        with store.read() as connection:
            assert connection.execute("SELECT name FROM sequence").fetchall() == []
    finally:
        store.close()
