"""Seeding: extra people, hospitals, policies, payment-scope rows, 目录对照 rows and catalogue rows.

A seed is validated whole (`config.seed.parse_seed`: the shipped files' models), merged with what is already
there and re-checked across files (`reference.build_reference`); only then is it written, in one transaction.
Nothing of a refused seed is stored. Seeded records live in `seeded_record` (kind, key, JSON body) and people
in the person tables, so they survive a restart of a file database.

Decisions: a seeded person whose psn_no, certificate, card or e-voucher already exists is refused (people are
added, never replaced); hospitals, policies and rows with an existing key replace the earlier ones.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mock_platform.backend.people import seed_people
from mock_platform.backend.reference import ReferenceData, Seeds, build_reference
from mock_platform.backend.store import Store
from mock_platform.config.loader import MockConfig
from mock_platform.config.platform import Hospital
from mock_platform.config.policies import RegionPolicy
from mock_platform.config.seed import SeedDocument, SeededItem
from mock_platform.config.tables import CatalogueRow, ScopeEntry
from mock_platform.errors import ConfigError, SeedError

_KINDS: dict[str, type[Any]] = {
    "hospitals": Hospital,
    "policies": RegionPolicy,
    "payment_scope": ScopeEntry,
    "item_map": SeededItem,
    "region_catalogue": CatalogueRow,
}


def record_key(kind: str, record: Any) -> str:
    """The key under which a seeded record replaces an earlier one of the same kind."""
    if isinstance(record, Hospital):
        return record.fixmedins_code
    if isinstance(record, RegionPolicy):
        return record.admdvs
    if isinstance(record, ScopeEntry):
        return f"{record.insu_admdvs}|{record.national_code}|{record.begndate}"
    if isinstance(record, SeededItem):
        return f"{record.fixmedins_code}|{record.hospital_code}"
    if isinstance(record, CatalogueRow):
        return f"{record.admdvs}|{record.benefit_code}|{';'.join(sorted(record.relations))}|" + ";".join(
            sorted(record.insutypes)
        )
    raise TypeError(kind)


def load_seeds(connection: sqlite3.Connection) -> Seeds:
    """Every seeded record, in the order it was first seeded."""
    found: dict[str, list[Any]] = {kind: [] for kind in _KINDS}
    for row in connection.execute("SELECT kind, body FROM seeded_record ORDER BY id"):
        found[row["kind"]].append(_KINDS[row["kind"]].model_validate(json.loads(row["body"])))
    return Seeds(**{kind: tuple(records) for kind, records in found.items()})


def apply_seed(
    store: Store, config: MockConfig, document: SeedDocument
) -> tuple[ReferenceData, dict[str, int]]:
    """Store a validated seed and return the new reference snapshot; `SeedError` leaves nothing behind."""
    with store.transaction() as connection:
        for kind in _KINDS:
            for record in getattr(document, kind):
                connection.execute(
                    "INSERT INTO seeded_record (kind, key, body) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
                    (kind, record_key(kind, record), record.model_dump_json()),
                )
        try:
            reference = build_reference(config, load_seeds(connection))
        except ConfigError as exc:
            raise SeedError(exc.field or "(document)", f"{exc.file}: {exc.detail}") from exc
        _insert_people(connection, document)
    return reference, document.counts()


def _insert_people(connection: sqlite3.Connection, document: SeedDocument) -> None:
    for index, person in enumerate(document.people):
        try:
            seed_people(connection, (person,))
        except sqlite3.IntegrityError as exc:
            raise SeedError(
                f"people[{index}]", f"a person with the same identifiers already exists ({exc})"
            ) from exc
