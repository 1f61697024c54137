"""Where the shipped data lives, from a source checkout and from an installed wheel.

``config/`` is shared data (demo dataset, policies, demo settings). In a checkout (or
an editable install) it sits beside the packages at the project root; the wheel
force-includes it beside the packages as ``opsp_adapter_config/`` (pyproject.toml).
``OPSP_CONFIG_DIR`` points elsewhere when a hospital keeps its own copy.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._errors import ConfigurationError

__all__ = ["config_dir"]

_PACKAGES_ROOT = Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    """The directory holding the shipped ``config/`` data."""
    override = os.environ.get("OPSP_CONFIG_DIR")
    if override:
        return Path(override)
    if (_PACKAGES_ROOT / "pyproject.toml").is_file() and (_PACKAGES_ROOT / "config").is_dir():
        return _PACKAGES_ROOT / "config"
    installed = _PACKAGES_ROOT / "opsp_adapter_config"
    if installed.is_dir():
        return installed
    raise ConfigurationError(
        f"cannot find the shipped config/ data beside {_PACKAGES_ROOT}; set OPSP_CONFIG_DIR"
    )
