"""opsp-adapter: settle 门诊慢特病 with the national medical-insurance platform.

The public surface is re-exported here; implementation modules are private.
"""

from __future__ import annotations

from ._adapter import Adapter
from ._client import PlatformClient, Reply, SignInRejectedError
from ._clock import CHINA_TZ, Clock, china_now, fixed_clock
from ._codec import decode, encode
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
    TransportError,
)
from ._gateway import CsbAuth, GatewayAuth, NoAuth, TifAuth, csb_signature, tif_signature
from ._logging import redact_personal_data
from ._lookup import Card
from ._msgid import MsgIdFactory
from ._planned import PlannedVisit
from ._settings import AdapterSettings, GatewaySettings, RetrySettings, TimeoutSettings, load_settings
from ._transport import Http11Transport
from .execution import ExecutionPolicy, SqliteJournal, open_journal

__all__ = [
    "CHINA_TZ",
    "Adapter",
    "AdapterError",
    "AdapterSettings",
    "AmountMismatchError",
    "AuthenticationError",
    "BusinessRuleError",
    "Card",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "ConnectError",
    "CsbAuth",
    "EligibilityError",
    "ExecutionPolicy",
    "GatewayAuth",
    "GatewaySettings",
    "Http11Transport",
    "InFlightError",
    "InputError",
    "JournalOwnerError",
    "MappingError",
    "MsgIdFactory",
    "NoAuth",
    "OutcomeUnknownError",
    "PersonBusyError",
    "PlannedVisit",
    "PlatformClient",
    "PlatformError",
    "PlatformTimeoutError",
    "PlatformUnavailableError",
    "ProtocolError",
    "Reply",
    "RetrySettings",
    "SignInRejectedError",
    "SqliteJournal",
    "TifAuth",
    "TimeoutSettings",
    "TransportError",
    "china_now",
    "csb_signature",
    "decode",
    "encode",
    "fixed_clock",
    "load_settings",
    "open_journal",
    "redact_personal_data",
    "tif_signature",
]
