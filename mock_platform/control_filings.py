"""`/_mock/filings/...`: the insurer's side of hospital filings (2503), so tests can decide them.

* `POST /_mock/filings/approve {"trt_dcla_detl_sn"}`: the insurer approves a filing a hospital made (filed ->
  approved); from then 5301 lists it and settlement accepts it, and 2504 can no longer revoke it. Answers
  `{"trt_dcla_detl_sn", "status": "approved"}`; a filing not found or not waiting is HTTP 400 naming why.

The real platform approves in the insurer's own back office; there is no interface transaction for it.
"""

from __future__ import annotations

from collections.abc import Callable

from mock_platform import codec
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform.backend import Backend
from mock_platform.errors import RequestError

Route = Callable[[HttpRequest], HttpResponse]


def routes(backend: Backend) -> dict[tuple[str, str], Route]:
    def approve(request: HttpRequest) -> HttpResponse:
        try:
            body = codec.decode(request.body)
        except codec.CodecError:
            body = None
        serial = body.get("trt_dcla_detl_sn") if isinstance(body, dict) else None
        if not isinstance(serial, str) or not serial:
            return HttpResponse.json(
                400, {"code": 400, "message": 'the body must be {"trt_dcla_detl_sn": …}'}
            )
        try:
            with backend.store.transaction():
                backend.filings.approve(serial, now=backend.now())
        except RequestError as refusal:
            return HttpResponse.json(400, {"code": 400, "message": refusal.err_msg})
        return HttpResponse.json(200, {"trt_dcla_detl_sn": serial, "status": "approved"})

    return {("POST", "/_mock/filings/approve"): approve}
