"""The adapter's one error tree.

Every exception the adapter raises on purpose is one of these::

    AdapterError
    ├── ConfigurationError(ValueError)     settings or data files are wrong; found at start-up
    │   └── JournalOwnerError              the journal belongs to another platform or hospital
    ├── InputError(ValueError)             the HIS gave us bad visit data; found before any I/O
    ├── MappingError(LookupError)          a code has no mapping we can use
    ├── EligibilityError                   the patient cannot be settled the way that was asked
    ├── PersonBusyError                    another desk is settling or refunding this patient right now
    ├── InFlightError                      a batch of this person is still in flight: recover first
    ├── AmountMismatchError(ArithmeticError) an answer broke a money identity or drifted from the plan
    ├── TransportError                     the call did not produce a usable answer
    │   ├── ConnectError                   never reached the platform (nothing was sent)
    │   ├── PlatformTimeoutError           sent, but no answer in time (queries only)
    │   ├── ProtocolError                  the answer is not a valid envelope
    │   ├── ClientClosedError(RuntimeError) called after close(): nothing was sent
    │   └── PlatformError                  the platform answered infcode != 0 (keeps err_msg)
    │       ├── AuthenticationError        gateway signature/key refused, or sign_no refused
    │       ├── PlatformUnavailableError   停机 / maintenance / HTTP 5xx
    │       └── BusinessRuleError          a business refusal with the platform's own words
    └── OutcomeUnknownError                a state-changing call whose result is unknown

``OutcomeUnknownError`` is deliberately *not* a ``TransportError``: code that catches
``TransportError`` to retry must never catch it, because retrying a settlement whose
outcome is unknown could settle it twice. The execution layer resolves it with 冲正
(2601) or a query (PROTOCOL.md §6.4).

``str(err)`` is short, leads with infno and msgid when there is a call behind it, and
never contains personal data. The payload (err_msg, raw body) lives in attributes.
"""

from __future__ import annotations

import builtins

from ._masking import mask_personal_text, redact_url_credentials


class AdapterError(Exception):
    """Base class of every error the adapter raises on purpose."""


class ConfigurationError(AdapterError, ValueError):
    """Settings or a configuration/data file is invalid (raised at start-up).

    Also raised by a call that cannot be written at all because a gateway header is not a valid HTTP
    header value (a host's own ``GatewayAuth``; settings refuse such values at load): nothing was sent.
    """


class JournalOwnerError(ConfigurationError):
    """The journal was made with another platform (endpoint) or hospital than this one.

    Its settlements are records of that platform; settling here with it would skip real
    settlements as 此前已处理, and refunds would go to the wrong platform (issue #15 item 3).
    """

    def __init__(self, path: str, *, found: object, wanted: object) -> None:
        self.path, self.found, self.wanted = path, found, wanted
        found_platform, wanted_platform = getattr(found, "platform", ""), getattr(wanted, "platform", "")
        found_code, wanted_code = getattr(found, "fixmedins_code", ""), getattr(wanted, "fixmedins_code", "")
        what = "医保平台" if found_platform != wanted_platform else "定点医药机构编号"
        # The platform is its endpoint, which may carry a user name and password: shown without them.
        found_platform, wanted_platform = map(redact_url_credentials, (found_platform, wanted_platform))
        self.cashier_message = (
            f"结算记录文件 {path} 属于另一个{what}（{found_platform}，{found_code}），"
            f"不能用于当前的（{wanted_platform}，{wanted_code}）。"
            "请为每个平台和机构使用各自的结算记录文件（--journal 或设置 journal）。"
        )
        super().__init__(self.cashier_message)


class InputError(AdapterError, ValueError):
    """Bad input from the HIS (a visit file, an argument), found before any I/O.

    ``where`` names the place: a field path such as ``items[3].pric``.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class MappingError(AdapterError, LookupError):
    """A diagnosis or item code has no mapping the adapter can use."""

    def __init__(self, message: str, *, code: str = "") -> None:
        self.code = code
        super().__init__(message)


class EligibilityError(AdapterError):
    """The patient cannot be settled as asked (e.g. several insurances, none chosen)."""


class PersonBusyError(AdapterError):
    """Another desk holds this patient's lock (a settlement, refund chain or recovery) past the wait.

    Nothing was sent: the cashier tries again once the other desk has finished.
    """

    def __init__(self, *, waited: float) -> None:
        self.waited = waited
        super().__init__(
            f"another desk is settling or refunding this patient (waited {waited:g} s); nothing was sent:"
            " try again when it has finished (另一窗口正在为该参保人办理结算或退费，请稍后再试)"
        )


class InFlightError(AdapterError):
    """A batch (or refund chain) of the same person is still in flight in the journal.

    Settling or refunding anything else for that person first could make it impossible to
    finish: the platform refunds and reverses newest first, so a settlement made now would
    block the 冲正 of an earlier one whose outcome is unknown. ``recover`` first.
    """


class AmountMismatchError(AdapterError, ArithmeticError):
    """The platform's numbers do not add up, or differ from what was planned beyond policy.

    ``problems`` lists each broken identity or difference (field, expected, actual).
    Never silently accepted: the batch is unwound, or flagged when it was already settled.
    """

    def __init__(
        self, message: str, *, infno: str = "", msgid: str = "", problems: tuple[str, ...] = ()
    ) -> None:
        self.infno = infno
        self.msgid = msgid
        self.problems = problems
        prefix = " ".join(part for part in (infno, msgid) if part)
        detail = f"{message}: {'; '.join(problems)}" if problems else message
        super().__init__(f"[{prefix}] {detail}" if prefix else detail)


class _CallError(AdapterError):
    """Shared shape of errors that belong to one platform call."""

    def __init__(self, message: str, *, infno: str = "", msgid: str = "") -> None:
        self.infno = infno
        self.msgid = msgid
        self.detail = message
        prefix = " ".join(part for part in (infno, msgid) if part)
        super().__init__(f"[{prefix}] {message}" if prefix else message)


class TransportError(_CallError):
    """The call did not produce a usable answer from the platform."""


class ConnectError(TransportError):
    """The platform was never reached: nothing was sent, so a retry is always safe."""


class PlatformTimeoutError(TransportError, builtins.TimeoutError):
    """The request was sent but no answer came in time (raised for queries only)."""


class ProtocolError(TransportError):
    """The answer is not a valid envelope (not JSON, wrong shape, HTTP error page).

    ``status_code`` and ``body`` keep what came back, for diagnosis.
    ``platform_succeeded`` is true when the envelope said ``infcode`` 0 but its output
    did not match the transaction's model: the platform did the work, we cannot read
    the result, and asking again would only repeat the mismatch.
    """

    def __init__(
        self,
        message: str,
        *,
        infno: str = "",
        msgid: str = "",
        status_code: int = 0,
        body: bytes = b"",
        platform_succeeded: bool = False,
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.platform_succeeded = platform_succeeded
        super().__init__(message, infno=infno, msgid=msgid)


class ClientClosedError(TransportError, builtins.RuntimeError):
    """The call was made on a ``PlatformClient`` after ``close()``, or through a host's ``httpx.Client``
    the host has closed. Nothing was sent; asking again on the same client cannot help: use a new one.

    A ``RuntimeError`` too, as httpx's own refusal was (existing ``except RuntimeError`` keeps
    working). Not a ``ConnectError``: that one means the platform may be tried again, and a
    settlement falls back to self-pay on it; a closed client is the host's mistake, not an outage.
    """


class PlatformError(TransportError):
    """The platform (or its gateway) answered with a failure.

    ``err_msg`` is the platform's own text with personal data masked (``_masking``); ``infcode``
    its status code (for gateway errors, the gateway's ``code``).
    """

    def __init__(self, err_msg: str, *, infno: str = "", msgid: str = "", infcode: int = -1) -> None:
        # Masked here, once: err_msg can name the patient and reaches the screen, the journal
        # and the log (issue #10 item 11).
        err_msg = mask_personal_text(err_msg)
        self.err_msg = err_msg
        self.infcode = infcode
        super().__init__(err_msg, infno=infno, msgid=msgid)


class AuthenticationError(PlatformError):
    """The gateway refused our signature or key, or the platform refused the sign_no."""


class PlatformUnavailableError(PlatformError):
    """The platform is down for maintenance (停机) or answered HTTP 5xx."""


class BusinessRuleError(PlatformError):
    """The platform refused the request on business grounds (err_msg says why)."""


class OutcomeUnknownError(_CallError):
    """A state-changing call ended without a definite answer.

    The platform may or may not have committed it. ``cause`` is the underlying
    transport or platform error. Resolve with 冲正 (2601, omsgid = ``msgid``).
    """

    def __init__(self, message: str, *, infno: str, msgid: str, cause: Exception | None = None) -> None:
        self.cause = cause
        super().__init__(message, infno=infno, msgid=msgid)
