"""``opsp serve``: the adapter as a local HTTP/JSON service for a HIS in any language.

Needs the ``serve`` extra (FastAPI), imported only when the command runs. Binds the socket
first, so the port (for ``--port 0``) is known and printed: ``opsp serve listening on
http://127.0.0.1:PORT``. SIGTERM stops it gracefully; a killed process leaves what ``recover``
finishes (the journal) and keys whose lease runs out (the key store).
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import structlog

from .._errors import ConfigurationError
from .._logging import redact_personal_data
from ..execution import is_postgres_url
from ._catalogue import add_catalogue_option, followed_tables
from ._journal_key import journal_key
from ._platform import add_platform_options, platform_client

LISTENING_LINE = "opsp serve listening on http://{host}:{port}"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve", help="serve the adapter over HTTP/JSON for a HIS (needs the serve extra)"
    )
    parser.add_argument(
        "--config", metavar="TOML", help="service settings: host, port, journal, [[desks]] with tokens"
    )
    add_platform_options(parser)
    add_catalogue_option(parser)
    parser.add_argument(
        "--journal",
        metavar="PATH",
        help="the journal: a SQLite file or postgresql://… (overrides the config)",
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; others need allow_remote)")
    parser.add_argument("--port", type=int, help="port (default 8700; 0 picks a free one)")
    parser.add_argument("--no-access-log", action="store_true", help="do not log one line per request")
    parser.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..service import Service, create_app, load_service_settings, open_key_store
    except ImportError as error:
        raise ConfigurationError(
            f"opsp serve needs the serve extra: pip install 'opsp-adapter[serve]' ({error.name} is missing)"
        ) from None
    settings = load_service_settings(args.config, host=args.host, port=args.port, journal=args.journal)
    if not settings.desks:
        raise ConfigurationError("no desks configured: give --config with [[desks]] (desk, opter, token)")
    if "://" in settings.journal and not is_postgres_url(settings.journal):
        raise ConfigurationError(
            f"journal {settings.journal.split(':', 1)[0]}:// is not supported: give a path or postgresql://…"
        )
    _log_access(verbose=args.verbose, access=not args.no_access_log)
    from .._adapter import Adapter
    from ..execution import open_journal

    with ExitStack() as stack:
        # Credentials are sealed at rest: OPSP_JOURNAL_KEY (or _FILE); the demo (embedded mock) makes its own
        # beside a SQLite journal. Several processes on one PostgreSQL journal share its key store too.
        demo = args.platform is None and not is_postgres_url(settings.journal)
        journal = open_journal(settings.journal, key=journal_key(Path(settings.journal), demo=demo))
        stack.callback(journal.close)
        keys = open_key_store(settings.journal, lease_seconds=settings.lease_seconds)
        stack.callback(keys.close)
        client = stack.enter_context(platform_client(args))
        # Plans class lines with the newest finished catalogue sync: one that finishes while serving is used
        # from the next request on (checked at most once a second), no restart.
        adapter = Adapter(client, journal=journal, tables=followed_tables(args, client))
        service = Service(adapter, journal=journal, keys=keys, settings=settings)
        sock = _listening_socket(settings.host, settings.port)
        stack.callback(sock.close)
        service.start_heartbeat()
        stack.callback(service.stop_heartbeat)
        config = uvicorn.Config(
            create_app(service),
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=_implementation("httptools", "h11"),
            loop=_implementation("uvloop", "asyncio"),
        )
        shown = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(LISTENING_LINE.format(host=shown, port=sock.getsockname()[1]), flush=True)
        with _sigterm_exits():
            uvicorn.Server(config).run(sockets=[sock])
    return 0


def _implementation(preferred: str, fallback: str) -> str:
    try:
        __import__(preferred)
    except ImportError:
        return fallback
    return preferred


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _log_access(*, verbose: bool, access: bool) -> None:
    """One line per request on stderr (route, status, desk, duration — never a body or a query)."""

    def only_access(_: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if method == "info" and not verbose and not (access and event.get("event") == "http_request"):
            raise structlog.DropEvent
        if event.get("event") == "http_request" and not access:
            raise structlog.DropEvent
        return event

    structlog.configure(
        processors=[
            only_access,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            redact_personal_data,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _exit_for_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_for_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
