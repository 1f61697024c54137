"""A lean HTTP/1.1 keep-alive transport for ``httpx.Client``: the adapter's default.

httpx stays the interface (headers, auth, event hooks, mounts and timeouts are httpx's, and a host
may still inject its own ``http_client=`` or ``transport=``); only the layer under ``Client.send``
changes. ``post`` is the same exchange without httpx's request and response models, for the client
the adapter builds itself, where ``httpx.Client`` would add nothing (``adapter/_posting.py``): both
entry points write and read through ``_exchange``, and raise the same exceptions.

Much of httpx's default transport (httpcore + h11) goes on per-read ``settimeout``/``poll``
syscalls, a readability check and pure-Python parsing. ``bench/bench_floor.py`` (an httpx.Client
posting a 1 KB envelope over keep-alive loopback to uvicorn answering 1 KB, nothing behind it)
measures this transport's client CPU per request at about 55-85 % of httpcore's: 267-364 µs against
425-629 µs over three runs, each against both of uvicorn's servers, on the project's 2-core machine at
load 2-4 (a reviewer's run: 455 vs 714 and 601 vs 1040 µs; on the idle machine 223 vs 391 and 274 vs
320 µs). Counted in instructions, which load does not move: 1.10 M against 1.72 M per request. A saving
of one or two hundred µs per call, not a multiple.

An answer is read by the grammar h11 (httpx's default parser) applies to what a server sends, so
that every answer h11 takes is taken and every one it refuses is refused: a status line ``HTTP/1.0``
or ``HTTP/1.1``, header fields as tokens and visible text (a folded line continues the field before
it), a head of at most 256 KiB ending in a blank line (a head cut off by the end of the connection is
no answer); every interim answer (1xx) is skipped, not only 100 Continue (else the final answer would
be left on the connection for the next request); a 101 is refused; the body's framing is checked
(one Content-Length, digits only; Transfer-Encoding only chunked; no body after 204, 304 or HEAD) and
the body is read in bounded pieces. (The standard library's ``http.client`` was the first parser
here; its e-mail header parser let a head cut off by the connection's end pass as a complete answer,
read only the first ``Connection`` field, flagged a ``multipart/*`` type as a broken head, and cost
about 25 µs an answer.) The request is written exactly as
httpx built it (its Host and Accept-Encoding, no second copy).

The exceptions are httpcore's, raised where httpcore raises them, because the adapter's safety
depends on them (``PlatformClient._attempt``): ``ConnectError``/``ConnectTimeout``/``PoolTimeout``
mean nothing was sent, so even a state-changing call may be tried again; everything else may have
been committed.

- ``ConnectTimeout`` / ``ConnectError``: TCP connect or TLS handshake only.
- ``WriteTimeout`` / ``WriteError``: while sending the request. After a ``WriteError`` the answer is
  still read, as httpcore does: a server that refused the request before reading its body (a
  gateway's 401 or 413) has answered definitely. Only with no complete answer does the error stand.
- ``ReadTimeout`` / ``ReadError``: while reading the answer.
- ``RemoteProtocolError``: a malformed answer, or the connection ended before a complete one.
- ``PoolTimeout``: no slot free within the pool timeout.

The pool, per origin: idle connections are reused last-in first-out, at most 20 are kept idle (all
origins together), an idle one older than 5 s is closed instead of reused (httpcore's
``keepalive_expiry``), and before reuse the idle socket must not be readable (httpcore's check:
``poll``, or ``select`` where there is no ``poll``): readable while idle means the server closed it
(or sent something nobody asked for), so it is discarded and a new connection opened. As with
httpcore, a server may still close a connection at the very moment a request goes out on it; that
request's outcome is then unknown. A connection is never pooled after a failure, after a request or
answer saying ``Connection: close``, after an HTTP/1.0 answer, or after a body read to the end of the
connection. At most 100 requests are in flight at once (httpx's default ``max_connections``), each on
its own connection, plus up to 20 idle connections (httpx counts its idle ones within the 100); the
next request waits up to the pool timeout.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

import httpx

__all__ = ["Answer", "Http11Transport", "Target", "default_transport"]

_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_Origin = tuple[bytes, str, int]


def default_transport() -> httpx.BaseTransport | None:
    """The transport a ``PlatformClient`` builds its own ``httpx.Client`` with: ``Http11Transport``, or
    None (httpx's own) when the environment names a proxy.

    ``httpx.Client`` mounts the proxies of ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` only when it
    is given no transport; so where a proxy is configured, the adapter leaves the whole choice to httpx,
    as before this transport existed, rather than bypass the proxy. The test is httpx's own
    (``urllib.request.getproxies()``, schemes http, https and all).
    """
    proxies = urllib.request.getproxies()
    if any(proxies.get(scheme) for scheme in ("http", "https", "all")):
        return None
    return Http11Transport()


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer: its status, its header fields (names as sent) and its body (``Content-Encoding``
    undone once a poster hands it on)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    content: bytes


@dataclass(frozen=True, slots=True)
class Target:
    """Where ``Http11Transport.post`` sends: a URL taken apart once, for every request to it."""

    url: httpx.URL
    origin: _Origin | None  # None: a scheme this transport does not speak
    raw_path: bytes

    @classmethod
    def of(cls, url: httpx.URL) -> Target:
        scheme = url.raw_scheme
        origin = _origin(url) if scheme in _DEFAULT_PORTS else None
        return cls(url, origin, url.raw_path)


def _origin(url: httpx.URL) -> _Origin:
    scheme = url.raw_scheme
    if scheme not in _DEFAULT_PORTS:
        raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme.decode()}://'.")
    return (scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme])


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """A request as it goes on the wire: where, its head, and its body (bytes, sent with the head in
    one write, or a stream of pieces)."""

    origin: _Origin
    head: bytes
    body: bytes | Iterable[bytes]
    chunked: bool
    close: bool  # it says Connection: close
    head_only: bool = False  # a HEAD request: its answer has no body
    sni_hostname: str | None = None


class Http11Transport(httpx.BaseTransport):
    """HTTP/1.1 over keep-alive TCP (or TLS) connections, answers read by h11's rules.

    ``ssl_context`` defaults to ``httpx.create_ssl_context()`` (httpx's own trust: certifi, or
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set), built at the first https connection.
    ``clock`` (monotonic seconds) is injectable so tests can age idle connections.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 100,
        max_keepalive_connections: int = 20,
        keepalive_expiry: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._max_idle = max_keepalive_connections
        self._expiry = keepalive_expiry
        self._clock = clock
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._in_use = 0
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._closed = False

    # -- httpx.BaseTransport ------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            head, chunked, close = _head(request.method, request.url.raw_path, request.headers.raw)
            stream = request.stream
            # Head and body in one send when the body is at hand: two would be two TCP segments
            # (TCP_NODELAY), and the server would wake for each. read(), not .content: httpx re-sends
            # a followed 307/308 with the first request's stream, in a request never read.
            body = request.read() if isinstance(stream, httpx.ByteStream) and not chunked else stream
            outgoing = _Outgoing(
                origin=_origin(request.url),
                head=head,
                body=body,  # type: ignore[arg-type]
                chunked=chunked,
                close=close,
                head_only=request.method == "HEAD",
                sni_hostname=request.extensions.get("sni_hostname"),
            )
            answer, content = self._exchange(outgoing, request.extensions.get("timeout", {}))
        except httpx.RequestError as error:
            error.request = request
            raise
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(content),
            extensions={"http_version": b"HTTP/" + answer.version, "reason_phrase": answer.reason},
        )

    # -- the direct exchange ------------------------------------------------------------------

    def post(
        self,
        target: Target,
        fields: list[tuple[bytes, bytes]],
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> Answer:
        """POST ``body`` with exactly these header fields (Host and Content-Length among them), below
        ``httpx.Client``: the request written and the answer read by the same code as
        ``handle_request``, the same httpx exceptions raised. ``timeouts`` are
        ``httpx.Timeout.as_dict()``'s. The body is returned as it came, as ``handle_request``'s is:
        what httpx.Client does with an answer (its cookies, a redirect's Location, then the
        ``Content-Encoding`` undone, in that order) is the caller's (``adapter/_posting.py``).

        For a caller that knows httpx.Client would add nothing to the request (no cookies, auth,
        hooks): it saves httpx's request and response models, about half of the Python calls of a
        platform call. A failure's exception carries an ``httpx.Request`` built only then.
        """
        try:
            # In handle_request's order: a head httpx refuses (LocalProtocolError), then an
            # unsupported scheme (UnsupportedProtocol).
            head, _, close = _head("POST", target.raw_path, fields)
            origin = target.origin or _origin(target.url)
            outgoing = _Outgoing(origin, head, body, chunked=False, close=close)
            answer, content = self._exchange(outgoing, timeouts)
        except httpx.RequestError as error:
            error.request = httpx.Request("POST", target.url, headers=fields, content=body)
            raise
        return Answer(answer.status, answer.headers, content)

    def _exchange(self, outgoing: _Outgoing, timeouts: dict[str, float | None]) -> tuple[_Head, bytes]:
        """One request out, its whole answer back, on a pooled connection or a new one.

        The one path both entry points take; its httpx exceptions carry no request (the entry
        points attach theirs, as httpx's ``request_context`` does).
        """
        origin = outgoing.origin
        connection = self._acquire(origin, timeouts.get("pool"))
        try:
            if connection is None:
                connection = self._connect(origin, timeouts.get("connect"), outgoing.sni_hostname)
            answer, content, keep = connection.exchange(outgoing, timeouts.get("write"), timeouts.get("read"))
        except BaseException:
            if connection is not None:
                connection.close()
            self._release(origin, None)
            raise
        self._release(origin, connection if keep else None)
        if not keep:
            connection.close()
        return answer, content

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [connection for connections in self._idle.values() for connection in connections]
            self._idle.clear()
            self._idle_count = 0
        for connection in idle:
            connection.close()

    # -- the pool -----------------------------------------------------------------------------

    def _acquire(self, origin: _Origin, pool_timeout: float | None) -> _Connection | None:
        """A slot for one request, and an idle connection to reuse if a sound one is there."""
        stale: list[_Connection] = []
        with self._lock:
            if self._in_use >= self._max_connections:
                deadline = None if pool_timeout is None else time.monotonic() + pool_timeout
                while self._in_use >= self._max_connections:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise httpx.PoolTimeout("no connection free within the pool timeout")
                    self._freed.wait(remaining)
            self._in_use += 1
            reuse = None
            try:
                idle = self._idle.get(origin)
                now = self._clock()
                while idle:
                    connection = idle.pop()
                    self._idle_count -= 1
                    stale.append(connection)  # until it proves sound: closed if anything fails
                    if now - connection.idle_since <= self._expiry and _still_sound(connection):
                        reuse = stale.pop()
                        break
            except BaseException:
                # Whatever failed, the slot goes back (else every later request waits for a
                # PoolTimeout) and the connections taken off the idle list are closed.
                self._in_use -= 1
                self._freed.notify()
                for connection in stale:
                    connection.close()
                raise
        for connection in stale:
            connection.close()
        return reuse

    def _release(self, origin: _Origin, connection: _Connection | None) -> None:
        """Give back the request's slot, and its connection to the idle list when it may be reused."""
        surplus = None
        with self._lock:
            self._in_use -= 1
            self._freed.notify()
            if connection is not None:
                if self._closed:
                    surplus = connection
                else:
                    connection.idle_since = self._clock()
                    self._idle.setdefault(origin, []).append(connection)
                    self._idle_count += 1
                    if self._idle_count > self._max_idle:
                        surplus = self._oldest_idle()
        if surplus is not None:
            surplus.close()

    def _oldest_idle(self) -> _Connection:
        # Called with the lock held and at least one idle connection: the one idle longest goes.
        origin, connections = min(
            self._idle.items(), key=lambda item: item[1][0].idle_since if item[1] else 1e300
        )
        oldest = connections.pop(0)
        if not connections:
            del self._idle[origin]
        self._idle_count -= 1
        return oldest

    def _connect(self, origin: _Origin, timeout: float | None, sni_hostname: str | None) -> _Connection:
        scheme, host, port = origin
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError as error:
            raise httpx.ConnectTimeout(str(error) or "timed out") from error
        except OSError as error:
            raise httpx.ConnectError(str(error)) from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == b"https":
                sock = self._tls_context().wrap_socket(sock, server_hostname=sni_hostname or host)
        except TimeoutError as error:
            sock.close()
            raise httpx.ConnectTimeout(str(error) or "timed out") from error
        except OSError as error:  # ssl.SSLError and certificate failures are OSErrors
            sock.close()
            raise httpx.ConnectError(str(error)) from error
        return _Connection(sock, timeout)

    def _tls_context(self) -> ssl.SSLContext:
        context = self._ssl_context
        if context is None:
            context = httpx.create_ssl_context()
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return context


def _still_sound(connection: _Connection) -> bool:
    # A check that fails (a closed descriptor, an OS refusing the call) says nothing good about the
    # connection: it is treated as stale and a new one opened.
    try:
        return not connection.readable()
    except Exception:
        return False


class _Connection:
    """One socket, owned by the pool: writes a request as httpx built it, reads the answer whole."""

    def __init__(self, sock: socket.socket, timeout: float | None) -> None:
        self.sock = sock
        self._current_timeout = timeout
        self.idle_since = 0.0

    def close(self) -> None:
        self.sock.close()

    def _set_timeout(self, timeout: float | None) -> None:
        # Each settimeout is a syscall: only when the value changes.
        if timeout != self._current_timeout:
            self.sock.settimeout(timeout)
            self._current_timeout = timeout

    def readable(self) -> bool:
        """Whether the idle socket has something to read: the server closed it, or sent junk."""
        # httpcore's is_socket_readable: poll where it exists, select where it does not (Windows);
        # a socket already closed (descriptor -1) counts as readable, so it is discarded.
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        fd = self.sock.fileno()
        if fd == -1:
            return True
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)

    def exchange(
        self, outgoing: _Outgoing, write_timeout: float | None, read_timeout: float | None
    ) -> tuple[_Head, bytes, bool]:
        """Send the request, read the whole answer; its head, its body, and whether the connection may
        be reused."""
        self._set_timeout(write_timeout)
        write_error: OSError | None = None
        body = outgoing.body
        try:
            if isinstance(body, bytes):
                self.sock.sendall(outgoing.head + body)
            else:
                self.sock.sendall(outgoing.head)
                for chunk in body:
                    if chunk:
                        self.sock.sendall(
                            b"%x\r\n%b\r\n" % (len(chunk), chunk) if outgoing.chunked else chunk
                        )
                if outgoing.chunked:
                    self.sock.sendall(b"0\r\n\r\n")
        except TimeoutError as error:
            raise httpx.WriteTimeout(str(error) or "timed out") from error
        except OSError as error:
            # A server may answer before it has read the whole body and then close (a gateway's 401
            # or 413): that answer is definite, so it is read as httpcore reads it. If no complete
            # answer comes within the read timeout, the write error stands.
            write_error = error
        self._set_timeout(read_timeout)
        try:
            answer, content, reusable = _read_answer(self.sock, outgoing.head_only)
        except httpx.TransportError:
            if write_error is not None:
                raise httpx.WriteError(str(write_error)) from write_error
            raise
        # A request that asked for Connection: close, or whose body was not all sent, leaves a
        # connection the server is closing (or is out of step with): never reused.
        return answer, content, reusable and not outgoing.close and write_error is None


def _read_answer(sock: socket.socket, head_only: bool) -> tuple[_Head, bytes, bool]:
    """The final answer's head, its whole body, and whether the connection may carry another request.

    Every failure is an httpx exception: the adapter classifies only those, so a MemoryError or
    ValueError out of the parsing must not escape (a malformed answer, like any other). One buffered
    reader per exchange: interim answers and the final one that arrived in one segment are all in it.
    """
    reader = sock.makefile("rb")
    try:
        answer = _final_head(reader)
        body = _body_framing(answer, head_only)
        if body is None:
            content = reader.read()
        elif body is True:
            content = _read_chunked(reader)
        else:
            content = _read_exactly(reader, int(body))
    except TimeoutError as error:
        raise httpx.ReadTimeout(str(error) or "timed out") from error
    except OSError as error:
        raise httpx.ReadError(str(error)) from error
    except (OverflowError, MemoryError, ValueError) as error:
        raise httpx.RemoteProtocolError(f"{type(error).__name__}: {error}") from error
    finally:
        reader.close()
    # h11 keeps only HTTP/1.1 connections alive, and none whose answer said close in any Connection
    # header, or whose body ran to the end of the connection.
    return (
        answer,
        content,
        answer.http_11 and b"close" not in answer.tokens(b"connection") and body is not None,
    )


@dataclass(frozen=True, slots=True)
class _Head:
    """An answer's status line and header fields (names as sent, values without surrounding blanks)."""

    status: int
    reason: bytes
    version: bytes  # b"1.1", b"1.0", ... (h11 takes any digit.digit)
    headers: list[tuple[bytes, bytes]]

    @property
    def http_11(self) -> bool:
        """HTTP/1.1 or later: h11 keeps only such connections alive."""
        return self.version >= b"1.1"

    def values(self, name: bytes) -> list[bytes]:
        """Every value of the field ``name`` (lower case), in order."""
        return [value for field, value in self.headers if field.lower() == name]

    def tokens(self, name: bytes) -> set[bytes]:
        """The comma-separated elements of every ``name`` field, lower case and stripped."""
        return {part.strip().lower() for value in self.values(name) for part in value.split(b",")}


def _final_head(reader: BinaryIO) -> _Head:
    """The final answer's head, every interim (1xx) answer before it read and skipped.

    A 102 or 103 taken as the answer would leave the real one on the connection for the next request
    (one settlement given another's result): each 1xx is read and the next head follows, as h11 does.
    A 101 Switching Protocols was never asked for: the connection now speaks something else, so it is
    refused (and, like every failure, closed).
    """
    while True:
        head = _read_head(reader)
        if head.status >= 200:
            return head
        if head.status < 100:
            raise httpx.RemoteProtocolError(f"status {head.status} is no answer")
        if head.status == 101:
            raise httpx.RemoteProtocolError("unexpected 101 Switching Protocols")


# h11's grammar for what a server sends (RFC 9112): the status line; a field name is a token; a field
# value is visible characters, blanks and obs-text, never NUL, CR or LF; an obsolete folded line
# continues the field before it. A head is at most 256 KiB: httpcore has h11 refuse a head still
# incomplete past 100 KiB, which one of up to about 164 KiB escapes when it arrives in two reads; this
# limit never refuses what httpcore takes.
_STATUS_LINE = re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: ([^\x00\n\r\x0b\x0c]*))?").fullmatch
_FIELD_VALUE = re.compile(rb"[^\x00\n\r\x0b\x0c]*").fullmatch  # h11: no NUL, no whitespace but SP/HT
_MAX_HEAD = 256 * 1024


def _read_head(reader: BinaryIO) -> _Head:
    """One answer's status line and header fields, up to the blank line that ends them."""
    budget = _MAX_HEAD
    line = reader.readline(budget + 1)
    if not line:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    budget -= len(line)
    status = _STATUS_LINE(_head_line(line, budget))
    if status is None:
        raise httpx.RemoteProtocolError(f"malformed status line: {line[:60]!r}")
    lines = []
    while True:
        line = reader.readline(budget + 1)
        budget -= len(line)
        text = _head_line(line, budget)
        if not text:
            break
        lines.append(text)
    headers = _framed(_fields(lines))
    return _Head(int(status.group(2)), status.group(3) or b"", status.group(1), headers)


def _fields(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Header (or trailer) lines as (name, value) pairs, by h11's rules: a folded line continues the raw
    line before it (joined by one space), a name is a token, a value holds no NUL, CR, LF, VT or FF."""
    fields: list[tuple[bytes, bytes]] = []
    last = b""
    for line in lines:
        text = line
        if text[:1] in (b" ", b"\t"):  # obs-fold: this line continues the field before it
            if not fields:
                raise httpx.RemoteProtocolError("a folded line before any header field")
            fields.pop()
            text = last + b" " + text.lstrip(b" \t")
        last = text
        name, colon, value = text.partition(b":")
        value = value.strip(b" \t")
        if not colon or not _TOKEN(name) or not _FIELD_VALUE(value):
            raise httpx.RemoteProtocolError(f"malformed header line: {text[:60]!r}")
        fields.append((name, value))
    return fields


def _framed(fields: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The fields with their framing checked and written as h11 writes them, on every head (interim ones
    too): one Content-Length, digits only, its repeats and lists of one value folded into the first; at
    most one Transfer-Encoding, "chunked" (lower case). Anything else is a RemoteProtocolError."""
    lengths = {
        part.strip()
        for name, value in fields
        if name.lower() == b"content-length"
        for part in value.split(b",")
    }
    if lengths and (len(lengths) > 1 or not _DIGITS(next(iter(lengths)))):
        raise httpx.RemoteProtocolError(f"bad Content-Length: {sorted(lengths)!r}")
    encodings = [value for name, value in fields if name.lower() == b"transfer-encoding"]
    if len(encodings) > 1 or (encodings and encodings[0].lower() != b"chunked"):
        raise httpx.RemoteProtocolError(f"unsupported Transfer-Encoding: {encodings!r}")
    if not lengths and not encodings:
        return fields
    framed: list[tuple[bytes, bytes]] = []
    length_seen = False
    for name, value in fields:
        lower = name.lower()
        if lower == b"content-length":
            if length_seen:
                continue
            length_seen, value = True, next(iter(lengths))
        elif lower == b"transfer-encoding":
            value = value.lower()
        framed.append((name, value))
    return framed


def _head_line(line: bytes, budget: int) -> bytes:
    """A line of the head without its line end (CRLF, or a bare LF as h11 accepts)."""
    if budget < 0:
        raise httpx.RemoteProtocolError("the answer's head is larger than 256 KiB")
    if not line.endswith(b"\n"):  # the connection ended inside the head: no answer, however it began
        raise httpx.RemoteProtocolError("the connection closed inside the answer's head")
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


_DIGITS = re.compile(rb"[0-9]+").fullmatch
_CHUNK_HEADER = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;[^\n]*)?[ \t]*\r\n").fullmatch  # h11: 20 hex digits
_MAX_LINE = 65536  # for a line of a chunked body (its size line, a trailer)
_MAX_TRAILER_LINES = 100
# Bodies are read in pieces of at most this: a Content-Length or chunk size is the server's word,
# and reading it in one call would have the buffered reader allocate that many bytes at once (an
# absurd size is an OverflowError or MemoryError). A body is only as large as what actually arrives,
# so no real answer (a catalogue download of any size) is refused for its length.
_PIECE = 1 << 20


def _body_framing(answer: _Head, head_request: bool) -> int | bool | None:
    """How the body is delimited (the fields were checked by ``_framed``): its length, True for chunked,
    None for "to the end of the connection". A 204, a 304 and the answer to a HEAD have no body whatever
    they say."""
    if answer.status in (204, 304) or head_request:
        return 0
    if answer.values(b"transfer-encoding"):
        return True
    lengths = answer.values(b"content-length")
    if lengths:
        return int(lengths[0])
    return None


def _read_exactly(reader: BinaryIO, length: int) -> bytes:
    if length <= _PIECE:  # every answer the adapter meets: one read
        data = reader.read(length)
    else:
        pieces = []
        remaining = length
        while remaining:
            piece = reader.read(min(remaining, _PIECE))
            if not piece:
                break
            pieces.append(piece)
            remaining -= len(piece)
        data = b"".join(pieces)
    if len(data) < length:
        raise httpx.RemoteProtocolError(
            f"the connection closed {length - len(data)} bytes before the end of the body"
        )
    return data


def _read_line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE + 1)
    if len(line) > _MAX_LINE:
        raise httpx.RemoteProtocolError("a line of the chunked body is too long")
    if not line.endswith(b"\n"):
        raise httpx.RemoteProtocolError("the connection closed inside the chunked body")
    return line


def _read_chunked(reader: BinaryIO) -> bytes:
    """A chunked body by h11's rules: each size line exactly hex digits (at most 20), an optional
    extension, blanks, CRLF; each chunk followed by CRLF; the trailer lines valid header fields (checked,
    then dropped: httpx keeps no trailers)."""
    pieces = []
    while True:
        line = _read_line(reader)
        header = _CHUNK_HEADER(line)
        if header is None:
            raise httpx.RemoteProtocolError(f"bad chunk size line: {line[:40]!r}")
        length = int(header.group(1), 16)
        if length == 0:
            break
        pieces.append(_read_exactly(reader, length))
        if reader.read(2) != b"\r\n":  # h11 checks it too: a chunk longer than it said is no answer
            raise httpx.RemoteProtocolError("a chunk is not followed by CRLF")
    trailers: list[bytes] = []
    for _ in range(_MAX_TRAILER_LINES):
        line = _read_line(reader)
        text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if not text:
            _fields(trailers)
            return b"".join(pieces)
        trailers.append(text)
    raise httpx.RemoteProtocolError("too many trailer lines")


# h11's rules (RFC 9110): a header name is a token; a value holds no CR, LF or NUL (no header
# injection, no obsolete line folding).
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+").fullmatch
_BAD_VALUE = re.compile(rb"[\x00\r\n]").search


def _head(method: str, target: bytes, fields: list[tuple[bytes, bytes]]) -> tuple[bytes, bool, bool]:
    """The request line and these header fields, as written on the wire; whether the body goes
    chunked; and whether the request says Connection: close (the server will close after answering,
    said or not)."""
    verb = method.encode("ascii")
    if not _TOKEN(verb) or _BAD_VALUE(target) or b" " in target:
        raise httpx.LocalProtocolError(f"illegal request line: {verb!r} {target!r}")
    lines = [verb + b" " + target + b" HTTP/1.1"]
    chunked = close = False
    for name, value in fields:
        if not _TOKEN(name) or _BAD_VALUE(value):
            raise httpx.LocalProtocolError(f"illegal header {name!r}")
        lines.append(name + b": " + value)
        if name.lower() == b"transfer-encoding" and value.lower() == b"chunked":
            chunked = True
        if name.lower() == b"connection" and b"close" in (t.strip() for t in value.lower().split(b",")):
            close = True
    lines.append(b"\r\n")
    return b"\r\n".join(lines), chunked, close
