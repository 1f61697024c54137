"""Where the data files are: `config/` beside the package in a source tree, `opsp_adapter_config/` in a wheel;
the mapping tables in `mappings/data/` (a source tree and a wheel both put the `mappings` package beside this
one).

(pyproject.toml force-includes `config` as `opsp_adapter_config`.) The mock has its own lookup rather than the
adapter's, because it never imports the adapter; it reads the mapping tables as files, never the `mappings`
code.
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


def default_data_dir() -> Path:
    candidate = Path(__file__).resolve().parent.parent / "mappings" / "data"
    if not (candidate / "region_catalogues.csv").is_file():
        raise ConfigError(str(candidate), "no mapping tables (region_catalogues.csv) found")
    return candidate
