"""JSON in and out without floats, errors as ``ErrorAnswer``, and the access log.

Requests are parsed with the adapter's Decimal codec (a number with a fraction becomes a
``Decimal``, as in the visit file); answers are written with it (exact JSON numbers). Pydantic
and FastAPI's own JSON paths would turn money into strings or floats, so neither is used.

The access log names the route template (``/v1/refunds/plan``), never the raw path or query,
and no body: no card number or name can reach it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._codec import decode, encode
from ._errors import ServiceError

__all__ = [
    "AccessLog",
    "CodecRoute",
    "answer",
    "http_error",
    "service_error",
    "validation_error",
]

log = structlog.get_logger("adapter.service.access")


class _CodecRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = decode(body)
            except json.JSONDecodeError:
                raise
            except ValueError as error:  # NaN / Infinity: not JSON
                raise json.JSONDecodeError(str(error), body.decode("utf-8", "replace"), 0) from error
        return self._json


class CodecRoute(APIRoute):
    """A route whose JSON body is decoded with the Decimal codec."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def codec_handler(request: Request) -> Response:
            return await handler(_CodecRequest(request.scope, request.receive))

        return codec_handler


def answer(model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """The model as JSON written by the adapter's codec (money as exact numbers)."""
    return Response(encode_model(model), status_code=status, media_type="application/json", headers=headers)


def encode_model(model: BaseModel) -> bytes:
    return encode(model.model_dump(mode="python"))


def service_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)
    return answer(error.answer(), status=error.status, headers=error.headers or None)


def validation_error(request: Request, error: Exception) -> Response:
    """422 naming every bad field by its path (``items[2].pric``); input values are never echoed."""
    assert isinstance(error, RequestValidationError)
    problems = [(_path(item.get("loc", ())), str(item.get("msg", ""))) for item in error.errors()]
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and "json" not in content_type:
        problems = [("", "send the body as JSON, with Content-Type: application/json")]
    detail = "; ".join(f"{where or '(body)'}: {message}" for where, message in problems)
    first = next((where for where, _ in problems if where), None)
    return service_error(request, ServiceError("input_invalid", detail, field=first))


def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "input_invalid")
    return service_error(request, ServiceError(code, str(error.detail)))


def _path(loc: Any) -> str:
    """("body", "items", 2, "pric") -> "items[2].pric"; ("header", "idempotency-key") -> "Idempotency-Key"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).startswith(("function-", "json-or-python", "lax-or-strict")):
            continue  # pydantic's validator names, not fields
        else:
            text += f".{part}" if text else str(part)
    return text


class AccessLog:
    """ASGI middleware: one ``http_request`` event per request, with no personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = uuid.uuid4().hex[:12]

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            state = scope.get("state") or {}
            log.info(
                "http_request",
                request_id=request_id,
                method=scope["method"],
                route=getattr(route, "path", "(unmatched)"),
                status=status,
                desk=state.get("desk", ""),
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
