"""`run_server`: serve the mock with uvicorn in this process, on one socket.

The socket is bound and listening before uvicorn starts, so the actual port (for port 0) is known and printed
— `opsp mock platform listening on http://HOST:PORT` — in every case, for humans and for tests that start the
server on a free port.

Shutdown: uvicorn stops gracefully on SIGINT/SIGTERM and then re-raises the signal with the previous handler.
With the default SIGTERM handler that would kill the process before the store is closed, so while serving,
SIGTERM (if nobody else handles it) is turned into `SystemExit` and the `finally` closes the store.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from mock_platform._platform import MockPlatform
from mock_platform.app import INCOMPLETE_RESPONSE_LOG

LISTENING_LINE = "opsp mock platform listening on http://{host}:{port}"
# The control plane's token (see MockPlatform's control_token); unset, /_mock/* answers loopback only.
CONTROL_TOKEN_ENV = "OPSP_MOCK_CONTROL_TOKEN"
# The conformance profile to start with (default national); PUT /_mock/profile switches it.
PROFILE_ENV = "OPSP_MOCK_PROFILE"


def run_server(
    *, host: str = "127.0.0.1", port: int = 8080, db_path: str | None = None, control_token: str | None = None
) -> None:
    """Serve the mock platform until interrupted (SIGINT/SIGTERM stop it gracefully).

    `control_token` defaults to the environment's OPSP_MOCK_CONTROL_TOKEN.
    """
    token = control_token if control_token is not None else os.environ.get(CONTROL_TOKEN_ENV) or None
    platform = MockPlatform(
        db_path=db_path, control_token=token, profile=os.environ.get(PROFILE_ENV) or "national"
    )
    sock = _listening_socket(host, port)
    try:
        bound_port = sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        print(LISTENING_LINE.format(host=shown_host, port=bound_port), flush=True)
        with _sigterm_exits():
            uvicorn_server(platform).run(sockets=[sock])
    finally:
        sock.close()
        platform.close()


def uvicorn_server(platform: MockPlatform) -> uvicorn.Server:
    """A uvicorn server for the platform's app (the caller runs it on its socket)."""
    config = uvicorn.Config(
        platform.asgi_app,
        http=http_implementation(),
        loop=loop_implementation(),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    quiet_dropped_connections()
    return server


def http_implementation() -> str:
    """httptools (a C HTTP parser) when importable, else h11 (pure Python, always there with uvicorn).

    Named here rather than left to uvicorn's "auto", so the choice is explicit and does not depend on what
    uvicorn's defaults become.
    """
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


def loop_implementation() -> str:
    """uvloop (a C event loop; not on Windows) when importable, else asyncio's own loop.

    With both C parts the served mock's per-request CPU roughly halves (0.8 -> 0.45 ms for an empty app).
    """
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


class _DroppedConnectionFilter(logging.Filter):
    """A connection dropped on purpose (a fault rule) is not an error of the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != INCOMPLETE_RESPONSE_LOG


def quiet_dropped_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, _DroppedConnectionFilter) for existing in logger.filters):
        logger.addFilter(_DroppedConnectionFilter())


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name the protocol: asyncio sets TCP_NODELAY on accepted connections only when the
    # socket says it is TCP. Without it every answer on a kept-alive connection waited
    # ~40 ms for the client's delayed ACK (found by bench/bench_client.py).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """Make SIGTERM raise SystemExit (unless the host handles SIGTERM itself, or not in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_for_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_for_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
