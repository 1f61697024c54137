"""Command line: `python -m mock_platform serve [--host 127.0.0.1] [--port 8080] [--db PATH] [-v]`.

Logging as `opsp mock serve` does it: quiet unless `-v`, and never on stdout, which carries only the
listening line a test or a script waits for (structlog left unconfigured printed every transaction there).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import structlog

from mock_platform._server import run_server
from mock_platform.errors import ConfigError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mock_platform", description="The mock medical-insurance platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock platform over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)"
    )
    serve.add_argument("--db", default=None, help="SQLite file for durable state (default: in memory)")
    serve.add_argument(
        "-v", "--verbose", action="store_true", help="log every call (infno, msgid, infcode) on stderr"
    )
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        run_server(host=args.host, port=args.port, db_path=args.db)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130
    return 0


def configure_logging(*, verbose: bool) -> None:
    """structlog to stderr: every call with `verbose` (its events carry infno, msgid and infcode, no
    personal data), otherwise only what is critical."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO if verbose else logging.CRITICAL),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        # Configured once and then only serving: keep each module's bound logger after its first event
        # rather than build one per event (an event per call; issue #18).
        cache_logger_on_first_use=True,
    )


if __name__ == "__main__":
    sys.exit(main())
