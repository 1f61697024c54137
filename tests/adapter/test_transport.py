"""Http11Transport against real sockets: small servers in threads, no mocks.

The adapter's safety rests on which httpx exception a failure raises (``PlatformClient._attempt``):
ConnectError / ConnectTimeout / PoolTimeout mean nothing was sent (a state-changing call may be tried
again), anything else may have been committed. These tests pin each case on a real connection.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import respx

from adapter import (
    Adapter,
    ConnectError,
    Http11Transport,
    OutcomeUnknownError,
    PlatformClient,
    ProtocolError,
    SqliteJournal,
    load_settings,
)
from adapter._embedded import demo_settings_path
from adapter._transport import default_transport
from adapter.transactions import Transaction

from ..served import ROOT, served
from .fakes import demo_settings
from .test_client import WRITE_INPUT, _Settled, _Write

Handler = Callable[[socket.socket, "Server"], None]
# A state-changing call (like 2207) that needs no sign-in, so the raw servers see only it.
WRITE = Transaction(
    infno="2207",
    title="门诊结算",
    input_model=_Write,
    output_model=_Settled,
    changes_state=True,
    requires_sign_in=False,
)


class Server:
    """A loopback TCP server in threads: each accepted connection is given to ``handler``."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.accepted = 0
        self.heads: list[bytes] = []
        self.closed = threading.Event()  # set by handlers when they closed a connection
        self.release = threading.Event()  # handlers that hold an answer wait for this
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{'localhost' if self.tls else '127.0.0.1'}:{self.port}/x"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def read_request(self, conn: socket.socket) -> bytes | None:
        """One request's body (head kept in ``heads``), or None when the client closed the connection."""
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                return None
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        self.heads.append(head)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        return body

    def stop(self) -> None:
        self.release.set()
        self._listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handler: Handler, **options: ssl.SSLContext) -> Server:
        servers.append(Server(handler, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> bytes:
    head = [
        b"HTTP/1.1 " + status,
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(body),
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def echo_forever(conn: socket.socket, server: Server) -> None:
    """Keep-alive: answer each request with its own body."""
    while (body := server.read_request(conn)) is not None:
        conn.sendall(answer(b"echo:" + body))


def client(transport: Http11Transport | None = None, **timeouts: float) -> httpx.Client:
    return httpx.Client(transport=transport or Http11Transport(), timeout=httpx.Timeout(5.0, **timeouts))


def test_requests_share_one_keep_alive_connection_and_send_httpx_headers_once(
    serve: Callable[..., Server],
) -> None:
    server = serve(echo_forever)
    with client() as http:
        for n in range(5):
            response = http.post(server.url, content=b"%d" % n, headers={"Content-Type": "application/json"})
            assert (response.status_code, response.content) == (200, b"echo:%d" % n)
            assert response.http_version == "HTTP/1.1"
            assert response.reason_phrase == "OK"
            assert response.headers["content-type"] == "application/json"
    assert server.accepted == 1
    lines = server.heads[0].split(b"\r\n")
    assert lines[0] == b"POST /x HTTP/1.1"
    names = [line.split(b":")[0].lower() for line in lines[1:]]
    assert sorted(names) == sorted(
        [
            b"host",
            b"accept",
            b"accept-encoding",
            b"connection",
            b"user-agent",
            b"content-type",
            b"content-length",
        ]
    )
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines


def test_a_connection_the_server_closed_while_idle_is_replaced_without_error(
    serve: Callable[..., Server],
) -> None:
    def answer_once_then_close(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(b"{}"))  # no Connection: close - the client believes it may reuse it
        conn.close()
        server.closed.set()

    server = serve(answer_once_then_close)
    with client() as http:
        assert http.post(server.url, content=b"1").content == b"{}"
        assert server.closed.wait(5)
        time.sleep(0.05)  # the FIN crosses loopback
        assert http.post(server.url, content=b"2").content == b"{}"
    assert server.accepted == 2


def close_without_answer(conn: socket.socket, server: Server) -> None:
    server.read_request(conn)


def test_a_request_read_and_never_answered_is_a_remote_protocol_error(serve: Callable[..., Server]) -> None:
    server = serve(close_without_answer)
    with client() as http, pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
        http.post(server.url, content=b"{}")


def test_through_the_client_a_lost_answer_to_a_state_changing_call_is_ambiguous_and_not_retried(
    serve: Callable[..., Server],
) -> None:
    server = serve(close_without_answer)
    sleeps: list[float] = []
    settings = demo_settings(endpoint=server.url)
    with (
        PlatformClient(settings, sleep=sleeps.append) as platform_client,
        pytest.raises(OutcomeUnknownError) as caught,
    ):
        platform_client.call(WRITE, WRITE_INPUT)
    assert isinstance(caught.value.cause, ProtocolError)
    assert isinstance(caught.value.cause.__cause__, httpx.RemoteProtocolError)
    assert server.accepted == 1  # sent once, never again
    assert sleeps == []


def test_an_answer_that_never_comes_is_a_read_timeout(serve: Callable[..., Server]) -> None:
    def hold(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        server.release.wait(10)

    server = serve(hold)
    started = time.monotonic()
    with client(read=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.post(server.url, content=b"{}")
    assert 0.25 <= time.monotonic() - started < 3


def refused_url() -> str:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    return f"http://127.0.0.1:{port}/x"


def test_connection_refused_is_a_connect_error_and_the_adapter_retries_it_as_such() -> None:
    url = refused_url()
    with client() as http, pytest.raises(httpx.ConnectError):
        http.post(url, content=b"{}")
    sleeps: list[float] = []
    with (
        PlatformClient(demo_settings(endpoint=url), sleep=sleeps.append) as platform_client,
        pytest.raises(ConnectError),
    ):
        platform_client.call(WRITE, WRITE_INPUT)
    assert len(sleeps) == 2  # nothing was sent: the state-changing call was tried three times


def test_a_chunked_answer_is_reassembled(serve: Callable[..., Server]) -> None:
    def chunked(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"
            )

    server = serve(chunked)
    with client() as http:
        assert http.post(server.url, content=b"{}").content == b"hello, world"
        assert http.post(server.url, content=b"{}").content == b"hello, world"
    assert server.accepted == 1


def test_a_gzip_answer_is_decoded_by_httpx(serve: Callable[..., Server]) -> None:
    packed = gzip.compress(b'{"infcode":0}')

    def gzipped(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(answer(packed, b"Content-Encoding: gzip"))

    server = serve(gzipped)
    with client() as http:
        assert http.post(server.url, content=b"{}").content == b'{"infcode":0}'


def test_connection_close_closes_it_after_the_answer(serve: Callable[..., Server]) -> None:
    def close_each(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(b"{}", b"Connection: close"))
        # The connection stays open on this side: the client must not reuse it anyway.
        server.read_request(conn)

    server = serve(close_each)
    with client() as http:
        for _ in range(3):
            assert http.post(server.url, content=b"{}").content == b"{}"
    assert server.accepted == 3


def test_an_answer_without_length_is_read_to_the_end(serve: Callable[..., Server]) -> None:
    def to_eof(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of ")
        time.sleep(0.05)
        conn.sendall(b"it")

    server = serve(to_eof)
    with client() as http:
        assert http.post(server.url, content=b"{}").content == b"all of it"
        assert http.post(server.url, content=b"{}").content == b"all of it"
    assert server.accepted == 2


def test_an_interim_answer_is_skipped(serve: Callable[..., Server]) -> None:
    def interim(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"{}"))

    server = serve(interim)
    with client() as http:
        assert http.post(server.url, content=b"{}").status_code == 200


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # EOF inside the body
        b"garbage\r\n\r\n",  # not a status line
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # not a chunk size
    ],
)
def test_a_malformed_or_cut_answer_is_a_remote_protocol_error(
    serve: Callable[..., Server], reply: bytes
) -> None:
    def bad(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(reply)

    server = serve(bad)
    with client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(server.url, content=b"{}")


def test_two_threads_at_once_use_two_connections(serve: Callable[..., Server]) -> None:
    both_arrived = threading.Barrier(2, timeout=5)

    def together(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            both_arrived.wait()
            conn.sendall(answer(b"{}"))

    server = serve(together)
    results: list[bytes] = []
    with client() as http:
        threads = [
            threading.Thread(target=lambda: results.append(http.post(server.url, content=b"{}").content))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert results == [b"{}", b"{}"]
    assert server.accepted == 2


def test_no_free_connection_within_the_pool_timeout_is_a_pool_timeout(serve: Callable[..., Server]) -> None:
    def hold(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        server.release.wait(10)
        conn.sendall(answer(b"{}"))
        echo_forever(conn, server)

    server = serve(hold)
    with client(Http11Transport(max_connections=1), pool=0.2) as http:
        first = threading.Thread(target=lambda: http.post(server.url, content=b"{}"))
        first.start()
        while server.accepted == 0:
            time.sleep(0.01)
        with pytest.raises(httpx.PoolTimeout):
            http.post(server.url, content=b"{}")
        server.release.set()
        first.join(10)
        assert http.post(server.url, content=b"2").content == b"echo:2"  # the slot came back


def test_an_idle_connection_older_than_the_expiry_is_closed_not_reused(serve: Callable[..., Server]) -> None:
    now = [1000.0]
    saw_close = threading.Event()

    def note_close(conn: socket.socket, server: Server) -> None:
        echo_forever(conn, server)
        saw_close.set()

    server = serve(note_close)
    with client(Http11Transport(clock=lambda: now[0])) as http:
        http.post(server.url, content=b"1")
        now[0] += 4.9
        http.post(server.url, content=b"2")
        assert server.accepted == 1
        now[0] += 5.1
        http.post(server.url, content=b"3")
        assert server.accepted == 2
        assert saw_close.wait(5)  # the expired one was closed, not left open


def test_at_most_the_keepalive_limit_stays_idle_and_close_closes_them(serve: Callable[..., Server]) -> None:
    both_arrived = threading.Barrier(2, timeout=5)
    ended: list[int] = []

    def together_then_echo(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        both_arrived.wait()
        conn.sendall(answer(b"{}"))
        echo_forever(conn, server)
        ended.append(1)

    server = serve(together_then_echo)
    with client(Http11Transport(max_keepalive_connections=1)) as http:
        threads = [threading.Thread(target=lambda: http.post(server.url, content=b"{}")) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert server.accepted == 2
        assert wait_for(lambda: len(ended) == 1)  # one kept idle, the other closed
        time.sleep(0.05)
        assert len(ended) == 1
    assert wait_for(lambda: len(ended) == 2)  # close() closed the idle one


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 5
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def certificate_authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A CA of our own, trusted through SSL_CERT_FILE (as httpx's default trust honours it); the server's
    TLS context."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    return context


def test_https_with_sni_alpn_and_the_ssl_cert_file_trust(
    serve: Callable[..., Server], certificate_authority: ssl.SSLContext
) -> None:
    alpn: list[str | None] = []
    sni: list[str | None] = []

    def tls_echo(conn: socket.socket, server: Server) -> None:
        assert isinstance(conn, ssl.SSLSocket)
        alpn.append(conn.selected_alpn_protocol())
        echo_forever(conn, server)

    certificate_authority.sni_callback = lambda _sock, name, _context: sni.append(name)
    server = serve(tls_echo, tls=certificate_authority)
    with client() as http:
        assert http.post(server.url, content=b"a").content == b"echo:a"
        assert http.post(server.url, content=b"b").content == b"echo:b"
    assert server.accepted == 1
    assert alpn == ["http/1.1"]
    assert sni == ["localhost"]


def test_https_to_an_untrusted_server_is_a_connect_error(
    serve: Callable[..., Server], certificate_authority: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(echo_forever, tls=certificate_authority)
    monkeypatch.delenv("SSL_CERT_FILE")  # certifi's roots do not know our CA
    with client() as http, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        http.post(server.url, content=b"{}")


def test_a_proxy_named_in_the_environment_is_still_used(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx mounts environment proxies only when given no transport: with one configured, the adapter
    builds its client as before, and the request goes through the proxy."""
    proxy = serve(echo_forever)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert default_transport() is None
    settings = demo_settings(endpoint="http://platform.test/fsi/api/{infno}")
    with PlatformClient(settings) as platform_client, pytest.raises(OutcomeUnknownError):
        platform_client.call(WRITE, WRITE_INPUT)  # the proxy echoes: not an envelope
    assert proxy.accepted == 1
    assert proxy.heads[0].startswith(b"POST http://platform.test/fsi/api/2207 HTTP/1.1")
    monkeypatch.delenv("HTTP_PROXY")
    assert isinstance(default_transport(), Http11Transport)


def test_the_default_client_settles_a_visit_against_the_served_mock(tmp_path: Path) -> None:
    opsp = str(Path(sys.executable).parent / "opsp")
    with served([opsp, "mock", "serve", "--port", "0", "--db", str(tmp_path / "mock.sqlite3")]) as server:
        settings = load_settings(demo_settings_path(), endpoint=server.url + "/fsi/api/{infno}")
        journal = SqliteJournal(tmp_path / "journal.sqlite3", key=bytes(range(32)))
        with PlatformClient(settings) as platform_client:
            assert isinstance(platform_client._http._transport, Http11Transport)
            adapter = Adapter(platform_client, journal=journal)
            for n in range(2):
                document = json.loads((ROOT / "examples/visits/P1.json").read_text(encoding="utf-8"))
                document["visit"]["ipt_otp_no"] = f"TRANSPORT{n:04d}"
                result = adapter.settle(document)
                assert [batch.status for batch in result.batches] == ["settled"] * 3
        journal.close()


def test_respx_using_httpx_still_intercepts_the_default_client() -> None:
    """What the README tells a HIS whose tests mock HTTP with respx (its default patches httpcore)."""
    with respx.mock(using="httpx") as router:
        route = router.post("http://platform.test/fsi/api/2207").respond(200, content=b"not an envelope")
        settings = demo_settings(endpoint="http://platform.test/fsi/api/{infno}")
        with PlatformClient(settings) as platform_client, pytest.raises(OutcomeUnknownError):
            platform_client.call(WRITE, WRITE_INPUT)
    assert route.call_count == 1
