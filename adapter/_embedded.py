"""The embedded demo platform: the mock provincial platform in-process, and a client wired to it.

``opsp demo`` (and later ``plan``/``dry-run`` without ``--platform``) run against this,
so a newcomer needs nothing but the package. The adapter may import the mock; the
mock never imports the adapter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._client import PlatformClient
from ._clock import Clock, china_now
from ._paths import config_dir
from ._settings import AdapterSettings, load_settings

__all__ = ["EMBEDDED_PLATFORM", "demo_settings_path", "embedded_client", "load_demo_settings"]

EMBEDDED_PLATFORM = "embedded-demo"
"""The platform a journal records for settlements made with the embedded demo mock."""


def demo_settings_path() -> Path:
    """The demo hospital's adapter settings (config/adapter/demo.toml)."""
    return config_dir() / "adapter" / "demo.toml"


def load_demo_settings() -> AdapterSettings:
    return load_settings(demo_settings_path())


@contextmanager
def embedded_client(
    settings: AdapterSettings | None = None, *, clock: Clock = china_now
) -> Iterator[PlatformClient]:
    """A client (the demo hospital's by default) talking to a fresh in-process mock platform."""
    from mock_platform import MockPlatform  # imported late: only demo paths need it

    mock = MockPlatform(clock=clock)
    try:
        with PlatformClient(
            settings or load_demo_settings(),
            transport=mock.transport(),
            clock=clock,
            platform=EMBEDDED_PLATFORM,
        ) as client:
            yield client
    finally:
        mock.close()
