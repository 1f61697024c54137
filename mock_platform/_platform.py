"""`MockPlatform`: the mock wired together — data files, store, core, ASGI app and in-process transport."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from mock_platform._paths import default_config_dir
from mock_platform._time import Clock, china_now
from mock_platform.app import PlatformApp
from mock_platform.backend import Backend
from mock_platform.backend.faults import FaultBook
from mock_platform.config import GatewayConfig, MockConfig, load_config
from mock_platform.core import PlatformCore
from mock_platform.transport import MockPlatformTransport


class MockPlatform:
    """An independent mock of the provincial medical-insurance platform.

    Args:
        clock: returns the platform's current time, timezone-aware (China time UTC+8 or any aware time,
            converted); defaults to the real clock. Tests pin it.
        db_path: SQLite file for durable state (sign-ins, visits, fee details, settlements, accumulators,
            processed msgids, fault rules, seeded data); None keeps state in memory. A new file is seeded from
            `config/demo/people.toml`; an existing one keeps its state.
        gateway: overrides the gateway scheme/credentials of `config/demo/platform.toml`.
        config_dir: the data-file directory; defaults to the project's `config/`.
        data_dir: the mapping tables' directory (region catalogue, payment scopes, 目录对照); defaults to the
            project's `mappings/data/`.
        config: data files already loaded with `mock_platform.config.load_config` (overrides `config_dir`
            and `data_dir`); lets a test suite parse and validate them once for many mocks.
        sleep: how the platform waits for a `delay` fault; tests inject a recorder. Served, the default
            `time.sleep` becomes an asynchronous wait and any other runs in a worker thread, so a delay never
            blocks the event loop.
        control_token: when set, every `/_mock/*` request must carry it in `X-Mock-Control-Token`; when
            not, the control plane answers only requests from loopback (and in-process ones).
        profile: the conformance profile (`lenient`, `national`, `strict` or a regional variant of
            `mock_platform/conformance/profiles.toml`); `PUT /_mock/profile` switches it while running.

    Use `transport()` for in-process calls through httpx, or `asgi_app` to serve it (see `run_server`);
    `faults` to make calls misbehave on demand; `seed()` to add people, hospitals, policies and catalogue
    rows.
    """

    def __init__(
        self,
        *,
        clock: Clock = china_now,
        db_path: str | Path | None = None,
        gateway: GatewayConfig | None = None,
        config_dir: str | Path | None = None,
        data_dir: str | Path | None = None,
        config: MockConfig | None = None,
        sleep: Callable[[float], None] = time.sleep,
        control_token: str | None = None,
        profile: str = "national",
    ) -> None:
        if config is None:
            config = load_config(
                Path(config_dir) if config_dir else default_config_dir(),
                Path(data_dir) if data_dir else None,
            )
        self.config: MockConfig = config
        self.gateway: GatewayConfig = gateway or self.config.platform.gateway
        self._backend = Backend.open(db_path=db_path, config=self.config, clock=clock)
        self._core = PlatformCore(
            self._backend, self.gateway, sleep=sleep, control_token=control_token, profile=profile
        )
        self._app = PlatformApp(self._core)

    @property
    def faults(self) -> FaultBook:
        """Fault rules: `add(infno, kind, *, times=1, message=None, seconds=None)`, `clear()`, `list()`.

        Kinds: delay, drop_after_commit, timeout_after_commit, fail_before_commit, error, maintenance,
        bad_gateway, gateway_auth (see `mock_platform.backend.faults`).
        """
        return self._backend.faults

    def seed(self, document: dict[str, Any]) -> dict[str, int]:
        """Add data, validated like the shipped files (see `mock_platform.config.seed`).

        `document` has any of the keys people, hospitals, policies, payment_scope, item_map, region_catalogue,
        each a list of rows in the shape of the file it extends. Returns how many rows of each kind were
        stored; raises `SeedError` (a ValueError naming the bad field) and stores nothing when invalid.
        """
        return self._backend.seed(document)

    def publish_catalogue(self, changes: list[dict[str, Any]], *, note: str = "") -> dict[str, Any]:
        """Publish the next 医保目录 version, as `POST /_mock/catalogue/publish` does (`control_catalogue`),
        without the control plane's 4 MB body limit. Raises `RequestError` naming the bad change."""
        publication = self._backend.publish_catalogue(changes, note=note)
        return {
            "ver": publication.ver,
            "published_at": publication.published_at,
            "changes": publication.changes,
        }

    @property
    def asgi_app(self) -> PlatformApp:
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
