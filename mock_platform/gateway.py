"""The front gateway's authentication, verified before the envelope is read (PROTOCOL.md §2.1, §2.2, §1.5).

* `none`: no check.
* TIF (`x-tif-*`): `x-tif-signature` = lower-case hex SHA-256 of timestamp + token + nonce + timestamp, the
  timestamp in Unix seconds.
* CSB (`_api_*`): `_api_signature` = Base64(HMAC-SHA1(secret,
  "_api_access_key=…&_api_name=…&_api_timestamp=…&_api_version=…")), keys in natural order;
  `_api_timestamp` in ms (HN, 13 digits) or seconds (TZ, 10 digits).

A timestamp more than the tolerance (30 minutes) away from the platform clock is refused. Failures raise
`GatewayAuthError` with HN 表6's texts and the name of the header at fault; the caller answers
`{"code": 401, "message": …, "header": …}` outside the envelope. Header names are compared
case-insensitively (the caller passes them lower-cased). A timestamp is ASCII digits only: `"²".isdigit()` is
true in Python, and `int("²")` raises.

Replay: a TIF nonce is single-use within the timestamp window (PROTOCOL.md §2.1: that is what it is for);
`verify` returns it and the caller refuses one already seen (`backend.nonces`). A CSB request has no nonce
and its signature covers no body: there the msgid's idempotency is the only replay guard.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from mock_platform.config.platform import CsbCredentials, GatewayConfig, TifCredentials
from mock_platform.errors import GatewayAuthError

MISSING_HEADER = "缺少服务网关的请求头!"
STALE_TIMESTAMP = "签名时间戳超时!"
UNKNOWN_USER = "非法用户!"
BAD_SIGNATURE = "签名不一致!"
REPLAYED_NONCE = "请求已使用过的随机数(nonce)，疑似重放!"

TIF_HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")
CSB_HEADERS = ("_api_name", "_api_version", "_api_timestamp", "_api_access_key", "_api_signature")


@dataclass(frozen=True)
class Passed:
    """A request the gateway let through; `nonce` (TIF) must not be accepted again before `expires_at`."""

    nonce: str | None = None
    expires_at: float = 0.0


NOT_VERIFIED = Passed()  # what a call has passed before `verify` (immutable: one for every call)


def verify(gateway: GatewayConfig, headers: Mapping[str, str], now: datetime) -> Passed:
    """Raise `GatewayAuthError` unless the request carries valid credentials for the configured scheme."""
    if gateway.scheme == "tif" and gateway.tif is not None:
        return _verify_tif(gateway.tif, headers, now, gateway.timestamp_tolerance_seconds)
    if gateway.scheme == "csb" and gateway.csb is not None:
        _verify_csb(gateway.csb, headers, now, gateway.timestamp_tolerance_seconds)
    return Passed()


def tif_signature(timestamp: str, token: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}{token}{nonce}{timestamp}".encode()).hexdigest()


def csb_signature(secret: str, *, access_key: str, api_name: str, timestamp: str, version: str) -> str:
    fields = {
        "_api_access_key": access_key,
        "_api_name": api_name,
        "_api_timestamp": timestamp,
        "_api_version": version,
    }
    text = "&".join(f"{key}={fields[key]}" for key in sorted(fields))
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _verify_tif(
    credentials: TifCredentials, headers: Mapping[str, str], now: datetime, tolerance: int
) -> Passed:
    paasid, timestamp, nonce, signature = _required(headers, TIF_HEADERS)
    if not hmac.compare_digest(paasid.encode(), credentials.paasid.encode()):
        raise GatewayAuthError(UNKNOWN_USER, reason="unknown_paasid", header="x-tif-paasid")
    seconds = _check_time(_epoch_seconds(timestamp, allow_millis=False), now, tolerance, "x-tif-timestamp")
    expected = tif_signature(timestamp, credentials.token, nonce)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise GatewayAuthError(BAD_SIGNATURE, reason="bad_signature", header="x-tif-signature")
    # The nonce is remembered until its timestamp leaves the window: after that the timestamp refuses it.
    return Passed(nonce=nonce, expires_at=seconds + tolerance)


def _verify_csb(
    credentials: CsbCredentials, headers: Mapping[str, str], now: datetime, tolerance: int
) -> None:
    api_name, version, timestamp, access_key, signature = _required(headers, CSB_HEADERS)
    if not hmac.compare_digest(access_key.encode(), credentials.access_key.encode()):
        raise GatewayAuthError(UNKNOWN_USER, reason="unknown_access_key", header="_api_access_key")
    _check_time(_epoch_seconds(timestamp, allow_millis=True), now, tolerance, "_api_timestamp")
    expected = csb_signature(
        credentials.secret_key, access_key=access_key, api_name=api_name, timestamp=timestamp, version=version
    )
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise GatewayAuthError(BAD_SIGNATURE, reason="bad_signature", header="_api_signature")


def _required(headers: Mapping[str, str], names: tuple[str, ...]) -> list[str]:
    values = [headers.get(name, "").strip() for name in names]
    if all(values):
        return values
    for name, value in zip(names, values, strict=True):
        if not value:
            raise GatewayAuthError(MISSING_HEADER, reason="missing_header", header=name)
    return values


def _epoch_seconds(text: str, *, allow_millis: bool) -> float | None:
    """Seconds since the epoch, or None when the header is not a timestamp."""
    if not (text.isascii() and text.isdigit()) or len(text) > 16:
        return None
    # 13 digits = milliseconds (HN's CSB). TIF always sends seconds: a 13-digit TIF value is simply far off.
    if allow_millis and len(text) >= 13:
        return int(text) / 1000
    return float(int(text))


def _check_time(seconds: float | None, now: datetime, tolerance: int, header: str) -> float:
    if seconds is None or abs(now.timestamp() - seconds) > tolerance:
        raise GatewayAuthError(STALE_TIMESTAMP, reason="stale_timestamp", header=header)
    return seconds
