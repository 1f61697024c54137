"""The synchronous platform client: one logical call = one msgid, whatever happens.

``PlatformClient.call`` builds the envelope, signs each attempt for the gateway,
posts it with httpx (through a host's ``httpx.Client``, or below the one it built itself:
``adapter/_posting.py``), reads the answer and turns every failure into the adapter's
error tree at this one choke point (STYLE.md §3). Retry policy (STYLE.md §4):

* queries (``changes_state=False``) are retried by tenacity on transport failures
  and maintenance answers, with the *same* msgid and body on every attempt;
* state-changing calls are retried only when nothing reached the platform
  (``ConnectError``); any ambiguous end — timeout after sending, dropped connection,
  HTTP 5xx, an answer that is not an envelope, a 停机 message, an unreadable success —
  raises ``OutcomeUnknownError`` carrying the msgid, for the execution layer to
  reverse with 冲正 (2601).

Sign-in (9001) happens once per operator per day and is cached; when the platform
refuses the sign_no, the client signs in again and resends the same call once.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import httpx
from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
)
from tenacity.stop import stop_base

from ._clock import Clock, china_now
from ._envelope import GatewayRefusal, RequestEnvelope, ResponseEnvelope, UnreadableAnswer, read_answer
from ._errors import (
    AdapterError,
    AuthenticationError,
    BusinessRuleError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    InputError,
    OutcomeUnknownError,
    PlatformError,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
    TransportError,
)
from ._gateway import GatewayAuth, build_gateway
from ._logging import get_logger
from ._msgid import MsgIdFactory, Reserve
from ._posting import build_poster
from ._settings import AdapterSettings, header_value_problem
from ._transport import Answer
from .transactions import InputModel, OutputModel, Transaction, t9001, t9002

__all__ = ["PlatformClient", "Reply", "SignInRejectedError"]

OutT = TypeVar("OutT", bound=OutputModel)

_logger = get_logger(__name__)

# Failures after which a query may simply be asked again.
_QUERY_RETRYABLE: tuple[type[Exception], ...] = (
    ConnectError,
    PlatformTimeoutError,
    ProtocolError,
    PlatformUnavailableError,
)
# Failures after which a state-changing call may have been committed.
_AMBIGUOUS: tuple[type[Exception], ...] = (PlatformTimeoutError, ProtocolError, PlatformUnavailableError)


class SignInRejectedError(AuthenticationError):
    """The platform refused the envelope's sign_no (missing, stale or signed out)."""


@dataclass(frozen=True)
class Reply(Generic[OutT]):
    """A successful answer: the typed output plus the envelope it came in."""

    infno: str
    msgid: str
    output: OutT
    envelope: ResponseEnvelope


class PlatformClient:
    """Talks to one platform as one institution and one operator."""

    def __init__(
        self,
        settings: AdapterSettings,
        *,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = china_now,
        sleep: Callable[[float], None] = time.sleep,
        msgid_factory: MsgIdFactory | Callable[[], str] | None = None,
        gateway: GatewayAuth | None = None,
        platform: str | None = None,
    ) -> None:
        self._settings = settings
        self._platform = platform or settings.endpoint
        # Chosen once: a host's client or transport is posted to through Client.post; a client the
        # adapter built over its own transport, directly (adapter/_posting.py).
        self._poster, self._http = build_poster(
            _timeout(settings), http_client=http_client, transport=transport
        )
        self._clock = clock
        self._sleep = sleep
        self._new_msgid = msgid_factory or MsgIdFactory(
            settings.fixmedins_code, clock=clock, node=settings.msgid_node
        )
        self._gateway = gateway or build_gateway(settings.gateway)
        self._sign_in_lock = threading.Lock()
        self._sign_ins: dict[tuple[str, date], str] = {}
        # By changes_state: what may be tried again, and the tenacity Retrying that does it (built
        # once: a Retrying keeps each call's state thread-locally).
        self._retryable: dict[bool, tuple[type[Exception], ...]] = {
            False: _QUERY_RETRYABLE,
            True: (ConnectError,),
        }
        self._retrying = {changes: self._retrying_for(kinds) for changes, kinds in self._retryable.items()}
        self._fixed_envelope = RequestEnvelope(
            mdtrtarea_admvs=settings.mdtrtarea_admvs,
            recer_sys_code=settings.recer_sys_code,
            infver=settings.infver,
            opter_type=settings.opter_type,
            opter=settings.opter,
            opter_name=settings.opter_name,
            fixmedins_code=settings.fixmedins_code,
            fixmedins_name=settings.fixmedins_name,
            dev_no=settings.dev_no,
            signtype=settings.signtype,
            extra_fields=dict(settings.extra_envelope_fields),
        )
        # Each transaction's URL parsed once: httpx parses a str URL twice per request.
        self._urls: dict[str, httpx.URL] = {}
        self._closed = False

    @property
    def settings(self) -> AdapterSettings:
        return self._settings

    @property
    def platform(self) -> str:
        """Which platform this client settles with: its endpoint, or a name given for an in-process one.

        A journal records it and refuses another (``JournalOwnerError``).
        """
        return self._platform

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def is_closed(self) -> bool:
        """Whether calls are refused (``ClientClosedError``): ``close()`` was called, or the host closed
        the ``http_client`` it gave."""
        return self._closed or self._http.is_closed

    def close(self) -> None:
        """Close the HTTP client if this client created it. Any call after this raises
        ``ClientClosedError`` (a host's own ``http_client`` stays open, for the host to close)."""
        self._closed = True
        self._poster.close()

    def new_msgid(self) -> str:
        """A fresh msgid, for callers that journal a call before making it."""
        return self._new_msgid()

    @property
    def msgid_node(self) -> int | None:
        """The billing-node digit of the msgids this client issues (its factory's, when injected)."""
        if isinstance(self._new_msgid, MsgIdFactory):
            return self._new_msgid.node
        return self._settings.msgid_node

    def reserve_msgids_from(self, reserve: Reserve) -> None:
        """Issue only msgids from blocks the journal made durable first, so a restart never reuses one."""
        if isinstance(self._new_msgid, MsgIdFactory):
            self._new_msgid.reserve_from(reserve)

    def call(
        self,
        transaction: Transaction[Any, OutT],
        payload: InputModel,
        *,
        insuplc_admdvs: str = "",
        msgid: str | None = None,
    ) -> Reply[OutT]:
        """Make one logical call and return its typed output.

        ``insuplc_admdvs`` is the insured place (参保地) for calls about a person
        (PROTOCOL.md §1.2). ``msgid`` lets the caller fix the id in advance (journal
        first); otherwise a new one is made. Raises the adapter's errors only.
        """
        if not isinstance(payload, transaction.input_model):
            raise TypeError(f"{transaction.infno} expects {transaction.input_model.__name__}")
        if self._closed:  # before a msgid is spent or a sign-in tried
            raise ClientClosedError(
                "the PlatformClient is closed: nothing was sent", infno=transaction.infno, msgid=msgid or ""
            )
        msgid = msgid or self._new_msgid()
        infno = transaction.infno
        started = time.perf_counter()
        try:
            reply = self._call_signed_in(transaction, payload, insuplc_admdvs, msgid)
        except Exception as error:
            outcome = type(error).__name__
            _logger.warning(
                "platform.call", infno=infno, msgid=msgid, outcome=outcome, duration_ms=_since(started)
            )
            raise
        _logger.info("platform.call", infno=infno, msgid=msgid, outcome="ok", duration_ms=_since(started))
        return reply

    def sign_no(self) -> str:
        """Today's sign_no for the configured operator, signing in (9001) if needed."""
        key = (self._settings.opter, self._clock().date())
        with self._sign_in_lock:
            cached = self._sign_ins.get(key)
            if cached is not None:
                return cached
            payload = t9001.Input(
                sign_in=t9001.SignIn(
                    opter_no=self._settings.opter,
                    mac=self._settings.sign_in_mac,
                    ip=self._settings.sign_in_ip,
                )
            )
            reply = self.call(t9001.TRANSACTION, payload)
            sign_no = reply.output.signinoutb.sign_no
            self._sign_ins = {key: sign_no}  # yesterday's sign_no is of no further use
            return sign_no

    def sign_out(self) -> None:
        """Sign the operator out (9002) and forget the sign_no."""
        with self._sign_in_lock:
            cached = dict(self._sign_ins)
        for sign_no in cached.values():
            payload = t9002.Input(sign_out=t9002.SignOut(sign_no=sign_no, opter_no=self._settings.opter))
            self.call(t9002.TRANSACTION, payload)
            self._forget_sign_no(sign_no)

    def _forget_sign_no(self, sign_no: str) -> None:
        with self._sign_in_lock:
            self._sign_ins = {key: value for key, value in self._sign_ins.items() if value != sign_no}

    def _call_signed_in(
        self, transaction: Transaction[Any, OutT], payload: InputModel, insuplc_admdvs: str, msgid: str
    ) -> Reply[OutT]:
        sign_no = self.sign_no() if transaction.requires_sign_in else ""
        try:
            return self._exchange(transaction, payload, insuplc_admdvs, msgid, sign_no)
        except SignInRejectedError:
            # The platform refused the call before doing anything, so resending the
            # same msgid is safe even for a state-changing transaction.
            _logger.info("platform.sign_in_renewed", infno=transaction.infno, msgid=msgid)
            self._forget_sign_no(sign_no)
            return self._exchange(transaction, payload, insuplc_admdvs, msgid, self.sign_no())

    def _exchange(
        self,
        transaction: Transaction[Any, OutT],
        payload: InputModel,
        insuplc_admdvs: str,
        msgid: str,
        sign_no: str,
    ) -> Reply[OutT]:
        try:
            body = self._body(transaction.infno, payload, insuplc_admdvs, msgid, sign_no)
        except UnicodeEncodeError as error:  # nothing was sent: the caller's text is not valid Unicode
            raise InputError(
                f"[{transaction.infno}] the request holds text that is not valid UTF-8 (a lone surrogate)"
            ) from error
        changes_state = transaction.changes_state
        started = time.monotonic()
        try:
            # Most calls succeed at once: the first attempt runs outside tenacity, whose per-call
            # machinery was a fifth of the client's own cost (docs/benchmarks.md). Only a failure
            # worth retrying enters it, replayed as its attempt 1, so the attempt count, the backoff,
            # the retry log and the max_seconds budget (counted from this first attempt) are as if
            # tenacity had made every attempt.
            try:
                return self._attempt(transaction, body, msgid)
            except Exception as error:
                if not _worth_retrying(error, self._retryable[changes_state]):
                    raise
                first = _FirstAttempt(started=started, error=error)
            return self._retrying[changes_state](self._retry_attempt, transaction, body, msgid, first)
        except _AMBIGUOUS as error:
            if not transaction.changes_state:
                raise
            raise OutcomeUnknownError(
                f"outcome unknown: {error.detail if isinstance(error, TransportError) else error}",
                infno=transaction.infno,
                msgid=msgid,
                cause=error,
            ) from error

    def _retrying_for(self, retryable: tuple[type[Exception], ...]) -> Retrying:
        retry = self._settings.retry
        return Retrying(
            stop=stop_any(stop_after_attempt(retry.max_attempts), _OverBudget(retry.max_seconds)),
            wait=_backoff(retry.initial_wait, retry.max_wait),
            retry=retry_if_exception(lambda error: _worth_retrying(error, retryable)),
            sleep=self._sleep,
            reraise=True,
            before_sleep=_log_retry,
        )

    def _body(self, infno: str, payload: InputModel, insuplc_admdvs: str, msgid: str, sign_no: str) -> bytes:
        """The request's bytes: the envelope around the payload, encoded."""
        return self._fixed_envelope.encode(
            infno=infno,
            msgid=msgid,
            insuplc_admdvs=insuplc_admdvs,
            inf_time=self._clock(),
            sign_no=sign_no,
            input=payload.to_wire(),
        )

    def _retry_attempt(
        self, transaction: Transaction[Any, OutT], body: bytes, msgid: str, first: _FirstAttempt
    ) -> Reply[OutT]:
        """tenacity's attempts: the first replays the failure already seen, the others try again."""
        if first.error is not None:
            error, first.error = first.error, None
            raise error
        return self._attempt(transaction, body, msgid)

    def _attempt(self, transaction: Transaction[Any, OutT], body: bytes, msgid: str) -> Reply[OutT]:
        infno = transaction.infno
        headers = {"Content-Type": "application/json;charset=utf-8"}
        headers.update(self._gateway.headers(infno, self._clock()))
        try:
            answer = self._poster.post(self._url(infno), body, headers)
        except (httpx.RequestError, UnicodeEncodeError, RuntimeError) as error:
            translated = _translated(error, headers, self._http, infno, msgid)
            if translated is None:
                raise
            raise translated from error
        return self._interpret(transaction, answer, msgid)

    def _url(self, infno: str) -> httpx.URL:
        url = self._urls.get(infno)
        if url is None:
            url = self._urls[infno] = httpx.URL(self._settings.url_for(infno))
        return url

    def _interpret(self, transaction: Transaction[Any, OutT], http_answer: Answer, msgid: str) -> Reply[OutT]:
        infno = transaction.infno
        if transaction.file_output and http_answer.status == 200 and _is_file(http_answer.content):
            output = transaction.output_model.model_validate({"content": http_answer.content})
            return Reply(infno=infno, msgid=msgid, output=output, envelope=ResponseEnvelope(infcode=0))
        answer = read_answer(http_answer.content)
        if isinstance(answer, GatewayRefusal):
            raise _gateway_error(answer, infno, msgid)
        if http_answer.status >= 500:
            raise PlatformUnavailableError(
                f"HTTP {http_answer.status}", infno=infno, msgid=msgid, infcode=http_answer.status
            )
        if isinstance(answer, UnreadableAnswer):
            raise ProtocolError(
                f"{answer.reason} (HTTP {http_answer.status})",
                infno=infno,
                msgid=msgid,
                status_code=http_answer.status,
                body=http_answer.content,
            )
        if not answer.succeeded:
            raise self._platform_error(transaction, answer, msgid)
        try:
            output = transaction.parse_output(answer.output)
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in item["loc"]) for item in error.errors())
            raise ProtocolError(
                f"output does not match the {infno} model ({fields})",
                infno=infno,
                msgid=msgid,
                status_code=http_answer.status,
                body=http_answer.content,
                platform_succeeded=True,
            ) from error
        return Reply(infno=infno, msgid=msgid, output=output, envelope=answer)

    def _platform_error(
        self, transaction: Transaction[Any, Any], answer: ResponseEnvelope, msgid: str
    ) -> PlatformError:
        infno, err_msg = transaction.infno, answer.err_msg
        if transaction.requires_sign_in and _mentions(err_msg, self._settings.sign_no_markers):
            return SignInRejectedError(err_msg, infno=infno, msgid=msgid, infcode=answer.infcode)
        if _mentions(err_msg, self._settings.maintenance_markers):
            return PlatformUnavailableError(err_msg, infno=infno, msgid=msgid, infcode=answer.infcode)
        return BusinessRuleError(err_msg, infno=infno, msgid=msgid, infcode=answer.infcode)


def _translated(
    error: Exception, headers: dict[str, str], http: httpx.Client, infno: str, msgid: str
) -> AdapterError | None:
    """The tree's error for what posting raised (the one place it is translated); None: not known."""
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return ConnectError(f"could not reach the platform: {type(error).__name__}", infno=infno, msgid=msgid)
    if isinstance(error, httpx.TimeoutException):
        return PlatformTimeoutError(f"no answer in time: {type(error).__name__}", infno=infno, msgid=msgid)
    if isinstance(error, (httpx.LocalProtocolError, UnicodeEncodeError)):
        # Refused before a byte was written: httpx encodes header values as ASCII, and h11 and
        # Http11Transport refuse a line break. A gateway header that cannot be sent is a setting to
        # correct, not an answer lost: no unknown outcome, no retry. (Settings refuse such values at
        # load; a host's own GatewayAuth is checked only here.)
        header = _unsendable_header(headers)
        if header is not None:
            return ConfigurationError(
                f"[{infno} {msgid}] the gateway header {header} cannot be sent: it must be printable"
                " ASCII with no line break; nothing was sent: correct the gateway settings"
            )
    if isinstance(error, httpx.TransportError):
        return ProtocolError(
            f"connection lost before a complete answer: {type(error).__name__}", infno=infno, msgid=msgid
        )
    if isinstance(error, httpx.RequestError):
        # Not a TransportError, yet the request went out: a body that does not decode
        # (DecodingError), a host client's redirects that never end (TooManyRedirects).
        return ProtocolError(
            f"the answer could not be read: {type(error).__name__}", infno=infno, msgid=msgid
        )
    if isinstance(error, RuntimeError) and http.is_closed:  # a host closed the client it gave us
        return ClientClosedError(
            "the httpx.Client under the PlatformClient is closed: nothing was sent", infno=infno, msgid=msgid
        )
    return None


def _unsendable_header(headers: dict[str, str]) -> str | None:
    """The name of the first header no HTTP client would write, if any."""
    for name, value in headers.items():
        if not _HEADER_NAME(name) or header_value_problem(value) is not None:
            return name if name.isascii() and name.isprintable() else repr(name)
    return None


_HEADER_NAME = re.compile(r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+").fullmatch  # a token (RFC 9110)


def _gateway_error(refusal: GatewayRefusal, infno: str, msgid: str) -> PlatformError:
    if refusal.code in (401, 403):
        return AuthenticationError(refusal.message, infno=infno, msgid=msgid, infcode=refusal.code)
    return PlatformUnavailableError(refusal.message, infno=infno, msgid=msgid, infcode=refusal.code)


@dataclass
class _FirstAttempt:
    """A call's first attempt, made before tenacity is involved."""

    started: float  # time.monotonic() when it began: the retry budget counts from here
    error: Exception | None = None  # its failure, until tenacity has replayed it


class _OverBudget(stop_base):
    """Stop once ``max_seconds`` have passed since the call's first attempt began."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds

    def __call__(self, retry_state: RetryCallState) -> bool:
        first: _FirstAttempt = retry_state.args[3]
        return time.monotonic() - first.started >= self.max_seconds


def _log_retry(state: RetryCallState) -> None:
    transaction, _body, msgid, _first = state.args
    _logger.info("platform.retry", infno=transaction.infno, msgid=msgid, attempt=state.attempt_number)


def _backoff(initial: float, maximum: float) -> Callable[[RetryCallState], float]:
    """Exponential backoff with full jitter on top, capped at ``maximum`` seconds."""

    def wait(state: RetryCallState) -> float:
        exponential = initial * 2 ** (state.attempt_number - 1)
        return float(min(maximum, exponential + random.uniform(0, initial)))

    return wait


def _worth_retrying(error: BaseException, retryable: tuple[type[Exception], ...]) -> bool:
    if isinstance(error, ProtocolError) and error.platform_succeeded:
        return False  # the same answer would come back
    return isinstance(error, retryable)


def _mentions(text: str, markers: tuple[str, ...]) -> bool:
    return any(marker and marker in text for marker in markers)


def _timeout(settings: AdapterSettings) -> httpx.Timeout:
    timeouts = settings.timeouts
    return httpx.Timeout(
        connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
    )


def _is_file(content: bytes) -> bool:
    """A file answer (9102): bytes that cannot start a JSON object (a ZIP starts with "PK"); whatever the
    content type says, a refusal is an envelope."""
    return not content.lstrip().startswith(b"{")


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
