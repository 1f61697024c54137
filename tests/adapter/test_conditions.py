"""One sorting of the error tree for the desk and the service (adapter/_conditions.py).

The CLI and the service word a failure differently but must agree on what failed; both tables
must cover every condition, or an error would fall through to a generic "something went wrong".
"""

from __future__ import annotations

import pytest

from adapter import (
    AdapterError,
    AuthenticationError,
    BusinessRuleError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    InFlightError,
    InputError,
    OutcomeUnknownError,
    PersonBusyError,
    PlatformError,
    PlatformUnavailableError,
)
from adapter._conditions import Condition, condition_of
from adapter.cli._failure import _FAILURES, EXIT_ATTENTION, EXIT_OTHER, failure_of
from adapter.service._errors import CODE_OF, CODES, error_for


def test_every_condition_has_words_at_the_desk_and_a_code_on_the_wire() -> None:
    assert set(_FAILURES) == set(Condition)
    assert set(CODE_OF) == set(Condition)
    assert set(CODE_OF.values()) <= set(CODES)


@pytest.mark.parametrize(
    ("error", "condition"),
    [
        (InputError("items[0].cnt: must be greater than zero"), Condition.INPUT),
        (PersonBusyError(waited=5), Condition.PERSON_BUSY),
        (InFlightError("batch 1 of visit MZ1 is still in flight: run recover first"), Condition.IN_FLIGHT),
        (ConnectError("connection refused"), Condition.UNREACHABLE),
        (OutcomeUnknownError("2207 timed out", infno="2207", msgid="H1"), Condition.OUTCOME_UNKNOWN),
        (ConfigurationError("settings file not found: x.toml"), Condition.CONFIGURATION),
        (AdapterError("anything"), Condition.OTHER),
        # Nothing was sent, but not an outage either: no retry, no self-pay fallback, no "check the network".
        (ClientClosedError("the PlatformClient is closed", infno="2207"), Condition.CLIENT_CLOSED),
    ],
)
def test_errors_sort_into_their_condition(error: AdapterError, condition: Condition) -> None:
    assert condition_of(error) == condition


def test_platform_refusals_sort_by_kind_and_transaction() -> None:
    def refusal(kind: type[PlatformError], infno: str) -> AdapterError:
        return kind("拒绝", infno=infno, msgid="H1")

    assert condition_of(refusal(BusinessRuleError, "1101")) == Condition.PATIENT_NOT_FOUND
    assert condition_of(refusal(BusinessRuleError, "2207")) == Condition.PLATFORM_REFUSED
    assert condition_of(refusal(AuthenticationError, "9001")) == Condition.PLATFORM_AUTH
    assert condition_of(refusal(PlatformUnavailableError, "2207")) == Condition.PLATFORM_DOWN


def test_another_desk_holding_the_patient_is_wait_and_retry_on_both_sides() -> None:
    # Before: the CLI said 操作未完成 (exit 1) and the service 502 platform_bad_answer, although
    # nothing was sent and the same request succeeds once the other desk has finished.
    busy = PersonBusyError(waited=5)
    failure = failure_of(busy)
    assert (failure.code, failure.exit_code) == ("person_busy", EXIT_ATTENTION)
    assert "稍候" in failure.action
    answer = error_for(busy)
    assert (answer.code, answer.status, CODES[answer.code].retryable) == ("person_busy", 409, True)
    assert answer.headers == {"Retry-After": "2"}


def test_a_closed_client_is_anything_else_at_the_desk() -> None:
    # Before: httpx's RuntimeError, which the CLI does not catch (a traceback, not a JSON error object).
    failure = failure_of(ClientClosedError("the PlatformClient is closed: nothing was sent", infno="2207"))
    assert (failure.code, failure.exit_code) == ("error", EXIT_OTHER)
    assert failure.to_json()["error"] == {
        "code": "error",
        "message": "操作未完成",
        "action": "请联系信息科，并提供 -v 输出的详情。",
        "exit_code": 1,
        "problems": [],
        "field": "",
        "detail": "ClientClosedError: [2207] the PlatformClient is closed: nothing was sent",
    }


def test_a_closed_client_is_a_service_stopping_not_a_platform_answer() -> None:
    # Before: 502 platform_bad_answer, "医保平台应答异常": the platform was never asked. In a service the
    # client is closed when the process stops; the same request (key released) may succeed again.
    answer = error_for(ClientClosedError("the PlatformClient is closed: nothing was sent", infno="2207"))
    assert (answer.code, answer.status, CODES[answer.code].retryable) == ("service_stopping", 503, True)
    assert answer.headers == {"Retry-After": "5"}
    assert "医保平台" not in CODES[answer.code].message
