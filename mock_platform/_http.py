"""Transport-neutral HTTP request/response values, shared by the ASGI app and the in-process transport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mock_platform import codec

JSON_CONTENT_TYPE = "application/json;charset=utf-8"

# How an answer reaches the caller: normally; not at all (the connection is dropped: in-process
# httpx.RemoteProtocolError); or held `hold_seconds` and then dropped (in-process httpx.ReadTimeout).
Disposition = Literal["answer", "drop", "hold_then_drop"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)
    # The peer's address as the server saw it; None in-process (the caller is this process itself).
    client: str | None = None

    def with_body(self, body: bytes) -> HttpRequest:
        """This request with `body` (what `dataclasses.replace` gives, built directly: once or twice a
        call, and `replace` looks every field up by name; issue #18)."""
        return HttpRequest(self.method, self.path, self.headers, body, self.query, self.client)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    disposition: Disposition = "answer"
    hold_seconds: float = 0.0

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        return cls(status, codec.encode(payload))
