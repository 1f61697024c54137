"""Reference data that stays true: the platform's catalogue synced locally, diffed, and the 目录对照 checked.

* :func:`sync_catalogue` — 1312 / 1319 / 1320 by ``updt_time`` page by page, 1309 + 9102 by version, 1901
  dictionaries, into a :class:`CatalogueStore` (its own SQLite file), resumable without duplicates;
* :func:`diff_catalogue` — what changed between two syncs;
* :func:`check_mapping` — the hospital's 目录对照 against the synced catalogue of its province;
* :func:`planning_tables` — planning tables that class lines with the synced catalogue, by date in force;
  :class:`SyncedTables` — the same, following the store while a service runs (a newer sync, no restart).
"""

from __future__ import annotations

from ._check import check_mapping
from ._diff import diff_catalogue
from ._model import (
    CatalogueChange,
    CatalogueDiff,
    ChangeKind,
    CheckFinding,
    CheckReport,
    FindingKind,
    Severity,
    SourceSummary,
    SyncSummary,
)
from ._render import render_check_csv, render_check_text, render_diff_csv, render_diff_text, render_sync_text
from ._scope import SyncedTables, planning_tables, require_owner, synced_scope
from ._store import CatalogueStore
from ._sync import PAGE_SIZE, Progress, read_disease_file, sync_catalogue

__all__ = [
    "PAGE_SIZE",
    "CatalogueChange",
    "CatalogueDiff",
    "CatalogueStore",
    "ChangeKind",
    "CheckFinding",
    "CheckReport",
    "FindingKind",
    "Progress",
    "Severity",
    "SourceSummary",
    "SyncSummary",
    "SyncedTables",
    "check_mapping",
    "diff_catalogue",
    "planning_tables",
    "read_disease_file",
    "render_check_csv",
    "render_check_text",
    "render_diff_csv",
    "render_diff_text",
    "render_sync_text",
    "require_owner",
    "sync_catalogue",
    "synced_scope",
]
