"""The published 医保目录 of each province (the payment scope: class, 先行自付, price cap), versioned.

What the platform serves through 1312 医保目录信息查询, 1319 限价 and 1320 先行自付比例 (paged by `updt_time`,
PROTOCOL.md §3.16; DOMAIN.md's 1319/1320 numbering), and what its own settlement classes lines with.

* **Version v0001** is the shipped payment-scope files plus seeded rows (`reference`): served with a fixed
  `updt_time` (`BASE_UPDT_TIME`) and a `rid` derived from (province, code, begndate), so it is the same rid on
  every run and after every restart.
* **A publication** (`POST /_mock/catalogue/publish`, `control_catalogue`) is the next version: it adds items,
  withdraws them (an end date), or changes class / 先行自付 / price cap from a date. Every row of a code it
  touches is stored in `catalogue_item` (the unchanged ones keep their ver and updt_time), and those rows
  replace the file rows of that code in the reference data (`reference.build_reference`), so the platform's
  own fee split uses the row in force on the visit's day.
* A change from a day D ends the row in force on D the day before and starts a new row (new rid) on D; a
  row starting on D is changed in place. A row that would never be in force (withdrawn before its start) is
  kept with `vali_flag` 0, so a client that downloaded it learns that it is gone.
* Publication times strictly increase (a second publication in the same second is stamped one second later):
  a client that asks for rows updated after the last `updt_time` it saw gets exactly the later publications.

1319 serves the rows with a price cap and 1320 the 乙类 rows with their 先行自付 ratio, each with the
catalogue row's rid and period; a row that once had a cap (a ratio) stays served, with `vali_flag` 0 once
it has none, so a cap that is removed is seen as removed. (A 甲类 item pays no 先行自付: no 1320 row.)
"""

from __future__ import annotations

import bisect
import hashlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from mock_platform._time import format_date, format_datetime, parse_datetime
from mock_platform.backend.reference import ReferenceData
from mock_platform.config.tables import ScopeEntry
from mock_platform.errors import RequestError

BASE_VERSION = "v0001"
BASE_UPDT_TIME = datetime(2020, 1, 1, 0, 0, 0)
_PROVENANCE = "mock catalogue publication"
# list_type and med_chrgitm_type of a base row whose code no 目录对照 names, by the code's family (PROTOCOL.md
# §4): X 西药 101 / 09 西药费, Z 中成药 102 / 11 中成药费, C 耗材 301 / 08 卫生材料费,
# else 服务 201 / 05 治疗费.
_FAMILY = {"X": ("101", "09"), "Z": ("102", "11"), "C": ("301", "08")}
_SERVICE = ("201", "05")
_RATIO = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One row of the published catalogue: a national item in one province for one period."""

    rid: str
    insu_admdvs: str
    hilist_code: str
    hilist_name: str
    list_type: str
    med_chrgitm_type: str
    chrgitm_lv: str
    selfpay_prop: Decimal | None
    pric_uplmt_amt: Decimal | None
    lmt_used_flag: str
    begndate: date
    enddate: date | None
    vali_flag: str
    ver: str
    updt_time: datetime
    cap_served: bool = False
    """1319 has served this rid with a cap: it keeps serving it, as vali_flag 0 once the cap is gone."""
    ratio_served: bool = False
    """1320 has served this rid with a 乙类 ratio: it keeps serving it, as vali_flag 0 once it has none."""

    def in_force(self, day: date) -> bool:
        started = self.begndate <= day
        return self.vali_flag == "1" and started and (self.enddate is None or day <= self.enddate)

    def scope_entry(self) -> ScopeEntry:
        # Built from a row `publish` validated as a ScopeEntry already; no second validation of 50,000 rows.
        values: dict[str, Any] = {
            "insu_admdvs": self.insu_admdvs,
            "national_code": self.hilist_code,
            "name": self.hilist_name,
            "chrgitm_lv": self.chrgitm_lv,
            "selfpay_prop": self.selfpay_prop,
            "pric_uplmt_amt": self.pric_uplmt_amt,
            "lmt_used_flag": self.lmt_used_flag,
            "begndate": self.begndate,
            "enddate": self.enddate,
            "provenance": f"{_PROVENANCE} {self.ver}",
        }
        return ScopeEntry.model_construct(**values)


@dataclass(frozen=True)
class Publication:
    ver: str
    published_at: datetime
    note: str
    changes: int


@dataclass(frozen=True)
class Page:
    """One page of a paged query: the rows and the counts the paged wrapper reports."""

    rows: tuple[CatalogueItem, ...]
    page_num: int
    page_size: int
    record_count: int

    @property
    def pages(self) -> int:
        return -(-self.record_count // self.page_size)


def row_id(insu_admdvs: str, hilist_code: str, begndate: date) -> str:
    """The rid of a row (C40): stable for a (province, code, start) so every run serves the same one."""
    digest = hashlib.sha1(f"{insu_admdvs}|{hilist_code}|{begndate}".encode()).hexdigest()
    return "R" + digest[:31].upper()


class PublishedOverlay:
    """The published rows as the reference's overlay (`reference.ScopeOverlay`): read per code when first
    asked (an indexed query), kept for the life of this overlay — a publication makes a new one."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._codes: dict[tuple[str, str], tuple[ScopeEntry, ...] | None] = {}
        with connect() as connection:
            found = connection.execute("SELECT DISTINCT insu_admdvs FROM catalogue_item").fetchall()
        self._provinces = frozenset(str(row[0]) for row in found)

    def provinces(self) -> frozenset[str]:
        return self._provinces

    def entries(self, province: str, national_code: str) -> tuple[ScopeEntry, ...] | None:
        key = (province, national_code)
        if key not in self._codes:
            with self._connect() as connection:
                rows = connection.execute(
                    "SELECT * FROM catalogue_item WHERE insu_admdvs = ? AND hilist_code = ?"
                    " ORDER BY begndate",
                    key,
                ).fetchall()
            # A published code replaces the files' rows even when none of its rows is in force any more.
            self._codes[key] = (
                tuple(_item(row).scope_entry() for row in rows if row["vali_flag"] == "1") if rows else None
            )
        return self._codes[key]


class CatalogueBook:
    """The catalogue as served: the reference's rows (v0001) and the publications over them."""

    def __init__(self, reference: Callable[[], ReferenceData], connect: Callable[[], Any]) -> None:
        self._reference = reference
        self._connect = connect  # the store's joined() context
        # The view, for the files-and-seeds scopes it was built over (a seed makes new ones); a publication
        # updates it in place of rebuilding it.
        self._view_of: tuple[object, list[CatalogueItem]] | None = None
        self._filtered: dict[tuple[str, str, str, str], tuple[CatalogueItem, ...]] = {}

    def overlay(self) -> PublishedOverlay:
        return PublishedOverlay(self._connect)

    # -- reading ------------------------------------------------------------------------------------------

    def rows(self) -> list[CatalogueItem]:
        """Every row, in (updt_time, rid) order — the order pages are cut in."""
        reference = self._reference()
        if self._view_of is not None and self._view_of[0] is reference.scopes:
            return self._view_of[1]
        with self._connect() as connection:
            published = [_item(row) for row in connection.execute("SELECT * FROM catalogue_item")]
        touched = {(row.insu_admdvs, row.hilist_code) for row in published}
        view = [*published, *_base_rows(reference, skip=touched)]
        view.sort(key=_order)
        self._view_of = (reference.scopes, view)
        self._filtered = {}
        return view

    def page(
        self,
        *,
        updated_after: datetime,
        inclusive: bool,
        page_num: int,
        page_size: int,
        source: str = "1312",
        insu_admdvs: str = "",
        hilist_code: str = "",
        list_type: str = "",
    ) -> Page:
        """Rows updated at/after `updated_after`, filtered, page `page_num` (from 1) of `page_size`."""
        key = (insu_admdvs, hilist_code, list_type, source)
        rows = self.rows()
        selected = self._filtered.get(key)
        if selected is None:
            selected = tuple(
                row
                for row in rows
                if (not insu_admdvs or row.insu_admdvs == insu_admdvs)
                and (not hilist_code or row.hilist_code == hilist_code)
                and (not list_type or row.list_type == list_type)
                and (source == "1312" or (row.cap_served if source == "1319" else row.ratio_served))
            )
            if len(self._filtered) > 16:
                self._filtered.clear()
            self._filtered[key] = selected
        times = _Times(selected)
        start = (
            bisect.bisect_left(times, updated_after)
            if inclusive
            else bisect.bisect_right(times, updated_after)
        )
        count = len(selected) - start
        first = start + (page_num - 1) * page_size
        return Page(selected[first : min(first + page_size, len(selected))], page_num, page_size, count)

    def versions(self) -> tuple[Publication, ...]:
        with self._connect() as connection:
            stored = [
                Publication(row["ver"], parse_datetime(row["published_at"]), row["note"], row["changes"])
                for row in connection.execute("SELECT * FROM catalogue_version ORDER BY ver")
            ]
        return (Publication(BASE_VERSION, BASE_UPDT_TIME, "shipped payment-scope files", 0), *stored)

    # -- publishing -----------------------------------------------------------------------------------------

    def publish(
        self,
        connection: sqlite3.Connection,
        changes: Sequence[Mapping[str, Any]],
        *,
        note: str,
        now: datetime,
    ) -> Publication:
        """Apply `changes` as the next version, atomically (inside the caller's transaction).

        Raises `RequestError` naming `changes[i].field` for the first bad change; nothing is stored then.
        """
        if not changes:
            raise RequestError("changes: at least one change is required")
        versions = self.versions()
        ver = f"v{int(versions[-1].ver[1:]) + 1:04d}"
        stamp = max(now.replace(tzinfo=None, microsecond=0), versions[-1].published_at + timedelta(seconds=1))
        by_code: dict[tuple[str, str], list[CatalogueItem]] = {}
        for row in self.rows():
            by_code.setdefault((row.insu_admdvs, row.hilist_code), []).append(row)
        touched: dict[tuple[str, str], dict[str, CatalogueItem]] = {}
        for index, change in enumerate(changes):
            place = f"changes[{index}]"
            if not isinstance(change, Mapping):
                raise RequestError(f"{place}: must be an object")
            if change.get("op") not in _OPS:
                raise RequestError(f"{place}.op: must be one of {', '.join(_OPS)}")
            key = (_text(change, "insu_admdvs", place), _text(change, "hilist_code", place))
            current = touched.get(key)
            if current is None:
                current = {row.rid: row for row in by_code.get(key, ())}
                touched[key] = current
            _apply(current, change, place, key, ver=ver, stamp=stamp)
        # Every row of a touched code is stored, changed or not, so together they replace the files' rows of
        # that code; the unchanged ones keep their ver and updt_time (they are not served again).
        stored = [row for rows in touched.values() for row in rows.values()]
        connection.executemany(
            "INSERT INTO catalogue_item VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (rid) DO UPDATE SET hilist_name = excluded.hilist_name, "
            "chrgitm_lv = excluded.chrgitm_lv, selfpay_prop = excluded.selfpay_prop, "
            "pric_uplmt_amt = excluded.pric_uplmt_amt, lmt_used_flag = excluded.lmt_used_flag, "
            "begndate = excluded.begndate, enddate = excluded.enddate, vali_flag = excluded.vali_flag, "
            "ver = excluded.ver, updt_time = excluded.updt_time, cap_served = excluded.cap_served, "
            "ratio_served = excluded.ratio_served",
            [_columns(row) for row in stored],
        )
        connection.execute(
            "INSERT INTO catalogue_version VALUES (?, ?, ?, ?)",
            (ver, format_datetime(stamp), note, len(changes)),
        )
        self._update_view(stored)
        return Publication(ver, stamp, note, len(changes))

    def _update_view(self, stored: list[CatalogueItem]) -> None:
        """The view with the stored rows in place of their earlier versions (same rid), kept sorted."""
        if self._view_of is None:
            return
        replaced = {row.rid for row in stored}
        view = [row for row in self._view_of[1] if row.rid not in replaced]
        view.extend(stored)
        view.sort(key=_order)  # Timsort: two sorted runs, merged in linear time
        self._view_of = (self._view_of[0], view)
        self._filtered = {}


def _order(row: CatalogueItem) -> tuple[datetime, str]:
    return (row.updt_time, row.rid)


class _Times(Sequence[datetime]):
    """The updt_time column of sorted rows, for bisect, without copying it."""

    def __init__(self, rows: tuple[CatalogueItem, ...]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return self._rows[index].updt_time


# -- one change ------------------------------------------------------------------------------------

_OPS = ("add", "withdraw", "change")


def _apply(
    rows: dict[str, CatalogueItem],
    change: Mapping[str, Any],
    place: str,
    key: tuple[str, str],
    *,
    ver: str,
    stamp: datetime,
) -> None:
    op = change.get("op")
    if op not in _OPS:
        raise RequestError(f"{place}.op: must be one of {', '.join(_OPS)}")
    live = sorted((row for row in rows.values() if row.vali_flag == "1"), key=lambda row: row.begndate)
    if op == "add":
        begndate = _date(change, "begndate", place)
        if any(row.enddate is None or row.enddate >= begndate for row in live):
            raise RequestError(f"{place}.begndate: {key[1]} is already in the catalogue of {key[0]} then")
        list_type = _text(change, "list_type", place)
        chrgitm_type = _text(change, "med_chrgitm_type", place)
        row = CatalogueItem(
            rid=row_id(*key, begndate),
            insu_admdvs=key[0],
            hilist_code=key[1],
            hilist_name=_text(change, "hilist_name", place),
            list_type=list_type,
            med_chrgitm_type=chrgitm_type,
            chrgitm_lv="",
            selfpay_prop=None,
            pric_uplmt_amt=None,
            lmt_used_flag=str(change.get("lmt_used_flag", "0")),
            begndate=begndate,
            enddate=_optional_date(change, "enddate", place),
            vali_flag="1",
            ver=ver,
            updt_time=stamp,
        )
        rows[row.rid] = _with_values(row, change, place, new=True)
        return
    when = _date(change, "enddate" if op == "withdraw" else "from", place)
    in_force = next((row for row in live if row.in_force(when)), None)
    if in_force is None:
        field = "enddate" if op == "withdraw" else "from"
        raise RequestError(f"{place}.{field}: {key[1]} is not in the catalogue of {key[0]} on {when}")
    touched: dict[str, Any] = {"ver": ver, "updt_time": stamp}
    if op == "withdraw":
        rows[in_force.rid] = replace(in_force, enddate=when, **touched)
        for later in live:
            if later.begndate > when:  # scheduled rows after the withdrawal never come into force
                rows[later.rid] = replace(later, vali_flag="0", **touched)
        return
    if in_force.begndate == when:
        rows[in_force.rid] = _with_values(replace(in_force, **touched), change, place, new=False)
        return
    rows[in_force.rid] = replace(in_force, enddate=when - timedelta(days=1), **touched)
    successor = replace(
        in_force, rid=row_id(*key, when), begndate=when, cap_served=False, ratio_served=False, **touched
    )
    rows[successor.rid] = _with_values(successor, change, place, new=False)


def _with_values(row: CatalogueItem, change: Mapping[str, Any], place: str, *, new: bool) -> CatalogueItem:
    """The row with the change's class / ratio / cap / name, checked as a payment-scope row."""
    values: dict[str, Any] = {}
    for name in ("chrgitm_lv", "selfpay_prop", "pric_uplmt_amt", "lmt_used_flag", "hilist_name"):
        if name in change:
            values[name] = change[name]
    if not new and not values:
        raise RequestError(f"{place}: nothing to change (chrgitm_lv, selfpay_prop, pric_uplmt_amt, ...)")
    level = values.get("chrgitm_lv", row.chrgitm_lv)
    if "chrgitm_lv" in values and "selfpay_prop" not in values:
        # A class change brings its usual ratio unless one is given: 甲 0, 丙 none; 乙 must say it.
        kept = row.selfpay_prop if row.chrgitm_lv == "02" else None  # a new 乙类 item must give its ratio
        values["selfpay_prop"] = {"01": "0", "03": None}.get(level, kept)
    document = {
        "insu_admdvs": row.insu_admdvs,
        "national_code": row.hilist_code,
        "name": values.get("hilist_name", row.hilist_name),
        "chrgitm_lv": level,
        "selfpay_prop": values.get("selfpay_prop", row.selfpay_prop),
        "pric_uplmt_amt": values.get("pric_uplmt_amt", row.pric_uplmt_amt),
        "lmt_used_flag": values.get("lmt_used_flag", row.lmt_used_flag),
        "begndate": row.begndate,
        "enddate": row.enddate,
        "provenance": _PROVENANCE,
    }
    try:
        entry = ScopeEntry.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        text = str(error["msg"])
        named = sorted((text.index(name), name) for name in ScopeEntry.model_fields if name in text)
        # A rule across fields (乙类 needs a ratio) has no location: name the field its message names first.
        field = ".".join(str(part) for part in error["loc"]) or (named[0][1] if named else "chrgitm_lv")
        raise RequestError(f"{place}.{field}: {error['msg']}") from exc
    ratio = None if entry.selfpay_prop is None else entry.selfpay_prop.quantize(_RATIO)
    return replace(
        row,
        hilist_name=entry.name,
        chrgitm_lv=entry.chrgitm_lv,
        # N5,4 on the wire (1320), whatever digits the publisher wrote (0.1 is served as 0.1000).
        selfpay_prop=ratio,
        pric_uplmt_amt=entry.pric_uplmt_amt,
        lmt_used_flag=entry.lmt_used_flag,
        cap_served=row.cap_served or entry.pric_uplmt_amt is not None,
        ratio_served=row.ratio_served or (entry.chrgitm_lv == "02" and ratio is not None),
    )


def _text(change: Mapping[str, Any], name: str, place: str) -> str:
    value = change.get(name)
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"{place}.{name}: required (a non-empty string)")
    return value.strip()


def _date(change: Mapping[str, Any], name: str, place: str) -> date:
    value = _optional_date(change, name, place)
    if value is None:
        raise RequestError(f"{place}.{name}: required (yyyy-MM-dd)")
    return value


def _optional_date(change: Mapping[str, Any], name: str, place: str) -> date | None:
    value = change.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RequestError(f"{place}.{name}: not a yyyy-MM-dd date: {value!r}") from None


# -- rows ------------------------------------------------------------------------------------------


def _base_rows(reference: ReferenceData, *, skip: set[tuple[str, str]]) -> list[CatalogueItem]:
    kinds: dict[str, tuple[str, str]] = {}
    for rows in reference.item_maps.values():
        for mapped in rows.values():
            if mapped.national_code and mapped.list_type and mapped.med_chrgitm_type:
                kinds.setdefault(mapped.national_code, (mapped.list_type, mapped.med_chrgitm_type))
    found: list[CatalogueItem] = []
    for province, codes in reference.scopes.items():
        for code, entries in codes.items():
            if (province, code) in skip:
                continue
            list_type, chrgitm_type = kinds.get(code) or _FAMILY.get(code[:1], _SERVICE)
            found.extend(
                CatalogueItem(
                    rid=row_id(province, code, entry.begndate),
                    insu_admdvs=province,
                    hilist_code=code,
                    hilist_name=entry.name,
                    list_type=list_type,
                    med_chrgitm_type=chrgitm_type,
                    chrgitm_lv=entry.chrgitm_lv,
                    selfpay_prop=entry.selfpay_prop,
                    pric_uplmt_amt=entry.pric_uplmt_amt,
                    lmt_used_flag=entry.lmt_used_flag,
                    begndate=entry.begndate,
                    enddate=entry.enddate,
                    vali_flag="1",
                    ver=BASE_VERSION,
                    updt_time=BASE_UPDT_TIME,
                    cap_served=entry.pric_uplmt_amt is not None,
                    ratio_served=entry.chrgitm_lv == "02" and entry.selfpay_prop is not None,
                )
                for entry in entries
            )
    return found


def _item(row: sqlite3.Row) -> CatalogueItem:
    return CatalogueItem(
        rid=row["rid"],
        insu_admdvs=row["insu_admdvs"],
        hilist_code=row["hilist_code"],
        hilist_name=row["hilist_name"],
        list_type=row["list_type"],
        med_chrgitm_type=row["med_chrgitm_type"],
        chrgitm_lv=row["chrgitm_lv"],
        selfpay_prop=None if row["selfpay_prop"] is None else Decimal(row["selfpay_prop"]),
        pric_uplmt_amt=None if row["pric_uplmt_amt"] is None else Decimal(row["pric_uplmt_amt"]),
        lmt_used_flag=row["lmt_used_flag"],
        begndate=date.fromisoformat(row["begndate"]),
        enddate=None if row["enddate"] is None else date.fromisoformat(row["enddate"]),
        vali_flag=row["vali_flag"],
        ver=row["ver"],
        updt_time=parse_datetime(row["updt_time"]),
        cap_served=bool(row["cap_served"]),
        ratio_served=bool(row["ratio_served"]),
    )


def _columns(row: CatalogueItem) -> tuple[str | int | None, ...]:
    return (
        row.rid,
        row.insu_admdvs,
        row.hilist_code,
        row.hilist_name,
        row.list_type,
        row.med_chrgitm_type,
        row.chrgitm_lv,
        None if row.selfpay_prop is None else str(row.selfpay_prop),
        None if row.pric_uplmt_amt is None else str(row.pric_uplmt_amt),
        row.lmt_used_flag,
        format_date(row.begndate),
        None if row.enddate is None else format_date(row.enddate),
        row.vali_flag,
        row.ver,
        format_datetime(row.updt_time),
        int(row.cap_served),
        int(row.ratio_served),
    )
