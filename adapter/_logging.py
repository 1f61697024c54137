"""Logging: structlog events without personal data, and a redaction processor for hosts.

The adapter logs *events* (infno, msgid, duration, outcome) and never configures
logging for its host (structlog docs). It never passes personal data to a log call;
``redact_personal_data`` is exported as a second line of defence for hosts that log
their own objects next to ours: add it to the host's structlog processor chain.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["PERSONAL_KEYS", "get_logger", "redact_personal_data"]

PERSONAL_KEYS = frozenset(
    {
        "psn_name",
        "certno",
        "mdtrt_cert_no",
        "card_sn",
        "card_no",
        "ec_token",
        "tel",
        "addr",
        "coner_name",
        "emp_name",
        "brdy",
        "tif_token",
        "token",
        "password",
        "secret",
        "secret_key",
        "csb_secret_key",
        "cainfo",
        "x-tif-signature",
        "_api_signature",
    }
)
"""Keys whose values are personal data or credentials."""

# A mainland ID number (18 characters, last may be X) or a long digit run that could be
# a card or ID number. psn_no-like platform ids are 20+ digits and are not personal data
# by themselves, so only runs of exactly 15 or 18 characters are masked.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MASK = "***"


def get_logger(name: str) -> Any:
    """A structlog logger for an adapter module."""
    return structlog.get_logger(name)


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask personal keys and ID-number-shaped strings, recursively."""
    for key in list(event_dict):
        event_dict[key] = _redact(key, event_dict[key])
    return event_dict


def _redact(key: str, value: Any) -> Any:
    if key.lower() in PERSONAL_KEYS:
        return _MASK
    if isinstance(value, str):
        return _ID_NUMBER.sub(_MASK, value)
    if isinstance(value, dict):
        return {k: _redact(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(key, item) for item in value]
    return value
