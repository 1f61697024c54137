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
    from mock_platform import run_server

    run_server(host=args.host, port=args.port, db_path=args.db)
    return 0
