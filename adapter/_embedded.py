"""The embedded demo platform: the mock provincial platform in-process, and a client wired to it.

Every command without ``--platform`` runs against this, so a newcomer needs nothing but the
package. Its state (sign-ins, visits, settlements, accumulators) lives in a file in the user's
data directory, so ``opsp settle`` then ``opsp refund`` then ``opsp recover`` work on it as they
would on a real platform; ``opsp demo --reset`` forgets it (and the demo journals) and starts
again from the shipped demo data. The adapter may import the mock; the mock never imports the
adapter.

Where things live (one function each, so every command and test agrees):

* :func:`data_dir` — ``$OPSP_DATA_DIR``, else ``$XDG_DATA_HOME/opsp``, else ``~/.local/share/opsp``;
* :func:`embedded_state_path` — the embedded platform's SQLite state;
* :func:`default_journal_path` — the journal a command uses when not given ``--journal``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._client import PlatformClient
from ._clock import Clock, china_now
from ._paths import config_dir
from ._settings import AdapterSettings, load_settings

__all__ = [
    "EMBEDDED_PLATFORM",
    "data_dir",
    "default_journal_path",
    "demo_settings_path",
    "embedded_client",
    "embedded_state_path",
    "load_demo_settings",
    "reset_embedded",
]

EMBEDDED_PLATFORM = "embedded-demo"
"""The platform a journal records for settlements made with the embedded demo mock."""

_APP = "opsp"
_EMBEDDED_DIR = "embedded"


def data_dir() -> Path:
    """The user's data directory for opsp (created on first use by whoever writes there)."""
    override = os.environ.get("OPSP_DATA_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / _APP


def embedded_state_path() -> Path:
    """The embedded demo platform's state file."""
    return data_dir() / _EMBEDDED_DIR / "platform.sqlite3"


def default_journal_path(settings: AdapterSettings, platform: str | None = None) -> Path:
    """The journal a command uses unless given ``--journal``: one per platform and hospital.

    On the embedded platform it sits beside the platform's state (``opsp demo --reset`` removes
    both together); for a served platform (``--platform URL``) it is named after the hospital and
    the URL, so a settlement made on one platform is never looked up on another.
    """
    hospital = settings.fixmedins_code
    if platform is None:
        return data_dir() / _EMBEDDED_DIR / f"journal-{hospital}.sqlite3"
    tag = hashlib.sha256(platform.rstrip("/").encode()).hexdigest()[:10]
    return data_dir() / "journals" / f"journal-{hospital}-{tag}.sqlite3"


def reset_embedded() -> Path:
    """Forget the embedded platform's state and the demo journals; returns the directory cleared."""
    where = embedded_state_path().parent
    if where.exists():
        shutil.rmtree(where)
    return where


def demo_settings_path() -> Path:
    """The demo hospital's adapter settings (config/adapter/demo.toml)."""
    return config_dir() / "adapter" / "demo.toml"


def load_demo_settings() -> AdapterSettings:
    return load_settings(demo_settings_path())


@contextmanager
def embedded_client(
    settings: AdapterSettings | None = None,
    *,
    clock: Clock = china_now,
    state: Path | None = None,
    persistent: bool = True,
) -> Iterator[PlatformClient]:
    """A client (the demo hospital's by default) talking to the in-process mock platform.

    The platform's state is read from and written to ``state`` (default
    :func:`embedded_state_path`); ``persistent=False`` keeps it in memory for this call only.
    """
    from mock_platform import MockPlatform  # imported late: only demo paths need it

    path = (state or embedded_state_path()) if persistent else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    settings = settings or load_demo_settings()
    mock = MockPlatform(clock=clock, db_path=path)
    try:
        with PlatformClient(
            settings, transport=mock.transport(), clock=clock, platform=EMBEDDED_PLATFORM
        ) as client:
            yield client
    finally:
        mock.close()
