"""Dispatch: envelope in, handler by infno, envelope out (PROTOCOL.md §1.2, §1.4, §1.5).

Order of work for one API call: gateway authentication (refused -> the gateway's {"code": 401, …}, HTTP 401),
JSON decoding, envelope validation, infno (supported, and equal to the path's infno for /fsi/api/{infno}),
hospital, sign-in, then the handler. Every refusal after the gateway is a well-formed envelope with infcode -1
and a specific Chinese err_msg, HTTP 200; an unexpected exception is logged and answered the same way, never
as a 500 page. Each call leaves one row in the traffic journal.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError

from mock_platform import codec, gateway
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform._time import format_millis
from mock_platform.backend import Backend
from mock_platform.backend.traffic import Outcome, TrafficEntry, mask
from mock_platform.config.platform import GatewayConfig
from mock_platform.errors import GatewayAuthError, RequestError
from mock_platform.handlers import TRANSACTIONS, HandlerContext
from mock_platform.handlers.signin import check_sign_in
from mock_platform.wire import RequestEnvelope, ResponseEnvelope, describe

log = structlog.get_logger(__name__)

INTERNAL_ERROR = "医保平台内部错误，请稍后重试（参考号{inf_refmsgid}）"


@dataclass
class _Exchange:
    """What is known about one call so far, for the response envelope and the journal (no personal data)."""

    request: HttpRequest
    received_at: datetime
    infno: str = ""
    msgid: str = ""
    fixmedins_code: str = ""
    admdvs: str = ""
    subject: str = ""

    def peek(self, payload: Mapping[str, Any]) -> None:
        """Pick journal fields from a payload that may still fail validation."""
        self.infno = _text(payload.get("infno"))[:10]
        self.msgid = _text(payload.get("msgid"))[:30]
        self.fixmedins_code = _text(payload.get("fixmedins_code"))[:30]
        area = _text(payload.get("mdtrtarea_admvs"))
        self.admdvs = area if len(area) == 6 and area.isdigit() else ""
        self.subject = _subject(payload.get("input"))


class Dispatcher:
    def __init__(self, backend: Backend, gateway_config: GatewayConfig) -> None:
        self._backend = backend
        self._gateway = gateway_config
        self._fallback_serial = itertools.count(1)

    def handle(self, request: HttpRequest, path_infno: str | None) -> HttpResponse:
        exchange = _Exchange(request=request, received_at=self._backend.now(), infno=path_infno or "")
        started = time.perf_counter()
        try:
            gateway.verify(self._gateway, request.headers, exchange.received_at)
        except GatewayAuthError as rejection:
            log.info("gateway_rejected", path=request.path, reason=rejection.reason)
            self._journal(exchange, started, 401, None, "gateway_rejected", rejection.message, "")
            return HttpResponse.json(401, {"code": 401, "message": rejection.message})
        envelope, outcome = self._answer(exchange, path_infno)
        self._journal(
            exchange, started, 200, envelope.infcode, outcome, envelope.err_msg, envelope.inf_refmsgid
        )
        log.info("transaction", infno=exchange.infno, msgid=exchange.msgid, infcode=envelope.infcode)
        return HttpResponse.json(200, envelope.model_dump(mode="python"))

    def _answer(self, exchange: _Exchange, path_infno: str | None) -> tuple[ResponseEnvelope, Outcome]:
        try:
            output = self._process(exchange, path_infno)
        except RequestError as refusal:
            return self._envelope(exchange, -1, refusal.err_msg, {}), "error"
        except Exception:
            refmsgid = self._refmsgid(exchange)
            log.exception(
                "unexpected_error", infno=exchange.infno, msgid=exchange.msgid, inf_refmsgid=refmsgid
            )
            message = INTERNAL_ERROR.format(inf_refmsgid=refmsgid)
            return self._envelope(exchange, -1, message, {}, refmsgid), "internal_error"
        return self._envelope(exchange, 0, "", output), "success"

    def _process(self, exchange: _Exchange, path_infno: str | None) -> dict[str, Any]:
        try:
            payload = codec.decode(exchange.request.body)
        except codec.CodecError as exc:
            raise RequestError("请求报文不是合法的JSON") from exc
        if not isinstance(payload, dict):
            raise RequestError("请求报文必须是JSON对象")
        exchange.peek(payload)
        try:
            envelope = RequestEnvelope.model_validate(payload)
        except ValidationError as exc:
            raise RequestError(describe(exc, "报文头")) from exc
        if path_infno is not None and path_infno != envelope.infno:
            raise RequestError(f"报文头[infno]值[{envelope.infno}]与请求地址中的交易编号[{path_infno}]不一致")
        transaction = TRANSACTIONS.get(envelope.infno)
        if transaction is None:
            raise RequestError(f"不支持的交易编号[{envelope.infno}]")
        context = self._context(envelope, exchange)
        if transaction.requires_sign_in:
            check_sign_in(context)
        return transaction.handler(context)

    def _context(self, envelope: RequestEnvelope, exchange: _Exchange) -> HandlerContext:
        hospital = self._backend.config.hospital(envelope.fixmedins_code)
        if hospital is None:
            raise RequestError(f"未找到定点医药机构[{envelope.fixmedins_code}]信息")
        exchange.admdvs = hospital.admdvs
        if envelope.mdtrtarea_admvs != hospital.admdvs:
            raise RequestError(
                f"报文头[mdtrtarea_admvs]值[{envelope.mdtrtarea_admvs}]与定点医药机构所属医保区划[{hospital.admdvs}]不一致"
            )
        return HandlerContext(
            backend=self._backend, envelope=envelope, hospital=hospital, now=exchange.received_at
        )

    def _envelope(
        self,
        exchange: _Exchange,
        infcode: int,
        err_msg: str,
        output: dict[str, Any],
        refmsgid: str | None = None,
    ) -> ResponseEnvelope:
        return ResponseEnvelope(
            infcode=infcode,
            inf_refmsgid=refmsgid or self._refmsgid(exchange),
            refmsg_time=format_millis(exchange.received_at),
            respond_time=format_millis(self._backend.now()),
            err_msg=err_msg,
            output=output,
        )

    def _refmsgid(self, exchange: _Exchange) -> str:
        """Receiver admdvs(6) + yyyyMMddHHmmss(14) + serial(10) (PROTOCOL.md §1.4)."""
        admdvs = exchange.admdvs or self._backend.config.platform.envelope.fallback_admdvs
        try:
            serial = self._backend.next_serial("inf_refmsgid")
        except Exception:  # the store is failing; still answer with a well-formed id
            log.exception("refmsgid_serial_failed")
            serial = next(self._fallback_serial)
        return f"{admdvs}{exchange.received_at:%Y%m%d%H%M%S}{serial % 10**10:010d}"

    def _journal(
        self,
        exchange: _Exchange,
        started: float,
        status: int,
        infcode: int | None,
        outcome: Outcome,
        err_msg: str,
        refmsgid: str,
    ) -> None:
        entry = TrafficEntry(
            received_at=exchange.received_at.isoformat(timespec="milliseconds"),
            path=exchange.request.path,
            infno=exchange.infno,
            msgid=exchange.msgid,
            fixmedins_code=exchange.fixmedins_code,
            inf_refmsgid=refmsgid,
            http_status=status,
            infcode=infcode,
            outcome=outcome,
            err_msg=err_msg,
            subject=exchange.subject,
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        try:
            self._backend.traffic.record(entry)
        except Exception:
            log.exception("journal_write_failed", infno=exchange.infno, msgid=exchange.msgid)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _subject(raw_input: Any) -> str:
    """Who a call is about, for the journal: psn_no, or a masked credential (never a full ID/card/token)."""
    if not isinstance(raw_input, Mapping):
        return ""
    data = raw_input.get("data")
    if not isinstance(data, Mapping):
        return ""
    psn_no = _text(data.get("psn_no"))
    if psn_no:
        return f"psn_no={psn_no[:30]}"
    credential = _text(data.get("mdtrt_cert_no"))
    if credential:
        return f"mdtrt_cert_no={mask(credential[:50])}"
    return ""
