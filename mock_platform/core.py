"""The platform core: the synchronous entry points for every HTTP request.

Routing lives here, not in the ASGI app, so that the served app and the in-process httpx transport are the
same code path: both only convert their request into an `HttpRequest` and back.

`handle` answers a request, waiting with the platform's `sleep` when a `delay` fault fires (the in-process
transport). `start` answers it or hands back that wait as a `Delayed` step, to be waited for by the caller
and then `resume`d (the ASGI app, which must not block its event loop).

* `POST /fsi/api/rsfComIfsService/callService`  infno from the envelope (one URL for all, TZ/NT style)
* `POST /fsi/api/{infno}`                        infno from the path, must equal the envelope's (GZ style)
* `/_mock/...`                                   control endpoints (no gateway)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import structlog

from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.config.platform import GatewayConfig
from mock_platform.control import Control
from mock_platform.dispatch import Delayed, Dispatcher

log = structlog.get_logger(__name__)

SINGLE_URL = "/fsi/api/rsfComIfsService/callService"
_PER_INFNO_URL = re.compile(r"^/fsi/api/([0-9A-Za-z]{1,10})$")

Sleep = Callable[[float], None]


class PlatformCore:
    def __init__(self, backend: Backend, gateway_config: GatewayConfig, *, sleep: Sleep = time.sleep) -> None:
        self.backend = backend
        self.gateway = gateway_config
        self.sleep = sleep
        self.dispatcher = Dispatcher(backend, gateway_config)
        self.control = Control(backend, gateway_config)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request, waiting with `sleep` for a delay fault; never raises."""
        step = self.start(request)
        if isinstance(step, Delayed):
            self.sleep(step.seconds)
            return self.resume(step)
        return step

    def start(self, request: HttpRequest) -> HttpResponse | Delayed:
        """Answer one request, or the wait a delay fault asks for before `resume`; never raises."""
        try:
            return self._route(request)
        except Exception:
            return self._internal_error(request)

    def resume(self, step: Delayed) -> HttpResponse:
        """Answer a request after its delay; never raises."""
        try:
            return step.resume()
        except Exception:
            return self._internal_error(None)

    @staticmethod
    def _internal_error(request: HttpRequest | None) -> HttpResponse:
        """An unexpected error: a JSON 500, logged."""
        where = {} if request is None else {"path": request.path, "method": request.method}
        log.exception("unhandled_request_error", **where)
        return HttpResponse.json(500, {"code": 500, "message": "医保平台内部错误"})

    def _route(self, request: HttpRequest) -> HttpResponse | Delayed:
        if request.path.startswith("/_mock/"):
            return self.control.handle(request)
        match = _PER_INFNO_URL.match(request.path)
        if request.path != SINGLE_URL and match is None:
            return HttpResponse.json(404, {"code": 404, "message": f"未找到请求地址[{request.path}]"})
        if request.method != "POST":
            return HttpResponse.json(
                405, {"code": 405, "message": f"不支持的请求方法[{request.method}]，请使用POST"}
            )
        return self.dispatcher.start(request, None if match is None else match.group(1))
