"""Reference data: the shipped data files merged with what was seeded, as one immutable, checked snapshot.

What the platform looks things up in: hospitals, insured-place policies, the disease coverage (region
catalogue), each province's payment scope and each hospital's 目录对照. Seeded records (`backend.seeding`,
stored in SQLite so they survive a restart) take precedence over the files:

* a seeded hospital / policy replaces the file's one with the same fixmedins_code / admdvs;
* seeded payment-scope rows of a (province, national code) replace all the file's rows of that code;
* a seeded 目录对照 row replaces the hospital's row with the same hospital code;
* seeded catalogue rows are added (one with the same admdvs, benefit code, relations and insutypes replaces);
* a published catalogue version (`backend.catalogue`, the `published` overlay) replaces every row of the
  (province, national code)s it touched: the platform settles with the version in force on the visit's day.

`build_reference` runs the checks that need several files at once — a cap's codes must be covered by the
region catalogue, catalogue keys unique, payment-scope periods disjoint — and raises `ConfigError` naming the
file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from mock_platform.backend.coverage import Coverage
from mock_platform.config.loader import (
    MockConfig,
    check_catalogue_keys,
    check_scope_periods,
    format_location,
    load_item_map,
    locate,
)
from mock_platform.config.platform import Hospital
from mock_platform.config.policies import RegionPolicy
from mock_platform.config.seed import SeededItem
from mock_platform.config.tables import CatalogueRow, ItemMapRow, ScopeEntry
from mock_platform.errors import ConfigError


@dataclass(frozen=True)
class Seeds:
    """Everything seeded so far (people live in their own tables)."""

    hospitals: tuple[Hospital, ...] = ()
    policies: tuple[RegionPolicy, ...] = ()
    payment_scope: tuple[ScopeEntry, ...] = ()
    item_map: tuple[SeededItem, ...] = ()
    region_catalogue: tuple[CatalogueRow, ...] = ()


class ScopeOverlay(Protocol):
    """Payment-scope rows laid over the files and seeds (the published catalogue, `backend.catalogue`)."""

    def entries(self, province: str, national_code: str) -> tuple[ScopeEntry, ...] | None:
        """Every row of a code the overlay has (then the files' rows of that code do not count), else None."""

    def provinces(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class ReferenceData:
    hospitals: Mapping[str, Hospital]
    policies: Mapping[str, RegionPolicy]
    coverage: Coverage
    scopes: Mapping[str, Mapping[str, tuple[ScopeEntry, ...]]]  # province -> national code -> periods
    item_maps: Mapping[str, Mapping[str, ItemMapRow]]  # fixmedins_code -> hospital code -> row
    policy_files: Mapping[str, Path] = field(default_factory=dict)
    item_diseases: Mapping[str, frozenset[str]] = field(default_factory=dict)
    published: ScopeOverlay | None = None

    def hospital(self, fixmedins_code: str) -> Hospital | None:
        return self.hospitals.get(fixmedins_code)

    def policy(self, admdvs: str) -> RegionPolicy | None:
        return self.policies.get(admdvs)

    def has_payment_scope(self, province: str) -> bool:
        return province in self.scopes or (
            self.published is not None and province in self.published.provinces()
        )

    def scope_entry(self, province: str, national_code: str, day: date) -> ScopeEntry | None:
        """The payment-scope row of a national code valid on `day`; None = outside the catalogue (自费)."""
        published = None if self.published is None else self.published.entries(province, national_code)
        entries = published if published is not None else self.scopes.get(province, {}).get(national_code, ())
        return next((entry for entry in entries if entry.valid_on(day)), None)

    def item_map(self, fixmedins_code: str) -> Mapping[str, ItemMapRow] | None:
        return self.item_maps.get(fixmedins_code)


def build_reference(config: MockConfig, seeds: Seeds) -> ReferenceData:
    """Merge files and seeds, then check the rules that span files."""
    hospitals = {**config.hospitals, **{h.fixmedins_code: h for h in seeds.hospitals}}
    policies = {**config.policies, **{p.admdvs: p for p in seeds.policies}}
    catalogue = _merge_catalogue(config.catalogue, seeds.region_catalogue)
    check_catalogue_keys(catalogue, "region_catalogues.csv (with seeded rows)")
    coverage = Coverage(catalogue)
    seeded_policies = {p.admdvs for p in seeds.policies}
    policy_files = {
        admdvs: config.config_dir / "policies" / f"{admdvs}.toml"
        for admdvs in policies
        if config.config_dir is not None and admdvs not in seeded_policies
    }
    for policy in policies.values():
        check_caps_are_covered(policy, coverage, policy_files.get(policy.admdvs))
    return ReferenceData(
        hospitals=MappingProxyType(hospitals),
        policies=MappingProxyType(policies),
        coverage=coverage,
        scopes=MappingProxyType(_merge_scopes(config.payment_scopes, seeds.payment_scope)),
        item_maps=MappingProxyType(_merge_item_maps(config, hospitals, seeds.item_map)),
        policy_files=MappingProxyType(policy_files),
        item_diseases=config.item_diseases,
    )


def check_caps_are_covered(policy: RegionPolicy, coverage: Coverage, path: Path | None) -> None:
    """A med_type 14 cap may only name codes the region catalogue covers for the scope (some relation)."""
    for scope_index, scope in enumerate(policy.scope):
        if scope.med_type != "14":
            continue
        for cap_index, cap in enumerate(scope.cap):
            covered: set[str] = set()
            for relation in scope.relations:
                covered |= coverage.codes_for(policy.admdvs, relation, cap.insutype) or frozenset()
            stray = next((code for code in cap.codes if code not in covered), None)
            if stray is not None:
                location = ("scope", scope_index, "cap", cap_index, "codes")
                message = (
                    f"cap {cap.group!r} names {stray}, which the scope does not cover (region catalogue)"
                )
                raise _policy_error(policy, path, location, message)


def _policy_error(
    policy: RegionPolicy, path: Path | None, location: tuple[str | int, ...], message: str
) -> ConfigError:
    if path is None:
        return ConfigError(f"seeded policy {policy.admdvs}", message, field=format_location(location))
    line = locate(path.read_text(encoding="utf-8"), location) if path.is_file() else None
    return ConfigError(str(path), message, field=format_location(location), line=line)


def _catalogue_key(row: CatalogueRow) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    return (row.admdvs, row.benefit_code, tuple(sorted(row.relations)), tuple(sorted(row.insutypes)))


def _merge_catalogue(
    files: tuple[CatalogueRow, ...], seeded: tuple[CatalogueRow, ...]
) -> tuple[CatalogueRow, ...]:
    replaced = {_catalogue_key(row) for row in seeded}
    return tuple(row for row in files if _catalogue_key(row) not in replaced) + seeded


def _merge_scopes(
    files: Mapping[str, tuple[ScopeEntry, ...]], seeded: tuple[ScopeEntry, ...]
) -> dict[str, Mapping[str, tuple[ScopeEntry, ...]]]:
    seeded_codes = {(row.insu_admdvs, row.national_code) for row in seeded}
    merged: dict[str, dict[str, list[ScopeEntry]]] = {}
    rows = [
        row
        for rows in files.values()
        for row in rows
        if (row.insu_admdvs, row.national_code) not in seeded_codes
    ]
    for row in (*rows, *seeded):
        merged.setdefault(row.insu_admdvs, {}).setdefault(row.national_code, []).append(row)
    for province, codes in merged.items():
        check_scope_periods(
            tuple(row for rows in codes.values() for row in rows), f"payment scope {province}"
        )
    return {
        province: MappingProxyType(
            {code: tuple(sorted(rows, key=lambda r: r.begndate)) for code, rows in codes.items()}
        )
        for province, codes in merged.items()
    }


def _merge_item_maps(
    config: MockConfig, hospitals: Mapping[str, Hospital], seeded: tuple[SeededItem, ...]
) -> dict[str, Mapping[str, ItemMapRow]]:
    maps: dict[str, dict[str, ItemMapRow]] = {
        code: {row.hospital_code: row for row in rows} for code, rows in config.item_maps.items()
    }
    for code, hospital in hospitals.items():
        if hospital.item_map is not None and config.data_dir is not None:
            rows = load_item_map(config.data_dir / hospital.item_map)
            maps[code] = {row.hospital_code: row for row in rows}
    for item in seeded:
        row = ItemMapRow.model_validate(item.model_dump(exclude={"fixmedins_code"}))
        maps.setdefault(item.fixmedins_code, {})[item.hospital_code] = row
    return {code: MappingProxyType(rows) for code, rows in maps.items()}
