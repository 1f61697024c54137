"""How a command reaches a platform: the embedded demo mock, or ``--platform URL``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from .._client import PlatformClient
from .._embedded import demo_settings_path, embedded_client
from .._settings import load_settings


def add_platform_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        metavar="URL",
        help="the platform's base URL (e.g. http://127.0.0.1:8080); default: the embedded demo mock",
    )
    parser.add_argument(
        "--settings",
        metavar="TOML",
        help="adapter settings file (default: the demo hospital's, config/adapter/demo.toml)",
    )


@contextmanager
def platform_client(args: argparse.Namespace) -> Iterator[PlatformClient]:
    """A client for the platform the options name."""
    if args.platform is None and args.settings is None:
        with embedded_client() as client:
            yield client
        return
    overrides = {}
    if args.platform is not None:
        overrides["endpoint"] = args.platform.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
    settings = load_settings(args.settings or demo_settings_path(), **overrides)
    with PlatformClient(settings) as client:
        yield client
