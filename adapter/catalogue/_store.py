"""The local catalogue store: its own SQLite file, one per platform and hospital.

Why its own file and not the journal: the catalogue is public reference data (no personal data, nothing to
seal), tens of thousands of rows that a sync rewrites in bulk; keeping it out of the journal keeps the
journal's backups, purges and PostgreSQL sharing about settlements, and lets a hospital delete and re-sync
the catalogue at any time without touching a settlement. (A desk that shares a PostgreSQL journal syncs its
own copy; the catalogue is the platform's, so every copy converges.)

Every version of every row is kept, keyed by (source, rid, updt_time): a row fetched twice (a resumed page,
an overlapping query) is stored once (``INSERT OR IGNORE``), and the catalogue "as of sync N" is, for each
rid, its newest version stored by sync N — which is what ``opsp catalogue diff`` compares.

Each page is stored with the sync's position (the next page to ask for) in one transaction, so a sync
interrupted anywhere resumes at the page after the last one stored, without a duplicate and without a gap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from .._errors import ConfigurationError
from .._masking import redact_url_credentials
from ._model import CapRow, DiseaseRow, ItemRow, RatioRow, StoreOwner

__all__ = ["CatalogueStore", "Position", "Snapshot"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_run (
    sync_no     INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS position (
    source      TEXT PRIMARY KEY,
    done_until  TEXT,
    pass_until  TEXT,
    next_page   INTEGER,
    total       INTEGER,
    fetched     INTEGER NOT NULL DEFAULT 0,
    max_seen    TEXT,
    moved       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS item_row (
    source           TEXT NOT NULL,
    rid              TEXT NOT NULL,
    updt_time        TEXT NOT NULL,
    sync_no          INTEGER NOT NULL,
    hilist_code      TEXT NOT NULL,
    insu_admdvs      TEXT NOT NULL,
    begndate         TEXT NOT NULL,
    enddate          TEXT,
    vali_flag        TEXT NOT NULL,
    hilist_name      TEXT NOT NULL DEFAULT '',
    list_type        TEXT NOT NULL DEFAULT '',
    med_chrgitm_type TEXT NOT NULL DEFAULT '',
    chrgitm_lv       TEXT NOT NULL DEFAULT '',
    lmt_used_flag    TEXT NOT NULL DEFAULT '',
    amount           TEXT,
    PRIMARY KEY (source, rid, updt_time)
);
CREATE INDEX IF NOT EXISTS item_row_code ON item_row (hilist_code);
CREATE TABLE IF NOT EXISTS disease_row (
    rid            TEXT PRIMARY KEY,
    opsp_dise_code TEXT NOT NULL,
    opsp_dise_name TEXT NOT NULL,
    admdvs         TEXT NOT NULL,
    majcls_code    TEXT NOT NULL,
    majcls_name    TEXT NOT NULL,
    vali_flag      TEXT NOT NULL,
    ver            TEXT NOT NULL,
    sync_no        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dictionary (
    type    TEXT NOT NULL,
    value   TEXT NOT NULL,
    label   TEXT NOT NULL,
    sync_no INTEGER NOT NULL,
    PRIMARY KEY (type, value)
);
"""
SOURCES = ("1312", "1319", "1320")
_COLUMNS = (
    "source, rid, updt_time, hilist_code, insu_admdvs, begndate, enddate, vali_flag, hilist_name, list_type,"
    " med_chrgitm_type, chrgitm_lv, lmt_used_flag, amount"
)
_FEW = 2_000
"""Up to this many codes a snapshot reads them through the hilist_code index; more, one ordered scan."""


@dataclass(frozen=True)
class Position:
    """Where a source's sync stands: the completed cursor, and the pass in progress if any."""

    source: str
    done_until: datetime | None
    pass_until: datetime | None
    next_page: int | None
    total: int | None
    fetched: int
    max_seen: datetime | None
    moved: bool

    @property
    def in_pass(self) -> bool:
        return self.next_page is not None


@dataclass(frozen=True)
class Snapshot:
    """The catalogue as of one sync: for each rid of each source, its newest version by then."""

    sync_no: int
    items: tuple[ItemRow, ...]
    caps: tuple[CapRow, ...]
    ratios: tuple[RatioRow, ...]


class CatalogueStore:
    """A hospital's synced catalogue (SQLite). Not thread-safe: one command uses it at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise ConfigurationError(
                f"catalogue store {self.path} is not a usable SQLite file: {error}"
            ) from error
        version = self._meta("schema_version")
        if version is None:
            self._set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) > SCHEMA_VERSION:
            raise ConfigurationError(
                f"catalogue store {self.path} has schema version {version}, newer than this adapter's"
            )

    @classmethod
    def exists(cls, path: str | Path) -> bool:
        return Path(path).is_file()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CatalogueStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- owner ------------------------------------------------------------------------------------

    def claim(self, owner: StoreOwner) -> None:
        """Bind the store to one platform, hospital and province; refuse another (a wrong --catalogue)."""
        found = self.owner()
        if found is None:
            with self._transaction() as db:
                for key, value in owner.model_dump().items():
                    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            return
        if found != owner:
            raise ConfigurationError(  # a platform (its endpoint) is shown without its credentials
                f"catalogue store {self.path} belongs to {redact_url_credentials(found.platform)} /"
                f" {found.fixmedins_code} / {found.province}, not {redact_url_credentials(owner.platform)} /"
                f" {owner.fixmedins_code} / {owner.province}: give each platform and hospital its own store"
                " (--catalogue)"
            )

    def owner(self) -> StoreOwner | None:
        values = {key: self._meta(key) for key in StoreOwner.model_fields}
        if any(value is None for value in values.values()):
            return None
        return StoreOwner.model_validate(values)

    # -- sync runs --------------------------------------------------------------------------------

    def begin_sync(self, now: datetime) -> tuple[int, bool]:
        """The sync to work on: the unfinished one (resumed = True), else a new one."""
        with self._transaction() as db:
            row = db.execute("SELECT sync_no FROM sync_run WHERE finished_at IS NULL").fetchone()
            if row is not None:
                return int(row["sync_no"]), True
            cursor = db.execute("INSERT INTO sync_run (started_at) VALUES (?)", (_stamp(now),))
            return int(cursor.lastrowid or 0), False

    def finish_sync(self, sync_no: int, now: datetime) -> None:
        with self._transaction() as db:
            db.execute("UPDATE sync_run SET finished_at = ? WHERE sync_no = ?", (_stamp(now), sync_no))

    def syncs(self) -> tuple[tuple[int, datetime, datetime | None], ...]:
        """(sync_no, started_at, finished_at) of every sync, oldest first."""
        return tuple(
            (
                int(row["sync_no"]),
                _time(row["started_at"]),
                None if row["finished_at"] is None else _time(row["finished_at"]),
            )
            for row in self._db.execute("SELECT * FROM sync_run ORDER BY sync_no")
        )

    def finished_syncs(self) -> tuple[int, ...]:
        return tuple(number for number, _, finished in self.syncs() if finished is not None)

    # -- positions and pages ----------------------------------------------------------------------

    def position(self, source: str) -> Position:
        row = self._db.execute("SELECT * FROM position WHERE source = ?", (source,)).fetchone()
        if row is None:
            return Position(source, None, None, None, None, 0, None, False)
        return Position(
            source=source,
            done_until=_optional_time(row["done_until"]),
            pass_until=_optional_time(row["pass_until"]),
            next_page=row["next_page"],
            total=row["total"],
            fetched=int(row["fetched"]),
            max_seen=_optional_time(row["max_seen"]),
            moved=bool(row["moved"]),
        )

    def start_pass(self, source: str, *, total: int, pass_until: datetime | None) -> None:
        """A new pass over the rows after the completed cursor: page 1 next, nothing fetched yet."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO position (source, next_page, total, pass_until, fetched, max_seen, moved) "
                "VALUES (?, 1, ?, ?, 0, NULL, 0) ON CONFLICT (source) DO UPDATE SET next_page = 1, "
                "total = excluded.total, pass_until = excluded.pass_until, fetched = 0, max_seen = NULL, "
                "moved = 0",
                (source, total, _optional_stamp(pass_until)),
            )

    def store_page(
        self,
        source: str,
        sync_no: int,
        rows: Sequence[ItemRow | CapRow | RatioRow],
        *,
        next_page: int,
        moved: bool,
    ) -> int:
        """Store a page and move the position past it, atomically; returns how many rows were new."""
        newest = max((row.updt_time for row in rows), default=None)
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO item_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_columns(source, sync_no, row) for row in rows],
            )
            new = db.total_changes - before
            db.execute(
                "UPDATE position SET next_page = ?, fetched = fetched + ?, moved = max(moved, ?), "
                "max_seen = CASE WHEN max_seen IS NULL OR max_seen < ? THEN ? ELSE max_seen END "
                "WHERE source = ?",
                (next_page, len(rows), int(moved), _optional_stamp(newest), _optional_stamp(newest), source),
            )
        return new

    def abandon_pass(self, source: str) -> Position:
        """Forget the pass in progress (its rows stay stored): the next one starts at page 1 again."""
        with self._transaction() as db:
            db.execute("UPDATE position SET next_page = NULL WHERE source = ?", (source,))
        return self.position(source)

    def finish_pass(self, source: str) -> Position:
        """Close the pass: the cursor moves to the newest updt_time it saw (unchanged when it saw none)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE position SET done_until = CASE WHEN max_seen IS NULL THEN done_until "
                "WHEN done_until IS NULL OR done_until < max_seen THEN max_seen ELSE done_until END, "
                "next_page = NULL, pass_until = NULL WHERE source = ?",
                (source,),
            )
        return self.position(source)

    # -- diseases and dictionaries ----------------------------------------------------------------

    def disease_version(self) -> str:
        return self._meta("disease_ver") or "v0000"

    def store_diseases(self, sync_no: int, rows: Iterable[DiseaseRow], *, version: str) -> int:
        """Upsert a 1309 file's rows and record the version held, in one transaction; returns the count."""
        with self._transaction() as db:
            count = 0
            for row in rows:
                db.execute(
                    "INSERT OR REPLACE INTO disease_row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        row.rid,
                        row.opsp_dise_code,
                        row.opsp_dise_name,
                        row.admdvs,
                        row.majcls_code,
                        row.majcls_name,
                        row.vali_flag,
                        row.ver,
                        sync_no,
                    ),
                )
                count += 1
            db.execute("INSERT OR REPLACE INTO meta VALUES ('disease_ver', ?)", (version,))
        return count

    def disease_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM disease_row WHERE vali_flag = '1'").fetchone()[0])

    def store_dictionary(self, sync_no: int, kind: str, entries: Iterable[tuple[str, str]]) -> int:
        with self._transaction() as db:
            rows = [(kind, value, label, sync_no) for value, label in entries]
            db.executemany("INSERT OR REPLACE INTO dictionary VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    def dictionary(self, kind: str) -> dict[str, str]:
        found = self._db.execute("SELECT value, label FROM dictionary WHERE type = ?", (kind,))
        return {row["value"]: row["label"] for row in found}

    # -- reading ----------------------------------------------------------------------------------

    def snapshot(self, sync_no: int, *, codes: Iterable[str] | None = None) -> Snapshot:
        """Every row as of `sync_no` (newest version of each rid stored by then); only `codes` when given."""
        items: list[ItemRow] = []
        caps: list[CapRow] = []
        ratios: list[RatioRow] = []
        for row in self._latest(sync_no, None if codes is None else set(codes)):
            source, key, amount = row[0], _key(row), row[13]
            if source == "1312":
                items.append(ItemRow(*key, *row[8:13]))
            elif source == "1319":
                caps.append(CapRow(*key, pric_uplmt_amt=_decimal(amount)))
            else:
                ratios.append(RatioRow(*key, selfpay_prop=_decimal(amount)))
        return Snapshot(sync_no, tuple(items), tuple(caps), tuple(ratios))

    def _latest(self, sync_no: int, codes: set[str] | None) -> Iterator[tuple[Any, ...]]:
        """The newest version of each (source, rid) stored by `sync_no`: rows come in key order (the primary
        key's), so the last of each run of one (source, rid) is the one wanted."""
        query = f"SELECT {_COLUMNS} FROM item_row WHERE sync_no <= ?"
        if codes is not None and len(codes) <= _FEW:
            # A few codes (planning's 目录对照): the index on hilist_code, one query per chunk.
            found: list[tuple[Any, ...]] = []
            ordered = sorted(codes)
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found += self._db.execute(
                    f"{query} AND hilist_code IN ({marks})", (sync_no, *chunk)
                ).fetchall()
            rows: Iterable[tuple[Any, ...]] = sorted(found, key=lambda row: (row[0], row[1], row[2]))
        else:
            rows = self._db.execute(f"{query} ORDER BY source, rid, updt_time", (sync_no,))
        for _, run in groupby(rows, key=lambda row: (row[0], row[1])):
            *_, newest = run
            if codes is None or newest[3] in codes:
                yield newest

    def row_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM item_row").fetchone()[0])

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def _set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _columns(source: str, sync_no: int, row: ItemRow | CapRow | RatioRow) -> tuple[object, ...]:
    common = (
        source,
        row.rid,
        _stamp(row.updt_time),
        sync_no,
        row.hilist_code,
        row.insu_admdvs,
        row.begndate.isoformat(),
        None if row.enddate is None else row.enddate.isoformat(),
        row.vali_flag,
    )
    if isinstance(row, ItemRow):
        detail: tuple[object, ...] = (
            row.hilist_name,
            row.list_type,
            row.med_chrgitm_type,
            row.chrgitm_lv,
            row.lmt_used_flag,
            None,
        )
    else:
        amount = row.pric_uplmt_amt if isinstance(row, CapRow) else row.selfpay_prop
        detail = ("", "", "", "", "", None if amount is None else str(amount))
    return common + detail


def _key(row: tuple[Any, ...]) -> tuple[str, datetime, str, str, date, date | None, str]:
    """The RowBase fields, in order, of a row selected as `_COLUMNS`."""
    return (
        row[1],
        _time(row[2]),
        row[3],
        row[4],
        date.fromisoformat(row[5]),
        None if row[6] is None else date.fromisoformat(row[6]),
        row[7],
    )


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _optional_stamp(moment: datetime | None) -> str | None:
    return None if moment is None else _stamp(moment)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else _time(text)
