"""Transport-neutral HTTP request/response values, shared by the ASGI app and the in-process transport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_platform import codec

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        return cls(status, codec.encode(payload))
