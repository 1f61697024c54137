"""Dispatch: envelope in, handler by infno, envelope out (PROTOCOL.md §1.2, §1.4, §1.5).

Order of work for one API call, in two steps. Before the body is read (`admit`): gateway authentication
(refused -> the gateway's {"code": 401, …, "header"}, HTTP 401), the nonce not seen before (replay), the
declared body size (too large -> an envelope, infcode -1). Then (`proceed`): the nonce recorded as used,
JSON decoding (numbers bounded, `codec`), the fault rule for the infno if one is armed (`backend.faults`),
envelope validation, infno (supported, and equal to the path's infno for /fsi/api/{infno}), hospital,
sign-in, then the handler.

One call is one SQLite transaction (one commit: one fsync with a file store): the fault rule's countdown, the
handler's work, the inf_refmsgid serial and the journal row commit together. The handler runs in a savepoint
of its own: everything it changes is kept together, or nothing is (a refusal, an unexpected error), and the
refusal's serial and journal row still commit. A fault that answers instead of the platform processes
nothing, and commits only its countdown and journal row (and its envelope's serial). A `delay` fault is the
one exception: the countdown commits first, the wait happens outside any transaction (see `Delayed`), and the
rest is a second transaction. For an idempotent transaction (2201-2208, 2601, 9002) the handler's savepoint
looks the msgid up first — a processed msgid with the same body gets the stored answer again, with a
different body it is refused — and stores the answer with the work (`backend.messages`).

Every refusal after the gateway is a well-formed envelope with infcode -1 and a specific Chinese err_msg
(at most 200 characters, never the sender's input at length: `wire.clip_err_msg`), HTTP 200; an unexpected
exception is logged and answered the same way, never as a 500 page. Each call leaves one row in the traffic
journal, naming the fault that fired and the deviations accepted (e.g. a msgid not of the §1.3 form, also
reported in `warn_msg`), with both bodies, personal fields masked.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

import structlog
from pydantic import ValidationError

from mock_platform import codec, gateway
from mock_platform._http import HttpRequest, HttpResponse
from mock_platform._time import format_compact, format_millis
from mock_platform.backend import Backend
from mock_platform.backend.callstate import CallState
from mock_platform.backend.faults import (
    BEFORE_PROCESSING,
    DEFAULT_HOLD_SECONDS,
    ERROR_MESSAGE,
    MAINTENANCE_MESSAGE,
    Fault,
)
from mock_platform.backend.messages import request_digest
from mock_platform.backend.nonces import body_digest
from mock_platform.backend.traffic import (
    Outcome,
    TrafficEntry,
    mask,
    mask_json,
    stored_body,
    unescaped_json,
)
from mock_platform.config.platform import GatewayConfig
from mock_platform.conformance.profiles import Profile, ProfileSetting
from mock_platform.errors import GatewayAuthError, RequestError
from mock_platform.handlers import TRANSACTIONS, HandlerContext, Transaction
from mock_platform.handlers._base import FileDownload, Output
from mock_platform.handlers.signin import check_sign_in
from mock_platform.wire import (
    DEVIATION_SINK,
    RequestEnvelope,
    answer_envelope,
    clip_err_msg,
    describe,
    echo,
    msgid_deviation,
)

log = structlog.get_logger(__name__)

INTERNAL_ERROR = "医保平台内部错误，请稍后重试（参考号{inf_refmsgid}）"
BODY_TOO_LARGE = "请求报文超过{limit}字节上限"
NOT_JSON = "请求报文不是合法的JSON"
NONCE_RETRY = "x-tif-nonce重复使用：msgid[{msgid}]与报文均与首次请求相同，按客户端自动重发处理，返回首次应答"
REUSED_NONCE = "请求已使用过的随机数(nonce)，且msgid或报文与首次请求不同，疑似重放!"
LONE_SURROGATE = "请求报文含有无效的Unicode字符(孤立的UTF-16代理项)"
NUMBER_OUT_OF_RANGE = "请求报文中的数值超出范围(最多{chars}个字符，指数不超过±{exponent})"
# The largest request body read (4 MiB): a 2204 of 1,000 fee lines is ~600 KB; input is "C40000" in the spec.
MAX_BODY_BYTES = 4 * 1024 * 1024
FILE_CONTENT_TYPE = "application/octet-stream"
BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)

_T = TypeVar("_T")
_INFNO = re.compile(r"[0-9A-Za-z]{1,10}")


@dataclass
class _Exchange:
    """What is known about one call so far, for the response envelope and the journal (no personal data)."""

    request: HttpRequest
    received_at: datetime
    started: float = field(default_factory=time.perf_counter)
    path_infno: str | None = None
    infno: str = ""
    msgid: str = ""
    fixmedins_code: str = ""
    admdvs: str = ""
    subject: str = ""
    fault: str = ""
    payload: Any = None
    decoded: bool = False
    decode_error: str = NOT_JSON
    fired: Fault | None = None  # a fault rule that lets the call be processed (delay, *_after_commit)
    passed: gateway.Passed = gateway.NOT_VERIFIED
    warnings: list[str] = field(default_factory=list)
    psn_no: str = ""
    mdtrt_id: str = ""
    state: CallState | None = None  # sign-ins and fault rules as this call's transaction began (`callstate`)

    def peek(self, payload: Mapping[str, Any]) -> None:
        """Pick journal fields from a payload that may still fail validation."""
        self.infno = _text(payload.get("infno"))[:10] or self.infno
        self.msgid = _text(payload.get("msgid"))[:30]
        self.fixmedins_code = _text(payload.get("fixmedins_code"))[:30]
        area = _text(payload.get("mdtrtarea_admvs"))
        self.admdvs = area if len(area) == 6 and area.isdigit() else ""
        self.subject = _subject(payload.get("input"))
        raw_input = payload.get("input")
        # A key the body does not spell is in none of its objects (only a \u escape spells a key another way,
        # and UTF-16 or UTF-32 text holds NUL bytes): no walk for it, in most calls for one of the two (#18).
        body = self.request.body
        escaped = codec.may_hold_surrogates(body)  # a \u escape or a NUL byte: any key may be there
        if escaped or b'"psn_no"' in body:
            self.psn_no = _text(_find(raw_input, "psn_no"))[:30]
        if escaped or b'"mdtrt_id"' in body:
            self.mdtrt_id = _text(_find(raw_input, "mdtrt_id"))[:30]


class _Answer(NamedTuple):
    """An answer and what the journal keeps of it (a named tuple: built in C, one for every call)."""

    body: bytes
    infcode: int
    err_msg: str
    inf_refmsgid: str
    outcome: Outcome
    wire: Any = None  # the answer as a JSON value, for the journal
    content_type: str | None = None  # a file (9102) instead of a JSON envelope


@dataclass(frozen=True)
class Admitted:
    """A call the gateway let through before its body was read; `Dispatcher.proceed` answers it."""

    exchange: _Exchange


@dataclass(frozen=True)
class Delayed:
    """A call a `delay` fault holds back: wait `seconds`, then `resume()` answers it.

    The wait happens outside the store's transaction (which holds the store's lock for the whole call), and
    the caller chooses how to wait: the in-process transport with the platform's `sleep`, the ASGI app
    without blocking its event loop.
    """

    seconds: float
    resume: Callable[[], HttpResponse]


class Dispatcher:
    def __init__(
        self, backend: Backend, gateway_config: GatewayConfig, profile: ProfileSetting | None = None
    ) -> None:
        self._backend = backend
        self._gateway = gateway_config
        self.profile = profile or ProfileSetting()
        self._fallback_serial = itertools.count(1)

    def start(self, request: HttpRequest, path_infno: str | None) -> HttpResponse | Delayed:
        """Answer one call whose body is already read, or hand back the wait a `delay` fault asks for."""
        step = self.admit(request, path_infno)
        if isinstance(step, HttpResponse):
            return step
        if len(request.body) > MAX_BODY_BYTES:
            return self.oversized(step)
        return self.proceed(step, request.body)

    def admit(self, head: HttpRequest, path_infno: str | None) -> HttpResponse | Admitted:
        """What can be checked before the body is read: the gateway, replay, the declared size."""
        exchange = _Exchange(
            request=head, received_at=self._backend.now(), path_infno=path_infno, infno=path_infno or ""
        )
        try:
            exchange.passed = gateway.verify(self._gateway, head.headers, exchange.received_at)
            nonce = exchange.passed.nonce
            # A profile that takes a used nonce for a client's possible retry judges it with the body, when
            # `record` is refused (`_nonce_retry`), not here: served, a use seen now may be in a group
            # commit's batch that fails while the body is read.
            if (
                nonce is not None
                and self.profile.current.refuses("nonce_retry")
                and self._backend.nonces.seen(nonce, now=exchange.received_at.timestamp())
            ):
                raise _replayed_nonce()
        except GatewayAuthError as rejection:
            return self._gateway_rejected(exchange, rejection)
        admitted = Admitted(exchange)
        declared = head.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return self.oversized(admitted)
        return admitted

    def proceed(self, admitted: Admitted, body: bytes) -> HttpResponse | Delayed:
        """Answer an admitted call with its body, or hand back the wait a `delay` fault asks for first."""
        exchange = admitted.exchange
        exchange.request = exchange.request.with_body(body)
        self._decode(exchange)
        return self._one_transaction(exchange, self._fault_or_answer)

    def oversized(self, admitted: Admitted) -> HttpResponse:
        """A body over MAX_BODY_BYTES, refused unread (or read no further than the limit)."""
        exchange = admitted.exchange
        message = BODY_TOO_LARGE.format(limit=MAX_BODY_BYTES)
        wire = self._envelope(exchange, -1, message, {})
        self._journal(exchange, 200, -1, "error", message, wire["inf_refmsgid"], wire)
        return HttpResponse.json(200, wire)

    def last_resort(self, request: HttpRequest) -> HttpResponse:
        """An envelope for a call that failed outside every other guard (a defect): never an HTTP 500."""
        exchange = _Exchange(request=request, received_at=self._backend.now())
        refmsgid = self._refmsgid(exchange)
        message = INTERNAL_ERROR.format(inf_refmsgid=refmsgid)
        wire = self._envelope(exchange, -1, message, {}, refmsgid)
        self._journal(exchange, 200, -1, "internal_error", message, refmsgid, wire)
        return HttpResponse.json(200, wire)

    def _gateway_rejected(self, exchange: _Exchange, rejection: GatewayAuthError) -> HttpResponse:
        log.info("gateway_rejected", path=exchange.request.path, reason=rejection.reason)
        answer: dict[str, Any] = {"code": 401, "message": rejection.message}
        if rejection.header is not None:
            answer["header"] = rejection.header
        shown = rejection.message if rejection.header is None else f"{rejection.message} [{rejection.header}]"
        self._journal(exchange, 401, None, "gateway_rejected", shown, "", answer)
        return HttpResponse.json(401, answer)

    def _one_transaction(self, exchange: _Exchange, step: Callable[[_Exchange], _T]) -> _T | HttpResponse:
        """Run a step of a call as one SQLite transaction (one commit, so one fsync with a file store).

        The fault rule's countdown, the handler's work (in a savepoint of its own, so a refused request
        leaves nothing behind), the inf_refmsgid serial and the journal row commit together. Everything
        inside is caught and answered; what escapes is the store failing to begin or commit, and then
        nothing of the call was stored.
        """
        try:
            with self._backend.store.transaction():
                return step(exchange)
        except Exception:
            return self._store_failed(exchange)

    def _fault_or_answer(self, exchange: _Exchange) -> HttpResponse | Delayed:
        passed = exchange.passed
        retries = not self.profile.current.refuses("nonce_retry")
        if passed.nonce is not None and not self._backend.nonces.record(
            passed.nonce,
            expires_at=passed.expires_at,
            now=exchange.received_at.timestamp(),
            msgid=exchange.msgid if retries else None,
            digest=body_digest(exchange.request.body) if retries else None,
        ):  # used before (admit let it through as a possible retry), or a concurrent twin got in first
            retried = self._nonce_retry(exchange, passed.nonce)
            if retried is not None:
                return retried
        exchange.state = self._backend.call_state()
        # Only a plausible transaction number can have a fault rule (and reach the store as text).
        plausible = _INFNO.fullmatch(exchange.infno) is not None
        fault = self._backend.faults.take(exchange.infno, exchange.state) if plausible else None
        if fault is None:
            return self._process(exchange)
        exchange.fault = fault.kind
        log.info("fault_fired", infno=exchange.infno, msgid=exchange.msgid, kind=fault.kind)
        if fault.kind in BEFORE_PROCESSING:
            return self._fault_instead(exchange, fault)
        exchange.fired = fault
        if fault.kind == "delay":
            # The countdown commits now; the rest is a transaction of its own after the wait.
            return Delayed(
                fault.seconds or 0.0, partial(self._one_transaction, exchange, self._process_later)
            )
        return self._process(exchange)

    def _nonce_retry(self, exchange: _Exchange, nonce: str) -> HttpResponse | None:
        """A used nonce again: a client's retry (same msgid and body) where the profile accepts one.

        The first answer again, or None to process it when the first call was not (a fault answered instead);
        anything else under a used nonce is a replay, refused by the gateway."""
        profile = self.profile.current
        if profile.refuses("nonce_retry"):
            return self._gateway_rejected(exchange, _replayed_nonce())
        first = self._backend.nonces.first_use(nonce, now=exchange.received_at.timestamp())
        if first is None:  # used when no profile kept what it came with: cannot be told from a replay
            return self._gateway_rejected(exchange, _replayed_nonce())
        if (first.msgid, first.digest) != (exchange.msgid, body_digest(exchange.request.body)):
            return self._gateway_rejected(exchange, _reused_nonce())
        _deviate(exchange, profile, "nonce_retry", NONCE_RETRY.format(msgid=echo(exchange.msgid)))
        if first.answer is None:
            return None
        if first.content_type is not None:  # 9102's file, byte for byte
            wire = {"file": "", "bytes": len(first.answer)}
            self._journal(exchange, 200, 0, "replayed", "", "", wire)
            return HttpResponse(200, first.answer, content_type=first.content_type)
        stored = codec.decode(first.answer)
        stored["warn_msg"] = "；".join(filter(None, [stored.get("warn_msg"), *exchange.warnings]))
        answer = _replayed(codec.encode(stored))
        self._journal(exchange, 200, answer.infcode, "replayed", answer.err_msg, answer.inf_refmsgid, stored)
        return HttpResponse(200, answer.body)

    def _process_later(self, exchange: _Exchange) -> HttpResponse:
        """`_process` in a transaction after a delay: the call state read before it may be gone."""
        exchange.state = self._backend.call_state()
        return self._process(exchange)

    def _process(self, exchange: _Exchange) -> HttpResponse:
        """Envelope checks, the handler and the journal row; the answer, or how it is lost (fault rules)."""
        answer = self._answer(exchange)
        nonce = exchange.passed.nonce
        if nonce is not None and not self.profile.current.refuses("nonce_retry"):
            self._backend.nonces.keep_answer(nonce, answer.body, answer.content_type)
        self._journal(
            exchange,
            200,
            answer.infcode,
            answer.outcome,
            answer.err_msg,
            answer.inf_refmsgid,
            answer.wire,
            encoded=answer.body if answer.content_type is None else None,
        )
        log.info("transaction", infno=exchange.infno, msgid=exchange.msgid, infcode=answer.infcode)
        response = HttpResponse(200, answer.body)
        if answer.content_type is not None:
            response = replace(response, content_type=answer.content_type)
        fault = exchange.fired
        if fault is not None and fault.kind == "drop_after_commit":
            return replace(response, disposition="drop")
        if fault is not None and fault.kind == "timeout_after_commit":
            hold = DEFAULT_HOLD_SECONDS if fault.seconds is None else fault.seconds
            return replace(response, disposition="hold_then_drop", hold_seconds=hold)
        return response

    def _store_failed(self, exchange: _Exchange) -> HttpResponse:
        """The store could not begin or commit the call, so nothing of it is stored: an internal error.

        Its serial and journal row are written apart, each on its own, if the store works again.
        """
        refmsgid = self._refmsgid(exchange)
        log.exception("call_not_committed", infno=exchange.infno, msgid=exchange.msgid, inf_refmsgid=refmsgid)
        message = INTERNAL_ERROR.format(inf_refmsgid=refmsgid)
        answer = self._finish(self._envelope(exchange, -1, message, {}, refmsgid), "internal_error")
        wire, encoded = answer.wire, answer.body
        self._journal(exchange, 200, -1, "internal_error", message, refmsgid, wire, encoded=encoded)
        return HttpResponse(200, answer.body)

    def _decode(self, exchange: _Exchange) -> None:
        try:
            exchange.payload = codec.decode(exchange.request.body)
            exchange.decoded = True
        except codec.NumberOutOfRangeError:
            exchange.decode_error = NUMBER_OUT_OF_RANGE.format(
                chars=codec.MAX_NUMBER_CHARS, exponent=codec.MAX_EXPONENT
            )
            return
        except codec.CodecError:
            return
        # "\ud800" is valid JSON but not text: nothing could store or echo it faithfully.
        if codec.may_hold_surrogates(exchange.request.body) and codec.has_lone_surrogate(exchange.payload):
            exchange.decoded = False
            exchange.decode_error = LONE_SURROGATE
            exchange.payload = None
            return
        if isinstance(exchange.payload, dict):
            exchange.peek(exchange.payload)

    def _fault_instead(self, exchange: _Exchange, fault: Fault) -> HttpResponse:
        """A fault that answers instead of the platform: nothing is processed."""
        if fault.kind == "fail_before_commit":
            self._journal(exchange, 0, None, "fault", "", "")
            return HttpResponse(0, b"", disposition="drop")
        if fault.kind == "bad_gateway":
            self._journal(exchange, 502, None, "fault", "502 Bad Gateway", "", "502 Bad Gateway (HTML page)")
            return HttpResponse(502, BAD_GATEWAY_PAGE, content_type="text/html")
        if fault.kind == "gateway_auth":
            message = gateway.BAD_SIGNATURE
            answer = {"code": 401, "message": message}
            self._journal(exchange, 401, None, "fault", message, "", answer)
            return HttpResponse.json(401, answer)
        default = MAINTENANCE_MESSAGE if fault.kind == "maintenance" else ERROR_MESSAGE
        wire = self._envelope(exchange, -1, fault.message or default, {})
        self._journal(exchange, 200, -1, "fault", wire["err_msg"], wire["inf_refmsgid"], wire)
        return HttpResponse.json(200, wire)

    def _answer(self, exchange: _Exchange) -> _Answer:
        profile = self.profile.current
        sink = DEVIATION_SINK.set(partial(_deviate, exchange, profile))
        try:
            transaction, context = self._prepare(exchange, exchange.path_infno)
            with self._backend.store.transaction():  # the handler's savepoint
                return self._run(exchange, transaction, context)
        except RequestError as refusal:
            return self._finish(self._envelope(exchange, -1, refusal.err_msg, {}), "error")
        except Exception:
            refmsgid = self._refmsgid(exchange)
            log.exception(
                "unexpected_error", infno=exchange.infno, msgid=exchange.msgid, inf_refmsgid=refmsgid
            )
            message = INTERNAL_ERROR.format(inf_refmsgid=refmsgid)
            return self._finish(self._envelope(exchange, -1, message, {}, refmsgid), "internal_error")
        finally:
            DEVIATION_SINK.reset(sink)

    def _deviations(self, exchange: _Exchange, envelope: RequestEnvelope) -> None:
        """The envelope's deviations from the national text, each reported or refused by the profile."""
        profile = self.profile.current
        report = partial(_deviate_or_refuse, exchange, profile)
        deviation = msgid_deviation(envelope.msgid, envelope.fixmedins_code)
        if deviation is not None:
            report("msgid_form", deviation)
        content_type = exchange.request.headers.get("content-type", "")
        # Absent is not reported (nothing claims another type); a type other than JSON is (text/plain).
        if content_type and not content_type.lower().startswith("application/json"):
            report("content_type", f"Content-Type[{echo(content_type)}]不是application/json")
        sent = datetime.fromisoformat(envelope.inf_time).replace(tzinfo=exchange.received_at.tzinfo)
        skew = abs((sent - exchange.received_at).total_seconds())
        if skew > profile.clock_skew_seconds:
            report(
                "inf_time_skew",
                f"报文头[inf_time]与平台时间相差{int(skew)}秒(超过{profile.clock_skew_seconds}秒)",
            )
        issued = self._backend.config.platform.envelope.infver
        if envelope.infver != issued:
            report("unknown_infver", f"报文头[infver]值[{envelope.infver}]不是平台下发的接口版本号[{issued}]")
        if "null" in _optional_text(envelope):  # one C call; the names only for a report
            nulls = [name for name in _OPTIONAL_TEXT if getattr(envelope, name) == "null"]
            fields = "、".join(f"[{name}]" for name in nulls)
            report("null_text", f'报文头{fields}为字符串"null"，空值应为""')

    def _prepare(self, exchange: _Exchange, path_infno: str | None) -> tuple[Transaction, HandlerContext]:
        if not exchange.decoded:
            raise RequestError(exchange.decode_error)
        if not isinstance(exchange.payload, dict):
            raise RequestError("请求报文必须是JSON对象")
        try:
            envelope = RequestEnvelope.model_validate(exchange.payload)
        except ValidationError as exc:
            raise RequestError(describe(exc, "报文头")) from exc
        self._deviations(exchange, envelope)
        if path_infno is not None and path_infno != envelope.infno:
            raise RequestError(f"报文头[infno]值[{envelope.infno}]与请求地址中的交易编号[{path_infno}]不一致")
        transaction = TRANSACTIONS.get(envelope.infno)
        if transaction is None:
            raise RequestError(f"不支持的交易编号[{envelope.infno}]")
        context = self._context(envelope, exchange)
        # A region may make sign-in optional (an empty sign_no accepted); a sign_no sent is still checked.
        if transaction.requires_sign_in and (self.profile.current.sign_in_required or envelope.sign_no):
            check_sign_in(context, exchange.state)
        return transaction, context

    def _run(self, exchange: _Exchange, transaction: Transaction, context: HandlerContext) -> _Answer:
        """The handler, inside the request's transaction; for idempotent ones, once per msgid."""
        envelope = context.envelope
        digest = ""
        if transaction.idempotent:
            digest = request_digest(envelope.infno, envelope.fixmedins_code, envelope.input)
            stored = self._backend.messages.find(envelope.msgid)
            if stored is not None:
                if stored.digest != digest or self.profile.current.duplicate_msgid == "refuse":
                    raise RequestError(f"发送方报文ID[{envelope.msgid}]重复")
                return _replayed(stored.answer)
        output = transaction.handler(context)
        if isinstance(output, FileDownload):  # 9102: the bytes themselves (PROTOCOL.md §1.1)
            return _Answer(
                output.content,
                0,
                "",
                self._refmsgid(exchange),
                "success",
                wire={"file": output.filename, "bytes": len(output.content)},
                content_type=FILE_CONTENT_TYPE,
            )
        warning = "；".join([*exchange.warnings, *context.notes]) or None
        answer = self._finish(self._envelope(exchange, 0, "", output, warn_msg=warning), "success")
        if transaction.idempotent:
            self._backend.messages.save(
                envelope.msgid,
                infno=envelope.infno,
                fixmedins_code=envelope.fixmedins_code,
                digest=digest,
                answer=answer.body,
                now=context.now,
            )
        return answer

    def _context(self, envelope: RequestEnvelope, exchange: _Exchange) -> HandlerContext:
        hospital = self._backend.reference.hospital(envelope.fixmedins_code)
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
        output: Output,
        refmsgid: str | None = None,
        *,
        warn_msg: str | None = None,
    ) -> dict[str, Any]:
        """The answer envelope as a JSON value (`wire.answer_envelope`)."""
        if warn_msg is None and exchange.warnings:
            warn_msg = "；".join(exchange.warnings)
        refmsg_time = format_millis(exchange.received_at)  # the compact time + milliseconds
        return answer_envelope(
            infcode=infcode,
            inf_refmsgid=refmsgid or self._refmsgid(exchange, refmsg_time[:-3]),
            refmsg_time=refmsg_time,
            respond_time=format_millis(self._backend.now()),
            err_msg=clip_err_msg(err_msg),
            warn_msg=warn_msg,
            output=output,
        )

    @staticmethod
    def _finish(wire: dict[str, Any], outcome: Outcome) -> _Answer:
        body = codec.encode_answer(wire)
        return _Answer(body, wire["infcode"], wire["err_msg"], wire["inf_refmsgid"], outcome, wire)

    def _refmsgid(self, exchange: _Exchange, compact: str | None = None) -> str:
        """Receiver admdvs(6) + yyyyMMddHHmmss(14) + serial(10) (PROTOCOL.md §1.4); `compact` is the
        received time so written, when the caller has it already."""
        admdvs = exchange.admdvs or self._backend.config.platform.envelope.fallback_admdvs
        try:
            serial = self._backend.next_serial("inf_refmsgid")
        except Exception:  # the store is failing; still answer with a well-formed id
            log.exception("refmsgid_serial_failed")
            serial = next(self._fallback_serial)
        if compact is None:
            compact = format_compact(exchange.received_at)
        return f"{admdvs}{compact}{serial % 10**10:010d}"

    def _journal(
        self,
        exchange: _Exchange,
        status: int,
        infcode: int | None,
        outcome: Outcome,
        err_msg: str,
        refmsgid: str,
        answer: Any = None,
        *,
        encoded: bytes | None = None,
    ) -> None:
        """One traffic row; `encoded` is `answer` as the codec wrote it, when the call has it already."""
        mdtrt_id = exchange.mdtrt_id
        # The codec writes every key as it is: bytes without "mdtrt_id" have no such member to look for.
        if not mdtrt_id and isinstance(answer, Mapping) and (encoded is None or b'"mdtrt_id"' in encoded):
            mdtrt_id = _text(_find(answer.get("output"), "mdtrt_id"))[:30]
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
            duration_ms=round((time.perf_counter() - exchange.started) * 1000),
            fault=exchange.fault,
            warnings="；".join(exchange.warnings),
            psn_no=exchange.psn_no,
            mdtrt_id=mdtrt_id,
            request_body=_journal_body(exchange),
            answer_body=_masked_text(answer) if encoded is None else _masked_bytes(encoded),
        )
        try:
            self._backend.traffic.record(entry)
        except Exception:
            log.exception("journal_write_failed", infno=exchange.infno, msgid=exchange.msgid)


_OPTIONAL_TEXT = ("insuplc_admdvs", "dev_no", "dev_safe_info", "cainfo", "signtype", "sign_no")
_optional_text = attrgetter(*_OPTIONAL_TEXT)


def _deviate(exchange: _Exchange, profile: Profile, kind: str, text: str) -> bool:
    """Record a deviation found while validating; True when the profile refuses it (the validator raises)."""
    if profile.refuses(kind):  # type: ignore[arg-type]
        exchange.warnings.append(f"{text}（{profile.name}规则拒绝）")
        return True
    if text not in exchange.warnings:
        exchange.warnings.append(text)
    return False


def _deviate_or_refuse(exchange: _Exchange, profile: Profile, kind: str, text: str) -> None:
    if _deviate(exchange, profile, kind, text):
        raise RequestError(f"{text}（{profile.name}规则拒绝）")


def _replayed_nonce() -> GatewayAuthError:
    return GatewayAuthError(gateway.REPLAYED_NONCE, reason="replayed_nonce", header="x-tif-nonce")


def _reused_nonce() -> GatewayAuthError:
    """A used nonce with another msgid or body: a replay even where a client's retry is accepted."""
    return GatewayAuthError(REUSED_NONCE, reason="replayed_nonce", header="x-tif-nonce")


def _replayed(body: bytes) -> _Answer:
    stored = codec.decode(body)
    return _Answer(
        body, int(stored["infcode"]), str(stored["err_msg"]), str(stored["inf_refmsgid"]), "replayed", stored
    )


def _journal_body(exchange: _Exchange) -> str:
    """The request body for the journal: masked JSON, or only its size when it is not JSON (it cannot be
    masked field by field, and may hold personal data)."""
    if exchange.decoded:
        # As sent, masked, when it can be masked as text (not encoded again: issue #18); else re-encoded.
        text = unescaped_json(exchange.request.body)
        return _masked_text(exchange.payload) if text is None else stored_body(mask_json(text))
    size = len(exchange.request.body)
    return f"<{size} bytes, not JSON>" if size else ""


def _masked_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return stored_body(value)
    try:
        return _masked_bytes(codec.encode(value))
    except codec.CodecError:
        return "<not JSON>"


def _masked_bytes(encoded: bytes) -> str:
    """JSON the codec wrote, as the journal stores it: personal fields masked, cut when too long."""
    return stored_body(mask_json(encoded.decode("utf-8", errors="replace")))


def _find(node: Any, key: str, depth: int = 0) -> Any:
    """The first value of `key` in a JSON value, searching objects and the first element of arrays, 3 deep."""
    if depth > 3:
        return None
    kind = type(node)  # decoded JSON holds exact dicts and lists: their checks first (issue #18)
    if kind is list or (kind is not dict and isinstance(node, list)):
        return _find(node[0], key, depth + 1) if node else None
    if kind is not dict and not isinstance(node, Mapping):
        return None
    if key in node:
        return node[key]
    for child in node.values():
        kind = type(child)
        if kind is str or kind is Decimal:  # most members: no isinstance checks for them
            continue
        if kind is dict or kind is list or isinstance(child, Mapping | list):
            found = _find(child, key, depth + 1)
            if found is not None:
                return found
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _subject(raw_input: Any) -> str:
    """Who a call is about, for the journal: psn_no, or a masked credential (never a full ID/card/token)."""
    if not isinstance(raw_input, Mapping):
        return ""
    data = raw_input.get("data")
    if not isinstance(data, Mapping):
        for name in ("mdtrtinfo", "feedetail"):
            node = raw_input.get(name)
            data = node[0] if isinstance(node, list) and node else node
            if isinstance(data, Mapping):
                break
        else:
            return ""
    psn_no = _text(data.get("psn_no"))
    if psn_no:
        return f"psn_no={psn_no[:30]}"
    credential = _text(data.get("mdtrt_cert_no"))
    if credential:
        return f"mdtrt_cert_no={mask(credential[:50])}"
    return ""
