"""Http11Transport: which httpx exception each failure raises, on real sockets.

``PlatformClient._attempt`` retries a state-changing call only after ConnectError / ConnectTimeout /
PoolTimeout (nothing was sent); any other failure may have been committed, and the call is resolved
by 冲正 or a query. These pin the line between the two where a regression would blur it.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable

import httpx
import pytest

from adapter import Http11Transport, OutcomeUnknownError, PlatformClient

from . import test_transport
from .fakes import demo_settings
from .test_client import WRITE_INPUT
from .test_transport import WRITE, Server, answer, client, echo_forever

serve = test_transport.serve  # the fixture: loopback servers in threads, stopped after each test


def reset(conn: socket.socket) -> None:
    # SO_LINGER 0: close sends a RST, as a crashed gateway or a middlebox does.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def test_a_reset_while_sending_is_a_write_error_never_a_connect_error(serve: Callable[..., Server]) -> None:
    def reset_after_head(conn: socket.socket, server: Server) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        reset(conn)

    server = serve(reset_after_head)
    with client() as http, pytest.raises(httpx.WriteError) as caught:
        http.post(server.url, content=b"x" * (32 << 20))  # larger than both socket buffers
    assert not isinstance(caught.value, httpx.ConnectError)  # the head (and part of the body) went out


def test_a_reset_after_the_request_is_a_read_error_and_ambiguous_for_a_settlement(
    serve: Callable[..., Server],
) -> None:
    def reset_after_request(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        reset(conn)

    server = serve(reset_after_request)
    with client() as http, pytest.raises(httpx.TransportError) as caught:
        http.post(server.url, content=b"{}")
    assert isinstance(caught.value, (httpx.ReadError, httpx.RemoteProtocolError))
    sleeps: list[float] = []
    with (
        PlatformClient(demo_settings(endpoint=server.url), sleep=sleeps.append) as platform_client,
        pytest.raises(OutcomeUnknownError),
    ):
        platform_client.call(WRITE, WRITE_INPUT)
    assert sleeps == []  # not retried
    assert server.accepted == 2  # one for the raw client, one (only) for the settlement


def test_a_tls_handshake_that_never_completes_is_a_connect_timeout(serve: Callable[..., Server]) -> None:
    # The TCP connection is accepted, the server never answers the ClientHello: nothing was sent.
    def silent(conn: socket.socket, server: Server) -> None:
        server.release.wait(5)

    server = serve(silent)
    url = server.url.replace("http://", "https://")
    with client(connect=0.3) as http, pytest.raises(httpx.ConnectTimeout):
        http.post(url, content=b"{}")


def test_cr_lf_in_a_header_value_is_refused_before_anything_is_sent(serve: Callable[..., Server]) -> None:
    server = serve(echo_forever)
    with client() as http, pytest.raises(httpx.LocalProtocolError):
        http.post(server.url, content=b"{}", headers={"X-A": "1\r\nX-Injected: 1"})
    time.sleep(0.05)
    assert server.heads == []


def test_a_connection_that_failed_is_never_pooled(serve: Callable[..., Server]) -> None:
    """After a read timeout the late answer still arrives on that connection: reused, it would be
    read as the answer to the next request."""

    def slow_first(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        if server.accepted == 1:
            time.sleep(0.5)
            conn.sendall(answer(b"late"))
        else:
            conn.sendall(answer(b"echo:2"))
        echo_forever(conn, server)

    server = serve(slow_first)
    transport = Http11Transport()
    with client(transport, read=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post(server.url, content=b"1")
        time.sleep(0.4)  # the late answer reaches the (closed or pooled) socket
        assert http.post(server.url, content=b"2").content == b"echo:2"
    assert server.accepted == 2
