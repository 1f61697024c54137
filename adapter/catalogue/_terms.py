"""A national item's terms over time, from the three sources (1312 class, 1319 cap, 1320 ratio).

Each source has its own rows and periods; the terms on a day are the class row in force that day with the
cap and ratio rows in force that day (joined by date, not by rid: a platform need not share rids between its
queries). A 甲类 item pays no 先行自付 whatever 1320 says (ratio 0); a 丙类 item has none (wholly self-paid).
A timeline is the list of maximal periods with the same terms; an item out of the catalogue has no segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from ._model import CapRow, ItemRow, RatioRow, RowBase, Terms
from ._store import Snapshot

__all__ = ["Segment", "Timelines", "terms_at", "timelines"]

RowT = TypeVar("RowT", bound=RowBase)
_ONE_DAY = timedelta(days=1)
_ZERO = Decimal("0.0000")


@dataclass(frozen=True, slots=True)
class Segment:
    begndate: date
    enddate: date | None
    terms: Terms
    rid: str
    """The 1312 row behind it (provenance)."""


Timelines = dict[str, tuple[Segment, ...]]


def timelines(snapshot: Snapshot, *, province: str) -> Timelines:
    """National code -> its segments, for the rows of ``province``."""
    items: dict[str, list[ItemRow]] = {}
    caps: dict[str, list[CapRow]] = {}
    ratios: dict[str, list[RatioRow]] = {}
    for item in snapshot.items:
        if item.insu_admdvs == province and item.vali_flag == "1":
            items.setdefault(item.hilist_code, []).append(item)
    for cap in snapshot.caps:
        if cap.insu_admdvs == province and cap.vali_flag == "1":
            caps.setdefault(cap.hilist_code, []).append(cap)
    for ratio in snapshot.ratios:
        if ratio.insu_admdvs == province and ratio.vali_flag == "1":
            ratios.setdefault(ratio.hilist_code, []).append(ratio)
    return {code: _timeline(rows, caps.get(code, ()), ratios.get(code, ())) for code, rows in items.items()}


def terms_at(segments: Sequence[Segment], day: date) -> Terms | None:
    for segment in segments:
        if segment.begndate <= day and (segment.enddate is None or day <= segment.enddate):
            return segment.terms
    return None


def boundaries(*lines: Sequence[Segment]) -> list[date]:
    """Every day on which some segment of these timelines starts or the day after one ends, sorted."""
    days: set[date] = set()
    for line in lines:
        for segment in line:
            days.add(segment.begndate)
            if segment.enddate is not None:
                days.add(segment.enddate + _ONE_DAY)
    return sorted(days)


def _timeline(
    items: Sequence[ItemRow], caps: Sequence[CapRow], ratios: Sequence[RatioRow]
) -> tuple[Segment, ...]:
    if len(items) == 1 and len(caps) <= 1 and len(ratios) <= 1:
        # Most items: one class row, at most one cap and one ratio row, all of one period.
        (only,) = items
        if all((row.begndate, row.enddate) == (only.begndate, only.enddate) for row in (*caps, *ratios)):
            amount = caps[0].pric_uplmt_amt if caps else None
            proportion = ratios[0].selfpay_prop if ratios else None
            return (Segment(only.begndate, only.enddate, _terms(only, amount, proportion), only.rid),)
    days: set[date] = set()
    for row in (*items, *caps, *ratios):
        days.add(row.begndate)
        if row.enddate is not None:
            days.add(row.enddate + _ONE_DAY)
    ordered = sorted(days)
    segments: list[Segment] = []
    for index, start in enumerate(ordered):
        item = _in_force(items, start)
        if item is None:
            continue
        end = ordered[index + 1] - _ONE_DAY if index + 1 < len(ordered) else None
        cap = _in_force(caps, start)
        ratio = _in_force(ratios, start)
        terms = _terms(
            item, None if cap is None else cap.pric_uplmt_amt, None if ratio is None else ratio.selfpay_prop
        )
        previous = segments[-1] if segments else None
        if (
            previous is not None
            and previous.terms == terms
            and previous.enddate is not None
            and previous.enddate + _ONE_DAY == start
        ):
            segments[-1] = Segment(previous.begndate, end, terms, previous.rid)
        else:
            segments.append(Segment(start, end, terms, item.rid))
    return tuple(segments)


def _terms(item: ItemRow, cap: Decimal | None, ratio: Decimal | None) -> Terms:
    return Terms(
        hilist_name=item.hilist_name,
        chrgitm_lv=item.chrgitm_lv,
        selfpay_prop=_ratio(item.chrgitm_lv, ratio),
        pric_uplmt_amt=cap,
        list_type=item.list_type,
        med_chrgitm_type=item.med_chrgitm_type,
        lmt_used_flag=item.lmt_used_flag,
    )


def _ratio(level: str, ratio: Decimal | None) -> Decimal | None:
    if level == "01":
        return _ZERO
    if level == "03":
        return None
    return ratio


def _in_force(rows: Iterable[RowT], day: date) -> RowT | None:
    return next((row for row in rows if row.in_force(day)), None)
