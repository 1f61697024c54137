"""opsp-adapter: settle 门诊慢特病 with the national medical-insurance platform.

The public surface is re-exported here; implementation modules are private.
"""

from __future__ import annotations

from ._client import PlatformClient, Reply, SignInRejectedError
from ._clock import CHINA_TZ, Clock, china_now, fixed_clock
from ._codec import decode, encode
from ._errors import (
    AdapterError,
    AmountMismatchError,
    AuthenticationError,
    BusinessRuleError,
    ConfigurationError,
    ConnectError,
    EligibilityError,
    InputError,
    MappingError,
    OutcomeUnknownError,
    PlatformError,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
    TransportError,
)
from ._gateway import CsbAuth, GatewayAuth, NoAuth, TifAuth, csb_signature, tif_signature
from ._logging import redact_personal_data
from ._msgid import MsgIdFactory
from ._settings import AdapterSettings, GatewaySettings, RetrySettings, TimeoutSettings, load_settings

__all__ = [
    "CHINA_TZ",
    "AdapterError",
    "AdapterSettings",
    "AmountMismatchError",
    "AuthenticationError",
    "BusinessRuleError",
    "Clock",
    "ConfigurationError",
    "ConnectError",
    "CsbAuth",
    "EligibilityError",
    "GatewayAuth",
    "GatewaySettings",
    "InputError",
    "MappingError",
    "MsgIdFactory",
    "NoAuth",
    "OutcomeUnknownError",
    "PlatformClient",
    "PlatformError",
    "PlatformTimeoutError",
    "PlatformUnavailableError",
    "ProtocolError",
    "Reply",
    "RetrySettings",
    "SignInRejectedError",
    "TifAuth",
    "TimeoutSettings",
    "TransportError",
    "china_now",
    "csb_signature",
    "decode",
    "encode",
    "fixed_clock",
    "load_settings",
    "redact_personal_data",
    "tif_signature",
]
