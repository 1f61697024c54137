"""``check``: the hospital's 目录对照 against the synced catalogue of its province of care (目录对照 check).

For every mapped row (a national code; 未贯标 rows are not sent and not checked), on the day ``on``:

* the national code is in no row of the catalogue (``not_in_catalogue``), has ended (``ended``), or is not in
  force yet (``not_yet_in_force``) — error: lines with it are settled as 自费, or refused on upload;
* its list type or 收费项目类别 differs from the mapping's (``list_type_mismatch``, ``chrgitm_type_mismatch``)
  — error: the mapping points at another kind of item;
* 乙类 with no 先行自付 ratio in force (``selfpay_missing``) — error: the split cannot be computed;
* it ends on a known later day (``ending``) — warning, with the day;
* its class, 先行自付 ratio or price cap changes: since the previous sync (any effective day), or on a
  day after ``on`` (already published) — warning: what patients pay changes from ``effective``.

Findings come sorted by severity, then hospital code; each says in Chinese what to do.
"""

from __future__ import annotations

from datetime import date, timedelta

from mappings.items import ItemMap

from .._errors import InputError
from ._diff import changes_between, describe
from ._model import (
    ChangeKind,
    CheckFinding,
    CheckReport,
    FindingKind,
    Severity,
    Terms,
)
from ._store import CatalogueStore
from ._terms import Segment, boundaries, terms_at, timelines

__all__ = ["check_mapping"]

_ONE_DAY = timedelta(days=1)
_LEVELS = {"01": "甲类", "02": "乙类", "03": "丙类"}
_PAY_CHANGES = {
    ChangeKind.CLASS: FindingKind.CLASS,
    ChangeKind.SELFPAY: FindingKind.SELFPAY,
    ChangeKind.CAP: FindingKind.CAP,
}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def check_mapping(store: CatalogueStore, item_map: ItemMap, *, fixmedins_code: str, on: date) -> CheckReport:
    finished = store.finished_syncs()
    owner = store.owner()
    if not finished or owner is None:
        raise InputError("no finished sync in the catalogue store: run opsp catalogue sync first")
    latest = finished[-1]
    mapped = [row for row in item_map.entries.values() if row.national_code is not None]
    codes = {str(row.national_code) for row in mapped}
    now = timelines(store.snapshot(latest, codes=codes), province=owner.province)
    previous = (
        timelines(store.snapshot(finished[-2], codes=codes), province=owner.province)
        if len(finished) > 1
        else None
    )
    recent = changes_between(previous, now) if previous is not None else ()
    findings: dict[tuple[str, FindingKind, date | None], CheckFinding] = {}

    def add(finding: CheckFinding) -> None:
        findings.setdefault((finding.hospital_code, finding.kind, finding.effective), finding)

    for row in mapped:
        code = str(row.national_code)
        segments = now.get(code, ())
        base = {"hospital_code": str(row.hospital_code), "name": row.name, "national_code": code}
        for finding in _state(segments, row.list_type or "", row.med_chrgitm_type or "", on, base):
            add(finding)
        for change in recent:
            if change.hilist_code == code and change.kind in _PAY_CHANGES:
                add(
                    _pay_change(
                        _PAY_CHANGES[change.kind], change.effective, change.before, change.after, base
                    )
                )
        for finding in _scheduled(segments, on, base):
            add(finding)
    ordered = sorted(
        findings.values(),
        key=lambda f: (_ORDER[f.severity], f.hospital_code, f.effective or date.min, f.kind.value),
    )
    return CheckReport(
        fixmedins_code=fixmedins_code,
        province=owner.province,
        on=on,
        sync_no=latest,
        mapped_items=len(mapped),
        findings=tuple(ordered),
    )


def _state(
    segments: tuple[Segment, ...], list_type: str, chrgitm_type: str, on: date, base: dict[str, str]
) -> list[CheckFinding]:
    if not segments:
        return [
            CheckFinding(
                **base,
                kind=FindingKind.NOT_IN_CATALOGUE,
                severity=Severity.ERROR,
                effective=None,
                before="",
                after="",
                message="国家编码不在本省医保目录中（已同步的目录）：请核对目录对照中的国家编码，或改为未贯标自费。",
            )
        ]
    terms = terms_at(segments, on)
    if terms is None:
        later = [s for s in segments if s.begndate > on]
        if later:
            return [
                CheckFinding(
                    **base,
                    kind=FindingKind.NOT_YET,
                    severity=Severity.ERROR,
                    effective=later[0].begndate,
                    before="",
                    after=describe(later[0].terms),
                    message=f"该国家编码自 {later[0].begndate} 起才纳入医保目录：此前按自费结算。",
                )
            ]
        ended = max(s.enddate for s in segments if s.enddate is not None)
        return [
            CheckFinding(
                **base,
                kind=FindingKind.ENDED,
                severity=Severity.ERROR,
                effective=ended + _ONE_DAY,
                before=describe(terms_at(segments, ended)),
                after="",
                message=f"该国家编码已于 {ended} 停用（移出医保目录）："
                "请更新目录对照的国家编码，否则按自费结算。",
            )
        ]
    found = []
    if list_type and terms.list_type and terms.list_type != list_type:
        found.append(_mismatch(FindingKind.LIST_TYPE, "目录类别 list_type", list_type, terms.list_type, base))
    if chrgitm_type and terms.med_chrgitm_type and terms.med_chrgitm_type != chrgitm_type:
        found.append(
            _mismatch(
                FindingKind.CHRGITM_TYPE,
                "收费项目类别 med_chrgitm_type",
                chrgitm_type,
                terms.med_chrgitm_type,
                base,
            )
        )
    if terms.chrgitm_lv == "02" and terms.selfpay_prop is None:
        found.append(
            CheckFinding(
                **base,
                kind=FindingKind.NO_SELFPAY,
                severity=Severity.ERROR,
                effective=on,
                before="",
                after=describe(terms),
                message="乙类项目在该日没有先行自付比例（1320）：请重新同步目录，仍缺失请咨询医保经办机构。",
            )
        )
    current = next(s for s in segments if s.begndate <= on and (s.enddate is None or on <= s.enddate))
    if current.enddate is not None and terms_at(segments, current.enddate + _ONE_DAY) is None:
        found.append(
            CheckFinding(
                **base,
                kind=FindingKind.ENDING,
                severity=Severity.WARNING,
                effective=current.enddate + _ONE_DAY,
                before=describe(terms),
                after="",
                message=f"该国家编码将于 {current.enddate} 后移出医保目录："
                "请及时更新目录对照，否则此后按自费结算。",
            )
        )
    return found


def _scheduled(segments: tuple[Segment, ...], on: date, base: dict[str, str]) -> list[CheckFinding]:
    """Changes of class / ratio / cap already published for a day after ``on``."""
    found = []
    for day in boundaries(segments):
        if day <= on:
            continue
        was, now = terms_at(segments, day - _ONE_DAY), terms_at(segments, day)
        if was is None or now is None:
            continue
        found.extend(_field_changes(was, now, day, base))
    return found


def _field_changes(was: Terms, now: Terms, day: date, base: dict[str, str]) -> list[CheckFinding]:
    found = []
    if was.chrgitm_lv != now.chrgitm_lv:
        found.append(_pay_change(FindingKind.CLASS, day, was.chrgitm_lv, now.chrgitm_lv, base))
    if was.selfpay_prop != now.selfpay_prop:
        found.append(
            _pay_change(FindingKind.SELFPAY, day, _text(was.selfpay_prop), _text(now.selfpay_prop), base)
        )
    if was.pric_uplmt_amt != now.pric_uplmt_amt:
        found.append(
            _pay_change(FindingKind.CAP, day, _text(was.pric_uplmt_amt), _text(now.pric_uplmt_amt), base)
        )
    return found


def _pay_change(kind: FindingKind, day: date, before: str, after: str, base: dict[str, str]) -> CheckFinding:
    what = {
        FindingKind.CLASS: "收费项目等级",
        FindingKind.SELFPAY: "先行自付比例",
        FindingKind.CAP: "最高限价",
    }[kind]
    shown_before = _LEVELS.get(before, before) if kind == FindingKind.CLASS else before
    shown_after = _LEVELS.get(after, after) if kind == FindingKind.CLASS else after
    return CheckFinding(
        **base,
        kind=kind,
        severity=Severity.WARNING,
        effective=day,
        before=before,
        after=after,
        message=f"{what}自 {day} 起由 {shown_before} 变为 {shown_after}，患者负担随之变化："
        "请告知收费处并复核目录对照。",
    )


def _mismatch(
    kind: FindingKind, what: str, mapped: str, catalogue: str, base: dict[str, str]
) -> CheckFinding:
    return CheckFinding(
        **base,
        kind=kind,
        severity=Severity.ERROR,
        effective=None,
        before=mapped,
        after=catalogue,
        message=f"目录对照的{what}为 {mapped}，医保目录为 {catalogue}："
        "对照指向了另一类项目，请核对国家编码。",
    )


def _text(value: object) -> str:
    if value is None:
        return "-"
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
