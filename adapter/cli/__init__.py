"""The ``opsp`` command line: one module per command, each with ``register(subparsers)``.

The CLI is the host application, so it — not the library — configures logging:
warnings and errors to stderr (``-v`` for every call event), personal data redacted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import structlog

from .._errors import AdapterError
from .._logging import redact_personal_data
from . import _demo, _execute, _map, _mock, _plan

__all__ = ["build_parser", "main"]

_COMMANDS = (_demo, _plan, _execute, _map, _mock)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opsp", description="Settle 门诊慢特病 with the national medical-insurance platform."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every platform call to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``opsp`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    _configure_logging(verbose=args.verbose)
    try:
        code: int = args.func(args)
    except AdapterError as error:
        print(f"opsp: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
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
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO if verbose else logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
