"""The package root exports a small, sorted, stable surface."""

from __future__ import annotations

import inspect

import mock_platform


def test_exported_members() -> None:
    assert mock_platform.__all__ == [
        "CsbCredentials",
        "GatewayConfig",
        "MockPlatform",
        "SeedError",
        "TifCredentials",
        "run_server",
    ]
    assert mock_platform.__all__ == sorted(mock_platform.__all__)
    for name in mock_platform.__all__:
        assert getattr(mock_platform, name).__module__.startswith("mock_platform")


def test_constructor_options_are_keyword_only() -> None:
    parameters = inspect.signature(mock_platform.MockPlatform).parameters
    assert list(parameters) == [
        "clock",
        "db_path",
        "gateway",
        "config_dir",
        "data_dir",
        "config",
        "sleep",
        "control_token",
        "profile",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert parameters["db_path"].default is None


def test_run_server_signature() -> None:
    parameters = inspect.signature(mock_platform.run_server).parameters
    assert {name: (p.kind, p.default) for name, p in parameters.items()} == {
        "host": (inspect.Parameter.KEYWORD_ONLY, "127.0.0.1"),
        "port": (inspect.Parameter.KEYWORD_ONLY, 8080),
        "db_path": (inspect.Parameter.KEYWORD_ONLY, None),
        "control_token": (inspect.Parameter.KEYWORD_ONLY, None),
    }


def test_default_clock_is_china_time() -> None:
    with mock_platform.MockPlatform() as mock:
        assert mock.gateway.scheme == "tif"
    default = inspect.signature(mock_platform.MockPlatform).parameters["clock"].default
    offset = default().utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 8 * 3600
