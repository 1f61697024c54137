"""The platform core: the synchronous entry points for every HTTP request.

Routing lives here, not in the ASGI app, so that the served app and the in-process httpx transport are the
same code path: both only convert their request into an `HttpRequest` and back.

`handle` answers a request, waiting with the platform's `sleep` when a `delay` fault fires (the in-process
transport). `start` answers it or hands back that wait as a `Delayed` step, to be waited for by the caller
and then `resume`d (the ASGI app, which must not block its event loop).

* `POST /fsi/api/rsfComIfsService/callService`  infno from the envelope (one URL for all, TZ/NT style)
* `POST /fsi/api/{infno}`                        infno from the path, must equal the envelope's (GZ style)
* `GET /openapi.json`                            the OpenAPI 3.1 description (`conformance.openapi`)
* `/_mock/...`                                   control endpoints (no gateway; loopback only, or with
                                                 the control token when one is configured)

A served request is answered in two steps so that nothing is read before it is admitted: `open` checks what
the head allows (route, method, control access, gateway, replay, declared size), then the app reads the body
up to `MAX_BODY_BYTES` and calls `proceed`. No request to the platform endpoint is ever answered with an
HTTP 500: a defect there is still an envelope (infcode -1) with a journal row.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.config.platform import GatewayConfig
from mock_platform.conformance.profiles import DEFAULT_PROFILE, ProfileSetting
from mock_platform.control import Control
from mock_platform.dispatch import MAX_BODY_BYTES, Admitted, Delayed, Dispatcher

log = structlog.get_logger(__name__)

SINGLE_URL = "/fsi/api/rsfComIfsService/callService"
_PER_INFNO_URL = re.compile(r"^/fsi/api/([0-9A-Za-z]{1,10})$")

Sleep = Callable[[float], None]

CONTROL_TOKEN_HEADER = "x-mock-control-token"
CONTROL_FORBIDDEN = (
    "the /_mock control plane answers only on loopback; to reach it from elsewhere, start the mock with a "
    "control token (OPSP_MOCK_CONTROL_TOKEN) and send it in the X-Mock-Control-Token header"
)
CONTROL_BAD_TOKEN = "the /_mock control plane needs the configured token in the X-Mock-Control-Token header"


@dataclass(frozen=True)
class Opened:
    """A request admitted on its head: read the body (at most `max_body` bytes), then `proceed`."""

    request: HttpRequest
    admitted: Admitted | None  # None: a control request
    max_body: int = MAX_BODY_BYTES


class PlatformCore:
    def __init__(
        self,
        backend: Backend,
        gateway_config: GatewayConfig,
        *,
        sleep: Sleep = time.sleep,
        control_token: str | None = None,
        profile: str = DEFAULT_PROFILE,
    ) -> None:
        self.backend = backend
        self.gateway = gateway_config
        self.sleep = sleep
        self.control_token = control_token or None
        self._openapi_document: dict[str, Any] | None = None
        self.profile = ProfileSetting(profile)
        self.dispatcher = Dispatcher(backend, gateway_config, self.profile)
        self.control = Control(backend, gateway_config, self.profile)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request, waiting with `sleep` for a delay fault; never raises."""
        step = self.start(request)
        if isinstance(step, Delayed):
            self.sleep(step.seconds)
            return self.resume(step)
        return step

    def start(self, request: HttpRequest) -> HttpResponse | Delayed:
        """Answer one request, or the wait a delay fault asks for before `resume`; never raises."""
        step = self.open(request.with_body(b""))
        if isinstance(step, HttpResponse):
            return step
        if len(request.body) > step.max_body:
            return self.oversized(step)
        return self.proceed(step, request.body)

    def open(self, head: HttpRequest) -> HttpResponse | Opened:
        """Check a request on its head (its body is not looked at); never raises."""
        try:
            return self._route(head)
        except Exception:
            return self._internal_error(head)

    def proceed(self, opened: Opened, body: bytes) -> HttpResponse | Delayed:
        """Answer an opened request with its body; never raises."""
        try:
            if opened.admitted is None:
                return self.control.handle(opened.request.with_body(body))
            return self.dispatcher.proceed(opened.admitted, body)  # it keeps the body with the request
        except Exception:
            return self._internal_error(opened.request.with_body(body))

    def oversized(self, opened: Opened) -> HttpResponse:
        """The answer to a body larger than `opened.max_body`; never raises."""
        try:
            if opened.admitted is None:
                return HttpResponse.json(
                    413, {"code": 413, "message": f"the body is larger than {opened.max_body} bytes"}
                )
            return self.dispatcher.oversized(opened.admitted)
        except Exception:
            return self._internal_error(opened.request)

    def resume(self, step: Delayed) -> HttpResponse:
        """Answer a request after its delay; never raises."""
        try:
            return step.resume()
        except Exception:
            return self._internal_error(None)

    def _internal_error(self, request: HttpRequest | None) -> HttpResponse:
        """An unexpected error, logged: on the platform endpoint still an envelope (never an HTTP 500)."""
        where = {} if request is None else {"path": request.path, "method": request.method}
        log.exception("unhandled_request_error", **where)
        if request is not None and not request.path.startswith("/_mock/"):
            try:
                return self.dispatcher.last_resort(request)
            except Exception:
                log.exception("last_resort_failed", **where)
        return HttpResponse.json(500, {"code": 500, "message": "医保平台内部错误"})

    def _route(self, request: HttpRequest) -> HttpResponse | Opened:
        if request.path == "/openapi.json" and request.method == "GET":
            return HttpResponse.json(200, self._openapi())
        if request.path.startswith("/_mock/"):
            refusal = self._control_refusal(request)
            return refusal if refusal is not None else Opened(request, None)
        match = _PER_INFNO_URL.match(request.path)
        if request.path != SINGLE_URL and match is None:
            return HttpResponse.json(404, {"code": 404, "message": f"未找到请求地址[{request.path[:100]}]"})
        if request.method != "POST":
            return HttpResponse.json(
                405, {"code": 405, "message": f"不支持的请求方法[{request.method[:20]}]，请使用POST"}
            )
        step = self.dispatcher.admit(request, None if match is None else match.group(1))
        return step if isinstance(step, HttpResponse) else Opened(request, step)

    def _openapi(self) -> dict[str, Any]:
        if self._openapi_document is None:
            from mock_platform.conformance.openapi import build_openapi  # built once, on first request

            self._openapi_document = build_openapi()
        return self._openapi_document

    def _control_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """Why a control request is refused (HTTP 403), or None: loopback only, unless a token is set."""
        if self.control_token is not None:
            given = request.headers.get(CONTROL_TOKEN_HEADER, "")
            if hmac.compare_digest(given.encode(), self.control_token.encode()):
                return None
            return HttpResponse.json(403, {"code": 403, "message": CONTROL_BAD_TOKEN})
        if request.client is None or _is_loopback(request.client):
            return None
        return HttpResponse.json(403, {"code": 403, "message": CONTROL_FORBIDDEN})


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
