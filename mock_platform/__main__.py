"""Command line: `python -m mock_platform serve [--host 127.0.0.1] [--port 8080] [--db PATH]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
