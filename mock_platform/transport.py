"""An httpx transport that answers in-process and synchronously: no sockets, no event loop.

`httpx.Client(transport=mock.transport(), base_url="http://mock.local")` sends every request straight into
`PlatformCore.handle`, the same code the served ASGI app runs. A lost answer (fault rules, `backend.faults`)
becomes the exception httpx raises for it on a real socket: a dropped connection `httpx.RemoteProtocolError`,
an answer held past the caller's patience `httpx.ReadTimeout` (raised at once: nothing to wait for
in-process).
"""

from __future__ import annotations

import httpx

from mock_platform._http import HttpRequest
from mock_platform.core import PlatformCore


class MockPlatformTransport(httpx.BaseTransport):
    def __init__(self, core: PlatformCore) -> None:
        self._core = core

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        http_request = HttpRequest(
            method=request.method,
            path=request.url.path,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.read(),
            query=dict(request.url.params),
        )
        answer = self._core.handle(http_request)
        if answer.disposition == "drop":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response (mock fault)", request=request
            )
        if answer.disposition == "hold_then_drop":
            raise httpx.ReadTimeout("The platform did not answer in time (mock fault)", request=request)
        return httpx.Response(
            status_code=answer.status,
            headers={"content-type": answer.content_type},
            content=answer.body,
            request=request,
        )
