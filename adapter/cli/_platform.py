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
        help="adapter settings file (default: the demo hospital's, config/adapter/demo.toml); "
        "the endpoint in it is used only with --platform",
    )


@contextmanager
def platform_client(args: argparse.Namespace) -> Iterator[PlatformClient]:
    """A client for the platform the options name: ``--platform`` or the embedded mock."""
    settings_file = args.settings or demo_settings_path()
    if args.platform is None:
        with embedded_client(load_settings(settings_file)) as client:
            yield client
        return
    endpoint = args.platform.rstrip("/") + "/fsi/api/rsfComIfsService/callService"
    with PlatformClient(load_settings(settings_file, endpoint=endpoint)) as client:
        yield client
