"""Gateway authentication (PROTOCOL.md §2.1 TIF, §2.2 CSB, §1.5 rejections) in front of the envelope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from mock_platform import CsbCredentials, GatewayConfig, MockPlatform
from mock_platform.config import MockConfig
from tests.mock_platform.conftest import MutableClock
from tests.mock_platform.helpers import NOW, SINGLE_URL, body, csb_headers, envelope, tif_headers

SIGN_IN = envelope("9001", {"signIn": {"opter_no": "0001", "mac": "", "ip": "10.0.0.8"}})
NOW_SECONDS = "1795312800"  # 2026-11-22 10:00:00 +08:00 = 02:00:00 UTC


def post(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return client.post(SINGLE_URL, content=body(SIGN_IN), headers=headers)


def rejected(response: httpx.Response, message: str, header: str | None = None) -> None:
    """The gateway's shape (PROTOCOL.md §1.5), plus the header at fault (issue #17: errors name it)."""
    assert response.status_code == 401
    answer = response.json()
    assert (answer["code"], answer["message"]) == (401, message)
    assert set(answer) <= {"code", "message", "header"}
    if header is not None:
        assert answer["header"] == header


def test_epoch_constant() -> None:
    assert str(int(NOW.timestamp())) == NOW_SECONDS


# --- TIF ---------------------------------------------------------------------------------------------------


def test_tif_known_vector_is_accepted(client: httpx.Client) -> None:
    # sha256("1795312800" + "opsp-demo-token" + "nonce-1" + "1795312800"), computed with sha256sum.
    headers = {
        "x-tif-paasid": "opsp-demo",
        "x-tif-timestamp": NOW_SECONDS,
        "x-tif-nonce": "nonce-1",
        "x-tif-signature": "1aae3cb379cd6a2bf3a3b719b6953e73e48893a93b13249f7cc967b62a645e19",
    }
    answer = post(client, headers).json()
    assert answer["infcode"] == 0


@pytest.mark.parametrize("offset_minutes", [-29, 29])
def test_tif_timestamp_within_30_minutes_is_accepted(client: httpx.Client, offset_minutes: int) -> None:
    assert post(client, tif_headers(NOW + timedelta(minutes=offset_minutes))).status_code == 200


@pytest.mark.parametrize("offset_minutes", [-31, 31])
def test_tif_stale_timestamp_is_rejected(client: httpx.Client, offset_minutes: int) -> None:
    rejected(post(client, tif_headers(NOW + timedelta(minutes=offset_minutes))), "签名时间戳超时!")


def test_tif_millisecond_timestamp_is_stale(client: httpx.Client) -> None:
    headers = tif_headers() | {"x-tif-timestamp": NOW_SECONDS + "000"}
    rejected(post(client, headers), "签名时间戳超时!")


def test_tif_wrong_signature(client: httpx.Client) -> None:
    rejected(post(client, tif_headers(token="not-the-token")), "签名不一致!", "x-tif-signature")


def test_tif_upper_case_signature_is_not_the_spec(client: httpx.Client) -> None:
    headers = tif_headers()
    headers["x-tif-signature"] = headers["x-tif-signature"].upper()
    rejected(post(client, headers), "签名不一致!")


def test_tif_unknown_paasid(client: httpx.Client) -> None:
    rejected(post(client, tif_headers(paasid="someone-else")), "非法用户!", "x-tif-paasid")


@pytest.mark.parametrize("missing", ["x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature"])
def test_tif_missing_header(client: httpx.Client, missing: str) -> None:
    headers = tif_headers()
    del headers[missing]
    rejected(post(client, headers), "缺少服务网关的请求头!", missing)


@pytest.mark.parametrize("timestamp", ["²", "１７９５３１２８００", "1795312800.0", "-1795312800"])
def test_tif_timestamp_not_ascii_digits_is_refused_not_a_500(client: httpx.Client, timestamp: str) -> None:
    # Issue #10 item 6: "²".isdigit() is true in Python and int("²") raised: a bare HTTP 500.
    headers = tif_headers() | {"x-tif-timestamp": timestamp}
    raw = {name.encode(): value.encode() for name, value in headers.items()}
    response = client.post(SINGLE_URL, content=body(SIGN_IN), headers=raw)
    rejected(response, "签名时间戳超时!", "x-tif-timestamp")


def test_tif_nonce_is_single_use(client: httpx.Client) -> None:
    # Issue #10 item 8 (PROTOCOL.md §2.1): the same signed request twice; the second is a replay.
    headers = tif_headers(nonce="once")
    assert post(client, headers).json()["infcode"] == 0
    rejected(post(client, headers), "请求已使用过的随机数(nonce)，疑似重放!", "x-tif-nonce")


def test_captured_headers_do_not_carry_another_body(client: httpx.Client) -> None:
    headers = tif_headers(nonce="captured")
    assert post(client, headers).status_code == 200
    other = envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "psn_cert_type": "01"}})
    response = client.post(SINGLE_URL, content=body(other), headers=headers)
    rejected(response, "请求已使用过的随机数(nonce)，疑似重放!", "x-tif-nonce")


def test_a_nonce_is_forgotten_once_its_timestamp_left_the_window(
    client: httpx.Client, clock: MutableClock
) -> None:
    # Used at 10:00 with a 10:00 timestamp: refused until 10:30 by the nonce, after that by the timestamp.
    # A new timestamp with the same nonce 31 minutes later is a new signature: accepted again.
    assert post(client, tif_headers(NOW, nonce="reused-later")).status_code == 200
    clock.now = NOW + timedelta(minutes=31)
    assert post(client, tif_headers(clock.now, nonce="reused-later")).status_code == 200
    replay = post(client, tif_headers(clock.now, nonce="reused-later"))
    rejected(replay, "请求已使用过的随机数(nonce)，疑似重放!")


def test_tif_header_names_are_case_insensitive(client: httpx.Client) -> None:
    headers = {name.upper(): value for name, value in tif_headers().items()}
    assert post(client, headers).status_code == 200


# --- CSB ---------------------------------------------------------------------------------------------------

CSB = GatewayConfig(scheme="csb", csb=CsbCredentials(access_key="opsp-demo-ak", secret_key="opsp-demo-sk"))


@pytest.fixture
def csb_client(clock: MutableClock, demo_config: MockConfig) -> Iterator[httpx.Client]:
    with (
        MockPlatform(clock=clock, gateway=CSB, config=demo_config) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        yield client


def test_csb_known_vector_is_accepted(csb_client: httpx.Client) -> None:
    # Base64(HMAC-SHA1("opsp-demo-sk",
    #   "_api_access_key=opsp-demo-ak&_api_name=1101&_api_timestamp=1795312800000&_api_version=1.0.0")),
    # computed with `openssl dgst -sha1 -hmac ... -binary | base64`.
    headers = {
        "_api_name": "1101",
        "_api_version": "1.0.0",
        "_api_timestamp": NOW_SECONDS + "000",
        "_api_access_key": "opsp-demo-ak",
        "_api_signature": "PgYsfJubAQHg9tY5szMNSkpaLTU=",
    }
    assert post(csb_client, headers).json()["infcode"] == 0


def test_csb_seconds_timestamp_is_accepted(csb_client: httpx.Client) -> None:
    # TZ sends a 10-digit seconds value (PROTOCOL.md §2.2 ⚠); same vector method as above.
    headers = csb_headers(NOW_SECONDS)
    assert headers["_api_signature"] == "7sixYU0UOayjwUviMU3n0huVYww="
    assert post(csb_client, headers).status_code == 200


@pytest.mark.parametrize("offset_minutes", [-31, 31])
def test_csb_stale_timestamp(csb_client: httpx.Client, offset_minutes: int) -> None:
    millis = str(int((NOW + timedelta(minutes=offset_minutes)).timestamp() * 1000))
    rejected(post(csb_client, csb_headers(millis)), "签名时间戳超时!")


def test_csb_within_tolerance(csb_client: httpx.Client) -> None:
    millis = str(int((NOW - timedelta(minutes=29)).timestamp() * 1000))
    assert post(csb_client, csb_headers(millis)).status_code == 200


def test_csb_wrong_signature(csb_client: httpx.Client) -> None:
    rejected(post(csb_client, csb_headers(NOW_SECONDS, secret="wrong")), "签名不一致!")


def test_csb_signature_covers_the_api_name(csb_client: httpx.Client) -> None:
    headers = csb_headers(NOW_SECONDS) | {"_api_name": "2207"}
    rejected(post(csb_client, headers), "签名不一致!")


def test_csb_unknown_access_key(csb_client: httpx.Client) -> None:
    rejected(post(csb_client, csb_headers(NOW_SECONDS, access_key="intruder")), "非法用户!")


@pytest.mark.parametrize(
    "missing", ["_api_name", "_api_version", "_api_timestamp", "_api_access_key", "_api_signature"]
)
def test_csb_missing_header(csb_client: httpx.Client, missing: str) -> None:
    headers = csb_headers(NOW_SECONDS)
    del headers[missing]
    rejected(post(csb_client, headers), "缺少服务网关的请求头!", missing)


def test_csb_garbage_timestamp(csb_client: httpx.Client) -> None:
    rejected(post(csb_client, csb_headers("yesterday")), "签名时间戳超时!", "_api_timestamp")


def test_tif_headers_do_not_pass_a_csb_gateway(csb_client: httpx.Client) -> None:
    rejected(post(csb_client, tif_headers()), "缺少服务网关的请求头!", "_api_name")


# --- none --------------------------------------------------------------------------------------------------


def test_scheme_none_needs_no_headers(clock: MutableClock) -> None:
    with (
        MockPlatform(clock=clock, gateway=GatewayConfig(scheme="none")) as mock,
        httpx.Client(transport=mock.transport(), base_url="http://mock.local") as client,
    ):
        assert post(client, {}).json()["infcode"] == 0


def test_gateway_config_needs_credentials_for_its_scheme() -> None:
    with pytest.raises(ValueError, match=r"needs a \[gateway\.csb\] table"):
        GatewayConfig(scheme="csb")


def test_control_endpoints_bypass_the_gateway(client: httpx.Client) -> None:
    assert client.get("/_mock/health").status_code == 200
