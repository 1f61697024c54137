"""How a command reaches a platform, and which journal it keeps: the embedded demo, or ``--platform URL``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._client import PlatformClient
from .._embedded import default_journal_path, demo_settings_path, embedded_client
from .._settings import AdapterSettings, load_settings
from ..execution import Journal, SqliteJournal
from ._journal_key import journal_key

__all__ = ["add_journal_option", "add_platform_options", "open_journal", "platform_client", "settings_of"]


def add_platform_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        metavar="URL",
        help="the platform's base URL (e.g. http://127.0.0.1:8080); default: the embedded demo "
        "platform, whose state is kept in the user's data directory (opsp demo --reset clears it)",
    )
    parser.add_argument(
        "--settings",
        metavar="TOML",
        help="adapter settings file (default: the demo hospital's, config/adapter/demo.toml); "
        "the endpoint in it is used only with --platform",
    )


def add_journal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        metavar="PATH",
        help="the journal database (default: one per platform and hospital in the user's data "
        "directory, $OPSP_DATA_DIR or $XDG_DATA_HOME/opsp)",
    )


def settings_of(args: argparse.Namespace) -> AdapterSettings:
    settings_file = args.settings or demo_settings_path()
    if args.platform is None:
        return load_settings(settings_file)
    return load_settings(settings_file, endpoint=_endpoint(args.platform))


def _endpoint(platform: str) -> str:
    return platform.rstrip("/") + "/fsi/api/rsfComIfsService/callService"


@contextmanager
def platform_client(args: argparse.Namespace) -> Iterator[PlatformClient]:
    """A client for the platform the options name: ``--platform`` or the embedded mock."""
    settings = settings_of(args)
    if args.platform is None:
        with embedded_client(settings) as client:
            yield client
        return
    with PlatformClient(settings) as client:
        yield client


def journal_path(args: argparse.Namespace) -> Path:
    if getattr(args, "journal", None):
        return Path(args.journal)
    return default_journal_path(settings_of(args), args.platform)


@contextmanager
def open_journal(args: argparse.Namespace) -> Iterator[Journal]:
    path = journal_path(args)
    if not getattr(args, "journal", None):  # the default's directory is ours to make; a named one is not
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # holds personal data
    journal = SqliteJournal(str(path), key=journal_key(path, demo=args.platform is None))
    try:
        yield journal
    finally:
        journal.close()
