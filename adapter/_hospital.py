"""This hospital's own profile: where it is and which 门诊慢特病 it has opened, per relation.

A hospital describes itself in a TOML file of the shape the platform's registry uses
(``config/demo/hospitals.toml``: ``[[hospital]]`` with ``fixmedins_code``,
``fixmedins_name``, ``admdvs``, ``hosp_lv``, ``dedc_hosp_lv``, ``opsp_designated`` and
``[[hospital.opsp_open]]`` rows of ``relation`` + ``diseases`` = ``"all"`` or a list).
Settings name the file (``hospital_file``); the demo hospitals' registry is the default.
Seed 002 二(三): only designated hospitals settle 门诊慢特病 directly, and each opens
specific diseases for cross-region patients.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mappings import Relation

from ._errors import ConfigurationError
from ._paths import config_dir
from ._settings import AdapterSettings

__all__ = ["HospitalProfile", "hospital_profile", "load_hospital_profile"]


@dataclass(frozen=True)
class HospitalProfile:
    """The hospital as the eligibility rules need it."""

    fixmedins_code: str
    fixmedins_name: str
    admdvs: str
    dedc_hosp_lv: str
    opsp_designated: bool
    opened: Mapping[Relation, frozenset[str] | None]
    """Per relation, the opsp codes opened for direct settlement (None: all)."""

    @property
    def province(self) -> str:
        """The province of care (就医地 catalogue): first two digits + 0000."""
        return self.admdvs[:2] + "0000"

    def opens(self, relation: Relation, code: str) -> bool:
        if relation not in self.opened:
            return False
        codes = self.opened[relation]
        return codes is None or code in codes


def load_hospital_profile(path: Path, fixmedins_code: str) -> HospitalProfile:
    """The profile of ``fixmedins_code`` from a hospital file; ``ConfigurationError`` if absent or bad."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigurationError(f"cannot read hospital file {path}: {error}") from error
    for entry in document.get("hospital", []):
        if entry.get("fixmedins_code") == fixmedins_code:
            return _profile(entry, path)
    raise ConfigurationError(f"hospital {fixmedins_code} is not described in {path}")


def _profile(entry: Mapping[str, Any], path: Path) -> HospitalProfile:
    try:
        opened: dict[Relation, frozenset[str] | None] = {}
        for row in entry.get("opsp_open", []):
            diseases = row["diseases"]
            opened[Relation(row["relation"])] = None if diseases == "all" else frozenset(diseases)
        return HospitalProfile(
            fixmedins_code=str(entry["fixmedins_code"]),
            fixmedins_name=str(entry["fixmedins_name"]),
            admdvs=str(entry["admdvs"]),
            dedc_hosp_lv=str(entry["dedc_hosp_lv"]),
            opsp_designated=bool(entry["opsp_designated"]),
            opened=MappingProxyType(opened),
        )
    except (KeyError, ValueError, TypeError) as error:
        code = entry.get("fixmedins_code", "?")
        raise ConfigurationError(f"hospital {code} in {path}: missing or invalid {error}") from error


def hospital_profile(settings: AdapterSettings) -> HospitalProfile:
    """This hospital's profile from ``settings.hospital_file`` (default: the demo registry)."""
    path = (
        Path(settings.hospital_file) if settings.hospital_file else config_dir() / "demo" / "hospitals.toml"
    )
    return load_hospital_profile(path, settings.fixmedins_code)
