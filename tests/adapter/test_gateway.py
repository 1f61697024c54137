"""Gateway signatures, checked against vectors computed outside Python (PROTOCOL.md §2).

The expected values were computed with coreutils and openssl, not with this code:

    TS=1795311000   # 2026-11-22 09:30:00 China time
    printf '%s' "${TS}opsp-demo-tokenabc123nonce${TS}" | sha256sum
    printf '%s' "_api_access_key=ak-demo&_api_name=1101&_api_timestamp=${TS}000&_api_version=1.0.0" \
        | openssl dgst -sha1 -hmac sk-demo-secret -binary | base64
"""

from __future__ import annotations

import uuid
from datetime import datetime

from adapter import CHINA_TZ, CsbAuth, NoAuth, TifAuth, csb_signature, tif_signature
from adapter._gateway import random_nonce

MOMENT = datetime(2026, 11, 22, 9, 30, 0, tzinfo=CHINA_TZ)
TIF_VECTOR = "7dbe07bb221ac58ba3b17a3f77eb000e24b046ab8dd1e32807881c74f785f952"
CSB_VECTOR_MS = "T0EDtfbtW1XS8rpfJ/z/Qy6MMXY="
CSB_VECTOR_S = "UjmcoscSIDOdTHDdICXJ5Is89d4="


def test_tif_signature_vector() -> None:
    assert tif_signature("1795311000", "opsp-demo-token", "abc123nonce") == TIF_VECTOR


def test_tif_headers() -> None:
    auth = TifAuth(paasid="opsp-demo", token="opsp-demo-token", nonce_factory=lambda: "abc123nonce")
    assert auth.headers("1101", MOMENT) == {
        "x-tif-paasid": "opsp-demo",
        "x-tif-timestamp": "1795311000",
        "x-tif-nonce": "abc123nonce",
        "x-tif-signature": TIF_VECTOR,
    }


def test_tif_nonce_is_fresh_per_attempt() -> None:
    auth = TifAuth(paasid="p", token="t")
    assert auth.headers("1101", MOMENT)["x-tif-nonce"] != auth.headers("1101", MOMENT)["x-tif-nonce"]


def test_tif_nonce_has_the_form_of_a_uuid4() -> None:
    nonces = {random_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    for nonce in nonces:
        parsed = uuid.UUID(hex=nonce)
        assert (parsed.hex, parsed.version, parsed.variant) == (nonce, 4, uuid.RFC_4122)


def test_csb_signature_vector() -> None:
    signature = csb_signature(
        secret_key="sk-demo-secret",
        access_key="ak-demo",
        api_name="1101",
        timestamp="1795311000000",
        api_version="1.0.0",
    )
    assert signature == CSB_VECTOR_MS


def test_csb_headers_in_milliseconds_and_seconds() -> None:
    hunan = CsbAuth(access_key="ak-demo", secret_key="sk-demo-secret", api_version="1.0.0")
    assert hunan.headers("1101", MOMENT) == {
        "_api_name": "1101",
        "_api_version": "1.0.0",
        "_api_timestamp": "1795311000000",
        "_api_access_key": "ak-demo",
        "_api_signature": CSB_VECTOR_MS,
    }
    jiangsu = CsbAuth(
        access_key="ak-demo", secret_key="sk-demo-secret", api_version="1.0.0", timestamp_in_ms=False
    )
    assert jiangsu.headers("1101", MOMENT)["_api_signature"] == CSB_VECTOR_S


def test_csb_service_name_template() -> None:
    auth = CsbAuth(access_key="a", secret_key="s", api_version="1", api_name_template="hsa.fsi.{infno}")
    assert auth.headers("2207", MOMENT)["_api_name"] == "hsa.fsi.2207"


def test_no_gateway_adds_nothing() -> None:
    assert NoAuth().headers("1101", MOMENT) == {}
