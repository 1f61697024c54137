"""The wheel ships config/ and mappings/ data, and the packages find them once installed.

The wheel is built with hatchling (no network) and unpacked into a bare directory that
plays site-packages: each package must find its data from there, not from this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import adapter._paths, mappings, mock_platform
from mappings import shipped
from mock_platform._paths import default_config_dir
config = adapter._paths.config_dir()
assert config.name == "opsp_adapter_config", config
assert (config / "adapter" / "demo.toml").is_file()
assert default_config_dir() == config, default_config_dir()
assert shipped.region_name("640100") == "银川市"
assert not str(config).startswith(ROOT), config
print("ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    builder = WheelBuilder(str(ROOT))
    (built,) = list(builder.build(directory=str(out), versions=["standard"]))
    return Path(built)


def test_wheel_contains_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "opsp_adapter_config/adapter/demo.toml",
        "opsp_adapter_config/demo/people.toml",
        "opsp_adapter_config/policies/640100.toml",
        "mappings/data/opsp_diseases.csv",
        "mappings/data/region_catalogues.csv",
        "adapter/py.typed",
        "mappings/py.typed",
        "mock_platform/py.typed",
    ):
        assert required in names
    assert not any(name.startswith(("tests/", "config/")) for name in names)


def test_installed_packages_find_their_data(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    environment = {key: value for key, value in os.environ.items() if key != "OPSP_CONFIG_DIR"}
    environment["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(site)!r}); ROOT = {str(ROOT)!r}\n" + PROBE,
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
