"""The ASGI app: a raw ASGI callable around `PlatformCore`, no web framework.

Why no framework: routing and every answer already come from the core (identical to the in-process
transport), so the app only converts an ASGI request into an `HttpRequest` and an `HttpResponse` back into
two ASGI messages. A framework's routing and request/response objects cost more CPU per call than that
conversion and added nothing.

The synchronous core runs inline on the event loop, not in a worker thread. It never waits on anything but
SQLite (its store serialises every call on one lock anyway, so worker threads bought no parallelism, only a
thread hop per request). The one wait a call can ask for, a `delay` fault, comes back from the core as a
`Delayed` step, outside the store's transaction: the app waits asynchronously and then resumes it.

Nothing is read before it is admitted: the core checks the head first (route, control access, gateway
headers, replay, declared size, `PlatformCore.open`), and the body is then read only up to the limit — a
larger one is answered (an envelope, infcode -1) without reading the rest.

A lost answer (fault rules) is sent as a response that never completes: the status line and headers go out,
announcing a body that never comes, and the app returns; uvicorn then closes the connection ("ASGI callable
returned without completing response"), and the client sees the connection dropped mid-response
(httpx.RemoteProtocolError). `hold_then_drop` first waits `hold_seconds` without blocking the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread

from mock_platform._http import JSON_CONTENT_TYPE, HttpRequest, HttpResponse
from mock_platform.core import PlatformCore
from mock_platform.dispatch import Delayed

# The ASGI 3 signature (the same aliases as every ASGI server and toolkit use).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# uvicorn logs this when a response is left incomplete on purpose; `_server` filters it out.
INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."


class PlatformApp:
    """The ASGI application serving a `PlatformCore`: every HTTP request goes to the core, which routes."""

    def __init__(self, core: PlatformCore) -> None:
        self._core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":  # not a platform protocol: refuse the handshake
            await send({"type": "websocket.close", "code": 1000})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_query: bytes = scope.get("query_string", b"")
        client = scope.get("client")
        head = HttpRequest(
            method=scope["method"],
            path=scope["path"],
            headers={
                name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
            },
            query=dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)) if raw_query else {},
            # The peer's address; "" when the server does not know it (then it is not loopback).
            client=str(client[0]) if client else "",
        )
        opened = self._core.open(head)
        if isinstance(opened, HttpResponse):  # refused on its head: the body is never read
            await _answer(opened, send)
            return
        body = await _read_body(receive, opened.max_body)
        if body is None:  # the client went away before sending its whole body
            return
        step = self._core.oversized(opened) if body is _TOO_LARGE else self._core.proceed(opened, body)
        if isinstance(step, Delayed):
            await self._wait(step.seconds)
            answer = self._core.resume(step)
        else:
            answer = step
        if answer.disposition == "answer":
            await _answer(answer, send)
        else:
            await _drop(answer, send)

    async def _wait(self, seconds: float) -> None:
        """A delay fault's wait, without blocking the event loop."""
        if self._core.sleep is time.sleep:  # the real clock: an asynchronous sleep, no thread needed
            await anyio.sleep(seconds)
        else:  # an injected sleep (a test's recorder, a fake clock) may block: run it in a worker thread
            await anyio.to_thread.run_sync(self._core.sleep, seconds)


# What `_read_body` returns for a body over the limit (compared by identity).
_TOO_LARGE = b"<too large>"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body; `_TOO_LARGE` as soon as it passes `limit` bytes (the rest is not read);
    None when the client disconnected first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return _TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(answer: HttpResponse, send: Send) -> None:
    headers = [
        (b"content-length", str(len(answer.body)).encode("latin-1")),
        (b"content-type", _content_type(answer.content_type)),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


_JSON_CONTENT_TYPE = JSON_CONTENT_TYPE.encode("latin-1")


def _content_type(content_type: str) -> bytes:
    if content_type == JSON_CONTENT_TYPE:
        return _JSON_CONTENT_TYPE
    # Text without a charset is sent as UTF-8, and says so (the 502 fault's HTML page).
    if content_type.startswith("text/") and "charset=" not in content_type.lower():
        content_type += "; charset=utf-8"
    return content_type.encode("latin-1")


async def _drop(answer: HttpResponse, send: Send) -> None:
    """Headers announcing a body that is never sent: the server closes the connection mid-response."""
    if answer.disposition == "hold_then_drop":
        await anyio.sleep(answer.hold_seconds)
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(max(len(answer.body), 1)).encode("latin-1")),
    ]
    await send({"type": "http.response.start", "status": answer.status or 200, "headers": headers})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop (the platform is opened and closed by its owner); acknowledge both."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
