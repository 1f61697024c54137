"""Where the data files are: `config/` beside the package in a source tree, `opsp_adapter_config/` in a wheel.

(pyproject.toml force-includes `config` as `opsp_adapter_config`.) The mock has its own lookup rather than the
adapter's, because it never imports the adapter.
"""

from __future__ import annotations

from pathlib import Path

from mock_platform.errors import ConfigError


def default_config_dir() -> Path:
    root = Path(__file__).resolve().parent.parent
    candidates = (root / "config", root / "opsp_adapter_config")
    for candidate in candidates:
        if (candidate / "demo" / "platform.toml").is_file():
            return candidate
    raise ConfigError(str(candidates[0]), "no config directory with demo/platform.toml found")
