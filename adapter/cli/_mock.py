"""``opsp mock serve``: serve the mock provincial platform over HTTP."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("mock", help="the mock provincial platform")
    actions = parser.add_subparsers(dest="mock_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve the mock platform over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--db", default=None, help="SQLite file for the platform's state (default: in memory)")
    serve.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    import structlog

    from mock_platform import run_server

    # This process only serves from here on, with the logging `opsp` configured: keep each module's bound
    # logger after its first event instead of building one per event (the mock logs an event per call,
    # dropped below -v; about 16 k instructions a call; issue #18). Not in `opsp`'s own configuration, where
    # tests that run `main()` in process and then capture logs need loggers built afresh.
    structlog.configure(cache_logger_on_first_use=True)
    run_server(host=args.host, port=args.port, db_path=args.db)
    return 0
