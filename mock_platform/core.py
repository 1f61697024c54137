"""The platform core: one synchronous entry point, `PlatformCore.handle`, for every HTTP request.

Routing lives here rather than in Starlette so that the served ASGI app and the in-process httpx transport
are the same code path: both only convert their request into an `HttpRequest` and back.

* `POST /fsi/api/rsfComIfsService/callService`  infno from the envelope (one URL for all, TZ/NT style)
* `POST /fsi/api/{infno}`                        infno from the path, must equal the envelope's (GZ style)
* `/_mock/...`                                   control endpoints (no gateway)
"""

from __future__ import annotations

import re
import time

import structlog

from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.config.platform import GatewayConfig
from mock_platform.control import Control
from mock_platform.dispatch import Dispatcher, Sleep

log = structlog.get_logger(__name__)

SINGLE_URL = "/fsi/api/rsfComIfsService/callService"
_PER_INFNO_URL = re.compile(r"^/fsi/api/([0-9A-Za-z]{1,10})$")


class PlatformCore:
    def __init__(self, backend: Backend, gateway_config: GatewayConfig, *, sleep: Sleep = time.sleep) -> None:
        self.backend = backend
        self.gateway = gateway_config
        self.dispatcher = Dispatcher(backend, gateway_config, sleep=sleep)
        self.control = Control(backend, gateway_config)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; never raises (an unexpected error becomes a JSON 500, logged)."""
        try:
            return self._route(request)
        except Exception:
            log.exception("unhandled_request_error", path=request.path, method=request.method)
            return HttpResponse.json(500, {"code": 500, "message": "医保平台内部错误"})

    def _route(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/_mock/"):
            return self.control.handle(request)
        match = _PER_INFNO_URL.match(request.path)
        if request.path != SINGLE_URL and match is None:
            return HttpResponse.json(404, {"code": 404, "message": f"未找到请求地址[{request.path}]"})
        if request.method != "POST":
            return HttpResponse.json(
                405, {"code": 405, "message": f"不支持的请求方法[{request.method}]，请使用POST"}
            )
        return self.dispatcher.handle(request, None if match is None else match.group(1))
