"""Control endpoints under `/_mock/` — a prefix the real platform never uses (STYLE.md §1, like moto's).

* `GET /_mock/health`   liveness, clock, schema version, gateway scheme, supported transactions
* `GET /_mock/journal`  the traffic journal, last `limit` entries (default 100, max 1000), oldest first

They bypass the gateway: they are for tests and operators of the mock, not for hospitals. New endpoints
(seeding people, fault injection) are added to `Control.routes` with their handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.config.platform import GatewayConfig
from mock_platform.handlers import TRANSACTIONS

ControlHandler = Callable[[HttpRequest], HttpResponse]

_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000


class Control:
    def __init__(self, backend: Backend, gateway_config: GatewayConfig) -> None:
        self._backend = backend
        self._gateway = gateway_config
        self.routes: Mapping[tuple[str, str], ControlHandler] = MappingProxyType(
            {
                ("GET", "/_mock/health"): self.health,
                ("GET", "/_mock/journal"): self.journal,
            }
        )

    def handle(self, request: HttpRequest) -> HttpResponse:
        handler = self.routes.get((request.method, request.path))
        if handler is not None:
            return handler(request)
        if any(path == request.path for _, path in self.routes):
            return HttpResponse.json(405, {"code": 405, "message": f"不支持的请求方法[{request.method}]"})
        return HttpResponse.json(404, {"code": 404, "message": f"未找到请求地址[{request.path}]"})

    def health(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200,
            {
                "status": "ok",
                "time": self._backend.now().isoformat(timespec="seconds"),
                "schema_version": self._backend.store.schema_version(),
                "gateway": self._gateway.scheme,
                "transactions": sorted(TRANSACTIONS),
            },
        )

    def journal(self, request: HttpRequest) -> HttpResponse:
        raw = request.query.get("limit", str(_DEFAULT_LIMIT))
        if not raw.isdigit() or not 0 < int(raw) <= _MAX_LIMIT:
            return HttpResponse.json(
                400, {"code": 400, "message": f"limit must be an integer in 1..{_MAX_LIMIT}"}
            )
        return HttpResponse.json(200, {"entries": self._backend.traffic.recent(int(raw))})
