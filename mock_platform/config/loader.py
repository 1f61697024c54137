"""Load and validate the data files; a malformed file fails here with file, line and field.

Files (relative to the config directory)::

    demo/platform.toml      gateway, operators, envelope constants        -> PlatformFile
    demo/hospitals.toml     定点医药机构                                     -> HospitalsFile
    demo/people.toml        insured persons (the default seed of the store) -> PeopleFile
    policies/<admdvs>.toml  insured-place benefit policies (money)          -> RegionPolicy

and, from the mapping tables' data directory (`mappings/data/`, read with the mock's own CSV reader):

    region_catalogues.csv       covered diseases per insured region     -> CatalogueRow
    payment_scope_<admdvs>.csv  a province of care's payment scope      -> ScopeEntry
    hospitals_demo.csv          each demo hospital's 目录对照 file       -> HospitalTables
    item_map_*.csv              a hospital's 目录对照                    -> ItemMapRow

TOML floats are parsed as `Decimal` so amounts never pass through float. TOML syntax errors carry their line
in the message; for validation errors the line is found by walking the error's location through the text
(`[[person]]` headers, sub-tables, `key =` lines), best effort.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mock_platform._paths import default_data_dir
from mock_platform.config.people import PeopleFile, Person
from mock_platform.config.platform import Hospital, HospitalsFile, PlatformFile
from mock_platform.config.policies import RegionPolicy
from mock_platform.config.tables import (
    CatalogueRow,
    HospitalTables,
    ItemDiseaseRow,
    ItemMapRow,
    ScopeEntry,
    read_table,
)
from mock_platform.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class MockConfig:
    """Everything the platform reads from data files, validated."""

    platform: PlatformFile
    hospitals: Mapping[str, Hospital]
    people: tuple[Person, ...]
    policies: Mapping[str, RegionPolicy]
    catalogue: tuple[CatalogueRow, ...] = ()
    payment_scopes: Mapping[str, tuple[ScopeEntry, ...]] = field(default_factory=dict)
    item_maps: Mapping[str, tuple[ItemMapRow, ...]] = field(default_factory=dict)
    item_diseases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """national item code -> the 门诊慢特病 it treats (item_disease_scope.csv: 专病专治, place of care)."""
    config_dir: Path | None = None
    data_dir: Path | None = None

    def hospital(self, fixmedins_code: str) -> Hospital | None:
        return self.hospitals.get(fixmedins_code)

    def policy(self, admdvs: str) -> RegionPolicy | None:
        return self.policies.get(admdvs)


def load_config(config_dir: Path, data_dir: Path | None = None) -> MockConfig:
    """Load every data file under `config_dir` and the mapping tables under `data_dir`.

    `data_dir` defaults to the project's `mappings/data/` (beside `config/` in a source tree, inside the
    installed `mappings` package in a wheel). Only files are read; the `mappings` code is never imported.
    """
    data_dir = data_dir if data_dir is not None else default_data_dir()
    platform = load_file(config_dir / "demo" / "platform.toml", PlatformFile)
    hospitals = load_file(config_dir / "demo" / "hospitals.toml", HospitalsFile)
    people = load_file(config_dir / "demo" / "people.toml", PeopleFile)
    return MockConfig(
        platform=platform,
        hospitals=MappingProxyType({h.fixmedins_code: h for h in hospitals.hospital}),
        people=people.person,
        policies=MappingProxyType(load_policies(config_dir / "policies")),
        catalogue=load_catalogue(data_dir / "region_catalogues.csv"),
        payment_scopes=MappingProxyType(load_payment_scopes(data_dir)),
        item_maps=MappingProxyType(load_item_maps(data_dir, hospitals.hospital)),
        item_diseases=MappingProxyType(load_item_diseases(data_dir / "item_disease_scope.csv")),
        config_dir=config_dir,
        data_dir=data_dir,
    )


def load_catalogue(path: Path) -> tuple[CatalogueRow, ...]:
    """`region_catalogues.csv`; the key (admdvs, benefit_code, relation, insutype) must be unique."""
    rows = read_table(path, CatalogueRow)
    check_catalogue_keys(rows, str(path))
    return rows


def check_catalogue_keys(rows: tuple[CatalogueRow, ...], file: str) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        for key in ((row.admdvs, row.benefit_code, r, i) for r in row.relations for i in row.insutypes):
            if key in seen:
                raise ConfigError(file, f"duplicate catalogue key {'/'.join(key)}", field="benefit_code")
            seen.add(key)


def load_item_diseases(path: Path) -> dict[str, frozenset[str]]:
    """national item code -> the diseases it treats; no file, no restriction."""
    if not path.is_file():
        return {}
    return {row.national_code: frozenset(row.opsp_dise_codes) for row in read_table(path, ItemDiseaseRow)}


def load_payment_scopes(data_dir: Path) -> dict[str, tuple[ScopeEntry, ...]]:
    """Every `payment_scope_<province>.csv`, keyed by the province (the file name's admdvs)."""
    scopes: dict[str, tuple[ScopeEntry, ...]] = {}
    for path in sorted(data_dir.glob("payment_scope_*.csv")):
        province = path.stem.removeprefix("payment_scope_")
        rows = read_table(path, ScopeEntry)
        wrong = next((row for row in rows if row.insu_admdvs != province), None)
        if wrong is not None:
            raise ConfigError(
                str(path), f"insu_admdvs must be {province} (the file name)", field="insu_admdvs"
            )
        check_scope_periods(rows, str(path))
        scopes[province] = rows
    return scopes


def check_scope_periods(rows: tuple[ScopeEntry, ...], file: str) -> None:
    """README: periods of one national code must not overlap."""
    by_code: dict[str, list[ScopeEntry]] = {}
    for row in rows:
        by_code.setdefault(row.national_code, []).append(row)
    for code, entries in by_code.items():
        entries.sort(key=lambda row: row.begndate)
        for earlier, later in itertools.pairwise(entries):
            if earlier.enddate is None or earlier.enddate >= later.begndate:
                raise ConfigError(file, f"validity periods of {code} overlap", field="begndate")


def load_item_maps(data_dir: Path, hospitals: tuple[Hospital, ...]) -> dict[str, tuple[ItemMapRow, ...]]:
    """Each hospital's 目录对照: the file named in `hospitals_demo.csv` (or the hospital's own `item_map`)."""
    files: dict[str, str] = {}
    tables_file = data_dir / "hospitals_demo.csv"
    if tables_file.is_file():
        files = {row.fixmedins_code: row.item_map for row in read_table(tables_file, HospitalTables)}
    files |= {h.fixmedins_code: h.item_map for h in hospitals if h.item_map is not None}
    cache: dict[str, tuple[ItemMapRow, ...]] = {}
    maps: dict[str, tuple[ItemMapRow, ...]] = {}
    for code, name in files.items():
        if name not in cache:
            cache[name] = load_item_map(data_dir / name)
        maps[code] = cache[name]
    return maps


def load_item_map(path: Path) -> tuple[ItemMapRow, ...]:
    rows = read_table(path, ItemMapRow)
    codes = [row.hospital_code for row in rows]
    if len(set(codes)) != len(codes):
        raise ConfigError(str(path), "hospital_code values must be unique", field="hospital_code")
    return rows


def load_policies(directory: Path) -> dict[str, RegionPolicy]:
    """Every `<admdvs>.toml` of the policies directory; the file name must be the policy's admdvs."""
    policies: dict[str, RegionPolicy] = {}
    for path in sorted(directory.glob("*.toml")):
        policy = load_file(path, RegionPolicy)
        if policy.admdvs != path.stem:
            raise ConfigError(
                str(path), f"file name must be the policy's admdvs {policy.admdvs}", field="admdvs"
            )
        policies[policy.admdvs] = policy
    return policies


def load_file(path: Path, model: type[M]) -> M:
    """Parse one TOML file and validate it into `model`, raising `ConfigError` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    data = parse_toml(text, str(path))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        raise ConfigError(
            str(path), error["msg"], field=format_location(location) or "(file)", line=locate(text, location)
        ) from exc


def parse_toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        raise ConfigError(file, f"invalid TOML: {exc}", line=int(match.group(1)) if match else None) from exc


def format_location(location: tuple[str | int, ...]) -> str:
    """('person', 3, 'filing', 0, 'begndate') -> 'person[3].filing[0].begndate'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def locate(text: str, location: tuple[str | int, ...]) -> int | None:
    """The 1-based line of a validation error's location, or None when it cannot be found."""
    lines = text.splitlines()
    # `start` is the header line of the current table, -1 for the root table.
    start, end, path, index = -1, len(lines), "", 0
    found: int | None = None
    while index < len(location):
        name = location[index]
        if not isinstance(name, str):
            break
        dotted = f"{path}.{name}" if path else name
        following = location[index + 1] if index + 1 < len(location) else None
        if isinstance(following, int):
            headers = _matching(lines, start + 1, end, rf"^\s*\[\[\s*{re.escape(dotted)}\s*\]\]")
            if following >= len(headers):
                break
            start = headers[following]
            end = headers[following + 1] if following + 1 < len(headers) else end
            found, path, index = start, dotted, index + 2
            continue
        key_line = _key_line(lines, start, end, name)
        if key_line is not None:
            return key_line + 1
        headers = _matching(lines, start + 1, end, rf"^\s*\[\s*{re.escape(dotted)}\s*\]")
        if not headers:
            break
        start, found, path, index = headers[0], headers[0], dotted, index + 1
    return None if found is None else found + 1


def _matching(lines: list[str], start: int, end: int, pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return [number for number in range(start, end) if regex.match(lines[number])]


def _key_line(lines: list[str], start: int, end: int, key: str) -> int | None:
    """The `key = ...` line of the table whose header is at `start` (keys come before any sub-table)."""
    regex = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(start + 1, end):
        if lines[number].lstrip().startswith("["):
            return None
        if regex.match(lines[number]):
            return number
    return None
