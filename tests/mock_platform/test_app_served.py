"""The raw ASGI app over a real socket: lost answers, waits that never block the event loop, many callers.

The core runs inline on the event loop, so the two waits a fault can ask for (a `delay` before processing,
the hold of `timeout_after_commit`) must be asynchronous: other callers are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mock_platform import MockPlatform
from mock_platform._server import http_implementation, loop_implementation
from mock_platform.config import MockConfig
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import SINGLE_URL, Caller, body, envelope, tif_headers
from tests.mock_platform.seeds import P1
from tests.mock_platform.serving import serving

P1_QUERY = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": P1.certno}}
FILINGS = {"data": {"psn_no": P1.psn_no}}


@pytest.fixture
def served(clock: MutableClock, demo_config: MockConfig) -> Iterator[tuple[MockPlatform, str]]:
    """The platform (real `time.sleep`, so a delay is really waited) served on a free loopback port."""
    with MockPlatform(clock=clock, config=demo_config) as mock, serving(mock) as url:
        yield mock, url


def signed_in_caller(client: httpx.Client, clock: MutableClock) -> Caller:
    caller = Caller(client, clock=clock)
    caller.sign_in()
    return caller


def in_background(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a thread; the result records what it returned or raised, and how long it took."""
    result: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            result["value"] = work()
        except Exception as exc:
            result["error"] = exc
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("kind", ["delay", "timeout_after_commit"])
def test_a_fault_wait_does_not_hold_up_other_callers(
    served: tuple[MockPlatform, str], clock: MutableClock, kind: str
) -> None:
    mock, url = served
    with httpx.Client(base_url=url, timeout=5.0) as client, httpx.Client(base_url=url, timeout=5.0) as other:
        caller = signed_in_caller(client, clock)
        mock.faults.add("1101", kind, seconds=1.0)
        thread, waited = in_background(lambda: caller.call("1101", P1_QUERY))
        # The rule is counted down in the call's transaction, committed before the wait begins.
        wait_until(lambda: mock.faults.list() == [])
        started = time.monotonic()
        assert other.get("/_mock/health").status_code == 200
        other_caller = Caller(other, clock=clock)
        other_caller.sign_no = caller.sign_no
        assert other_caller.call("5301", FILINGS, insuplc_admdvs="640100")["infcode"] == 0
        assert time.monotonic() - started < 0.5
        assert thread.is_alive()  # still waiting: the other calls were answered during the wait
        thread.join(timeout=5)
    assert waited["seconds"] >= 1.0
    if kind == "delay":
        assert waited["value"]["infcode"] == 0
    else:
        assert isinstance(waited["error"], httpx.RemoteProtocolError)


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes the connection."""
    address = urlsplit(url)
    assert address.hostname is not None
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def raw_post(payload: dict[str, Any], clock: MutableClock) -> bytes:
    content = body(payload)
    headers = "".join(f"{name}: {value}\r\n" for name, value in tif_headers(clock()).items())
    return (
        f"POST {SINGLE_URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n{headers}"
        f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n"
    ).encode() + content


@pytest.mark.parametrize("fast", [True, False], ids=["httptools-uvloop", "h11-asyncio"])
def test_a_dropped_answer_announces_a_body_it_never_sends(
    clock: MutableClock, demo_config: MockConfig, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    if not fast:  # as on a machine without the C parts: uvicorn's pure-Python parser and asyncio's loop
        monkeypatch.setitem(sys.modules, "httptools", None)
        monkeypatch.setitem(sys.modules, "uvloop", None)
    with MockPlatform(clock=clock, config=demo_config) as mock, serving(mock) as url:
        mock.faults.add("1101", "fail_before_commit")
        received = raw_exchange(url, raw_post(envelope("1101", P1_QUERY), clock))
        head, _, rest = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"content-length: 1\r\n" in head.lower() + b"\r\n"
        assert rest == b""  # the connection closed where the body should have been
        # A normal answer on the same server is whole.
        answered = raw_exchange(
            url, raw_post(envelope("9001", {"signIn": {"opter_no": "0001", "ip": "10.0.0.8"}}), clock)
        )
        head, _, rest = answered.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"content-type: application/json;charset=utf-8" in head.lower()
        assert rest.startswith(b'{"infcode":0,')


def test_headers_query_and_content_types_over_a_real_socket(
    served: tuple[MockPlatform, str], clock: MutableClock
) -> None:
    mock, url = served
    with httpx.Client(base_url=url, timeout=5.0) as client:
        caller = signed_in_caller(client, clock)
        caller.call("1101", P1_QUERY)
        entries = client.get("/_mock/journal", params={"limit": "1"}).json()["entries"]
        assert [entry["infno"] for entry in entries] == ["1101"]
        mock.faults.add("1101", "bad_gateway")
        bad = caller.post(envelope("1101", P1_QUERY, sign_no=caller.sign_no))
        assert (bad.status_code, bad.headers["content-type"]) == (502, "text/html; charset=utf-8")
        unsigned = client.post("/fsi/api/1101", content=b"{}")  # the gateway headers are read from the socket
        assert (unsigned.status_code, unsigned.json()["code"]) == (401, 401)
        assert client.request("TRACE", "/nowhere").status_code == 404


def test_many_callers_at_once(served: tuple[MockPlatform, str], clock: MutableClock) -> None:
    _, url = served
    with httpx.Client(base_url=url, timeout=10.0) as client:
        sign_no = signed_in_caller(client, clock).sign_no

    def calls(worker: int) -> list[str]:
        with httpx.Client(base_url=url, timeout=10.0) as own:
            caller = Caller(own, clock=clock)
            caller.sign_no = sign_no
            caller.serial = worker * 100
            answers = [caller.call("1101", P1_QUERY) for _ in range(10)]
        assert all(answer["infcode"] == 0 for answer in answers)
        return [str(answer["inf_refmsgid"]) for answer in answers]

    with ThreadPoolExecutor(max_workers=8) as pool:
        refmsgids = [refmsgid for batch in pool.map(calls, range(8)) for refmsgid in batch]
    assert len(set(refmsgids)) == 80


def test_lifespan_and_websocket_scopes(platform: MockPlatform) -> None:
    async def scenario(scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop(0)

        async def send(message: Any) -> None:
            sent.append(dict(message))

        await platform.asgi_app(scope, receive, send)
        return sent

    lifespan = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    assert asyncio.run(scenario({"type": "lifespan"}, lifespan)) == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]
    websocket = [{"type": "websocket.connect"}]
    assert asyncio.run(scenario({"type": "websocket"}, websocket)) == [
        {"type": "websocket.close", "code": 1000}
    ]


def test_the_fast_server_parts_are_used_when_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (http_implementation(), loop_implementation()) == ("httptools", "uvloop")
    monkeypatch.setitem(sys.modules, "httptools", None)  # import fails, as when not installed
    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert (http_implementation(), loop_implementation()) == ("h11", "asyncio")
