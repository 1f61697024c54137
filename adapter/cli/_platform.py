"""How a command reaches a platform, and which journal it keeps: the embedded demo, or ``--platform URL``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._client import PlatformClient
from .._embedded import default_journal_path, demo_settings_path, embedded_client
from .._settings import AdapterSettings, endpoint_problem, load_settings
from ..execution import Journal, is_postgres_url
from ..execution import open_journal as open_journal_at
from ._journal_key import journal_key

__all__ = [
    "add_journal_option",
    "add_platform_options",
    "open_journal",
    "platform_client",
    "settings_of",
]

# opsp posts every call to this path under --platform's base URL, whatever the settings' ``endpoint`` says
# (another path, a template with {infno}); only the embedded platform is reached at the endpoint's path.
_PLATFORM_PATH = "/fsi/api/rsfComIfsService/callService"


def add_platform_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        metavar="URL",
        type=_platform_url,
        help="the platform's base URL (e.g. http://127.0.0.1:8080); default: the embedded demo "
        "platform, whose state is kept in the user's data directory (opsp demo --reset clears it)",
    )
    parser.add_argument(
        "--settings",
        metavar="TOML",
        help="adapter settings file (default: the demo hospital's, config/adapter/demo.toml); "
        f"with --platform its endpoint is replaced by that URL + {_PLATFORM_PATH}; without it, the "
        "embedded demo platform answers at the endpoint's path, whatever its host",
    )


def add_journal_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal",
        metavar="PATH|URL",
        help="the journal: a SQLite file, or postgresql://… shared by every desk (default: the settings'"
        " journal, env OPSP_JOURNAL; else one per platform and hospital in the user's data directory,"
        " $OPSP_DATA_DIR or $XDG_DATA_HOME/opsp)",
    )


def settings_of(args: argparse.Namespace) -> AdapterSettings:
    settings_file = args.settings or demo_settings_path()
    if args.platform is None:
        return load_settings(settings_file)
    return load_settings(settings_file, endpoint=_endpoint(args.platform))


def _endpoint(platform: str) -> str:
    return platform.rstrip("/") + _PLATFORM_PATH


def _platform_url(text: str) -> str:
    """``--platform`` as given, once the endpoint made of it could be posted to: a usage error (exit 2)
    names the option here, rather than the settings' endpoint it would have become."""
    problem = endpoint_problem(_endpoint(text), example="http://127.0.0.1:8080")
    if problem is None and ("?" in text or "#" in text):
        # The platform's path is appended to the text: after a ? or # it would be the query or the
        # fragment, and every call would go to the server's root path.
        problem = "a base URL such as http://127.0.0.1:8080, with no query (?) or fragment (#)"
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


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


def journal_target(args: argparse.Namespace) -> str:
    """--journal, else the settings' ``journal`` (env OPSP_JOURNAL), else the default file."""
    named: str = getattr(args, "journal", None) or settings_of(args).journal
    if named:
        return named
    path = default_journal_path(settings_of(args), args.platform)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # ours to make; holds personal data
    return str(path)


@contextmanager
def open_journal(args: argparse.Namespace) -> Iterator[Journal]:
    """The journal the options and settings name: a SQLite file, or a PostgreSQL URL."""
    target = journal_target(args)
    demo = args.platform is None and not is_postgres_url(target)  # the demo's own key: its own file only
    key = journal_key(Path(target), demo=demo)
    journal = open_journal_at(target, lock_wait=settings_of(args).journal_lock_wait, key=key)
    try:
        yield journal
    finally:
        journal.close()
