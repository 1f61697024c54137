"""`MockPlatform`: the mock wired together — data files, store, core, ASGI app and in-process transport."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import httpx
from starlette.applications import Starlette

from mock_platform._paths import default_config_dir
from mock_platform._time import Clock, china_now
from mock_platform.app import build_app
from mock_platform.backend import Backend
from mock_platform.config import GatewayConfig, MockConfig, load_config
from mock_platform.core import PlatformCore
from mock_platform.transport import MockPlatformTransport


class MockPlatform:
    """An independent mock of the provincial medical-insurance platform.

    Args:
        clock: returns the platform's current time, timezone-aware (China time UTC+8 or any aware time,
            converted); defaults to the real clock. Tests pin it.
        db_path: SQLite file for durable state (sign-ins, and what later issues add); None keeps state in
            memory. A new file is seeded from `config/demo/people.toml`; an existing one keeps its state.
        gateway: overrides the gateway scheme/credentials of `config/demo/platform.toml`.
        config_dir: the data-file directory; defaults to the project's `config/`.
        config: data files already loaded with `mock_platform.config.load_config` (overrides `config_dir`);
            lets a test suite parse and validate them once for many mocks.

    Use `transport()` for in-process calls through httpx, or `asgi_app` to serve it (see `run_server`).
    """

    def __init__(
        self,
        *,
        clock: Clock = china_now,
        db_path: str | Path | None = None,
        gateway: GatewayConfig | None = None,
        config_dir: str | Path | None = None,
        config: MockConfig | None = None,
    ) -> None:
        if config is None:
            config = load_config(Path(config_dir) if config_dir else default_config_dir())
        self.config: MockConfig = config
        self.gateway: GatewayConfig = gateway or self.config.platform.gateway
        self._backend = Backend.open(db_path=db_path, config=self.config, clock=clock)
        self._core = PlatformCore(self._backend, self.gateway)
        self._app = build_app(self._core)

    @property
    def asgi_app(self) -> Starlette:
        """The ASGI application serving this platform."""
        return self._app

    def transport(self) -> httpx.BaseTransport:
        """A synchronous in-process transport for `httpx.Client`.

        Closing the client closes only the transport, not the platform.
        """
        return MockPlatformTransport(self._core)

    def close(self) -> None:
        """Close the store. Transports and the app must not be used afterwards."""
        self._backend.close()

    def __enter__(self) -> MockPlatform:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
