"""What went wrong, once: the adapter's error tree sorted into the conditions people act on.

The CLI (``adapter/cli/_failure.py``: Chinese headline, action, exit code) and the service
(``adapter/service/_errors.py``: HTTP status, stable code, may-retry) word a failure differently,
but they must agree on *what* failed — a settlement whose outcome is unknown must never read as
"bad input" on one side and "platform down" on the other. So the sorting happens here, in one
place, most specific class first, and each side keeps only a table from condition to its words.
``tests/adapter/test_conditions.py`` checks that both tables cover every condition.
"""

from __future__ import annotations

from enum import StrEnum

from ._errors import (
    AdapterError,
    AmountMismatchError,
    AuthenticationError,
    BusinessRuleError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    EligibilityError,
    InFlightError,
    InputError,
    JournalOwnerError,
    MappingError,
    OutcomeUnknownError,
    PersonBusyError,
    PlatformError,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
)

__all__ = ["Condition", "condition_of"]


class Condition(StrEnum):
    INPUT = "input"
    """The HIS's data is wrong; found before anything was sent."""
    MAPPING = "mapping"
    """A code has no usable 目录对照 / diagnosis mapping."""
    NOT_ELIGIBLE = "not_eligible"
    """The patient cannot be settled the way that was asked."""
    PERSON_BUSY = "person_busy"
    """Another desk holds this patient right now; nothing was sent."""
    IN_FLIGHT = "in_flight"
    """Something of this patient is still in flight in the journal: recover first."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """The platform's numbers broke a money identity."""
    UNREACHABLE = "unreachable"
    """The platform was never reached (nothing was sent)."""
    CLIENT_CLOSED = "client_closed"
    """The PlatformClient was closed (its host is shutting down): nothing was sent, and nothing will be
    through that client; not an outage of the platform."""
    TIMEOUT = "timeout"
    """A query was sent and no answer came in time."""
    BAD_ANSWER = "bad_answer"
    """The answer is not a valid envelope."""
    PLATFORM_DOWN = "platform_down"
    """停机 / maintenance."""
    PLATFORM_AUTH = "platform_auth"
    """The gateway or the sign-in refused the hospital's credentials."""
    PATIENT_NOT_FOUND = "patient_not_found"
    """1101 refused: the platform does not know this card / certificate."""
    PLATFORM_REFUSED = "platform_refused"
    """Any other business refusal, with the platform's own words."""
    OUTCOME_UNKNOWN = "outcome_unknown"
    """A state-changing call whose result is unknown: recover, never charge twice."""
    JOURNAL_OWNER = "journal_owner"
    """The journal belongs to another platform or hospital."""
    CONFIGURATION = "configuration"
    """Settings or data files are wrong."""
    OTHER = "other"
    """An adapter error none of the above names."""


def condition_of(error: AdapterError) -> Condition:
    """The condition an error of the tree stands for (most specific class first)."""
    if isinstance(error, PlatformError):
        return _platform_condition(error)
    for kind, condition in _BY_CLASS:
        if isinstance(error, kind):
            return condition
    return Condition.OTHER


def _platform_condition(error: PlatformError) -> Condition:
    if isinstance(error, AuthenticationError):
        return Condition.PLATFORM_AUTH
    if isinstance(error, PlatformUnavailableError):
        return Condition.PLATFORM_DOWN
    if isinstance(error, BusinessRuleError) and error.infno == "1101":
        return Condition.PATIENT_NOT_FOUND
    return Condition.PLATFORM_REFUSED


# Order matters only where classes nest: JournalOwnerError is a ConfigurationError.
_BY_CLASS: tuple[tuple[type[AdapterError], Condition], ...] = (
    (InputError, Condition.INPUT),
    (MappingError, Condition.MAPPING),
    (EligibilityError, Condition.NOT_ELIGIBLE),
    (PersonBusyError, Condition.PERSON_BUSY),
    (InFlightError, Condition.IN_FLIGHT),
    (AmountMismatchError, Condition.AMOUNT_MISMATCH),
    (ConnectError, Condition.UNREACHABLE),
    (ClientClosedError, Condition.CLIENT_CLOSED),
    (PlatformTimeoutError, Condition.TIMEOUT),
    (ProtocolError, Condition.BAD_ANSWER),
    (OutcomeUnknownError, Condition.OUTCOME_UNKNOWN),
    (JournalOwnerError, Condition.JOURNAL_OWNER),
    (ConfigurationError, Condition.CONFIGURATION),
)
