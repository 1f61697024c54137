"""Posting below ``httpx.Client.post`` (issue #18): only when the adapter built the client itself over
its own transport, with the same bytes on the wire and the same failures as through ``Client.post``.

Each test that compares runs two ``PlatformClient``s against one real socket server: one that builds
its own client (posts directly) and one given a host's ``httpx.Client`` over the same kind of
transport (posts through ``Client.post``).
"""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import httpx
import pytest
import respx

from adapter import (
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    Http11Transport,
    OutcomeUnknownError,
    PlatformClient,
    PlatformTimeoutError,
    PlatformUnavailableError,
    ProtocolError,
)
from adapter._client import _timeout
from adapter._posting import ClientPoster
from adapter._settings import AdapterSettings
from adapter._transport import Answer
from adapter.transactions import Transaction, t9102

from ..served import ROOT
from . import test_transport
from .fakes import MOMENT, demo_settings, envelope
from .test_client import WRITE_INPUT
from .test_transport import WRITE, Server, answer, refused_url

serve = test_transport.serve  # the fixture: loopback servers in threads, stopped after each test

SETTLED = envelope({"setlinfo": {"setl_id": "S0001"}})
MSGID = "H42010200001202611220930000042"
# 9102 without the sign-in, so the raw servers see only the download.
DOWNLOAD = Transaction(
    infno="9102",
    title="文件下载",
    input_model=t9102.Input,
    output_model=t9102.Output,
    changes_state=False,
    file_output=True,
    requires_sign_in=False,
)
DOWNLOAD_INPUT = t9102.Input(fs_download_in=t9102.FileDownload(file_qury_no="F1", fixmedins_code="plc"))


class FixedGateway:
    """Gateway headers that do not change per call, so two requests can be compared byte for byte."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self._headers = headers if headers is not None else {"x-tif-paasid": "paas", "x-tif-nonce": "n1"}

    def headers(self, infno: str, now: datetime) -> dict[str, str]:
        return dict(self._headers)


Way = Callable[..., PlatformClient]


@pytest.fixture
def ways() -> Iterator[dict[str, Way]]:
    """The two ways to post: ``own`` (the adapter's own client, direct) and ``host`` (a host's client)."""
    with ExitStack() as stack:

        def own(settings: AdapterSettings, **options: Any) -> PlatformClient:
            return stack.enter_context(PlatformClient(settings, clock=lambda: MOMENT, **options))

        def host(settings: AdapterSettings, **options: Any) -> PlatformClient:
            http = stack.enter_context(httpx.Client(transport=Http11Transport(), timeout=_timeout(settings)))
            return stack.enter_context(
                PlatformClient(settings, http_client=http, clock=lambda: MOMENT, **options)
            )

        yield {"own": own, "host": host}


@pytest.fixture
def client_sends(monkeypatch: pytest.MonkeyPatch) -> list[httpx.URL]:
    """Every request posted through ``httpx.Client.post``, as the adapter does it (``ClientPoster``).

    Counted there, not by patching ``httpx.Client.send``: a double on Client.post's way sends every
    request through Client.post."""
    sent: list[httpx.URL] = []
    post = ClientPoster.post

    def counted(self: ClientPoster, url: httpx.URL, body: bytes, headers: dict[str, str]) -> Answer:
        sent.append(url)
        return post(self, url, body, headers)

    monkeypatch.setattr(ClientPoster, "post", counted)
    return sent


def answering_each(*answers: bytes) -> Callable[[socket.socket, Server], None]:
    """Keep-alive: the n-th request on the connection gets the n-th answer (the last one repeats)."""

    def handler(conn: socket.socket, server: Server) -> None:
        n = 0
        while server.read_request(conn) is not None:
            conn.sendall(answers[min(n, len(answers) - 1)])
            n += 1

    return handler


def capturing(server_bodies: list[bytes]) -> Callable[[socket.socket, Server], None]:
    def handler(conn: socket.socket, server: Server) -> None:
        while (body := server.read_request(conn)) is not None:
            server_bodies.append(body)
            conn.sendall(answer(SETTLED))

    return handler


# -- which way is taken ---------------------------------------------------------------------------


def test_only_the_adapters_own_client_is_posted_to_below_client_post(
    serve: Callable[..., Server], client_sends: list[httpx.URL]
) -> None:
    server = serve(answering_each(answer(SETTLED)))
    settings = demo_settings(endpoint=server.url)
    with PlatformClient(settings) as own:
        assert own.call(WRITE, WRITE_INPUT).output.setlinfo.setl_id == "S0001"
    assert client_sends == []  # fails before: every call went through Client.send

    hooked: list[httpx.Request] = []
    with (
        httpx.Client(transport=Http11Transport(), event_hooks={"request": [hooked.append]}) as http,
        PlatformClient(settings, http_client=http) as with_host_client,
    ):
        with_host_client.call(WRITE, WRITE_INPUT)
    assert len(hooked) == 1  # the host's hook ran

    handled: list[httpx.Request] = []

    class HostTransport(Http11Transport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            handled.append(request)
            return super().handle_request(request)

    with PlatformClient(settings, transport=HostTransport()) as with_host_transport:
        with_host_transport.call(WRITE, WRITE_INPUT)
    assert len(handled) == 1  # the host's transport was handed the request by httpx.Client
    assert len(client_sends) == 2


def test_the_direct_way_uses_the_settings_timeouts(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, float | None]] = []
    post = Http11Transport.post

    def spy(self: Http11Transport, *args: Any) -> Any:
        seen.append(args[-1])
        return post(self, *args)

    monkeypatch.setattr(Http11Transport, "post", spy)
    server = serve(answering_each(answer(SETTLED)))
    settings = demo_settings(
        endpoint=server.url, timeouts={"connect": 1.5, "read": 2.5, "write": 3.5, "pool": 4.5}
    )
    with PlatformClient(settings) as platform_client:
        platform_client.call(WRITE, WRITE_INPUT)
    assert seen == [{"connect": 1.5, "read": 2.5, "write": 3.5, "pool": 4.5}]


def test_respx_started_after_the_client_was_built_still_sees_every_call() -> None:
    settings = demo_settings(endpoint="http://platform.test/fsi/api/{infno}")
    with PlatformClient(settings) as platform_client:
        with respx.mock(using="httpx") as router:
            route = router.post("http://platform.test/fsi/api/2207").respond(200, content=SETTLED)
            assert platform_client.call(WRITE, WRITE_INPUT).output.setlinfo.setl_id == "S0001"
        assert route.call_count == 1


@pytest.mark.parametrize(
    "method",
    [
        "post",  # unittest.mock.patch.object(httpx.Client, "post") in a HIS's tests
        "send",
        "_send_single_request",  # vcrpy's cassettes (and pytest-recording) patch this one
    ],
)
def test_a_test_double_anywhere_on_client_posts_way_still_sees_every_call(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    seen: list[str] = []
    original = getattr(httpx.Client, method)

    def spy(self: httpx.Client, *args: Any, **options: Any) -> Any:
        seen.append(method)
        return original(self, *args, **options)

    server = serve(answering_each(answer(SETTLED)))
    with PlatformClient(demo_settings(endpoint=server.url)) as platform_client:
        monkeypatch.setattr(httpx.Client, method, spy)
        platform_client.call(WRITE, WRITE_INPUT)
    assert seen == [method]  # fails before: only _transport_for_url and handle_request were watched


def test_respx_started_before_the_adapter_was_first_imported_still_sees_every_call() -> None:
    # The direct way took httpx's routing as it found it at import: under respx.mock, respx's own.
    script = """
import respx
with respx.mock(using="httpx") as router:
    from adapter import PlatformClient
    from tests.adapter.fakes import demo_settings
    from tests.adapter.test_client import WRITE_INPUT
    from tests.adapter.test_client_posting import SETTLED
    from tests.adapter.test_transport import WRITE
    route = router.post("http://platform.test/fsi/api/2207").respond(200, content=SETTLED)
    with PlatformClient(demo_settings(endpoint="http://platform.test/fsi/api/{infno}")) as client:
        client.call(WRITE, WRITE_INPUT)
    assert route.call_count == 1, route.call_count
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_patched_handle_request_still_sees_every_call(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    handled: list[httpx.Request] = []
    handle = Http11Transport.handle_request

    def patched(self: Http11Transport, request: httpx.Request) -> httpx.Response:
        handled.append(request)
        return handle(self, request)

    server = serve(answering_each(answer(SETTLED)))
    with PlatformClient(demo_settings(endpoint=server.url)) as platform_client:
        monkeypatch.setattr(Http11Transport, "handle_request", patched)
        platform_client.call(WRITE, WRITE_INPUT)
    assert len(handled) == 1


# -- the same bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gateway_headers",
    [
        pytest.param({"x-tif-paasid": "paas", "x-tif-nonce": "n1", "x-tif-signature": "ab12"}, id="tif"),
        pytest.param({}, id="none"),
        # httpx replaces a default header in place: the direct way leaves this to Client.post.
        pytest.param({"user-agent": "his/1.0", "X-Api": "1"}, id="replacing-a-default"),
    ],
)
def test_the_same_bytes_go_on_the_wire_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], gateway_headers: dict[str, str]
) -> None:
    bodies: list[bytes] = []
    server = serve(capturing(bodies))
    settings = demo_settings(endpoint=server.url)
    for way in ("own", "host"):
        platform_client = ways[way](settings, gateway=FixedGateway(gateway_headers))
        for _ in range(2):
            platform_client.call(WRITE, WRITE_INPUT, msgid=MSGID)
    assert len(server.heads) == len(bodies) == 4
    assert server.heads[0] == server.heads[1] == server.heads[2] == server.heads[3]
    assert bodies[0] == bodies[1] == bodies[2] == bodies[3]
    assert server.heads[0].split(b"\r\n")[:2] == [b"POST /x HTTP/1.1", b"Host: 127.0.0.1:%d" % server.port]


@pytest.mark.parametrize("way", ["own", "host"])
@pytest.mark.parametrize(
    ("value", "refusal"),
    [("收费员", UnicodeEncodeError), ("line\r\nX-Injected: 1", httpx.LocalProtocolError)],
)
def test_a_header_value_httpx_refuses_is_a_configuration_error_alike_and_nothing_is_sent(
    serve: Callable[..., Server], ways: dict[str, Way], way: str, value: str, refusal: type[Exception]
) -> None:
    # Before: a non-ASCII value raised UnicodeEncodeError (outside the error tree) and a line break an
    # OutcomeUnknownError, though the request was refused before a byte was written. A host's own
    # GatewayAuth is the way such a value still arrives: settings refuse it at load.
    server = serve(answering_each(answer(SETTLED)))
    sleeps: list[float] = []
    platform_client = ways[way](
        demo_settings(endpoint=server.url), gateway=FixedGateway({"x-op": value}), sleep=sleeps.append
    )
    with pytest.raises(ConfigurationError) as caught:
        platform_client.call(WRITE, WRITE_INPUT, msgid=MSGID)
    assert str(caught.value) == (
        f"[2207 {MSGID}] the gateway header x-op cannot be sent: it must be printable ASCII with no line"
        " break; nothing was sent: correct the gateway settings"
    )
    assert isinstance(caught.value.__cause__, refusal)
    assert (server.accepted, sleeps) == (0, [])  # not sent, not retried


def test_cookies_an_answer_sets_are_sent_back_either_way(
    serve: Callable[..., Server], ways: dict[str, Way]
) -> None:
    for way in ("own", "host"):
        server = serve(answering_each(answer(SETTLED, b"Set-Cookie: route=b7; Path=/"), answer(SETTLED)))
        platform_client = ways[way](demo_settings(endpoint=server.url))
        for _ in range(3):
            platform_client.call(WRITE, WRITE_INPUT)
        cookies = [
            line for head in server.heads for line in head.split(b"\r\n") if line.startswith(b"Cookie")
        ]
        assert cookies == [b"Cookie: route=b7"] * 2, way


@pytest.mark.parametrize("way", ["own", "host"])
def test_a_cookie_set_by_an_answer_whose_body_does_not_decode_is_sent_back_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], way: str
) -> None:
    # httpx.Client takes an answer's cookies before it decodes the body: a load balancer's sticky
    # cookie on an unreadable answer still routes the next call (the 冲正 of this one) to the same node.
    server = serve(
        answering_each(
            answer(b"not gzip at all", b"Set-Cookie: route=b7; Path=/", b"Content-Encoding: gzip"),
            answer(SETTLED),
        )
    )
    platform_client = ways[way](demo_settings(endpoint=server.url))
    with pytest.raises(OutcomeUnknownError):
        platform_client.call(WRITE, WRITE_INPUT)
    platform_client.call(WRITE, WRITE_INPUT)
    assert b"Cookie: route=b7" in server.heads[1].split(b"\r\n")


class FirstCallReplacesUserAgent:
    """Gateway headers that replace httpx's User-Agent on the first call only: that call goes through
    Client.post, the next ones need not."""

    def __init__(self) -> None:
        self.calls = 0

    def headers(self, infno: str, now: datetime) -> dict[str, str]:
        self.calls += 1
        return {"user-agent": "his/1.0"} if self.calls == 1 else {"x-tif-nonce": "n1"}


@pytest.mark.parametrize("way", ["own", "host"])
def test_a_cookie_set_in_answer_to_a_call_through_client_post_is_sent_back_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], way: str
) -> None:
    # The direct way watched for Set-Cookie only in the answers it read itself: a cookie the client's
    # jar took on a call posted through Client.post was not sent back by the next direct call.
    server = serve(answering_each(answer(SETTLED, b"Set-Cookie: route=b7; Path=/"), answer(SETTLED)))
    platform_client = ways[way](demo_settings(endpoint=server.url), gateway=FirstCallReplacesUserAgent())
    for _ in range(2):
        platform_client.call(WRITE, WRITE_INPUT)
    assert b"Cookie: route=b7" in server.heads[1].split(b"\r\n")


# -- the same failures ---------------------------------------------------------------------------


def hold(conn: socket.socket, server: Server) -> None:
    server.read_request(conn)
    server.release.wait(10)


def cut_body(conn: socket.socket, server: Server) -> None:
    server.read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + SETTLED[:10])


def unavailable(conn: socket.socket, server: Server) -> None:
    while server.read_request(conn) is not None:
        conn.sendall(answer(b"<html>busy</html>", status=b"503 Service Unavailable"))


def garbled_gzip(conn: socket.socket, server: Server) -> None:
    while server.read_request(conn) is not None:
        conn.sendall(answer(b"not gzip at all", b"Content-Encoding: gzip"))


def unreadable_redirect(conn: socket.socket, server: Server) -> None:
    # A settlement's success envelope under a 302 whose Location httpx cannot parse (a port that is not
    # a number): httpx.Client reads every redirect's Location, even one it does not follow.
    while server.read_request(conn) is not None:
        conn.sendall(answer(SETTLED, b"Location: http://platform.test:abc/", status=b"302 Found"))


FAILURES = {
    "read-timeout": (hold, OutcomeUnknownError, PlatformTimeoutError, httpx.ReadTimeout),
    "dropped-mid-answer": (cut_body, OutcomeUnknownError, ProtocolError, httpx.RemoteProtocolError),
    "http-503": (unavailable, OutcomeUnknownError, PlatformUnavailableError, type(None)),
    # httpx's DecodingError is no TransportError: it escaped the adapter's error tree before.
    "undecodable-body": (garbled_gzip, OutcomeUnknownError, ProtocolError, httpx.DecodingError),
    # Through Client.post this was always an unreadable answer; the direct way read it as settled.
    "unreadable-redirect": (
        unreadable_redirect,
        OutcomeUnknownError,
        ProtocolError,
        httpx.RemoteProtocolError,
    ),
}


@pytest.mark.parametrize("way", ["own", "host"])
@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failure_is_classified_alike_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], way: str, failure: str
) -> None:
    handler, raised, cause, httpx_error = FAILURES[failure]
    server = serve(handler)
    sleeps: list[float] = []
    settings = demo_settings(endpoint=server.url, timeouts={"read": 0.3})
    platform_client = ways[way](settings, sleep=sleeps.append)
    with pytest.raises(raised) as caught:
        platform_client.call(WRITE, WRITE_INPUT)
    classified = caught.value.cause
    assert classified is not None
    assert type(classified) is cause
    assert type(classified.__cause__) is httpx_error
    if isinstance(classified.__cause__, httpx.RequestError):  # the direct way builds it on failure
        assert classified.__cause__.request.url == httpx.URL(server.url)
    assert (server.accepted, sleeps) == (1, [])  # sent once, never again


def test_a_host_client_that_follows_redirects_into_a_loop_leaves_the_settlement_unknown(
    serve: Callable[..., Server],
) -> None:
    # The POST reached the platform before the first 302; httpx.TooManyRedirects is a RequestError,
    # not a TransportError, and escaped the adapter's error tree raw (no 冲正 asked for).
    def redirecting(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(answer(b"", b"Location: /x", status=b"302 Found"))

    server = serve(redirecting)
    sleeps: list[float] = []
    with (
        httpx.Client(transport=Http11Transport(), follow_redirects=True, max_redirects=3) as http,
        PlatformClient(demo_settings(endpoint=server.url), http_client=http, sleep=sleeps.append) as client,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        client.call(WRITE, WRITE_INPUT)
    assert isinstance(caught.value.cause, ProtocolError)
    assert type(caught.value.cause.__cause__) is httpx.TooManyRedirects
    assert (server.heads[0].split(b" ")[0], sleeps) == (b"POST", [])


@pytest.mark.parametrize("endpoint", ["http://:{port}/x", "http:///x"])
def test_an_endpoint_without_a_host_fails_alike_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], endpoint: str
) -> None:
    # httpx.Client takes a URL without a host for a relative one (joined to its empty base_url); the
    # direct way connected to host "" and raised ConnectError where Client.post raised
    # UnsupportedProtocol. Settings refuse such an endpoint at load; past them (model_copy does not
    # validate), the two ways still agree.
    server = serve(answering_each(answer(SETTLED)))
    with pytest.raises(ConfigurationError, match=r"endpoint: .*; it has no host"):
        demo_settings(endpoint=endpoint.format(port=server.port))
    settings = demo_settings().model_copy(update={"endpoint": endpoint.format(port=server.port)})
    failures: list[tuple[type[BaseException], type[BaseException | None]]] = []
    for way in ("own", "host"):
        with pytest.raises(OutcomeUnknownError) as caught:
            ways[way](settings, sleep=lambda _: None).call(WRITE, WRITE_INPUT)
        cause = caught.value.cause
        assert cause is not None
        failures.append((type(cause), type(cause.__cause__)))
    assert failures[0] == failures[1]
    assert server.accepted == 0


def test_a_request_refused_for_two_reasons_is_refused_for_the_same_one_either_way(
    ways: dict[str, Way],
) -> None:
    # handle_request checks the head before the URL's scheme; the direct way checked the scheme first.
    # (Settings refuse both at load: model_copy does not validate.)
    settings = demo_settings().model_copy(update={"endpoint": "ftp://127.0.0.1/x"})
    causes = []
    for way in ("own", "host"):
        with pytest.raises(ConfigurationError) as caught:
            ways[way](settings, gateway=FixedGateway({"x-op": "line\nbreak"})).call(WRITE, WRITE_INPUT)
        causes.append(type(caught.value.__cause__))
    assert causes == [httpx.LocalProtocolError] * 2


@pytest.mark.parametrize("way", ["own", "host"])
def test_connection_refused_is_a_connect_error_retried_either_way(ways: dict[str, Way], way: str) -> None:
    url = refused_url()
    sleeps: list[float] = []
    platform_client = ways[way](demo_settings(endpoint=url), sleep=sleeps.append)
    with pytest.raises(ConnectError) as caught:
        platform_client.call(WRITE, WRITE_INPUT)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.__cause__.request.url == httpx.URL(url)
    assert len(sleeps) == 2  # nothing was sent: the state-changing call was tried three times


@pytest.mark.parametrize("way", ["own", "host"])
def test_a_file_answer_and_a_gzip_answer_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], way: str
) -> None:
    zipped = b"PK\x03\x04" + bytes(range(256))
    server = serve(
        answering_each(
            answer(zipped, b"Content-Type: application/octet-stream"),
            answer(gzip.compress(SETTLED), b"Content-Encoding: gzip"),
        )
    )
    platform_client = ways[way](demo_settings(endpoint=server.url))
    assert platform_client.call(DOWNLOAD, DOWNLOAD_INPUT).output.content == zipped
    assert platform_client.call(WRITE, WRITE_INPUT).output.setlinfo.setl_id == "S0001"
    assert server.accepted == 1  # one keep-alive connection


@pytest.mark.parametrize("way", ["own", "host"])
def test_a_connection_the_server_closed_while_idle_is_replaced_either_way(
    serve: Callable[..., Server], ways: dict[str, Way], way: str
) -> None:
    def answer_once_then_close(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(SETTLED))  # no Connection: close - the client believes it may reuse it
        conn.close()
        server.closed.set()

    server = serve(answer_once_then_close)
    platform_client = ways[way](demo_settings(endpoint=server.url))
    platform_client.call(WRITE, WRITE_INPUT)
    assert server.closed.wait(5)
    server.closed.clear()
    reply = platform_client.call(WRITE, WRITE_INPUT)  # the stale connection is found before it is used
    assert reply.output.setlinfo.setl_id == "S0001"
    assert server.accepted == 2


def test_closing_the_platform_client_closes_its_connection_and_refuses_later_calls(
    serve: Callable[..., Server],
) -> None:
    def until_closed(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(answer(SETTLED))
        server.closed.set()

    server = serve(until_closed)
    platform_client = PlatformClient(demo_settings(endpoint=server.url))
    with platform_client:
        platform_client.call(WRITE, WRITE_INPUT)
    assert server.closed.wait(5)  # the keep-alive connection was closed by close()
    # Before: httpx's RuntimeError, outside the error tree. Still a RuntimeError, as httpx's was.
    with pytest.raises(ClientClosedError, match="the PlatformClient is closed: nothing was sent") as caught:
        platform_client.call(WRITE, WRITE_INPUT, msgid=MSGID)
    assert isinstance(caught.value, RuntimeError)
    assert (caught.value.infno, caught.value.msgid) == ("2207", MSGID)
    assert server.accepted == 1


@pytest.mark.parametrize("way", ["own", "host", "transport"])
def test_every_call_after_close_is_a_client_closed_error_and_nothing_is_sent(
    serve: Callable[..., Server], way: str
) -> None:
    server = serve(answering_each(answer(SETTLED)))
    settings = demo_settings(endpoint=server.url)
    sleeps: list[float] = []
    with ExitStack() as stack:
        options: dict[str, Any] = {}
        if way == "host":
            options["http_client"] = stack.enter_context(httpx.Client(transport=Http11Transport()))
        elif way == "transport":
            options["transport"] = Http11Transport()
        platform_client = PlatformClient(settings, sleep=sleeps.append, **options)
        platform_client.close()
        with pytest.raises(ClientClosedError) as caught:
            platform_client.call(WRITE, WRITE_INPUT)  # state-changing: not an unknown outcome
        assert (caught.value.infno, caught.value.msgid) == ("2207", "")
        with pytest.raises(ClientClosedError) as caught:
            platform_client.call(DOWNLOAD, DOWNLOAD_INPUT)  # a query: not retried
        assert caught.value.infno == "9102"
        with pytest.raises(ClientClosedError) as caught:
            platform_client.sign_no()  # the sign-in too
        assert caught.value.infno == "9001"
    assert (server.accepted, sleeps) == (0, [])


def test_a_call_through_a_host_client_the_host_closed_is_a_client_closed_error(
    serve: Callable[..., Server],
) -> None:
    # Before: httpx's RuntimeError, outside the error tree.
    server = serve(answering_each(answer(SETTLED)))
    http = httpx.Client(transport=Http11Transport())
    sleeps: list[float] = []
    settings = demo_settings(endpoint=server.url)
    platform_client = PlatformClient(settings, http_client=http, sleep=sleeps.append)
    http.close()
    with pytest.raises(ClientClosedError) as caught:
        platform_client.call(WRITE, WRITE_INPUT, msgid=MSGID)
    assert str(caught.value) == (
        f"[2207 {MSGID}] the httpx.Client under the PlatformClient is closed: nothing was sent"
    )
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert (server.accepted, sleeps) == (0, [])  # not sent, not retried, not an unknown outcome
