"""The ``opsp`` command line: one module per command, each with ``register(subparsers)``.

To add a command: write ``adapter/cli/_NAME.py`` with ``register(commands)`` (which calls
``commands.add_parser`` and ``set_defaults(func=...)``) and list the module in ``_COMMANDS``.
Every command then gets ``-v`` (after the subcommand too), and its errors are reported the
same way: Chinese on stderr, or a JSON error object on stdout under ``--json``
(adapter/cli/_failure.py, which also lists the exit codes).

The CLI is the host application, so it — not the library — configures logging: nothing on
stderr unless ``-v`` (then every platform call), personal data redacted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

import structlog

from .._errors import AdapterError
from .._logging import redact_personal_data
from . import (
    _catalogue,
    _conformance,
    _day,
    _demo,
    _execute,
    _filing,
    _journal,
    _map,
    _mock,
    _plan,
    _receipt,
    _reconcile,
    _serve,
)
from ._failure import EXIT_CODES_HELP, EXIT_INPUT, failure_of
from ._output import print_json

__all__ = ["build_parser", "main"]

_COMMANDS: tuple[ModuleType, ...] = (
    _demo,
    _plan,
    _execute,
    _filing,
    _receipt,
    _reconcile,
    _day,
    _map,
    _catalogue,
    _mock,
    _journal,
    _conformance,
    _serve,
)


def _version() -> str:
    try:
        return version("opsp-adapter")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsp",
        description="Settle 门诊慢特病 with the national medical-insurance platform.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"opsp {_version()}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every platform call and show error details"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.register(commands)
    _everywhere(commands)
    return parser


def _everywhere(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``-v`` after any subcommand too, and the exit codes in every ``--help``."""
    for sub in set(commands.choices.values()):
        if not any("-v" in action.option_strings for action in sub._actions):
            sub.add_argument(
                "-v",
                "--verbose",
                action="store_true",
                default=argparse.SUPPRESS,  # leave the top-level -v alone when not given here
                help="log every platform call and show error details",
            )
        sub.epilog = sub.epilog or EXIT_CODES_HELP
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                _everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``opsp`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) or a usage error (2), as argparse decided
        return int(stop.code or 0) if not isinstance(stop.code, str) else EXIT_INPUT
    verbose = bool(getattr(args, "verbose", False))
    _configure_logging(verbose=verbose)
    try:
        code: int = args.func(args)
    except AdapterError as error:
        failure = failure_of(error)
        if getattr(args, "json", False):
            print_json(failure.to_json())
        else:
            print(failure.text(verbose=verbose), file=sys.stderr)
        return failure.exit_code
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code


def _configure_logging(*, verbose: bool) -> None:
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            redact_personal_data,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        # Without -v only a critical event is logged: what went wrong is in the command's own output.
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO if verbose else logging.CRITICAL),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
