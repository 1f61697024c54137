"""``diff``: what changed in the catalogue of the province of care between two syncs.

Compared as timelines (``_terms``): for every day on which either side's terms start or end, the terms of
the two syncs on that day; where they differ, one change per field that differs, effective from that day
until the next day they agree again (``until`` inclusive; None = open). An item present in only one side on
a day is ``added`` or ``withdrawn`` from that day.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .._errors import InputError
from ._model import CatalogueChange, CatalogueDiff, ChangeKind, Terms
from ._store import CatalogueStore
from ._terms import Segment, Timelines, boundaries, terms_at, timelines

__all__ = ["changes_between", "describe", "diff_catalogue"]

_ONE_DAY = timedelta(days=1)
_FIELDS = (
    (ChangeKind.CLASS, "chrgitm_lv"),
    (ChangeKind.SELFPAY, "selfpay_prop"),
    (ChangeKind.CAP, "pric_uplmt_amt"),
    (ChangeKind.LIST_TYPE, "list_type"),
    (ChangeKind.CHRGITM_TYPE, "med_chrgitm_type"),
    (ChangeKind.RESTRICTION, "lmt_used_flag"),
    (ChangeKind.NAME, "hilist_name"),
)


def diff_catalogue(
    store: CatalogueStore, from_sync: int | None = None, to_sync: int | None = None
) -> CatalogueDiff:
    """The changes between two finished syncs (default: the last two; FROM 0 = the empty catalogue)."""
    finished = store.finished_syncs()
    owner = store.owner()
    if not finished or owner is None:
        raise InputError(
            "no finished sync in the catalogue store: run opsp catalogue sync first", where="FROM"
        )
    to_sync = finished[-1] if to_sync is None else to_sync
    if from_sync is None:
        earlier = [number for number in finished if number < to_sync]
        from_sync = earlier[-1] if earlier else 0
    for name, number in (("FROM", from_sync), ("TO", to_sync)):
        if number != 0 and number not in finished:
            known = ", ".join(str(n) for n in finished)
            raise InputError(
                f"sync {number} is not a finished sync of this store (finished: {known})", where=name
            )
    if from_sync > to_sync:
        raise InputError(f"FROM {from_sync} is after TO {to_sync}", where="FROM")
    before = timelines(store.snapshot(from_sync), province=owner.province) if from_sync else {}
    after = timelines(store.snapshot(to_sync), province=owner.province)
    return CatalogueDiff(
        from_sync=from_sync, to_sync=to_sync, province=owner.province, changes=changes_between(before, after)
    )


def changes_between(before: Timelines, after: Timelines) -> tuple[CatalogueChange, ...]:
    found: list[CatalogueChange] = []
    for code in sorted(before.keys() | after.keys()):
        old, new = before.get(code, ()), after.get(code, ())
        if old == new:
            continue
        found.extend(_code_changes(code, old, new))
    return tuple(found)


def _code_changes(code: str, old: tuple[Segment, ...], new: tuple[Segment, ...]) -> list[CatalogueChange]:
    days = boundaries(old, new)
    runs: list[tuple[date, date | None, Terms | None, Terms | None]] = []
    for index, day in enumerate(days):
        end = days[index + 1] - _ONE_DAY if index + 1 < len(days) else None
        pair = (terms_at(old, day), terms_at(new, day))
        if pair[0] == pair[1]:
            continue
        if runs and runs[-1][2:] == pair and runs[-1][1] is not None and runs[-1][1] + _ONE_DAY == day:
            runs[-1] = (runs[-1][0], end, *pair)
        else:
            runs.append((day, end, *pair))
    changes: list[CatalogueChange] = []
    for start, end, was, now in runs:
        shown = now or was
        name = shown.hilist_name if shown is not None else ""
        if was is None or now is None:
            kind = ChangeKind.ADDED if was is None else ChangeKind.WITHDRAWN
            differences = [(kind, describe(was), describe(now))]
        else:
            differences = [
                (kind, _value(getattr(was, field)), _value(getattr(now, field)))
                for kind, field in _FIELDS
                if getattr(was, field) != getattr(now, field)
            ]
        changes.extend(
            CatalogueChange(
                hilist_code=code,
                hilist_name=name,
                kind=kind,
                effective=start,
                until=end,
                before=before,
                after=after,
            )
            for kind, before, after in differences
        )
    return changes


def describe(terms: Terms | None) -> str:
    """Terms in one line: class, 先行自付 ratio, cap (``-`` for none); empty when out of the catalogue."""
    if terms is None:
        return ""
    return f"{terms.chrgitm_lv}/{_value(terms.selfpay_prop)}/{_value(terms.pric_uplmt_amt)}"


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 0.1000 -> 0.1, 12.500000 -> 12.5
    return str(value)
