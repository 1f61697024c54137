"""The ASGI app (Starlette): a thin shell around `PlatformCore`.

One catch-all route converts the Starlette request into an `HttpRequest` and runs the synchronous core in a
worker thread (it does SQLite I/O under a lock), so the event loop never blocks. Routing and every answer
come from the core, identical to the in-process transport.

A lost answer (fault rules) is sent as a response that never completes: the status line and headers go out,
announcing a body that never comes, and the app returns; uvicorn then closes the connection ("ASGI callable
returned without completing response"), and the client sees the connection dropped mid-response
(httpx.RemoteProtocolError). `hold_then_drop` first waits `hold_seconds` without blocking the event loop.
"""

from __future__ import annotations

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.core import PlatformCore

# uvicorn logs this when a response is left incomplete on purpose; `_server` filters it out.
INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."


class DroppedResponse(Response):
    """Headers announcing a body that is never sent: the server closes the connection mid-response."""

    def __init__(self, answer: HttpResponse) -> None:
        super().__init__(status_code=answer.status or 200, media_type=answer.content_type)
        self._announced = max(len(answer.body), 1)
        self._hold = answer.hold_seconds if answer.disposition == "hold_then_drop" else 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._hold:
            await anyio.sleep(self._hold)
        headers = [(b"content-type", self.media_type.encode() if self.media_type else b"application/json")]
        headers.append((b"content-length", str(self._announced).encode()))
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def build_app(core: PlatformCore) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        http_request = HttpRequest(
            method=request.method,
            path=request.url.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
            query=dict(request.query_params),
        )
        answer = await run_in_threadpool(core.handle, http_request)
        if answer.disposition != "answer":
            return DroppedResponse(answer)
        return Response(content=answer.body, status_code=answer.status, media_type=answer.content_type)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
