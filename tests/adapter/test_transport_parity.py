"""Http11Transport where http.client alone would differ from httpcore + h11 (httpx's default).

Cases marked ``both`` run on both transports: the default one must answer as httpcore does, because
``PlatformClient._attempt`` decides from the answer (or the exception) whether a settlement happened.
The others pin this transport's own reading and pool on the same servers.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from adapter import Http11Transport, OutcomeUnknownError, PlatformClient, _transport

from . import test_transport
from .fakes import demo_settings
from .test_client import WRITE_INPUT
from .test_transport import WRITE, Server, answer, client, echo_forever

serve = test_transport.serve  # the fixture: loopback servers in threads, stopped after each test


def httpcore_client(**timeouts: float) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(), timeout=httpx.Timeout(5.0, **timeouts))


both = pytest.mark.parametrize("make", [client, httpcore_client], ids=["Http11Transport", "httpcore"])


# -- Interim (1xx) answers ---------------------------------------------------------------------


@both
@pytest.mark.parametrize("interim", [b"102 Processing", b"103 Early Hints"])
def test_an_interim_answer_is_skipped_and_the_next_request_gets_its_own_answer(
    serve: Callable[..., Server], make: Callable[..., httpx.Client], interim: bytes
) -> None:
    """http.client skips only 100: a 102/103 was taken as the answer, and the real one was then read as
    the answer to the next request on the reused connection."""

    def interim_then_late_answer(conn: socket.socket, server: Server) -> None:
        n = 0
        while server.read_request(conn) is not None:
            n += 1
            if n == 1:
                conn.sendall(b"HTTP/1.1 " + interim + b"\r\nLink: </s.css>; rel=preload\r\n\r\n")
                time.sleep(0.3)  # the platform is still settling
            conn.sendall(answer(b'{"answer_to":%d}' % n))

    server = serve(interim_then_late_answer)
    with make() as http:
        first = http.post(server.url, content=b"1")
        second = http.post(server.url, content=b"2")
    assert (first.status_code, first.content) == (200, b'{"answer_to":1}')
    assert (second.status_code, second.content) == (200, b'{"answer_to":2}')
    assert server.accepted == 1


def test_interim_answers_in_the_same_segment_as_the_final_one_are_skipped(
    serve: Callable[..., Server],
) -> None:
    # The final answer sits in the reader's buffer behind the interim ones: one buffer for all of them.
    def all_at_once(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + answer(b"final")
            )

    server = serve(all_at_once)
    with client() as http:
        assert http.post(server.url, content=b"1").content == b"final"
        assert http.post(server.url, content=b"2").content == b"final"
    assert server.accepted == 1


def test_a_101_nobody_asked_for_is_a_remote_protocol_error_and_the_connection_is_dropped(
    serve: Callable[..., Server],
) -> None:
    def switch(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n" + answer(b"{}"))

    server = serve(switch)
    with client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="101"):
            http.post(server.url, content=b"1")
        with pytest.raises(httpx.RemoteProtocolError, match="101"):
            http.post(server.url, content=b"2")
    assert server.accepted == 2  # the first connection was not reused


def test_through_the_client_an_early_hint_never_gives_one_settlement_the_answer_of_another(
    serve: Callable[..., Server],
) -> None:
    """Settlement 1 is answered 103, then (later) setl_id S1; settlement 2 is answered S2."""

    def settle(conn: socket.socket, server: Server) -> None:
        n = 0
        while server.read_request(conn) is not None:
            n += 1
            if n == 1:
                conn.sendall(b"HTTP/1.1 103 Early Hints\r\n\r\n")
                time.sleep(0.3)
            conn.sendall(answer(b'{"infcode":0,"output":{"setlinfo":{"setl_id":"S%d"}}}' % n))

    server = serve(settle)
    with PlatformClient(demo_settings(endpoint=server.url), sleep=lambda _s: None) as platform_client:
        try:
            first = platform_client.call(WRITE, WRITE_INPUT).output.setlinfo.setl_id
        except OutcomeUnknownError:  # before the fix: the 103 was read as a (non-envelope) answer
            first = "unknown"
        second = platform_client.call(WRITE, WRITE_INPUT).output.setlinfo.setl_id
    assert (first, second) == ("S1", "S2")


# -- Framing: what delimits the body -----------------------------------------------------------


@both
@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n{}",
    ],
    ids=["content-length", "chunk-size"],
)
def test_an_absurd_length_then_the_end_of_the_connection_is_a_remote_protocol_error(
    serve: Callable[..., Server], reply: bytes, make: Callable[..., httpx.Client]
) -> None:
    """http.client reads a length in one call: 10^20 bytes escaped as OverflowError (neither a
    ProtocolError nor an unknown outcome for the adapter). Read in bounded pieces, the body is only as
    long as what arrives, and the connection ends long before."""

    def huge(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(reply)  # then the server closes: the body is cut

    server = serve(huge)
    with make() as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(server.url, content=b"{}")


def test_a_body_longer_than_one_piece_is_read_whole(serve: Callable[..., Server]) -> None:
    # Three pieces and a bit, as Content-Length and as one chunk.
    big = bytes(range(256)) * (13 << 12)

    def large(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(big))
        server.read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%b\r\n0\r\n\r\n" % (len(big), big)
        )

    server = serve(large)
    with client() as http:
        assert http.post(server.url, content=b"1").content == big
        assert http.post(server.url, content=b"2").content == big
    assert len(big) > 3 << 20
    assert server.accepted == 1


def test_a_memory_error_while_reading_the_body_is_a_remote_protocol_error(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object) -> bytes:
        raise MemoryError

    monkeypatch.setattr(_transport, "_read_exactly", refuse)
    server = serve(echo_forever)
    with client() as http, pytest.raises(httpx.RemoteProtocolError, match="MemoryError"):
        http.post(server.url, content=b"{}")


@both
@pytest.mark.parametrize("status", [b"204 No Content", b"304 Not Modified"])
def test_a_204_or_304_has_no_body_whatever_transfer_encoding_says(
    serve: Callable[..., Server], make: Callable[..., httpx.Client], status: bytes
) -> None:
    def no_content(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(b"HTTP/1.1 " + status + b"\r\nTransfer-Encoding: chunked\r\n\r\n")

    server = serve(no_content)
    with make(read=1.0) as http:
        first = http.post(server.url, content=b"1")
        second = http.post(server.url, content=b"2")
    assert (first.status_code, first.content) == (int(status[:3]), b"")
    assert (second.status_code, second.content) == (int(status[:3]), b"")
    assert server.accepted == 1


@both
def test_the_answer_to_a_head_has_no_body(
    serve: Callable[..., Server], make: Callable[..., httpx.Client]
) -> None:
    def head(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")

    server = serve(head)
    with make(read=1.0) as http:
        assert http.head(server.url).content == b""
        assert http.head(server.url).headers["content-length"] == "5"
    assert server.accepted == 1


@both
@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: two\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n",
    ],
    ids=["negative", "not-a-number", "two-lengths", "two-in-one", "no-colon", "not-chunked"],
)
def test_a_head_block_h11_refuses_is_a_remote_protocol_error(
    serve: Callable[..., Server], make: Callable[..., httpx.Client], head: bytes
) -> None:
    """http.client reads a bad or negative Content-Length as "to the end of the connection" and drops
    a line without a colon (and every header after it) without a word: h11 refuses each at once."""

    def malformed(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(head + b"\r\n{}")
        server.release.wait(5)  # held open: the client must not wait for the end of the connection

    server = serve(malformed)
    started = time.monotonic()
    with make(read=3.0) as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(server.url, content=b"{}")
    assert time.monotonic() - started < 2


def test_a_chunk_longer_than_its_size_is_a_remote_protocol_error(serve: Callable[..., Server]) -> None:
    def overlong(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}}\r\n0\r\n\r\n")

    server = serve(overlong)
    with client() as http, pytest.raises(httpx.RemoteProtocolError, match="CRLF"):
        http.post(server.url, content=b"{}")


def test_an_http_1_0_answer_never_leaves_its_connection_pooled(serve: Callable[..., Server]) -> None:
    # h11 keeps only HTTP/1.1 connections alive, whatever a 1.0 server says about keep-alive.
    def old_server(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}")

    server = serve(old_server)
    with client() as http:
        assert http.post(server.url, content=b"1").content == b"{}"
        assert http.post(server.url, content=b"2").content == b"{}"
    assert server.accepted == 2


# -- Sending -----------------------------------------------------------------------------------


@both
def test_an_early_refusal_is_read_even_if_the_body_could_not_all_be_sent(
    serve: Callable[..., Server], make: Callable[..., httpx.Client]
) -> None:
    """A gateway refuses a request (401, 413) before reading its body and closes: the refusal is a
    definite answer, as httpcore reads it, not an ambiguous WriteError."""

    def refuse_early(conn: socket.socket, server: Server) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        conn.sendall(answer(b'{"code":401,"message":"bad signature"}', status=b"401 Unauthorized"))
        conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)  # then closed with unread data: a reset

    server = serve(refuse_early)
    with make() as http:
        response = http.post(server.url, content=b"x" * (32 << 20))
    assert (response.status_code, response.json()) == (401, {"code": 401, "message": "bad signature"})


@both
def test_a_request_with_connection_close_is_not_pooled(
    serve: Callable[..., Server], make: Callable[..., httpx.Client]
) -> None:
    """The request said Connection: close, so the server closes after answering without saying so; if
    the FIN comes late, a pooled connection would take the next request into a race with it."""
    fin = threading.Event()

    def close_when_asked(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(b"{}"))
        fin.wait(5)  # a slow server, a long path
        conn.close()

    server = serve(close_when_asked)
    with make() as http:
        http.post(server.url, content=b"1", headers={"Connection": "close"})
        try:
            response = http.post(server.url, content=b"2")
        finally:
            fin.set()
    assert response.content == b"{}"
    assert server.accepted == 2


# -- The pool ----------------------------------------------------------------------------------


def test_an_idle_connection_is_reused_without_select_poll_as_on_windows(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(echo_forever)
    monkeypatch.delattr(select, "poll")
    transport = Http11Transport(max_connections=1)
    with client(transport, pool=0.2) as http:
        assert http.post(server.url, content=b"1").content == b"echo:1"
        assert http.post(server.url, content=b"2").content == b"echo:2"  # was AttributeError: poll
    assert server.accepted == 1  # select.select saw the idle socket sound: it was reused
    assert transport._in_use == 0


def test_without_select_poll_a_connection_the_server_closed_is_still_replaced(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer_once_then_close(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(answer(b"{}"))
        conn.close()
        server.closed.set()

    server = serve(answer_once_then_close)
    monkeypatch.delattr(select, "poll")
    with client() as http:
        assert http.post(server.url, content=b"1").content == b"{}"
        assert server.closed.wait(5)
        time.sleep(0.05)  # the FIN crosses loopback
        assert http.post(server.url, content=b"2").content == b"{}"
    assert server.accepted == 2


def test_an_idle_connection_whose_check_fails_is_replaced_and_the_slot_kept(
    serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(echo_forever)
    transport = Http11Transport(max_connections=1)
    with client(transport, pool=0.2) as http:
        assert http.post(server.url, content=b"1").content == b"echo:1"

        def check_fails(self: object) -> bool:
            raise OSError("poll failed")

        monkeypatch.setattr(_transport._Connection, "readable", check_fails)
        assert http.post(server.url, content=b"2").content == b"echo:2"
        assert server.accepted == 2  # the one that could not be checked was closed, not reused
        assert transport._in_use == 0


def test_a_failure_after_a_slot_was_taken_gives_it_back(serve: Callable[..., Server]) -> None:
    server = serve(echo_forever)
    broken = [False]

    def clock() -> float:
        if broken[0]:
            raise RuntimeError("clock failed")
        return time.monotonic()

    transport = Http11Transport(max_connections=1, clock=clock)
    with client(transport, pool=0.2) as http:
        assert http.post(server.url, content=b"1").content == b"echo:1"
        broken[0] = True
        with pytest.raises(RuntimeError, match="clock failed"):
            http.post(server.url, content=b"2")
        broken[0] = False
        assert transport._in_use == 0  # else every later request waits for a PoolTimeout
        assert http.post(server.url, content=b"3").content == b"echo:3"


# -- Request bodies httpx hands over unread --------------------------------------------------------


@both
@pytest.mark.parametrize("status", [b"307 Temporary Redirect", b"308 Permanent Redirect"])
def test_a_followed_redirect_that_keeps_the_method_sends_the_body_again(
    serve: Callable[..., Server], make: Callable[..., httpx.Client], status: bytes
) -> None:
    """httpx re-sends a 307/308's request with the same stream, never read into the new request: the
    transport took its body from request.content, which raised httpx.RequestNotRead (a RuntimeError,
    outside the adapter's error tree) after the first POST had reached the server."""
    bodies: list[bytes] = []

    def redirect_once(conn: socket.socket, server: Server) -> None:
        while (body := server.read_request(conn)) is not None:
            bodies.append(body)
            conn.sendall(answer(b"{}", b"Location: /y", status=status) if len(bodies) == 1 else answer(b"ok"))

    server = serve(redirect_once)
    with make() as http:
        http.follow_redirects = True
        response = http.post(server.url, content=b'{"infno":"2207"}')
    assert (response.status_code, response.content) == (200, b"ok")
    assert bodies == [b'{"infno":"2207"}'] * 2
