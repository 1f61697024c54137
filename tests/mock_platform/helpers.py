"""Test helpers written independently of the mock's code: a TIF/CSB signer, envelopes, a small client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx

CST = timezone(timedelta(hours=8))
# DEMO_DATA.md: the demo's reference day is 2026-11-22.
NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=CST)

WUHAN = ("H42010200001", "420100", "武汉市示范医院")
HOHHOT = ("H15010200002", "150100", "呼和浩特市示范医院")

SINGLE_URL = "/fsi/api/rsfComIfsService/callService"


def tif_headers(
    at: datetime = NOW,
    *,
    paasid: str = "opsp-demo",
    token: str = "opsp-demo-token",
    nonce: str | None = None,
) -> dict[str, str]:
    """PROTOCOL.md §2.1: signature = lower-case hex SHA-256 of timestamp + token + nonce + timestamp.

    A fresh nonce per call unless one is given: the gateway accepts each nonce once.
    """
    nonce = uuid.uuid4().hex if nonce is None else nonce
    timestamp = str(int(at.timestamp()))
    signature = hashlib.sha256(f"{timestamp}{token}{nonce}{timestamp}".encode()).hexdigest()
    return {
        "x-tif-paasid": paasid,
        "x-tif-timestamp": timestamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": signature,
    }


def csb_headers(
    timestamp: str, *, api_name: str = "1101", access_key: str = "opsp-demo-ak", secret: str = "opsp-demo-sk"
) -> dict[str, str]:
    """PROTOCOL.md §2.2: Base64(HMAC-SHA1(secret, sorted _api_* pairs joined by &))."""
    text = f"_api_access_key={access_key}&_api_name={api_name}&_api_timestamp={timestamp}&_api_version=1.0.0"
    signature = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()
    return {
        "_api_name": api_name,
        "_api_version": "1.0.0",
        "_api_timestamp": timestamp,
        "_api_access_key": access_key,
        "_api_signature": signature,
    }


def envelope(
    infno: str,
    input_: dict[str, Any],
    *,
    sign_no: str = "",
    hospital: tuple[str, str, str] = WUHAN,
    insuplc_admdvs: str = "",
    msgid_serial: int = 1,
) -> dict[str, Any]:
    code, admdvs, name = hospital
    return {
        "infno": infno,
        "msgid": f"{code}20261122100000{msgid_serial:04d}",
        "mdtrtarea_admvs": admdvs,
        "insuplc_admdvs": insuplc_admdvs,
        "recer_sys_code": "HIS",
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "SM2",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": "0001",
        "opter_name": "收费员甲",
        "inf_time": "2026-11-22 10:00:00",
        "fixmedins_code": code,
        "fixmedins_name": name,
        "sign_no": sign_no,
        "input": input_,
    }


def _decimal_marker(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"__decimal__{value}__"
    raise TypeError(f"{type(value).__name__} is not JSON")


def body(payload: Any) -> bytes:
    """JSON bytes; a Decimal is written as a JSON number with its exact digits (never via float)."""
    text = json.dumps(payload, ensure_ascii=False, default=_decimal_marker)
    return re.sub(r'"__decimal__(-?[0-9.]+)__"', r"\1", text).encode()


class Caller:
    """Sends envelopes for one hospital with valid TIF headers."""

    def __init__(
        self,
        client: httpx.Client,
        hospital: tuple[str, str, str] = WUHAN,
        clock: Callable[[], datetime] = lambda: NOW,
    ) -> None:
        self.client = client
        self.hospital = hospital
        self.clock = clock
        self.sign_no = ""
        self.serial = 0  # each call gets a new msgid: the platform answers a repeated msgid from its store

    def post(
        self, payload: Any, *, path: str = SINGLE_URL, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        raw = payload if isinstance(payload, bytes) else body(payload)
        return self.client.post(
            path, content=raw, headers=tif_headers(self.clock()) if headers is None else headers
        )

    def next_msgid_serial(self) -> int:
        self.serial += 1
        return self.serial

    def msgid(self, serial: int) -> str:
        return str(envelope("", {}, hospital=self.hospital, msgid_serial=serial)["msgid"])

    def call(self, infno: str, input_: dict[str, Any], **options: Any) -> dict[str, Any]:
        options.setdefault("sign_no", self.sign_no)
        options.setdefault("msgid_serial", self.next_msgid_serial())
        response = self.post(envelope(infno, input_, hospital=self.hospital, **options))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def sign_in(self, opter_no: str = "0001") -> str:
        answer = self.call(
            "9001", {"signIn": {"opter_no": opter_no, "mac": "00-16-3E-00-00-01", "ip": "10.0.0.8"}}
        )
        assert answer["infcode"] == 0, answer
        self.sign_no = str(answer["output"]["signinoutb"]["sign_no"])
        return self.sign_no
