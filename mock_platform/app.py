"""The ASGI app (Starlette): a thin shell around `PlatformCore`.

One catch-all route converts the Starlette request into an `HttpRequest` and runs the synchronous core in a
worker thread (it does SQLite I/O under a lock), so the event loop never blocks. Routing and every answer
come from the core, identical to the in-process transport.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_platform._http import HttpRequest
from mock_platform.core import PlatformCore

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
        return Response(content=answer.body, status_code=answer.status, media_type=answer.content_type)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
