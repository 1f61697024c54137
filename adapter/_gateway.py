"""Gateway authentication headers in front of the platform (PROTOCOL.md §2).

Three schemes, chosen per region in settings:

* ``none`` — no headers (a platform reached directly, or in a test).
* ``tif`` (Guangdong and the demo) — ``x-tif-signature`` = lower-case hex SHA-256 of
  ``timestamp + token + nonce + timestamp`` with the timestamp in *seconds* (§2.1).
* ``csb`` (Hunan, Jiangsu) — ``_api_signature`` = Base64(HMAC-SHA1(secret,
  ``_api_access_key=…&_api_name=…&_api_timestamp=…&_api_version=…``)), keys in natural
  order; Hunan sends a millisecond timestamp, Jiangsu seconds (§2.2).

Headers are computed per *attempt* (a retry gets a fresh timestamp and nonce); the
body and msgid stay the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from ._settings import GatewaySettings

__all__ = [
    "CsbAuth",
    "GatewayAuth",
    "NoAuth",
    "TifAuth",
    "build_gateway",
    "csb_signature",
    "random_nonce",
    "tif_signature",
]


class GatewayAuth(Protocol):
    """Computes the gateway headers for one attempt of one transaction."""

    def headers(self, infno: str, now: datetime) -> dict[str, str]: ...


class NoAuth:
    """No gateway in front of the platform."""

    def headers(self, infno: str, now: datetime) -> dict[str, str]:
        return {}


def random_nonce() -> str:
    """A TIF nonce: what ``uuid.uuid4().hex`` gives (32 hex digits, version 4, RFC 4122 variant, the
    rest from ``os.urandom``), without building a UUID object for it: a third of its time."""
    number = int.from_bytes(os.urandom(16), "big")
    number = number & _CLEARED | _VERSION_4_VARIANT_RFC_4122
    return f"{number:032x}"


# The bits uuid.UUID(version=4) sets: version 4 in bits 76-79, variant 0b10 in bits 62-63.
_CLEARED = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4_VARIANT_RFC_4122 = (4 << 76) | (0x8000 << 48)


def tif_signature(timestamp: str, token: str, nonce: str) -> str:
    """The TIF signature: sha256(timestamp + token + nonce + timestamp), lower-case hex."""
    material = f"{timestamp}{token}{nonce}{timestamp}".encode()
    return hashlib.sha256(material).hexdigest()


class TifAuth:
    """TIF gateway headers (``x-tif-*``)."""

    def __init__(
        self,
        *,
        paasid: str,
        token: str,
        nonce_factory: Callable[[], str] | None = None,
        service_id: str = "",
    ) -> None:
        self._paasid = paasid
        self._token = token
        self._nonce_factory = nonce_factory or random_nonce
        self._service_id = service_id

    def headers(self, infno: str, now: datetime) -> dict[str, str]:
        timestamp = str(int(now.timestamp()))
        nonce = self._nonce_factory()
        headers = {
            "x-tif-paasid": self._paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": tif_signature(timestamp, self._token, nonce),
        }
        if self._service_id:  # only one implementation sends it (PROTOCOL.md §2.1 ⚠)
            headers["x-tif-serviceId"] = self._service_id
        return headers


def csb_signature(
    *, secret_key: str, access_key: str, api_name: str, timestamp: str, api_version: str
) -> str:
    """The CSB signature over the four signed headers, keys in natural order."""
    signed = {
        "_api_access_key": access_key,
        "_api_name": api_name,
        "_api_timestamp": timestamp,
        "_api_version": api_version,
    }
    material = "&".join(f"{key}={signed[key]}" for key in sorted(signed))
    digest = hmac.new(secret_key.encode(), material.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class CsbAuth:
    """Alibaba CSB gateway headers (``_api_*``)."""

    def __init__(
        self,
        *,
        access_key: str,
        secret_key: str,
        api_version: str,
        api_name_template: str = "{infno}",
        timestamp_in_ms: bool = True,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._api_version = api_version
        self._api_name_template = api_name_template
        self._timestamp_in_ms = timestamp_in_ms

    def headers(self, infno: str, now: datetime) -> dict[str, str]:
        seconds = now.timestamp()
        timestamp = str(int(seconds * 1000) if self._timestamp_in_ms else int(seconds))
        api_name = self._api_name_template.format(infno=infno)
        return {
            "_api_name": api_name,
            "_api_version": self._api_version,
            "_api_timestamp": timestamp,
            "_api_access_key": self._access_key,
            "_api_signature": csb_signature(
                secret_key=self._secret_key,
                access_key=self._access_key,
                api_name=api_name,
                timestamp=timestamp,
                api_version=self._api_version,
            ),
        }


def build_gateway(
    settings: GatewaySettings, *, nonce_factory: Callable[[], str] | None = None
) -> GatewayAuth:
    """The gateway authentication that ``settings`` describe."""
    if settings.scheme == "tif":
        return TifAuth(
            paasid=settings.tif_paasid,
            token=settings.tif_token.get_secret_value(),
            nonce_factory=nonce_factory,
            service_id=settings.tif_service_id,
        )
    if settings.scheme == "csb":
        return CsbAuth(
            access_key=settings.csb_access_key,
            secret_key=settings.csb_secret_key.get_secret_value(),
            api_version=settings.csb_api_version,
            api_name_template=settings.csb_api_name,
            timestamp_in_ms=settings.csb_timestamp_unit == "ms",
        )
    return NoAuth()
